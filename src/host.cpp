#include "mfstate/host.hpp"

#include <boost/container/small_vector.hpp>

#include <algorithm>
#include <iostream>

#include "host_manifest.hpp"
#include "name_map.hpp"

// GCC 12 warns about members a designated initializer leaves out even when they have default
// initializers, which is how events and options are meant to be built here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif

namespace mfstate {

namespace detail {

struct ExportSlot;

struct WatchRec {
  std::string consumer;  // the watching app
  ExportSlot* slot = nullptr;
  WatchCallback callback;
  Expectations expectations;
  bool active = true;
  bool blocked = false;  // the producer's schema breaks the expectations
  bool has_last = false;
  Value last;            // what this watcher was last told
};

struct AppSlot;

// An export of one app name: exists while exposed or watched, across mounts.
struct ExportSlot {
  AppSlot* owner = nullptr;
  std::string name;
  bool exposed = false;
  ExportSelector selector;
  std::optional<Schema> schema;
  // Memo: the selector's value for the state node it last saw.
  bool cached = false;
  Value cache_input;
  Value cache_value;
  std::string cache_error;  // non-empty: the value broke the schema (or the selector threw)
  ErrorCode cache_code = ErrorCode::schema_violation;
  bool error_reported = false;
  // The value last announced to watchers.
  bool has_published = false;
  Value published;
  std::vector<std::shared_ptr<WatchRec>> watchers;
  std::size_t dead = 0;
  int delivering = 0;

  std::size_t live_watchers() const { return watchers.size() - dead; }
  void compact() {
    if (dead == 0 || delivering > 0) return;
    std::erase_if(watchers, [](const auto& w) { return !w->active; });
    dead = 0;
  }
};

struct AppSlot {
  std::string name;
  std::shared_ptr<AppRecord> mounted;
  NameMap<std::unique_ptr<ExportSlot>> exports;
};

struct Accepted {
  std::optional<Schema> schema;
  CommandHandler handler;
};

struct AppRecord {
  HostCore* host = nullptr;  // null once unmounted
  std::shared_ptr<const Manifest> manifest;  // null unless mounted from a manifest
  AppSlot* slot = nullptr;
  std::string name;
  std::string version;
  std::uint64_t mount_seq = 0;
  std::unique_ptr<Store> store;
  NameMap<Accepted> accepted;
  bool accept_all = false;
  std::vector<SubscriptionLink> links;  // watches, bus and store subscriptions it made
  std::vector<Subscription> adopted;
  std::size_t links_at_last_prune = 0;

  void keep(const Subscription& s) {
    links.push_back(s.link());
    // Drop links to ended subscriptions now and then, so a long-lived app does not accumulate them.
    if (links.size() >= 2 * links_at_last_prune + 16) {
      std::erase_if(links, [](const SubscriptionLink& l) { return !l.active(); });
      links_at_last_prune = links.size();
    }
  }
};

struct TxFrame {
  std::size_t mark;
  struct Snap {
    StoreRef ref;
    StoreCore* core;
    Value state;
    bool notify_queued;
  };
  std::vector<Snap> snaps;
};

struct HostCore final : StoreHooks, std::enable_shared_from_this<HostCore> {
  HostOptions options;
  std::unique_ptr<Runtime> runtime;
  Inspector inspector;
  std::unique_ptr<Bus> bus;
  // After the runtime, so it is destroyed first (its timers and observers live on the runtime).
  std::unique_ptr<QueryClient> queries;
  NameMap<std::unique_ptr<AppSlot>> slots;
  std::vector<AppRecord*> mounted;  // mount order
  NameMap<std::vector<AppRecord*>> acceptors;
  std::vector<AppRecord*> accept_all_apps;
  std::vector<TxFrame> frames;
  std::uint64_t mount_seq = 0;
  Host* owner = nullptr;
  std::string_view publisher;  // the app publishing right now (for the inspector)

  HostCore(HostOptions opts, std::unique_ptr<Runtime> rt)
      : options(std::move(opts)), runtime(std::move(rt)), inspector(&runtime->clock()) {
    bus = std::make_unique<Bus>(BusOptions{.batcher = &runtime->batcher(),
                                           .on_error = [this](const Error& e) { report(e); },
                                           .validate = validating(),
                                           .strict = options.strict_topics});
    queries = std::make_unique<QueryClient>(*runtime, options.queries);
    bus->set_publish_hook([this](std::string_view topic, const Value& payload) {
      if (!inspector.active()) return;
      inspector.emit(InspectorEvent{.kind = InspectorEventKind::bus_message,
                                    .app = std::string(publisher),
                                    .name = std::string(topic),
                                    .payload = payload});
    });
  }

