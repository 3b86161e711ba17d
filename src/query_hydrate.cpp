// dehydrate / hydrate (query-core's hydration.ts): the caches to and from plain structs, and those
// to and from query-core's JSON shape, so a server-rendered or persisted cache can seed a client.
// Newer data wins on hydrate; a pending query hydrated with its fetch's Future is settled by it;
// paused mutations come back paused and resume with resume_paused_mutations.
#include <limits>
#include <string>

#include "mfstate/key.hpp"
#include "query_internal.hpp"

namespace mfstate {

using detail::ClientCore;
using detail::Query;

namespace {

// ---- to JSON ----

Value error_value(const std::optional<Error>& e) {
  if (!e) return Value();
  return Value::object({{"code", std::string(to_string(e->code()))}, {"message", std::string(e->what())}});
}

Value direction_value(const std::optional<FetchDirection>& d) {
  if (!d) return Value();
  return Value::object({{"fetchMore", Value::object({{"direction", *d == FetchDirection::forward ? "forward"
                                                                                                   : "backward"}})}});
}

Value query_state_value(const QueryState& s) {
  Value state = Value::object({
      {"data", s.data ? *s.data : Value()},
      {"dataUpdateCount", static_cast<std::int64_t>(s.data_update_count)},
      {"dataUpdatedAt", s.data_updated_at.count()},
      {"error", error_value(s.error)},
      {"errorUpdateCount", static_cast<std::int64_t>(s.error_update_count)},
      {"errorUpdatedAt", s.error_updated_at.count()},
      {"fetchFailureCount", s.failure_count},
      {"fetchFailureReason", error_value(s.failure_reason)},
      {"fetchMeta", direction_value(s.fetch_direction)},
      {"fetchStatus", std::string(to_string(s.fetch_status))},
      {"isInvalidated", s.is_invalidated},
      {"status", std::string(to_string(s.status))},
  });
  if (!s.data) state = std::move(state).erase("data");
  return state;
}

Value mutation_state_value(const MutationState& s) {
  Value state = Value::object({
      {"context", s.context},
      {"data", s.data ? *s.data : Value()},
      {"error", error_value(s.error)},
      {"failureCount", s.failure_count},
      {"failureReason", error_value(s.failure_reason)},
      {"isPaused", s.is_paused},
      {"status", std::string(to_string(s.status))},
      {"submittedAt", s.submitted_at.count()},
      {"variables", s.variables},
  });
  if (!s.data) state = std::move(state).erase("data");
  return state;
}

// ---- from JSON ----

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  throw Error(ErrorCode::invalid_argument,
              "hydrate: " + where + ": " + what + " (expected query-core's dehydrated shape)");
}

ErrorCode code_from(std::string_view s) {
  for (int c = 0; c <= static_cast<int>(ErrorCode::already_published); ++c) {
    if (to_string(static_cast<ErrorCode>(c)) == s) return static_cast<ErrorCode>(c);
  }
  return ErrorCode::query_error;
}

std::optional<Error> error_from(const Value* e) {
  if (e == nullptr || e->is_null()) return std::nullopt;
  if (e->is_string()) return Error(ErrorCode::query_error, std::string(e->as_string()));
  if (!e->is_object()) return Error(ErrorCode::query_error, "hydrated error");
  const Value* msg = e->find("message");
  const Value* code = e->find("code");
  return Error(code != nullptr && code->is_string() ? code_from(code->as_string()) : ErrorCode::query_error,
               msg != nullptr && msg->is_string() ? std::string(msg->as_string()) : "hydrated error");
}

// JavaScript's safe integers: a time in milliseconds, or a count, past them is no state query-core
// writes.
constexpr std::int64_t max_safe_integer = (std::int64_t{1} << 53) - 1;

// A whole number from `lo` to `hi` (a fraction is cut toward zero). A dehydrated state is input (a
// persisted cache any script of the origin may have written): a double such as 1e300 cast to an
// int64 is undefined behaviour, and a negative count cast to unsigned wraps, so both are refused.
std::int64_t whole_number(const std::string& where, const Value& v, const std::string& name,
                          std::int64_t lo = -max_safe_integer, std::int64_t hi = max_safe_integer) {
  if (!v.is_number()) bad(where, name + " must be a number");
  if (v.is_int() && v.as_int() >= lo && v.as_int() <= hi) return v.as_int();
  const double d = v.as_double();
  if (!(d > static_cast<double>(lo) - 1 && d < static_cast<double>(hi) + 1)) {
    bad(where, name + " must be a number from " + std::to_string(lo) + " to " + std::to_string(hi));
  }
  return static_cast<std::int64_t>(d);
}

std::int64_t int_field(const std::string& where, const Value& st, const char* name,
                       std::int64_t lo = -max_safe_integer, std::int64_t hi = max_safe_integer) {
  const Value* v = st.find(name);
  if (v == nullptr || v->is_null()) return 0;
  return whole_number(where, *v, std::string("state.") + name, lo, hi);
}

constexpr std::int64_t max_count = std::numeric_limits<std::uint32_t>::max();
constexpr std::int64_t max_failures = std::numeric_limits<int>::max();

bool bool_field(const std::string& where, const Value& st, const char* name) {
  const Value* v = st.find(name);
  if (v == nullptr || v->is_null()) return false;
  if (!v->is_bool()) bad(where, std::string("state.") + name + " must be a boolean");
  return v->as_bool();
}

QueryStatus query_status_from(const std::string& where, const Value& st) {
  const Value* status = st.find("status");
  if (status == nullptr || !status->is_string()) bad(where, "state.status must be a string");
  const std::string_view s = status->as_string();
  if (s == "success") return QueryStatus::success;
  if (s == "error") return QueryStatus::error;
  if (s == "pending") return QueryStatus::pending;
  bad(where, "state.status must be \"pending\", \"error\" or \"success\", not \"" + std::string(s) + "\"");
}

FetchStatus fetch_status_from(const std::string& where, const Value& st) {
  const Value* v = st.find("fetchStatus");
  if (v == nullptr || v->is_null()) return FetchStatus::idle;
  if (!v->is_string()) bad(where, "state.fetchStatus must be a string");
  const std::string_view s = v->as_string();
  if (s == "idle") return FetchStatus::idle;
  if (s == "fetching") return FetchStatus::fetching;
  if (s == "paused") return FetchStatus::paused;
  bad(where, "state.fetchStatus must be \"fetching\", \"paused\" or \"idle\", not \"" + std::string(s) + "\"");
}

MutationStatus mutation_status_from(const std::string& where, const Value& st) {
  const Value* status = st.find("status");
  if (status == nullptr || !status->is_string()) bad(where, "state.status must be a string");
  const std::string_view s = status->as_string();
  if (s == "idle") return MutationStatus::idle;
  if (s == "pending") return MutationStatus::pending;
  if (s == "success") return MutationStatus::success;
  if (s == "error") return MutationStatus::error;
  bad(where, "state.status must be \"idle\", \"pending\", \"success\" or \"error\", not \"" + std::string(s) + "\"");
}

DehydratedQuery query_from(std::size_t i, const Value& q) {
  const std::string where = "queries/" + std::to_string(i);
  if (!q.is_object()) bad(where, "not an object");
  const Value* k = q.find("queryKey");
  if (k == nullptr || !k->is_array()) bad(where, "queryKey must be an array");
  const Value* st = q.find("state");
  if (st == nullptr || !st->is_object()) bad(where, "state must be an object");
  DehydratedQuery d;
  d.key = *k;
  try {
    d.hash = key_string(*k);
  } catch (const Error&) {  // a Value built in C++ (JSON has neither): not the JSON shape
    bad(where, "queryKey holds NaN or an infinity, which JSON cannot spell");
  }
  QueryState& s = d.state;
  s.status = query_status_from(where, *st);
  if (const Value* data = st->find("data")) s.data = *data;
  if (s.status == QueryStatus::success && !s.data) bad(where, "a successful state needs data");
  s.fetch_status = fetch_status_from(where, *st);
  s.data_updated_at = Millis(int_field(where, *st, "dataUpdatedAt"));
  s.error_updated_at = Millis(int_field(where, *st, "errorUpdatedAt"));
  s.data_update_count = static_cast<std::uint32_t>(int_field(where, *st, "dataUpdateCount", 0, max_count));
  s.error_update_count = static_cast<std::uint32_t>(int_field(where, *st, "errorUpdateCount", 0, max_count));
  s.failure_count = static_cast<int>(int_field(where, *st, "fetchFailureCount", 0, max_failures));
  s.error = error_from(st->find("error"));
  s.failure_reason = error_from(st->find("fetchFailureReason"));
  s.is_invalidated = bool_field(where, *st, "isInvalidated");
  if (const Value* meta = st->find("fetchMeta"); meta != nullptr && meta->is_object()) {
    if (const Value* more = meta->find("fetchMore"); more != nullptr && more->is_object()) {
      const Value* dir = more->find("direction");
      if (dir != nullptr && dir->is_string()) {
        s.fetch_direction = dir->as_string() == "backward" ? FetchDirection::backward : FetchDirection::forward;
      }
    }
  }
  if (const Value* meta = q.find("meta")) d.meta = *meta;
  if (const Value* type = q.find("queryType"); type != nullptr && type->is_string()) {
    d.infinite = type->as_string() == "infinite";
  }
  if (const Value* at = q.find("dehydratedAt"); at != nullptr && !at->is_null()) {
    d.dehydrated_at = Millis(whole_number(where, *at, "dehydratedAt"));
  }
  return d;
}

DehydratedMutation mutation_from(std::size_t i, const Value& m) {
  const std::string where = "mutations/" + std::to_string(i);
  if (!m.is_object()) bad(where, "not an object");
  DehydratedMutation d;
  if (const Value* k = m.find("mutationKey"); k != nullptr && !k->is_null()) {
    if (!k->is_array()) bad(where, "mutationKey must be an array");
    d.mutation_key = *k;
  }
  const Value* st = m.find("state");
  if (st == nullptr || !st->is_object()) bad(where, "state must be an object");
  MutationState& s = d.state;
  s.status = mutation_status_from(where, *st);
  if (const Value* v = st->find("context")) s.context = *v;
  if (const Value* v = st->find("data"); v != nullptr && s.status == MutationStatus::success) s.data = *v;
  if (const Value* v = st->find("variables")) s.variables = *v;
  s.error = error_from(st->find("error"));
  s.failure_reason = error_from(st->find("failureReason"));
  s.failure_count = static_cast<int>(int_field(where, *st, "failureCount", 0, max_failures));
  s.is_paused = bool_field(where, *st, "isPaused");
  s.submitted_at = Millis(int_field(where, *st, "submittedAt"));
  if (const Value* meta = m.find("meta")) d.meta = *meta;
  if (const Value* scope = m.find("scope"); scope != nullptr && scope->is_object()) {
    const Value* id = scope->find("id");
    if (id == nullptr || !id->is_string()) bad(where, "scope.id must be a string");
    d.scope = std::string(id->as_string());
  }
  return d;
}

// The queryHash of a dehydrated query: its hash as recorded, else key_string of its key; "" for a
// key JSON cannot spell (one holding NaN or an infinity).
std::string query_hash(const DehydratedQuery& d) {
  return d.hash.empty() ? detail::key_text_or_none(d.key) : d.hash;
}

}  // namespace

