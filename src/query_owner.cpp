// The options an app's calls resolved (a query function, retry functions, every other function an
// app may give), listed in the app's scope while they live, and what the app's end does to them.
// A micro-frontend that is gone runs no more code through the cache: its code may be unloaded,
// its closures hold its own state, and a query it fetched last would otherwise run its function
// again whenever any app refetched or invalidated that key (a hostile app could call it on demand).
#include <boost/unordered/unordered_flat_set.hpp>

#include <vector>

#include "query_internal.hpp"

namespace mfstate::detail {

ResolvedOptions::ResolvedOptions(OwnedOptions* owner_list) noexcept : owner(owner_list) {
  if (owner == nullptr) return;
  next_owned = owner->head;
  if (next_owned != nullptr) next_owned->prev_owned = this;
  owner->head = this;
}

ResolvedOptions::~ResolvedOptions() { unlist(); }

void ResolvedOptions::unlist() noexcept {
  if (owner == nullptr) return;
  if (prev_owned != nullptr) {
    prev_owned->next_owned = next_owned;
  } else {
    owner->head = next_owned;
  }
  if (next_owned != nullptr) next_owned->prev_owned = prev_owned;
  owner = nullptr;
  prev_owned = next_owned = nullptr;
}

QueryScope::~QueryScope() { end_owned_options(nullptr, owned_options); }

namespace {

/// The options a query takes in place of an ended app's: a remaining observer's (query-core's
/// query takes its options from an observer), else the shell's defaults for its key (which may
/// have a query function: setQueryDefaults), else none to fetch with. With the query's gc_time:
/// the app's end changes when its query is collected neither way (the defaults' 5 minutes kept
/// a query an app observed with gc_time 0 alive, and apps churning kept thousands).
OptionsPtr replacement(ClientCore& c, const Query& q, const Value& key) {
  const std::optional<Millis> gc_time = q.options()->o.gc_time;
  if (q.observer_count() > 0) return with_gc_time(q.cold->observers.front()->options(), gc_time);
  return with_gc_time(c.resolve(nullptr, key), gc_time);
}

/// The options of an observer of `q` with a query function, for the fetch under way; null if none.
const OptionsPtr* fetching_observer(const Query& q) {
  if (!q.cold) return nullptr;
  for (const ObserverImpl* o : q.cold->observers) {
    if (o->options()->o.fetcher) return &o->options();
  }
  return nullptr;
}

/// The fetch under way on `q` stops running `x` (an ended app's options).
void end_fetch_of(ClientCore& c, Query& q, const OptionsPtr& x) {
  if (!q.fetching() || q.cold->fetch->options != x) return;
  QueryFetch& f = *q.cold->fetch;
  const OptionsPtr* next = fetching_observer(q);
  // A fetcher that is the shell's (x took it from the defaults) is not the app's: with no observer
  // left to fetch with, the fetch goes on with the shell's defaults for the key, which give it.
  OptionsPtr shells;
  if (next == nullptr && !x->own_fetcher) {
    shells = c.resolve(nullptr, x->o.key);
    if (shells->o.fetcher && !shells->o.fetcher.is_skip()) next = &shells;
  }
  if (next != nullptr) {
    // The attempt under way goes on (its answer is the query's); the next one, and the decision
    // to retry, are the observer's (query-core's fetch takes an observer's options) or the shell's.
    f.options = *next;
    if (q.infinite()) repoint_pager(f);
  } else {
    // No one left to fetch with: ended as a cancel ends it, the state reverted.
    cancel_fetch(c, q, CancelOptions{});
  }
}

/// The query of `x`'s key, and its fetch under way, stop running `x` (an ended app's options).
void end_options_of(ClientCore& c, const OptionsPtr& x) {
  // Options are resolved for one key and only ever set on the query of that key (or on one that
  // was removed from the cache while observed: end_owned_options reaches those).
  Query* q = c.find(x->o.key);
  if (q == nullptr) return;
  if (q->options() == x.get()) c.set_options(*q, replacement(c, *q, x->o.key));
  end_fetch_of(c, *q, x);
}

/// The queries removed from the cache (remove_queries) that observers of other apps still hold:
/// out of the index, they are reached through the client's observers (a query nobody observes is
/// freed with its options). Their fetches were cancelled when they were removed.
std::vector<Query*> removed_but_observed(const ClientCore& c) {
  boost::unordered_flat_set<Query*> seen;
  std::vector<Query*> out;
  for (const ObserverImpl* o : c.queries.observers) {
    Query* q = o->query();
    if (q != nullptr && q->removed() && seen.insert(q).second) out.push_back(q);
  }
  return out;
}

}  // namespace

void end_owned_options(ClientCore* c, OwnedOptions& owned) {
  // Held while they are replaced (the last holder may be the query): every function of theirs is
  // released once this returns, not while it runs.
  std::vector<OptionsPtr> ended;
  try {
    if (c != nullptr) {
      for (ResolvedOptions* r = owned.head; r != nullptr; r = r->next_owned) ended.emplace_back(r);
    }
  } catch (...) {
    while (owned.head != nullptr) owned.head->unlist();
    throw;
  }
  while (owned.head != nullptr) owned.head->unlist();
  // One query's failure (an observer's initial data function that throws) is reported; the others
  // are still ended.
  for (const OptionsPtr& x : ended) {
    try {
      end_options_of(*c, x);
    } catch (...) {
      c->report_current_exception();
    }
  }
  if (ended.empty()) return;
  boost::unordered_flat_set<const ResolvedOptions*> theirs;
  for (const OptionsPtr& x : ended) theirs.insert(x.get());
  // Inside the app's end (an Op): a query removed meanwhile goes to the graveyard, not freed.
  for (Query* q : removed_but_observed(*c)) {
    if (!theirs.contains(q->options())) continue;
    try {
      c->set_options(*q, replacement(*c, *q, c->key_of(*q)));
    } catch (...) {
      c->report_current_exception();
    }
  }
}

}  // namespace mfstate::detail
