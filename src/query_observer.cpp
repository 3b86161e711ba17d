// An observer turns a query's state into what its subscribers see (query-core's
// queryObserver.ts): select (memoised on the data node, a throwing select keeps the last good
// data and reports the error), placeholder data (a value or a function of the previous query),
// the derived flags (stale, fetched after mount, the infinite ones), fetch on mount, refetch on
// focus / reconnect / interval, and a timer that flips `is_stale` when the data ages.
//
// Results are computed lazily (on read, or when the batch flushes) and notified through the
// Batcher, coalesced: within one batch a subscriber is told once, with its latest result, and
// only when a field it watches changed (notify_on_change_props, by default what it sees).
#include <algorithm>
#include <utility>

#include "mfstate/key.hpp"
#include "query_internal.hpp"
#include "transactions.hpp"

namespace mfstate {
namespace detail {

namespace {

bool same_error(const std::optional<Error>& a, const std::optional<Error>& b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a) return true;
  return a->code() == b->code() && std::string_view(a->what()) == std::string_view(b->what());
}

bool same_data(const std::optional<Value>& a, const std::optional<Value>& b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a) return true;
  return (a->same_node(*b) && a->type() == b->type()) || *a == *b;
}

[[gnu::always_inline]] inline bool prop_changed(ResultProp p, const QueryResult& a, const QueryResult& b) {
  switch (p) {
    case ResultProp::data: return !same_data(a.data, b.data);
    case ResultProp::error: return !same_error(a.error, b.error);
    case ResultProp::status: return a.status != b.status;
    case ResultProp::fetch_status: return a.fetch_status != b.fetch_status;
    case ResultProp::data_updated_at: return a.data_updated_at != b.data_updated_at;
    case ResultProp::error_updated_at: return a.error_updated_at != b.error_updated_at;
    case ResultProp::failure_count: return a.failure_count != b.failure_count;
    case ResultProp::failure_reason: return !same_error(a.failure_reason, b.failure_reason);
    case ResultProp::error_update_count: return a.error_update_count != b.error_update_count;
    case ResultProp::is_stale: return a.is_stale != b.is_stale;
    case ResultProp::is_placeholder_data: return a.is_placeholder_data != b.is_placeholder_data;
    case ResultProp::is_fetched: return a.is_fetched != b.is_fetched;
    case ResultProp::is_fetched_after_mount: return a.is_fetched_after_mount != b.is_fetched_after_mount;
    case ResultProp::is_invalidated: return a.is_invalidated != b.is_invalidated;
    case ResultProp::is_enabled: return a.is_enabled != b.is_enabled;
    case ResultProp::is_pending: return a.is_pending() != b.is_pending();
    case ResultProp::is_success: return a.is_success() != b.is_success();
    case ResultProp::is_error: return a.is_error() != b.is_error();
    case ResultProp::is_loading: return a.is_loading() != b.is_loading();
    case ResultProp::is_fetching: return a.is_fetching() != b.is_fetching();
    case ResultProp::is_paused: return a.is_paused() != b.is_paused();
    case ResultProp::is_refetching: return a.is_refetching() != b.is_refetching();
    case ResultProp::is_loading_error: return a.is_loading_error() != b.is_loading_error();
    case ResultProp::is_refetch_error: return a.is_refetch_error() != b.is_refetch_error();
    case ResultProp::has_next_page: return a.has_next_page != b.has_next_page;
    case ResultProp::has_previous_page: return a.has_previous_page != b.has_previous_page;
    case ResultProp::is_fetching_next_page: return a.is_fetching_next_page != b.is_fetching_next_page;
    case ResultProp::is_fetching_previous_page:
      return a.is_fetching_previous_page != b.is_fetching_previous_page;
    case ResultProp::is_fetch_next_page_error:
      return a.is_fetch_next_page_error != b.is_fetch_next_page_error;
    case ResultProp::is_fetch_previous_page_error:
      return a.is_fetch_previous_page_error != b.is_fetch_previous_page_error;
  }
  return false;
}

/// What a subscriber watches unless notify_on_change_props says otherwise: what it sees. Not the
/// timestamps alone: setting equal data notifies nobody.
constexpr ResultProp default_props[] = {
    ResultProp::data,
    ResultProp::error,
    ResultProp::status,
    ResultProp::fetch_status,
    ResultProp::is_stale,
    ResultProp::is_placeholder_data,
    ResultProp::failure_count,
    ResultProp::is_enabled,
    ResultProp::has_next_page,
    ResultProp::has_previous_page,
    ResultProp::is_fetching_next_page,
    ResultProp::is_fetching_previous_page,
    ResultProp::is_fetch_next_page_error,
    ResultProp::is_fetch_previous_page_error,
};

using PropMask = std::uint64_t;
constexpr int prop_count = static_cast<int>(ResultProp::is_fetch_previous_page_error) + 1;
static_assert(prop_count <= 64, "a PropMask holds one bit per ResultProp");

constexpr PropMask bit(ResultProp p) { return PropMask{1} << static_cast<int>(p); }

constexpr PropMask mask_of(const ResultProp* first, const ResultProp* last) {
  PropMask m = 0;
  for (; first != last; ++first) m |= bit(*first);
  return m;
}

constexpr PropMask default_mask = mask_of(std::begin(default_props), std::end(default_props));

/// The props read off other fields (is_pending from status, is_loading_error from status and
/// data...): they can differ only when one of those does.
constexpr ResultProp derived_props[] = {
    ResultProp::is_pending,    ResultProp::is_success,       ResultProp::is_error,
    ResultProp::is_loading,    ResultProp::is_fetching,      ResultProp::is_paused,
    ResultProp::is_refetching, ResultProp::is_loading_error, ResultProp::is_refetch_error,
};
constexpr ResultProp derived_inputs[] = {
    ResultProp::status,
    ResultProp::fetch_status,
    ResultProp::is_fetching_next_page,
    ResultProp::is_fetching_previous_page,
    ResultProp::is_fetch_next_page_error,
    ResultProp::is_fetch_previous_page_error,
};
constexpr PropMask derived_mask = mask_of(std::begin(derived_props), std::end(derived_props));
constexpr PropMask derived_inputs_mask = mask_of(std::begin(derived_inputs), std::end(derived_inputs));

/// Which fields among `among` differ, each compared once (data is compared by the caller). Unrolled
/// over the props at compile time, so each comparison is its own few instructions instead of a pass
/// through prop_changed's switch.
template <PropMask among, std::size_t... P>
PropMask changes_among(const QueryResult& a, const QueryResult& b, std::index_sequence<P...>) {
  return (((among >> P) & 1 ? PropMask{prop_changed(static_cast<ResultProp>(P), a, b)} << P : PropMask{0}) |
          ...);
}

/// Which fields differ (a flush of every observer asks it). `data_differs`: the data is known to
/// differ (ObserverImpl::data_known_changed), so it is not compared.
PropMask changes(const QueryResult& a, const QueryResult& b, bool data_differs) {
  constexpr PropMask data_bit = bit(ResultProp::data);
  PropMask m = changes_among<~derived_mask & ~data_bit>(a, b, std::make_index_sequence<prop_count>{});
  if (data_differs || !same_data(a.data, b.data)) m |= data_bit;
  if ((m & derived_inputs_mask) != 0 || a.data.has_value() != b.data.has_value()) {
    m |= changes_among<derived_mask>(a, b, std::make_index_sequence<prop_count>{});
  }
  return m;
}

/// The result fields whose change notifies under options `o` (a bit per ResultProp); calls
/// notify_on_change_props when it is a function.
PropMask watched_of(const QueryOptions& o) {
  if (!o.notify_on_change_props.has_value()) return default_mask;
  PropMask m = 0;
  if (const auto* v = o.notify_on_change_props.value_if()) {
    m = mask_of(v->data(), v->data() + v->size());
  } else {
    const std::vector<ResultProp> props = (*o.notify_on_change_props.function_if())();
    m = mask_of(props.data(), props.data() + props.size());
  }
  const bool* throws = o.throw_on_error.value_if();
  if (o.throw_on_error.function_if() != nullptr || (throws != nullptr && *throws))
    m |= bit(ResultProp::error);
  return m;
}

}  // namespace

