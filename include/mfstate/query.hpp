// mfstate::QueryClient — the shared server-state cache, with TanStack Query v5's semantics
// (`@tanstack/query-core` 5) and a cache indexed by key prefix.
//
// One QueryClient is shared by every app of a host. Entries are identified by query keys (array
// Values, see key.hpp). A fetcher fills an entry; concurrent fetches of one key share one request;
// stale entries refetch when observed, focused or reconnected; invalidation marks entries stale and
// refetches the active ones; unobserved entries are garbage-collected `gc_time` after they were
// last used. Observers are told when what they see changes, through the runtime's Batcher — the
// one notification point — so one operation notifies each observer at most once.
//
// Two capabilities:
// - AppQueryClient: what one app (a component, in TanStack's words) may do on the shared cache —
//   read, write, fetch, invalidate, refetch, observe, mutate, cancel or remove under a key prefix.
//   Its observers and mutations end when it does (its app unmounts).
// - QueryClient: the shell's, an AppQueryClient plus the switches that act on every app at once:
//   connectivity and focus, clearing the cache, query and mutation defaults, dehydrate / hydrate,
//   resuming paused mutations, the runtime.
//
// Differences from query-core, and why, are in docs/query.md. In short: no global focus/online
// managers (the shell calls set_focused / set_online); time is the runtime's clock; filters cost
// what they match (a trie over key elements), not what is cached; results are snapshots, never
// live objects.
//
// Threading: every call happens on the runtime's thread. A fetcher may complete on any thread
// through its `Completion`, which posts the result to the runtime's Executor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "mfstate/error.hpp"
#include "mfstate/future.hpp"
#include "mfstate/hydration.hpp"
#include "mfstate/mutation.hpp"
#include "mfstate/query_observer.hpp"
#include "mfstate/query_options.hpp"
#include "mfstate/runtime.hpp"
#include "mfstate/value.hpp"

namespace mfstate {

class FlatKey;  // key.hpp

namespace detail {
struct ClientCore;
struct QueryScope;
}  // namespace detail

/// Which queries a filter-taking call acts on (TanStack's QueryFilters).
enum class QueryType : std::uint8_t { all, active, inactive };

struct QueryFilters {
  std::optional<Value> key;         ///< partial match (prefix; objects by subset) unless exact
  std::optional<bool> exact;        ///< only the query whose key equals `key` (default false;
                                    ///< QueryCache::find: true)
  QueryType type = QueryType::all;  ///< active: has an enabled observer
  std::optional<bool> stale;        ///< only stale (true) or fresh (false) queries
  std::optional<FetchStatus> fetch_status;
  std::function<bool(const QueryInfo&)> predicate;
};

/// Which matched queries invalidate_queries refetches (TanStack's refetchType).
enum class RefetchType : std::uint8_t { active, inactive, all, none };

struct InvalidateOptions {
  RefetchType refetch_type = RefetchType::active;
  bool cancel_refetch = true;   ///< a refetch replaces a fetch in flight (when there is data)
  bool throw_on_error = false;  ///< the Future rejects with the first refetch error
};

struct CancelOptions {
  bool revert = true;   ///< restore the state from before the fetch
  bool silent = false;  ///< leave the state alone (no error, no revert)
};

/// Options of set_query_data.
struct SetDataOptions {
  std::optional<Millis> updated_at;  ///< default now
};

/// A change in the query cache, as query-core's QueryCache events (for devtools, logs and tests).
struct QueryCacheEvent {
  enum class Type : std::uint8_t {
    added,
    removed,
    updated,
    observer_added,
    observer_removed,
    observer_results_updated,
    observer_options_updated,
  };
  Type type;
  Value key;
  /// For `updated`: the transition ("fetch", "success", "error", "failed", "pause", "continue",
  /// "invalidate", "setState"), as query-core's action types.
  std::string_view action;
};

/// Callbacks for every query of a client (TanStack's QueryCache config): after each fetch that
/// succeeded or failed (not after a cancellation). What they throw is reported, never rethrown.
struct QueryCacheConfig {
  std::function<void(const Value& data, const QueryInfo& query)> on_success;
  std::function<void(const Error& error, const QueryInfo& query)> on_error;
  /// data is null on failure, error null on success.
  std::function<void(const Value& data, const Error* error, const QueryInfo& query)> on_settled;
};

/// Counters for benchmarks and diagnostics.
struct QueryCacheStats {
  std::size_t entries = 0;
  std::size_t trie_nodes = 0;
  std::size_t observers = 0;
  std::size_t fetching = 0;
  std::size_t mutations = 0;
  std::size_t mutation_scopes = 0;  ///< scope lines with a mutation in them (each app's are its own)
};

/// The shell's configuration of a client: defaults, the memory bound (only unobserved entries are
/// evicted, least recently used first), cache-level callbacks.
struct QueryClientOptions {
  QueryOptions defaults;              ///< client-wide defaults for every query (key ignored)
  MutationOptions mutation_defaults;  ///< client-wide defaults for every mutation
  std::size_t max_entries = 0;        ///< 0: unbounded
  std::size_t max_bytes = 0;          ///< approximate bytes of cached data; 0: unbounded
  bool online = true;                 ///< initial connectivity
  bool focused = true;                ///< initial focus
  QueryCacheConfig query_cache;
  MutationCacheConfig mutation_cache;
  DehydrateOptions dehydrate;  ///< defaults of dehydrate()
  HydrateOptions hydrate;      ///< defaults of hydrate()
  /// Receives errors no caller can receive (a throwing mutation or cache callback). Null: a host's
  /// client reports them to the host's error sink (HostOptions::on_error); a client of its own
  /// writes them to stderr.
  std::function<void(const Error&)> on_error;
};

/// set_query_data's functional form: new data from the old (nullopt: leave the query alone).
using QueryUpdater = std::function<std::optional<Value>(const std::optional<Value>&)>;

/// The queries of a client, read-only (TanStack's QueryCache): find, find_all, subscribe.
/// Snapshots are returned, never the live entries. A handle: copying it is O(1).
class QueryCache {
 public:
  /// The first query the filters match, the key compared exactly (query-core's find defaults to
  /// exact), if any. Allocates the snapshot.
  std::optional<QueryInfo> find(const QueryFilters& filters) const;
  /// Every matched query, in key order of the index. Allocates.
  std::vector<QueryInfo> find_all(const QueryFilters& filters = {}) const;
  /// Calls `listener` (through the Batcher, in order) for every cache event until the
  /// Subscription ends. Costs nothing while no one listens; each event allocates its key then.
  Subscription subscribe(std::function<void(const QueryCacheEvent&)> listener) const;