  bool validating() const noexcept {
#ifdef NDEBUG
    constexpr bool library_development = false;
#else
    constexpr bool library_development = true;
#endif
    return options.validation == ValidationMode::always ||
           (options.validation == ValidationMode::development &&
            options.development.value_or(library_development));
  }

  Batcher& batcher() { return runtime->batcher(); }

  void report(const Error& e) {
    if (inspector.active()) {
      inspector.emit(InspectorEvent{.kind = InspectorEventKind::error,
                                    .has_code = true,
                                    .code = e.code(),
                                    .detail = e.what()});
    }
    if (options.on_error) {
      try {
        options.on_error(e);
      } catch (const std::exception& x) {
        std::cerr << "mfstate: the host's error handler threw: " << x.what() << '\n';
      }
    } else {
      std::cerr << "mfstate: " << to_string(e.code()) << ": " << e.what() << '\n';
    }
  }

  AppSlot* find_slot(std::string_view name) const {
    auto it = slots.find(name);
    return it == slots.end() ? nullptr : it->second.get();
  }

  AppSlot& slot(std::string_view name) {
    if (AppSlot* s = find_slot(name)) return *s;
    auto s = std::make_unique<AppSlot>();
    s->name = std::string(name);
    AppSlot* raw = s.get();
    slots.emplace(std::string(name), std::move(s));
    return *raw;
  }

  static ExportSlot* find_export(const AppSlot& s, std::string_view name) {
    auto it = s.exports.find(name);
    return it == s.exports.end() ? nullptr : it->second.get();
  }

  static ExportSlot& export_slot(AppSlot& s, std::string_view name) {
    if (ExportSlot* e = find_export(s, name)) return *e;
    auto e = std::make_unique<ExportSlot>();
    e->owner = &s;
    e->name = std::string(name);
    ExportSlot* raw = e.get();
    s.exports.emplace(std::string(name), std::move(e));
    return *raw;
  }

  // ---- exports ----

  // Brings the slot's memo up to date with the producer's state. Returns false when the value
  // is unusable (cache_error says why).
  bool refresh(ExportSlot& e) {
    const AppRecord* producer = e.owner->mounted.get();
    static const Value null_state;
    const Value& input = producer && producer->store ? producer->store->state() : null_state;
    if (e.cached && input.same_node(e.cache_input)) {
      return e.cache_error.empty();
    }
    e.cache_input = input;
    e.cached = true;
    e.error_reported = false;
    e.cache_error.clear();
    try {
      e.cache_value = e.selector(input);
    } catch (...) {
      Error err = current_exception_as_error(
          ErrorCode::listener_error,
          "the selector of export " + e.owner->name + "/" + e.name + " threw");
      e.cache_value = Value();
      e.cache_error = err.what();
      e.cache_code = err.code();
      return false;
    }
    if (e.schema && validating()) {
      auto violations = validate(*e.schema, e.cache_value);
      if (!violations.empty()) {
        std::string msg = "export " + e.owner->name + "/" + e.name +
                          " does not satisfy its own schema:";
        for (const auto& v : violations) msg += " at \"" + v.path + "\": " + v.reason + ";";
        e.cache_error = std::move(msg);
        e.cache_code = ErrorCode::schema_violation;
        return false;
      }
    }
    return true;
  }

  void report_contract_break(const WatchRec& w, const ExportSlot& e,
                             const std::vector<ExpectationBreak>& breaks, bool from_schema) {
    std::string msg = "contract broken: app \"" + w.consumer + "\" reads export " +
                      e.owner->name + "/" + e.name + ", but " +
                      (from_schema ? "app \"" + e.owner->name + "\"'s schema for it"
                                   : std::string("its current value")) +
                      " no longer provides it:";
    std::string paths;
    for (const auto& b : breaks) {
      msg += " " + b.expectation.path + " (" + b.expectation.type + "): " + b.reason + ";";
      if (!paths.empty()) paths += ", ";
      paths += b.expectation.path;
    }
    if (inspector.active()) {
      inspector.emit(InspectorEvent{.kind = InspectorEventKind::contract_error,
                                    .app = w.consumer,
                                    .target = e.owner->name,
                                    .name = e.name,
                                    .has_code = true,
                                    .code = ErrorCode::contract_violation,
                                    .detail = paths + ": " + msg});
    }
    Error err(ErrorCode::contract_violation, msg);
    if (options.on_error) {
      try {
        options.on_error(err);
      } catch (const std::exception& x) {
        std::cerr << "mfstate: the host's error handler threw: " << x.what() << '\n';
      }
    } else {
      std::cerr << "mfstate: contract_violation: " << msg << '\n';
    }
  }

