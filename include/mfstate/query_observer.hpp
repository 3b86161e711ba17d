// Observers: what one subscriber (a component, a view) sees of one query (TanStack's
// QueryObserver and InfiniteQueryObserver).
//
// An observer is an object: construct it on a client (the shell's QueryClient or an app's
// AppQueryClient), read get_current_result() at any time, subscribe listeners (the first one
// mounts it: fetch on mount, refetch on focus / reconnect / interval), change its options with
// set_options, refetch it. `QueryClient::observe(options, listener)` is the short form.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>

#include "mfstate/future.hpp"
#include "mfstate/query_options.hpp"
#include "mfstate/runtime.hpp"

namespace mfstate {

class AppQueryClient;

namespace detail {
class ObserverImpl;
}

/// What an observer sees: the query's state as its options present it (select, placeholder), with
/// the convenience flags derived here, never stored in the cache. A plain struct.
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
  Value failure_reason_detail;  ///< the failure reason's detail, as error_detail is the error's
  std::uint32_t error_update_count = 0;
  bool is_stale = true;
  bool is_placeholder_data = false;
  bool is_fetched = false;               ///< the query was ever fetched (data or error)
  bool is_fetched_after_mount = false;   ///< ... since this observer attached to it
  bool is_invalidated = false;
  bool is_enabled = true;
  // infinite queries (InfiniteQueryObserver); false otherwise
  bool has_next_page = false;
  bool has_previous_page = false;
  bool is_fetching_next_page = false;
  bool is_fetching_previous_page = false;
  bool is_fetch_next_page_error = false;
  bool is_fetch_previous_page_error = false;

  bool is_pending() const noexcept { return status == QueryStatus::pending; }
  bool is_success() const noexcept { return status == QueryStatus::success; }
  bool is_error() const noexcept { return status == QueryStatus::error; }
  bool is_fetching() const noexcept { return fetch_status == FetchStatus::fetching; }
  bool is_paused() const noexcept { return fetch_status == FetchStatus::paused; }
  /// First load: pending and fetching.
  bool is_loading() const noexcept { return is_pending() && is_fetching(); }
  /// A background refetch: fetching with data already there (not a page of an infinite query).
  bool is_refetching() const noexcept {
    return is_fetching() && !is_pending() && !is_fetching_next_page && !is_fetching_previous_page;
  }
  bool is_loading_error() const noexcept { return is_error() && !data.has_value(); }
  bool is_refetch_error() const noexcept {
    return is_error() && data.has_value() && !is_fetch_next_page_error && !is_fetch_previous_page_error;
  }
};

/// Called with an observer's result when it changes (by default: data, status, fetch status,
/// error, stale, placeholder, failure count, enabled; notify_on_change_props narrows or widens it).
using QueryListener = std::function<void(const QueryResult&)>;

/// Options of a refetch (client-wide or through an observer).
struct RefetchOptions {
  bool cancel_refetch = true;   ///< a refetch replaces a fetch in flight (when there is data)
  bool throw_on_error = false;  ///< the Future rejects with the fetch's error
};

/// Options of fetch_next_page / fetch_previous_page.
struct FetchPageOptions {
  bool cancel_refetch = true;   ///< replaces a fetch in flight (when there is data)
  bool throw_on_error = false;
};

/// One subscriber's view of one query. Move-only; destroying it ends its subscriptions. Every
/// call happens on the runtime's thread. On an app's AppQueryClient, the observer ends when the
/// app unmounts: its listeners are dropped and further calls throw Error(app_unmounted).
class QueryObserver {
 public:
  /// An observer of `options.key`: builds the query in the cache (without fetching) and computes
  /// the current result. Nothing is fetched until a listener subscribes. Allocates. Throws
  /// Error(invalid_key) for a bad key and Error(app_unmounted) on an ended client.
  QueryObserver(AppQueryClient& client, QueryOptions options);
  QueryObserver(QueryObserver&&) noexcept;
  QueryObserver& operator=(QueryObserver&&) noexcept;
  QueryObserver(const QueryObserver&) = delete;
  QueryObserver& operator=(const QueryObserver&) = delete;
  ~QueryObserver();

  /// Replaces the options (another key switches to that query; a subscribed observer fetches when
  /// the new query is stale or it was disabled). Notifies cache listeners with
  /// observer_options_updated. Allocates.
  void set_options(QueryOptions options);
  /// The current result, without subscribing (up to date with the cache). Allocates a copy.
  QueryResult get_current_result() const;
  /// The query the observer looks at, as a snapshot. Allocates.
  QueryInfo get_current_query() const;
  /// Adds a listener; the first one mounts the observer (fetch on mount when enabled and stale).
  /// The listener is called when the result changes, not with the current one (read it with
  /// get_current_result). The Subscription removes it; removing the last unmounts the observer.
  Subscription subscribe(QueryListener listener);
  /// Whether any listener is subscribed.
  bool has_listeners() const noexcept;
  /// Fetches now (even when disabled). The Future settles with the observer's data (selected;
  /// null without data) once the fetch settled; it rejects with the error only when throw_on_error
  /// (here or in the options). A refetch with data replaces a fetch in flight (cancel_refetch).
  Future refetch(RefetchOptions options = {});
  /// Fetches `options` (building its query) and settles with its data as soon as the query has
  /// data, from this fetch or from the cache meanwhile (TanStack's fetchOptimistic). Rejects
  /// with the fetch's error.
  Future fetch_optimistic(QueryOptions options);
  /// Whether a focus (reconnect) would refetch this observer's query now.
  bool should_fetch_on_window_focus() const;
  bool should_fetch_on_reconnect() const;
  /// Whether the current error should be thrown to the UI (throw_on_error, resolved with the
  /// error and the query): false without an error.
  bool should_throw_error() const;
  /// Drops every listener (TanStack's destroy). The observer can subscribe again.
  void destroy();

 protected:
  struct Infinite {};
  QueryObserver(AppQueryClient& client, QueryOptions options, Infinite);
  std::shared_ptr<detail::ObserverImpl> impl_;
};

/// An observer of an infinite query: its data is {"pages": [...], "pageParams": [...]}, each page
/// fetched with the fetcher's `page_param`. A refetch fetches every page again, in order.
class InfiniteQueryObserver : public QueryObserver {
 public:
  /// As QueryObserver; `options.initial_page_param` is the first page's param (null when unset).
  InfiniteQueryObserver(AppQueryClient& client, QueryOptions options);
  /// Fetches the page after the last one (get_next_page_param). Nothing is fetched when there is
  /// none. The Future settles as refetch's.
  Future fetch_next_page(FetchPageOptions options = {});
  /// Fetches the page before the first one (get_previous_page_param).
  Future fetch_previous_page(FetchPageOptions options = {});
};

}  // namespace mfstate
