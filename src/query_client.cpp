// The client: its lifetime (operations, the deferred teardown when it is destroyed inside one of
// its own callbacks, futures settled on destruction, completions from other threads dropped),
// the scopes that hand out access (the shell's and each app's), host signals, the error sink, and
// the public operations of AppQueryClient and QueryClient.
#include <algorithm>

#include "error_sink.hpp"
#include "mfstate/key.hpp"
#include "query_index_walk.hpp"
#include "query_internal.hpp"

namespace mfstate {
namespace detail {

// ---- operations: one batch each; the graveyard is freed when the outermost one ends ----

ClientCore::Op::Op(ClientCore& c) : c_(&c), scope_(c.runtime.batcher()) { ++c.op_depth; }

ClientCore::Op::~Op() noexcept(false) {
  if (--c_->op_depth != 0) return;
  if (!c_->queries.graveyard.empty()) {
    auto dead = std::move(c_->queries.graveyard);
    c_->queries.graveyard.clear();
    for (Query* q : dead) {
      if (q->observer_count() == 0) c_->free_query(q);
    }
  }
  // Its QueryClient was destroyed inside this operation (from a fetcher, a callback): the
  // teardown waited for the operation to end instead of pulling the client from under it.
  if (c_->doomed) delete c_;
}

void ClientCore::destroy(std::unique_ptr<ClientCore> c) noexcept {
  if (!c) return;
  if (c->op_depth > 0) {
    c->doomed = true;
    (void)c.release();
  }
}

ClientCore::ClientCore(Runtime& rt, QueryClientOptions o)
    : runtime(rt), options(std::move(o)), online(options.online), focused(options.focused) {
  inbox->executor = &runtime.executor();
  root = std::make_shared<QueryScope>();
  root->core = this;
  defaults.plain = resolve(nullptr, Value::array());
}

ClientCore::~ClientCore() {
  // Completions from other threads stop here: nothing is posted to this runtime any more.
  {
    std::lock_guard<ThreadLock> lock(inbox->mutex);
    inbox->executor = nullptr;
  }
  // Every handle sees a client that is gone (their calls throw, their subscriptions are no-ops).
  root->core = nullptr;
  for (QueryScope* s : app_scopes) s->core = nullptr;
  app_scopes.clear();
  queries.listeners.clear();
  mutations.listeners.clear();
  // Observers end.
  for (ObserverImpl* o : std::vector<ObserverImpl*>(queries.observers.begin(), queries.observers.end()))
    o->end();
  for (MutationObserverImpl* o :
       std::vector<MutationObserverImpl*>(mutations.observers.begin(), mutations.observers.end())) {
    o->end();
  }
  // Fetches and mutations in flight: drop whatever they deliver later, and settle their futures
  // with Error(cancelled) once everything is torn down (so a callback finds no half-gone client).
  std::vector<FetchWaiter> unsettled;
  queries.for_each_in_flight([&](Query& q) {
    if (!q.cold || !q.cold->fetch) return;
    QueryFetch& f = *q.cold->fetch;
    f.orphan();
    for (auto& w : f.waiters) unsettled.push_back(std::move(w));
    f.waiters.clear();
  });
  for (MutationImpl& m : mutations.all) {
    if (m.gc_timer != 0) runtime.scheduler().cancel(m.gc_timer);
    m.gc_timer = 0;
    if (m.retryer) m.retryer->orphan();
    if (m.future) unsettled.push_back(FetchWaiter{std::move(m.future), nullptr});
    m.core = nullptr;
  }
  // The lines first: what they link is alive until `all` lets it go.
  mutations.scopes.clear();
  mutations.all.clear_and_dispose([](MutationImpl* m) { m->held_by_cache.reset(); });
  std::vector<Query*> all;
  collect(QueryFilters{}, all);
  queries.index.clear();  // unlinks the entries before they are freed
  for (Query* q : all) free_query(q);
  for (Query* q : queries.graveyard) free_query(q);
  // Last: ending observers above may have linked entries for gc and scheduled the timer.
  if (queries.gc_timer != 0) runtime.scheduler().cancel(queries.gc_timer);
  queries.gc_timer = 0;
  for (auto& w : unsettled) w.settle(error_outcome(cancelled_error("the QueryClient was destroyed")));
}

// ---- errors no caller can receive ----

void ClientCore::report(const Error& e) noexcept {
  // The one place callback errors go (to the runtime's error sink once it has one).
  try {
    if (options.on_error) {
      options.on_error(e);
      return;
    }
  } catch (...) {  // an error handler that throws has nowhere left to report to
  }
  write_error_to_stderr(e);
}

void ClientCore::report_current_exception() noexcept {
  Outcome o = outcome_of_exception(std::current_exception());
  // Nesting what was thrown: the handler finds the callback's own value by it, not by message.
  report(detail::NestedError(*o.error));
}

// ---- scopes ----

void QueryScope::throw_ended() const {
  throw Error(ErrorCode::app_unmounted,
              app ? "this app's query client ended (its app unmounted, or the shell's client is gone)"
                  : "the QueryClient was destroyed");
}

namespace {
/// The scope's observers in the order to end them: on each query, newest first, as they stand in
/// its list (ClientCore::remove_observer searches from the newest, so each is found at once and
/// erased at the end). In the set's order, ending an app's 65,536 observers of one key searched
/// and shifted the list each time: O(n^2), 1.5 s. Those not attached to a query come last.
std::vector<ObserverImpl*> newest_first(const boost::unordered_flat_set<ObserverImpl*>& observers) {
  std::vector<ObserverImpl*> order;
  order.reserve(observers.size());
  std::vector<ObserverImpl*> detached;
  boost::unordered_flat_set<const Query*> walked;
  for (ObserverImpl* o : observers) {
    const Query* q = o->query();
    if (q == nullptr || !q->cold) {
      detached.push_back(o);
    } else if (walked.insert(q).second) {
      const auto& list = q->cold->observers;
      for (auto it = list.rbegin(); it != list.rend(); ++it) {
        if (observers.contains(*it)) order.push_back(*it);
      }
    }
  }
  order.insert(order.end(), detached.begin(), detached.end());
  return order;
}
}  // namespace

void QueryScope::end() noexcept {
  if (ended) return;
  ended = true;
  if (core == nullptr) {
    end_owned_options(nullptr, owned_options);
    return;
  }
  ClientCore& c = *core;
  try {
    ClientCore::Op op(c);
    for (ObserverImpl* o : newest_first(observers)) o->end();
    for (MutationObserverImpl* o :
         std::vector<MutationObserverImpl*>(mutation_observers.begin(), mutation_observers.end())) {
      o->end();
    }
    for (MutationImpl* m : std::vector<MutationImpl*>(mutations.begin(), mutations.end()))
      abandon_mutation(c, *m);
    // After its observers ended: the queries they left take a remaining observer's options.
    end_owned_options(&c, owned_options);
  } catch (...) {
    c.report_current_exception();
  }
  observers.clear();
  mutation_observers.clear();
  mutations.clear();
  c.app_scopes.erase(this);
  core = nullptr;
}

// ---- host signals ----

void ClientCore::add_paused(const std::shared_ptr<Retryer>& r) { paused.push_back(r); }

void ClientCore::resume_paused() {
  auto list = std::move(paused);
  paused.clear();
  for (auto& w : list) {
    if (auto r = w.lock()) r->try_continue();
  }
  // Keep those still paused (a resumed one that paused again re-registered itself).
  for (auto& w : list) {
    auto r = w.lock();
    if (!r || !r->paused() || r->settled()) continue;
    bool known = false;
    for (auto& p : paused) {
      if (p.lock() == r) {
        known = true;
        break;
      }
    }
    if (!known) paused.push_back(r);
  }
}

void ClientCore::on_focus_or_online(bool focus) {
  Op op(*this);
  std::vector<std::shared_ptr<ObserverImpl>> obs;
  for (ObserverImpl* o : queries.observers) {
    if (o->mounted()) obs.push_back(o->shared_from_this());
  }
  // Per query, the first observer that wants to refetch refetches (query-core's Query.onFocus).
  boost::unordered_flat_set<Query*> done;
  for (auto& o : obs) {
    Query* q = o->query();
    if (q == nullptr || o->ended() || done.contains(q)) continue;
    const RefetchOn on =
        refetch_on_of(*this, focus ? o->refetch_on_window_focus() : o->refetch_on_reconnect(), *q);
    if (o->should_fetch_on(on)) {
      done.insert(q);
      (void)o->refetch(false, false);
    }
  }
  resume_paused();
}

}  // namespace detail

// =============================================================================================
// AppQueryClient

using detail::AsyncAccess;
using detail::ClientCore;
using detail::Query;

namespace {

/// An app may not act on every app's queries at once: destructive filters need a key prefix.
void require_prefix(const detail::QueryScope& scope, const QueryFilters& f, const char* what) {
  if (!scope.app) return;
  if (f.key && f.key->is_array() && f.key->size() > 0) return;
  throw Error(ErrorCode::invalid_argument,
              std::string(what) +
                  " through an app's query client needs a non-empty key prefix: an app may not "
                  "act on every app's queries at once (the shell's QueryClient may)");
}

/// The scope of a handle that was not moved from (whether it is live is asked by the caller).
detail::QueryScope& scope_of(const std::shared_ptr<detail::QueryScope>& scope) {
  if (!scope) throw Error(ErrorCode::app_unmounted, "this query client was moved from");
  return *scope;
}

Future ready(Batcher& b, Outcome o) { return AsyncAccess::future(detail::settled_future(b, std::move(o))); }

}  // namespace

AppQueryClient::AppQueryClient(std::shared_ptr<detail::QueryScope> scope) noexcept
    : scope_(std::move(scope)) {}
AppQueryClient::AppQueryClient(AppQueryClient&&) noexcept = default;

AppQueryClient& AppQueryClient::operator=(AppQueryClient&& other) noexcept {
  if (this != &other) {
    if (scope_ && scope_->app) scope_->end();
    scope_ = std::move(other.scope_);
  }
  return *this;
}

AppQueryClient::~AppQueryClient() { end(); }

void AppQueryClient::end() noexcept {
  if (scope_ && scope_->app) scope_->end();
}

ClientCore& AppQueryClient::core() const { return scope_of(scope_).live(); }

std::optional<Value> AppQueryClient::get_query_data(const Value& key) const {
  Query* q = core().find(key);
  if (q == nullptr || !q->has_data()) return std::nullopt;
  return q->data;
}

std::optional<QueryState> AppQueryClient::get_query_state(const Value& key) const {
  Query* q = core().find(key);
  if (q == nullptr) return std::nullopt;
  return detail::snapshot(*q);
}

namespace {

// set_data of an entry build() has just made: when it fails (memory, a throwing
// structural-sharing function), the entry goes again and the cache is as before the call. Its
// cache listeners, told it was added, are told it is removed (if that fails too, for want of
// memory, they are not). Unless the structural-sharing function reached the entry by its key
// before it threw: removed, it is gone already; observed or fetched, it stays theirs, as an
// existing key's entry stays when its update is refused.
Value set_new_entry_data(ClientCore& c, Query& q, Value&& data, std::optional<Millis> at) {
  try {
    return detail::set_data(c, q, std::move(data), at);
  } catch (...) {
    if (!ClientCore::only_built(q)) throw;
    try {
      c.emit(QueryCacheEvent::Type::removed, q);
    } catch (...) {
    }
    c.unbuild(q);
    throw;
  }
}

}  // namespace

Value AppQueryClient::set_query_data(const Value& key, Value data, SetDataOptions options) {
  ClientCore& c = core();
  ClientCore::Op op(c);
  bool created = false;
  Millis linked_at{0};
  Query* q = c.build(key, nullptr, &created, &linked_at);
  std::optional<Millis> at = options.updated_at;
  // A new entry's data is as old as its place on the gc list: only the cache's own code ran since
  // that clock reading, unless a structural-sharing function is to run (it may take time, and the
  // update is dated after it). One clock read per new key instead of two (W3a).
  if (created && !at && !q->options()->o.structural_sharing.function_if()) at = linked_at;
  Value out =
      created ? set_new_entry_data(c, *q, std::move(data), at) : detail::set_data(c, *q, std::move(data), at);
  if (!created) c.gc_touch(*q);
  if (c.options.max_bytes != 0) c.evict_if_needed(q);
  return out;
}

std::optional<Value> AppQueryClient::get_query_data(const FlatKey& key) const {
  Query* q = core().find(key);
  if (q == nullptr || !q->has_data()) return std::nullopt;
  return q->data;
}

std::optional<QueryState> AppQueryClient::get_query_state(const FlatKey& key) const {
  Query* q = core().find(key);
  if (q == nullptr) return std::nullopt;
  return detail::snapshot(*q);
}

Value AppQueryClient::set_query_data(const FlatKey& key, Value data, SetDataOptions options) {
  ClientCore& c = core();
  Query* q = c.find(key);
  if (q == nullptr) {
    // A new entry: its Value key is built once (the trie keeps its elements, observers and
    // query-core's answers hand it out), and the Value path makes it.
    const char* p = key.bytes().data();
    return set_query_data(detail::decode_canonical(p), std::move(data), options);
  }
  // As set_query_data(Value) for an existing entry (build finds it and changes nothing).
  ClientCore::Op op(c);
  Value out = detail::set_data(c, *q, std::move(data), options.updated_at);
  c.gc_touch(*q);
  if (c.options.max_bytes != 0) c.evict_if_needed(q);
  return out;
}

std::optional<Value> AppQueryClient::update_query_data(const Value& key, const QueryUpdater& updater,
                                                       SetDataOptions options) {
  ClientCore& c = core();
  ClientCore::Op op(c);
  Query* q = c.find(key);
  std::optional<Value> old;
  if (q != nullptr && q->has_data()) old = q->data;
  std::optional<Value> next = updater(old);
  if (!next) return std::nullopt;
  return set_query_data(key, std::move(*next), options);
}

std::vector<std::pair<Value, Value>> AppQueryClient::get_queries_data(const QueryFilters& filters) const {
  ClientCore& c = core();
  std::vector<Query*> qs;
  c.collect(filters, qs);
  std::vector<std::pair<Value, Value>> out;
  out.reserve(qs.size());
  for (Query* q : qs) {
    if (q->has_data()) out.emplace_back(c.key_of(*q), q->data);
  }
  return out;
}

std::vector<std::pair<Value, Value>> AppQueryClient::set_queries_data(const QueryFilters& filters,
                                                                      const QueryUpdater& updater,
                                                                      SetDataOptions options) {
  ClientCore& c = core();
  ClientCore::Op op(c);
  std::vector<Query*> qs;
  c.collect(filters, qs);
  std::vector<std::pair<Value, Value>> out;
  for (Query* q : qs) {
    if (q->removed()) continue;
    std::optional<Value> old;
    if (q->has_data()) old = q->data;
    std::optional<Value> next = updater(old);
    if (!next) continue;
    Value v = detail::set_data(c, *q, std::move(*next), options.updated_at);
    c.gc_touch(*q);
    out.emplace_back(c.key_of(*q), std::move(v));
  }
  return out;
}

namespace {

Future fetch_impl(detail::QueryScope& scope, const QueryOptions& options, bool infinite) {
  ClientCore& c = scope.live();
  check_key(options.key);
  ClientCore::Op op(c);
  auto opts = c.resolve(&options, options.key, /*no_retry_default=*/true, nullptr, scope.options_owner());
  Query* q = c.build(options.key, opts);
  if (infinite) q->flags |= detail::infinite_flag;
  if (!detail::is_stale_now(c, *q, detail::stale_time_of(c, opts->o, *q))) {
    return ready(c.batcher(), detail::ok_outcome(q->data));
  }
  return AsyncAccess::future(detail::fetch(c, *q, nullptr, false));
}

Future swallow(ClientCore& c, const Future& f) {
  auto out = detail::make_future(c.batcher());
  f.on_settled([out](const Outcome&) { out->settle(Outcome{}); });
  return AsyncAccess::future(out);
}

Future ensure_impl(AppQueryClient& self, detail::QueryScope& scope, const QueryOptions& options,
                   bool revalidate_if_stale, bool infinite) {
  ClientCore& c = scope.live();
  check_key(options.key);
  ClientCore::Op op(c);
  auto opts = c.resolve(&options, options.key, true, nullptr, scope.options_owner());
  // Built with the options, so initial data counts as cached data (query-core's ensureQueryData).
  Query* q = c.build(options.key, opts);
  if (infinite) q->flags |= detail::infinite_flag;
  if (!q->has_data()) return infinite ? self.fetch_infinite_query(options) : self.fetch_query(options);
  const Value cached = q->data;
  if (revalidate_if_stale && detail::is_stale_now(c, *q, detail::stale_time_of(c, opts->o, *q))) {
    (void)(infinite ? self.prefetch_infinite_query(options) : self.prefetch_query(options));
  }
  return ready(c.batcher(), detail::ok_outcome(cached));
}

bool type_passes(const ClientCore& c, RefetchType t, const Query& q) {
  switch (t) {
    case RefetchType::active: return detail::is_active(c, q);
    case RefetchType::inactive: return !detail::is_active(c, q);
    case RefetchType::all: return true;
    case RefetchType::none: return false;
  }
  return false;
}

/// The Future of a refetch by filters (invalidate_queries, refetch_queries, reset_queries). Its
/// Aggregate is made when the first refetch starts: when none does (S1: an invalidation of
/// entries nobody observes), the answer is the shared settled future (no Aggregate, no future).
class RefetchJoin {
 public:
  RefetchJoin(ClientCore& c, bool throw_on_error) noexcept : c_(c), keep_error_(throw_on_error) {}

