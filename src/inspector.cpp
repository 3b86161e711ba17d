#include "mfstate/inspector.hpp"

#include <algorithm>
#include <ostream>

#include "error_sink.hpp"
#include "inspector_stream.hpp"

namespace mfstate {

std::string_view to_string(InspectorEventKind kind) noexcept {
  switch (kind) {
    case InspectorEventKind::mount: return "mount";
    case InspectorEventKind::unmount: return "unmount";
    case InspectorEventKind::action: return "action";
    case InspectorEventKind::command_sent: return "command_sent";
    case InspectorEventKind::command_refused: return "command_refused";
    case InspectorEventKind::export_changed: return "export_changed";
    case InspectorEventKind::export_removed: return "export_removed";
    case InspectorEventKind::contract_error: return "contract_error";
    case InspectorEventKind::bus_message: return "bus_message";
    case InspectorEventKind::transaction_rolled_back: return "transaction_rolled_back";
    case InspectorEventKind::error: return "error";
  }
  return "unknown";
}

Value to_value(const InspectorEvent& e) {
  std::vector<Member> m;
  m.push_back({"kind", Value(to_string(e.kind))});
  m.push_back({"time", Value(static_cast<std::int64_t>(e.time.count()))});
  if (!e.app.empty()) m.push_back({"app", Value(e.app)});
  if (!e.target.empty()) m.push_back({"target", Value(e.target)});
  if (!e.name.empty()) m.push_back({"name", Value(e.name)});
  if (!e.payload.is_null()) m.push_back({"payload", e.payload});
  if (e.kind == InspectorEventKind::action) m.push_back({"state_changed", Value(e.state_changed)});
  if (e.has_code) m.push_back({"code", Value(to_string(e.code))});
  if (!e.detail.empty()) m.push_back({"detail", Value(e.detail)});
  return Value::object(std::move(m));
}

std::string format(const InspectorEvent& e) {
  std::string line = "[" + std::to_string(e.time.count()) + "ms] " + std::string(to_string(e.kind));
  auto add = [&line](std::string_view s) {
    if (s.empty()) return;
    line += ' ';
    line += s;
  };
  add(e.app);
  if (!e.target.empty()) add("-> " + e.target);
  add(e.name);
  if (!e.payload.is_null()) {
    std::string json;
    try {
      json = e.payload.to_json();
    } catch (const Error&) {
      json = "<not JSON>";
    }
    if (json.size() > 200) json = json.substr(0, 197) + "...";
    add(json);
  }
  if (e.kind == InspectorEventKind::action) add(e.state_changed ? "(state changed)" : "(no change)");
  if (e.has_code) add("[" + std::string(to_string(e.code)) + "]");
  add(e.detail);
  return line;
}

InspectorListener event_logger(std::ostream& out) {
  return [&out](const InspectorEvent& e) { out << format(e) << '\n'; };
}

namespace detail {

Subscription InspectorStream::subscribe(InspectorListener listener) {
  if (!listener) {
    throw Error(ErrorCode::invalid_argument, "inspect needs a listener, got an empty one");
  }
  const std::uint64_t id = next_id_++;
  listeners_.push_back({id, std::move(listener), true});
  ++live_;
  std::weak_ptr<bool> alive = alive_;
  return Subscription([this, alive, id] {
    auto a = alive.lock();
    if (a && *a) remove(id);
  });
}

void InspectorStream::remove(std::uint64_t id) {
  // The list is in id order (ids only grow, and are appended): found by binary search, and only
  // marked here; the ended entries go at once when they outnumber the live ones (or after the
  // emit under way). A search and an erase per removal made ending n listeners O(n^2): an app's
  // 65,536 inspectors took ~10 s to end at its unmount.
  auto it = std::lower_bound(listeners_.begin(), listeners_.end(), id,
                             [](const Listener& l, std::uint64_t wanted) { return l.id < wanted; });
  if (it == listeners_.end() || it->id != id || !it->active) return;
  --live_;
  it->active = false;
  if (emitting_ == 0 && listeners_.size() > 2 * live_) {
    std::erase_if(listeners_, [](const Listener& l) { return !l.active; });
  }
}

void InspectorStream::emit(InspectorEvent event) {
  if (live_ == 0) return;
  event.time = clock_->now();
  ++emitting_;
  const std::size_t n = listeners_.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (!listeners_[i].active) continue;
    try {
      listeners_[i].fn(event);
    } catch (...) {
      report_error(on_listener_error_,
                   error_from_exception(ErrorCode::listener_error, "an inspector listener threw"));
    }
  }
  if (--emitting_ == 0) {
    std::erase_if(listeners_, [](const Listener& l) { return !l.active; });
  }
}

}  // namespace detail

}  // namespace mfstate