  // Re-checks one watcher's expectations against the export's schema.
  void check_contract(WatchRec& w, ExportSlot& e) {
    if (w.expectations.empty() || !e.exposed || !e.schema) {
      w.blocked = false;
      return;
    }
    auto breaks = check(*e.schema, w.expectations);
    w.blocked = !breaks.empty();
    if (w.blocked) report_contract_break(w, e, breaks, true);
  }

  void call_watcher(WatchRec& w, const ExportEvent& ev) {
    try {
      w.callback(ev);
    } catch (...) {
      report(current_exception_as_error(
          ErrorCode::listener_error, "a watcher of export " + std::string(ev.app) + "/" +
                                         std::string(ev.name) + " in app \"" + w.consumer +
                                         "\" threw"));
    }
  }

  void feed(WatchRec& w, ExportSlot& e, const Value& v) {
    if (!w.active || w.blocked) return;
    if (w.has_last && w.last.same_node(v)) return;
    if (w.has_last && w.last == v) {
      w.last = v;
      return;
    }
    if (!w.expectations.empty() && !e.schema) {
      auto breaks = check_value(v, w.expectations);
      if (!breaks.empty()) {
        report_contract_break(w, e, breaks, false);
        return;
      }
    }
    w.has_last = true;
    w.last = v;
    call_watcher(w, ExportEvent{e.owner->name, e.name, ExportEventKind::value, v});
  }

  // Tells every watcher of `e` where the export stands now: its value (when changed for that
  // watcher) or that it is gone. Idempotent, so it may be queued more than once.
  void sync(ExportSlot& e) {
    if (e.live_watchers() == 0 && !inspector.active()) {
      if (!e.exposed) e.has_published = false;
      return;
    }
    ++e.delivering;
    if (e.exposed) {
      if (!refresh(e)) {
        if (!e.error_reported) {
          e.error_reported = true;
          report(Error(e.cache_code, e.cache_error));
        }
      } else {
        const Value& v = e.cache_value;
        const bool changed = !e.has_published || !e.published.same_node(v);
        if (changed) {
          const bool really = !e.has_published || !(e.published == v);
          e.published = v;
          e.has_published = true;
          if (really && inspector.active()) {
            inspector.emit(InspectorEvent{.kind = InspectorEventKind::export_changed,
                                          .target = e.owner->name,
                                          .name = e.name,
                                          .payload = v});
          }
        }
        const Value value = v;  // the watchers may change the state (and the memo) meanwhile
        const std::size_t n = e.watchers.size();
        for (std::size_t i = 0; i < n; ++i) feed(*e.watchers[i], e, value);
      }
    } else {
      if (e.has_published) {
        e.has_published = false;
        e.published = Value();
        if (inspector.active()) {
          inspector.emit(InspectorEvent{.kind = InspectorEventKind::export_removed,
                                        .target = e.owner->name,
                                        .name = e.name});
        }
      }
      const std::size_t n = e.watchers.size();
      for (std::size_t i = 0; i < n; ++i) {
        WatchRec& w = *e.watchers[i];
        if (!w.active || !w.has_last) continue;
        w.has_last = false;
        w.last = Value();
        call_watcher(w, ExportEvent{e.owner->name, e.name, ExportEventKind::removed, Value()});
      }
    }
    --e.delivering;
    e.compact();
  }

  void queue_sync(ExportSlot& e) {
    std::weak_ptr<HostCore> weak = weak_from_this();
    batcher().notify([weak, &e] {
      if (auto core = weak.lock()) core->sync(e);
    });
  }

  // ---- StoreHooks ----

