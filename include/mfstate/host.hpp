// mfstate::Host and mfstate::App — the shell's registry of apps, and the capability to act as one.
//
// Isolation by construction:
// - `Host::mount(name)` returns a move-only `App`: the only way to act as that app. Functions that
//   read, watch or send name the *target* app; the *actor* is always the App handle they are
//   called on. No function takes an app name as proof of identity, and no function hands out
//   another app's store.
// - Others read an app only through its exports (named views, optionally with a schema) and ask
//   it things only through commands it accepts (optionally with a payload schema).
// - `unmount()` (or destroying the App) releases everything the app held: its store and
//   subscriptions, exports (their watchers are told the export is gone), accepted commands,
//   watches, bus subscriptions, and whatever was tied to it with `adopt`. Mounting the name again
//   afterwards works. The shell itself is an app too: it mounts "platform" (Host::platform).
//
// Notification: store subscribers, export watchers and bus deliveries all go through the host
// runtime's Batcher, so `transaction` notifies once, after the end, with the final state — or
// nobody at all when it throws and every app's state is restored.
//
// Lifetime: the Host must outlive what runs on it; an App or Subscription that outlives its Host
// is inert (using the App throws app_unmounted; cancelling does nothing).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mfstate/bus.hpp"
#include "mfstate/contract.hpp"
#include "mfstate/error.hpp"
#include "mfstate/inspector.hpp"
#include "mfstate/query.hpp"
#include "mfstate/runtime.hpp"
#include "mfstate/store.hpp"
#include "mfstate/value.hpp"

namespace mfstate {

/// When values crossing a boundary (exports, commands, topics) are checked against their schema.
enum class ValidationMode {
  always,       ///< every value, in every build
  development,  ///< only when HostOptions::development is true (default: a non-NDEBUG library)
  off,          ///< never (contract checks of schemas against expectations still run)
};

struct HostOptions {
  ValidationMode validation = ValidationMode::development;
  /// What ValidationMode::development follows. Unset: how the mfstate library was built (true
  /// without NDEBUG). A plain default here would differ between translation units built with
  /// and without NDEBUG.
  std::optional<bool> development;
  /// Receives errors no caller can receive: contract errors, throwing subscribers/watchers/bus
  /// listeners, invalid exported values. Null: written to stderr. (Also an inspector event.)
  ErrorHandler on_error;
  /// Refuse to publish on undeclared topics (Error unknown_topic).
  bool strict_topics = false;
  /// Defaults and bounds of the host's shared query cache (Host::queries).
  QueryClientOptions queries;
};

struct Manifest;

struct MountOptions {
  std::string version;  ///< shown in inspection and error messages
  /// Holds the app to a manifest (see Host::mount(const Manifest&), which sets it).
  std::shared_ptr<const Manifest> manifest;
};

enum class ExportEventKind {
  value,    ///< the export has this value (first seen, or changed)
  removed,  ///< the export is gone (unexposed, or its app unmounted); value is null
};

/// What a watcher is told.
struct ExportEvent {
  std::string_view app;   ///< the producer
  std::string_view name;  ///< the export
  ExportEventKind kind;
  Value value;            ///< the exported value (O(1) copy), null when removed
};

using WatchCallback = std::function<void(const ExportEvent&)>;
/// Runs an accepted command instead of the app's reducer. `from` names the sending app (the host
/// takes it from the sender's App handle, so it can be trusted).
using CommandHandler = std::function<void(const Action& action, std::string_view from)>;
/// Computes an export from the app's state.
using ExportSelector = std::function<Value(const Value& state)>;

class Host;

namespace detail {
struct AppRecord;
struct HostCore;
}  // namespace detail

/// The capability to act as one mounted app. Move-only. Destroying it unmounts the app.
class App {
 public:
  /// An empty handle (mounted() is false).
  App() = default;
  App(App&& other) noexcept = default;
  App& operator=(App&& other) noexcept;
  App(const App&) = delete;
  App& operator=(const App&) = delete;
  ~App();

