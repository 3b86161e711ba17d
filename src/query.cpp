// One query: its state machine (a closed set of transitions applied by one dispatch step,
// followed by one batched notification of its observers and cache listeners), what is read from
// it (stale, active, disabled), and its fetch lifecycle (shared in-flight fetch, cancellation with
// revert, a refetch replacing a fetch in flight). Free functions of a query.
#include <algorithm>

#include "mfstate/key.hpp"
#include "query_internal.hpp"
#include "query_sync_fetch.hpp"

namespace mfstate::detail {

// ---- readings ----

bool is_stale_now(const ClientCore& core, const Query& q, Millis stale_time) {
  if (!q.has_data()) return true;
  if (stale_time >= static_stale_time) return false;
  if (q.invalidated()) return true;
  // Data that never expires is stale only when invalidated (query-core's Infinity): asking the
  // clock (an import call in the browser) could not change the answer.
  if (stale_time >= never_expires) return false;
  return q.data_updated_at + stale_time.count() <= core.now().count();
}

bool is_stale(const ClientCore& core, const Query& q) {
  if (q.observer_count() == 0) return !q.has_data() || q.invalidated();
  // By its observers: a disabled observer never sees its data as stale.
  for (const ObserverImpl* o : q.cold->observers) {
    if (o->enabled() && is_stale_now(core, q, o->stale_time())) return true;
  }
  return false;
}

namespace {
// Out of line, so that is_active's common answer (no cold part: no observer) takes no stack frame
// (W3c asks it of every invalidated entry).
[[gnu::noinline]] bool any_enabled(const QueryCold& c) {
  for (const ObserverImpl* o : c.observers) {
    if (o->enabled()) return true;
  }
  return false;
}
}  // namespace

bool is_active(const ClientCore&, const Query& q) {
  const QueryCold* c = q.cold.get();
  return c != nullptr && any_enabled(*c);
}

bool is_disabled(const ClientCore& core, const Query& q) {
  if (q.observer_count() > 0) return !is_active(core, q);
  return q.options()->o.fetcher.is_skip() || !q.is_fetched();
}

bool is_static(const ClientCore&, const Query& q) {
  // Without data nothing is static yet (query-core's isStatic): a reset query refetches.
  if (!q.cold || !q.has_data()) return false;
  for (const ObserverImpl* o : q.cold->observers) {
    if (o->stale_time() >= static_stale_time) return true;
  }
  return false;
}

QueryState snapshot(const Query& q) {
  QueryState s;
  s.status = q.status;
  s.fetch_status = q.fetch_status;
  if (q.has_data()) s.data = q.data;
  s.data_updated_at = Millis(q.data_updated_at);
  s.is_invalidated = q.invalidated();
  s.data_update_count = q.data_update_count;
  s.fetch_direction = q.fetch_direction();
  if (const QueryErrors* e = q.errors()) {
    s.error = e->error;
    s.error_detail = e->error_detail;
    s.error_updated_at = e->error_updated_at;
    s.failure_count = e->failure_count;
    s.failure_reason = e->failure_reason;
    s.failure_reason_detail = e->failure_reason_detail;
    s.error_update_count = e->error_update_count;
  }
  return s;
}

void revert_state(const Query& q, RevertState& r) {
  const QueryErrors* e = q.errors();
  if (e != nullptr && (e->error || !e->error_detail.is_null() || e->error_updated_at != Millis{0} ||
                       e->failure_count != 0 || e->failure_reason || e->error_update_count != 0)) {
    r.full = std::make_unique<QueryState>(snapshot(q));
    return;
  }
  // Every error field is at its default: what snapshot(q) holds besides is the entry's own.
  if (q.has_data()) r.data = q.data;
  r.data_updated_at = q.data_updated_at;
  r.data_update_count = q.data_update_count;
  r.status = q.status;
  r.fetch_status = q.fetch_status;
  r.flags = q.flags;
}

QueryState state_of(const RevertState& r) {
  if (r.full) return *r.full;
  QueryState s;
  s.status = r.status;
  s.fetch_status = r.fetch_status;
  if (r.flags & has_data_flag) s.data = r.data;
  s.data_updated_at = Millis(r.data_updated_at);
  s.is_invalidated = (r.flags & invalidated_flag) != 0;
  s.data_update_count = r.data_update_count;
  if (r.flags & fetch_forward_flag) s.fetch_direction = FetchDirection::forward;
  if (r.flags & fetch_backward_flag) s.fetch_direction = FetchDirection::backward;
  return s;
}

QueryInfo info_of(const ClientCore& core, const Query& q) {
  QueryInfo i;
  i.key = core.key_of(q);
  i.state = snapshot(q);
  i.meta = q.options()->o.meta;
  i.observers = q.observer_count();
  i.gc_time = *q.options()->o.gc_time;
  i.infinite = q.infinite();
  return i;
}

namespace {

/// replace_equal_deep of a child pair, with no call unless both are containers of one type: any
/// other pair is prev when equal (1 and 1.0 included), else next.
Value share_child(const Value& prev, const Value& next) {
  if ((next.is_array() || next.is_object()) && prev.type() == next.type()) return replace_equal_deep(prev, next);
  return prev == next ? prev : next;
}

/// The usual refetch of a record (W4's {id, v}): the same names in the same order, no container
/// member, each member either the same as before or unequal to it. Then the result is prev when
/// every member is the same and next otherwise, decided in one pass that builds nothing; nullopt
/// for any other pair (the general walk: a member equal in another spelling, 1 against 1.0 or a
/// long string in another node, keeps prev's, so the result is prev or a mix of both).
std::optional<bool> same_flat_object(std::span<const Member> pm, std::span<const Member> nm) {
  if (pm.size() != nm.size()) return std::nullopt;
  bool all_same = true;
  for (std::size_t i = 0; i < nm.size(); ++i) {
    const Value& a = pm[i].value;
    const Value& b = nm[i].value;
    if (a.is_array() || a.is_object() || b.is_array() || b.is_object() || !(pm[i].key == nm[i].key))
      return std::nullopt;
    if (a.same_node(b)) continue;
    if (a == b) return std::nullopt;
    all_same = false;
  }
  return all_same;
}

}  // namespace

// The result is prev itself when every child came out as prev's, next itself when every child
// came out as next's, and only otherwise a new container. The children are therefore not
// collected until the first one that is neither (a refetch whose data changed in one field
// returns next without building a copy of it: W4 refetches 10^4 {id, v} objects).
Value replace_equal_deep(const Value& prev, Value next) {
  if (prev.same_node(next) && prev.type() == next.type()) return prev;
  if (prev.type() != next.type()) {
    // 1 and 1.0 are equal: keep the old spelling, as nothing changed.
    if (prev.is_number() && next.is_number() && prev == next) return prev;
    return next;
  }
  if (next.is_array()) {
    auto pa = prev.as_array();
    auto na = next.as_array();
    std::vector<Value> items;  // filled from the first child that is neither prev's nor next's
    bool collecting = false;
    bool prefix_prev = true;  // every child so far is prev's (at the same index)
    bool prefix_next = true;  // every child so far is next's
    for (std::size_t i = 0; i < na.size(); ++i) {
      Value v = i < pa.size() ? share_child(pa[i], na[i]) : na[i];
      const bool is_prev = i < pa.size() && v.same_node(pa[i]);
      const bool is_next = v.same_node(na[i]);
      if (!collecting && !(prefix_prev && is_prev) && !(prefix_next && is_next)) {
        // The children before i are identical to next's (or else prev's): copy that prefix.
        items.reserve(na.size());
        const std::span<const Value> from = prefix_next ? na : pa;
        items.assign(from.begin(), from.begin() + static_cast<std::ptrdiff_t>(i));
        collecting = true;
      }
      prefix_prev = prefix_prev && is_prev;
      prefix_next = prefix_next && is_next;
      if (collecting) items.push_back(std::move(v));
    }
    if (prefix_prev && pa.size() == na.size()) return prev;
    if (prefix_next) return next;
    // Every child is prev's but prev is longer: next's length of prev's children.
    if (!collecting) items.assign(pa.begin(), pa.begin() + static_cast<std::ptrdiff_t>(na.size()));
    return Value::array(std::move(items));
  }
  if (next.is_object()) {
    auto pm = prev.as_object();
    auto nm = next.as_object();
    if (const std::optional<bool> same = same_flat_object(pm, nm)) return *same ? prev : next;
    std::vector<Member> members;  // filled from the first member that is neither prev's nor next's
    bool collecting = false;
    bool prefix_prev = true;  // every member so far is prev's (under the same name)
    bool prefix_next = true;  // every member so far is next's
    for (std::size_t i = 0; i < nm.size(); ++i) {
      const Member& m = nm[i];
      // A refetch returns its members in the order it did before: prev's member at the same
      // position is looked at before searching prev by name.
      const Value* old = i < pm.size() && pm[i].key == m.key ? &pm[i].value : prev.find(m.key);
      // The shared child: a scalar pair is decided without a call and without a copy (W4's
      // {id, v}); containers of one type recurse.
      Value shared;
      const Value* v = &m.value;
      if (old != nullptr) {
        if ((m.value.is_array() || m.value.is_object()) && old->type() == m.value.type()) {
          shared = replace_equal_deep(*old, m.value);
          v = &shared;
        } else if (*old == m.value) {
          v = old;
        }
      }
      const bool is_prev = old != nullptr && v->same_node(*old);
      const bool is_next = v->same_node(m.value);
      if (!collecting && !(prefix_prev && is_prev) && !(prefix_next && is_next)) {
        // The members before i are identical to next's (or else to prev's of the same name).
        members.reserve(nm.size());
        for (std::size_t j = 0; j < i; ++j) {
          members.push_back(Member{nm[j].key, prefix_next ? nm[j].value : *prev.find(nm[j].key)});
        }
        collecting = true;
      }
      prefix_prev = prefix_prev && is_prev;
      prefix_next = prefix_next && is_next;
      if (collecting) members.push_back(Member{m.key, *v});
    }
    if (prefix_prev && pm.size() == nm.size()) return prev;
    if (prefix_next) return next;
    if (!collecting) {
      // Every member is prev's but prev has more: next's members, with prev's values.
      members.reserve(nm.size());
      for (const Member& m : nm) members.push_back(Member{m.key, *prev.find(m.key)});
    }
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

namespace {

void set_direction(Query& q, std::optional<FetchDirection> d) {
  q.flags &= static_cast<std::uint8_t>(~(fetch_forward_flag | fetch_backward_flag));
  if (d) q.flags |= *d == FetchDirection::forward ? fetch_forward_flag : fetch_backward_flag;
}

void account_data(ClientCore& core, const Query& q, const Value* next) {
  if (core.options.max_bytes == 0) return;
  std::size_t& bytes = core.queries.data_bytes;
  if (q.has_data()) bytes -= std::min(bytes, approx_bytes(q.data));
  if (next != nullptr) bytes += approx_bytes(*next);
}

/// The telling part of dispatch, after an action of `kind` was applied (inline in both callers:
/// dispatch runs for every transition).
[[gnu::always_inline]] inline void notify_updated(ClientCore& core, Query& q, QueryAction::Kind kind) {
  // One notification per observer per batch: observers mark themselves dirty and recompute when
  // the outermost operation ends.
  if (q.cold) {
    auto& obs = q.cold->observers;
    for (std::size_t i = 0; i < obs.size(); ++i) obs[i]->on_query_update();
  }
  if (!core.queries.listeners.empty()) {
    static constexpr std::string_view names[] = {"fetch", "success",  "error",      "failed",
                                                 "pause", "continue", "invalidate", "setState"};
    core.emit(QueryCacheEvent::Type::updated, q, names[kind]);
  }
}

}  // namespace

void dispatch_fetch(ClientCore& core, Query& q, std::optional<FetchDirection> direction) {
  QueryErrors* e = q.errors();
  if (e != nullptr) {
    e->failure_count = 0;
    e->failure_reason.reset();
    if (!e->failure_reason_detail.is_null()) e->failure_reason_detail = Value();
  }
  q.fetch_status = core.can_fetch(q.options()->network_mode) ? FetchStatus::fetching : FetchStatus::paused;
  set_direction(q, direction);
  if (!q.has_data()) {
    if (e != nullptr) e->error.reset();
    q.status = QueryStatus::pending;
  }
  notify_updated(core, q, QueryAction::fetch);
}

void dispatch_success(ClientCore& core, Query& q, Value&& data, Millis at, bool manual,
                      const Node* shared_against) {
  account_data(core, q, &data);
  q.data = std::move(data);
  if (q.cold) q.cold->shared_against = shared_against;
  q.flags = static_cast<std::uint8_t>((q.flags | has_data_flag) & ~invalidated_flag);
  ++q.data_update_count;
  q.data_updated_at = at.count();
  q.status = QueryStatus::success;
  QueryErrors* e = q.errors();
  if (e != nullptr) {
    e->error.reset();
    if (!e->error_detail.is_null()) e->error_detail = Value();
  }
  if (!manual) {
    q.fetch_status = FetchStatus::idle;
    if (e != nullptr) {
      e->failure_count = 0;
      e->failure_reason.reset();
      if (!e->failure_reason_detail.is_null()) e->failure_reason_detail = Value();
    }
  } else if (q.fetching()) {
    // As query-core: data set during a fetch is what cancelling it reverts to, not the state from
    // before it (a streamed query's chunks, an optimistic update made while a refetch runs).
    RevertState& revert = q.cold->fetch->revert;
    revert = RevertState{};
    revert_state(q, revert);
  }
  notify_updated(core, q, QueryAction::success);
}

void apply_state(ClientCore& core, Query& q, const QueryState& s) {
  const bool sets_errors = s.error || !s.error_detail.is_null() || s.error_updated_at != Millis{0} ||
                           s.failure_count != 0 || s.failure_reason || !s.failure_reason_detail.is_null() ||
                           s.error_update_count != 0;
  // What may throw (bad_alloc) first, so that the entry is left as it was: its cold part when the
  // state has errors to keep or it has one already, and there the error fields when they are set.
  QueryCold* cold = q.cold || s.error || s.failure_reason || s.error_update_count != 0 ? &q.c() : nullptr;
  if (cold != nullptr && sets_errors) cold->make_errors();
  account_data(core, q, s.data ? &*s.data : nullptr);
  q.status = s.status;
  q.fetch_status = s.fetch_status;
  if (q.cold) q.cold->shared_against = nullptr;
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
  set_direction(q, s.fetch_direction);
  if (cold != nullptr) {
    if (!sets_errors) {
      cold->errors.reset();  // every error field at its default: read as an entry without them
    } else {
      QueryErrors& e = *cold->errors;
      e.error = s.error;
      e.error_detail = s.error_detail;
      e.error_updated_at = s.error_updated_at;
      e.error_update_count = s.error_update_count;
      e.failure_count = s.failure_count;
      e.failure_reason = s.failure_reason;
      e.failure_reason_detail = s.failure_reason_detail;
    }
  }
}

void dispatch(ClientCore& core, Query& q, QueryAction&& a) {
  switch (a.kind) {
    // Not built as actions (they carry nothing): every fetch makes both through dispatch_fetch
    // and dispatch_success.
    case QueryAction::fetch:
    case QueryAction::success: break;
    case QueryAction::fail: {
      QueryErrors& e = q.c().make_errors();
      e.error = a.error;
      e.error_detail = a.detail;
      ++e.error_update_count;
      e.error_updated_at = core.now();
      ++e.failure_count;
      e.failure_reason = std::move(a.error);
      e.failure_reason_detail = std::move(a.detail);
      q.fetch_status = FetchStatus::idle;
      q.status = QueryStatus::error;
      // A background error marks the data invalidated, so the next focus or mount refetches (no
      // data is stale anyway).
      q.flags |= invalidated_flag;
      break;
    }
    case QueryAction::failed: {
      QueryErrors& e = q.c().make_errors();
      e.failure_count = a.failure_count;
      e.failure_reason = std::move(a.error);
      e.failure_reason_detail = std::move(a.detail);
      break;
    }
    case QueryAction::pause: q.fetch_status = FetchStatus::paused; break;
    case QueryAction::resume: q.fetch_status = FetchStatus::fetching; break;
    case QueryAction::invalidate: q.flags |= invalidated_flag; break;
    case QueryAction::set_state: apply_state(core, q, *a.state); break;
  }
  notify_updated(core, q, a.kind);
}

void notify_invalidated(ClientCore& core, Query& q) { notify_updated(core, q, QueryAction::invalidate); }

bool invalidate_observed(ClientCore&, Query& q) {
  const bool tell = !q.invalidated();
  q.flags |= invalidated_flag;
  bool active = false;
  bool decided = false;  // active is is_active's answer, or a function would have to be asked
  for (ObserverImpl* o : q.cold->observers) {
    // Already invalidated: nothing an observer sees can change.
    if (tell) o->on_query_update();
    if (!decided) {
      active = o->enabled_without_call();
      decided = active || o->enabled_by_function();
    }
  }
  return active;
}

void store_data(ClientCore& core, Query& q, Value&& next, std::optional<Millis> at, bool manual) {
  const ResolvedOptions& o = *q.options();
  if (o.sharing != ResolvedOptions::Sharing::function &&
      (!q.has_data() || o.sharing == ResolvedOptions::Sharing::none)) {
    // Nothing to share against (a new entry's first data), or no sharing, and no function to run:
    // what replace_data would return is `next` itself.
    dispatch_success(core, q, std::move(next), at ? *at : core.now(), manual, nullptr);
    return;
  }
  // The default sharing as replace_data does it, without reading the option in `o` again.
  const bool deep = o.sharing == ResolvedOptions::Sharing::deep;
  const Node* against = deep ? q.data.node() : nullptr;
  Value shared = deep ? replace_equal_deep(q.data, std::move(next))
                      : replace_data(o.o, q.has_data() ? &q.data : nullptr, std::move(next), &against);
  // The time after the sharing, which may be a function of the options that takes time.
  dispatch_success(core, q, std::move(shared), at.value_or(core.now()), manual, against);
}

Value set_data(ClientCore& core, Query& q, Value&& data, std::optional<Millis> at) {
  store_data(core, q, std::move(data), at, true);
  return q.data;
}

// ---- fetching ----

void fetch_for(ClientCore& core, Query& q, FetchWaiter waiter, const OptionsPtr& opts, bool cancel_refetch,
               std::optional<FetchDirection> direction, const Future* initial,
               std::function<Value(const Value&)> initial_transform) {
  FetchWaiters inherited;
  std::optional<RevertState> inherited_revert;
  if (q.fetching()) {
    std::shared_ptr<QueryFetch> current = q.cold->fetch;
    if (q.has_data() && cancel_refetch) {
      // A refetch replaces the fetch in flight; its waiters get the new fetch's result.
      inherited = std::move(current->waiters);
      current->waiters.clear();
      // Moved: a fetch cancelled silently never reverts.
      inherited_revert = std::move(current->revert);
      cancel_fetch_silently(core, q);
    } else {
      // Retries stopped by a leaving observer may go on: someone wants the result again.
      current->continue_retry();
      current->try_continue();
      current->waiters.push_back(std::move(waiter));
      return;
    }
  }
  if (opts) core.set_options(q, opts);
  // A query built without a fetcher (set_query_data, hydrate) fetches with its first observer's.
  if (!q.options()->o.fetcher && q.cold) {
    for (const ObserverImpl* o : q.cold->observers) {
      if (o->options()->o.fetcher) {
        core.set_options(q, o->options());
        break;
      }
    }
  }
  auto f = std::allocate_shared<QueryFetch>(BlockAllocator<QueryFetch>(), core, q, q.options()->network_mode);
  if (inherited_revert) {
    f->revert = std::move(*inherited_revert);
  } else {
    revert_state(q, f->revert);
  }
  // Assigning an empty small_vector is not free: only a replaced fetch passes waiters on.
  if (!inherited.empty()) f->waiters = std::move(inherited);
  f->direction = direction;
  if (initial != nullptr) {
    f->initial = std::make_unique<FetchInitial>(FetchInitial{*initial, std::move(initial_transform)});
  }
  f->waiters.push_back(std::move(waiter));

  core.gc_unlink(q);
  QueryCold& cold = q.c();
  cold.fetch = f;
  // The key is rebuilt from the trie once per entry and kept while the entry is warm.
  if (cold.key.is_null()) cold.key = core.key_of(q);
  f->key = cold.key;
  f->options = OptionsPtr(q.options());
  core.queries.in_flight_add(q);
  if (q.fetch_status == FetchStatus::idle || q.fetch_direction() != direction) {
    dispatch_fetch(core, q, direction);
  }
  f->start();
}

std::shared_ptr<FutureState> fetch(ClientCore& core, Query& q, const OptionsPtr& opts, bool cancel_refetch,
                                   std::optional<FetchDirection> direction, const Future* initial,
                                   std::function<Value(const Value&)> initial_transform) {
  auto fut = make_future(core.batcher());
  fetch_for(core, q, FetchWaiter{fut, nullptr}, opts, cancel_refetch, direction, initial,
            std::move(initial_transform));
  return fut;
}

void fetch_part(ClientCore& core, Query& q, bool cancel_refetch, const std::shared_ptr<Aggregate>& agg) {
  const std::uint32_t ordinal = agg->parts++;
  ++agg->left;  // before the fetch starts: a fetcher may answer at once
  fetch_for(core, q, FetchWaiter{nullptr, agg, ordinal}, nullptr, cancel_refetch);
  if (q.fetch_status != FetchStatus::paused) return;
  // Paused offline: still among the fetch's waiters (then it leaves them), or settled already.
  bool still_waiting = false;
  if (q.fetching()) {
    FetchWaiters& ws = q.cold->fetch->waiters;
    for (auto it = ws.begin(); it != ws.end(); ++it) {
      if (!it->future && it->part == agg && it->ordinal == ordinal) {
        ws.erase(it);
        still_waiting = true;
        break;
      }
    }
  }
  agg->drop(ordinal, still_waiting);
}

// ---- a fetch as its own retryer ----

// std::allocate_shared adds a control block (libstdc++: a vtable pointer and two counts) to the
// fetch: past pool_max_bytes, every refetch would go to malloc.
static_assert(sizeof(QueryFetch) + 2 * sizeof(void*) <= pool_max_bytes, "a QueryFetch fits a pooled block");

bool QueryFetch::retry_attempt_now(Outcome& out) {
  if (initial || q->infinite()) return false;
  const SyncFetch* sync = FetcherAccess::sync_fetch(options->o.fetcher);
  if (sync == nullptr) return false;
  // What the call may drop (a change of options: its app ended inside it) is held until it
  // returns; this fetch is not touched after it. Its key is not copied: every caller of run holds
  // the fetch for the whole call (retryer.cpp), and a fetch's key is never written after it
  // started (a cancel or a removal inside the call leaves it be).
  const OptionsPtr held = options;
  try {
    out.value = sync->fn(key);
  } catch (...) {
    out = outcome_of_exception(std::current_exception());
  }
  return true;
}

void QueryFetch::retry_attempt(const AbortSignal& signal, Completion done) {
  if (initial && (initial->attempts++ == 0 || !options->o.fetcher || options->o.fetcher.is_skip())) {
    // A hydrated pending query: its result comes from the dehydrating side's fetch.
    initial->future.on_settled([done, transform = initial->transform](const Outcome& o) {
      if (!o.ok) {
        done.reject(o.error ? *o.error : Error(ErrorCode::query_error, "the dehydrated fetch failed"),
                    o.detail);
      } else {
        done.resolve(transform ? transform(o.value) : o.value);
      }
    });
    return;
  }
  if (q->infinite()) {
    std::optional<Value> old;
    if (q->has_data()) old = q->data;
    fetch_pages(*core, *this, std::move(old), signal, std::move(done));
    return;
  }
  // Held while the fetcher runs: its app may end inside it, and this fetch's options be replaced.
  const OptionsPtr held = options;
  const Fetcher& fetcher = held->o.fetcher;
  if (!fetcher || fetcher.is_skip()) {
    done.reject(missing_fetcher_error(key), missing_fetcher_detail());
    return;
  }
  fetcher(FetchContext{key, signal, held->o.meta, Value(), FetchDirection::forward}, std::move(done));
}

// Whoever settles the retryer (run's caller, deliver, cancel, the delay timer) holds a reference
// to it for the whole call: the fetch outlives on_fetch_settled dropping the query's.
void QueryFetch::retry_settled(Outcome&& o) { core->on_fetch_settled(*q, *this, std::move(o)); }

void QueryFetch::retry_failed(int failure_count, const Error& error, const Value& detail) {
  if (!current()) return;
  QueryAction a{QueryAction::failed};
  a.failure_count = failure_count;
  a.error = error;
  a.detail = detail;
  dispatch(*core, *q, std::move(a));
}

void QueryFetch::retry_paused() {
  if (current()) dispatch(*core, *q, QueryAction{QueryAction::pause});
}

void QueryFetch::retry_resumed() {
  if (current()) dispatch(*core, *q, QueryAction{QueryAction::resume});
}

void ClientCore::on_fetch_settled(Query& q, QueryFetch& f, Outcome&& o) {
  // The waiters are settled where they are, not moved out first: once the fetch is no longer the
  // query's (below, if it still was), no code reaches them (fetch_for joins, and fetch_part leaves,
  // the query's fetch), so whatever runs meanwhile (structural sharing, cache listeners) cannot
  // add or remove one. They go with the fetch, which its caller drops.
  FetchWaiters& waiters = f.waiters;
  const bool current = q.cold && q.cold->fetch.get() == &f;
  if (current) {
    q.cold->fetch.reset();  // the caller holds `f`
    queries.in_flight_remove(q);
  }
  const bool cancelled = !o.ok && o.error && o.error->code() == ErrorCode::cancelled;
  if (!current || q.removed()) {
    for (auto& w : waiters) w.settle(o);
    return;
  }
  if (o.ok) {
    try {
      // Structural sharing may be a user function: what it throws fails the fetch.
      store_data(*this, q, std::move(o.value), std::nullopt, false);
    } catch (...) {
      o = outcome_of_exception(std::current_exception());
    }
  }
  if (o.ok) {
    for (auto& w : waiters) w.settle_ok(q.data);
    if (options.query_cache.on_success || options.query_cache.on_settled) {
      const QueryInfo info = info_of(*this, q);
      try {
        if (options.query_cache.on_success) options.query_cache.on_success(q.data, info);
      } catch (...) {
        report_current_exception();
      }
      try {
        if (options.query_cache.on_settled) options.query_cache.on_settled(q.data, nullptr, info);
      } catch (...) {
        report_current_exception();
      }
    }
  } else if (cancelled && (f.cancel_silent || f.cancel_revert)) {
    // As query-core's onCancel: a revert restores the state from before the fetch, silent or not
    // (cancel_queries({.silent = true}) keeps revert's default). Silent, the callers get the
    // cancellation; otherwise, with data to fall back on, the data.
    if (f.cancel_revert) {
      QueryState s = state_of(f.revert);
      s.fetch_status = FetchStatus::idle;
      QueryAction a{QueryAction::set_state};
      a.state = &s;
      dispatch(*this, q, std::move(a));
    }
    const bool to_data = !f.cancel_silent && q.has_data();
    for (auto& w : waiters) w.settle(to_data ? ok_outcome(q.data) : o);
  } else {
    if (!o.error) o.error = Error(ErrorCode::query_error, "the fetch failed");
    QueryAction a{QueryAction::fail};
    a.error = o.error;
    a.detail = o.detail;
    dispatch(*this, q, std::move(a));
    for (auto& w : waiters) w.settle(o);
    if (options.query_cache.on_error || options.query_cache.on_settled) {
      const QueryInfo info = info_of(*this, q);
      try {
        if (options.query_cache.on_error) options.query_cache.on_error(*o.error, info);
      } catch (...) {
        report_current_exception();
      }
      try {
        if (options.query_cache.on_settled) {
          options.query_cache.on_settled(q.has_data() ? q.data : Value(), &*o.error, info);
        }
      } catch (...) {
        report_current_exception();
      }
    }
  }
  if (q.removed()) return;
  if (q.observer_count() == 0) gc_link(q);
  if (options.max_bytes != 0) evict_if_needed(&q);
}

// The cancellation's error carries how it was asked for, {"revert", "silent"} (query-core's
// CancelledError has both), and its failure_serial: a caller whose fetch was cancelled can tell a
// revert from a failure. The cache's own cancels (a refetch replacing a fetch, a removal, a reset)
// are {"silent": true} with no "revert", as query-core's `cancel({silent: true})`.
namespace {
void cancel_with(Query& q, CancelOptions opts, Value detail) {
  if (!q.fetching()) return;
  std::shared_ptr<QueryFetch> f = q.cold->fetch;
  f->cancel_silent = opts.silent;
  f->cancel_revert = opts.revert;
  f->cancel(std::move(detail));
}
}  // namespace

void cancel_fetch(ClientCore&, Query& q, CancelOptions opts) {
  cancel_with(q, opts, Value::object({{"revert", opts.revert}, {"silent", opts.silent}, {"serial", failure_serial()}}));
}

void cancel_fetch_silently(ClientCore&, Query& q) {
  cancel_with(q, CancelOptions{.revert = false, .silent = true},
              Value::object({{"silent", true}, {"serial", failure_serial()}}));
}

namespace {
/// Writes the entry's initial state, with `fetch_status`, and tells its observers.
void set_initial_state(ClientCore& core, Query& q, FetchStatus fetch_status) {
  QueryState s;
  // The initial data the entry took (query-core's #initialState), not the current options': an
  // observer's initialData given after the entry had data, or a function called again, differs.
  if (const InitialState* initial = q.cold ? q.cold->initial.get() : nullptr) {
    s.data = initial->data;
    s.status = QueryStatus::success;
    s.data_updated_at = initial->updated_at;
  }
  s.fetch_status = fetch_status;
  QueryAction a{QueryAction::set_state};
  a.state = &s;
  dispatch(core, q, std::move(a));
}
}  // namespace

void reset(ClientCore& core, Query& q) {
  cancel_fetch_silently(core, q);
  set_initial_state(core, q, FetchStatus::idle);
}

void reset_keeping_fetch(ClientCore& core, Query& q) { set_initial_state(core, q, q.fetch_status); }

}  // namespace mfstate::detail
