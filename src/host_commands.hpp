// Internal: commands — what an app accepts from others, and sending and broadcasting to it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mfstate/contract.hpp"
#include "mfstate/host.hpp"
#include "name_map.hpp"

namespace mfstate::detail {

struct AppRecord;
struct HostCore;

struct Accepted {
  std::optional<Schema> schema;
  // Shared so that a handler re-accepting (replacing) itself while it runs is not destroyed
  // under its own feet.
  std::shared_ptr<const CommandHandler> handler;
};

/// What one app accepts (kept in its record). Each acceptance in a block of its own, which a
/// re-accept updates in place: the host's acceptor lists point at it, so a broadcast reads a
/// target's acceptance without looking it up.
struct CommandTable {
  NameMap<std::unique_ptr<Accepted>> accepted;
  bool all = false;  // accept_all
};

class Commands {
 public:
  explicit Commands(HostCore& core) : core_(&core) {}

  void accept(AppRecord& app, std::string_view type, std::optional<Schema> payload_schema,
              CommandHandler handler);
  void accept_all(AppRecord& app);
  void send(AppRecord& from, std::string_view to, Action action);
  /// Sends `action` to every app accepting its type. `own`: the caller's copy of it, which the
  /// last target may take (null when the caller keeps the action: App::broadcast of an lvalue).
  std::size_t broadcast(AppRecord& from, const Action& action, Action* own);
  /// The apps a broadcast of `type` reaches, in its order, into `out`, when it would only run each
  /// one's reducer (App::plain_broadcast_targets); false when it would do more or refuse.
  bool plain_targets(const HashedName& type, std::vector<const AppRecord*>& out) const;
  /// `app` is unmounting: it accepts nothing any more.
  void withdraw(AppRecord& app);

  /// Command types some app accepts now (the soak test's measure). O(1).
  std::size_t types() const noexcept { return acceptors_.size(); }

 private:
  static const Accepted* accepted(const AppRecord& target, const HashedName& type);
  /// Calls `visit(app, acceptance)` for each app a broadcast of `type` reaches, once each, in
  /// broadcast's order; stops at the first call returning false (and returns false).
  template <class Visit>
  bool for_each_receiver(const HashedName& type, Visit&& visit) const;
  [[noreturn]] void refuse(const AppRecord& from, std::string_view target, const Action& action,
                           ErrorCode code, const std::string& message);
  void check_payload(const AppRecord& from, const AppRecord& target, const Accepted& acc,
                     const Action& action, std::string_view verb);
  // `action` stays the caller's; a target may take `take_from` (null: nobody may): a broadcast
  // hands each target the same one, and a store reduces it from the reference when it can
  // (StoreAccess::dispatch).
  void apply(AppRecord& target, const Accepted& acc, const AppRecord& from, const Action& action,
             Action* take_from);

  HostCore* core_;
  struct Acceptor {
    AppRecord* app;
    const Accepted* acc;  // app.commands.accepted's block for the type
  };
  NameMap<std::vector<Acceptor>> acceptors_;  // by type: who accepts it (for broadcast)
  std::vector<AppRecord*> accept_all_;
  /// Bumped by every accept, accept_all and withdraw: a broadcast whose targets run code keeps
  /// the acceptances it looked up while this has not moved (their addresses stay valid).
  std::uint64_t changes_ = 0;
};

}  // namespace mfstate::detail
