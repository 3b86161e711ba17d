// Inspection — the host's stream of structured events: what every app did, what was refused and
// why, what changed. The basis for logs and devtools.
//
// The stream is the shell's capability (Host::inspect: every event, as it happens). An app sees
// only its own events (App::inspect: those it is the actor or the target of), delivered after the
// operation that produced them. Nobody can emit an event: only the host does, from what happened.
//
// Events are emitted as things happen (an action that a transaction later rolls back has been
// reported, followed by a transaction_rolled_back event).
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

#include "mfstate/error.hpp"
#include "mfstate/runtime.hpp"
#include "mfstate/value.hpp"

namespace mfstate {

enum class InspectorEventKind {
  mount,                    ///< app mounted (detail: version)
  unmount,                  ///< app unmounted
  action,                   ///< an action reduced by an app's store (name: type; state_changed)
  command_sent,             ///< app sent a command to target (name: type)
  command_refused,          ///< a command was refused (code and detail say why)
  export_changed,           ///< target's export `name` has a new value (payload)
  export_removed,           ///< target's export `name` is gone (unexposed or unmounted)
  contract_error,           ///< app's expectations on target's export `name` are broken (detail)
  bus_message,              ///< a message on topic `name` (app: the publisher)
  transaction_rolled_back,  ///< a transaction threw and was undone (app: who opened it, if an app)
  error,                    ///< an error given to the host's error handler (code, detail; app: whose
                            ///< listener, watcher or timer failed, when one did)
};

/// "mount", "unmount", "action", ...
std::string_view to_string(InspectorEventKind kind) noexcept;

/// One event. Fields a kind does not use are empty.
struct InspectorEvent {
  InspectorEventKind kind = InspectorEventKind::error;
  Millis time{0};              ///< the host runtime's clock
  std::string app;             ///< the actor: the app that dispatched, sent, published, or consumes
  std::string target;          ///< the other app: a command's target, an export's producer
  std::string name;            ///< action/command type, export name or topic
  Value payload;               ///< action/command payload, exported value or message
  bool state_changed = false;  ///< action: whether the state is a new value
  bool has_code = false;
  ErrorCode code = ErrorCode::invalid_argument;  ///< refused/contract/error events: why
  std::string detail;                            ///< reason, JSON path, version, message
};

/// The event as a Value (for devtools and JSON logs):
/// {"kind": "action", "time": 12, "app": "home", "name": "INC", "payload": ..., ...}. Allocates.
[[nodiscard]] Value to_value(const InspectorEvent& event);
/// One human-readable line: `[12ms] action home INC {"by":1} (state changed)`. Allocates.
[[nodiscard]] std::string format(const InspectorEvent& event);

/// Receives inspector events (Host::inspect, App::inspect).
using InspectorListener = std::function<void(const InspectorEvent&)>;

/// The logger: a listener writing format(event) and a newline to `out`, which must outlive it
/// (`auto log = host.inspect(event_logger(std::cout));`). Allocates per event.
[[nodiscard]] InspectorListener event_logger(std::ostream& out);

}  // namespace mfstate
