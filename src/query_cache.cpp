// The query cache proper (QueryCacheCore): entries built in the key index, their options (a query
// keeps the longest gc_time it has seen, and takes initial data while it has none), filters,
// observers joining and leaving, garbage collection and the size bound, and the cache's events.
#include <algorithm>
#include <cassert>

#include "mfstate/key.hpp"
#include "query_index_walk.hpp"
#include "query_internal.hpp"

namespace mfstate::detail {

namespace {

std::optional<Value> initial_data_of(const QueryOptions& o) {
  if (const Value* v = o.initial_data.value_if()) return *v;
  if (const auto* fn = o.initial_data.function_if()) return (*fn)();
  return std::nullopt;
}

Millis initial_data_updated_at_of(const QueryOptions& o, Millis now) {
  if (const Millis* v = o.initial_data_updated_at.value_if()) return *v;
  if (const auto* fn = o.initial_data_updated_at.function_if()) return (*fn)().value_or(now);
  return now;
}

}  // namespace

// ---- entries ----

Value ClientCore::key_of(const Query& q) const {
  if (q.in_index()) return queries.index.key_of(q);
  return q.cold ? q.cold->key : Value::array();
}

Query* ClientCore::find(const Value& key) const {
  if (!key.is_array()) [[unlikely]]
    check_key(key);  // throws: the call only for a key refused
  return CacheIndex::entry_of(queries.index.find(key));
}

Query* ClientCore::find(const FlatKey& key) const {
  bool undecided = false;
  TrieNode* n = queries.index.find(key, undecided);
  if (undecided) [[unlikely]] {
    const char* p = key.bytes().data();
    return find(decode_canonical(p));
  }
  return CacheIndex::entry_of(n);
}

Query* ClientCore::build(const Value& key, const OptionsPtr& opts, bool* created, Millis* linked_at,
                         const QueryState* state) {
  check_key(key);
  const CacheIndex::Position at = queries.index.find_or_insert_position(key);
  Query* existing = CacheIndex::entry_of(at.node);
  if (created != nullptr) *created = existing == nullptr;
  if (existing != nullptr) {
    if (opts) set_options(*existing, opts);
    return existing;
  }
  Query* q = nullptr;
  try {
    q = queries.pool.make();
    if (opts) {
      q->set_options(opts);
    } else if (defaults.queries.empty() && defaults.plain) {
      q->set_options(defaults.plain);  // resolve's answer when no registration can match, without the call
    } else {
      q->set_options(resolve(nullptr, key));
    }
    // A new key is linked as a new leaf; one that longer keys pass through takes over the node
    // (and unbuild's detach then needs a node to give the longer keys back: kept first).
    if (at.node == nullptr) {
      queries.index.link(at.parent, key.as_array().back(), *q);
    } else {
      queries.index.reserve_node();
      queries.index.attach(at.node, *q);
    }
  } catch (...) {
    if (q != nullptr) queries.pool.destroy(q);
    queries.index.prune(at.node != nullptr ? at.node : at.parent);
    throw;
  }
  ++queries.entries;
  // Linked: from here until it is announced, a failure (bad_alloc from the initial state, the gc
  // list, its time mark, the gc timer or the announcement; hydrated state refused) takes the
  // entry back out. (Of several cache listeners, those told before the announcement failed are
  // not told it is gone.)
  try {
    std::optional<Value> initial;
    try {
      initial = initial_data_of(q->options()->o);
    } catch (...) {
      report_current_exception();
    }
    if (initial) {
      const Millis at = initial_data_updated_at_of(q->options()->o, now());
      q->c().initial = std::make_unique<const InitialState>(InitialState{*initial, at});
    }
    if (state != nullptr) {
      apply_state(*this, *q, *state);
    } else if (initial) {
      const Millis at = q->c().initial->updated_at;
      q->data = std::move(*initial);
      q->flags |= has_data_flag;
      q->status = QueryStatus::success;
      q->data_updated_at = at.count();
      if (options.max_bytes != 0) queries.data_bytes += approx_bytes(q->data);
    }
    // A new entry is always collectable (no observer, no fetch): gc_link's tests are known.
    const Millis t = now();
    gc_append(*q, t);
    if (linked_at != nullptr) *linked_at = t;
    emit(QueryCacheEvent::Type::added, *q);
  } catch (...) {
    // An initial-data function may have reached the entry (removed, observed or fetched it):
    // then it is not this call's to take back.
    if (only_built(*q)) unbuild(*q);
    throw;
  }
  evict_if_needed(q);
  return q;
}

void ClientCore::unbuild(Query& q) noexcept {
  gc_unlink(q);
  if (options.max_bytes != 0 && q.has_data()) {
    queries.data_bytes -= std::min(queries.data_bytes, approx_bytes(q.data));
  }
  queries.index.detach(q);
  --queries.entries;
  queries.pool.destroy(&q);
}

void ClientCore::set_options(Query& q, const OptionsPtr& opts) {
  if (q.options() == opts.get()) return;
  OptionsPtr next = opts;
  // A query keeps the longest gc_time it has seen (query-core's Removable.updateGcTime).
  if (*opts->o.gc_time < *q.options()->o.gc_time) next = with_gc_time(opts, q.options()->o.gc_time);
  const bool relink = (q.flags & in_gc_list_flag) && *q.options()->o.gc_time != *next->o.gc_time;
  if (relink) gc_unlink(q);
  q.set_options(next);
  if (relink) gc_link(q);
  // Initial data fills a query that has none yet (query-core's setOptions), without counting as
  // an update: a fetch in flight goes on.
  if (!q.has_data()) {
    std::optional<Value> initial = initial_data_of(q.options()->o);
    if (initial) {
      QueryState s = snapshot(q);
      s.data_updated_at = initial_data_updated_at_of(q.options()->o, now());
      q.c().initial = std::make_unique<const InitialState>(InitialState{*initial, s.data_updated_at});
      s.data = std::move(*initial);
      s.error.reset();
      s.is_invalidated = false;
      s.status = QueryStatus::success;
      QueryAction a{QueryAction::set_state};
      a.state = &s;
      dispatch(*this, q, std::move(a));
    }
  }
}

void ClientCore::remove(Query& q) {
  if (q.removed()) return;
  queries.index.reserve_node();  // first, so nothing below can fail halfway
  if (q.fetching()) cancel_fetch_silently(*this, q);  // checked here: removal is on the gc path
  gc_unlink(q);
  if (options.max_bytes != 0 && q.has_data()) queries.data_bytes -= std::min(queries.data_bytes, approx_bytes(q.data));
  if (q.observer_count() > 0) q.cold->key = queries.index.key_of(q);
  emit(QueryCacheEvent::Type::removed, q);
  queries.index.detach(q);
  q.flags |= removed_flag;
  --queries.entries;
  if (q.observer_count() == 0) queries.graveyard.push_back(&q);
}

void ClientCore::free_query(Query* q) noexcept {
  // Linked but in no gc list: in the in-flight list (the client is going away with it fetching).
  if (q->gc_prev != nullptr && !(q->flags & in_gc_list_flag)) queries.in_flight_remove(*q);
  queries.pool.destroy(q);
}

void ClientCore::clear_queries() {
  std::vector<Query*> qs;
  collect(QueryFilters{}, qs);
  for (Query* q : qs) remove(*q);
}

bool ClientCore::matches_rest(const QueryFilters& f, Query& q) const {
  if (q.removed()) return false;
  if (f.type == QueryType::active && !is_active(*this, q)) return false;
  if (f.type == QueryType::inactive && is_active(*this, q)) return false;
  if (f.stale && is_stale(*this, q) != *f.stale) return false;
  if (f.fetch_status && q.fetch_status != *f.fetch_status) return false;
  if (f.predicate && !f.predicate(info_of(*this, q))) return false;
  return true;
}

void ClientCore::collect(const QueryFilters& f, std::vector<Query*>& out) const {
  for_each_key_match(f, [&](Query* q) { out.push_back(q); });
  if (by_key_alone(f)) return;
  auto* self = const_cast<ClientCore*>(this);
  out.erase(std::remove_if(out.begin(), out.end(), [&](Query* q) { return !self->matches_rest(f, *q); }),
            out.end());
}

// ---- observers ----

void ClientCore::add_observer(Query& q, ObserverImpl* o) {
  auto& obs = q.c().observers;
  // Never there already: an observer is in the list of the query it is attached to (its query_),
  // and every caller detaches it from its old one first. Searching for it made adding n observers
  // of one key O(n^2) (65,000 of them took seconds).
  assert(std::find(obs.begin(), obs.end(), o) == obs.end());
  obs.push_back(o);
  gc_unlink(q);
  emit(QueryCacheEvent::Type::observer_added, q);
}

void ClientCore::remove_observer(Query& q, ObserverImpl* o) {
  if (!q.cold) return;
  auto& obs = q.cold->observers;
  // Searched from the newest: an app's end removes its observers newest first (the package's
  // App.unmount), each then found and erased at the end of the list, so ending n observers of one
  // key is O(n), not O(n^2) (65,536 of them took 1.5 s to end from the front).
  auto it = std::find(obs.rbegin(), obs.rend(), o);
  if (it == obs.rend()) return;
  obs.erase(std::next(it).base());
  if (obs.empty()) {
    if (q.removed()) {
      emit(QueryCacheEvent::Type::observer_removed, q);
      if (op_depth > 0) {
        queries.graveyard.push_back(&q);
      } else {
        free_query(&q);
      }
      return;
    }
    // The last observer left (query-core's removeObserver): a fetch whose signal the fetcher uses
    // is cancelled, as is an initial fetch still paused; any other fetch completes and is cached
    // but does not retry. Then the query becomes collectable.
    if (q.fetching()) {
      QueryFetch& f = *q.cold->fetch;
      if (f.signal_consumed() || (q.fetch_status == FetchStatus::paused && q.status == QueryStatus::pending)) {
        cancel_fetch(*this, q, CancelOptions{.revert = true, .silent = false});
      } else {
        f.cancel_retry();
      }
    }
    gc_link(q);
  }
  emit(QueryCacheEvent::Type::observer_removed, q);
}

// ---- gc and the size bound ----

void ClientCore::gc_link(Query& q) {
  if ((q.flags & in_gc_list_flag) || q.removed() || q.observer_count() > 0 || q.fetching()) return;
  gc_append(q, now());
}

void ClientCore::gc_append(Query& q, Millis at) {
  const Millis gc_time = *q.options()->o.gc_time;
  QueryCacheCore::GcList* list = queries.recent_gc_list;
  if (list == nullptr || list->gc_time != gc_time) list = &gc_list_of(gc_time);
  queries.recent_gc_list = list;
  QueryCacheCore::GcList& l = *list;
  GcLink& head = l.head;
  const std::int64_t t = at.count();
  if (l.last_mark == nullptr || l.last_mark->since != t) {
    if (l.last_mark != nullptr && l.last_mark->gc_next == &head) {
      l.last_mark->since = t;  // the last mark has no entry after it: it moves on in time
    } else {
      GcMark* m = queries.gc_marks.make();  // bad_alloc here leaves the list as it was
      m->since = t;
      link_mark(m, head.gc_prev);
      m->gc_next = &head;
      head.gc_prev->gc_next = m;
      head.gc_prev = m;
      l.last_mark = m;
    }
  }
  q.gc_prev = head.gc_prev;
  q.gc_next = &head;
  head.gc_prev->gc_next = &q;
  head.gc_prev = &q;
  q.flags |= in_gc_list_flag;
  // The timer is usually set already, for an earlier time: no call then (every new entry comes here).
  if (gc_time < never_expires &&
      (queries.gc_timer == 0 || queries.gc_timer_at > Millis(t) + gc_time)) {
    gc_schedule(Millis(t) + gc_time);
  }
}

QueryCacheCore::GcList& ClientCore::gc_list_of(Millis gc_time) {
  auto it = queries.gc_lists.find(gc_time.count());
  if (it != queries.gc_lists.end()) return it->second;
  // A new distinct gc_time: drop the lists emptied meanwhile, so the number of lists follows the
  // entries, not the history of gc_times ever used. (An emptied list may keep its last mark.)
  if (queries.gc_lists.size() >= 16) {
    for (auto l = queries.gc_lists.begin(); l != queries.gc_lists.end();) {
      GcLink* head = &l->second.head;
      GcLink* first = head->gc_next;
      if (first != head && is_mark(first) && first->gc_next == head) {
        gc_free_mark(as_mark(first));
        l->second.last_mark = nullptr;
        first = head;
      }
      if (first == head) {
        queries.recent_gc_list = nullptr;  // it may be this one (gc_append sets it again after)
        l = queries.gc_lists.erase(l);
      } else {
        l = std::next(l);
      }
    }
  }
  it = queries.gc_lists.try_emplace(gc_time.count()).first;
  it->second.gc_time = gc_time;
  it->second.head.gc_prev = it->second.head.gc_next = &it->second.head;
  return it->second;
}

void ClientCore::gc_free_mark(GcMark* m) noexcept {
  GcLink* p = prev_of(m);
  p->gc_next = m->gc_next;
  set_prev(m->gc_next, p);
  queries.gc_marks.destroy(m);
}

void ClientCore::gc_unlink(Query& q) noexcept {
  if (!(q.flags & in_gc_list_flag)) return;
  GcLink* p = q.gc_prev;  // an entry's own gc_prev carries no mark bit
  GcLink* n = q.gc_next;
  p->gc_next = n;
  set_prev(n, p);
  q.gc_prev = q.gc_next = nullptr;
  q.flags &= static_cast<std::uint8_t>(~in_gc_list_flag);
  // A mark left with no entry before the next mark is freed; the last mark of its list stays (its
  // list points at it), to be reused by the next entry or swept when its time is up.
  if (is_mark(p) && is_mark(n)) gc_free_mark(as_mark(p));
}

void ClientCore::gc_touch(Query& q) {
  if (!(q.flags & in_gc_list_flag)) return;
  gc_unlink(q);
  gc_link(q);
}

void ClientCore::gc_schedule(Millis at) {
  QueryCacheCore& c = queries;
  if (c.gc_timer != 0 && c.gc_timer_at <= at) return;
  if (c.gc_timer != 0) runtime.scheduler().cancel(c.gc_timer);
  c.gc_timer_at = at;
  c.gc_timer = runtime.scheduler().schedule_at(at, [this] {
    queries.gc_timer = 0;
    Op op(*this);
    gc_sweep();
  });
}

void ClientCore::gc_sweep() {
  const std::int64_t t = now().count();
  std::optional<Millis> next;
  for (auto it = queries.gc_lists.begin(); it != queries.gc_lists.end();) {
    QueryCacheCore::GcList& l = it->second;
    GcLink* head = &l.head;
    if (l.gc_time < never_expires) {
      const std::int64_t gc = l.gc_time.count();
      // The list starts with its oldest mark: its entries go while its time is up; it goes with
      // its last entry (freed by gc_unlink, or here when it was the list's last mark).
      while (head->gc_next != head) {
        GcMark* m = as_mark(head->gc_next);
        if (m->since + gc > t) {
          const Millis at(m->since + gc);
          if (!next || at < *next) next = at;
          break;
        }
        GcLink* first = m->gc_next;
        if (first == head || is_mark(first)) {
          if (l.last_mark == m) l.last_mark = nullptr;
          gc_free_mark(m);
          continue;
        }
        remove(*static_cast<Query*>(first));
      }
    }
    if (head->gc_next == head) {
      queries.recent_gc_list = nullptr;  // it may be this one
      it = queries.gc_lists.erase(it);
    } else {
      it = std::next(it);
    }
  }
  if (next) gc_schedule(*next);
}

void ClientCore::evict_over_bounds(Query* keep) {
  while ((options.max_entries != 0 && queries.entries > options.max_entries) ||
         (options.max_bytes != 0 && queries.data_bytes > options.max_bytes)) {
    // The oldest collectable entry: the first of some list (besides `keep`), by its mark's time.
    Query* victim = nullptr;
    std::int64_t victim_since = 0;
    for (auto& [gc, l] : queries.gc_lists) {
      std::int64_t since = 0;
      for (GcLink* h = l.head.gc_next; h != &l.head; h = h->gc_next) {
        if (is_mark(h)) {
          since = as_mark(h)->since;
        } else if (h != keep) {
          if (victim == nullptr || since < victim_since) {
            victim = static_cast<Query*>(h);
            victim_since = since;
          }
          break;
        }
      }
    }
    if (victim == nullptr) return;
    remove(*victim);
  }
}

// ---- cache events ----

void ClientCore::emit_to_listeners(QueryCacheEvent::Type type, const Query& q, std::string_view action) {
  QueryCacheEvent e{type, key_of(q), action};
  // A copy of the listener list: subscribing or unsubscribing while notified is safe.
  for (const auto& slot : queries.listeners.snapshot()) {
    std::weak_ptr<ListenerList<const QueryCacheEvent&>::Slot> weak = slot;
    batcher().notify([weak, e] {
      if (auto s = weak.lock(); s && s->active && s->fn) s->fn(e);
    });
  }
}

}  // namespace mfstate::detail