Value DehydratedState::to_value() const {
  std::vector<Value> qs;
  qs.reserve(queries.size());
  for (const DehydratedQuery& d : queries) {
    // A key JSON cannot spell is left out, as JSON.stringify leaves out a promise: written as
    // query-core would write it (NaN as null) it would name another query, and refusing the whole
    // state would let one app's key stop the shell's dehydrate (the query stays in `queries` for
    // a C++ hydrate).
    std::string hash = query_hash(d);
    if (hash.empty()) continue;
    Value q = Value::object({{"dehydratedAt", d.dehydrated_at.count()},
                             {"queryHash", std::move(hash)},
                             {"queryKey", d.key},
                             {"state", query_state_value(d.state)}});
    if (!d.meta.is_null()) q = std::move(q).set("meta", d.meta);
    if (d.infinite) q = std::move(q).set("queryType", "infinite");
    qs.push_back(std::move(q));
  }
  std::vector<Value> ms;
  ms.reserve(mutations.size());
  for (const DehydratedMutation& d : mutations) {
    Value m = Value::object({{"state", mutation_state_value(d.state)}});
    if (!d.mutation_key.is_null()) m = std::move(m).set("mutationKey", d.mutation_key);
    if (!d.meta.is_null()) m = std::move(m).set("meta", d.meta);
    if (d.scope) m = std::move(m).set("scope", Value::object({{"id", *d.scope}}));
    ms.push_back(std::move(m));
  }
  return Value::object({{"mutations", Value::array(std::move(ms))}, {"queries", Value::array(std::move(qs))}});
}

