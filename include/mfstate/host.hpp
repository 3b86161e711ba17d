// mfstate::Host and mfstate::App — the two capabilities, and nothing else.
//
// There are exactly two kinds of power, and each class below lists only its own:
//
// - `Host` is the shell's: mounting apps and reserving names, the inspector (devtools) stream of
//   every app's events, the error handler, the shared query cache with its shell-wide switches
//   (focus, connectivity, clear), the runtime's clock and driving it (advance, run_until_idle),
//   and shell-wide transactions. A shell that wants to act as an app (declare shared topics, send
//   commands) uses its own app, `platform()`, which the host mounts itself.
// - `App` is one app's: its store, its exports, the commands it accepts, what it sends and
//   publishes, the topics it declares, its query observations, its timers, its transactions and
//   its own inspector events. `Host::mount` returns it; holding it is the only way to act as
//   that app.
//
// No path leads from an App to the Host or to another app's powers: no App function returns the
// Host, a Runtime, the Bus, a Batcher, a Scheduler, the inspector stream, a Store or another
// App. Functions that read, watch or send name the *target* app; the *actor* is always the
// handle they are called on, and nothing takes a name as proof of identity. What an app shares
// (its topic declarations, its timers, its transactions) belongs to it: others cannot change,
// cancel or undo it. docs/host.md has the table of both sides, and why.
//
// Others read an app only through its exports (named views, optionally with a schema) and ask it
// things only through commands it accepts (optionally with a payload schema). `unmount()` (or
// destroying the App) releases everything the app held: its store and subscriptions, exports
// (their watchers are told the export is gone), accepted commands, watches, bus subscriptions,
// topic declarations, timers, and whatever was tied to it with `adopt`. Memory follows what is
// live: what is released is freed, whatever the history of names.
//
// Notification: store subscribers, export watchers, bus deliveries and query observers all go
// through the runtime's one batching point, so a transaction notifies once, after the end, with
// the final state — or, when it throws and is undone, tells nobody of what it undid.
//
// Lifetime: an App, a Reservation or a Subscription that outlives its Host is inert (using the
// App throws app_unmounted; cancelling does nothing). Destroying the Host — or an App — from
// inside one of its own callbacks is safe: the host finishes the call in progress, then frees
// itself. No function hands out a reference into an app's store: state() returns a Value (an
// O(1) copy that stays valid whatever happens to the app afterwards).
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

/// The shell's choices, fixed when the Host is built (shell-wide: no app can change them).
struct HostOptions {
  ValidationMode validation = ValidationMode::development;
  /// What ValidationMode::development follows. Unset: how the mfstate library was built (true
  /// without NDEBUG). A plain default here would differ between translation units built with
  /// and without NDEBUG.
  std::optional<bool> development;
  /// Receives errors no caller can receive: contract errors, throwing subscribers/watchers/bus
  /// listeners/timers, invalid exported values. Null: written to stderr. (Also an inspector event.)
  ErrorHandler on_error;
  /// Refuse to publish on undeclared topics (Error unknown_topic).
  bool strict_topics = false;
  /// Defaults and bounds of the host's shared query cache (Host::queries).
  QueryClientOptions queries;
};

class Host;
class Reservation;
struct Manifest;

struct MountOptions {
  std::string version;  ///< shown in inspection and error messages
  /// The reservation of the name, when it is reserved (Host::reserve): only its holder mounts it.
  const Reservation* reservation = nullptr;
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
  Value value;  ///< the exported value (O(1) copy), null when removed
};

using WatchCallback = std::function<void(const ExportEvent&)>;
/// Runs an accepted command instead of the app's reducer. `from` names the sending app (the host
/// takes it from the sender's App handle, and "platform" is the shell's alone, so it can be trusted).
using CommandHandler = std::function<void(const Action& action, std::string_view from)>;
/// Computes an export from the app's state.
using ExportSelector = std::function<Value(const Value& state)>;

namespace detail {
struct AppRecord;
struct HostCore;
}  // namespace detail

