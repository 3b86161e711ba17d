// mfstate::QueryClient — the shared server-state cache, with TanStack Query v5's semantics
// (`@tanstack/query-core` 5) and a cache indexed by key prefix.
//
// One QueryClient is shared by every app of a host. Entries are identified by query keys (array
// Values, see key.hpp). A fetcher fills an entry; concurrent fetches of one key share one request;
// stale entries refetch when observed, focused or reconnected; invalidation marks entries stale and
// refetches the active ones; unobserved entries are garbage-collected `gc_time` after they were
// last used. Observers (`observe`) are told when what they see changes, through the runtime's
// Batcher — the one notification point — so one operation notifies each observer at most once.
//
// Differences from query-core, and why, are in docs/query.md. In short: there are no global
// focus/online managers (the host calls `set_focused` / `set_online`); time is the runtime's clock;
// filters cost what they match (a trie over key elements), not what is cached.
//
// Threading: every call happens on the runtime's thread. A fetcher may complete on any thread
// through its `Completion`, which posts the result to the runtime's Executor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "mfstate/error.hpp"
#include "mfstate/runtime.hpp"
#include "mfstate/value.hpp"

namespace mfstate {

class QueryClient;

namespace detail {
struct FutureState;
struct AbortState;
struct CompletionState;
struct ClientCore;
}  // namespace detail

/// A duration that never elapses (TanStack's `Infinity` for stale_time and gc_time).
inline constexpr Millis never_expires{std::numeric_limits<std::int64_t>::max() / 4};

// ---------------------------------------------------------------------------------------------
// Async results

/// The settled outcome of a fetch or mutation: a value, or an error with optional detail (for an
/// HTTP error: {"status": 404, "body": "..."}).
struct Outcome {
  bool ok = true;
  Value value;
  std::optional<Error> error;
  Value detail;
};

/// The result of an asynchronous operation in a single-threaded runtime: a shared handle that
/// settles once, with a value or an error. Callbacks registered before it settles run (through the
/// runtime's Batcher) when it settles; registered after, they run at once. Copying shares the
/// same result. There is no blocking wait: drive the runtime (`run_until_idle`, `advance`) and
/// test `ready()`, or chain callbacks.
class Future {
 public:
  /// A pending future; only the library settles futures. Allocates.
  Future() = default;
  /// True once settled (with a value or an error). O(1).
  bool ready() const noexcept;
  /// True when settled with a value. O(1).
  bool ok() const noexcept;
  /// The value. Throws the error when it failed, Error(invalid_argument) while pending.
  const Value& value() const;
  /// The error, or nullptr while pending or when it succeeded. O(1).
  const Error* error() const noexcept;
  /// The error's detail (null when none or when it succeeded). O(1).
  const Value& error_detail() const noexcept;
  /// Calls `fn` with the outcome once settled (now when already settled). Allocates.
  const Future& on_settled(std::function<void(const Outcome&)> fn) const;
  /// Calls `on_value` or `on_error` once settled (now when already settled). Allocates.
  const Future& then(std::function<void(const Value&)> on_value,
                     std::function<void(const Error&)> on_error = {}) const;

  /// Internal: a future bound to the runtime's Batcher.
  explicit Future(std::shared_ptr<detail::FutureState> state) : state_(std::move(state)) {}
  const std::shared_ptr<detail::FutureState>& state() const noexcept { return state_; }

 private:
  std::shared_ptr<detail::FutureState> state_;
};

/// Cancellation as a fetcher sees it: poll `aborted()` or register `on_abort`. Thread-safe.
class AbortSignal {
 public:
  AbortSignal() = default;
  /// True once the fetch was cancelled. Thread-safe, lock-free.
  bool aborted() const noexcept;
  /// Calls `fn` once on abort (now, on this thread, when already aborted); otherwise on the
  /// thread that aborts (the runtime's). Thread-safe. Allocates.
  void on_abort(std::function<void()> fn) const;

  /// Internal.
  explicit AbortSignal(std::shared_ptr<detail::AbortState> s) : state_(std::move(s)) {}

