// The blocks Value nodes live in: per-thread free lists by size class, in front of operator new.
//
// Building and dropping small values (a key, a payload, a reducer's new root) is the hot path of
// most workloads, and glibc's own per-thread cache holds only seven blocks per size, so a burst of
// frees falls through to its slower paths. Each thread keeps up to `max_cached` freed blocks per
// 16-byte size class (up to 256 bytes) and hands them out again first: a pop or a push, no lock
// (inline in block_pool.hpp). A block may be freed on another thread than the one that allocated
// it (a Value built by a fetcher on a worker and handed over): it simply joins the freeing
// thread's list. What a thread caches is bounded and given back when the thread ends, so nothing
// grows with history.
//
// Under AddressSanitizer the lists are bypassed (MFSTATE_NO_NODE_POOL), so a use after free is
// still caught.
#include <cstddef>
#include <cstdint>
#include <new>

#if !defined(__EMSCRIPTEN__) || defined(__EMSCRIPTEN_PTHREADS__)
#include <pthread.h>
#endif

#include "block_pool.hpp"

namespace mfstate::detail {

namespace pool {

#ifndef MFSTATE_NO_NODE_POOL
constinit thread_local FreeLists lists{};

namespace {

// Gives this thread's cached blocks back to the heap when the thread ends.
void drain(void*) noexcept {
  for (std::size_t c = 0; c < classes; ++c) {
    while (FreeBlock* b = lists.head[c]) {
      lists.head[c] = b->next;
      ::operator delete(b);
    }
    lists.count[c] = 0;
  }
  // Blocks freed later by this thread's remaining destructors go straight to the heap.
  lists.state = ListState::closed;
}

#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
// One thread, which never ends before the module does: nothing to set up.
bool set_up_drain() noexcept {
  lists.state = ListState::draining_set_up;
  return true;
}
#else
// Not a thread_local with a destructor, set up on a thread's first pooled free: glibc registers
// such a destructor with calloc, and when that fails it ends the process (__libc_fatal "failed to
// register TLS destructor"), from inside this noexcept free, wherever the registration is made.
// A pthread key's value reports its failure instead; the key itself is made once, before main
// (zero until then: `made` false, and what is freed meanwhile goes to the heap). Its destructor
// runs after the thread's C++ thread_local destructors, so the blocks those free are drained too.
// The main thread's key destructors do not run at exit: its lists go with the process.
struct DrainKey {
  pthread_key_t key;
  bool made;
  DrainKey() noexcept : key(), made(pthread_key_create(&key, &drain) == 0) {}
};
DrainKey drain_key;

// False when the drain cannot be set up (no key, or no memory for this thread's value of it):
// the block then goes to the heap, and the next free tries again.
[[gnu::noinline]] bool set_up_drain() noexcept {
  if (!drain_key.made || pthread_setspecific(drain_key.key, &lists) != 0) return false;
  lists.state = ListState::draining_set_up;
  return true;
}
#endif

}  // namespace

void* allocate_fresh(std::size_t bytes, std::size_t c) {
  return ::operator new(c < classes ? class_bytes(c) : bytes);
}

// Out of line, so the push in free_block_inline saves no registers and makes no call.
void free_slow(void* block, std::size_t c) noexcept {
  if (c < classes && lists.count[c] < max_cached && lists.state == ListState::fresh && set_up_drain()) {
    auto* b = static_cast<FreeBlock*>(block);
    b->next = lists.head[c];
    lists.head[c] = b;
    ++lists.count[c];
    return;
  }
  ::operator delete(block);
}
#else
void* allocate_fresh(std::size_t bytes, std::size_t) { return ::operator new(bytes); }
void free_slow(void* block, std::size_t) noexcept { ::operator delete(block); }
#endif

}  // namespace pool

#ifndef MFSTATE_NO_NODE_POOL
void* allocate_block(std::size_t bytes) { return allocate_block_inline(bytes); }
void free_block(void* block, std::size_t bytes) noexcept { free_block_inline(block, bytes); }
#else
void* allocate_block(std::size_t bytes) { return ::operator new(bytes); }
void free_block(void* block, std::size_t) noexcept { ::operator delete(block); }
#endif

}  // namespace mfstate::detail