ObserverImpl::ObserverImpl(ClientCore& core, std::shared_ptr<QueryScope> scope, QueryOptions options,
                           bool infinite)
    : core_(&core), infinite_(infinite), scope_(std::move(scope)), options_(std::move(options)) {
  check_key(options_.key);
  key_ = options_.key;
  set_resolved(core.resolve(&options_, key_, false, nullptr, scope_->options_owner()));
  core.queries.observers.insert(this);
  if (scope_->app) scope_->observers.insert(this);
}

ObserverImpl::~ObserverImpl() {
  if (core_ == nullptr) return;
  try {
    if (query_ != nullptr) unmount();
  } catch (...) {
    core_->report_current_exception();
  }
  clear_timers();
  core_->queries.observers.erase(this);
  if (scope_->app) scope_->observers.erase(this);
}

void ObserverImpl::set_resolved(OptionsPtr o) noexcept {
  resolved_ = std::move(o);
  const QueryOptions& r = resolved_->o;
  OftenRead& f = often_;
  const bool* enabled = r.enabled.value_if();
  f.enabled = enabled == nullptr ? OftenRead::by_function : *enabled ? OftenRead::yes : OftenRead::no;
  const Millis* stale_time = r.stale_time.value_if();
  f.stale_time_fixed = stale_time != nullptr;
  f.stale_time = stale_time != nullptr ? *stale_time : Millis{0};
  f.select = static_cast<bool>(r.select);
  f.placeholder = r.placeholder_data.has_value();
  f.timers_idle = stale_time != nullptr && *stale_time >= never_expires && !r.refetch_interval.has_value();
  f.watched_fixed = r.notify_on_change_props.function_if() == nullptr;
  f.watched_mask = f.watched_fixed ? watched_of(r) : 0;
}

ClientCore& ObserverImpl::live() const {
  if (core_ == nullptr) {
    throw Error(ErrorCode::app_unmounted,
                "this query observer ended (its app unmounted or its client is gone)");
  }
  return *core_;
}

void ObserverImpl::init() {
  ClientCore& core = live();
  ClientCore::Op op(core);
  Query* q = core.build(key_, resolved_);
  if (infinite_) q->flags |= infinite_flag;
  data_count_at_attach_ = q->data_update_count;
  error_count_at_attach_ = q->error_update_count();
  current_ = make_result(*q, resolved_->o, true);
  previous_ = current_;
}

// ---- mounting ----

void ObserverImpl::attach(Query* q) {
  query_ = q;
  core_->add_observer(*q, this);
  ++core_->queries.mounted_observers;
}

