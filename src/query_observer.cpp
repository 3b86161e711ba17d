// An observer turns an entry's state into what one subscriber sees (query-core's
// queryObserver.ts): select (memoised on the data node), placeholder data, the derived flags
// (stale, fetched after mount), fetch on mount, refetch on focus / reconnect / interval, and a
// timer that flips `is_stale` when the data ages. Notifications go through the Batcher and are
// coalesced: within one batch an observer is told once, with its latest result, and only when
// what it sees changed.
#include "query_internal.hpp"

namespace mfstate::detail {

namespace {

bool same_error(const std::optional<Error>& a, const std::optional<Error>& b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a) return true;
  return a->code() == b->code() && std::string_view(a->what()) == std::string_view(b->what());
}

bool result_changed(const QueryResult& a, const QueryResult& b) {
  if (a.data.has_value() != b.data.has_value()) return true;
  if (a.data && !a.data->same_node(*b.data) && !(*a.data == *b.data)) return true;
  return a.status != b.status || a.fetch_status != b.fetch_status || !same_error(a.error, b.error) ||
         a.is_stale != b.is_stale || a.is_placeholder_data != b.is_placeholder_data ||
         a.failure_count != b.failure_count || a.is_enabled != b.is_enabled;
}

}  // namespace

ObserverImpl::ObserverImpl(ClientCore& core, QueryOptions options, QueryListener listener)
    : core_(&core), options_(std::move(options)), listener_(std::move(listener)) {
  resolved_ = core.resolve(&options_, options_.key);
  stale_time_ = resolved_->stale_time;
  enabled_ = resolved_->enabled;
}

ObserverImpl::~ObserverImpl() = default;

void ObserverImpl::attach(Query* q) {
  query_ = q;
  core_->add_observer(*q, this);
  data_count_at_mount_ = q->data_update_count;
  error_count_at_mount_ = q->error_update_count();
}

bool ObserverImpl::should_fetch_on(RefetchOn on) const {
  if (!enabled_ || on == RefetchOn::never || query_ == nullptr) return false;
  return on == RefetchOn::always || query_->is_stale_by_time(stale_time_, core_->now());
}

void ObserverImpl::mount() {
  mounted_ = true;
  attach(core_->build(options_.key, resolved_));
  Query& q = *query_;
  const bool load = enabled_ && !q.has_data() &&
                    !(q.status == QueryStatus::error && !resolved_->retry_on_mount);
  if (load || (q.has_data() && should_fetch_on(resolved_->refetch_on_mount))) {
    core_->fetch(q, nullptr, false);
  }
  dirty_ = true;
  schedule_notify();
}

void ObserverImpl::unmount() {
  if (!mounted_) return;
  mounted_ = false;
  clear_timers();
  if (query_ != nullptr && core_ != nullptr) core_->remove_observer(*query_, this);
  query_ = nullptr;
}

void ObserverImpl::on_query_update() {
  if (!mounted_ || core_ == nullptr) return;
  // The result is computed once, when the batch flushes: an invalidation, a fetch and its success
  // within one operation cost one computation.
  dirty_ = true;
  schedule_notify();
}

void ObserverImpl::compute_result() {
  const Query& q = *query_;
  QueryResult r;
  r.status = q.status;
  r.fetch_status = q.fetch_status;
  r.data_updated_at = Millis(q.data_updated_at);
  if (q.cold) {
    r.error = q.cold->error;
    r.error_detail = q.cold->error_detail;
    r.error_updated_at = q.cold->error_updated_at;
    r.failure_count = q.cold->failure_count;
    r.failure_reason = q.cold->failure_reason;
  }
  const std::uint32_t errors = q.error_update_count();
  r.is_fetched = q.data_update_count + errors > 0;
  r.is_fetched_after_mount = q.data_update_count > data_count_at_mount_ || errors > error_count_at_mount_;
  r.is_invalidated = q.invalidated();
  r.is_stale = q.is_stale_by_time(stale_time_, core_->now());
  r.is_enabled = enabled_;

  auto apply_select = [&](const Value& in) -> std::optional<Value> {
    if (!resolved_->select) return in;
    if (memo_valid_ && memo_in_.same_node(in)) return memo_out_;
    try {
      Value out = resolved_->select(in);
      if (memo_valid_) out = replace_equal_deep(memo_out_, std::move(out));
      memo_in_ = in;
      memo_out_ = out;
      memo_valid_ = true;
      return out;
    } catch (const Error& e) {
      r.status = QueryStatus::error;
      r.error = e;
    } catch (const std::exception& e) {
      r.status = QueryStatus::error;
      r.error = Error(ErrorCode::query_error, std::string("select threw: ") + e.what());
    }
    return std::nullopt;
  };
  if (q.has_data()) {
    r.data = apply_select(q.data);
  } else if (resolved_->placeholder_data && q.status == QueryStatus::pending) {
    r.data = apply_select(*resolved_->placeholder_data);
    if (r.data) {
      r.status = QueryStatus::success;
      r.is_placeholder_data = true;
    }
  }
  current_ = std::move(r);
}

