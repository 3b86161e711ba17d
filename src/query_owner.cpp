// The options an app's calls resolved (a query function, retry functions, every other function an
// app may give), listed in the app's scope while they live, and what the app's end does to them.
// A micro-frontend that is gone runs no more code through the cache: its code may be unloaded,
// its closures hold its own state, and a query it fetched last would otherwise run its function
// again whenever any app refetched or invalidated that key (a hostile app could call it on demand).
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
/// have a query function: setQueryDefaults), else none to fetch with.
OptionsPtr replacement(ClientCore& c, const Query& q, const Value& key) {
  if (q.observer_count() > 0) return q.cold->observers.front()->options();
  return c.resolve(nullptr, key);
}

/// The options of an observer of `q` with a query function, for the fetch under way; null if none.
const OptionsPtr* fetching_observer(const Query& q) {
  if (!q.cold) return nullptr;
  for (const ObserverImpl* o : q.cold->observers) {
    if (o->options()->o.fetcher) return &o->options();
  }
  return nullptr;
}

/// The query of `x`'s key, and its fetch under way, stop running `x` (an ended app's options).
void end_options_of(ClientCore& c, const OptionsPtr& x) {
  // Options are resolved for one key and only ever set on the query of that key.
  Query* q = c.find(x->o.key);
  if (q == nullptr) return;  // gone, or removed: a removed query fetches only with an observer's
  if (q->options() == x.get()) c.set_options(*q, replacement(c, *q, x->o.key));
  if (!q->fetching() || q->cold->fetch->options != x) return;
  QueryFetch& f = *q->cold->fetch;
  if (const OptionsPtr* next = fetching_observer(*q)) {
    // The attempt under way goes on (its answer is the query's); the next one, and the decision
    // to retry, are the observer's (query-core's fetch takes an observer's options).
    f.options = *next;
    if (q->infinite()) repoint_pager(f);
  } else {
    // No one left to fetch with: ended as a cancel ends it, the state reverted.
    cancel_fetch(c, *q, CancelOptions{});
  }
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
  for (const OptionsPtr& x : ended) {
    // One query's failure (an observer's initial data function that throws) is reported; the
    // others are still ended.
    try {
      end_options_of(*c, x);
    } catch (...) {
      c->report_current_exception();
    }
  }
}

}  // namespace mfstate::detail