 private:
  std::shared_ptr<detail::AbortState> state_;
};

/// How a fetcher (or a mutation function) completes: call `resolve` or `reject` exactly once,
/// from any thread. The first call wins; later ones are ignored. A call made before the fetcher
/// returns completes the fetch as soon as it returns; a later one posts to the runtime's Executor.
/// Move-only in spirit; copies share the one completion.
class Completion {
 public:
  Completion() = default;
  /// Completes with data. Thread-safe. Returns false when already completed.
  bool resolve(Value data) const;
  /// Completes with an error (and optional detail such as an HTTP status). Thread-safe.
  bool reject(Error error, Value detail = {}) const;
  /// True once resolve or reject was called. Thread-safe.
  bool done() const noexcept;

  /// Internal.
  explicit Completion(std::shared_ptr<detail::CompletionState> s) : state_(std::move(s)) {}

 private:
  std::shared_ptr<detail::CompletionState> state_;
};

/// What a fetcher is told besides the key.
struct FetchContext {
  Value key;            ///< the query key
  AbortSignal signal;   ///< set when the fetch is cancelled
  Value meta;           ///< the query's `meta`
};

/// A fetcher: starts the request for `context.key` and completes `done` later, possibly on another
/// thread. Throwing from the call rejects the fetch with the thrown error.
using Fetcher = std::function<void(const FetchContext& context, Completion done)>;

/// A fetcher from a synchronous function (answers at once on the runtime's thread).
Fetcher sync_fetcher(std::function<Value(const Value& key)> fn);

/// Whether to retry after `failure_count` failures with `error` (overrides `retry` when set).
using RetryPredicate = std::function<bool(int failure_count, const Error& error)>;
/// The delay before the next attempt after `failure_count` failures (0-based, as query-core).
using RetryDelay = std::function<Millis(int failure_count, const Error& error)>;

// ---------------------------------------------------------------------------------------------
// State and options

enum class QueryStatus : std::uint8_t { pending, error, success };
enum class FetchStatus : std::uint8_t { fetching, paused, idle };
/// online: fetch only when online (pause otherwise); always: never pause; offline_first: the first
/// attempt always runs, retries pause while offline.
enum class NetworkMode : std::uint8_t { online, always, offline_first };
/// refetch_on_mount / on_window_focus / on_reconnect: never, when stale (TanStack `true`), always.
enum class RefetchOn : std::uint8_t { never, if_stale, always };

std::string_view to_string(QueryStatus s) noexcept;
std::string_view to_string(FetchStatus s) noexcept;

/// One entry's state, as query-core's `QueryState`.
struct QueryState {
  QueryStatus status = QueryStatus::pending;
  FetchStatus fetch_status = FetchStatus::idle;
  std::optional<Value> data;           ///< empty until the first success (or initial data)
  Millis data_updated_at{0};
  std::optional<Error> error;
  Value error_detail;
  Millis error_updated_at{0};
  int failure_count = 0;               ///< failures of the current (or last) fetch
  std::optional<Error> failure_reason;
  bool is_invalidated = false;
  std::uint32_t data_update_count = 0;
  std::uint32_t error_update_count = 0;
};

/// Options of a query (TanStack's QueryOptions and QueryObserverOptions in one struct). Unset
/// optionals take the defaults registered by set_query_defaults for a matching key, then the
/// client's defaults, then TanStack's. Fields marked (observer) matter only to observe().
struct QueryOptions {
  Value key;                                  ///< the query key (an array)
  Fetcher fetcher;                            ///< empty: the defaults' fetcher
  std::optional<Millis> stale_time;           ///< 0: stale at once
  std::optional<Millis> gc_time;              ///< 5 minutes
  std::optional<int> retry;                   ///< 3 (-1: forever)
  RetryPredicate retry_if;                    ///< overrides `retry` when set
  RetryDelay retry_delay;                     ///< min(1000 * 2^n, 30000) ms
  std::optional<NetworkMode> network_mode;    ///< online
  std::optional<Value> initial_data;          ///< data of a new entry (counts as fetched)
  std::optional<Millis> initial_data_updated_at;  ///< when initial_data was fetched (default now)
  std::optional<bool> structural_sharing;     ///< true: equal parts of new data keep old nodes
  Value meta;                                 ///< passed to the fetcher
  // (observer)
  std::optional<bool> enabled;                ///< true; false: never fetches by itself
  std::optional<Millis> refetch_interval;     ///< unset: no polling
  std::optional<bool> refetch_interval_in_background;  ///< false: no polling while unfocused
  std::optional<RefetchOn> refetch_on_mount;         ///< if_stale
  std::optional<RefetchOn> refetch_on_window_focus;  ///< if_stale
  std::optional<RefetchOn> refetch_on_reconnect;     ///< if_stale
  std::optional<bool> retry_on_mount;         ///< true: an entry in error refetches on mount
  std::optional<Value> placeholder_data;      ///< shown while pending; not cached
  std::function<Value(const Value&)> select;  ///< memoised: runs when the data node changes
};

/// Which queries a filter-taking call acts on (TanStack's QueryFilters).
enum class QueryType : std::uint8_t { all, active, inactive };

struct QueryFilters {
  std::optional<Value> key;          ///< partial match (prefix; objects by subset) unless exact
  bool exact = false;                ///< only the query whose key equals `key`
  QueryType type = QueryType::all;   ///< active: has an enabled observer
  std::optional<bool> stale;         ///< only stale (true) or fresh (false) queries
  std::optional<FetchStatus> fetch_status;
  std::function<bool(const Value& key, const QueryState& state)> predicate;
};

/// Which matched queries invalidate_queries refetches (TanStack's refetchType).
enum class RefetchType : std::uint8_t { active, inactive, all, none };

struct InvalidateOptions {
  RefetchType refetch_type = RefetchType::active;
  bool cancel_refetch = true;  ///< a refetch replaces a fetch in flight (when there is data)
};

struct RefetchOptions {
  bool cancel_refetch = true;
};

struct CancelOptions {
  bool revert = true;   ///< restore the state from before the fetch
  bool silent = false;  ///< leave the state alone (no error, no revert)
};

/// What an observer sees: the entry's state as its options present it (select, placeholder), with
/// the convenience flags derived here, never stored in the cache.
struct QueryResult {
  std::optional<Value> data;       ///< selected data (or placeholder data)
  QueryStatus status = QueryStatus::pending;
  FetchStatus fetch_status = FetchStatus::idle;
  std::optional<Error> error;
  Value error_detail;
  Millis data_updated_at{0};
  Millis error_updated_at{0};
  int failure_count = 0;
  std::optional<Error> failure_reason;
  bool is_stale = true;
  bool is_placeholder_data = false;
  bool is_fetched = false;               ///< the entry was ever fetched (data or error)
  bool is_fetched_after_mount = false;   ///< ... since this observer subscribed
  bool is_invalidated = false;
  bool is_enabled = true;