/// One app's powers: the capability to act as one mounted app. Move-only; destroying it unmounts
/// the app. Every function throws app_unmounted once the app is unmounted (or for an empty handle).
class [[nodiscard]] App {
 public:
  /// An empty handle (mounted() is false).
  App() noexcept = default;
  App(App&& other) noexcept;
  /// Unmounts the app held so far, then takes over `other`'s.
  App& operator=(App&& other) noexcept;
  App(const App&) = delete;
  App& operator=(const App&) = delete;
  ~App();

  // ---- who ----

  /// The app's name ("" for an empty handle).
  [[nodiscard]] const std::string& name() const noexcept;
  [[nodiscard]] const std::string& version() const noexcept;
  /// False once unmounted (or for an empty handle).
  [[nodiscard]] bool mounted() const noexcept;
  explicit operator bool() const noexcept { return mounted(); }
  /// Releases everything the app held (see the header comment). Harmless when already unmounted.
  void unmount();

  // ---- its own state ----

  /// Creates the app's store. Throws invalid_argument when it already has one, and what the
  /// Store constructor throws. Allocates.
  void create_store(Value initial, Reducer reducer, std::vector<Middleware> middleware = {});
  /// The app's state (an O(1) copy, valid whatever happens later). Throws no_store before
  /// create_store.
  [[nodiscard]] Value state() const;
  /// Dispatches to the app's own store (see Store::dispatch). Throws no_store, reducer_error.
  void dispatch(Action action);
  /// Subscribes to the app's own store; ends at unmount at the latest. Throws invalid_argument
  /// for an empty listener. Allocates.
  Subscription subscribe(std::function<void(const Value&)> listener);
  /// As above, for any callable `void(const Value& state)` (a lambda), kept as it is (see
  /// Store::subscribe).
  template <typename F>
    requires(detail::keeps_as_callback<F, std::function<void(const Value&)>, const Value&>)
  Subscription subscribe(F&& listener) {
    return subscribe_callback(detail::Callback<const Value&>::of(std::forward<F>(listener)));
  }
  /// Swaps the reducer of the app's own store (hot reload; see Store::replace_reducer).
  void replace_reducer(Reducer reducer);

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
  [[nodiscard]] Value read(std::string_view app, std::string_view name) const;
  /// Calls `callback` with the export's value (if it exists) before returning, and once per
  /// change of the exported value afterwards (not on unrelated state changes), and with `removed`
  /// when it goes. Works before `app` mounts. `expectations`: what this app reads from the export;
  /// a producer schema that breaks them is a contract error and this watcher is not fed such data
  /// (without a schema, each value is checked instead). Ends at unmount at the latest. Allocates.
  Subscription watch(std::string_view app, std::string_view name, WatchCallback callback,
                     Expectations expectations = {});

  // ---- commands (what others may ask) ----

  /// Accepts command `type` from other apps, optionally with a payload schema. Without a handler
  /// the command enters the app's reducer. Re-accepting replaces. Allocates.
  void accept(std::string_view type, std::optional<Schema> payload_schema = {}, CommandHandler handler = {});
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
  /// apps received it. An action the caller keeps (an lvalue) is reduced from the reference by
  /// each target that can (a store without middleware, idle), as Store::dispatch does: no copy.
  std::size_t broadcast(const Action& action);
  std::size_t broadcast(Action&& action);
  /// The names of the apps broadcast(action) of this `type` would reach, in the order it reaches
  /// them, when it would do nothing but run each one's reducer with the action: each accepts
  /// `type` without a handler, has a store, and checks no payload schema (it has none, or the
  /// host does not validate), and no inspector hears it (the shell's, this app's or a target's:
  /// another app's hears none of its events). nullopt when a broadcast would do more or
  /// refuse. The browser build then runs the JavaScript reducers without the action crossing into
  /// the module. Reducers with middleware are the caller's to rule out (the store's own knowledge).
  [[nodiscard]] std::optional<std::vector<std::string>> plain_broadcast_targets(std::string_view type) const;

  // ---- the bus ----

