// mfstate::Inspector — one host-level stream of structured events: what every app did, what was
// refused and why, what changed. The basis for logs and devtools.
//
// Events are emitted synchronously, as things happen (an action that a transaction later rolls
// back has been reported, followed by a transaction_rolled_back event). Listeners must not act on
// the host (dispatch, send, ...) from inside an event; they observe.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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
  bus_message,              ///< a message on topic `name` (app: publisher, if an app published)
  transaction_rolled_back,  ///< a transaction threw; every app's state was restored
  error,                    ///< an error given to the host's error handler (code, detail)
};

/// "mount", "unmount", "action", ...
std::string_view to_string(InspectorEventKind kind) noexcept;

/// One event. Fields a kind does not use are empty.
struct InspectorEvent {
  InspectorEventKind kind = InspectorEventKind::error;
  Millis time{0};          ///< the host runtime's clock
  std::string app;         ///< the actor: the app that dispatched, sent, published, or consumes
  std::string target;      ///< the other app: a command's target, an export's producer
  std::string name;        ///< action/command type, export name or topic
  Value payload;           ///< action/command payload, exported value or message
  bool state_changed = false;  ///< action: whether the state is a new value
  bool has_code = false;
  ErrorCode code = ErrorCode::invalid_argument;  ///< refused/contract/error events: why
  std::string detail;      ///< reason, JSON path, version, message
};

/// The event as a Value (for devtools and JSON logs):
/// {"kind": "action", "time": 12, "app": "home", "name": "INC", "payload": ..., ...}. Allocates.
Value to_value(const InspectorEvent& event);
/// One human-readable line: `[12ms] action home INC {"by":1} (state changed)`. Allocates.
std::string format(const InspectorEvent& event);

/// The stream. Single-threaded like the runtime.
class Inspector {
 public:
  explicit Inspector(const Clock* clock = nullptr) : clock_(clock) {}
  Inspector(const Inspector&) = delete;
  Inspector& operator=(const Inspector&) = delete;
  ~Inspector() { *alive_ = false; }

  /// Calls `listener` for every later event. Unsubscribing (any listener) from inside an event
  /// is safe. A throwing listener is reported on stderr and does not stop the others. Allocates.
  Subscription subscribe(std::function<void(const InspectorEvent&)> listener);
  /// True when someone listens: emitters skip building events otherwise (O(1)).
  bool active() const noexcept { return live_ > 0; }
  /// Stamps the time and hands the event to every listener, in subscription order.
  void emit(InspectorEvent event);

 private:
  struct Listener {
    std::uint64_t id;
    std::function<void(const InspectorEvent&)> fn;
    bool active;
  };
  void remove(std::uint64_t id);

  const Clock* clock_;
  std::vector<Listener> listeners_;
  std::uint64_t next_id_ = 1;
  std::size_t live_ = 0;
  int emitting_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

/// The logger: writes format(event) and a newline to `out` for every event. `out` must outlive
/// the subscription. Allocates per event.
Subscription log_events(Inspector& inspector, std::ostream& out);

}  // namespace mfstate
