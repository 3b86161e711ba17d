// Internal: the host's stream of inspector events. Only the host emits (from what happened); the
// shell subscribes through Host::inspect and each app, filtered to its own events, through
// App::inspect.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "mfstate/error.hpp"
#include "mfstate/inspector.hpp"
#include "mfstate/runtime.hpp"

namespace mfstate::detail {

class InspectorStream {
 public:
  /// A stream stamping events with `clock` (which must outlive it); a throwing listener is
  /// reported to `on_listener_error` (never as an event of the stream: that could loop).
  InspectorStream(const Clock& clock, ErrorHandler on_listener_error)
      : clock_(&clock), on_listener_error_(std::move(on_listener_error)) {}
  InspectorStream(const InspectorStream&) = delete;
  InspectorStream& operator=(const InspectorStream&) = delete;
  ~InspectorStream() { *alive_ = false; }

  /// Calls `listener` for every later event. Unsubscribing (any listener) from inside an event is
  /// safe. Allocates.
  Subscription subscribe(InspectorListener listener);
  /// True when someone listens: emitters skip building events otherwise. O(1).
  bool active() const noexcept { return live_ > 0; }
  /// Stamps the time and hands the event to every listener, in subscription order.
  void emit(InspectorEvent event);

 private:
  struct Listener {
    std::uint64_t id;
    InspectorListener fn;
    bool active;
  };
  void remove(std::uint64_t id);

  const Clock* clock_;
  ErrorHandler on_listener_error_;
  std::vector<Listener> listeners_;
  std::uint64_t next_id_ = 1;
  std::size_t live_ = 0;
  int emitting_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mfstate::detail