void ObserverImpl::mount() {
  ClientCore& core = *core_;
  bool created = false;
  Query* q = core.build(key_, resolved_, &created);
  if (infinite_) q->flags |= infinite_flag;
  if (created) {
    data_count_at_attach_ = q->data_update_count;
    error_count_at_attach_ = q->error_update_count();
  }
  attach(q);
  const QueryOptions& o = resolved_->o;
  const bool enabled = enabled_of(core, o, *q);
  const bool load =
      enabled && !q->has_data() && !(q->status == QueryStatus::error && !o.retry_on_mount.value_or(true));
  if (load || (q->has_data() && should_fetch_on(refetch_on_of(core, o.refetch_on_mount, *q)))) {
    execute_fetch(false, std::nullopt);
  }
  dirty_ = true;
  schedule_notify();
}

void ObserverImpl::unmount() {
  clear_timers();
  Query* q = query_;
  query_ = nullptr;
  --core_->queries.mounted_observers;
  core_->remove_observer(*q, this);
}

Subscription ObserverImpl::subscribe(QueryListener listener, bool notify_now) {
  ClientCore& core = live();
  ClientCore::Op op(core);
  auto slot = listeners_.add(std::move(listener));
  if (notify_now) {
    first_calls_.push_back(slot);
    schedule_notify();
  }
  if (query_ == nullptr) mount();
  std::weak_ptr<ListenerList<const QueryResult&>::Slot> weak_slot = slot;
  return Subscription([self = shared_from_this(), weak_slot] {
    auto s = weak_slot.lock();
    if (!s || !s->active) return;
    self->listeners_.remove(s);
    if (self->core_ == nullptr || !self->listeners_.empty() || self->query_ == nullptr) return;
    ClientCore::Op op(*self->core_);
    self->unmount();
  });
}

void ObserverImpl::destroy() {
  ClientCore& core = live();
  ClientCore::Op op(core);
  listeners_.clear();
  first_calls_.clear();
  if (query_ != nullptr) unmount();
}

void ObserverImpl::end() noexcept {
  if (core_ == nullptr) return;
  listeners_.clear();
  first_calls_.clear();
  clear_timers();
  try {
    if (query_ != nullptr) unmount();
  } catch (...) {
    core_->report_current_exception();
  }
  core_->queries.observers.erase(this);
  if (scope_->app) scope_->observers.erase(this);
  core_ = nullptr;
}

// ---- options ----

bool ObserverImpl::should_fetch_on(RefetchOn on) const {
  if (core_ == nullptr) return false;
  const Query* q = query_ != nullptr ? query_ : core_->find(key_);
  const QueryOptions& o = resolved_->o;
  if (q == nullptr) {
    const bool* e = o.enabled.value_if();
    return (e == nullptr || *e) && on != RefetchOn::never;
  }
  if (!enabled_of(*core_, o, *q)) return false;
  const Millis st = stale_time_of(*core_, o, *q);
  if (st >= static_stale_time) return false;
  return on == RefetchOn::always || (on != RefetchOn::never && is_stale_now(*core_, *q, st));
}

void ObserverImpl::set_options(QueryOptions options) {
  ClientCore& core = live();
  check_key(options.key);
  ClientCore::Op op(core);
  Query* prev_query = query_ != nullptr ? query_ : core.find(key_);
  const bool prev_enabled = prev_query == nullptr || enabled_of(core, resolved_->o, *prev_query);
  options_ = std::move(options);
  set_resolved(core.resolve(&options_, options_.key, false, nullptr, scope_->options_owner()));
  // Functions have no identity in C++: new options always run select and placeholder again.
  memo_valid_ = false;
  placeholder_memo_.reset();
  Query* q;
  bool query_changed = false;
  if (!detail::key_equal(options_.key, key_)) {
    keep_last_data();  // of the key left
    key_ = options_.key;
    q = core.build(key_, resolved_);
    if (infinite_) q->flags |= infinite_flag;
    query_changed = true;
    data_count_at_attach_ = q->data_update_count;
    error_count_at_attach_ = q->error_update_count();
    if (query_ != nullptr) {
      Query* old = query_;
      query_ = nullptr;
      core.remove_observer(*old, this);
      query_ = q;
      core.add_observer(*q, this);
      clear_timers();
    }
  } else {
    q = query_ != nullptr ? query_ : core.build(key_, resolved_);
    core.set_options(*q, resolved_);
  }
  core.emit(QueryCacheEvent::Type::observer_options_updated, *q);
  if (query_ != nullptr) {
    const QueryOptions& o = resolved_->o;
    if ((query_changed || !prev_enabled) && enabled_of(core, o, *q) &&
        is_stale_now(core, *q, stale_time_of(core, o, *q))) {
      execute_fetch(false, std::nullopt);
    }
    dirty_ = true;
    schedule_notify();
  } else {
    current_ = make_result(*q, resolved_->o, true);
    result_in_step_ = false;
  }
}

// ---- results ----

QueryResult ObserverImpl::current_result() {
  if (core_ != nullptr && query_ != nullptr && dirty_) compute_result();
  return current_;
}

QueryInfo ObserverImpl::current_query() {
  ClientCore& core = live();
  ClientCore::Op op(core);
  Query* q = query_ != nullptr ? query_ : core.build(key_, resolved_);
  return info_of(core, *q);
}

