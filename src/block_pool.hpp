// Internal: the per-thread pool of small blocks (node_pool.cpp) — Value nodes, and the
// short-lived shared states of a fetch (FutureState, QueryFetch, Retryer, AbortState,
// CompletionState) through BlockAllocator and std::allocate_shared.
//
// Each thread keeps at most 256 freed blocks per 16-byte size class up to pool_max_bytes (about
// 540 KB per thread in all) and gives them back when it ends: nothing grows with history. A block
// may be freed on another thread than the one that allocated it; it joins that thread's list.
#pragma once

#include <cstddef>

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
