// Internal: a fixed-size object pool — slabs of objects and a free list through freed slots. The
// query cache keeps millions of small entries and trie nodes (S1); a pool avoids malloc's
// per-chunk overhead (16 bytes on glibc) for each.
#pragma once

#include <cstddef>
#include <new>
#include <utility>
#include <vector>

namespace mfstate::detail {

template <typename T>
class Pool {
 public:
  Pool() = default;
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  ~Pool() {
    for (void* s : slabs_) ::operator delete(s);
  }
  template <typename... A>
  T* make(A&&... args) {
    void* p;
    if (free_ != nullptr) {
      p = free_;
      free_ = free_->next;
    } else {
      if (used_ == slab_size) {
        // The list's room first: a push_back that failed to grow it would lose the new slab.
        if (slabs_.size() == slabs_.capacity()) slabs_.reserve(slabs_.empty() ? 8 : 2 * slabs_.size());
        slabs_.push_back(::operator new(sizeof(Slot) * slab_size));
        used_ = 0;
      }
      p = static_cast<Slot*>(slabs_.back()) + used_++;
    }
    return ::new (p) T(std::forward<A>(args)...);
  }
  void destroy(T* t) noexcept {
    t->~T();
    auto* f = reinterpret_cast<FreeSlot*>(t);
    f->next = free_;
    free_ = f;
  }

 private:
  struct FreeSlot {
    FreeSlot* next;
  };
  union Slot {
    FreeSlot f;
    alignas(T) unsigned char bytes[sizeof(T)];
  };
  static constexpr std::size_t slab_size = 512;
  std::vector<void*> slabs_;
  std::size_t used_ = slab_size;
  FreeSlot* free_ = nullptr;
};

}  // namespace mfstate::detail