DehydratedState DehydratedState::from_value(const Value& v) {
  DehydratedState out;
  if (!v.is_object()) {
    throw Error(ErrorCode::invalid_argument,
                "hydrate: expected an object with \"queries\" and \"mutations\", got " + std::string(to_string(v.type())));
  }
  if (const Value* queries = v.find("queries"); queries != nullptr && !queries->is_null()) {
    if (!queries->is_array()) throw Error(ErrorCode::invalid_argument, "hydrate: \"queries\" must be an array");
    std::size_t i = 0;
    for (const Value& q : queries->as_array()) out.queries.push_back(query_from(i++, q));
  }
  if (const Value* mutations = v.find("mutations"); mutations != nullptr && !mutations->is_null()) {
    if (!mutations->is_array()) throw Error(ErrorCode::invalid_argument, "hydrate: \"mutations\" must be an array");
    std::size_t i = 0;
    for (const Value& m : mutations->as_array()) out.mutations.push_back(mutation_from(i++, m));
  }
  return out;
}

// ---- dehydrate ----

bool default_should_dehydrate_query(const QueryInfo& query) noexcept {
  return query.state.status == QueryStatus::success;
}

bool default_should_dehydrate_mutation(const MutationInfo& mutation) noexcept { return mutation.state.is_paused; }

