#include "mfstate/inspector.hpp"

#include <algorithm>
#include <ostream>
#include <utility>

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
  return add(shell_, std::move(listener));
}

Subscription InspectorStream::subscribe_app(std::string_view app, InspectorListener listener) {
  if (!listener) {
    throw Error(ErrorCode::invalid_argument, "inspect needs a listener, got an empty one");
  }
  if (app.empty()) throw Error(ErrorCode::invalid_argument, "an app's inspector needs the app's name");
  Listeners* list = list_of(app);
  if (list == nullptr) {
    auto made = std::make_unique<Listeners>();
    made->app = std::string(app);
    list = apps_.emplace(made->app, std::move(made)).first->second.get();
  }
  try {
    return add(*list, std::move(listener));
  } catch (...) {
    // A list made for this listener goes with it (an emit under way holds only lists that had
    // listeners when it began: none empty).
    if (list->entries.empty() && !list->queued) drop(*list);
    throw;
  }
}

Subscription InspectorStream::add(Listeners& list, InspectorListener listener) {
  const std::uint64_t id = next_id_++;
  std::weak_ptr<bool> alive = alive_;
  // Made before the entry is: if either fails, no listener is left that nothing can end.
  Subscription s([this, alive, app = list.app, id] {
    auto a = alive.lock();
    if (a && *a) remove(app, id);
  });
  list.entries.push_back({id, std::move(listener), true});
  ++list.live;
  ++live_;
  return s;
}

InspectorStream::Listeners* InspectorStream::list_of(std::string_view app) noexcept {
  return const_cast<Listeners*>(std::as_const(*this).app_list(app));
}

const InspectorStream::Listeners* InspectorStream::app_list(std::string_view app) const noexcept {
  if (app.empty()) return &shell_;
  auto it = apps_.find(app);
  return it == apps_.end() ? nullptr : it->second.get();
}

bool InspectorStream::hears_any_of(std::string_view app) const noexcept {
  if (shell_.live > 0) return true;
  if (app.empty()) return false;
  const Listeners* list = app_list(app);
  return list != nullptr && list->live > 0;
}

void InspectorStream::remove(std::string_view app, std::uint64_t id) {
  // A list is in id order: found by binary search, and only marked here; the ended entries go at
  // once when they outnumber the live ones (or after the emit under way). A search and an erase
  // per removal made ending n listeners O(n^2): an app's 65,536 inspectors took ~10 s to end at
  // its unmount.
  Listeners* list = list_of(app);
  if (list == nullptr) return;
  auto& entries = list->entries;
  auto it = std::lower_bound(entries.begin(), entries.end(), id,
                             [](const Listener& l, std::uint64_t wanted) { return l.id < wanted; });
  if (it == entries.end() || it->id != id || !it->active) return;
  it->active = false;
  --list->live;
  --live_;
  if (emitting_ > 0) {
    if (!list->queued) {
      list->queued = true;
      list->next_queued = ended_while_emitting_;
      ended_while_emitting_ = list;
    }
  } else if (entries.size() > 2 * list->live) {
    compact(*list);
  }
}

void InspectorStream::compact(Listeners& list) {
  std::erase_if(list.entries, [](const Listener& l) { return !l.active; });
  if (list.live == 0 && !list.queued && &list != &shell_) drop(list);
}

void InspectorStream::drop(Listeners& list) {
  // Out of the map before it goes: whatever its destruction ends comes back to a whole map.
  auto it = apps_.find(list.app);
  std::unique_ptr<Listeners> gone = std::move(it->second);
  apps_.erase(it);
}

void InspectorStream::emit(InspectorEvent event) {
  if (live_ == 0) return;
  // Who hears it: the shell's listeners, its app's and its target's, merged in subscription order
  // (ids) as one list would give them. The lists stay put while listeners run (each app's is owned
  // by pointer, and none is dropped during an emit); one may grow, so entries are read by index.
  Listeners* lists[3] = {&shell_, event.app.empty() ? nullptr : list_of(event.app),
                         event.target.empty() || event.target == event.app ? nullptr : list_of(event.target)};
  std::size_t at[3] = {0, 0, 0};
  std::size_t end[3];
  std::size_t live = 0;
  for (int k = 0; k < 3; ++k) {
    end[k] = lists[k] != nullptr ? lists[k]->entries.size() : 0;
    if (lists[k] != nullptr) live += lists[k]->live;
  }
  if (live == 0) return;
  event.time = clock_->now();
  ++emitting_;
  for (;;) {
    int next = -1;
    std::uint64_t first = 0;
    for (int k = 0; k < 3; ++k) {
      if (at[k] == end[k]) continue;
      const std::uint64_t id = lists[k]->entries[at[k]].id;
      if (next < 0 || id < first) {
        next = k;
        first = id;
      }
    }
    if (next < 0) break;
    Listener& l = lists[next]->entries[at[next]++];
    if (!l.active) continue;
    try {
      l.fn(event);
    } catch (...) {
      report_error(on_listener_error_,
                   error_from_exception(ErrorCode::listener_error, "an inspector listener threw"));
    }
  }
  if (--emitting_ == 0 && ended_while_emitting_ != nullptr) {
    // Counted as emitting meanwhile: a listener whose destruction ends another only marks it and
    // queues its list, so no list of the chain goes while it is walked.
    ++emitting_;
    while (Listeners* list = ended_while_emitting_) {
      ended_while_emitting_ = list->next_queued;
      list->next_queued = nullptr;
      list->queued = false;
      compact(*list);
    }
    --emitting_;
  }
}

}  // namespace detail

}  // namespace mfstate