  void before_reduce(StoreCore& core) override {
    if (frames.empty()) return;
    auto& snaps = frames.back().snaps;
    for (const auto& s : snaps) {
      if (s.core == &core) return;
    }
    snaps.push_back(TxFrame::Snap{StoreRef(&core), &core, core_state(core), core_notify_queued(core)});
  }

  void after_action(StoreCore& core, const Action& action, bool changed) override {
    if (!inspector.active()) return;
    auto* rec = static_cast<AppRecord*>(hooks_owner(core));
    inspector.emit(InspectorEvent{.kind = InspectorEventKind::action,
                                  .app = rec ? rec->name : std::string(),
                                  .name = action.type,
                                  .payload = action.payload,
                                  .state_changed = changed});
  }

  void after_notify(StoreCore& core) override {
    auto* rec = static_cast<AppRecord*>(hooks_owner(core));
    if (rec == nullptr || rec->host == nullptr) return;
    AppSlot& s = *rec->slot;
    if (s.exports.empty()) return;
    for (auto& [name, e] : s.exports) {
      if (e->exposed && (e->live_watchers() > 0 || inspector.active())) sync(*e);
    }
  }

  // ---- transactions ----

  void rollback(TxFrame& f) {
    batcher().discard_since(f.mark);
    for (auto it = f.snaps.rbegin(); it != f.snaps.rend(); ++it) {
      core_state(*it->core) = it->state;
      core_restore_notify_queued(*it->core, it->notify_queued);
    }
  }

  template <typename Fn>
  void run_transaction(const Fn& fn) {
    Batcher& b = batcher();
    frames.push_back(TxFrame{b.mark(), {}});
    b.begin_batch();
    try {
      fn();
    } catch (...) {
      TxFrame f = std::move(frames.back());
      frames.pop_back();
      rollback(f);
      if (inspector.active()) {
        InspectorEvent ev{.kind = InspectorEventKind::transaction_rolled_back};
        try {
          throw;
        } catch (const std::exception& x) {
          ev.detail = x.what();
        } catch (...) {
        }
        inspector.emit(std::move(ev));
      }
      b.end_batch();
      throw;
    }
    TxFrame f = std::move(frames.back());
    frames.pop_back();
    if (!frames.empty()) {
      // The enclosing transaction must be able to restore these stores to where it began.
      auto& outer = frames.back().snaps;
      for (auto& s : f.snaps) {
        bool known = false;
        for (const auto& o : outer) known = known || o.core == s.core;
        if (!known) outer.push_back(std::move(s));
      }
    }
    b.end_batch();
  }

  // ---- commands ----

  bool validating_now() const { return validating(); }

  const Accepted* accepted(const AppRecord& target, std::string_view type) const {
    auto it = target.accepted.find(type);
    if (it != target.accepted.end()) return &it->second;
    static const Accepted all{};
    return target.accept_all ? &all : nullptr;
  }

  void refuse(const AppRecord& from, std::string_view target, const Action& a, ErrorCode code,
              const std::string& msg) {
    if (inspector.active()) {
      inspector.emit(InspectorEvent{.kind = InspectorEventKind::command_refused,
                                    .app = from.name,
                                    .target = std::string(target),
                                    .name = a.type,
                                    .payload = a.payload,
                                    .has_code = true,
                                    .code = code,
                                    .detail = msg});
    }
    throw Error(code, msg);
  }

  void apply_command(AppRecord& target, const Accepted& acc, const AppRecord& from, Action&& action) {
    if (acc.handler) {
      // A handler may change several things: make it all or nothing.
      CommandHandler handler = acc.handler;  // the handler may re-accept (replace) itself
      std::string from_name = from.name;
      run_transaction([&] { handler(action, from_name); });
      return;
    }
    if (!target.store) {
      throw Error(ErrorCode::no_store, "app \"" + target.name + "\" accepts command \"" +
                                           action.type + "\" but has no store (create_store)");
    }
    target.store->dispatch(std::move(action));
  }