 private:
  friend class AppQueryClient;
  explicit QueryCache(std::shared_ptr<detail::QueryScope> scope) : scope_(std::move(scope)) {}
  std::shared_ptr<detail::QueryScope> scope_;
};

/// The mutations of a client, read-only (TanStack's MutationCache). Through an app's handle it
/// holds only that app's own mutations: variables are an app's private business.
class MutationCache {
 public:
  /// The first mutation the filters match (mutation_key exact unless exact is false). Allocates.
  std::optional<MutationInfo> find(const MutationFilters& filters) const;
  /// Every matched mutation, oldest first. Allocates.
  std::vector<MutationInfo> find_all(const MutationFilters& filters = {}) const;
  /// Calls `listener` for every mutation cache event (of this handle's mutations).
  Subscription subscribe(std::function<void(const MutationCacheEvent&)> listener) const;

 private:
  friend class AppQueryClient;
  explicit MutationCache(std::shared_ptr<detail::QueryScope> scope) : scope_(std::move(scope)) {}
  std::shared_ptr<detail::QueryScope> scope_;
};

/// What one app may do on the shared query cache (TanStack's QueryClient as a component uses it).
/// Move-only. Destroying an app's handle (its app unmounting) ends the observers and cancels the
/// pending mutations made through it; calls on an ended handle throw Error(app_unmounted).
/// Calls that would stop or wipe every app's queries at once are refused on an app's handle:
/// cancel_queries, remove_queries and reset_queries need a non-empty key prefix
/// (Error(invalid_argument) otherwise). Every call happens on the runtime's thread.
class AppQueryClient {
 public:
  AppQueryClient(AppQueryClient&&) noexcept;
  AppQueryClient& operator=(AppQueryClient&&) noexcept;
  AppQueryClient(const AppQueryClient&) = delete;
  AppQueryClient& operator=(const AppQueryClient&) = delete;
  ~AppQueryClient();

  // ---- reading and writing data ----