/// Value::same_node decided inline for the pair a flush meets (two handles of one container
/// node: the query's data, the data last shown); the call GCC keeps out of line costs 14 a pair.
[[gnu::always_inline]] inline bool same_handle(const Value& a, const Value& b) noexcept {
  if (const Node* n = a.node()) return n == b.node() && a.type() == b.type();
  if (a.is_null()) return b.is_null();  // an error's detail, when there is no error
  return a.same_node(b);
}

/// Writes `value` over `field` when they differ, noting `p` in `m`: a flush learns what changed
/// from the writes themselves instead of comparing the whole result afterwards.
template <typename T, typename U>
[[gnu::always_inline]] inline void write_prop(T& field, const U& value, ResultProp p, PropMask& m) {
  if (!(field == value)) {
    field = value;
    m |= bit(p);
  }
}

/// As write_prop for an error: compared by code and message (same_error), written when either
/// side holds one.
[[gnu::always_inline]] inline void write_error(std::optional<Error>& field, const std::optional<Error>& value,
                                               ResultProp p, PropMask& m) {
  if (!field && !value) return;
  if (!same_error(field, value)) m |= bit(p);
  field = value;
}

std::uint64_t ObserverImpl::fill_from_query(QueryResult& r, const Query& q, bool enabled, bool stale) const {
  PropMask m = 0;
  write_prop(r.status, q.status, ResultProp::status, m);
  write_prop(r.fetch_status, q.fetch_status, ResultProp::fetch_status, m);
  write_prop(r.data_updated_at, Millis(q.data_updated_at), ResultProp::data_updated_at, m);
  if (const QueryErrors* c = q.errors()) {
    write_error(r.error, c->error, ResultProp::error, m);
    if (!same_handle(r.error_detail, c->error_detail)) r.error_detail = c->error_detail;
    write_prop(r.error_updated_at, c->error_updated_at, ResultProp::error_updated_at, m);
    write_prop(r.failure_count, c->failure_count, ResultProp::failure_count, m);
    write_error(r.failure_reason, c->failure_reason, ResultProp::failure_reason, m);
    if (!same_handle(r.failure_reason_detail, c->failure_reason_detail)) {
      r.failure_reason_detail = c->failure_reason_detail;
    }
    write_prop(r.error_update_count, c->error_update_count, ResultProp::error_update_count, m);
  } else {
    write_error(r.error, std::nullopt, ResultProp::error, m);
    if (!r.error_detail.is_null()) r.error_detail = Value();
    write_prop(r.error_updated_at, Millis{0}, ResultProp::error_updated_at, m);
    write_prop(r.failure_count, 0, ResultProp::failure_count, m);
    write_error(r.failure_reason, std::nullopt, ResultProp::failure_reason, m);
    if (!r.failure_reason_detail.is_null()) r.failure_reason_detail = Value();
    write_prop(r.error_update_count, std::uint32_t{0}, ResultProp::error_update_count, m);
  }
  write_prop(r.is_fetched, q.is_fetched(), ResultProp::is_fetched, m);
  write_prop(r.is_fetched_after_mount,
             q.data_update_count > data_count_at_attach_ || q.error_update_count() > error_count_at_attach_,
             ResultProp::is_fetched_after_mount, m);
  write_prop(r.is_invalidated, q.invalidated(), ResultProp::is_invalidated, m);
  write_prop(r.is_enabled, enabled, ResultProp::is_enabled, m);
  write_prop(r.is_stale, stale, ResultProp::is_stale, m);
  return m;
}

std::optional<std::uint64_t> ObserverImpl::compute_result() {
  dirty_ = false;
  result_in_step_ = false;
  const Query& q = *query_;
  const QueryOptions& o = resolved_->o;
  // The common result (data or none, no select, no placeholder shown, not infinite) is written
  // over current_ field by field instead of being built beside it and moved over it (every flush
  // of every observer; W4 flushes 10^4), each field compared as it is written.
  if (often_.select || select_error_ || q.infinite() || (!q.has_data() && often_.placeholder)) {
    current_ = make_result(q, o, true);
    return std::nullopt;
  }
  // What may call the user's functions comes first: if it throws, current_ is left as it was.
  const bool enabled = this->enabled();
  const bool stale = enabled && is_stale_now(*core_, q, stale_time());
  QueryResult& r = current_;
  PropMask m = fill_from_query(r, q, enabled, stale);
  write_prop(r.is_placeholder_data, false, ResultProp::is_placeholder_data, m);
  if (q.has_data()) {
    // The last data is what current_ shows now: noted, not copied (keep_last_data).
    if (!last_data_shown_) {
      last_data_shown_ = true;
      last_data_.reset();  // not held meanwhile: it is older than what current_ shows
    }
    if (!r.data) {
      r.data = q.data;
      m |= bit(ResultProp::data);
    } else if (!same_handle(*r.data, q.data)) {
      *r.data = q.data;
      m |= bit(ResultProp::data);
    }
  } else if (r.data) {
    keep_last_data();
    r.data.reset();
    m |= bit(ResultProp::data);
  }
  write_prop(r.has_next_page, false, ResultProp::has_next_page, m);
  write_prop(r.has_previous_page, false, ResultProp::has_previous_page, m);
  write_prop(r.is_fetching_next_page, false, ResultProp::is_fetching_next_page, m);
  write_prop(r.is_fetching_previous_page, false, ResultProp::is_fetching_previous_page, m);
  write_prop(r.is_fetch_next_page_error, false, ResultProp::is_fetch_next_page_error, m);
  write_prop(r.is_fetch_previous_page_error, false, ResultProp::is_fetch_previous_page_error, m);
  return m;
}

