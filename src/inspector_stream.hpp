// Internal: the host's stream of inspector events. Only the host emits (from what happened); the
// shell subscribes through Host::inspect (every event) and each app through App::inspect (the
// events it is the actor or the target of).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mfstate/error.hpp"
#include "mfstate/inspector.hpp"
#include "mfstate/runtime.hpp"
#include "name_map.hpp"

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

  /// Calls `listener` for every later event (the shell's). Unsubscribing (any listener) from
  /// inside an event is safe. Allocates.
  Subscription subscribe(InspectorListener listener);
  /// Calls `listener` for every later event whose actor or target is app `app` (non-empty).
  /// Allocates.
  Subscription subscribe_app(std::string_view app, InspectorListener listener);
  /// True when someone listens: emitters skip building events otherwise. O(1).
  bool active() const noexcept { return live_ > 0; }
  /// True when someone hears an event whose actor or target is `app`: a listener of the shell's,
  /// or one of that app's ("": the shell's only). O(1).
  bool hears(std::string_view app) const noexcept {
    // Every dispatch, emit and broadcast target asks, and most pages have no inspector: answered
    // then inline, without hashing the name (W1b: ~160 instructions a broadcast).
    return live_ != 0 && hears_any_of(app);
  }
  /// Stamps the time and hands the event to the shell's listeners and to those of its app and its
  /// target, in subscription order. Costs the listeners that hear it, not every listener.
  void emit(InspectorEvent event);

 private:
  struct Listener {
    std::uint64_t id;
    InspectorListener fn;
    bool active;
  };
  /// One audience's listeners, in id order (ids only grow, and are appended).
  struct Listeners {
    std::string app;  // whose ("": the shell's)
    std::vector<Listener> entries;
    std::size_t live = 0;
    // In the chain of lists with listeners ended during an emit (ended_while_emitting_), linked
    // here: a removal runs in a Subscription's destructor, where it may not allocate.
    bool queued = false;
    Listeners* next_queued = nullptr;
  };
  Subscription add(Listeners& list, InspectorListener listener);
  /// The list of `app`'s own listeners ("": the shell's). Null when it has none.
  Listeners* list_of(std::string_view app) noexcept;
  const Listeners* app_list(std::string_view app) const noexcept;
  /// hears() once some listener lives.
  bool hears_any_of(std::string_view app) const noexcept;
  /// Ends listener `id` of `app`'s list. Allocates nothing.
  void remove(std::string_view app, std::uint64_t id);
  /// Drops the list's ended listeners, and the list itself (an app's) once none is left and it is
  /// not queued. Not while an emit walks the lists.
  void compact(Listeners& list);
  /// Drops `list` from apps_ (an app's list, none of whose listeners is left).
  void drop(Listeners& list);

  const Clock* clock_;
  ErrorHandler on_listener_error_;
  Listeners shell_;
  // Each app's own, by name: an event costs its app's and its target's, never the page's. Owned
  // by pointer: an emit holds them while listeners may subscribe (and the map rehash).
  NameMap<std::unique_ptr<Listeners>> apps_;
  // The lists whose listeners ended during an emit, compacted when the outermost one ends. No list
  // goes while it is here (compact drops none that is queued).
  Listeners* ended_while_emitting_ = nullptr;
  std::uint64_t next_id_ = 1;
  std::size_t live_ = 0;
  int emitting_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mfstate::detail