  /// The countdown a starting refetch joins (made by the first).
  const std::shared_ptr<detail::Aggregate>& aggregate() {
    if (!agg_) agg_ = detail::make_aggregate(c_.batcher(), keep_error_);
    return agg_;
  }

  /// Once every refetch was started: settled now when none started or all have settled already.
  Future close() {
    if (!agg_) return AsyncAccess::future(detail::settled_null_future());
    std::shared_ptr<detail::FutureState> result = agg_->result;
    agg_->close();
    return AsyncAccess::future(std::move(result));
  }

 private:
  ClientCore& c_;
  bool keep_error_;
  std::shared_ptr<detail::Aggregate> agg_;
};

/// query-core's refetchQueries step for one query: neither disabled nor static; a fetch paused
/// offline does not hold the Future back (fetch_part).
void refetch_one(ClientCore& c, Query& q, bool cancel_refetch, RefetchJoin& join) {
  if (q.removed()) return;
  if (q.observer_count() == 0) {
    if (detail::is_disabled(c, q)) return;
  } else {
    // One pass over the observers: disabled when none is enabled, static when one is static
    // (and the query has data: without, as after reset_queries, it is not static yet).
    bool enabled = false;
    const bool has_data = q.has_data();
    for (const detail::ObserverImpl* o : q.cold->observers) {
      if (has_data && o->stale_time() >= static_stale_time) return;
      enabled = enabled || o->enabled();
    }
    if (!enabled) return;
  }
  detail::fetch_part(c, q, cancel_refetch, join.aggregate());
}

}  // namespace

Future AppQueryClient::fetch_query(const QueryOptions& options) {
  return fetch_impl(scope_of(scope_), options, false);
}
Future AppQueryClient::prefetch_query(const QueryOptions& options) {
  ClientCore& c = core();
  return swallow(c, fetch_query(options));
}
Future AppQueryClient::ensure_query_data(const QueryOptions& options, bool revalidate_if_stale) {
  return ensure_impl(*this, scope_of(scope_), options, revalidate_if_stale, false);
}
Future AppQueryClient::fetch_infinite_query(const QueryOptions& options) {
  return fetch_impl(scope_of(scope_), options, true);
}
Future AppQueryClient::prefetch_infinite_query(const QueryOptions& options) {
  ClientCore& c = core();
  return swallow(c, fetch_infinite_query(options));
}
Future AppQueryClient::ensure_infinite_query_data(const QueryOptions& options, bool revalidate_if_stale) {
  return ensure_impl(*this, scope_of(scope_), options, revalidate_if_stale, true);
}

Future AppQueryClient::invalidate_queries(const QueryFilters& filters, InvalidateOptions options) {
  ClientCore& c = core();
  ClientCore::Op op(c);
  const RefetchType type = options.refetch_type;
  // First every match is invalidated, in match order, keeping those refetch_type may refetch: an
  // entry without observers is never active, so `active` (the default) keeps only observed ones.
  // Then the kept ones are asked whether they are active, which may call an `enabled` function of
  // the user's: after every match is invalidated, as query-core (invalidate each, then
  // refetchQueries).
  std::vector<Query*> candidates;
  // Whether the kept ones still need the refetch_type test after the walk.
  bool filter_after = type == RefetchType::active || type == RefetchType::inactive;
  if (c.queries.listeners.empty() && ClientCore::by_key_alone(filters)) {
    // Nothing of the user's runs while the entries are marked (no cache listener to tell; an
    // observer only notes it is dirty), so the index cannot change under the walk: the matches
    // are marked as it reaches them, not gathered first (W3c: 10^5 entries).
    //
    // And `active` is first asked as each entry is reached, while its observers' lines are at
    // hand (W4: the pass after the walk cost some 4.5 cache misses per observer), where that
    // calls no `enabled` function of the user's. When every kept entry answered active that way,
    // the pass after the walk (which would call nothing and change nothing) is skipped; otherwise
    // it runs over every kept entry as before, so a function is still called after every match
    // was invalidated, in match order, and sees what earlier ones did.
    if (type == RefetchType::active) filter_after = false;
    c.for_each_key_match(filters, [&](Query* q) __attribute__((always_inline)) {
      if (q->removed()) return;
      bool keep = type == RefetchType::all || type == RefetchType::inactive;
      if (!q->cold) {
        // No observer, and no cache listener: nobody to tell (detail::invalidate's first line).
        q->flags |= detail::invalidated_flag;
      } else {
        if (!detail::invalidate_observed(c, *q) && type == RefetchType::active) filter_after = true;
        keep = keep || type == RefetchType::active;
      }
      if (keep) candidates.push_back(q);
    });
  } else {
    // A listener, or a filter that asks the user's code (a predicate, an observer's `enabled`, a
    // stale time function), may add or remove entries while they are marked: gathered first.
    std::vector<Query*> qs;
    c.collect(filters, qs);
    for (Query* q : qs) {
      if (q->removed()) continue;
      // Already invalidated: nothing an observer sees can change. (Listeners asked per entry: one
      // may subscribe or leave while another entry's invalidation is told.)
      if (!q->invalidated()) detail::invalidate(c, *q, !c.queries.listeners.empty());
      if (type == RefetchType::all || type == RefetchType::inactive || (type == RefetchType::active && q->cold))
        candidates.push_back(q);
    }
  }
  if (filter_after) {
    std::erase_if(candidates, [&](Query* q) { return q->removed() || !type_passes(c, type, *q); });
  }
  RefetchJoin join(c, options.throw_on_error);
  // Every match is invalidated before the first refetch starts (as query-core).
  for (Query* q : candidates) refetch_one(c, *q, options.cancel_refetch, join);
  return join.close();
}

Future AppQueryClient::refetch_queries(const QueryFilters& filters, RefetchOptions options) {
  ClientCore& c = core();
  ClientCore::Op op(c);
  std::vector<Query*> qs;
  c.collect(filters, qs);
  RefetchJoin join(c, options.throw_on_error);
  for (Query* q : qs) refetch_one(c, *q, options.cancel_refetch, join);
  return join.close();
}

void AppQueryClient::cancel_queries(const QueryFilters& filters, CancelOptions options) {
  ClientCore& c = core();
  require_prefix(*scope_, filters, "cancel_queries");
  ClientCore::Op op(c);
  std::vector<Query*> qs;
  c.collect(filters, qs);
  for (Query* q : qs) {
    if (!q->removed()) detail::cancel_fetch(c, *q, options);
  }
}

void AppQueryClient::remove_queries(const QueryFilters& filters) {
  ClientCore& c = core();
  require_prefix(*scope_, filters, "remove_queries");
  ClientCore::Op op(c);
  std::vector<Query*> qs;
  c.collect(filters, qs);
  for (Query* q : qs) c.remove(*q);
}

Future AppQueryClient::reset_queries(const QueryFilters& filters, RefetchOptions options) {
  ClientCore& c = core();
  require_prefix(*scope_, filters, "reset_queries");
  ClientCore::Op op(c);
  std::vector<Query*> qs;
  c.collect(filters, qs);
  for (Query* q : qs) {
    if (!q->removed()) detail::reset(c, *q);
  }
  RefetchJoin join(c, options.throw_on_error);
  for (Query* q : qs) {
    if (!q->removed() && detail::is_active(c, *q)) refetch_one(c, *q, options.cancel_refetch, join);
  }
  return join.close();
}

bool AppQueryClient::reset_query_state(const Value& key) {
  ClientCore& c = core();
  ClientCore::Op op(c);
  Query* q = c.find(key);
  if (q == nullptr) return false;
  detail::reset_keeping_fetch(c, *q);
  return true;
}

std::size_t AppQueryClient::is_fetching(const QueryFilters& filters) const {
  ClientCore& c = core();
  const bool unfiltered = !filters.key && ClientCore::by_key_alone(filters);
  std::size_t n = 0;
  if (unfiltered) {
    c.queries.for_each_in_flight([&](const Query& q) { n += q.fetch_status == FetchStatus::fetching ? 1 : 0; });
    return n;
  }
  std::vector<Query*> qs;
  c.collect(filters, qs);
  for (Query* q : qs) n += q->fetch_status == FetchStatus::fetching ? 1 : 0;
  return n;
}

std::size_t AppQueryClient::is_mutating(const MutationFilters& filters) const {
  ClientCore& c = core();
  MutationFilters f = filters;
  f.status = MutationStatus::pending;
  std::size_t n = 0;
  for (const detail::MutationImpl& m : c.mutations.all) n += detail::matches(f, m) ? 1 : 0;
  return n;
}

QueryOptions AppQueryClient::get_query_defaults(const Value& key) const {
  check_key(key);
  return core().query_defaults_of(key);
}

MutationOptions AppQueryClient::get_mutation_defaults(const Value& key) const {
  check_key(key);
  return core().mutation_defaults_of(key);
}

Subscription AppQueryClient::observe(QueryOptions options, QueryListener listener) {
  ClientCore& c = core();
  ClientCore::Op op(c);
  auto impl = std::make_shared<detail::ObserverImpl>(c, scope_, std::move(options), false);
  impl->init();
  return impl->subscribe(std::move(listener), true);
}

Future AppQueryClient::mutate(const MutationOptions& options, Value variables) {
  ClientCore& c = core();
  ClientCore::Op op(c);
  auto m = detail::build_mutation(c, c.resolve(options), scope_->app ? scope_.get() : nullptr);
  return AsyncAccess::future(detail::execute_mutation(c, m, std::move(variables)));
}

QueryCache AppQueryClient::query_cache() const { return QueryCache(scope_); }
MutationCache AppQueryClient::mutation_cache() const { return MutationCache(scope_); }
bool AppQueryClient::is_focused() const { return core().focused; }
bool AppQueryClient::is_online() const { return core().online; }

// =============================================================================================
// QueryCache / MutationCache views

std::optional<QueryInfo> QueryCache::find(const QueryFilters& filters) const {
  ClientCore& c = scope_->live();
  QueryFilters f = filters;
  if (!f.exact) f.exact = true;  // query-core: {exact: true, ...filters}
  std::vector<Query*> qs;
  c.collect(f, qs);
  if (qs.empty()) return std::nullopt;
  return detail::info_of(c, *qs.front());
}

std::vector<QueryInfo> QueryCache::find_all(const QueryFilters& filters) const {
  ClientCore& c = scope_->live();
  std::vector<Query*> qs;
  c.collect(filters, qs);
  std::vector<QueryInfo> out;
  out.reserve(qs.size());
  for (Query* q : qs) out.push_back(detail::info_of(c, *q));
  return out;
}

Subscription QueryCache::subscribe(std::function<void(const QueryCacheEvent&)> listener) const {
  ClientCore& c = scope_->live();
  auto slot = c.queries.listeners.add(std::move(listener));
  std::weak_ptr<detail::ListenerList<const QueryCacheEvent&>::Slot> weak = slot;
  return Subscription([scope = scope_, weak] {
    if (scope->core != nullptr) scope->core->queries.listeners.remove(weak.lock());
  });
}

namespace {
bool visible(const detail::QueryScope& scope, const detail::MutationImpl& m) {
  return !scope.app || m.owner == &scope;
}
}  // namespace

std::optional<MutationInfo> MutationCache::find(const MutationFilters& filters) const {
  ClientCore& c = scope_->live();
  MutationFilters f = filters;
  if (!f.exact) f.exact = true;  // query-core: {exact: true, ...filters}
  for (const detail::MutationImpl& m : c.mutations.all) {
    if (visible(*scope_, m) && detail::matches(f, m)) return detail::info_of(m);
  }
  return std::nullopt;
}

std::vector<MutationInfo> MutationCache::find_all(const MutationFilters& filters) const {
  ClientCore& c = scope_->live();
  std::vector<MutationInfo> out;
  for (const detail::MutationImpl& m : c.mutations.all) {
    if (visible(*scope_, m) && detail::matches(filters, m)) out.push_back(detail::info_of(m));
  }
  return out;
}

Subscription MutationCache::subscribe(std::function<void(const MutationCacheEvent&)> listener) const {
  ClientCore& c = scope_->live();
  auto slot = c.mutations.listeners.add(std::move(listener), scope_->app ? scope_.get() : nullptr);
  std::weak_ptr<detail::ListenerList<const MutationCacheEvent&>::Slot> weak = slot;
  return Subscription([scope = scope_, weak] {
    if (scope->core != nullptr) scope->core->mutations.listeners.remove(weak.lock());
  });
}

// =============================================================================================
// QueryClient

namespace {
ClientCore& shell(const std::shared_ptr<detail::QueryScope>& scope, const std::unique_ptr<ClientCore>& owned,
                  const char* what) {
  if (!scope || scope->app || !owned) {
    throw Error(ErrorCode::invalid_argument,
                std::string(what) + " is the shell's: an app's query client cannot");
  }
  return *owned;
}
}  // namespace

QueryClient::QueryClient(Runtime& runtime, QueryClientOptions options)
    : QueryClient(std::make_unique<ClientCore>(runtime, std::move(options))) {}

QueryClient::QueryClient(std::unique_ptr<detail::ClientCore> core)
    : AppQueryClient(core->root), owned_(std::move(core)) {}

QueryClient::~QueryClient() { ClientCore::destroy(std::move(owned_)); }

QueryClient::QueryClient(QueryClient&&) noexcept = default;

QueryClient& QueryClient::operator=(QueryClient&& other) noexcept {
  if (this != &other) {
    ClientCore::destroy(std::move(owned_));
    AppQueryClient::operator=(std::move(other));
    owned_ = std::move(other.owned_);
  }
  return *this;
}

AppQueryClient QueryClient::make_app_client() {
  ClientCore& c = shell(scope_, owned_, "make_app_client");
  auto s = std::make_shared<detail::QueryScope>();
  s->core = &c;
  s->app = true;
  c.app_scopes.insert(s.get());
  return AppQueryClient(std::move(s));
}

Runtime& QueryClient::runtime() const noexcept { return owned_->runtime; }

void QueryClient::set_focused(bool focused) {
  ClientCore& c = shell(scope_, owned_, "set_focused");
  c.focused = focused;
  if (!focused) return;
  ClientCore::Op op(c);
  // Paused mutations first; the queries refetch once they have settled (query-core awaits
  // resumePausedMutations before QueryCache.onFocus).
  Future f = resume_paused_mutations();
  std::weak_ptr<detail::QueryScope> root = scope_;
  f.on_settled([root](const Outcome&) {
    if (auto s = root.lock(); s && s->core != nullptr) s->core->on_focus_or_online(true);
  });
}

void QueryClient::set_online(bool online) {
  ClientCore& c = shell(scope_, owned_, "set_online");
  c.online = online;
  if (!online) return;
  ClientCore::Op op(c);
  Future f = resume_paused_mutations();
  std::weak_ptr<detail::QueryScope> root = scope_;
  f.on_settled([root](const Outcome&) {
    if (auto s = root.lock(); s && s->core != nullptr) s->core->on_focus_or_online(false);
  });
}

Future QueryClient::resume_paused_mutations() {
  ClientCore& c = shell(scope_, owned_, "resume_paused_mutations");
  ClientCore::Op op(c);
  std::vector<std::shared_ptr<detail::FutureState>> parts;
  if (c.online) {
    std::vector<std::shared_ptr<detail::MutationImpl>> paused;
    for (detail::MutationImpl& m : c.mutations.all) {
      if (m.state.is_paused) paused.push_back(m.shared_from_this());
    }
    for (const auto& m : paused) parts.push_back(detail::continue_mutation(c, m));
  }
  return AsyncAccess::future(detail::all_of(c.batcher(), parts));
}

void QueryClient::clear() {
  ClientCore& c = shell(scope_, owned_, "clear");
  ClientCore::Op op(c);
  c.clear_queries();
  // The mutation cache forgets its mutations (those in flight still settle their Futures).
  std::vector<std::shared_ptr<detail::MutationImpl>> all;
  all.reserve(c.mutations.all.size());
  for (detail::MutationImpl& m : c.mutations.all) all.push_back(m.shared_from_this());
  for (const auto& m : all) detail::remove_mutation(c, *m);
}

void QueryClient::set_default_query_options(QueryOptions defaults) {
  ClientCore& c = shell(scope_, owned_, "set_default_query_options");
  // resolve() hands out the cached plain options while they are set: cleared to be built anew,
  // and both put back if building throws.
  detail::OptionsPtr before = std::move(c.defaults.plain);
  std::swap(c.options.defaults, defaults);
  try {
    c.defaults.plain = c.resolve(nullptr, Value::array());
  } catch (...) {
    std::swap(c.options.defaults, defaults);
    c.defaults.plain = std::move(before);
    throw;
  }
}

void QueryClient::set_query_defaults(const Value& key, QueryOptions defaults) {
  ClientCore& c = shell(scope_, owned_, "set_query_defaults");
  check_key(key);
  for (auto& d : c.defaults.queries) {
    if (detail::key_equal(d.first, key)) {
      d.second = std::move(defaults);
      return;
    }
  }
  c.defaults.queries.emplace_back(key, std::move(defaults));
}

void QueryClient::set_mutation_defaults(const Value& key, MutationOptions defaults) {
  ClientCore& c = shell(scope_, owned_, "set_mutation_defaults");
  check_key(key);
  for (auto& d : c.defaults.mutations) {
    if (detail::key_equal(d.first, key)) {
      d.second = std::move(defaults);
      return;
    }
  }
  c.defaults.mutations.emplace_back(key, std::move(defaults));
}

QueryCacheStats QueryClient::stats() const noexcept {
  QueryCacheStats s;
  if (!owned_) return s;
  s.entries = owned_->queries.entries;
  s.trie_nodes = owned_->queries.index.nodes();
  s.observers = owned_->queries.mounted_observers;
  s.fetching = owned_->queries.in_flight_count;
  s.mutations = owned_->mutations.all.size();
  s.mutation_scopes = owned_->mutations.scopes.size();
  return s;
}

}  // namespace mfstate