  bool is_pending() const noexcept { return status == QueryStatus::pending; }
  bool is_success() const noexcept { return status == QueryStatus::success; }
  bool is_error() const noexcept { return status == QueryStatus::error; }
  bool is_fetching() const noexcept { return fetch_status == FetchStatus::fetching; }
  bool is_paused() const noexcept { return fetch_status == FetchStatus::paused; }
  /// First load: pending and fetching.
  bool is_loading() const noexcept { return is_pending() && is_fetching(); }
  /// A background refetch: fetching with data already there.
  bool is_refetching() const noexcept { return is_fetching() && !is_pending(); }
  bool is_loading_error() const noexcept { return is_error() && !data.has_value(); }
  bool is_refetch_error() const noexcept { return is_error() && data.has_value(); }
};

/// Called with an observer's result when it changes (data, status, fetch status, error, stale,
/// placeholder, failure count).
using QueryListener = std::function<void(const QueryResult&)>;

/// How the client bounds its memory. Only unobserved entries are ever evicted, least recently
/// used (written, fetched or unobserved) first.
struct QueryClientOptions {
  QueryOptions defaults;            ///< client-wide defaults for every query (key ignored)
  std::size_t max_entries = 0;      ///< 0: unbounded
  std::size_t max_bytes = 0;        ///< approximate bytes of cached data; 0: unbounded
  bool online = true;               ///< initial connectivity
  bool focused = true;              ///< initial focus
};

/// Options of set_query_data.
struct SetDataOptions {
  std::optional<Millis> updated_at;  ///< default now
};

/// dehydrate's choice of what to write.
struct DehydrateOptions {
  /// Default: only successful queries (as query-core).
  std::function<bool(const Value& key, const QueryState& state)> should_dehydrate_query;
};

/// A change in the cache, as query-core's QueryCache events (for devtools, logs and tests).
struct QueryCacheEvent {
  enum class Type : std::uint8_t { added, removed, updated, observer_added, observer_removed };
  Type type;
  Value key;
  /// For `updated`: the transition ("fetch", "success", "error", "failed", "pause", "continue",
  /// "invalidate", "setState"), as query-core's action types.
  std::string_view action;
};

/// Counters for benchmarks and diagnostics.
struct QueryCacheStats {
  std::size_t entries = 0;
  std::size_t trie_nodes = 0;
  std::size_t observers = 0;
  std::size_t fetching = 0;
};

struct MutationOptions;
struct MutationFilters;

/// set_query_data's functional form: new data from the old (nullopt: leave the entry alone).
using QueryUpdater = std::function<std::optional<Value>(const std::optional<Value>&)>;

// ---------------------------------------------------------------------------------------------

/// The shared query cache. Move-only; must not outlive its Runtime. Destroying it cancels every
/// fetch (completions arriving later are dropped) and ends every observer.
class QueryClient {
 public:
  /// A client on `runtime` (its clock, scheduler, executor and batcher). Allocates.
  explicit QueryClient(Runtime& runtime, QueryClientOptions options = {});
  ~QueryClient();
  QueryClient(QueryClient&&) noexcept;
  QueryClient& operator=(QueryClient&&) noexcept;
  QueryClient(const QueryClient&) = delete;
  QueryClient& operator=(const QueryClient&) = delete;

