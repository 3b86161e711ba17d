// Heap accounting for S1's bytes per entry, measured rather than estimated.
//
// The figure is glibc's own count of bytes in use (mallinfo2: small chunks plus mmapped ones),
// read before and after building the cache: it includes every allocation the cache makes (by
// operator new or malloc), malloc's chunk headers and size rounding — what the process really
// pays, as the JS side's heapUsed is. The global operator new/delete below also count blocks
// while counting is switched on, to tell how many allocations an entry costs; switched off (every
// timed pass) they cost one predictable branch on top of malloc/free.
#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "harness.hpp"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<std::int64_t> g_blocks{0};

void* allocate(std::size_t size) {
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  if (g_counting.load(std::memory_order_relaxed)) g_blocks.fetch_add(1, std::memory_order_relaxed);
  return p;
}

void release(void* p) noexcept {
  if (p == nullptr) return;
  if (g_counting.load(std::memory_order_relaxed)) g_blocks.fetch_sub(1, std::memory_order_relaxed);
  std::free(p);
}
}  // namespace

void* operator new(std::size_t size) { return allocate(size); }
void* operator new[](std::size_t size) { return allocate(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return allocate(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return allocate(size);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }

namespace mfstate::bench {

void count_allocations(bool on) { g_counting.store(on, std::memory_order_relaxed); }

HeapReading read_heap() {
  malloc_trim(0);
  struct mallinfo2 info = mallinfo2();
  return HeapReading{.live_bytes = static_cast<std::uint64_t>(info.uordblks + info.hblkhd),
                     .allocations = g_blocks.load(std::memory_order_relaxed)};
}

}  // namespace mfstate::bench
