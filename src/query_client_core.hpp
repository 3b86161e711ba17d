// Internal: the client behind QueryClient and every app's AppQueryClient, in named parts —
// QueryCacheCore (the entries, their index, gc and the size bound, query_cache.cpp),
// MutationCacheCore (mutation_impl.hpp), QueryDefaults (query_options.cpp), the network and
// focus state, and the scopes (the shell's and each app's) that hand out access to it.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "mfstate/key.hpp"
#include "mfstate/query.hpp"
#include "mutation_impl.hpp"
#include "query_entry.hpp"
#include "query_gc_list.hpp"
#include "query_index.hpp"
#include "query_listeners.hpp"
#include "query_observer_impl.hpp"
#include "query_pool.hpp"

namespace mfstate::detail {

/// The queries: the key index, the pooled entries, garbage collection, the size bound, events.
struct QueryCacheCore {
  CacheIndex index;
  Pool<Query> pool;
  std::size_t entries = 0;
  std::size_t data_bytes = 0;
  /// gc: one circular list per distinct gc_time (a sentinel each), oldest first, with time marks
  /// (query_gc_list.hpp); one timer.
  struct GcList {
    Millis gc_time{0};
    GcLink head;
    GcMark* last_mark = nullptr;  // the list's last mark (null when it has none)
  };
  std::map<std::int64_t, GcList> gc_lists;
  /// The list the last entry joined (most entries share one gc_time: no map lookup for them).
  /// Null whenever a list is erased, so it never outlives the list.
  GcList* recent_gc_list = nullptr;
  Pool<GcMark> gc_marks;
  TimerId gc_timer = 0;
  Millis gc_timer_at{0};
  /// Entries that left the index during an operation; freed when the outermost one ends, so
  /// pointers collected by a filter stay valid while it runs.
  std::vector<Query*> graveyard;
  /// The entries with a fetch in flight, in a circular list through their gc links: those are free
  /// while an entry fetches (gc_link skips a fetching entry, fetch_for unlinks it first), and
  /// joining or leaving the list is a few stores where a hash set hashed and probed each time.
  GcLink in_flight{&in_flight, &in_flight};
  std::size_t in_flight_count = 0;
  void in_flight_add(Query& q) noexcept {
    q.gc_prev = in_flight.gc_prev;
    q.gc_next = &in_flight;
    in_flight.gc_prev->gc_next = &q;
    in_flight.gc_prev = &q;
    ++in_flight_count;
  }
  void in_flight_remove(Query& q) noexcept {
    q.gc_prev->gc_next = q.gc_next;
    q.gc_next->gc_prev = q.gc_prev;
    q.gc_prev = q.gc_next = nullptr;
    --in_flight_count;
  }
  /// Calls fn(Query&) for each entry in flight; fn must not start or end a fetch.
  template <typename F>
  void for_each_in_flight(F&& fn) {
    for (GcLink* l = in_flight.gc_next; l != &in_flight; l = l->gc_next) fn(*static_cast<Query*>(l));
  }
  /// Every live observer (mounted or not): ended when the client goes away.
  boost::unordered_flat_set<ObserverImpl*> observers;
  std::size_t mounted_observers = 0;
  ListenerList<const QueryCacheEvent&> listeners;
};

/// set_query_defaults / set_mutation_defaults, and options resolved against them.
struct QueryDefaults {
  std::vector<std::pair<Value, QueryOptions>> queries;
  std::vector<std::pair<Value, MutationOptions>> mutations;
  OptionsPtr plain;  // the options of a key no registration matches
};

/// Who holds access: the shell (root) or one app. An app's scope ends with its AppQueryClient:
/// its observers end and its pending mutations are cancelled.
struct QueryScope {
  ClientCore* core = nullptr;  // null once the client is gone
  bool app = false;
  bool ended = false;
  boost::unordered_flat_set<ObserverImpl*> observers;
  boost::unordered_flat_set<MutationObserverImpl*> mutation_observers;
  boost::unordered_flat_set<MutationImpl*> mutations;
  /// An app's options with functions in them (the shell's are never listed: it ends with the client).
  OwnedOptions owned_options;
  OwnedOptions* options_owner() noexcept { return app ? &owned_options : nullptr; }
  /// The live client. Throws Error(app_unmounted) once ended or gone. Inline: every call of a
  /// client's handle asks.
  ClientCore& live() const {
    if (core == nullptr || ended) [[unlikely]] throw_ended();
    return *core;
  }
  [[noreturn]] void throw_ended() const;
  /// Ends an app's scope (its handle was destroyed).
  void end() noexcept;
  /// Its options, if any are left (end() unlisted them), no longer name it.
  ~QueryScope();
};

/// An app ended (query_owner.cpp): no query or fetch of `c` runs the functions of the options in
/// `owned` any more. A query's options become a remaining observer's, else the shell's defaults
/// for its key; a fetch under way goes on with an observer's options that have a query function,
/// else it is cancelled (reverted). Leaves `owned` empty; the options still held name no owner.
/// `c` null (the client is gone): only the list is emptied.
void end_owned_options(ClientCore* c, OwnedOptions& owned);

struct ClientCore {
  ClientCore(Runtime& rt, QueryClientOptions o);
  ~ClientCore();
  ClientCore(const ClientCore&) = delete;
  ClientCore& operator=(const ClientCore&) = delete;