  // ---- reading and writing data ----

  /// The cached data of the query whose key equals `key`, if any. No allocation; O(key depth).
  /// Throws Error(invalid_key) when `key` is not an array.
  std::optional<Value> get_query_data(const Value& key) const;
  /// The state of the query whose key equals `key`, if any. Allocates only for errors.
  std::optional<QueryState> get_query_state(const Value& key) const;
  /// Sets the data of `key` (creating the entry), as a successful fetch would. Structural sharing:
  /// parts equal to the old data keep the old nodes, and an equal value notifies no observer.
  /// Returns the data now cached. O(key depth + data size).
  Value set_query_data(const Value& key, Value data, SetDataOptions options = {});
  /// As set_query_data with `updater(old data)`; an updater returning nullopt changes nothing.
  std::optional<Value> update_query_data(const Value& key, const QueryUpdater& updater,
                                         SetDataOptions options = {});
  /// set_query_data with an updater (TanStack's functional form): see update_query_data.
  template <typename F>
    requires std::is_invocable_r_v<std::optional<Value>, F, const std::optional<Value>&>
  std::optional<Value> set_query_data(const Value& key, F&& updater, SetDataOptions options = {}) {
    return update_query_data(key, QueryUpdater(std::forward<F>(updater)), options);
  }
  /// The (key, data) of every query the filters match that has data. Allocates.
  std::vector<std::pair<Value, Value>> get_queries_data(const QueryFilters& filters) const;
  /// Applies `updater` to every matched query (see set_query_data). Returns the new (key, data).
  std::vector<std::pair<Value, Value>> set_queries_data(const QueryFilters& filters, const QueryUpdater& updater,
                                                        SetDataOptions options = {});

  // ---- fetching ----