DehydratedState QueryClient::dehydrate() const { return dehydrate(DehydrateOptions{}); }

DehydratedState QueryClient::dehydrate(const DehydrateOptions& options) const {
  if (!scope_ || scope_->app || !owned_) {
    throw Error(ErrorCode::invalid_argument, "dehydrate is the shell's: an app's query client cannot");
  }
  ClientCore& c = *owned_;
  const DehydrateOptions& d = c.options.dehydrate;
  const auto& keep_query = options.should_dehydrate_query ? options.should_dehydrate_query : d.should_dehydrate_query;
  const auto& keep_mutation =
      options.should_dehydrate_mutation ? options.should_dehydrate_mutation : d.should_dehydrate_mutation;
  const auto& redact = options.should_redact_errors ? options.should_redact_errors : d.should_redact_errors;
  const auto& serialize = options.serialize_data ? options.serialize_data : d.serialize_data;
  ClientCore::Op op(c);
  DehydratedState out;
  for (const detail::MutationImpl& m : c.mutations.all) {
    MutationInfo info = detail::info_of(m);
    if (keep_mutation ? !keep_mutation(info) : !default_should_dehydrate_mutation(info)) continue;
    out.mutations.push_back(DehydratedMutation{info.mutation_key, std::move(info.state), info.meta, info.scope});
  }
  std::vector<Query*> qs;
  c.collect(QueryFilters{}, qs);
  for (Query* q : qs) {
    QueryInfo info = detail::info_of(c, *q);
    if (keep_query ? !keep_query(info) : !default_should_dehydrate_query(info)) continue;
    DehydratedQuery dq;
    dq.key = info.key;
    // "" for a key JSON cannot spell: such a query is dehydrated all the same, with its key, for a
    // C++ hydrate; only its JSON shape (to_value) leaves it out. One app's key cannot make the
    // shell's dehydrate fail.
    dq.hash = detail::key_text_or_none(info.key);
    dq.state = std::move(info.state);
    if (serialize && dq.state.data) dq.state.data = serialize(*dq.state.data);
    dq.meta = info.meta;
    dq.infinite = info.infinite;
    dq.dehydrated_at = c.now();
    if (dq.state.status == QueryStatus::pending && q->fetching()) {
      // The fetch in flight, as the other side will see it: data serialized, errors redacted.
      auto joined = detail::fetch(c, *q, nullptr, false);
      auto promise = detail::make_future(c.batcher());
      detail::AsyncAccess::future(joined).on_settled([promise, serialize, redact](const Outcome& o) {
        if (o.ok) {
          promise->settle(detail::ok_outcome(serialize ? serialize(o.value) : o.value));
        } else if (redact && o.error && !redact(*o.error)) {
          promise->settle(o);
        } else {
          promise->settle(detail::error_outcome(Error(ErrorCode::query_error, "redacted")));
        }
      });
      dq.promise = detail::AsyncAccess::future(promise);
    }
    out.queries.push_back(std::move(dq));
  }
  return out;
}