  /// The cached data of the query whose key equals `key`, if any. No allocation; O(key depth).
  /// Throws Error(invalid_key) when `key` is not an array.
  std::optional<Value> get_query_data(const Value& key) const;
  /// The state of the query whose key equals `key`, if any. Allocates only for errors.
  std::optional<QueryState> get_query_state(const Value& key) const;
  /// Sets the data of `key` (creating the query), as a successful fetch would, without ending a
  /// fetch in flight. Structural sharing: parts equal to the old data keep the old nodes, and an
  /// equal value notifies no observer. Returns the data now cached. O(key depth + data size).
  Value set_query_data(const Value& key, Value data, SetDataOptions options = {});
  /// The same three calls for a key given as canonical bytes (a FlatKey, written with KeyBuilder
  /// where the key is made): the same results, notifications and errors as with the key's Value.
  /// An existing entry is found without the key's Value (each trie level probed by the hash
  /// its element's Value would have, the hit confirmed against the element, nothing allocated);
  /// only set_query_data of a new key builds the Value, once, for the entry.
  std::optional<Value> get_query_data(const FlatKey& key) const;
  std::optional<QueryState> get_query_state(const FlatKey& key) const;
  Value set_query_data(const FlatKey& key, Value data, SetDataOptions options = {});
  /// As set_query_data with `updater(old data)`; an updater returning nullopt changes nothing
  /// (and creates no query).
  std::optional<Value> update_query_data(const Value& key, const QueryUpdater& updater,
                                         SetDataOptions options = {});
  /// set_query_data with an updater (TanStack's functional form): see update_query_data.
  template <typename F>
    requires std::is_invocable_r_v < std::optional<Value>, F,
  const std::optional<Value>& >
      std::optional<Value> set_query_data(const Value& key, F&& updater, SetDataOptions options = {}) {
    return update_query_data(key, QueryUpdater(std::forward<F>(updater)), options);
  }
  /// The (key, data) of every matched query that has data. Allocates.
  std::vector<std::pair<Value, Value>> get_queries_data(const QueryFilters& filters) const;
  /// Applies `updater` to every matched query (see set_query_data). Returns the new (key, data).
  std::vector<std::pair<Value, Value>> set_queries_data(const QueryFilters& filters,
                                                        const QueryUpdater& updater,
                                                        SetDataOptions options = {});

  // ---- fetching ----

  /// Fetches `options.key` unless its data is fresh (by options' stale_time), sharing a fetch in
  /// flight. The Future settles with the data or the error. Does not retry unless told to.
  /// Throws Error(invalid_key) for a bad key; a missing fetcher fails the fetch (the query ends
  /// in error, as query-core's "Missing queryFn").
  Future fetch_query(const QueryOptions& options);
  /// fetch_query whose Future always succeeds with null (errors are dropped, as query-core).
  Future prefetch_query(const QueryOptions& options);
  /// The cached data if any, initial data included (refetching in the background when
  /// `revalidate_if_stale` and stale), else fetch_query.
  Future ensure_query_data(const QueryOptions& options, bool revalidate_if_stale = false);
  /// fetch_query for an infinite query: fetches `options.pages` pages (1 by default) from
  /// initial_page_param on; settles with {"pages", "pageParams"}.
  Future fetch_infinite_query(const QueryOptions& options);
  Future prefetch_infinite_query(const QueryOptions& options);
  Future ensure_infinite_query_data(const QueryOptions& options, bool revalidate_if_stale = false);

  // ---- by filter (cost: what the key filter matches, see the cache index) ----

  /// Marks matched queries invalidated (stale) and refetches those of `refetch_type`. The Future
  /// settles when those refetches have settled; when none starts it is settled already (with null:
  /// one state shared by every such call, so nothing is allocated). Notifies each affected
  /// observer once.
  Future invalidate_queries(const QueryFilters& filters, InvalidateOptions options = {});
  /// Refetches matched queries that are neither disabled nor static. The Future settles when all
  /// have (at once for those paused offline; settled already when none starts).
  Future refetch_queries(const QueryFilters& filters, RefetchOptions options = {});
  /// Cancels matched fetches in flight: their fetchers' signals abort, and their state reverts
  /// (default) to what it was before the fetch.
  void cancel_queries(const QueryFilters& filters, CancelOptions options = {});
  /// Removes matched queries from the cache (observers keep what they saw and rebuild the query on
  /// their next fetch).
  void remove_queries(const QueryFilters& filters);
  /// Resets matched queries to their initial state and refetches the active ones.
  Future reset_queries(const QueryFilters& filters, RefetchOptions options = {});
  /// Puts the query at `key` back to its initial state (its initial data, or none and pending)
  /// without cancelling its fetch in flight, which goes on and completes it: a streamed query's
  /// refetch that starts again from nothing (TanStack's streamedQuery, refetchMode "reset").
  /// Returns false (and does nothing) when no query has that key.
  bool reset_query_state(const Value& key);
  /// How many matched queries are fetching now.
  std::size_t is_fetching(const QueryFilters& filters = {}) const;
  /// How many matched mutations (of every app) are pending now.
  std::size_t is_mutating(const MutationFilters& filters = {}) const;

  // ---- defaults (read) ----

  /// The defaults set_query_defaults registered for keys `key` partially matches, merged in
  /// registration order. Allocates.
  QueryOptions get_query_defaults(const Value& key) const;
  /// The same for mutation keys.
  MutationOptions get_mutation_defaults(const Value& key) const;

