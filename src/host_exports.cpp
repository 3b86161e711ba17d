// Exports: expose / unexpose / read / watch, the memo of each export's value, the contract checks
// of watchers' expectations, and the delivery of changes to watchers.
#include "host_exports.hpp"

#include <boost/container/small_vector.hpp>

#include <algorithm>

#include "error_sink.hpp"
#include "host_core.hpp"
#include "host_manifest.hpp"

// GCC 12 warns about members a designated initializer leaves out even when they have default
// initializers, which is how events are meant to be built here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif

namespace mfstate::detail {

void ExportSlot::compact() {
  if (dead == 0 || delivering > 0) return;
  std::erase_if(watchers, [](const auto& w) { return !w->active; });
  dead = 0;
}

void ExportSlot::withdraw() {
  exposed = false;
  selector.reset();
  schema.reset();
  cached = false;
  cache_input = Value();
  cache_value = Value();
  cache_error.clear();
  cache_thrown = nullptr;
}

// ---- records ----

Producer& Exports::producer(std::string_view name) {
  auto it = producers_.find(name);
  if (it != producers_.end()) return *it->second;
  auto p = std::make_unique<Producer>();
  p->name = std::string(name);
  Producer* raw = p.get();
  producers_.emplace(std::string(name), std::move(p));
  return *raw;
}

ExportSlot* Exports::find(const Producer& p, std::string_view name) {
  auto it = p.exports.find(name);
  return it == p.exports.end() ? nullptr : it->second.get();
}

ExportSlot& Exports::slot(Producer& p, std::string_view name) {
  if (ExportSlot* e = find(p, name)) return *e;
  Ref<ExportSlot> e(new ExportSlot);
  e->owner = &p;
  e->name = std::string(name);
  ExportSlot* raw = e.get();
  p.exports.emplace(std::string(name), std::move(e));
  return *raw;
}

// Frees an export record nothing needs any more: not exposed, no live watcher, nothing running
// on it, nothing queued for it (a queued sync holds a reference). `held` is how many references
// the caller holds besides the producer's map; the record outlives the call as long as they do.
void Exports::collect(ExportSlot& e, std::uint32_t held) {
  if (e.exposed || e.live_watchers() > 0 || e.delivering > 0 || e.refs > 1 + held || e.owner == nullptr)
    return;
  Producer& p = *e.owner;
  e.owner = nullptr;
  p.exports.erase(e.name);  // may free e
  collect(p);
}

void Exports::collect(Producer& p) {
  if (p.app != nullptr || !p.exports.empty()) return;
  producers_.erase(p.name);  // frees p
}

// ---- the app's lifetime ----

void Exports::on_mount(AppRecord& app) {
  Producer& p = producer(app.name);
  p.app = &app;
  app.producer = &p;
}

void Exports::on_store_created(AppRecord& app) {
  // Exports exposed before the store existed now have a state to select from.
  for (auto& [name, e] : app.producer->exports) {
    if (e->exposed) queue_sync(*e);
  }
}

void Exports::on_unmount(AppRecord& app) {
  Producer& p = *app.producer;
  for (auto& [name, e] : p.exports) {
    if (!e->exposed) continue;
    e->withdraw();
    queue_sync(*e);  // its watchers hear that it is gone
  }
  p.app = nullptr;
  app.producer = nullptr;
  collect(p);
}

void Exports::on_notified(AppRecord& app) {
  Producer* p = app.producer;
  if (p == nullptr || p->exports.empty()) return;
  // An export's changes are heard by the shell's inspectors and the producer's own, not by
  // another app's: one app's inspect() must not run every producer's selectors on every change.
  const bool inspected = core_->inspector.hears(app.name);
  // Take references first: a watcher may change the exports (through commands) while we deliver.
  boost::container::small_vector<Ref<ExportSlot>, 4> due;
  for (auto& [name, e] : p->exports) {
    if (e->exposed && (e->live_watchers() > 0 || inspected)) due.push_back(e);
  }
  for (auto& e : due) sync(*e);
}

// ---- exposing and reading ----

void Exports::expose(AppRecord& app, std::string_view name, ExportSelector selector,
                     std::optional<Schema> schema) {
  if (name.empty()) throw Error(ErrorCode::invalid_argument, "expose needs a non-empty export name");
  if (!selector) {
    throw Error(ErrorCode::invalid_argument,
                "expose of " + app.name + "/" + std::string(name) + " needs a selector, got an empty one");
  }
  schema = manifest_export_schema(app.manifest.get(), name, std::move(schema));
  ExportSlot& e = slot(*app.producer, name);
  Ref<ExportSlot> keep(&e);
  e.withdraw();
  e.exposed = true;
  e.selector = std::make_shared<const ExportSelector>(std::move(selector));
  e.schema = std::move(schema);
  // Check the new schema against every registered consumer now, in the producer's own run.
  for (auto& w : e.watchers) {
    if (w->active) check_contract(*w, e);
  }
  queue_sync(e);
}

void Exports::unexpose(AppRecord& app, std::string_view name) {
  ExportSlot* e = find(*app.producer, name);
  if (e == nullptr || !e->exposed) {
    throw Error(ErrorCode::not_exported,
                "app \"" + app.name + "\" has no export \"" + std::string(name) + "\" to withdraw");
  }
  e->withdraw();
  for (auto& w : e->watchers) w->blocked = false;
  queue_sync(*e);
}

namespace {
// The export's unusable value, to the sink: nesting what the selector threw (the shell is told
// that very value), or alone when its value broke the schema (nothing was thrown).
void report_cached_error(HostErrors& errors, const ExportSlot& e) {
  if (!e.cache_thrown) {
    errors.report(Error(e.cache_code, e.cache_error), e.owner->name);
    return;
  }
  try {
    std::rethrow_exception(e.cache_thrown);
  } catch (...) {
    errors.report(NestedError(e.cache_code, e.cache_error), e.owner->name);
  }
}
}  // namespace

Value Exports::read(const AppRecord& reader, std::string_view app, std::string_view name) {
  manifest_check_read(reader.manifest.get(), app, name);
  auto pit = producers_.find(app);
  if (pit == producers_.end() || pit->second->app == nullptr) {
    throw Error(ErrorCode::unknown_app, "app \"" + reader.name + "\" read " + std::string(app) + "/" +
                                            std::string(name) + ", but no app \"" + std::string(app) +
                                            "\" is mounted");
  }
  ExportSlot* e = find(*pit->second, name);
  if (e == nullptr || !e->exposed) {
    throw Error(ErrorCode::not_exported, "app \"" + reader.name + "\" read " + std::string(app) + "/" +
                                             std::string(name) + ", but app \"" + std::string(app) +
                                             "\" exports no \"" + std::string(name) + "\"");
  }
  // The usual read: the memo is current, nothing runs, so the record needs no reference.
  if (memo_current(*e)) {
    if (!e->cache_error.empty()) throw unusable(*e, reader);
    return e->cache_value;
  }
  Ref<ExportSlot> keep(e);  // the selector may unexpose or unmount its app
  if (!refresh(*e)) throw unusable(*e, reader);
  return e->cache_value;
}

// Why `reader` gets no value. What a selector threw is its app's: its message may carry the
// producer's state (a reader of another app was handed "the selector of export a/x threw: bad
// token 3f9c..."), and its code is whatever the producer chose. Another app learns only that the
// selector threw; the producer's error sink is told the detail (once per failed memo, as a
// watcher's sync tells it). A value breaking the schema is the export's own business: said as is.
Error Exports::unusable(ExportSlot& e, const AppRecord& reader) {
  if (!e.cache_thrown || e.owner->name == reader.name) return Error(e.cache_code, e.cache_error);
  Error told(ErrorCode::listener_error,
             "the selector of export " + e.owner->name + "/" + e.name + " threw (its app's error sink has what it threw)");
  if (!e.error_reported) {
    e.error_reported = true;
    Ref<ExportSlot> keep(&e);  // the sink may unexpose or unmount the producer
    report_cached_error(core_->errors, e);
  }
  return told;
}

// The producer's state an export selects from (null when it has no store, or is gone).
const Value& Exports::input_of(const ExportSlot& e) {
  const AppRecord* producer = e.owner != nullptr ? e.owner->app : nullptr;
  static const Value null_state;
  return producer != nullptr && producer->store ? producer->store->state() : null_state;
}

// Whether the memo was computed from the producer's state as it is now.
bool Exports::memo_current(const ExportSlot& e) { return e.cached && input_of(e).same_node(e.cache_input); }

// Brings the memo up to date with the producer's state. Returns false when the value is unusable
// (cache_error says why).
bool Exports::refresh(ExportSlot& e) {
  if (memo_current(e)) return e.cache_error.empty();
  const Value& current = input_of(e);
  if (!e.selector) return false;
  const Value input = current;  // the selector may change the state
  e.cache_input = input;
  e.cached = true;
  e.error_reported = false;
  e.cache_error.clear();
  e.cache_thrown = nullptr;
  const std::string where = "export " + e.owner->name + "/" + e.name;
  const std::shared_ptr<const ExportSelector> selector = e.selector;  // alive while it runs
  try {
    e.cache_value = (*selector)(input);
  } catch (...) {
    Error err = error_from_exception(ErrorCode::listener_error, "the selector of " + where + " threw");
    e.cache_value = Value();
    e.cache_error = err.what();
    e.cache_code = err.code();
    e.cache_thrown = std::current_exception();
    return false;
  }
  if (e.schema && core_->validate) {
    try {
      require_valid(*e.schema, e.cache_value, where + " (which must satisfy its own schema)");
    } catch (const Error& err) {
      e.cache_error = err.what();
      e.cache_code = err.code();
      return false;
    }
  }
  return true;
}

// ---- watching ----

Subscription Exports::watch(AppRecord& consumer, std::string_view app, std::string_view name,
                            WatchCallback callback, Expectations expectations) {
  if (!callback) throw Error(ErrorCode::invalid_argument, "watch needs a callback, got an empty one");
  if (app.empty() || name.empty()) {
    throw Error(ErrorCode::invalid_argument, "watch needs an app and an export name");
  }
  expectations = manifest_read_expectations(consumer.manifest.get(), app, name, std::move(expectations));
  ExportSlot& e = slot(producer(app), name);
  auto w = std::make_shared<WatchRec>();
  w->consumer = consumer.name;
  w->slot = &e;
  w->callback = std::move(callback);
  w->expectations = std::move(expectations);
  e.watchers.push_back(w);
  check_contract(*w, e);
  std::weak_ptr<HostCore> weak = core_->weak_from_this();
  Subscription s([weak, w] {
    if (auto core = weak.lock()) {
      core->exports.end_watch(*w);
    } else {
      w->active = false;
    }
  });
  consumer.keep(s);
  if (e.exposed) queue_sync(e);
  return s;
}

void Exports::end_watch(WatchRec& w) {
  if (!w.active) return;
  w.active = false;
  ExportSlot& e = *w.slot;  // alive: it had this live watcher until now
  ++e.dead;
  e.compact();
  collect(e, 0);
}

void Exports::check_contract(WatchRec& w, ExportSlot& e) {
  if (w.expectations.empty() || !e.exposed || !e.schema) {
    w.blocked = false;
    return;
  }
  auto breaks = check(*e.schema, w.expectations);
  w.blocked = !breaks.empty();
  if (w.blocked) core_->errors.report_contract(w.consumer, e.owner->name, e.name, breaks, true);
}

void Exports::call_watcher(WatchRec& w, const ExportEvent& ev) {
  try {
    w.callback(ev);
  } catch (...) {
    core_->errors.report(
        error_from_exception(ErrorCode::listener_error, "a watcher of export " + std::string(ev.app) + "/" +
                                                            std::string(ev.name) + " in app \"" + w.consumer +
                                                            "\" threw"),
        w.consumer);
  }
}

void Exports::feed(WatchRec& w, ExportSlot& e, const Value& v) {
  if (!w.active || w.blocked) return;
  if (w.has_last && w.last.same_node(v)) return;
  if (w.has_last && w.last == v) {
    w.last = v;
    return;
  }
  if (!w.expectations.empty() && !e.schema) {
    auto breaks = check_value(v, w.expectations);
    if (!breaks.empty()) {
      core_->errors.report_contract(w.consumer, e.owner->name, e.name, breaks, false);
      return;
    }
  }
  w.has_last = true;
  w.last = v;
  call_watcher(w, ExportEvent{e.owner->name, e.name, ExportEventKind::value, v});
}

// Tells every watcher of `e` where the export stands now: its value (when changed for that
// watcher) or that it is gone. Idempotent, so it may be queued more than once.
void Exports::sync(ExportSlot& e) {
  if (e.owner == nullptr) return;
  HostCore& core = *core_;
  if (e.live_watchers() == 0 && !core.inspector.hears(e.owner->name)) {
    if (!e.exposed) e.has_published = false;
    return;
  }
  ++e.delivering;
  if (e.exposed) {
    if (!refresh(e)) {
      if (!e.error_reported && e.exposed) {
        e.error_reported = true;
        report_cached_error(core.errors, e);
      }
    } else {
      const Value v = e.cache_value;  // the watchers may change the state (and the memo) meanwhile
      const bool changed = !e.has_published || !e.published.same_node(v);
      if (changed) {
        const bool really = !e.has_published || !(e.published == v);
        e.published = v;
        e.has_published = true;
        if (really) {
          core.inspect([&] {
            return InspectorEvent{.kind = InspectorEventKind::export_changed,
                                  .target = e.owner->name,
                                  .name = e.name,
                                  .payload = v};
          });
        }
      }
      const std::size_t n = e.watchers.size();
      for (std::size_t i = 0; i < n; ++i) feed(*e.watchers[i], e, v);
    }
  } else {
    if (e.has_published) {
      e.has_published = false;
      e.published = Value();
      core.inspect([&] {
        return InspectorEvent{
            .kind = InspectorEventKind::export_removed, .target = e.owner->name, .name = e.name};
      });
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

void Exports::queue_sync(ExportSlot& e) {
  // Not undoable: a sync reads where the export stands when it runs, so it is right after a
  // rollback too (and exposing, which queues it, is not undone).
  core_->batcher().notify([weak = core_->weak_from_this(), e = Ref<ExportSlot>(&e)] {
    auto core = weak.lock();
    if (!core) return;
    core->exports.sync(*e);
    core->exports.collect(*e, 1);  // this job's own reference goes right after
  });
}

}  // namespace mfstate::detail