  /// Declares a topic as this app's (schema, replay; see Bus::declare). An app declares topics in
  /// its own namespace ("<name>" or "<name>/..."); the platform app declares shared ones anywhere.
  /// Only the declarer (or the platform) may change it later; it is withdrawn at unmount. Throws
  /// forbidden (another app's namespace, or declared by another app with other options),
  /// invalid_argument for a bad name.
  void declare(std::string_view topic, TopicOptions options = {});
  /// Subscribes to a topic or pattern on the host's bus; ends at unmount at the latest.
  Subscription on(std::string_view pattern, BusListener listener);
  /// Publishes on the host's bus as this app (see Bus::publish). A topic in another mounted or
  /// reserved app's namespace ("cart/..." while "cart" is mounted) is that app's to publish on,
  /// unless the platform declared it shared: forbidden otherwise. Throws what Bus::publish throws.
  void emit(std::string_view topic, Value payload);
  /// Whether emit(topic, payload) would do nothing but hand any JSON payload to the topic's
  /// subscribers: this app may publish on it, no schema checks it (the topic's or the manifest's,
  /// or the host does not validate), no replay value is kept, a strict bus knows it and no
  /// inspector hears the message (the shell's or this app's; another app's hears only its own
  /// listeners' errors, which whoever delivers reports as emit would). False when emit would
  /// refuse or do more. The browser build then delivers to its JavaScript subscribers without the
  /// payload crossing into the module. Allocates when the topic is in another app's namespace.
  [[nodiscard]] bool emit_is_plain(std::string_view topic) const;
  /// Reports what one of this app's listeners of `topic` threw (the exception in flight: call it
  /// only inside a catch block) as the host reports it when it delivers a message: an
  /// Error(listener_error) nesting it, to the error handler and as an `error` event to the
  /// inspectors that hear this app (the shell's and its own). For whoever delivers a message that
  /// emit_is_plain let go to this app's listeners without the host.
  void report_listener_error(std::string_view topic) const;

  // ---- the shared query cache ----

  /// Observes a query of the host's one shared cache (QueryClient::observe) as this app; the
  /// first result arrives before this returns. The observation ends when the returned
  /// Subscription ends or this app unmounts, whichever comes first. Allocates.
  Subscription observe(QueryOptions options, QueryListener listener);
  /// This app's handle on the host's shared query cache: read, write, fetch, invalidate, refetch,
  /// observe, mutate, cancel or remove under a key prefix (AppQueryClient) — never the shell-wide
  /// switches (clear, set_online, set_focused, defaults, hydration), which are Host::queries()'s.
  /// The same handle on every call (made on the first, allocates once). Unmounting ends it: its
  /// observers end, its pending mutations are cancelled, and calls through it then throw
  /// app_unmounted.
  AppQueryClient& queries();

  // ---- its own time ----

  /// The runtime clock's current time.
  [[nodiscard]] Millis now() const;
  /// Runs `fn` once `delay` has passed (on the runtime, as the shell drives it). The timer is this
  /// app's: only the returned handle cancels it (no id another app could guess), and unmounting
  /// cancels it. An error `fn` throws goes to the error handler. Allocates.
  Subscription schedule_after(Millis delay, std::function<void()> fn);

  // ---- its own transactions ----

  /// Runs `fn` as one change: subscribers, watchers and bus listeners hear of what it did once,
  /// after the end, with the final state. If `fn` throws, what this app did inside is undone and
  /// the exception propagates: the state of every store changed by `fn`'s calls on this handle —
  /// its own dispatches, and the reducers and command handlers its send/broadcast ran, with what
  /// they did in turn — is put back, and the messages those calls published are dropped unheard.
  /// Nothing else runs inside `fn` (no timer, posted work or other app's call can), so nothing
  /// else is undone. Not undone either: subscriptions, exports, accepted commands, declarations,
  /// timers scheduled, and the shared query cache. Nests.
  void transaction(const std::function<void()>& fn);

  // ---- its own events ----

