// QueryClient: the cache (entries in a key trie), options and defaults, filters, garbage
// collection and the size bound, host signals, and the public operations.
#include <algorithm>

#include "mfstate/key.hpp"
#include "query_internal.hpp"

namespace mfstate {
namespace detail {

// ---- operations: one batch each; the graveyard is freed when the outermost one ends ----

ClientCore::Op::Op(ClientCore& c) : c_(&c), scope_(c.runtime.batcher()) { ++c.op_depth; }

ClientCore::Op::~Op() noexcept(false) {
  if (--c_->op_depth == 0 && !c_->graveyard.empty()) {
    auto dead = std::move(c_->graveyard);
    c_->graveyard.clear();
    for (Query* q : dead) {
      if (q->observer_count() == 0) c_->free_query(q);
    }
  }
}

ClientCore::ClientCore(Runtime& rt, QueryClientOptions o)
    : runtime(rt), options(std::move(o)), online(options.online), focused(options.focused) {
  default_options = resolve(nullptr, Value::array());
}

ClientCore::~ClientCore() {
  // Observers outlive nothing: end them (their subscriptions become no-ops).
  for (auto& [raw, o] : observers) {
    o->unmount();
    o->detach_from_core();
  }
  observers.clear();
  // Fetches and mutations in flight: drop whatever they deliver later.
  std::vector<Query*> all;
  index.collect_all(all);
  for (Query* q : in_flight) {
    if (q->cold && q->cold->fetch && q->cold->fetch->retryer) q->cold->fetch->retryer->orphan();
  }
  for (auto& m : mutations) orphan_mutation(*m);
  for (Query* q : all) free_query(q);
  for (Query* q : graveyard) free_query(q);
  index.clear();
  // Last: unmounting observers above may have linked entries for gc and scheduled the timer.
  if (gc_timer != 0) runtime.scheduler().cancel(gc_timer);
  gc_timer = 0;
}

// ---- options ----

namespace {

void apply(ResolvedOptions& r, const QueryOptions& o) {
  if (o.fetcher) r.fetcher = o.fetcher;
  if (o.stale_time) r.stale_time = *o.stale_time;
  if (o.gc_time) r.gc_time = *o.gc_time;
  if (o.retry) r.retry = *o.retry;
  if (o.retry_if) r.retry_if = o.retry_if;
  if (o.retry_delay) r.retry_delay = o.retry_delay;
  if (o.network_mode) r.network_mode = *o.network_mode;
  if (o.initial_data) r.initial_data = o.initial_data;
  if (o.initial_data_updated_at) r.initial_data_updated_at = o.initial_data_updated_at;
  if (o.structural_sharing) r.structural_sharing = *o.structural_sharing;
  if (!o.meta.is_null()) r.meta = o.meta;
  if (o.enabled) r.enabled = *o.enabled;
  if (o.refetch_interval) r.refetch_interval = o.refetch_interval;
  if (o.refetch_interval_in_background) r.refetch_interval_in_background = *o.refetch_interval_in_background;
  if (o.refetch_on_mount) r.refetch_on_mount = *o.refetch_on_mount;
  if (o.refetch_on_window_focus) r.refetch_on_window_focus = *o.refetch_on_window_focus;
  if (o.refetch_on_reconnect) r.refetch_on_reconnect = *o.refetch_on_reconnect;
  if (o.retry_on_mount) r.retry_on_mount = *o.retry_on_mount;
  if (o.placeholder_data) r.placeholder_data = o.placeholder_data;
  if (o.select) r.select = o.select;
}

bool sets_retry(const QueryOptions& o) { return o.retry.has_value() || static_cast<bool>(o.retry_if); }

}  // namespace

OptionsPtr ClientCore::resolve(const QueryOptions* o, const Value& key, bool no_retry_default) {
  if (o == nullptr && default_options && !no_retry_default) {
    bool any = false;
    for (const auto& d : query_defaults) {
      if (matches(d.first, key)) {
        any = true;
        break;
      }
    }
    if (!any) return default_options;
  }
  auto r = boost::intrusive_ptr<ResolvedOptions>(new ResolvedOptions());
  bool retry_set = sets_retry(options.defaults);
  apply(*r, options.defaults);
  for (const auto& d : query_defaults) {
    if (matches(d.first, key)) {
      apply(*r, d.second);
      retry_set = retry_set || sets_retry(d.second);
    }
  }
  if (o != nullptr) {
    apply(*r, *o);
    retry_set = retry_set || sets_retry(*o);
  }
  if (no_retry_default && !retry_set) r->retry = 0;
  return r;
}

// ---- entries ----

Value ClientCore::key_of(const Query& q) const {
  if (q.node != nullptr) return index.key_of(q.node);
  return q.cold ? q.cold->key : Value::array();
}

Query* ClientCore::find(const Value& key) const {
  check_key(key);
  TrieNode* n = index.find(key);
  return n != nullptr ? n->entry : nullptr;
}

Query* ClientCore::build(const Value& key, const OptionsPtr& opts, bool* created) {
  check_key(key);
  TrieNode* n = index.find_or_insert(key);
  if (created != nullptr) *created = n->entry == nullptr;
  if (n->entry != nullptr) {
    if (opts) set_options(*n->entry, opts);
    return n->entry;
  }
  Query* q;
  try {
    q = queries.make();
    q->options = opts ? opts : resolve(nullptr, key);
  } catch (...) {
    index.prune(n);
    throw;
  }
  q->node = n;
  n->entry = q;
  ++entries;
  if (q->options->initial_data) {
    q->data = *q->options->initial_data;
    q->flags |= has_data_flag;
    q->status = QueryStatus::success;
    q->data_updated_at = q->options->initial_data_updated_at.value_or(now()).count();
    if (options.max_bytes != 0) data_bytes += approx_bytes(q->data);
  }
  gc_link(*q);
  emit(QueryCacheEvent::Type::added, *q);
  evict_if_needed(q);
  return q;
}

void ClientCore::set_options(Query& q, const OptionsPtr& opts) {
  if (q.options == opts) return;
  const bool relink = (q.flags & in_gc_list_flag) && q.options->gc_time != opts->gc_time;
  if (relink) gc_unlink(q);
  q.options = opts;
  if (relink) gc_link(q);
}

void ClientCore::remove(Query& q) {
  if (q.removed()) return;
  if (q.fetching()) cancel_fetch(q, CancelOptions{.revert = false, .silent = true});
  gc_unlink(q);
  if (options.max_bytes != 0 && q.has_data()) data_bytes -= std::min(data_bytes, approx_bytes(q.data));
  if (q.observer_count() > 0) q.cold->key = index.key_of(q.node);
  emit(QueryCacheEvent::Type::removed, q);
  q.node->entry = nullptr;
  index.prune(q.node);
  q.node = nullptr;
  q.flags |= removed_flag;
  --entries;
  if (q.observer_count() == 0) graveyard.push_back(&q);
}

void ClientCore::free_query(Query* q) noexcept { queries.destroy(q); }

bool ClientCore::matches_rest(const QueryFilters& f, Query& q) const {
  if (q.removed()) return false;
  if (f.type == QueryType::active && !q.is_active()) return false;
  if (f.type == QueryType::inactive && q.is_active()) return false;
  if (f.stale && q.is_stale(now()) != *f.stale) return false;
  if (f.fetch_status && q.fetch_status != *f.fetch_status) return false;
  if (f.predicate && !f.predicate(key_of(q), snapshot(q))) return false;
  return true;
}

void ClientCore::collect(const QueryFilters& f, std::vector<Query*>& out) const {
  if (f.key) {
    check_key(*f.key);
    index.collect(*f.key, f.exact, out);
  } else {
    index.collect_all(out);
  }
  const bool plain = f.type == QueryType::all && !f.stale && !f.fetch_status && !f.predicate;
  if (plain) return;
  auto* self = const_cast<ClientCore*>(this);
  out.erase(std::remove_if(out.begin(), out.end(), [&](Query* q) { return !self->matches_rest(f, *q); }),
            out.end());
}

// ---- observers ----

void ClientCore::add_observer(Query& q, ObserverImpl* o) {
  auto& obs = q.c().observers;
  if (std::find(obs.begin(), obs.end(), o) == obs.end()) obs.push_back(o);
  gc_unlink(q);
  emit(QueryCacheEvent::Type::observer_added, q);
}

void ClientCore::remove_observer(Query& q, ObserverImpl* o) {
  if (!q.cold) return;
  auto& obs = q.cold->observers;
  auto it = std::find(obs.begin(), obs.end(), o);
  if (it == obs.end()) return;
  obs.erase(it);
  emit(QueryCacheEvent::Type::observer_removed, q);
  if (!obs.empty()) return;
  if (q.removed()) {
    if (op_depth > 0) {
      graveyard.push_back(&q);
    } else {
      free_query(&q);
    }
    return;
  }
  // The last observer left: the fetch in flight completes but does not retry (query-core's
  // cancelRetry); the entry becomes collectable.
  if (q.fetching()) {
    q.cold->fetch->retryer->cancel_retry();
  } else {
    gc_link(q);
  }
}

// ---- gc and the size bound ----

void ClientCore::gc_link(Query& q) {
  if ((q.flags & in_gc_list_flag) || q.removed() || q.observer_count() > 0 || q.fetching()) return;
  const Millis gc_time = q.options->gc_time;
  std::size_t i = 0;
  while (i < gc_lists.size() && gc_lists[i].gc_time != gc_time) ++i;
  if (i == gc_lists.size()) gc_lists.push_back(GcList{gc_time});
  GcList& l = gc_lists[i];
  q.gc_list = static_cast<std::uint8_t>(i);
  q.gc_prev = l.tail;
  q.gc_next = nullptr;
  if (l.tail != nullptr) {
    l.tail->gc_next = &q;
  } else {
    l.head = &q;
  }
  l.tail = &q;
  q.flags |= in_gc_list_flag;
  q.gc_since = now().count();
  if (gc_time < never_expires) gc_schedule(Millis(q.gc_since) + gc_time);
}

void ClientCore::gc_unlink(Query& q) noexcept {
  if (!(q.flags & in_gc_list_flag)) return;
  GcList& l = gc_lists[q.gc_list];
  if (q.gc_prev != nullptr) {
    q.gc_prev->gc_next = q.gc_next;
  } else {
    l.head = q.gc_next;
  }
  if (q.gc_next != nullptr) {
    q.gc_next->gc_prev = q.gc_prev;
  } else {
    l.tail = q.gc_prev;
  }
  q.gc_prev = q.gc_next = nullptr;
  q.flags &= static_cast<std::uint8_t>(~in_gc_list_flag);
}

void ClientCore::gc_touch(Query& q) {
  if (!(q.flags & in_gc_list_flag)) return;
  gc_unlink(q);
  gc_link(q);
}

void ClientCore::gc_schedule(Millis at) {
  if (gc_timer != 0 && gc_timer_at <= at) return;
  if (gc_timer != 0) runtime.scheduler().cancel(gc_timer);
  gc_timer_at = at;
  gc_timer = runtime.scheduler().schedule_at(at, [this] {
    gc_timer = 0;
    Op op(*this);
    gc_sweep();
  });
}

void ClientCore::gc_sweep() {
  const std::int64_t t = now().count();
  std::optional<Millis> next;
  for (std::size_t i = 0; i < gc_lists.size(); ++i) {
    if (gc_lists[i].gc_time >= never_expires) continue;
    const std::int64_t gc = gc_lists[i].gc_time.count();
    while (gc_lists[i].head != nullptr && gc_lists[i].head->gc_since + gc <= t) remove(*gc_lists[i].head);
    if (Query* h = gc_lists[i].head) {
      const Millis at(h->gc_since + gc);
      if (!next || at < *next) next = at;
    }
  }
  if (next) gc_schedule(*next);
}

void ClientCore::evict_if_needed(Query* keep) {
  while ((options.max_entries != 0 && entries > options.max_entries) ||
         (options.max_bytes != 0 && data_bytes > options.max_bytes)) {
    Query* victim = nullptr;
    for (const GcList& l : gc_lists) {
      Query* h = l.head;
      if (h == keep) h = h->gc_next;
      if (h != nullptr && (victim == nullptr || h->gc_since < victim->gc_since)) victim = h;
    }
    if (victim == nullptr) return;
    remove(*victim);
  }
}

// ---- cache events ----

void ClientCore::emit(QueryCacheEvent::Type type, const Query& q, std::string_view action) {
  if (cache_listeners.empty()) return;
  QueryCacheEvent e{type, key_of(q), action};
  // A copy of the listener list: subscribing or unsubscribing while notified is safe.
  for (const auto& l : std::vector(cache_listeners)) {
    std::weak_ptr<std::function<void(const QueryCacheEvent&)>> weak = l;
    batcher().notify([weak, e] {
      if (auto fn = weak.lock()) (*fn)(e);
    });
  }
}

// ---- paused retryers ----

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

}  // namespace detail

// =============================================================================================
// QueryClient

using detail::ClientCore;
using detail::Query;

QueryClient::QueryClient(Runtime& runtime, QueryClientOptions options)
    : core_(std::make_unique<ClientCore>(runtime, std::move(options))) {}
QueryClient::~QueryClient() = default;
QueryClient::QueryClient(QueryClient&&) noexcept = default;
QueryClient& QueryClient::operator=(QueryClient&&) noexcept = default;

Runtime& QueryClient::runtime() const noexcept { return core_->runtime; }

std::optional<Value> QueryClient::get_query_data(const Value& key) const {
  Query* q = core_->find(key);
  if (q == nullptr || !q->has_data()) return std::nullopt;
  return q->data;
}

std::optional<QueryState> QueryClient::get_query_state(const Value& key) const {
  Query* q = core_->find(key);
  if (q == nullptr) return std::nullopt;
  return detail::snapshot(*q);
}

Value QueryClient::set_query_data(const Value& key, Value data, SetDataOptions options) {
  ClientCore::Op op(*core_);
  bool created = false;
  Query* q = core_->build(key, nullptr, &created);
  Value out = core_->set_data(*q, std::move(data), options.updated_at);
  if (!created) core_->gc_touch(*q);
  if (core_->options.max_bytes != 0) core_->evict_if_needed(q);
  return out;
}

std::optional<Value> QueryClient::update_query_data(const Value& key, const QueryUpdater& updater,
                                                    SetDataOptions options) {
  ClientCore::Op op(*core_);
  Query* q = core_->find(key);
  std::optional<Value> old;
  if (q != nullptr && q->has_data()) old = q->data;
  std::optional<Value> next = updater(old);
  if (!next) return std::nullopt;
  return set_query_data(key, std::move(*next), options);
}

std::vector<std::pair<Value, Value>> QueryClient::get_queries_data(const QueryFilters& filters) const {
  std::vector<Query*> qs;
  core_->collect(filters, qs);
  std::vector<std::pair<Value, Value>> out;
  out.reserve(qs.size());
  for (Query* q : qs) {
    if (q->has_data()) out.emplace_back(core_->key_of(*q), q->data);
  }
  return out;
}

std::vector<std::pair<Value, Value>> QueryClient::set_queries_data(
    const QueryFilters& filters, const QueryUpdater& updater, SetDataOptions options) {
  ClientCore::Op op(*core_);
  std::vector<Query*> qs;
  core_->collect(filters, qs);
  std::vector<std::pair<Value, Value>> out;
  for (Query* q : qs) {
    if (q->removed()) continue;
    std::optional<Value> old;
    if (q->has_data()) old = q->data;
    std::optional<Value> next = updater(old);
    if (!next) continue;
    Value v = core_->set_data(*q, std::move(*next), options.updated_at);
    core_->gc_touch(*q);
    out.emplace_back(core_->key_of(*q), std::move(v));
  }
  return out;
}

Future QueryClient::fetch_query(const QueryOptions& options) {
  check_key(options.key);
  ClientCore::Op op(*core_);
  auto opts = core_->resolve(&options, options.key, /*no_retry_default=*/true);
  Query* q = core_->build(options.key, opts);
  if (q->has_data() && !q->is_stale_by_time(opts->stale_time, core_->now())) {
    Outcome o;
    o.value = q->data;
    return Future(detail::settled_future(core_->batcher(), std::move(o)));
  }
  return Future(core_->fetch(*q, nullptr, false));
}

Future QueryClient::prefetch_query(const QueryOptions& options) {
  Future f = fetch_query(options);
  auto out = detail::make_future(core_->batcher());
  f.on_settled([out](const Outcome&) { out->settle(Outcome{}); });
  return Future(out);
}

Future QueryClient::ensure_query_data(const QueryOptions& options, bool revalidate_if_stale) {
  check_key(options.key);
  ClientCore::Op op(*core_);
  Query* q = core_->find(options.key);
  if (q == nullptr || !q->has_data()) return fetch_query(options);
  auto opts = core_->resolve(&options, options.key, true);
  if (revalidate_if_stale && q->is_stale_by_time(opts->stale_time, core_->now())) {
    (void)prefetch_query(options);
  }
  Outcome o;
  o.value = q->data;
  return Future(detail::settled_future(core_->batcher(), std::move(o)));
}

namespace {
bool type_passes(RefetchType t, const Query& q) {
  switch (t) {
    case RefetchType::active: return q.is_active();
    case RefetchType::inactive: return !q.is_active();
    case RefetchType::all: return true;
    case RefetchType::none: return false;
  }
  return false;
}
}  // namespace

Future QueryClient::invalidate_queries(const QueryFilters& filters, InvalidateOptions options) {
  ClientCore::Op op(*core_);
  std::vector<Query*> qs;
  core_->collect(filters, qs);
  // One pass over the matches: invalidate, and note those of refetch_type (the entry's cache line
  // is loaded once; W3c invalidates 10^5 inactive entries).
  std::vector<Query*> refetch;
  for (Query* q : qs) {
    if (q->removed()) continue;
    // Already invalidated: nothing an observer sees can change.
    if (!q->invalidated()) core_->dispatch(*q, detail::QueryAction{detail::QueryAction::invalidate});
    if (options.refetch_type != RefetchType::none && type_passes(options.refetch_type, *q)) refetch.push_back(q);
  }
  std::vector<std::shared_ptr<detail::FutureState>> parts;
  if (refetch.empty()) return Future(detail::all_of(core_->batcher(), parts));
  // Every match is invalidated before the first refetch starts (as query-core).
  for (Query* q : refetch) {
    if (q->removed() || q->is_disabled()) continue;
    parts.push_back(core_->fetch(*q, nullptr, options.cancel_refetch));
  }
  return Future(detail::all_of(core_->batcher(), parts));
}

Future QueryClient::refetch_queries(const QueryFilters& filters, RefetchOptions options) {
  ClientCore::Op op(*core_);
  std::vector<Query*> qs;
  core_->collect(filters, qs);
  std::vector<std::shared_ptr<detail::FutureState>> parts;
  for (Query* q : qs) {
    if (q->removed() || q->is_disabled()) continue;
    parts.push_back(core_->fetch(*q, nullptr, options.cancel_refetch));
  }
  return Future(detail::all_of(core_->batcher(), parts));
}

void QueryClient::cancel_queries(const QueryFilters& filters, CancelOptions options) {
  ClientCore::Op op(*core_);
  std::vector<Query*> qs;
  core_->collect(filters, qs);
  for (Query* q : qs) {
    if (!q->removed()) core_->cancel_fetch(*q, options);
  }
}

void QueryClient::remove_queries(const QueryFilters& filters) {
  ClientCore::Op op(*core_);
  std::vector<Query*> qs;
  core_->collect(filters, qs);
  for (Query* q : qs) core_->remove(*q);
}

Future QueryClient::reset_queries(const QueryFilters& filters) {
  ClientCore::Op op(*core_);
  std::vector<Query*> qs;
  core_->collect(filters, qs);
  for (Query* q : qs) {
    if (!q->removed()) core_->reset(*q);
  }
  std::vector<std::shared_ptr<detail::FutureState>> parts;
  for (Query* q : qs) {
    if (q->removed() || !q->is_active()) continue;
    parts.push_back(core_->fetch(*q, nullptr, true));
  }
  return Future(detail::all_of(core_->batcher(), parts));
}

std::size_t QueryClient::is_fetching(const QueryFilters& filters) const {
  const bool unfiltered = !filters.key && filters.type == QueryType::all && !filters.stale &&
                          !filters.fetch_status && !filters.predicate;
  std::size_t n = 0;
  if (unfiltered) {
    for (Query* q : core_->in_flight) n += q->fetch_status == FetchStatus::fetching ? 1 : 0;
    return n;
  }
  std::vector<Query*> qs;
  core_->collect(filters, qs);
  for (Query* q : qs) n += q->fetch_status == FetchStatus::fetching ? 1 : 0;
  return n;
}

void QueryClient::set_query_defaults(const Value& key, QueryOptions defaults) {
  check_key(key);
  for (auto& d : core_->query_defaults) {
    if (d.first == key) {
      d.second = std::move(defaults);
      return;
    }
  }
  core_->query_defaults.emplace_back(key, std::move(defaults));
}

Subscription QueryClient::observe(QueryOptions options, QueryListener listener) {
  check_key(options.key);
  ClientCore& core = *core_;
  auto o = std::make_shared<detail::ObserverImpl>(core, std::move(options), std::move(listener));
  {
    ClientCore::Op op(core);
    core.observers.emplace(o.get(), o);
    try {
      o->mount();
    } catch (...) {
      o->unmount();
      core.observers.erase(o.get());
      throw;
    }
  }
  std::weak_ptr<detail::ObserverImpl> weak = o;
  return Subscription([weak] {
    auto obs = weak.lock();
    if (!obs || obs->core() == nullptr) return;
    ClientCore& c = *obs->core();
    ClientCore::Op op(c);
    obs->unmount();
    c.observers.erase(obs.get());
  });
}

void QueryClient::set_focused(bool focused) {
  core_->focused = focused;
  if (!focused) return;
  ClientCore::Op op(*core_);
  std::vector<std::shared_ptr<detail::ObserverImpl>> obs;
  obs.reserve(core_->observers.size());
  for (auto& [raw, o] : core_->observers) obs.push_back(o);
  for (auto& o : obs) o->on_focus();
  core_->resume_paused();
}

void QueryClient::set_online(bool online) {
  core_->online = online;
  if (!online) return;
  ClientCore::Op op(*core_);
  core_->resume_paused();
  std::vector<std::shared_ptr<detail::ObserverImpl>> obs;
  obs.reserve(core_->observers.size());
  for (auto& [raw, o] : core_->observers) obs.push_back(o);
  for (auto& o : obs) o->on_reconnect();
}

bool QueryClient::is_focused() const noexcept { return core_->focused; }
bool QueryClient::is_online() const noexcept { return core_->online; }

void QueryClient::clear() {
  ClientCore::Op op(*core_);
  std::vector<Query*> qs;
  core_->index.collect_all(qs);
  for (Query* q : qs) core_->remove(*q);
}

Subscription QueryClient::subscribe(std::function<void(const QueryCacheEvent&)> listener) {
  auto l = std::make_shared<std::function<void(const QueryCacheEvent&)>>(std::move(listener));
  core_->cache_listeners.push_back(l);
  std::weak_ptr<std::function<void(const QueryCacheEvent&)>> weak = l;
  ClientCore* core = core_.get();
  auto alive = std::weak_ptr<void>(core_->alive);
  return Subscription([core, weak, alive] {
    if (alive.expired()) return;
    auto& v = core->cache_listeners;
    auto fn = weak.lock();
    v.erase(std::remove(v.begin(), v.end(), fn), v.end());
  });
}

QueryCacheStats QueryClient::stats() const noexcept {
  QueryCacheStats s;
  s.entries = core_->entries;
  s.trie_nodes = core_->index.nodes();
  s.observers = core_->observers.size();
  s.fetching = core_->in_flight.size();
  return s;
}

}  // namespace mfstate