void ObserverImpl::keep_last_data() {
  if (!last_data_shown_) return;
  last_data_shown_ = false;
  last_data_ = current_.data;
  if (!same_handle(last_data_key_, key_)) last_data_key_ = key_;
}

QueryResult ObserverImpl::make_result(const Query& q, const QueryOptions& o, bool use_memo) {
  keep_last_data();  // it reads the last data, and its result may replace current_
  ClientCore& core = *core_;
  const bool enabled = enabled_of(core, o, q);
  const bool stale = enabled && is_stale_now(core, q, stale_time_of(core, o, q));
  QueryResult r;
  fill_from_query(r, q, enabled, stale);

  std::optional<Value> data;
  bool skip_select = false;
  if (q.has_data()) {
    data = q.data;
    if (use_memo && !(last_data_ && last_data_->same_node(q.data) && last_data_->type() == q.data.type())) {
      last_data_ = q.data;
      last_data_key_ = key_;
    }
  } else if (o.placeholder_data.has_value() && q.status == QueryStatus::pending) {
    std::optional<Value> placeholder;
    if (use_memo && placeholder_memo_) {
      placeholder = placeholder_memo_;
      skip_select = true;  // the memo holds the selected placeholder
    } else if (const Value* v = o.placeholder_data.value_if()) {
      placeholder = *v;
    } else if (const auto* fn = o.placeholder_data.function_if()) {
      std::optional<QueryInfo> previous;
      if (last_data_) {
        if (const Query* pq = core.find(last_data_key_)) previous = info_of(core, *pq);
      }
      placeholder = (*fn)(last_data_, previous ? &*previous : nullptr);
    }
    if (placeholder) {
      r.status = QueryStatus::success;
      r.is_placeholder_data = true;
      data = skip_select
                 ? std::move(placeholder)
                 : std::optional<Value>(replace_data(o, use_memo && current_.data ? &*current_.data : nullptr,
                                                     std::move(*placeholder)));
    }
  }
  std::optional<Error> select_error = use_memo ? select_error_ : std::nullopt;
  std::optional<Value> last_selected =
      use_memo && memo_valid_ ? std::optional<Value>(memo_out_) : std::nullopt;
  if (o.select && data && !skip_select) {
    if (use_memo && memo_valid_ && memo_in_.same_node(*data) && memo_in_.type() == data->type()) {
      data = memo_out_;
    } else {
      try {
        Value out = o.select(*data);
        if (use_memo) out = replace_data(o, current_.data ? &*current_.data : nullptr, std::move(out));
        if (use_memo) {
          memo_in_ = *data;
          memo_out_ = out;
          memo_valid_ = true;
        }
        data = std::move(out);
        select_error.reset();
      } catch (const Error& e) {
        select_error = e;
      } catch (const std::exception& e) {
        select_error = Error(ErrorCode::query_error, std::string("select threw: ") + e.what());
      } catch (...) {
        select_error = Error(ErrorCode::query_error, "select threw a non-standard exception");
      }
    }
  } else if (!data) {
    // A select error belongs to data that is gone (another query, a reset).
    select_error.reset();
  }
  if (use_memo) select_error_ = select_error;
  if (select_error) {
    r.error = select_error;
    data = last_selected;
    r.error_updated_at = core.now();
    r.status = QueryStatus::error;
    r.is_placeholder_data = false;
  }
  if (use_memo && r.is_placeholder_data) placeholder_memo_ = data;
  r.data = std::move(data);

  if (q.infinite()) {
    const std::optional<FetchDirection> d = q.fetch_direction();
    if (q.has_data()) {
      r.has_next_page = has_page(o, q.data, FetchDirection::forward);
      r.has_previous_page = has_page(o, q.data, FetchDirection::backward);
    }
    r.is_fetching_next_page = r.is_fetching() && d == FetchDirection::forward;
    r.is_fetching_previous_page = r.is_fetching() && d == FetchDirection::backward;
    r.is_fetch_next_page_error = r.is_error() && d == FetchDirection::forward;
    r.is_fetch_previous_page_error = r.is_error() && d == FetchDirection::backward;
  }
  return r;
}

[[gnu::always_inline]] inline bool ObserverImpl::data_known_changed() const {
  // The data shown is the query's, made by structural sharing against the node last told:
  // another node than that one is never deep-equal to it (QueryCold::shared_against).
  if (query_ == nullptr || !query_->cold || !query_->has_data() || !previous_.data || !current_.data)
    return false;
  const Node* base = query_->cold->shared_against;
  return base != nullptr && previous_.data->node() == base && same_handle(*current_.data, query_->data) &&
         current_.data->node() != base;
}

std::uint64_t ObserverImpl::changes_written(std::uint64_t written) const {
  constexpr PropMask data_bit = bit(ResultProp::data);
  PropMask m = written & ~derived_mask & ~data_bit;
  // Another node may still hold equal data (a refetch answering the same): compared as changes().
  if ((written & data_bit) != 0 && (data_known_changed() || !same_data(previous_.data, current_.data)))
    m |= data_bit;
  if ((m & derived_inputs_mask) != 0 || previous_.data.has_value() != current_.data.has_value()) {
    m |= changes_among<derived_mask>(previous_, current_, std::make_index_sequence<prop_count>{});
  }
  return m;
}

std::uint64_t ObserverImpl::watched() const {
  return often_.watched_fixed ? often_.watched_mask : watched_of(resolved_->o);
}

