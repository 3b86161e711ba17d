// Out-of-memory tests: this binary's operator new, which fails the allocation the test asks for
// (`allocations_to_failure = k`: the k-th from now throws std::bad_alloc; 0: none fails), so a
// test can fail every allocation of an operation in turn. It replaces the global operator new and
// delete, so include it in the one source file of a test binary, and nowhere else.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

namespace {

// Allocations left before the failing one; 0: none fails.
long allocations_to_failure = 0;

void* allocate_or_fail(std::size_t n) {
  if (allocations_to_failure > 0 && --allocations_to_failure == 0) throw std::bad_alloc();
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}

}  // namespace

void* operator new(std::size_t n) { return allocate_or_fail(n); }
void* operator new[](std::size_t n) { return allocate_or_fail(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
