// Internal: the per-thread pool of small blocks (node_pool.cpp) — Value nodes, and the
// short-lived shared states of a fetch (FutureState, QueryFetch, Retryer, AbortState,
// CompletionState) through BlockAllocator and std::allocate_shared.
//
// Each thread keeps at most 256 freed blocks per 16-byte size class up to pool_max_bytes (about
// 540 KB per thread in all) and gives them back when it ends: nothing grows with history. A block
// may be freed on another thread than the one that allocated it; it joins that thread's list.
//
// The pop and the push are inline here (allocate_block_inline, free_block_inline) for the Value
// builders and destroy, which make and free a key's four nodes per lookup: a call each way was a
// fifth of their cost. Everything else (the thread's first block, a full list, the drain at thread
// exit) stays out of line in node_pool.cpp.
#pragma once

#include <cstddef>
#include <cstdint>

// Under AddressSanitizer the lists are bypassed, so a use after free is still caught.
#if defined(__SANITIZE_ADDRESS__)
#define MFSTATE_NO_NODE_POOL 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MFSTATE_NO_NODE_POOL 1
#endif
#endif

namespace mfstate::detail {

/// A block of at least `bytes`: from this thread's free list of its size class when there is one
/// (blocks up to pool_max_bytes), else from operator new. Aligned as operator new. Throws
/// std::bad_alloc.
void* allocate_block(std::size_t bytes);
/// Gives back a block of `bytes` obtained from allocate_block (on any thread: a block may be
/// freed on another thread than the one that allocated it, after a hand-over).
void free_block(void* block, std::size_t bytes) noexcept;
/// Blocks up to this size are pooled; larger ones go straight to operator new/delete.
inline constexpr std::size_t pool_max_bytes = 256;

namespace pool {

inline constexpr std::size_t granule = 16;
// A class's blocks are as large as malloc's chunk can hold. 64-bit glibc hands out chunks of 16k
// bytes of which 16k - 8 are usable (an 8-byte header), so a class of 16k bytes would take a chunk
// of 16k + 16 and leave 8 bytes unused: classes of 16k + 8 bytes cost the same chunks, and a block
// of 16k + 1 ... 16k + 8 bytes (the S1 data object's 120) takes one chunk size less. Elsewhere
// (emscripten's dlmalloc: 4-byte headers, 8-byte alignment) the plain 16k classes fit best.
#if defined(__GLIBC__) && UINTPTR_MAX > 0xffffffffu
inline constexpr std::size_t chunk_slack = 8;
#else
inline constexpr std::size_t chunk_slack = 0;
#endif
// No branch for the smallest blocks: below granule - chunk_slack + 1 bytes (none of the library's
// blocks is that small) the class wraps past the last one and the block goes to operator new.
constexpr std::size_t class_of(std::size_t bytes) noexcept {
  return (bytes + granule - 1 - chunk_slack) / granule - 1;
}
constexpr std::size_t class_bytes(std::size_t c) noexcept { return (c + 1) * granule + chunk_slack; }
inline constexpr std::size_t classes = class_of(pool_max_bytes) + 1;
static_assert(class_bytes(class_of(pool_max_bytes)) >= pool_max_bytes);
/// Blocks kept per class: at most 256 × (16 + 32 + ... + 256) bytes ≈ 540 KB per thread.
inline constexpr std::uint32_t max_cached = 256;

struct FreeBlock {
  FreeBlock* next;
};

// Trivially destructible and constant-initialised, so reaching it costs no TLS guard nor wrapper
// call, in node_pool.cpp or inline elsewhere. `Drain` (node_pool.cpp) empties the lists when the
// thread ends; it is set up the first time this thread caches a block.
enum class ListState : std::uint8_t { fresh, draining_set_up, closed };
struct FreeLists {
  FreeBlock* head[classes];
  std::uint32_t count[classes];
  ListState state;
};
#ifndef MFSTATE_NO_NODE_POOL
extern constinit thread_local FreeLists lists;
#endif

/// A new block of class `c` (its list is empty), or of `bytes` beyond the classes.
void* allocate_fresh(std::size_t bytes, std::size_t c);
/// Everything but the hot push: a thread's first cached block, a full list, a block too large for
/// a class, a thread whose lists are closed.
void free_slow(void* block, std::size_t c) noexcept;

}  // namespace pool

/// allocate_block's body, inline: the pop from this thread's list, a call only when it is empty.
[[gnu::always_inline]] inline void* allocate_block_inline(std::size_t bytes) {
#ifndef MFSTATE_NO_NODE_POOL
  const std::size_t c = pool::class_of(bytes);
  if (c < pool::classes) [[likely]] {
    if (pool::FreeBlock* b = pool::lists.head[c]) [[likely]] {
      pool::lists.head[c] = b->next;
      --pool::lists.count[c];
      return b;
    }
  }
  return pool::allocate_fresh(bytes, c);
#else
  return allocate_block(bytes);
#endif
}

/// free_block's body, inline: the push onto this thread's list, a call only off the usual path.
[[gnu::always_inline]] inline void free_block_inline(void* block, std::size_t bytes) noexcept {
#ifndef MFSTATE_NO_NODE_POOL
  const std::size_t c = pool::class_of(bytes);
  // One test of the state covers both the fresh thread (drain not set up) and the closed one.
  if (c < pool::classes && pool::lists.count[c] < pool::max_cached &&
      pool::lists.state == pool::ListState::draining_set_up) [[likely]] {
    auto* b = static_cast<pool::FreeBlock*>(block);
    b->next = pool::lists.head[c];
    pool::lists.head[c] = b;
    ++pool::lists.count[c];
    return;
  }
  pool::free_slow(block, c);
#else
  free_block(block, bytes);
#endif
}

/// A hot path's block (a Value node, a queued bus message): the pop and the push inline natively;
/// in the WebAssembly module, where every inlined copy is downloaded, a call.
#if defined(__EMSCRIPTEN__)
inline void* allocate_hot_block(std::size_t bytes) { return allocate_block(bytes); }
inline void free_hot_block(void* block, std::size_t bytes) noexcept { free_block(block, bytes); }
#else
[[gnu::always_inline]] inline void* allocate_hot_block(std::size_t bytes) {
  return allocate_block_inline(bytes);
}
[[gnu::always_inline]] inline void free_hot_block(void* block, std::size_t bytes) noexcept {
  free_block_inline(block, bytes);
}
#endif

/// A standard allocator over allocate_block/free_block, for std::allocate_shared: the object and
/// its control block in one pooled block, where make_shared takes one from malloc each time.
template <typename T>
struct BlockAllocator {
  using value_type = T;
  BlockAllocator() noexcept = default;
  template <typename U>
  BlockAllocator(const BlockAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)
  T* allocate(std::size_t n) {
    static_assert(alignof(T) <= alignof(std::max_align_t), "allocate_block aligns as operator new");
    return static_cast<T*>(allocate_block(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept { free_block(p, n * sizeof(T)); }
  template <typename U>
  bool operator==(const BlockAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace mfstate::detail