  void unmount(AppRecord& rec);
};

void HostCore::unmount(AppRecord& rec) {
  if (rec.host == nullptr) return;
  // One batch: watchers hear that the exports are gone after the app is fully released.
  Batcher& b = batcher();
  b.begin_batch();
  AppSlot& s = *rec.slot;
  std::shared_ptr<AppRecord> keep = s.mounted;  // keeps rec alive while releasing
  s.mounted.reset();
  std::erase(mounted, &rec);
  for (auto& [type, list] : acceptors) std::erase(list, &rec);
  std::erase(accept_all_apps, &rec);
  // Release what the app holds, newest first.
  auto adopted = std::move(rec.adopted);
  for (auto it = adopted.rbegin(); it != adopted.rend(); ++it) it->cancel();
  auto links = std::move(rec.links);
  for (auto it = links.rbegin(); it != links.rend(); ++it) it->cancel();
  for (auto& [name, e] : s.exports) {
    if (!e->exposed) continue;
    e->exposed = false;
    e->selector = nullptr;
    e->schema.reset();
    e->cached = false;
    e->cache_input = Value();
    e->cache_value = Value();
    queue_sync(*e);
  }
  rec.accepted.clear();
  rec.host = nullptr;
  std::unique_ptr<Store> store = std::move(rec.store);
  store.reset();
  if (inspector.active()) {
    inspector.emit(InspectorEvent{.kind = InspectorEventKind::unmount, .app = rec.name});
  }
  b.end_batch();
}

}  // namespace detail

using detail::AppRecord;
using detail::AppSlot;
using detail::ExportSlot;
using detail::HostCore;
using detail::WatchRec;

// ---- App ----

App& App::operator=(App&& other) noexcept {
  if (this != &other) {
    unmount();
    rec_ = std::move(other.rec_);
  }
  return *this;
}

App::~App() { unmount(); }

const std::string& App::name() const noexcept {
  static const std::string empty;
  return rec_ ? rec_->name : empty;
}

const std::string& App::version() const noexcept {
  static const std::string empty;
  return rec_ ? rec_->version : empty;
}

bool App::mounted() const noexcept { return rec_ && rec_->host != nullptr; }

void App::unmount() {
  if (rec_ && rec_->host) rec_->host->unmount(*rec_);
}

AppRecord& App::live() const {
  if (!rec_) throw Error(ErrorCode::app_unmounted, "an empty App handle was used");
  if (rec_->host == nullptr) {
    throw Error(ErrorCode::app_unmounted,
                "app \"" + rec_->name + "\" was unmounted; mount it again to get a new handle");
  }
  return *rec_;
}

Host& App::host() const { return *live().host->owner; }

Store& App::create_store(Value initial, Reducer reducer, std::vector<Middleware> middleware) {
  AppRecord& r = live();
  if (r.store) {
    throw Error(ErrorCode::invalid_argument, "app \"" + r.name + "\" already has a store");
  }
  HostCore& h = *r.host;
  auto store = std::make_unique<Store>(
      std::move(initial), std::move(reducer),
      StoreOptions{.middleware = std::move(middleware),
                   .batcher = &h.batcher(),
                   .on_error = [core = &h](const Error& e) { core->report(e); },
                   .name = "app \"" + r.name + "\""});
  detail::attach_hooks(*store, &h, &r);
  r.store = std::move(store);
  // Exports exposed before the store existed now have a state to select from.
  for (auto& [name, e] : r.slot->exports) {
    if (e->exposed) h.queue_sync(*e);
  }
  return *r.store;
}

Store& App::store() const {
  AppRecord& r = live();
  if (!r.store) {
    throw Error(ErrorCode::no_store, "app \"" + r.name + "\" has no store yet (create_store first)");
  }
  return *r.store;
}

const Value& App::state() const { return store().state(); }

void App::dispatch(Action action) { store().dispatch(std::move(action)); }

Subscription App::subscribe(std::function<void(const Value&)> listener) {
  Subscription s = store().subscribe(std::move(listener));
  rec_->keep(s);
  return s;
}

void App::expose(std::string_view name, ExportSelector selector, std::optional<Schema> schema) {
  AppRecord& r = live();
  if (name.empty()) throw Error(ErrorCode::invalid_argument, "expose needs a non-empty export name");
  if (!selector) {
    throw Error(ErrorCode::invalid_argument,
                "expose of " + r.name + "/" + std::string(name) + " needs a selector, got an empty one");
  }
  schema = detail::manifest_export_schema(r.manifest.get(), name, std::move(schema));
  HostCore& h = *r.host;
  ExportSlot& e = HostCore::export_slot(*r.slot, name);
  e.exposed = true;
  e.selector = std::move(selector);
  e.schema = std::move(schema);
  e.cached = false;
  e.cache_input = Value();
  e.cache_value = Value();
  e.cache_error.clear();
  // Check the new schema against every registered consumer now, in the producer's own run.
  for (auto& w : e.watchers) {
    if (w->active) h.check_contract(*w, e);
  }
  h.queue_sync(e);
}

void App::unexpose(std::string_view name) {
  AppRecord& r = live();
  ExportSlot* e = HostCore::find_export(*r.slot, name);
  if (e == nullptr || !e->exposed) {
    throw Error(ErrorCode::not_exported,
                "app \"" + r.name + "\" has no export \"" + std::string(name) + "\" to withdraw");
  }
  e->exposed = false;
  e->selector = nullptr;
  e->schema.reset();
  e->cached = false;
  e->cache_input = Value();
  e->cache_value = Value();
  for (auto& w : e->watchers) w->blocked = false;
  r.host->queue_sync(*e);
}

Value App::read(std::string_view app, std::string_view name) const {
  AppRecord& r = live();
  detail::manifest_read_expectations(r.manifest.get(), app, name, {});
  HostCore& h = *r.host;
  const AppSlot* s = h.find_slot(app);
  if (s == nullptr || !s->mounted) {
    throw Error(ErrorCode::unknown_app, "app \"" + r.name + "\" read " + std::string(app) + "/" +
                                            std::string(name) + ", but no app \"" +
                                            std::string(app) + "\" is mounted");
  }
  ExportSlot* e = HostCore::find_export(*s, name);
  if (e == nullptr || !e->exposed) {
    throw Error(ErrorCode::not_exported, "app \"" + r.name + "\" read " + std::string(app) + "/" +
                                             std::string(name) + ", but app \"" +
                                             std::string(app) + "\" exports no \"" +
                                             std::string(name) + "\"");
  }
  if (!h.refresh(*e)) throw Error(e->cache_code, e->cache_error);
  return e->cache_value;
}

Subscription App::watch(std::string_view app, std::string_view name, WatchCallback callback,
                        Expectations expectations) {
  AppRecord& r = live();
  if (!callback) throw Error(ErrorCode::invalid_argument, "watch needs a callback, got an empty one");
  if (app.empty() || name.empty()) {
    throw Error(ErrorCode::invalid_argument, "watch needs an app and an export name");
  }
  expectations = detail::manifest_read_expectations(r.manifest.get(), app, name, std::move(expectations));
  HostCore& h = *r.host;
  ExportSlot& e = HostCore::export_slot(h.slot(app), name);
  auto w = std::make_shared<WatchRec>();
  w->consumer = r.name;
  w->slot = &e;
  w->callback = std::move(callback);
  w->expectations = std::move(expectations);
  e.watchers.push_back(w);
  h.check_contract(*w, e);
  if (e.exposed) h.queue_sync(e);
  std::weak_ptr<HostCore> weak = h.shared_from_this();
  Subscription s([weak, w] {
    if (!w->active) return;
    w->active = false;
    if (auto core = weak.lock()) {
      ++w->slot->dead;
      w->slot->compact();
    }
  });
  r.keep(s);
  return s;
}

void App::accept(std::string_view type, std::optional<Schema> payload_schema, CommandHandler handler) {
  AppRecord& r = live();
  if (type.empty()) throw Error(ErrorCode::invalid_argument, "accept needs a command type");
  payload_schema = detail::manifest_command_schema(r.manifest.get(), type, std::move(payload_schema));
  auto [it, inserted] =
      r.accepted.insert_or_assign(std::string(type), detail::Accepted{std::move(payload_schema), std::move(handler)});
  (void)it;
  if (inserted) {
    auto& list = r.host->acceptors[std::string(type)];
    if (std::find(list.begin(), list.end(), &r) == list.end()) list.push_back(&r);
  }
}

void App::accept_all() {
  AppRecord& r = live();
  detail::manifest_refuse_accept_all(r.manifest.get());
  if (r.accept_all) return;
  r.accept_all = true;
  r.host->accept_all_apps.push_back(&r);
}

void App::send(std::string_view app, Action action) {
  AppRecord& r = live();
  HostCore& h = *r.host;
  const AppSlot* s = h.find_slot(app);
  if (s == nullptr || !s->mounted) {
    h.refuse(r, app, action, ErrorCode::unknown_app,
             "app \"" + r.name + "\" sent \"" + action.type + "\" to \"" + std::string(app) +
                 "\", but no app of that name is mounted");
  }
  AppRecord& target = *s->mounted;
  const detail::Accepted* acc = h.accepted(target, action.type);
  if (acc == nullptr) {
    h.refuse(r, app, action, ErrorCode::command_not_accepted,
             "app \"" + r.name + "\" sent \"" + action.type + "\" to \"" + target.name +
                 "\", which does not accept it (it must call accept(\"" + action.type + "\"))");
  }
  if (acc->schema && h.validating()) {
    auto violations = validate(*acc->schema, action.payload);
    if (!violations.empty()) {
      std::string msg = "app \"" + r.name + "\" sent \"" + action.type + "\" to \"" + target.name +
                        "\" with a payload its schema refuses:";
      for (const auto& v : violations) msg += " at \"" + v.path + "\": " + v.reason + ";";
      h.refuse(r, app, action, ErrorCode::schema_violation, msg);
    }
  }
  if (h.inspector.active()) {
    h.inspector.emit(InspectorEvent{.kind = InspectorEventKind::command_sent,
                                    .app = r.name,
                                    .target = target.name,
                                    .name = action.type,
                                    .payload = action.payload});
  }
  // Copy what apply_command needs: a handler may unmount either app.
  std::shared_ptr<AppRecord> keep = s->mounted;
  h.apply_command(target, *acc, r, std::move(action));
}

std::size_t App::broadcast(Action action) {
  AppRecord& r = live();
  HostCore& h = *r.host;
  // Targets by record, slot and mount number: a record is used only while it is still the one
  // mounted (a handler may unmount apps). Small and on the stack: no allocation per broadcast.
  struct Target {
    AppRecord* rec;
    AppSlot* slot;
    std::uint64_t seq;
    const detail::Accepted* acc;
  };
  boost::container::small_vector<Target, 8> targets;
  bool may_throw = false;
  auto consider = [&](AppRecord* t) {
    for (const auto& existing : targets) {
      if (existing.rec == t) return;
    }
    const detail::Accepted* acc = h.accepted(*t, action.type);
    if (acc == nullptr) return;
    if (acc->schema && h.validating()) {
      auto violations = validate(*acc->schema, action.payload);
      if (!violations.empty()) {
        std::string msg = "app \"" + r.name + "\" broadcast \"" + action.type +
                          "\", but app \"" + t->name + "\"'s schema refuses the payload:";
        for (const auto& v : violations) msg += " at \"" + v.path + "\": " + v.reason + ";";
        h.refuse(r, t->name, action, ErrorCode::schema_violation, msg);
      }
    }
    if (acc->handler || !t->store || detail::core_may_throw(*t->store->core())) may_throw = true;
    targets.push_back(Target{t, t->slot, t->mount_seq, acc});
  };
  if (auto it = h.acceptors.find(action.type); it != h.acceptors.end()) {
    for (AppRecord* t : it->second) consider(t);
  }
  for (AppRecord* t : h.accept_all_apps) consider(t);
  if (targets.empty()) return 0;
  if (h.inspector.active()) {
    for (const auto& t : targets) {
      h.inspector.emit(InspectorEvent{.kind = InspectorEventKind::command_sent,
                                      .app = r.name,
                                      .target = t.rec->name,
                                      .name = action.type,
                                      .payload = action.payload});
    }
  }
  std::shared_ptr<AppRecord> keep_sender = r.slot->mounted;
  auto apply_all = [&] {
    const std::size_t n = targets.size();
    for (std::size_t i = 0; i < n; ++i) {
      const Target& t = targets[i];
      if (t.slot->mounted.get() != t.rec || t.rec->mount_seq != t.seq) continue;  // unmounted
      // Only handlers run code that could change what is accepted: look it up again after one.
      const detail::Accepted* acc = may_throw ? h.accepted(*t.rec, action.type) : t.acc;
      if (acc == nullptr) continue;  // withdrawn meanwhile
      if (i + 1 == n) {
        h.apply_command(*t.rec, *acc, r, std::move(action));
      } else {
        Action copy = action;
        h.apply_command(*t.rec, *acc, r, std::move(copy));
      }
    }
  };
  if (may_throw) {
    h.run_transaction(apply_all);
  } else {
    // Nothing can throw: one batch is enough to notify once, after all.
    Batcher& b = h.batcher();
    b.begin_batch();
    apply_all();
    b.end_batch();
  }
  return targets.size();
}

Subscription App::on(std::string_view pattern, BusListener listener) {
  AppRecord& r = live();
  detail::manifest_check_on(r.manifest.get(), pattern);
  Subscription s = r.host->bus->subscribe(pattern, std::move(listener));
  r.keep(s);
  return s;
}

Subscription App::observe(QueryOptions options, QueryListener listener) {
  AppRecord& r = live();
  Subscription s = r.host->queries->observe(std::move(options), std::move(listener));
  r.keep(s);
  return s;
}

void App::emit(std::string_view topic, Value payload) {
  AppRecord& r = live();
  detail::manifest_check_emit(r.manifest.get(), topic);
  HostCore& h = *r.host;
  struct Publisher {
    HostCore& h;
    std::string_view before;
    ~Publisher() { h.publisher = before; }
  } restore{h, h.publisher};
  h.publisher = r.name;
  h.bus->publish(topic, std::move(payload));
}

void App::adopt(Subscription subscription) {
  if (!mounted()) {
    subscription.cancel();
    live();  // throws app_unmounted
  }
  rec_->adopted.push_back(std::move(subscription));
}

// ---- Host ----

Host::Host(HostOptions options)
    : core_(std::make_shared<HostCore>(std::move(options), std::make_unique<Runtime>())) { core_->owner = this; }

Host::Host(ManualClock& clock, HostOptions options)
    : core_(std::make_shared<HostCore>(std::move(options), std::make_unique<Runtime>(clock))) { core_->owner = this; }

Host::Host(const Clock& clock, HostOptions options)
    : core_(std::make_shared<HostCore>(std::move(options), std::make_unique<Runtime>(clock))) { core_->owner = this; }

Host::~Host() {
  // Unmount newest first; each App handle that outlives us becomes inert.
  while (!core_->mounted.empty()) core_->unmount(*core_->mounted.back());
  // Deliver what unmounting queued (watchers told exports are gone) while everything exists.
  try {
    core_->runtime->batcher().begin_batch();
    core_->runtime->batcher().end_batch();
  } catch (...) {
  }
}

App Host::mount(std::string_view name, MountOptions options) {
  HostCore& h = *core_;
  if (name.empty()) throw Error(ErrorCode::invalid_argument, "mount needs a non-empty app name");
  AppSlot& s = h.slot(name);
  if (s.mounted) {
    throw Error(ErrorCode::app_already_mounted,
                "app \"" + std::string(name) + "\" is already mounted (version \"" +
                    s.mounted->version + "\"); unmount it first");
  }
  auto rec = std::make_shared<AppRecord>();
  rec->host = &h;
  rec->slot = &s;
  rec->name = std::string(name);
  rec->version = std::move(options.version);
  rec->manifest = std::move(options.manifest);
  rec->mount_seq = ++h.mount_seq;
  s.mounted = rec;
  h.mounted.push_back(rec.get());
  if (h.inspector.active()) {
    h.inspector.emit(InspectorEvent{.kind = InspectorEventKind::mount,
                                    .app = rec->name,
                                    .detail = rec->version});
  }
  return App(std::move(rec));
}

bool Host::is_mounted(std::string_view name) const noexcept {
  const AppSlot* s = core_->find_slot(name);
  return s != nullptr && s->mounted != nullptr;
}

std::vector<std::string> Host::apps() const {
  std::vector<std::string> out;
  out.reserve(core_->mounted.size());
  for (const AppRecord* r : core_->mounted) out.push_back(r->name);
  return out;
}

void Host::transaction(const std::function<void()>& fn) {
  if (!fn) throw Error(ErrorCode::invalid_argument, "transaction needs a function");
  core_->run_transaction(fn);
}

bool Host::in_transaction() const noexcept { return !core_->frames.empty(); }
bool Host::validating() const noexcept { return core_->validating(); }
void Host::set_error_handler(ErrorHandler handler) { core_->options.on_error = std::move(handler); }
Runtime& Host::runtime() noexcept { return *core_->runtime; }
Bus& Host::bus() noexcept { return *core_->bus; }
Inspector& Host::inspector() noexcept { return core_->inspector; }
QueryClient& Host::queries() noexcept { return *core_->queries; }
void Host::set_focused(bool focused) { core_->queries->set_focused(focused); }
void Host::set_online(bool online) { core_->queries->set_online(online); }

}  // namespace mfstate
