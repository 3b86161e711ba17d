// Internal: an observer (query_observer.cpp) turns a query's state into what its subscribers see
// (query-core's queryObserver.ts): select (memoised on the data node), placeholder data, the
// derived flags, fetch on mount, refetch on focus / reconnect / interval, a timer that flips
// `is_stale` when the data ages. Results are computed lazily and notified through the Batcher,
// coalesced: within one batch a subscriber is told once, with the latest result, and only when
// what it watches changed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "mfstate/query.hpp"
#include "query_entry.hpp"
#include "query_listeners.hpp"

namespace mfstate::detail {

struct QueryScope;

class ObserverImpl : public std::enable_shared_from_this<ObserverImpl> {
 public:
  ObserverImpl(ClientCore& core, std::shared_ptr<QueryScope> scope, QueryOptions options, bool infinite);
  ~ObserverImpl();
  ObserverImpl(const ObserverImpl&) = delete;
  ObserverImpl& operator=(const ObserverImpl&) = delete;

  /// Builds the query and computes the first result (after construction; needs shared_from_this).
  void init();

  // ---- what QueryObserver asks ----
  void set_options(QueryOptions options);
  QueryResult current_result();
  QueryInfo current_query();
  /// `notify_now`: the listener is called with the current result at the next flush (observe()).
  Subscription subscribe(QueryListener listener, bool notify_now);
  bool has_listeners() const noexcept { return !listeners_.empty(); }
  /// Fetches through this observer; the returned future settles with the data (or the error
  /// when `throw_on_error`) after the result was updated.
  std::shared_ptr<FutureState> refetch(bool cancel_refetch, bool throw_on_error,
                                       std::optional<FetchDirection> direction = std::nullopt);
  std::shared_ptr<FutureState> fetch_optimistic(QueryOptions options);
  bool should_fetch_on(RefetchOn on) const;
  const RefetchOnOption& refetch_on_window_focus() const noexcept {
    return resolved_->o.refetch_on_window_focus;
  }
  const RefetchOnOption& refetch_on_reconnect() const noexcept { return resolved_->o.refetch_on_reconnect; }
  bool should_throw_error();
  /// Drops every listener (unmounts).
  void destroy();
  /// Ends for good (its app unmounted, or its client is going away): no listener, no query;
  /// further calls throw.
  void end() noexcept;
  bool ended() const noexcept { return core_ == nullptr; }
  ClientCore* core() const noexcept { return core_; }
  QueryScope* scope() const noexcept { return scope_.get(); }

  // ---- what the cache tells it ----
  /// The query changed: recompute lazily, notify at the flush.
  void on_query_update();
  /// Options evaluated for the query it is attached to (a value without a call, read off the
  /// observer's own first lines: a refetch by filters asks every observer).
  bool enabled() const {
    if (often_.enabled != OftenRead::by_function) return often_.enabled == OftenRead::yes;
    return core_ == nullptr || query_ == nullptr || enabled_function(*core_, resolved_->o, *query_);
  }
  /// enabled() is true without calling a function of the user's (`enabled` is the value true).
  bool enabled_without_call() const noexcept { return often_.enabled == OftenRead::yes; }
  /// enabled() may call a function of the user's.
  bool enabled_by_function() const noexcept { return often_.enabled == OftenRead::by_function; }
  Millis stale_time() const {
    if (often_.stale_time_fixed) return often_.stale_time;
    return core_ == nullptr || query_ == nullptr ? Millis{0}
                                                 : stale_time_function(*core_, resolved_->o, *query_);
  }
  Query* query() const noexcept { return query_; }
  const OptionsPtr& options() const noexcept { return resolved_; }
  bool mounted() const noexcept { return query_ != nullptr; }
  /// The query was removed from the cache while observed: attach to a rebuilt one.
  void reattach_if_removed();

