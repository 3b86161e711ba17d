// Internal: how a Host follows the store of one of its apps (inspection, exports). Not for users;
// Store's public header only names StoreAccess as a friend.
#pragma once

#include "mfstate/store.hpp"

namespace mfstate::detail {

/// Told by a store what happened in it. Implemented by the Host's app record.
class StoreObserver {
 public:
  /// After an action was reduced (whether the state changed).
  virtual void on_action(const Action& action, bool changed) = 0;
  /// After the subscribers of a change were told.
  virtual void on_notified() = 0;

 protected:
  ~StoreObserver() = default;
};

struct StoreAccess {
  /// Tells `observer` (null: nobody) what happens in `store` from now on.
  static void observe(Store& store, StoreObserver* observer) noexcept;
  /// Store::dispatch(action) without giving the action up: `store` reduces it from the reference
  /// when nothing needs to own it, and otherwise moves it out of `take_from` (the caller's own
  /// copy, when it may be taken; null: none) or copies it. A broadcast hands every target the same
  /// action this way.
  static void dispatch(Store& store, const Action& action, Action* take_from);
  /// True when dispatching could throw (a reducer not declared noexcept, or middleware).
  static bool may_throw(const Store& store) noexcept;
  /// Store::subscribe of a listener already kept as a Callback (App::subscribe's template).
  static Subscription subscribe(Store& store, Callback<const Value&> listener) {
    return store.subscribe_callback(std::move(listener));
  }
};

}  // namespace mfstate::detail
