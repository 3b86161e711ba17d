// One cache entry: its state machine (a closed set of transitions applied by one dispatch step,
// followed by one batched notification of its observers) and its fetch lifecycle (shared
// in-flight fetch, cancellation with revert, refetch replacing a fetch in flight).
#include <algorithm>

#include "mfstate/key.hpp"
#include "query_internal.hpp"

namespace mfstate {

std::string_view to_string(QueryStatus s) noexcept {
  switch (s) {
    case QueryStatus::pending: return "pending";
    case QueryStatus::error: return "error";
    case QueryStatus::success: return "success";
  }
  return "pending";
}

std::string_view to_string(FetchStatus s) noexcept {
  switch (s) {
    case FetchStatus::fetching: return "fetching";
    case FetchStatus::paused: return "paused";
    case FetchStatus::idle: return "idle";
  }
  return "idle";
}

namespace detail {

// ---- state helpers ----

bool Query::is_active() const noexcept {
  if (!cold) return false;
  for (const ObserverImpl* o : cold->observers) {
    if (o->enabled()) return true;
  }
  return false;
}

bool Query::is_disabled() const noexcept {
  if (observer_count() > 0) return !is_active();
  return data_update_count + error_update_count() == 0;
}

bool Query::is_stale_by_time(Millis stale_time, Millis now) const noexcept {
  if (!has_data() || invalidated()) return true;
  return data_updated_at + stale_time.count() <= now.count();
}

bool Query::is_stale(Millis now) const noexcept {
  if (observer_count() > 0) {
    for (const ObserverImpl* o : cold->observers) {
      if (is_stale_by_time(o->stale_time(), now)) return true;
    }
    return false;
  }
  return !has_data() || invalidated();
}

QueryState snapshot(const Query& q) {
  QueryState s;
  s.status = q.status;
  s.fetch_status = q.fetch_status;
  if (q.has_data()) s.data = q.data;
  s.data_updated_at = Millis(q.data_updated_at);
  s.is_invalidated = q.invalidated();
  s.data_update_count = q.data_update_count;
  if (q.cold) {
    s.error = q.cold->error;
    s.error_detail = q.cold->error_detail;
    s.error_updated_at = q.cold->error_updated_at;
    s.failure_count = q.cold->failure_count;
    s.failure_reason = q.cold->failure_reason;
    s.error_update_count = q.cold->error_update_count;
  }
  return s;
}

Value replace_equal_deep(const Value& prev, Value next) {
  if (prev.same_node(next)) return prev;
  if (prev.type() != next.type()) {
    // 1 and 1.0 are equal: keep the old spelling, as nothing changed.
    if (prev.is_number() && next.is_number() && prev == next) return prev;
    return next;
  }
  if (next.is_array()) {
    auto pa = prev.as_array();
    auto na = next.as_array();
    std::vector<Value> items;
    items.reserve(na.size());
    bool all_prev = pa.size() == na.size();
    bool all_next = true;
    for (std::size_t i = 0; i < na.size(); ++i) {
      Value v = i < pa.size() ? replace_equal_deep(pa[i], na[i]) : na[i];
      if (i >= pa.size() || !v.same_node(pa[i])) all_prev = false;
      if (!v.same_node(na[i])) all_next = false;
      items.push_back(std::move(v));
    }
    if (all_prev) return prev;
    if (all_next) return next;
    return Value::array(std::move(items));
  }
  if (next.is_object()) {
    auto pm = prev.as_object();
    auto nm = next.as_object();
    std::vector<Member> members;
    members.reserve(nm.size());
    bool all_prev = pm.size() == nm.size();
    bool all_next = true;
    for (const Member& m : nm) {
      const Value* old = prev.find(m.key);
      Value v = old != nullptr ? replace_equal_deep(*old, m.value) : m.value;
      if (old == nullptr || !v.same_node(*old)) all_prev = false;
      if (!v.same_node(m.value)) all_next = false;
      members.push_back(Member{m.key, std::move(v)});
    }
    if (all_prev) return prev;
    if (all_next) return next;
    return Value::object(std::move(members));
  }
  return prev == next ? prev : next;
}

std::size_t approx_bytes(const Value& v) noexcept {
  switch (v.type()) {
    case Type::string: return 16 + 48 + v.size();
    case Type::array: {
      std::size_t n = 16 + 48;
      for (const Value& e : v.as_array()) n += approx_bytes(e);
      return n;
    }
    case Type::object: {
      std::size_t n = 16 + 64;
      for (const Member& m : v.as_object()) n += 32 + m.key.size() + approx_bytes(m.value);
      return n;
    }
    default: return 16;
  }
}

// ---- the one dispatch step ----

void ClientCore::dispatch(Query& q, QueryAction&& a) {
  switch (a.kind) {
    case QueryAction::fetch:
      if (q.cold) {
        q.cold->failure_count = 0;
        q.cold->failure_reason.reset();
      }
      q.fetch_status = can_fetch(q.options->network_mode) ? FetchStatus::fetching : FetchStatus::paused;
      if (!q.has_data()) {
        if (q.cold) q.cold->error.reset();
        q.status = QueryStatus::pending;
      }
      break;
    case QueryAction::success:
      if (options.max_bytes != 0) {
        if (q.has_data()) data_bytes -= std::min(data_bytes, approx_bytes(q.data));
        data_bytes += approx_bytes(a.data);
      }
      q.data = std::move(a.data);
      q.flags = static_cast<std::uint8_t>((q.flags | has_data_flag) & ~invalidated_flag);
      ++q.data_update_count;
      q.data_updated_at = a.at.count();
      q.status = QueryStatus::success;
      if (q.cold) {
        q.cold->error.reset();
        q.cold->error_detail = Value();
      }
      if (!a.manual) {
        q.fetch_status = FetchStatus::idle;
        if (q.cold) {
          q.cold->failure_count = 0;
          q.cold->failure_reason.reset();
        }
      }
      break;
    case QueryAction::fail: {
      QueryCold& c = q.c();
      c.error = a.error;
      c.error_detail = std::move(a.detail);
      ++c.error_update_count;
      c.error_updated_at = now();
      ++c.failure_count;
      c.failure_reason = std::move(a.error);
      q.fetch_status = FetchStatus::idle;
      q.status = QueryStatus::error;
      break;
    }
    case QueryAction::failed: {
      QueryCold& c = q.c();
      c.failure_count = a.failure_count;
      c.failure_reason = std::move(a.error);
      break;
    }
    case QueryAction::pause: q.fetch_status = FetchStatus::paused; break;
    case QueryAction::resume: q.fetch_status = FetchStatus::fetching; break;
    case QueryAction::invalidate: q.flags |= invalidated_flag; break;
    case QueryAction::set_state: {
      const QueryState& s = *a.state;
      if (options.max_bytes != 0) {
        if (q.has_data()) data_bytes -= std::min(data_bytes, approx_bytes(q.data));
        if (s.data) data_bytes += approx_bytes(*s.data);
      }
      q.status = s.status;
      q.fetch_status = s.fetch_status;
      if (s.data) {
        q.data = *s.data;
        q.flags |= has_data_flag;
      } else {
        q.data = Value();
        q.flags &= static_cast<std::uint8_t>(~has_data_flag);
      }
      q.data_updated_at = s.data_updated_at.count();
      q.data_update_count = s.data_update_count;
      if (s.is_invalidated) {
        q.flags |= invalidated_flag;
      } else {
        q.flags &= static_cast<std::uint8_t>(~invalidated_flag);
      }
      if (q.cold || s.error || s.failure_reason || s.error_update_count != 0) {
        QueryCold& c = q.c();
        c.error = s.error;
        c.error_detail = s.error_detail;
        c.error_updated_at = s.error_updated_at;
        c.error_update_count = s.error_update_count;
        c.failure_count = s.failure_count;
        c.failure_reason = s.failure_reason;
      }
      break;
    }
  }
  if (!cache_listeners.empty()) {
    static constexpr std::string_view names[] = {"fetch", "success", "error",      "failed",
                                                 "pause", "continue", "invalidate", "setState"};
    emit(QueryCacheEvent::Type::updated, q, names[a.kind]);
  }
  // One notification per observer per batch: observers mark themselves dirty and recompute when
  // the outermost operation ends.
  if (q.cold) {
    auto& obs = q.cold->observers;
    for (std::size_t i = 0; i < obs.size(); ++i) obs[i]->on_query_update();
  }
}

Value ClientCore::set_data(Query& q, Value data, std::optional<Millis> at) {
  Value next = (q.has_data() && q.options->structural_sharing) ? replace_equal_deep(q.data, std::move(data))
                                                               : std::move(data);
  QueryAction a{QueryAction::success};
  a.data = std::move(next);
  a.at = at.value_or(now());
  a.manual = true;
  dispatch(q, std::move(a));
  return q.data;
}

// ---- fetching ----

std::shared_ptr<FutureState> ClientCore::fetch(Query& q, const OptionsPtr& opts, bool cancel_refetch) {
  std::vector<std::shared_ptr<FutureState>> inherited;
  std::optional<QueryState> inherited_revert;
  if (q.fetching()) {
    std::shared_ptr<QueryFetch> current = q.cold->fetch;
    if (q.has_data() && cancel_refetch) {
      // A refetch replaces the fetch in flight; its waiters get the new fetch's result.
      inherited = std::move(current->waiters);
      current->waiters.clear();
      inherited_revert = current->revert;
      current->cancel_silent = true;
      current->retryer->cancel();
    } else {
      current->retryer->try_continue();
      auto fut = make_future(batcher());
      current->waiters.push_back(fut);
      return fut;
    }
  }
  if (opts) set_options(q, opts);
  if (!q.options->fetcher) {
    Outcome o;
    o.ok = false;
    o.error = Error(ErrorCode::invalid_argument,
                    "no fetcher for the query " + key_string(key_of(q)) +
                        ": pass QueryOptions::fetcher or register one with set_query_defaults");
    for (auto& w : inherited) w->settle(o);
    return settled_future(batcher(), std::move(o));
  }
  auto f = std::make_shared<QueryFetch>(*this, q);
  f->revert = inherited_revert ? std::move(*inherited_revert) : snapshot(q);
  f->waiters = std::move(inherited);
  auto fut = make_future(batcher());
  f->waiters.push_back(fut);

  gc_unlink(q);
  QueryCold& cold = q.c();
  cold.fetch = f;
  // The key is rebuilt from the trie once per entry and kept while the entry is warm.
  if (cold.key.is_null()) cold.key = key_of(q);
  f->key = cold.key;
  f->options = q.options;
  in_flight.insert(&q);
  dispatch(q, QueryAction{QueryAction::fetch});

  const ResolvedOptions& o = *q.options;
  f->retryer = std::make_shared<Retryer>(*this, Retryer::Config{o.retry, o.retry_if, o.retry_delay, o.network_mode},
                                         f.get());
  f->retryer->start();
  return fut;
}

// ---- a fetch as its retryer's owner ----

bool QueryFetch::current() const noexcept { return q->cold && q->cold->fetch.get() == this; }

void QueryFetch::retry_attempt(const AbortSignal& signal, Completion done) {
  options->fetcher(FetchContext{key, signal, options->meta}, std::move(done));
}

void QueryFetch::retry_settled(Outcome&& o) {
  auto self = shared_from_this();
  core->on_fetch_settled(*q, self, std::move(o));
}

void QueryFetch::retry_failed(int failure_count, const Error& error) {
  if (!current()) return;
  QueryAction a{QueryAction::failed};
  a.failure_count = failure_count;
  a.error = error;
  core->dispatch(*q, std::move(a));
}

void QueryFetch::retry_paused() {
  if (current()) core->dispatch(*q, QueryAction{QueryAction::pause});
}

void QueryFetch::retry_resumed() {
  if (current()) core->dispatch(*q, QueryAction{QueryAction::resume});
}

void ClientCore::on_fetch_settled(Query& q, const std::shared_ptr<QueryFetch>& f, Outcome&& o) {
  auto waiters = std::move(f->waiters);
  f->waiters.clear();
  const bool current = q.cold && q.cold->fetch == f;
  if (current) {
    q.cold->fetch.reset();
    in_flight.erase(&q);
  }
  const bool cancelled = !o.ok && o.error && o.error->code() == ErrorCode::cancelled;
  if (!current || q.removed()) {
    for (auto& w : waiters) w->settle(o);
    return;
  }
  if (o.ok) {
    Value next = (q.has_data() && q.options->structural_sharing) ? replace_equal_deep(q.data, std::move(o.value))
                                                                 : std::move(o.value);
    QueryAction a{QueryAction::success};
    a.data = std::move(next);
    a.at = now();
    dispatch(q, std::move(a));
    Outcome ok;
    ok.value = q.data;
    for (auto& w : waiters) w->settle(ok);
  } else if (cancelled && f->cancel_silent) {
    for (auto& w : waiters) w->settle(o);
  } else if (cancelled && f->cancel_revert) {
    QueryState s = f->revert;
    s.fetch_status = FetchStatus::idle;
    QueryAction a{QueryAction::set_state};
    a.state = &s;
    dispatch(q, std::move(a));
    if (q.has_data()) {
      Outcome ok;
      ok.value = q.data;
      for (auto& w : waiters) w->settle(ok);
    } else {
      for (auto& w : waiters) w->settle(o);
    }
  } else {
    QueryAction a{QueryAction::fail};
    a.error = o.error;
    a.detail = o.detail;
    dispatch(q, std::move(a));
    for (auto& w : waiters) w->settle(o);
  }
  if (q.observer_count() == 0) gc_link(q);
  if (options.max_bytes != 0) evict_if_needed(&q);
}

void ClientCore::cancel_fetch(Query& q, CancelOptions opts) {
  if (!q.fetching()) return;
  std::shared_ptr<QueryFetch> f = q.cold->fetch;
  f->cancel_silent = opts.silent;
  f->cancel_revert = opts.revert;
  f->retryer->cancel();
}

void ClientCore::reset(Query& q) {
  if (q.fetching()) cancel_fetch(q, CancelOptions{.revert = false, .silent = true});
  QueryState s;
  if (q.options->initial_data) {
    s.data = *q.options->initial_data;
    s.status = QueryStatus::success;
    s.data_updated_at = q.options->initial_data_updated_at.value_or(now());
  }
  QueryAction a{QueryAction::set_state};
  a.state = &s;
  dispatch(q, std::move(a));
}

}  // namespace detail
}  // namespace mfstate