void ObserverImpl::schedule_notify() {
  if (notify_pending_ || core_ == nullptr) return;
  notify_pending_ = true;
  // Keep ourselves alive until the flush; the task itself holds only a raw pointer, which fits
  // std::function's small buffer (no allocation per notification).
  pending_self_ = shared_from_this();
  core_->batcher().notify([this] {
    std::shared_ptr<ObserverImpl> self = std::move(pending_self_);
    pending_self_.reset();
    notify_pending_ = false;
    if (!mounted_ || core_ == nullptr) return;
    if (dirty_) {
      dirty_ = false;
      compute_result();
      update_timers();
    }
    if (has_notified_ && !result_changed(notified_, current_)) return;
    has_notified_ = true;
    notified_ = current_;
    if (listener_) listener_(notified_);
  });
}

void ObserverImpl::clear_timers() {
  if (core_ == nullptr) return;
  if (stale_timer_ != 0) core_->runtime.scheduler().cancel(stale_timer_);
  if (interval_timer_ != 0) core_->runtime.scheduler().cancel(interval_timer_);
  stale_timer_ = 0;
  interval_timer_ = 0;
}

void ObserverImpl::update_timers() {
  Scheduler& sched = core_->runtime.scheduler();
  // Stale timer: flip is_stale when the data ages past stale_time.
  if (stale_timer_ != 0) {
    sched.cancel(stale_timer_);
    stale_timer_ = 0;
  }
  if (mounted_ && !current_.is_stale && stale_time_ < never_expires && query_->has_data()) {
    const Millis at(query_->data_updated_at + stale_time_.count());
    std::weak_ptr<ObserverImpl> weak = shared_from_this();
    stale_timer_ = sched.schedule_at(at, [weak] {
      auto o = weak.lock();
      if (!o || o->core_ == nullptr) return;
      o->stale_timer_ = 0;
      ClientCore::Op op(*o->core_);
      o->on_query_update();
    });
  }
  // Polling.
  if (interval_timer_ == 0 && mounted_ && enabled_ && resolved_->refetch_interval &&
      resolved_->refetch_interval->count() > 0) {
    std::weak_ptr<ObserverImpl> weak = shared_from_this();
    struct Tick {
      std::weak_ptr<ObserverImpl> weak;
      void operator()() const {
        auto o = weak.lock();
        if (!o || o->core_ == nullptr || !o->mounted_) return;
        ClientCore& core = *o->core_;
        o->interval_timer_ = core.runtime.scheduler().schedule_after(*o->resolved_->refetch_interval, Tick{weak});
        if (core.focused || o->resolved_->refetch_interval_in_background) {
          ClientCore::Op op(core);
          o->refetch(false);
        }
      }
    };
    interval_timer_ = sched.schedule_after(*resolved_->refetch_interval, Tick{weak});
  }
}

std::shared_ptr<FutureState> ObserverImpl::refetch(bool cancel_refetch) {
  if (query_->removed()) {
    // The entry was removed while observed: rebuild it, as query-core's observer does on fetch.
    Query* old = query_;
    core_->remove_observer(*old, this);
    attach(core_->build(options_.key, resolved_));
  }
  auto f = core_->fetch(*query_, resolved_, cancel_refetch);
  return f;
}

void ObserverImpl::on_focus() {
  if (mounted_ && should_fetch_on(resolved_->refetch_on_window_focus)) refetch(false);
}

void ObserverImpl::on_reconnect() {
  if (mounted_ && should_fetch_on(resolved_->refetch_on_reconnect)) refetch(false);
}

}  // namespace mfstate::detail
