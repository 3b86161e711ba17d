// Internal: a listener the library owns (a bus or store subscriber), kept as the callable it was
// given and called through one function pointer. Not for users: the public headers name it only
// in their subscribe templates.
//
// Why not std::function: a delivery calls every subscriber of a message in turn, and a
// std::function call first tests the function for emptiness and takes each argument by reference
// (a std::string_view stored to the stack at every call), then jumps through its invoker. Here the
// arguments go in registers, and a cancelled subscription is silenced (its call becomes a no-op)
// rather than flagged, so the delivery loop tests nothing before the call.
#pragma once

#include <type_traits>
#include <utility>

namespace mfstate::detail {

template <typename... Args>
class Callback {
 public:
  Callback() noexcept = default;
  /// `f` moved (or copied) into one allocation the Callback owns.
  template <typename F>
  static Callback of(F&& f) {
    using Fn = std::decay_t<F>;
    Callback c;
    c.self_ = new Fn(std::forward<F>(f));
    c.call_ = [](void* self, Args... args) { (*static_cast<Fn*>(self))(std::forward<Args>(args)...); };
    c.destroy_ = [](void* self) noexcept { delete static_cast<Fn*>(self); };
    return c;
  }
  Callback(Callback&& o) noexcept
      : call_(std::exchange(o.call_, nullptr)),
        destroy_(std::exchange(o.destroy_, nullptr)),
        self_(std::exchange(o.self_, nullptr)) {}
  Callback& operator=(Callback&& o) noexcept {
    Callback(std::move(o)).swap(*this);
    return *this;
  }
  Callback(const Callback&) = delete;
  Callback& operator=(const Callback&) = delete;
  ~Callback() {
    if (destroy_ != nullptr) destroy_(self_);
  }

  explicit operator bool() const noexcept { return call_ != nullptr; }
  /// Calls the callable (a silenced one: nothing).
  void operator()(Args... args) const { call_(self_, std::forward<Args>(args)...); }
  /// From now on a call does nothing. The callable itself lives on until the Callback goes: it may
  /// be the one running.
  void silence() noexcept { call_ = &skip; }

 private:
  static void skip(void*, Args...) {}
  void swap(Callback& o) noexcept {
    std::swap(call_, o.call_);
    std::swap(destroy_, o.destroy_);
    std::swap(self_, o.self_);
  }

  void (*call_)(void* self, Args... args) = nullptr;
  void (*destroy_)(void* self) noexcept = nullptr;
  void* self_ = nullptr;
};

/// Whether `F` is a callable that a subscribe template should keep as a Callback<Args...>: not the
/// std::function overload's own type `Function` (nor a function pointer, which may be null: that
/// overload refuses an empty listener), and callable with `Args`.
template <typename F, typename Function, typename... Args>
inline constexpr bool keeps_as_callback =
    !std::is_same_v<std::remove_cvref_t<F>, Function> && !std::is_pointer_v<std::decay_t<F>> &&
    std::is_invocable_v<std::decay_t<F>&, Args...>;

}  // namespace mfstate::detail
