// mfstate::Store — one app's own state: a reducer, middleware, subscribers, memoised selectors.
//
// Semantics (Redux's, made safe by construction):
// - `dispatch(action)` runs the action through the middleware chain, then the reducer. The new
//   state replaces the old one; subscribers are told through the Batcher (the one notification
//   queue), once per outermost operation, after it ends, each seeing the final state.
// - A dispatch made while the store is busy (from a reducer, a middleware or one of its own
//   subscribers) is queued and run after the current one, in order — never recursively. Each
//   queued action is an action of its own, as each dispatch is in Redux (where a nested dispatch
//   runs at once, and one that throws undoes none of the others): one that fails (its reducer or
//   middleware throws, memory runs out) changes nothing — the dispatches it queued itself go with
//   it, as an outermost action's do — and those queued after it still run. Its caller has
//   returned, so its error goes to StoreOptions::on_error (a Host's app: the app's error handler);
//   without one, the first such error is thrown to the outermost dispatch's caller once the
//   queue has run (the outermost action itself stands), or, queued by a subscriber, written to
//   stderr. The store is never left busy by a failure.
// - A reducer or middleware that throws leaves the state as it was; the caller receives
//   Error(reducer_error) with the original exception nested (std::rethrow_if_nested).
// - A reducer declared `noexcept` receives the state by move when nobody else holds it, so
//   `std::move(state).set("count", n + 1)` updates the root in place (no copy). The store can
//   then not tell an ignored action from an in-place update and treats both as a change, as
//   Redux does (it notifies after every dispatch). A reducer that may throw gets a handle the
//   store shares; when nobody else holds the state (an object), `std::move(state).set(key, v)`
//   of a member it already has still updates the root in place, and the store puts the replaced
//   members back if the reducer then throws (same node, same content). Any other update of that
//   shared handle copies, so a failure leaves the old state untouched.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "mfstate/detail/callback.hpp"
#include "mfstate/error.hpp"
#include "mfstate/runtime.hpp"
#include "mfstate/value.hpp"

namespace mfstate {

/// Something that happened or is asked for: a type, a payload and free-form meta data.
struct Action {
  std::string type;
  Value payload;
  Value meta;
};

/// `(state, action) -> new state`. Remembers whether the callable is noexcept (see the header
/// comment: noexcept reducers update the state in place).
class Reducer {
 public:
  using Fn = std::function<Value(Value, const Action&)>;

  Reducer() = default;
  /// Wraps any callable `Value(Value, const Action&)`. Allocates when the callable is large.
  template <typename F>
    requires(!std::is_same_v<std::decay_t<F>, Reducer> &&
             std::is_invocable_r_v<Value, std::decay_t<F>&, Value, const Action&>)
  Reducer(F&& f)  // NOLINT(google-explicit-constructor): a lambda reads best as a reducer
      : nothrow_(std::is_nothrow_invocable_v<std::decay_t<F>&, Value, const Action&>),
        fn_(std::forward<F>(f)) {}

  /// True when the callable is noexcept.
  bool nothrow() const noexcept { return nothrow_; }
  explicit operator bool() const noexcept { return static_cast<bool>(fn_); }
  /// Runs the reducer.
  Value operator()(Value state, const Action& action) const { return fn_(std::move(state), action); }

 private:
  bool nothrow_ = false;
  Fn fn_;
};

namespace detail {
struct StoreCore;
struct StoreAccess;
}  // namespace detail

/// What a middleware sees of its store: the state and a dispatch through the whole chain.
/// Copyable and safe to keep (an async middleware captures it): once the store is gone,
/// state() is null and dispatch() does nothing.
class StoreRef {
 public:
  StoreRef() = default;
  explicit StoreRef(detail::StoreCore* core) noexcept;
  StoreRef(const StoreRef& other) noexcept;
  StoreRef& operator=(const StoreRef& other) noexcept;
  ~StoreRef();

  /// The store's current state (null once the store is gone). O(1).
  const Value& state() const noexcept;
  /// Dispatches through the whole middleware chain; queued when the store is busy.
  /// Returns false when the store is gone. Throws what Store::dispatch throws.
  bool dispatch(Action action) const;
  /// False once the store has been destroyed.
  bool alive() const noexcept;

 private:
  detail::StoreCore* core_ = nullptr;
};

/// The rest of the middleware chain after the current middleware. Copyable and safe to keep
/// and call later (an async middleware holds the action and calls next when its work is done).
class Next {
 public:
  Next() = default;
  Next(detail::StoreCore* core, std::size_t index) noexcept;
  Next(const Next& other) noexcept;
  Next& operator=(const Next& other) noexcept;
  ~Next();

  /// Passes `action` to the next middleware, or to the reducer after the last one. Called later
  /// (store idle) it starts a dispatch of its own. Does nothing once the store is gone.
  void operator()(Action action) const;