bool ObserverImpl::should_throw_error() {
  QueryResult r = current_result();
  if (!r.error || core_ == nullptr) return false;
  const QueryOptions& o = resolved_->o;
  if (const bool* v = o.throw_on_error.value_if()) return *v;
  if (const auto* fn = o.throw_on_error.function_if()) {
    const Query* q = query_ != nullptr ? query_ : core_->find(key_);
    if (q == nullptr) return false;
    return (*fn)(*r.error, info_of(*core_, *q));
  }
  return false;
}

// ---- notification ----

void ObserverImpl::on_query_update() {
  if (core_ == nullptr || query_ == nullptr) return;
  dirty_ = true;
  schedule_notify();
}

void ObserverImpl::schedule_notify() {
  if (notify_pending_ || core_ == nullptr) return;
  notify_pending_ = true;
  // Keep ourselves alive until the flush; the job itself is a plain function and this observer
  // (no std::function to build, move into the queue, move out and destroy: W4 notifies 10^4).
  pending_self_ = shared_from_this();
  BatcherAccess::enqueue_plain(
      core_->batcher(), [](void* self) { static_cast<ObserverImpl*>(self)->flush(); }, this, nullptr, 0);
}

void ObserverImpl::flush() {
  std::shared_ptr<ObserverImpl> self = std::move(pending_self_);
  pending_self_.reset();
  notify_pending_ = false;
  if (core_ == nullptr) return;
  // What differs from the last flush's result. When current_ was in step with it (nothing read
  // a newer result between flushes), the writes of compute_result's usual path say which fields
  // changed, and what they did not touch did not change: the result is not compared whole.
  const bool in_step = result_in_step_;
  std::optional<PropMask> written = PropMask{0};
  if (query_ != nullptr && dirty_) {
    written = compute_result();
    update_timers();
  }
  const PropMask changed =
      in_step && written ? changes_written(*written) : changes(previous_, current_, data_known_changed());
  const bool notify = (changed & watched()) != 0;
  if (changed != 0) {
    if (in_step && written) {
      catch_up_previous(*written);
    } else {
      previous_ = current_;
    }
  }
  result_in_step_ = true;
  if (changed != 0 && query_ != nullptr)
    core_->emit(QueryCacheEvent::Type::observer_results_updated, *query_);
  if (!notify && first_calls_.empty()) return;
  // Listeners get the flushed result (previous_ changes only at a flush, never while they run).
  const QueryResult& result = previous_;
  if (first_calls_.empty() && listeners_.size() == 1) {
    // The common case (observe): one listener told of a change, no copy of the list, no list of
    // first calls moved out and freed.
    const ListenerList<const QueryResult&>::SlotPtr slot = listeners_.first();
    if (slot->active && slot->fn) slot->fn(result);
    return;
  }
  auto firsts = std::move(first_calls_);
  first_calls_.clear();
  const auto tell = [&](const ListenerList<const QueryResult&>::SlotPtr& slot) {
    if (!slot->active || !slot->fn) return true;
    if (notify || std::find(firsts.begin(), firsts.end(), slot) != firsts.end()) {
      slot->fn(result);
      if (core_ == nullptr) return false;  // a listener ended us (its app unmounted, the client went away)
    }
    return true;
  };
  if (listeners_.size() == 1) {
    (void)tell(listeners_.first());
    return;
  }
  for (const auto& slot : listeners_.snapshot()) {
    if (!tell(slot)) return;
  }
}

// Every field of QueryResult is named below: one added there must be added here too.
static_assert(sizeof(void*) != 8 || sizeof(QueryResult) == 184,
              "QueryResult changed: catch_up_previous copies each of its fields by name");

void ObserverImpl::catch_up_previous(std::uint64_t written) {
  QueryResult& p = previous_;
  const QueryResult& c = current_;
  // Data and the two details are written without a bit of their own when only their node
  // changed (equal data, the same error again): compared by handle here, as cheap as a bit test.
  if (p.data.has_value() != c.data.has_value() || (c.data && !same_handle(*p.data, *c.data))) p.data = c.data;
  if (!same_handle(p.error_detail, c.error_detail)) p.error_detail = c.error_detail;
  if (!same_handle(p.failure_reason_detail, c.failure_reason_detail))
    p.failure_reason_detail = c.failure_reason_detail;
  // An error equal by code and message is written over its field without a bit (write_error):
  // copied whenever either side holds one, as it was written.
  if (p.error || c.error) p.error = c.error;
  if (p.failure_reason || c.failure_reason) p.failure_reason = c.failure_reason;
  // The plain fields, when any was written (a refetch's flush writes none: data alone changes).
  constexpr PropMask handled = bit(ResultProp::data) | bit(ResultProp::error) | bit(ResultProp::failure_reason);
  if ((written & ~handled & ~derived_mask) == 0) return;
  p.status = c.status;
  p.fetch_status = c.fetch_status;
  p.data_updated_at = c.data_updated_at;
  p.error_updated_at = c.error_updated_at;
  p.failure_count = c.failure_count;
  p.error_update_count = c.error_update_count;
  p.is_stale = c.is_stale;
  p.is_placeholder_data = c.is_placeholder_data;
  p.is_fetched = c.is_fetched;
  p.is_fetched_after_mount = c.is_fetched_after_mount;
  p.is_invalidated = c.is_invalidated;
  p.is_enabled = c.is_enabled;
  p.has_next_page = c.has_next_page;
  p.has_previous_page = c.has_previous_page;
  p.is_fetching_next_page = c.is_fetching_next_page;
  p.is_fetching_previous_page = c.is_fetching_previous_page;
  p.is_fetch_next_page_error = c.is_fetch_next_page_error;
  p.is_fetch_previous_page_error = c.is_fetch_previous_page_error;
}