  Runtime& runtime;
  QueryClientOptions options;
  bool online;
  bool focused;
  std::shared_ptr<Inbox> inbox = std::make_shared<Inbox>();
  QueryDefaults defaults;
  QueryCacheCore queries;
  MutationCacheCore mutations;
  std::vector<std::weak_ptr<Retryer>> paused;  // paused query retryers
  std::shared_ptr<QueryScope> root;
  boost::unordered_flat_set<QueryScope*> app_scopes;
  int op_depth = 0;
  bool doomed = false;  // its QueryClient was destroyed inside an operation: freed when it ends

  Millis now() const { return runtime.now(); }
  Batcher& batcher() { return runtime.batcher(); }
  bool can_fetch(NetworkMode m) const noexcept { return m != NetworkMode::online || online; }

  /// RAII: one operation's batch. When the outermost one ends, frees the graveyard, and the
  /// client itself if its QueryClient was destroyed meanwhile.
  class Op {
   public:
    explicit Op(ClientCore& c);
    ~Op() noexcept(false);
    Op(const Op&) = delete;
    Op& operator=(const Op&) = delete;

   private:
    ClientCore* c_;
    Batcher::Scope scope_;
  };
  /// Destroys `c` now, or when its running operation ends.
  static void destroy(std::unique_ptr<ClientCore> c) noexcept;

  // ---- options (query_options.cpp) ----
  /// The options of `key`: TanStack's defaults, then the client's, then every matching
  /// set_query_defaults registration, then `o`. fetch_query-style calls default retry to 0.
  /// `owner`: the app whose call gave `o` (its functions), null for the shell's.
  OptionsPtr resolve(const QueryOptions* o, const Value& key, bool no_retry_default = false,
                     const QueryOptions* over_defaults = nullptr, OwnedOptions* owner = nullptr);
  MutationOptions resolve(const MutationOptions& o, const MutationOptions* over_defaults = nullptr) const;
  QueryOptions query_defaults_of(const Value& key) const;
  MutationOptions mutation_defaults_of(const Value& key) const;

