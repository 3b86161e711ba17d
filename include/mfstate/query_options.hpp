// The options of a query and the state of a query (TanStack Query v5's QueryOptions,
// QueryObserverOptions and QueryState, in this library's naming).
//
// Several options take either a value or a function of the query, as in TanStack: `Option<T, F>`
// holds nothing, a value, or a function, and designated initialisers accept any of them:
//   {.key = k, .stale_time = 30s}
//   {.key = k, .enabled = [&](const QueryInfo& q) { return signed_in; }}
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "mfstate/error.hpp"
#include "mfstate/future.hpp"
#include "mfstate/runtime.hpp"
#include "mfstate/value.hpp"

namespace mfstate {

/// A duration that never elapses (TanStack's `Infinity` for stale_time and gc_time).
inline constexpr Millis never_expires{std::numeric_limits<std::int64_t>::max() / 4};
/// stale_time "static" (TanStack's 'static'): the data is never stale, not even once invalidated,
/// and nothing refetches it by itself (invalidate, refetch_queries, mount, focus, reconnect).
inline constexpr Millis static_stale_time{std::numeric_limits<std::int64_t>::max() / 2};

enum class QueryStatus : std::uint8_t { pending, error, success };
enum class FetchStatus : std::uint8_t { fetching, paused, idle };
/// online: fetch only when online (pause otherwise); always: never pause; offline_first: the first
/// attempt always runs, retries pause while offline.
enum class NetworkMode : std::uint8_t { online, always, offline_first };
/// refetch_on_mount / on_window_focus / on_reconnect: never, when stale (TanStack `true`), always.
enum class RefetchOn : std::uint8_t { never, if_stale, always };
/// Which way an infinite query fetches a page (TanStack's fetchMeta.fetchMore.direction).
enum class FetchDirection : std::uint8_t { forward, backward };

std::string_view to_string(QueryStatus s) noexcept;
std::string_view to_string(FetchStatus s) noexcept;

/// One query's state, as query-core's `QueryState`.
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
  Value failure_reason_detail;         ///< the failure reason's detail, as error_detail is the error's
  bool is_invalidated = false;
  std::uint32_t data_update_count = 0;
  std::uint32_t error_update_count = 0;
  /// Set while (and after) an infinite query fetched one page in a direction (fetchMeta).
  std::optional<FetchDirection> fetch_direction;
};

/// A read-only snapshot of one query: what an option computed from the query receives, and what
/// QueryCache::find returns (TanStack hands out the live Query object instead).
struct QueryInfo {
  Value key;
  QueryState state;
  Value meta;                      ///< the query's meta (null when none)
  std::size_t observers = 0;       ///< how many observers are subscribed to it
  Millis gc_time{0};               ///< the longest gc_time it has seen
  bool infinite = false;           ///< an infinite query (TanStack's queryType 'infinite')
};

/// An option that is unset, a value, or a function computing the value. Converts implicitly from
/// a value (anything convertible to T) or a callable with the function's signature.
template <typename T, typename Signature>
class Option;

template <typename T, typename R, typename... Args>
class Option<T, R(Args...)> {
 public:
  using value_type = T;
  using Function = std::function<R(Args...)>;

  /// Unset.
  Option() noexcept = default;
  Option(std::nullopt_t) noexcept {}
  /// A value.
  template <typename U>
    requires(!std::is_same_v<std::remove_cvref_t<U>, Option> && !std::is_invocable_v<U&, Args...> &&
             std::is_convertible_v<U &&, T>)
  Option(U&& value) : v_(std::in_place_index<1>, std::forward<U>(value)) {}
  /// A value from a braced list (`.notify_on_change_props = {ResultProp::data}`).
  template <typename E>
    requires std::is_constructible_v<T, std::initializer_list<E>>
  Option(std::initializer_list<E> list) : v_(std::in_place_index<1>, list) {}
  /// A function of the query (or of what the option's signature says).
  template <typename F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, Option> && std::is_invocable_r_v<R, F&, Args...>)
  Option(F&& fn) : v_(std::in_place_index<2>, Function(std::forward<F>(fn))) {}

  /// Whether a value or a function was given. O(1).
  bool has_value() const noexcept { return v_.index() != 0; }
  /// The value, or nullptr when unset or a function. O(1).
  const T* value_if() const noexcept { return std::get_if<1>(&v_); }
  /// The function, or nullptr when unset or a value. O(1).
  const Function* function_if() const noexcept { return std::get_if<2>(&v_); }

 private:
  std::variant<std::monostate, T, Function> v_;
};