  /// The app's name ("" for an empty handle).
  const std::string& name() const noexcept;
  const std::string& version() const noexcept;
  /// False once unmounted (or for an empty handle).
  bool mounted() const noexcept;
  explicit operator bool() const noexcept { return mounted(); }
  /// Releases everything the app held (see the header comment). Harmless when already unmounted.
  void unmount();
  /// The host. Throws app_unmounted.
  Host& host() const;

  // ---- own state ----
  /// Creates the app's store. Throws invalid_argument when it already has one, and what the
  /// Store constructor throws. Allocates.
  Store& create_store(Value initial, Reducer reducer, std::vector<Middleware> middleware = {});
  /// The app's own store. Throws no_store before create_store, app_unmounted after unmount.
  Store& store() const;
  /// The app's own state. Throws like store().
  const Value& state() const;
  /// Dispatches to the app's own store (see Store::dispatch).
  void dispatch(Action action);
  /// Subscribes to the app's own store; ends at unmount at the latest. Allocates.
  Subscription subscribe(std::function<void(const Value&)> listener);

  // ---- exports (what others may read) ----
  /// Publishes a named view of this app's state, replacing an earlier one of the same name.
  /// Watchers whose expectations the new schema breaks get a contract error (error handler and
  /// inspector) and are fed nothing until a compatible schema is exposed. Throws invalid_argument
  /// for an empty name or selector. Allocates.
  void expose(std::string_view name, ExportSelector selector, std::optional<Schema> schema = {});
  /// Withdraws an export (its watchers are told it is gone). Throws not_exported.
  void unexpose(std::string_view name);
  /// The current value of `app`'s export `name`. Throws unknown_app (not mounted), not_exported,
  /// schema_violation (the value breaks the producer's schema, when validating). O(1) when the
  /// producer's state is unchanged since the last read; otherwise runs the selector.
  Value read(std::string_view app, std::string_view name) const;
  /// Calls `callback` with the export's value now (if it exists) and once per change of the
  /// exported value afterwards (not on unrelated state changes), and with `removed` when it goes.
  /// Works before `app` mounts. `expectations`: what this app reads from the export; a producer
  /// schema that breaks them is a contract error and this watcher is not fed such data (without
  /// a schema, each value is checked instead). Ends at unmount at the latest. Allocates.
  Subscription watch(std::string_view app, std::string_view name, WatchCallback callback,
                     Expectations expectations = {});

  // ---- commands (what others may ask) ----
  /// Accepts command `type` from other apps, optionally with a payload schema. Without a handler
  /// the command enters the app's reducer. Re-accepting replaces. Allocates.
  void accept(std::string_view type, std::optional<Schema> payload_schema = {},
              CommandHandler handler = {});
  /// Accepts every command type into the reducer. A last resort for migrating an app written
  /// for a shared store: it gives up the app's say over what others may ask of it.
  void accept_all();
  /// Sends `action` to `app` as this app. Throws unknown_app, command_not_accepted,
  /// schema_violation (the target's state is unchanged), no_store, and what the target's
  /// reducer or handler throws (reducer_error: state unchanged).
  void send(std::string_view app, Action action);
  /// Sends `action` to every mounted app that accepts its type (this one included), all or
  /// nothing: a payload one of them refuses throws schema_violation before any is changed, and a
  /// failing reducer rolls all back. Subscribers are notified once, after all. Returns how many
  /// apps received it.
  std::size_t broadcast(Action action);

  // ---- bus ----
  /// Subscribes to a topic or pattern on the host's bus; ends at unmount at the latest.
  Subscription on(std::string_view pattern, BusListener listener);
  /// Publishes on the host's bus as this app (see Bus::publish).
  void emit(std::string_view topic, Value payload);

