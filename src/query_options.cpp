// Options: TanStack's defaults, the merge of option layers (one rule for every field, by
// reflection over QueryOptions / MutationOptions, so adding an option means declaring it once),
// query and mutation defaults by key, and reading an option for one query (values or functions
// of the query).
#include <boost/pfr.hpp>

#include <utility>

#include "mfstate/key.hpp"
#include "query_internal.hpp"
#include "query_sync_fetch.hpp"

namespace mfstate {

std::string_view to_string(QueryStatus s) noexcept {
  switch (s) {
    case QueryStatus::pending: return "pending";
    case QueryStatus::error: return "error";
    case QueryStatus::success: return "success";
  }
  return "pending";
}

std::string_view to_string(FetchStatus s) noexcept {
  switch (s) {
    case FetchStatus::fetching: return "fetching";
    case FetchStatus::paused: return "paused";
    case FetchStatus::idle: return "idle";
  }
  return "idle";
}

std::string_view to_string(MutationStatus s) noexcept {
  switch (s) {
    case MutationStatus::idle: return "idle";
    case MutationStatus::pending: return "pending";
    case MutationStatus::success: return "success";
    case MutationStatus::error: return "error";
  }
  return "idle";
}

void Fetcher::operator()(const FetchContext& context, Completion done) const {
  if (!fn_) throw Error(ErrorCode::invalid_argument, "Fetcher called without a function");
  fn_(context, std::move(done));
}

std::optional<Value> keep_previous_data(const std::optional<Value>& previous_data, const QueryInfo*) {
  return previous_data;
}

Fetcher sync_fetcher(std::function<Value(const Value& key)> fn) { return detail::SyncFetch{std::move(fn)}; }

namespace detail {

namespace {

// The merge rule, per field type: a field that is set wins.
bool is_set(const Value& v) noexcept { return !v.is_null(); }
bool is_set(const Fetcher& f) noexcept { return static_cast<bool>(f); }
template <typename T>
bool is_set(const std::optional<T>& v) noexcept {
  return v.has_value();
}
template <typename T, typename S>
bool is_set(const Option<T, S>& v) noexcept {
  return v.has_value();
}
template <typename S>
bool is_set(const std::function<S>& f) noexcept {
  return static_cast<bool>(f);
}

template <typename T>
void merge_fields(T& into, const T& from) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((is_set(boost::pfr::get<I>(from)) ? void(boost::pfr::get<I>(into) = boost::pfr::get<I>(from)) : void()),
     ...);
  }
  (std::make_index_sequence<boost::pfr::tuple_size_v<T>>{});
}

bool sets_retry(const QueryOptions& o) { return o.retry.has_value(); }

// Whether a field holds a function of the caller's (an app's code, which ends with the app).
bool holds_function(const Fetcher& f) noexcept { return static_cast<bool>(f) && !f.is_skip(); }
template <typename S>
bool holds_function(const std::function<S>& f) noexcept {
  return static_cast<bool>(f);
}
template <typename T>
  requires requires(const T& v) { v.function_if(); }
bool holds_function(const T& v) noexcept {
  return v.function_if() != nullptr;
}
template <typename T>
bool holds_function(const T&) noexcept {
  return false;
}

/// Whether `o` gives any function: options without one run nothing of their giver's.
bool gives_function(const QueryOptions& o) noexcept {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return (holds_function(boost::pfr::get<I>(o)) || ...);
  }(std::make_index_sequence<boost::pfr::tuple_size_v<QueryOptions>>{});
}

QueryInfo info_for(const ClientCore& core, const Query& q) { return info_of(core, q); }

}  // namespace

void merge_options(QueryOptions& into, const QueryOptions& from) { merge_fields(into, from); }
void merge_options(MutationOptions& into, const MutationOptions& from) { merge_fields(into, from); }

void ResolvedOptions::seal() noexcept {
  network_mode = o.network_mode.value_or(NetworkMode::online);
  const bool* share = o.structural_sharing.value_if();
  sharing = o.structural_sharing.function_if() != nullptr ? Sharing::function
            : share == nullptr || *share                  ? Sharing::deep
                                                          : Sharing::none;
}

OptionsPtr with_gc_time(const OptionsPtr& o, std::optional<Millis> gc_time) {
  if (o->o.gc_time == gc_time) return o;
  auto copy = boost::intrusive_ptr<ResolvedOptions>(new ResolvedOptions(o->owner));
  copy->o = o->o;
  copy->own_fetcher = o->own_fetcher;
  copy->o.gc_time = gc_time;
  copy->seal();
  return copy;
}

const QueryOptions& tanstack_defaults() {
  static const QueryOptions d = [] {
    QueryOptions o;
    o.stale_time = Millis{0};
    o.gc_time = Millis{5 * 60 * 1000};
    o.retry = 3;
    o.network_mode = NetworkMode::online;
    o.structural_sharing = true;
    o.enabled = true;
    o.refetch_interval_in_background = false;
    o.refetch_on_mount = RefetchOn::if_stale;
    o.refetch_on_window_focus = RefetchOn::if_stale;
    o.refetch_on_reconnect = RefetchOn::if_stale;
    o.retry_on_mount = true;
    o.throw_on_error = false;
    o.max_pages = 0;
    return o;
  }();
  return d;
}