/// An option decided after each failure (retry, retry_delay): a value, or a function of the
/// failure count, the error and its detail (what the fetcher gave Completion::reject beside the
/// error: a binding's handle on the very value its function threw). A function of the count and
/// the error alone (TanStack's `(failureCount, error)`) is taken too.
template <typename T, typename R>
class FailureOption : public Option<T, R(int failure_count, const Error& error, const Value& detail)> {
 public:
  using Base = Option<T, R(int failure_count, const Error& error, const Value& detail)>;
  using Base::Base;
  template <typename F>
    requires(std::is_invocable_r_v<R, F&, int, const Error&> &&
             !std::is_invocable_v<F&, int, const Error&, const Value&>)
  FailureOption(F fn)
      : Base([fn = std::move(fn)](int failure_count, const Error& error, const Value&) mutable -> R {
          return fn(failure_count, error);
        }) {}
};

/// `retry`: a number of retries (-1 or true: forever, false: none) or a predicate deciding after
/// each failure (TanStack's `boolean | number | (failureCount, error) => boolean`).
class Retry : public FailureOption<int, bool> {
 public:
  using FailureOption::FailureOption;
  /// true: retry forever; false: never.
  Retry(bool forever) : FailureOption(forever ? -1 : 0) {}
};

/// Fetchers.

/// What a fetcher is told besides the key.
struct FetchContext {
  Value key;            ///< the query key
  AbortSignal signal;   ///< set when the fetch is cancelled
  Value meta;           ///< the query's `meta`
  Value page_param;     ///< infinite queries: the page to fetch (TanStack's pageParam)
  FetchDirection direction = FetchDirection::forward;  ///< infinite queries: which way
};

/// TanStack's skipToken: `.fetcher = skip_token` disables the query (as `enabled: false`), and an
/// explicit fetch of it fails with "no fetcher".
struct SkipToken {};
inline constexpr SkipToken skip_token{};

namespace detail {
struct FetcherAccess;
}

/// A fetcher: starts the request for `context.key` and completes `done` later, possibly on another
/// thread. Throwing from the call rejects the fetch with the thrown error. Empty (no function)
/// means "the defaults' fetcher"; skip_token means "do not fetch".
class Fetcher {
 public:
  using Function = std::function<void(const FetchContext& context, Completion done)>;
  Fetcher() = default;
  Fetcher(SkipToken) noexcept : skip_(true) {}
  template <typename F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, Fetcher> &&
             std::is_invocable_v<F&, const FetchContext&, Completion>)
  Fetcher(F&& fn) : fn_(std::forward<F>(fn)) {}
  /// Whether a function (or skip_token) was given.
  explicit operator bool() const noexcept { return skip_ || static_cast<bool>(fn_); }
  /// Whether this is skip_token.
  bool is_skip() const noexcept { return skip_; }
  /// Calls the function. Throws Error(invalid_argument) when there is none.
  void operator()(const FetchContext& context, Completion done) const;

 private:
  friend struct detail::FetcherAccess;
  Function fn_;
  bool skip_ = false;
};

/// A fetcher from a synchronous function (answers at once on the runtime's thread).
Fetcher sync_fetcher(std::function<Value(const Value& key)> fn);

/// Infinite queries: the param of the page after the last (or before the first) one, from the
/// pages so far. nullopt or null: there is none. Arrays are `pages` and `page_params`.
using PageParamFunction = std::function<std::optional<Value>(const Value& page, const Value& all_pages,
                                                             const Value& page_param, const Value& all_page_params)>;

/// The fields of QueryResult, for notify_on_change_props (TanStack's result keys).
enum class ResultProp : std::uint8_t {
  data, error, status, fetch_status, data_updated_at, error_updated_at, failure_count, failure_reason,
  error_update_count, is_stale, is_placeholder_data, is_fetched, is_fetched_after_mount, is_invalidated,
  is_enabled, is_pending, is_success, is_error, is_loading, is_fetching, is_paused, is_refetching,
  is_loading_error, is_refetch_error, has_next_page, has_previous_page, is_fetching_next_page,
  is_fetching_previous_page, is_fetch_next_page_error, is_fetch_previous_page_error,
};