  /// Calls `listener` with the inspector events this app is the actor or the target of (its
  /// actions, commands it sent or that were sent to it, its messages, its exports' changes,
  /// contract errors of its watches or on its exports, errors of its own listeners), after the
  /// operation that produced them. Never another app's actions or payloads. Allocates.
  Subscription inspect(InspectorListener listener);

  // ---- lifetime ----

  /// Ties `subscription` to this app: it is cancelled at unmount (other modules use this).
  /// Throws app_unmounted (and cancels it) when unmounted.
  void adopt(Subscription subscription);

 private:
  friend class Host;
  explicit App(detail::AppRecord* record) noexcept;
  detail::AppRecord& live() const;
  Subscription subscribe_callback(detail::Callback<const Value&> listener);
  detail::AppRecord* rec_ = nullptr;
};

/// A name the shell keeps for an app that has not loaded yet: while it lives, mount(name) and
/// mount(manifest named name) refuse the name (name_reserved) unless given this reservation.
/// Move-only; destroying it frees the name (an app mounted with it stays mounted).
class [[nodiscard]] Reservation {
 public:
  Reservation() noexcept = default;
  Reservation(Reservation&& other) noexcept = default;
  Reservation& operator=(Reservation&& other) noexcept;
  Reservation(const Reservation&) = delete;
  Reservation& operator=(const Reservation&) = delete;
  ~Reservation();

  /// The reserved name ("" for an empty reservation).
  [[nodiscard]] const std::string& name() const noexcept { return name_; }

 private:
  friend class Host;
  Reservation(std::weak_ptr<detail::HostCore> host, std::string name) noexcept
      : host_(std::move(host)), name_(std::move(name)) {}
  void release() noexcept;
  std::weak_ptr<detail::HostCore> host_;
  std::string name_;
};

/// The shell's powers. Owns the runtime (clock, timers, posted work, the one batching point, the
/// error sink), the bus, the inspector stream and the shared query cache — and hands none of
/// them to an app.
class Host {
 public:
  /// The name the host mounts the shell's own app under; reserved for it forever.
  static constexpr std::string_view platform_name = "platform";

  /// A host on the system clock, with its platform app mounted. Allocates.
  explicit Host(HostOptions options = {});
  /// A host on a manual clock (tests: advance(ms)). The clock must outlive it.
  explicit Host(ManualClock& clock, HostOptions options = {});
  /// A host on the given clock. The clock must outlive it.
  explicit Host(const Clock& clock, HostOptions options = {});
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;
  /// Unmounts every app still mounted (the platform last). Safe from inside a callback of this
  /// host: the call in progress finishes first.
  ~Host();

  // ---- apps ----

  /// The shell's own app, "platform", mounted by the host itself. Lives as long as the Host.
  App& platform() noexcept;
  /// Mounts `name` and returns the capability to act as it. Throws app_already_mounted,
  /// name_reserved (reserved, and `options.reservation` is not its reservation), invalid_argument
  /// for an empty name. Allocates.
  [[nodiscard]] App mount(std::string_view name, MountOptions options = {});
  /// Mounts the app a manifest (mfstate/manifest.hpp) describes, as its name and version, and
  /// holds it to the manifest: every command it lists is accepted with its payload schema (into
  /// the reducer; accept(type, {}, handler) adds a handler), every topic it publishes in its own
  /// namespace is declared as its own with its schema, exports take their schema from it, and
  /// watches their expectations from its "reads". Stepping outside it throws: exposing an export
  /// it does not list (not_exported), accepting an unlisted command (command_not_accepted),
  /// accept_all (invalid_argument), emitting or subscribing to an unlisted topic (unknown_topic),
  /// a payload its manifest's schema for the topic refuses (schema_violation), reading or watching
  /// an export not under "reads" (not_exported), declaring a topic other than as listed. Throws
  /// what mount(name) throws, and forbidden when a topic of its namespace is already declared
  /// with another schema (nothing is mounted then).
  [[nodiscard]] App mount(const Manifest& manifest, const Reservation* reservation = nullptr);
  /// Reserves `name` (see Reservation). Throws app_already_mounted, name_reserved (already
  /// reserved, or "platform"), invalid_argument for an empty name. Allocates.
  [[nodiscard]] Reservation reserve(std::string_view name);
  [[nodiscard]] bool is_mounted(std::string_view name) const noexcept;
  /// Names of the mounted apps, in mount order ("platform" first). Allocates.
  [[nodiscard]] std::vector<std::string> apps() const;