  // ---- observers and mutations ----

  /// Observes `options.key` (a QueryObserver subscribed with `listener`): fetches on subscribe when
  /// enabled and stale, and calls `listener` with the current result now (through the Batcher)
  /// and whenever it changes. The Subscription ends the observation.
  Subscription observe(QueryOptions options, QueryListener listener);
  /// Runs a mutation with `variables` (TanStack's executeMutation). Mutations sharing a scope run
  /// one at a time, in order.
  Future mutate(const MutationOptions& options, Value variables);

  /// The queries (read-only, see QueryCache).
  QueryCache query_cache() const;
  /// The mutations (read-only; only this handle's own unless it is the shell's QueryClient).
  MutationCache mutation_cache() const;

  bool is_focused() const;
  bool is_online() const;

  /// Ends an app's handle now, as destroying it would: its observers end, its pending mutations
  /// are cancelled, and later calls throw Error(app_unmounted). Unmounting an app does this.
  /// Does nothing on the shell's QueryClient (it ends when destroyed). Idempotent.
  void end() noexcept;

 protected:
  friend class QueryClient;
  friend class QueryObserver;
  friend class MutationObserver;
  friend class QueryCache;
  friend class MutationCache;
  explicit AppQueryClient(std::shared_ptr<detail::QueryScope> scope) noexcept;
  /// The live core. Throws Error(app_unmounted) once the handle ended or its client is gone.
  detail::ClientCore& core() const;
  std::shared_ptr<detail::QueryScope> scope_;
};

/// The shared query cache as the shell holds it: every app's power, plus the switches that act on
/// every app at once. Move-only; must not outlive its Runtime. Destroying it cancels every fetch
/// (completions arriving later are dropped, even from other threads), settles their Futures with
/// Error(cancelled), and ends every observer. Destroying it from inside one of its own callbacks
/// (a fetcher, a listener) is safe: the teardown waits for the running operation to end.
class QueryClient : public AppQueryClient {
 public:
  /// A client on `runtime` (its clock, scheduler, executor and batcher). Allocates.
  explicit QueryClient(Runtime& runtime, QueryClientOptions options = {});
  ~QueryClient();
  QueryClient(QueryClient&&) noexcept;
  QueryClient& operator=(QueryClient&&) noexcept;

  /// A handle for one app: its observers and mutations end when the handle is destroyed. Allocates.
  AppQueryClient make_app_client();

  // ---- the switches ----

  /// The page's focus changed. Regaining it resumes paused mutations, then refetches stale
  /// observed queries (refetch_on_window_focus) and resumes paused retries.
  void set_focused(bool focused);
  /// Connectivity changed. Regaining it resumes paused mutations, then resumes paused fetches and
  /// refetches stale observed queries (refetch_on_reconnect).
  void set_online(bool online);
  /// Removes every query (cancelling their fetches) and every mutation from the caches.
  void clear();
  /// Replaces the client-wide defaults of every query (QueryClientOptions::defaults; TanStack's
  /// setDefaultOptions' `queries`). Options resolved before keep what they took. Allocates.
  void set_default_query_options(QueryOptions defaults);
  /// Defaults for queries whose key partially matches `key` (a later registration of the same key
  /// replaces it). Allocates.
  void set_query_defaults(const Value& key, QueryOptions defaults);
  /// Defaults for mutations whose mutation key partially matches `key`.
  void set_mutation_defaults(const Value& key, MutationOptions defaults);
  /// Continues every paused mutation (online); the Future settles when they have.
  Future resume_paused_mutations();

  // ---- persistence ----

  /// The caches as plain structs (DehydratedState::to_value for JSON). Allocates.
  DehydratedState dehydrate(const DehydrateOptions& options) const;
  DehydratedState dehydrate() const;
  /// Adds dehydrated queries and mutations: a query already cached takes the dehydrated state only
  /// when it is newer. Mutations are added as they were (paused ones resume with
  /// resume_paused_mutations or when connectivity returns).
  void hydrate(const DehydratedState& state, const HydrateOptions& options);
  void hydrate(const DehydratedState& state);
  /// hydrate(DehydratedState::from_value(dehydrated)): throws Error(invalid_argument) naming the
  /// bad field, before changing anything.
  void hydrate(const Value& dehydrated);
  void hydrate(const Value& dehydrated, const HydrateOptions& options);

  /// Counters (entries, trie nodes, observers, fetches, mutations). O(1).
  QueryCacheStats stats() const noexcept;
  Runtime& runtime() const noexcept;

 private:
  explicit QueryClient(std::unique_ptr<detail::ClientCore> core);
  std::unique_ptr<detail::ClientCore> owned_;
};

}  // namespace mfstate