using StaleTimeOption = Option<Millis, Millis(const QueryInfo& query)>;
using EnabledOption = Option<bool, bool(const QueryInfo& query)>;
using RefetchIntervalOption = Option<Millis, Millis(const QueryInfo& query)>;
using RefetchOnOption = Option<RefetchOn, RefetchOn(const QueryInfo& query)>;
using RetryDelayOption = FailureOption<Millis, Millis>;
/// TanStack's `initialData: T | () => T | undefined`.
using InitialDataOption = Option<Value, std::optional<Value>()>;
using InitialDataUpdatedAtOption = Option<Millis, std::optional<Millis>()>;
/// true: equal parts of new data keep the old nodes; a function: (old data, new data) -> data.
using StructuralSharingOption = Option<bool, Value(const std::optional<Value>& old_data, const Value& new_data)>;
/// A value, or (previous observer data, the query it came from — nullptr when none) -> data.
using PlaceholderDataOption =
    Option<Value, std::optional<Value>(const std::optional<Value>& previous_data, const QueryInfo* previous_query)>;
using ThrowOnErrorOption = Option<bool, bool(const Error& error, const QueryInfo& query)>;
using NotifyOnChangePropsOption = Option<std::vector<ResultProp>, std::vector<ResultProp>()>;

/// placeholder_data that shows the previous query's data while the next one loads (TanStack's
/// keepPreviousData): `.placeholder_data = keep_previous_data`. Does not allocate.
std::optional<Value> keep_previous_data(const std::optional<Value>& previous_data, const QueryInfo* previous_query);

/// Options of a query (TanStack's QueryOptions, QueryObserverOptions and the infinite ones in one
/// struct). Unset fields take the defaults registered by set_query_defaults for a matching key,
/// then the client's defaults, then TanStack's. Fields marked (observer) matter only to observers;
/// (infinite) only to infinite queries (fetch_infinite_query, InfiniteQueryObserver).
struct QueryOptions {
  Value key;                                  ///< the query key (an array)
  Fetcher fetcher;                            ///< empty: the defaults' fetcher; skip_token: none
  StaleTimeOption stale_time;                 ///< 0: stale at once; static_stale_time; never_expires
  std::optional<Millis> gc_time;              ///< 5 minutes; a query keeps the longest it has seen
  Retry retry;                                ///< 3 (fetch_query: 0)
  RetryDelayOption retry_delay;               ///< min(1000 * 2^n, 30000) ms
  std::optional<NetworkMode> network_mode;    ///< online
  InitialDataOption initial_data;             ///< data of a query without data (counts as fetched)
  InitialDataUpdatedAtOption initial_data_updated_at;  ///< when initial_data was fetched (default now)
  StructuralSharingOption structural_sharing;  ///< true
  Value meta;                                 ///< passed to the fetcher, readable in the state
  // (observer)
  EnabledOption enabled;                      ///< true; false: never fetches by itself
  RefetchIntervalOption refetch_interval;     ///< unset or 0: no polling
  std::optional<bool> refetch_interval_in_background;  ///< false: no polling while unfocused
  RefetchOnOption refetch_on_mount;           ///< if_stale
  RefetchOnOption refetch_on_window_focus;    ///< if_stale
  RefetchOnOption refetch_on_reconnect;       ///< if_stale (never when network_mode is always)
  std::optional<bool> retry_on_mount;         ///< true: a query in error refetches on mount
  PlaceholderDataOption placeholder_data;     ///< shown while pending; never cached
  std::function<Value(const Value&)> select;  ///< memoised: runs when the data node changes
  ThrowOnErrorOption throw_on_error;          ///< false; true: refetch Futures reject, error notifies
  NotifyOnChangePropsOption notify_on_change_props;  ///< unset: what the observer sees (QueryResult)
  // (infinite)
  std::optional<Value> initial_page_param;    ///< the param of the first page
  PageParamFunction get_next_page_param;
  PageParamFunction get_previous_page_param;
  std::optional<int> max_pages;               ///< keep at most this many pages (0: all)
  std::optional<int> pages;                   ///< fetch_infinite_query: how many pages to fetch
};

}  // namespace mfstate