// ---- hydrate ----

void QueryClient::hydrate(const Value& dehydrated) { hydrate(DehydratedState::from_value(dehydrated)); }
void QueryClient::hydrate(const Value& dehydrated, const HydrateOptions& options) {
  hydrate(DehydratedState::from_value(dehydrated), options);
}
void QueryClient::hydrate(const DehydratedState& state) { hydrate(state, HydrateOptions{}); }

void QueryClient::hydrate(const DehydratedState& state, const HydrateOptions& options) {
  if (!scope_ || scope_->app || !owned_) {
    throw Error(ErrorCode::invalid_argument, "hydrate is the shell's: an app's query client cannot");
  }
  ClientCore& c = *owned_;
  for (const DehydratedQuery& dq : state.queries) check_key(dq.key);
  for (const DehydratedMutation& dm : state.mutations) {
    if (!dm.mutation_key.is_null()) check_key(dm.mutation_key);
  }
  // Default options: the client's hydrate defaults, then the call's.
  QueryOptions query_defaults = c.options.hydrate.queries;
  detail::merge_options(query_defaults, options.queries);
  MutationOptions mutation_defaults = c.options.hydrate.mutations;
  detail::merge_options(mutation_defaults, options.mutations);
  const auto& deserialize = options.deserialize_data ? options.deserialize_data : c.options.hydrate.deserialize_data;
  ClientCore::Op op(c);

  for (const DehydratedMutation& dm : state.mutations) {
    MutationOptions mo;
    mo.mutation_key = dm.mutation_key;
    mo.meta = dm.meta;
    mo.scope = dm.scope;
    (void)detail::build_mutation(c, c.resolve(mo, &mutation_defaults), nullptr, &dm.state);
  }

  for (const DehydratedQuery& dq : state.queries) {
    // A promise already settled with data is as good as data (query-core's tryResolveSync).
    std::optional<Value> sync;
    if (dq.promise && dq.promise->ready() && dq.promise->ok()) sync = dq.promise->value();
    std::optional<Value> data = dq.state.data ? dq.state.data : sync;
    if (data && deserialize) data = deserialize(*data);
    const bool pending_with_data = dq.state.status == QueryStatus::pending && data.has_value();

    Query* q = c.find(dq.key);
    const bool existing_pending = q != nullptr && q->status == QueryStatus::pending;
    const bool existing_fetching = q != nullptr && q->fetch_status == FetchStatus::fetching;
    if (q != nullptr) {
      const bool newer_sync = sync && dq.dehydrated_at.count() > q->data_updated_at;
      if (dq.state.data_updated_at.count() > q->data_updated_at || newer_sync) {
        QueryState s = dq.state;
        s.data = data;
        s.fetch_status = q->fetch_status;  // a fetch in flight here keeps running
        if (pending_with_data) {
          s.status = QueryStatus::success;
          s.data_updated_at = dq.dehydrated_at;
          if (!existing_fetching) s.fetch_status = FetchStatus::idle;
        }
        detail::QueryAction a{detail::QueryAction::set_state};
        a.state = &s;
        detail::dispatch(c, *q, std::move(a));
      }
    } else {
      QueryOptions qo;
      qo.meta = dq.meta;
      QueryState s = dq.state;
      s.data = data;
      s.fetch_status = FetchStatus::idle;
      if (pending_with_data) {
        s.status = QueryStatus::success;
        s.data_updated_at = dq.dehydrated_at;
      }
      // Built with its state, as query-core's: the cache tells `added` and no `updated`.
      q = c.build(dq.key, c.resolve(&qo, dq.key, false, &query_defaults), nullptr, nullptr, &s);
      if (dq.infinite) q->flags |= detail::infinite_flag;
    }
    if (dq.promise && !sync && !existing_pending && !existing_fetching &&
        (dq.dehydrated_at.count() == 0 || dq.dehydrated_at.count() > q->data_updated_at)) {
      // Fetching until the dehydrating side's fetch settles it.
      (void)detail::fetch(c, *q, nullptr, false, std::nullopt, &*dq.promise, deserialize);
    }
  }
}

}  // namespace mfstate