 private:
  detail::StoreCore* core_ = nullptr;
  std::size_t index_ = 0;
};

/// A middleware may pass the action on (`next(action)`), change it, hold it and pass it later,
/// drop it (not call next), or dispatch others (`store.dispatch(...)`, queued).
using Middleware = std::function<void(const StoreRef& store, Action action, const Next& next)>;

/// Options for a Store (designated initialisers: `{.middleware = {logger}}`).
struct StoreOptions {
  /// Applied in order: the first sees every action first.
  std::vector<Middleware> middleware;
  /// The notification queue; a Host passes its runtime's. Null: the store uses its own.
  Batcher* batcher = nullptr;
  /// Errors of subscribers and of queued actions whose caller has returned. Null: a throwing
  /// subscriber's error is written to stderr; a queued action's error reaches the outermost
  /// dispatch's caller (after the queue ran).
  ErrorHandler on_error;
  /// Names the store in error messages (a Host uses the app's name).
  std::string name = "store";
};

/// One app's state. Move-only; single-threaded like the whole runtime.
class Store {
 public:
  /// A store holding `initial`. Throws invalid_argument when the reducer is empty. Allocates.
  Store(Value initial, Reducer reducer, StoreOptions options = {});
  Store(Store&& other) noexcept;
  Store& operator=(Store&& other) noexcept;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  ~Store();

  /// The current state. O(1), no allocation. The reference is valid until the next change of
  /// the store (copy the Value, an O(1) increment, to keep it longer).
  [[nodiscard]] const Value& state() const noexcept;
  /// Runs `action` through middleware and reducer (queued when busy). On failure throws
  /// Error(reducer_error) and the state is unchanged. No allocation beyond the reducer's own.
  /// An action the caller keeps (an lvalue) is reduced from the reference when the store has no
  /// middleware and is idle; otherwise (queued, or handed to middleware) the store copies it.
  void dispatch(const Action& action);
  void dispatch(Action&& action);
  /// Calls `listener(state)` after each change (notify-once per outermost operation). The
  /// listener may dispatch (queued) or cancel any subscription. Throws invalid_argument for an
  /// empty listener. Allocates.
  Subscription subscribe(std::function<void(const Value&)> listener);
  /// As above, for any callable `void(const Value& state)` (a lambda): the store keeps it as it
  /// is, with no std::function around it, and calls it directly.
  template <typename F>
    requires(detail::keeps_as_callback<F, std::function<void(const Value&)>, const Value&>)
  Subscription subscribe(F&& listener) {
    return subscribe_callback(detail::Callback<const Value&>::of(std::forward<F>(listener)));
  }
  /// Swaps the reducer (hot reload) and dispatches {type: "mfstate/replace"} so the new one can
  /// fill in its defaults. Throws invalid_argument for an empty reducer.
  void replace_reducer(Reducer reducer);
  /// Incremented by each notification round (not by each action). O(1).
  [[nodiscard]] std::uint64_t version() const noexcept;
  /// How many subscriptions are active. O(1).
  [[nodiscard]] std::size_t subscriber_count() const noexcept;
  /// A copyable reference to this store (what middleware receives).
  [[nodiscard]] StoreRef ref() const noexcept;

 private:
  friend struct detail::StoreAccess;  // the Host's view (src/store_internal.hpp)
  Subscription subscribe_callback(detail::Callback<const Value&> listener);

  detail::StoreCore* core_;
};

/// A memoised selector: recomputes only when its input is a different node (pointer comparison
/// on the immutable state); otherwise returns the cached result. Copy shares nothing.
class Selector {
 public:
  using Fn = std::function<Value(const Value&)>;
  Selector() = default;
  explicit Selector(Fn fn) : fn_(std::move(fn)) {}
  /// The selected value for `input`: O(1) when `input` is the previous input's node.
  const Value& operator()(const Value& input);
  /// How many times the function ran (for tests and tuning).
  std::size_t computations() const noexcept { return computations_; }

 private:
  Fn fn_;
  Value last_input_;
  Value last_output_;
  bool has_ = false;
  std::size_t computations_ = 0;
};

/// Reselect-style: the input selectors run on every call (keep them cheap: field reads); the
/// combiner runs only when one of their results is a different node than last time.
class CombinedSelector {
 public:
  using Input = std::function<Value(const Value&)>;
  using Combiner = std::function<Value(const std::vector<Value>&)>;
  CombinedSelector(std::vector<Input> inputs, Combiner combiner)
      : inputs_(std::move(inputs)), combiner_(std::move(combiner)) {}
  /// The combined value for `state`; runs the combiner only when an input changed. Allocates
  /// the inputs' vector once.
  const Value& operator()(const Value& state);
  std::size_t computations() const noexcept { return computations_; }

 private:
  std::vector<Input> inputs_;
  Combiner combiner_;
  std::vector<Value> last_args_;
  std::vector<Value> args_;
  Value last_output_;
  bool has_ = false;
  std::size_t computations_ = 0;
};

}  // namespace mfstate