OptionsPtr ClientCore::resolve(const QueryOptions* o, const Value& key, bool no_retry_default,
                               const QueryOptions* over_defaults, OwnedOptions* owner) {
  const auto matching = [&](const auto& d) { return matches(d.first, key); };
  if (o == nullptr && over_defaults == nullptr && defaults.plain && !no_retry_default) {
    bool any = false;
    for (const auto& d : defaults.queries) {
      if (matching(d)) {
        any = true;
        break;
      }
    }
    if (!any) return defaults.plain;
  }
  // Listed as the app's only when its call gave a function: the shell's functions (its defaults)
  // are not the app's, and go on serving after it ends.
  const bool app_code = owner != nullptr && o != nullptr && gives_function(*o);
  auto r = boost::intrusive_ptr<ResolvedOptions>(new ResolvedOptions(app_code ? owner : nullptr));
  r->own_fetcher = app_code && static_cast<bool>(o->fetcher);
  QueryOptions& m = r->o;
  bool retry_set = sets_retry(options.defaults);
  merge_options(m, options.defaults);
  for (const auto& d : defaults.queries) {
    if (matching(d)) {
      merge_options(m, d.second);
      retry_set = retry_set || sets_retry(d.second);
    }
  }
  if (over_defaults != nullptr) {
    merge_options(m, *over_defaults);
    retry_set = retry_set || sets_retry(*over_defaults);
  }
  if (o != nullptr) {
    merge_options(m, *o);
    retry_set = retry_set || sets_retry(*o);
  }
  // query-core's dependent defaults: fetchQuery does not retry; refetchOnReconnect follows
  // networkMode; skipToken disables.
  if (no_retry_default && !retry_set) m.retry = 0;
  if (!m.refetch_on_reconnect.has_value() && m.network_mode == NetworkMode::always) {
    m.refetch_on_reconnect = RefetchOn::never;
  }
  if (m.fetcher.is_skip()) m.enabled = false;
  QueryOptions filled = tanstack_defaults();
  merge_options(filled, m);
  m = std::move(filled);
  m.key = key;
  r->seal();
  return r;
}

MutationOptions ClientCore::resolve(const MutationOptions& o, const MutationOptions* over_defaults) const {
  MutationOptions m = options.mutation_defaults;
  if (o.mutation_key.is_array()) {
    for (const auto& d : defaults.mutations) {
      if (matches(d.first, o.mutation_key)) merge_options(m, d.second);
    }
  }
  if (over_defaults != nullptr) merge_options(m, *over_defaults);
  merge_options(m, o);
  if (!m.retry.has_value()) m.retry = 0;
  if (!m.network_mode) m.network_mode = NetworkMode::online;
  if (!m.gc_time) m.gc_time = Millis{5 * 60 * 1000};
  return m;
}

QueryOptions ClientCore::query_defaults_of(const Value& key) const {
  QueryOptions out;
  for (const auto& d : defaults.queries) {
    if (matches(d.first, key)) merge_options(out, d.second);
  }
  return out;
}

MutationOptions ClientCore::mutation_defaults_of(const Value& key) const {
  MutationOptions out;
  for (const auto& d : defaults.mutations) {
    if (matches(d.first, key)) merge_options(out, d.second);
  }
  return out;
}

// ---- reading an option for one query ----

Millis stale_time_function(const ClientCore& core, const QueryOptions& o, const Query& q) {
  if (const auto* fn = o.stale_time.function_if()) return (*fn)(info_for(core, q));
  return Millis{0};
}

bool enabled_function(const ClientCore& core, const QueryOptions& o, const Query& q) {
  if (const auto* fn = o.enabled.function_if()) return (*fn)(info_for(core, q));
  return true;
}

RefetchOn refetch_on_of(const ClientCore& core, const RefetchOnOption& o, const Query& q) {
  if (const RefetchOn* v = o.value_if()) return *v;
  if (const auto* fn = o.function_if()) return (*fn)(info_for(core, q));
  return RefetchOn::if_stale;
}

Millis refetch_interval_of(const ClientCore& core, const QueryOptions& o, const Query& q) {
  Millis d{0};
  if (const Millis* v = o.refetch_interval.value_if()) {
    d = *v;
  } else if (const auto* fn = o.refetch_interval.function_if()) {
    d = (*fn)(info_for(core, q));
  }
  return d < Millis{0} || d >= never_expires ? Millis{0} : d;
}

Value replace_data(const QueryOptions& o, const Value* prev, Value next, const Node** shared_against) {
  if (shared_against != nullptr) *shared_against = nullptr;
  if (const auto* fn = o.structural_sharing.function_if()) {
    return (*fn)(prev != nullptr ? std::optional<Value>(*prev) : std::nullopt, next);
  }
  const bool* share = o.structural_sharing.value_if();
  if (prev != nullptr && (share == nullptr || *share)) {
    if (shared_against != nullptr) *shared_against = prev->node();
    return replace_equal_deep(*prev, std::move(next));
  }
  return next;
}

}  // namespace detail
}  // namespace mfstate
