// Internal: a non-atomic intrusive reference count for the host's and bus's records. The runtime
// is single-threaded, so keeping a record alive across a callback costs two plain increments, not
// the atomic ones of std::shared_ptr.
#pragma once

#include <cstdint>
#include <utility>

namespace mfstate::detail {

/// Base of a record counted by Ref<T>. Starts unowned.
struct RefCounted {
  std::uint32_t refs = 0;
};

/// An owning pointer to a RefCounted T: the record is deleted when the last Ref goes.
template <typename T>
class Ref {
 public:
  Ref() noexcept = default;
  explicit Ref(T* p) noexcept : p_(p) {
    if (p_ != nullptr) ++p_->refs;
  }
  Ref(const Ref& other) noexcept : Ref(other.p_) {}
  /// Takes over a reference already counted (an App handle's, when the handle goes).
  static Ref adopt(T* p) noexcept {
    Ref r;
    r.p_ = p;
    return r;
  }
  Ref(Ref&& other) noexcept : p_(std::exchange(other.p_, nullptr)) {}
  Ref& operator=(Ref other) noexcept {
    std::swap(p_, other.p_);
    return *this;
  }
  ~Ref() { reset(); }

  void reset() noexcept {
    T* p = std::exchange(p_, nullptr);
    if (p != nullptr && --p->refs == 0) destroy(p);
  }
  T* get() const noexcept { return p_; }
  T& operator*() const noexcept { return *p_; }
  T* operator->() const noexcept { return p_; }
  explicit operator bool() const noexcept { return p_ != nullptr; }

 private:
  // Out of line: the release stays a decrement and a branch where it is inlined (the record's
  // destructor is large, and inlined into reset it made every release save six registers).
  [[gnu::noinline]] static void destroy(T* p) noexcept { delete p; }

  T* p_ = nullptr;
};

}  // namespace mfstate::detail