  // ---- the shared query cache ----
  /// Observes a query of the host's one shared cache (QueryClient::observe) as this app. The
  /// observation ends when the returned Subscription ends or this app unmounts, whichever comes
  /// first. Throws app_unmounted. Allocates.
  Subscription observe(QueryOptions options, QueryListener listener);

  // ---- lifetime ----
  /// Ties `subscription` to this app: it is cancelled at unmount (other modules, such as the
  /// query cache's observers, use this). Throws app_unmounted (and cancels it) when unmounted.
  void adopt(Subscription subscription);

 private:
  friend class Host;
  explicit App(std::shared_ptr<detail::AppRecord> record) : rec_(std::move(record)) {}
  detail::AppRecord& live() const;
  std::shared_ptr<detail::AppRecord> rec_;
};

/// The shell's registry of apps. Owns the Runtime (clock, scheduler, executor, batcher), the Bus
/// and the Inspector.
class Host {
 public:
  /// The name the shell mounts itself under.
  static constexpr std::string_view platform = "platform";

  /// A host on the system clock. Allocates.
  explicit Host(HostOptions options = {});
  /// A host on a manual clock (tests: runtime().advance(ms)). The clock must outlive it.
  explicit Host(ManualClock& clock, HostOptions options = {});
  /// A host on the given clock. The clock must outlive it.
  explicit Host(const Clock& clock, HostOptions options = {});
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;
  /// Unmounts every app still mounted.
  ~Host();

  /// Mounts `name` and returns the capability to act as it. Throws app_already_mounted,
  /// invalid_argument for an empty name. Allocates.
  App mount(std::string_view name, MountOptions options = {});
  /// Mounts the app a manifest (mfstate/manifest.hpp) describes, as its name and version, and
  /// holds it to the manifest: every command it lists is accepted with its payload schema (into
  /// the reducer; accept(type, {}, handler) adds a handler), every topic it publishes is declared
  /// on the bus with its schema, exports take their schema from it, and watches their
  /// expectations from its "reads". Stepping outside it throws: exposing an export it does not
  /// list (not_exported), accepting an unlisted command (command_not_accepted), accept_all
  /// (invalid_argument), emitting or subscribing to an unlisted topic (unknown_topic), reading or
  /// watching an export not under "reads" (not_exported). Throws what mount(name) throws.
  App mount(const Manifest& manifest);
  bool is_mounted(std::string_view name) const noexcept;
  /// Names of the mounted apps, in mount order. Allocates.
  std::vector<std::string> apps() const;

  /// Runs `fn`; dispatches, sends, broadcasts and publishes inside apply to every app involved,
  /// and subscribers, watchers and bus listeners are notified once, after the end, each seeing
  /// the final state. If `fn` throws, every app's state is restored, queued notifications are
  /// dropped (nobody is notified) and the exception propagates. Nests (an inner one that throws
  /// and is caught rolls back only its own part). Mounting, exposing and accepting inside are
  /// not rolled back.
  void transaction(const std::function<void()>& fn);
  bool in_transaction() const noexcept;

  /// Whether values are validated now (from the validation mode and `development`).
  bool validating() const noexcept;
  /// Replaces the error handler (see HostOptions::on_error).
  void set_error_handler(ErrorHandler handler);

  /// The runtime every module of this host runs on (its batcher is the one notification queue).
  Runtime& runtime() noexcept;
  Bus& bus() noexcept;
  Inspector& inspector() noexcept;
  /// The query cache every app of this host shares: server data lives here once, so one app's
  /// set_query_data or invalidation reaches every app observing it.
  QueryClient& queries() noexcept;
  /// The shell tells the cache when the page gains or loses focus, and when connectivity changes
  /// (refetch on focus / reconnect, paused fetches resume); there are no global managers.
  void set_focused(bool focused);
  void set_online(bool online);

 private:
  std::shared_ptr<detail::HostCore> core_;
};

}  // namespace mfstate
