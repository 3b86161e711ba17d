// The blocks Value nodes live in: per-thread free lists by size class, in front of operator new.
//
// Building and dropping small values (a key, a payload, a reducer's new root) is the hot path of
// most workloads, and glibc's own per-thread cache holds only seven blocks per size, so a burst of
// frees falls through to its slower paths. Each thread keeps up to `max_cached` freed blocks per
// 16-byte size class (up to 256 bytes) and hands them out again first: a pop or a push, no lock.
// A block may be freed on another thread than the one that allocated it (a Value built by a
// fetcher on a worker and handed over): it simply joins the freeing thread's list. What a thread
// caches is bounded and given back when the thread ends, so nothing grows with history.
//
// Under AddressSanitizer the lists are bypassed, so a use after free is still caught.
#include <cstddef>
#include <cstdint>
#include <new>

#include "block_pool.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define MFSTATE_NO_NODE_POOL 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MFSTATE_NO_NODE_POOL 1
#endif
#endif

namespace mfstate::detail {

namespace {

constexpr std::size_t granule = 16;
// A class's blocks are as large as malloc's chunk can hold. 64-bit glibc hands out chunks of 16k
// bytes of which 16k - 8 are usable (an 8-byte header), so a class of 16k bytes would take a chunk
// of 16k + 16 and leave 8 bytes unused: classes of 16k + 8 bytes cost the same chunks, and a block
// of 16k + 1 ... 16k + 8 bytes (the S1 data object's 120) takes one chunk size less. Elsewhere
// (emscripten's dlmalloc: 4-byte headers, 8-byte alignment) the plain 16k classes fit best.
#if defined(__GLIBC__) && UINTPTR_MAX > 0xffffffffu
constexpr std::size_t chunk_slack = 8;
#else
constexpr std::size_t chunk_slack = 0;
#endif
// No branch for the smallest blocks: below granule - chunk_slack + 1 bytes (none of the library's
// blocks is that small) the class wraps past the last one and the block goes to operator new.
constexpr std::size_t class_of(std::size_t bytes) noexcept {
  return (bytes + granule - 1 - chunk_slack) / granule - 1;
}
constexpr std::size_t class_bytes(std::size_t c) noexcept { return (c + 1) * granule + chunk_slack; }
constexpr std::size_t classes = class_of(pool_max_bytes) + 1;
static_assert(class_bytes(class_of(pool_max_bytes)) >= pool_max_bytes);
/// Blocks kept per class: at most 256 × (16 + 32 + ... + 256) bytes ≈ 540 KB per thread.
constexpr std::uint32_t max_cached = 256;

struct FreeBlock {
  FreeBlock* next;
};

// Trivially destructible, so reaching it costs no TLS guard. `Drain` empties the lists when the
// thread ends; it is set up the first time this thread caches a block.
enum class ListState : std::uint8_t { fresh, draining_set_up, closed };
struct FreeLists {
  FreeBlock* head[classes];
  std::uint32_t count[classes];
  ListState state;
};
thread_local FreeLists lists;

struct Drain {
  ~Drain() {
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
};

// Unused when MFSTATE_NO_NODE_POOL is set (the sanitizer builds, which want every block on the heap).
[[gnu::noinline, maybe_unused]] void set_up_drain() {
  static thread_local Drain drain;
  (void)drain;
  lists.state = ListState::draining_set_up;
}

}  // namespace

void* allocate_block(std::size_t bytes) {
#ifndef MFSTATE_NO_NODE_POOL
  const std::size_t c = class_of(bytes);
  if (c < classes) {
    if (FreeBlock* b = lists.head[c]) {
      lists.head[c] = b->next;
      --lists.count[c];
      return b;
    }
    return ::operator new(class_bytes(c));
  }
#endif
  return ::operator new(bytes);
}

namespace {

[[maybe_unused]] void push_block(std::size_t c, void* block) noexcept {
  auto* b = static_cast<FreeBlock*>(block);
  b->next = lists.head[c];
  lists.head[c] = b;
  ++lists.count[c];
}

// free_block() in the cases other than the usual one (a list with room, on a thread whose lists
// are set up): the thread's first block (the drain set up, then cached), a full list, a large
// block, a thread that is ending.
[[gnu::noinline]] void free_block_slowly(void* block, [[maybe_unused]] std::size_t bytes) noexcept {
#ifndef MFSTATE_NO_NODE_POOL
  const std::size_t c = class_of(bytes);
  if (c < classes && lists.count[c] < max_cached && lists.state == ListState::fresh) {
    set_up_drain();
    push_block(c, block);
    return;
  }
#endif
  ::operator delete(block);
}

}  // namespace

void free_block(void* block, [[maybe_unused]] std::size_t bytes) noexcept {
#ifndef MFSTATE_NO_NODE_POOL
  // The usual case, without a call (so without saving registers for one).
  const std::size_t c = class_of(bytes);
  FreeLists& l = lists;
  if (c < classes && l.count[c] < max_cached && l.state == ListState::draining_set_up) [[likely]] {
    auto* b = static_cast<FreeBlock*>(block);
    b->next = l.head[c];
    l.head[c] = b;
    ++l.count[c];
    return;
  }
#endif
  free_block_slowly(block, bytes);
}

}  // namespace mfstate::detail