  // ---- entries (query_cache.cpp) ----
  Query* find(const Value& key) const;
  /// The same for canonical bytes: without the key's Value unless the index cannot probe one of
  /// its elements as bytes (CacheIndex::find).
  Query* find(const FlatKey& key) const;
  /// The entry of `key`, made when there is none (`*created` says which). A new entry is put on
  /// its gc list at a clock reading, given in `*linked_at`.
  /// `state`: a new entry's state (hydrate), written before `added` is told, in place of initial data.
  Query* build(const Value& key, const OptionsPtr& opts, bool* created = nullptr, Millis* linked_at = nullptr,
               const QueryState* state = nullptr);
  void set_options(Query& q, const OptionsPtr& opts);
  void remove(Query& q);
  void free_query(Query* q) noexcept;
  Value key_of(const Query& q) const;
  /// Appends the entries `f` matches, in the walk's order (QueryFilters{}: every entry).
  void collect(const QueryFilters& f, std::vector<Query*>& out) const;
  /// Calls visit(Query*) for each entry `f`'s key matches (every entry when it has none), in
  /// collect()'s order, as the index's walk reaches it; the other filters are not applied.
  /// `visit` must leave the index as it is. Needs query_index_walk.hpp where it is used.
  template <typename Visit>
  void for_each_key_match(const QueryFilters& f, Visit&& visit) const {
    if (!f.key) {
      queries.index.for_each_entry(visit);
      return;
    }
    check_key(*f.key);
    queries.index.for_each_match(*f.key, f.exact.value_or(false), visit);
  }
  /// Whether `f` selects by key alone (or selects every entry): no type, stale, fetch status or
  /// predicate, so matching runs no code of the user's and collect() keeps the index's matches.
  static bool by_key_alone(const QueryFilters& f) noexcept {
    return f.type == QueryType::all && !f.stale && !f.fetch_status && !f.predicate;
  }
  bool matches_rest(const QueryFilters& f, Query& q) const;
  void clear_queries();
  /// Whether an entry build() made is still nobody's but its maker's: not removed, no observer,
  /// no fetch. An app's function that ran meanwhile (initial data, structural sharing) may have
  /// reached it by its key; then it is theirs, and a failure after it keeps it.
  static bool only_built(const Query& q) noexcept {
    return !q.removed() && q.observer_count() == 0 && !q.fetching();
  }
  /// Takes back an entry build() made that is only_built when what follows its link fails: out of
  /// its gc list, the index (build kept reserve_node()'s node before attaching one to a node) and
  /// the count, and back to the pool. No allocation.
  void unbuild(Query& q) noexcept;
  /// Tells the cache's listeners (none: nothing to build; inline, as every new entry tells).
  void emit(QueryCacheEvent::Type type, const Query& q, std::string_view action = {}) {
    if (!queries.listeners.empty()) emit_to_listeners(type, q, action);
  }
  void emit_to_listeners(QueryCacheEvent::Type type, const Query& q, std::string_view action);

  // observers
  void add_observer(Query& q, ObserverImpl* o);
  void remove_observer(Query& q, ObserverImpl* o);

  // gc and eviction
  void gc_link(Query& q);
  /// gc_link of an entry known to be collectable and on no list, as of `at`.
  void gc_append(Query& q, Millis at);
  /// The gc list of `gc_time`, made when there is none (dropping emptied lists first when there
  /// are many). Throws bad_alloc, leaving the lists' entries as they were.
  QueryCacheCore::GcList& gc_list_of(Millis gc_time);
  void gc_unlink(Query& q) noexcept;
  void gc_touch(Query& q);
  void gc_sweep();
  /// Unlinks mark `m` (from a list it is not the only mark of, or one that goes) and frees it.
  void gc_free_mark(GcMark* m) noexcept;
  void gc_schedule(Millis at);
  /// Removes the oldest collectable entries (never `keep`) while the cache is over max_entries or
  /// max_bytes. Inline: most clients set neither, and every new entry asks.
  void evict_if_needed(Query* keep) {
    if (options.max_entries != 0 || options.max_bytes != 0) evict_over_bounds(keep);
  }
  void evict_over_bounds(Query* keep);

  // fetch results (query.cpp)
  /// `f` settled with `o`; its caller holds a reference to `f` until this returns.
  void on_fetch_settled(Query& q, QueryFetch& f, Outcome&& o);

  // host signals (query_client.cpp)
  void add_paused(const std::shared_ptr<Retryer>& r);
  void resume_paused();
  /// query-core's QueryCache.onFocus / onOnline: per query, the first observer that wants to
  /// refetch refetches, then its paused retries continue.
  void on_focus_or_online(bool focus);

  /// Errors no caller can receive (a throwing callback): the one place they are reported.
  void report(const Error& e) noexcept;
  void report_current_exception() noexcept;
};

}  // namespace mfstate::detail