 private:
  void mount();
  void unmount();
  void attach(Query* q);
  void switch_to(const Value& key);
  std::shared_ptr<FutureState> execute_fetch(bool cancel_refetch, std::optional<FetchDirection> direction);
  /// Brings current_ up to date with the query. The usual result is written over current_ field by
  /// field: then the bits (a bit per ResultProp) of the fields the writes changed, data's when it
  /// is another node; none when the result was built whole (select, placeholder, infinite).
  std::optional<std::uint64_t> compute_result();
  QueryResult make_result(const Query& q, const QueryOptions& o, bool use_memo);
  /// The result's fields read from the query alone, the same for every result shape (compute_result
  /// writes them over current_, make_result into a new result): the bits of those that changed.
  std::uint64_t fill_from_query(QueryResult& r, const Query& q, bool enabled, bool stale) const;
  /// What differs from previous_ after compute_result wrote `written` over a current_ in step with
  /// it (the result of changes(previous_, current_), without comparing the fields not written).
  std::uint64_t changes_written(std::uint64_t written) const;
  /// previous_ = current_ after compute_result wrote `written` over a current_ in step with
  /// previous_: only what may differ is copied (a refetch's flush: the data alone, not 184 bytes
  /// with two errors and two details).
  void catch_up_previous(std::uint64_t written);
  void schedule_notify();
  /// Ends last_data_shown_: last_data_ and last_data_key_ take current_'s data and key_.
  void keep_last_data();
  void flush();
  /// The result fields whose change notifies (a bit per ResultProp).
  std::uint64_t watched() const;
  /// Whether current_'s data is known to differ from previous_'s without comparing them.
  bool data_known_changed() const;
  void update_timers();
  void clear_timers();
  ClientCore& live() const;

  /// What the notifications, the flush and a refetch by filters read of resolved_, copied from it
  /// whenever it is set (resolved options are immutable): W4 reaches each of its 10^4 observers
  /// in three passes over them, and each read of the 848-byte options was a cache miss of its own.
  struct OftenRead {
    enum Enabled : std::int8_t { no, yes, by_function };
    Millis stale_time{0};            // when stale_time_fixed
    std::uint64_t watched_mask = 0;  // when watched_fixed: watched()'s answer
    Enabled enabled = yes;
    bool stale_time_fixed = true;
    bool watched_fixed = true;
    bool select = false;       // has a select function
    bool placeholder = false;  // has placeholder data
    bool timers_idle = false;  // no stale timer ever (a fixed stale time that never expires), no polling
  };
  /// resolved_ = `o`, and often_ from it.
  void set_resolved(OptionsPtr o) noexcept;

  // Fields in the order a notification and a flush read them: the first ones share the cache lines
  // of the shared_ptr's control block and enable_shared_from_this's weak pointer (made by
  // make_shared); the options as given, the memos and the key come last.
  ClientCore* core_;
  Query* query_ = nullptr;  // while mounted (a query is never held when not observed)
  bool dirty_ = false;
  bool notify_pending_ = false;
  // current_ shows what previous_ shows (every prop equal; data equal, perhaps another node):
  // true after each flush, false once anything but a flush recomputed current_.
  bool result_in_step_ = true;
  bool infinite_;
  // The last data seen (last_data_, of last_data_key_) is current_'s data, of key_: the usual
  // result shows the query's data, and a refetch's flush writes it once, there, not again into
  // last_data_ (a line of its own: W4 flushes 10^4 observers). keep_last_data() writes it out
  // before current_'s data or key_ change otherwise, or make_result reads it.
  bool last_data_shown_ = false;
  // is_fetched_after_mount: the query's update counts when this observer first looked at it
  std::uint32_t data_count_at_attach_ = 0;
  std::shared_ptr<ObserverImpl> pending_self_;
  OptionsPtr resolved_;  // with defaults
  OftenRead often_;
  std::uint32_t error_count_at_attach_ = 0;
  TimerId stale_timer_ = 0;
  TimerId interval_timer_ = 0;
  Millis current_interval_{0};
  ListenerList<const QueryResult&> listeners_;
  std::vector<std::shared_ptr<typename ListenerList<const QueryResult&>::Slot>> first_calls_;
  QueryResult current_;
  QueryResult previous_;  // the result of the last flush (what listeners were told)
  // the last query that had data
  std::optional<Value> last_data_;
  Value last_data_key_;
  Value key_;
  // select memo: input node -> output; a select error keeps the last good output
  bool memo_valid_ = false;
  Value memo_in_;
  Value memo_out_;
  std::optional<Error> select_error_;
  // placeholder memo (until the options change)
  std::optional<Value> placeholder_memo_;
  std::shared_ptr<QueryScope> scope_;
  QueryOptions options_;  // as given
};

}  // namespace mfstate::detail