  // ---- shell-wide ----

  /// Runs `fn`; dispatches, sends, broadcasts and publishes inside apply to every app involved,
  /// and subscribers, watchers and bus listeners are notified once, after the end, each seeing
  /// the final state. If `fn` throws, every store changed inside is restored, the notifications
  /// of what was undone are dropped (nobody hears of it) and the exception propagates. Nests (an
  /// inner one that throws and is caught undoes only its own part). Mounting, exposing,
  /// accepting, timers and the query cache are not undone.
  void transaction(const std::function<void()>& fn);
  [[nodiscard]] bool in_transaction() const noexcept;
  /// Holds every notification (subscribers, watchers, bus deliveries, query listeners) until the
  /// returned Subscription ends, then delivers them in order: work done meanwhile is told as if it
  /// ran inside a notification being delivered. Nothing is undone. Destroying the Host meanwhile
  /// is safe (it is freed when the hold ends). The browser build holds them while it delivers a
  /// message to its JavaScript subscribers itself.
  [[nodiscard]] Subscription hold_notifications();
  /// Whether values are validated (from the validation mode and `development`).
  [[nodiscard]] bool validating() const noexcept;
  /// Replaces the error handler (see HostOptions::on_error).
  void set_error_handler(ErrorHandler handler);
  /// The devtools stream: calls `listener` with every event of every app, as it happens.
  /// Listeners observe; one that throws is reported to the error handler. Allocates.
  Subscription inspect(InspectorListener listener);

  // ---- the shared query cache ----

  /// The query cache every app of this host shares (server data lives here once, so one app's
  /// change reaches every app observing it), with the shell-wide operations (clear, defaults,
  /// hydrate). Apps observe it through App::observe.
  QueryClient& queries() noexcept;
  /// The page gained or lost focus: refetch on focus, paused retries resume (no global managers).
  void set_focused(bool focused);
  /// Connectivity changed: paused fetches resume, stale observed queries refetch on reconnect.
  void set_online(bool online);

  // ---- time and work ----

  /// The runtime clock's current time.
  [[nodiscard]] Millis now() const;
  /// Runs posted work and due timers until neither has anything left to do now (a native loop
  /// calls this; the browser build is driven by the JS event loop). Returns how many ran.
  std::size_t run_until_idle();
  /// Runs posted work until none is left, and no timer, even one already due: what a JavaScript
  /// event loop runs when a call returns (its promise jobs) before any timer's macrotask. The
  /// browser build runs this after each call into the host, and due timers only from its own
  /// setTimeout, so a timer never fires inside a call (JavaScript's run-to-completion). Returns
  /// how many tasks ran.
  std::size_t run_posted();
  /// When the earliest timer is due (the clock's time), or nullopt when none is scheduled: a
  /// host driven by another event loop (the browser build) arms its own timer for it. O(1).
  [[nodiscard]] std::optional<Millis> next_due() const;
  /// How many tasks were ever posted and timers ever scheduled (Runtime::activity): a host driven
  /// by another event loop skips run_until_idle while it is unchanged since the last run. O(1).
  [[nodiscard]] std::uint64_t activity() const;
  /// On a ManualClock: moves time forward by `d`, firing every timer due on the way at its own
  /// time (tests). Throws invalid_argument on another clock, or for a negative `d`.
  void advance(Millis d);
  /// Queues `fn` to run on the runtime's thread at the next run_until_idle. Thread-safe.
  void post(std::function<void()> fn);
  /// Blocks until work is posted or `timeout` passes; true when work waits. Thread-safe.
  bool wait_for_work(Millis timeout);

 private:
  std::shared_ptr<detail::HostCore> core_;
};

}  // namespace mfstate