// ---- timers ----

void ObserverImpl::clear_timers() {
  if (core_ == nullptr) return;
  if (stale_timer_ != 0) core_->runtime.scheduler().cancel(stale_timer_);
  if (interval_timer_ != 0) core_->runtime.scheduler().cancel(interval_timer_);
  stale_timer_ = 0;
  interval_timer_ = 0;
  current_interval_ = Millis{0};
}

void ObserverImpl::update_timers() {
  // No timer to run, none running: data that never goes stale and no polling (every flush of
  // W4's observers, whose data never expires) reads neither the query nor the clock.
  if (stale_timer_ == 0 && interval_timer_ == 0 && current_interval_ == Millis{0} && often_.timers_idle)
    return;
  ClientCore& core = *core_;
  Scheduler& sched = core.runtime.scheduler();
  // Stale timer: flip is_stale when the data ages past stale_time.
  if (stale_timer_ != 0) {
    sched.cancel(stale_timer_);
    stale_timer_ = 0;
  }
  if (query_ == nullptr) return;
  const Millis st = stale_time_of(core, resolved_->o, *query_);
  const Millis at(query_->has_data() && st < never_expires ? query_->data_updated_at + st.count() : 0);
  // Only a fresh result of an enabled observer turns stale later (a disabled one never does).
  if (!current_.is_stale && current_.is_enabled && st < never_expires && query_->has_data() &&
      at > core.now()) {
    std::weak_ptr<ObserverImpl> weak = shared_from_this();
    stale_timer_ = sched.schedule_at(at, [weak] {
      auto o = weak.lock();
      if (!o || o->core_ == nullptr) return;
      o->stale_timer_ = 0;
      ClientCore::Op op(*o->core_);
      o->on_query_update();
    });
  }
  // Polling (the interval may be a function of the query: recomputed on every update).
  const Millis interval = resolved_->o.refetch_interval.has_value() && enabled_of(core, resolved_->o, *query_)
                              ? refetch_interval_of(core, resolved_->o, *query_)
                              : Millis{0};
  if (interval == current_interval_ && (interval_timer_ != 0 || interval == Millis{0})) return;
  if (interval_timer_ != 0) sched.cancel(interval_timer_);
  interval_timer_ = 0;
  current_interval_ = interval;
  if (interval == Millis{0}) return;
  struct Tick {
    std::weak_ptr<ObserverImpl> weak;
    void operator()() const {
      auto o = weak.lock();
      if (!o || o->core_ == nullptr || o->query_ == nullptr) return;
      ClientCore& core = *o->core_;
      o->interval_timer_ = core.runtime.scheduler().schedule_after(o->current_interval_, Tick{weak});
      if (core.focused || o->resolved_->o.refetch_interval_in_background.value_or(false)) {
        ClientCore::Op op(core);
        o->execute_fetch(false, std::nullopt);
      }
    }
  };
  interval_timer_ = sched.schedule_after(interval, Tick{shared_from_this()});
}

// ---- fetching ----

void ObserverImpl::reattach_if_removed() {
  if (query_ == nullptr || !query_->removed()) return;
  // The query was removed while observed: rebuild it, as query-core's observer does on fetch.
  Query* old = query_;
  query_ = nullptr;
  core_->remove_observer(*old, this);
  bool created = false;
  Query* q = core_->build(key_, resolved_, &created);
  if (infinite_) q->flags |= infinite_flag;
  query_ = q;
  core_->add_observer(*q, this);
}

std::shared_ptr<FutureState> ObserverImpl::execute_fetch(bool cancel_refetch,
                                                         std::optional<FetchDirection> direction) {
  ClientCore& core = *core_;
  reattach_if_removed();
  Query* q = query_ != nullptr ? query_ : core.build(key_, resolved_);
  if (infinite_) q->flags |= infinite_flag;
  return fetch(core, *q, resolved_, cancel_refetch, direction);
}

std::shared_ptr<FutureState> ObserverImpl::refetch(bool cancel_refetch, bool throw_on_error,
                                                   std::optional<FetchDirection> direction) {
  ClientCore& core = live();
  ClientCore::Op op(core);
  auto fetched = execute_fetch(cancel_refetch, direction);
  auto out = make_future(core.batcher());
  std::weak_ptr<ObserverImpl> weak = shared_from_this();
  AsyncAccess::future(fetched).on_settled([weak, out, throw_on_error](const Outcome& o) {
    auto self = weak.lock();
    if (!self || self->core_ == nullptr) {
      out->settle(o);
      return;
    }
    // The result after the fetch (an unmounted observer reads its query once more).
    if (self->query_ != nullptr) {
      self->compute_result();
    } else if (const Query* q = self->core_->find(self->key_)) {
      self->current_ = self->make_result(*q, self->resolved_->o, true);
      self->result_in_step_ = false;
    }
    if (!o.ok && (throw_on_error || self->should_throw_error())) {
      out->settle(o);
    } else {
      out->settle(ok_outcome(self->current_.data.value_or(Value())));
    }
  });
  return out;
}