  /// Fetches `options.key` unless its data is fresh (by options' stale_time), sharing a fetch in
  /// flight. The Future settles with the data or the error. Throws Error(invalid_key) for a bad
  /// key; a missing fetcher settles the Future with Error(invalid_argument) and changes nothing.
  Future fetch_query(const QueryOptions& options);
  /// fetch_query whose Future always succeeds with null (errors are dropped, as query-core).
  Future prefetch_query(const QueryOptions& options);
  /// The cached data if any (refetching in the background when `revalidate_if_stale` and stale),
  /// else fetch_query.
  Future ensure_query_data(const QueryOptions& options, bool revalidate_if_stale = false);

  // ---- by filter (cost: what the key filter matches, see the cache index) ----

  /// Marks matched queries invalidated (stale) and refetches those of `refetch_type`. The Future
  /// settles when those refetches have settled. Notifies each affected observer once.
  Future invalidate_queries(const QueryFilters& filters, InvalidateOptions options = {});
  /// Refetches matched queries that are not disabled. The Future settles when all have.
  Future refetch_queries(const QueryFilters& filters, RefetchOptions options = {});
  /// Cancels matched fetches in flight: their fetchers' signals abort, and their state reverts
  /// (default) to what it was before the fetch.
  void cancel_queries(const QueryFilters& filters, CancelOptions options = {});
  /// Removes matched queries from the cache (observers keep what they saw and rebuild the entry on
  /// their next fetch).
  void remove_queries(const QueryFilters& filters);
  /// Resets matched queries to their initial state and refetches the active ones.
  Future reset_queries(const QueryFilters& filters);
  /// How many matched queries are fetching now.
  std::size_t is_fetching(const QueryFilters& filters = {}) const;
  /// How many matched mutations are pending now.
  std::size_t is_mutating(const MutationFilters& filters) const;
  std::size_t is_mutating() const;

  // ---- defaults ----

  /// Defaults for queries whose key `key` partially matches (later registrations win). Allocates.
  void set_query_defaults(const Value& key, QueryOptions defaults);
  /// Defaults for mutations whose mutation key `key` partially matches.
  void set_mutation_defaults(const Value& key, MutationOptions defaults);

  // ---- observers ----

  /// Observes `options.key`: fetches on subscribe when enabled and stale (refetch_on_mount), and
  /// calls `listener` with the current result now (through the Batcher) and whenever it changes.
  /// The Subscription ends the observation (an App keeps its link to end it on unmount).
  Subscription observe(QueryOptions options, QueryListener listener);

  // ---- mutations (mutation.hpp) ----

  /// Runs a mutation with `variables`: on_mutate, the function with retries, then on_success or
  /// on_error and on_settled. Mutations sharing a scope run one at a time, in order.
  Future mutate(const MutationOptions& options, Value variables);

  // ---- host signals ----

  /// The host's focus changed. Regaining it refetches stale observed queries
  /// (refetch_on_window_focus) and resumes paused retries.
  void set_focused(bool focused);
  /// Connectivity changed. Regaining it resumes paused fetches and mutations and refetches stale
  /// observed queries (refetch_on_reconnect).
  void set_online(bool online);
  bool is_focused() const noexcept;
  bool is_online() const noexcept;

  // ---- persistence ----

  /// The cache as a Value: {"queries": [{"queryKey", "queryHash", "state": {...}}], "mutations": []}
  /// (query-core's shape). Allocates.
  Value dehydrate(const DehydrateOptions& options = {}) const;
  /// Adds dehydrated queries: a query already cached takes the dehydrated state only when its data
  /// is newer. Throws Error(invalid_argument) naming the bad field, before changing anything.
  void hydrate(const Value& dehydrated);

  /// Removes every query (cancelling their fetches). Mutations in flight continue.
  void clear();

  /// Counters (entries, trie nodes, observers, fetches). O(1).
  QueryCacheStats stats() const noexcept;
  /// Calls `listener` (through the Batcher, in order) for every cache event until the
  /// Subscription ends. Costs nothing while no one listens; each event allocates its key then.
  Subscription subscribe(std::function<void(const QueryCacheEvent&)> listener);
  Runtime& runtime() const noexcept;

 private:
  std::unique_ptr<detail::ClientCore> core_;
};

}  // namespace mfstate