std::shared_ptr<FutureState> ObserverImpl::fetch_optimistic(QueryOptions options) {
  ClientCore& core = live();
  check_key(options.key);
  ClientCore::Op op(core);
  OptionsPtr r = core.resolve(&options, options.key, false, nullptr, scope_->options_owner());
  Query* q = core.build(options.key, r);
  if (infinite_) q->flags |= infinite_flag;
  auto out = make_future(core.batcher());
  std::weak_ptr<ObserverImpl> weak = shared_from_this();
  const Value key = options.key;
  // Settles early when the query gets data from elsewhere while this fetch runs.
  auto slot = core.queries.listeners.add([weak, out, key, r](const QueryCacheEvent& e) {
    auto self = weak.lock();
    if (out->settled || !self || self->core_ == nullptr) return;
    if (e.type != QueryCacheEvent::Type::updated || !detail::key_equal(e.key, key)) return;
    const Query* q = self->core_->find(key);
    if (q == nullptr || !q->has_data()) return;
    out->settle(ok_outcome(self->make_result(*q, r->o, false).data.value_or(Value())));
  });
  std::shared_ptr<QueryScope> scope = scope_;
  std::weak_ptr<ListenerList<const QueryCacheEvent&>::Slot> weak_slot = slot;
  auto fetched = fetch(core, *q, r, false);
  AsyncAccess::future(fetched).on_settled([weak, out, key, r, scope, weak_slot](const Outcome& o) {
    if (scope->core != nullptr) scope->core->queries.listeners.remove(weak_slot.lock());
    if (out->settled) return;
    auto self = weak.lock();
    if (!o.ok || !self || self->core_ == nullptr) {
      out->settle(o);
      return;
    }
    const Query* q = self->core_->find(key);
    out->settle(q != nullptr ? ok_outcome(self->make_result(*q, r->o, false).data.value_or(Value())) : o);
  });
  return out;
}

}  // namespace detail

// =============================================================================================
// QueryObserver

using detail::AsyncAccess;
using detail::ObserverImpl;

QueryObserver::QueryObserver(AppQueryClient& client, QueryOptions options)
    : impl_(std::make_shared<ObserverImpl>(client.core(), client.scope_, std::move(options), false)) {
  impl_->init();
}

QueryObserver::QueryObserver(AppQueryClient& client, QueryOptions options, Infinite)
    : impl_(std::make_shared<ObserverImpl>(client.core(), client.scope_, std::move(options), true)) {
  impl_->init();
}

QueryObserver::QueryObserver(QueryObserver&&) noexcept = default;
QueryObserver& QueryObserver::operator=(QueryObserver&& other) noexcept {
  if (this != &other) {
    if (impl_ && !impl_->ended()) {
      try {
        impl_->destroy();
      } catch (...) {
      }
    }
    impl_ = std::move(other.impl_);
  }
  return *this;
}

QueryObserver::~QueryObserver() {
  if (!impl_ || impl_->ended()) return;
  try {
    impl_->destroy();
  } catch (...) {
    if (impl_->core() != nullptr) impl_->core()->report_current_exception();
  }
}

void QueryObserver::set_options(QueryOptions options) { impl_->set_options(std::move(options)); }
QueryResult QueryObserver::get_current_result() const { return impl_->current_result(); }
QueryInfo QueryObserver::get_current_query() const { return impl_->current_query(); }
Subscription QueryObserver::subscribe(QueryListener listener) {
  return impl_->subscribe(std::move(listener), false);
}
bool QueryObserver::has_listeners() const noexcept { return impl_->has_listeners(); }

Future QueryObserver::refetch(RefetchOptions options) {
  return AsyncAccess::future(impl_->refetch(options.cancel_refetch, options.throw_on_error));
}

Future QueryObserver::fetch_optimistic(QueryOptions options) {
  return AsyncAccess::future(impl_->fetch_optimistic(std::move(options)));
}

bool QueryObserver::should_fetch_on_window_focus() const {
  const detail::ClientCore* core = impl_->core();
  if (core == nullptr) return false;
  const detail::Query* q = impl_->query() != nullptr ? impl_->query() : core->find(impl_->options()->o.key);
  if (q == nullptr) return impl_->should_fetch_on(RefetchOn::if_stale);
  return impl_->should_fetch_on(detail::refetch_on_of(*core, impl_->refetch_on_window_focus(), *q));
}

bool QueryObserver::should_fetch_on_reconnect() const {
  const detail::ClientCore* core = impl_->core();
  if (core == nullptr) return false;
  const detail::Query* q = impl_->query() != nullptr ? impl_->query() : core->find(impl_->options()->o.key);
  if (q == nullptr) return impl_->should_fetch_on(RefetchOn::if_stale);
  return impl_->should_fetch_on(detail::refetch_on_of(*core, impl_->refetch_on_reconnect(), *q));
}

bool QueryObserver::should_throw_error() const { return impl_->should_throw_error(); }
void QueryObserver::destroy() { impl_->destroy(); }

InfiniteQueryObserver::InfiniteQueryObserver(AppQueryClient& client, QueryOptions options)
    : QueryObserver(client, std::move(options), Infinite{}) {}

Future InfiniteQueryObserver::fetch_next_page(FetchPageOptions options) {
  return AsyncAccess::future(
      impl_->refetch(options.cancel_refetch, options.throw_on_error, FetchDirection::forward));
}

Future InfiniteQueryObserver::fetch_previous_page(FetchPageOptions options) {
  return AsyncAccess::future(
      impl_->refetch(options.cancel_refetch, options.throw_on_error, FetchDirection::backward));
}

}  // namespace mfstate
