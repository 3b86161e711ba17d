// dehydrate / hydrate: the cache to and from a Value, in query-core's dehydrated shape, so a
// server-rendered or persisted cache can seed a client. Newer data wins on hydrate.
#include "mfstate/key.hpp"
#include "query_internal.hpp"

namespace mfstate {

using detail::ClientCore;
using detail::Query;

namespace {

Value error_value(const std::optional<Error>& e) {
  if (!e) return Value();
  return Value::object({{"code", std::string(to_string(e->code()))}, {"message", std::string(e->what())}});
}

ErrorCode code_from(std::string_view s) {
  for (int c = 0; c <= static_cast<int>(ErrorCode::http_error); ++c) {
    if (to_string(static_cast<ErrorCode>(c)) == s) return static_cast<ErrorCode>(c);
  }
  return ErrorCode::query_error;
}

[[noreturn]] void bad(std::size_t i, const std::string& what) {
  throw Error(ErrorCode::invalid_argument,
              "hydrate: queries/" + std::to_string(i) + ": " + what + " (expected query-core's dehydrated shape)");
}

QueryStatus status_from(std::size_t i, std::string_view s) {
  if (s == "success") return QueryStatus::success;
  if (s == "error") return QueryStatus::error;
  if (s == "pending") return QueryStatus::pending;
  bad(i, "state.status must be \"pending\", \"error\" or \"success\", not \"" + std::string(s) + "\"");
}

}  // namespace

Value QueryClient::dehydrate(const DehydrateOptions& options) const {
  std::vector<Query*> qs;
  core_->index.collect_all(qs);
  std::vector<Value> out;
  out.reserve(qs.size());
  for (Query* q : qs) {
    Value key = core_->key_of(*q);
    QueryState s = detail::snapshot(*q);
    const bool keep = options.should_dehydrate_query ? options.should_dehydrate_query(key, s)
                                                     : s.status == QueryStatus::success;
    if (!keep) continue;
    Value state = Value::object({
        {"data", s.data ? *s.data : Value()},
        {"dataUpdateCount", static_cast<std::int64_t>(s.data_update_count)},
        {"dataUpdatedAt", s.data_updated_at.count()},
        {"error", error_value(s.error)},
        {"errorUpdateCount", static_cast<std::int64_t>(s.error_update_count)},
        {"errorUpdatedAt", s.error_updated_at.count()},
        {"fetchFailureCount", s.failure_count},
        {"fetchFailureReason", error_value(s.failure_reason)},
        {"fetchMeta", Value()},
        {"isInvalidated", s.is_invalidated},
        {"status", std::string(to_string(s.status))},
        {"fetchStatus", "idle"},
    });
    if (!s.data) state = std::move(state).erase("data");
    out.push_back(Value::object({{"queryKey", key}, {"queryHash", key_string(key)}, {"state", std::move(state)}}));
  }
  return Value::object({{"mutations", Value::array()}, {"queries", Value::array(std::move(out))}});
}

void QueryClient::hydrate(const Value& dehydrated) {
  if (!dehydrated.is_object()) {
    throw Error(ErrorCode::invalid_argument, "hydrate: expected an object with \"queries\", got " +
                                                 std::string(to_string(dehydrated.type())));
  }
  const Value* queries = dehydrated.find("queries");
  if (queries == nullptr) return;
  if (!queries->is_array()) throw Error(ErrorCode::invalid_argument, "hydrate: \"queries\" must be an array");
  // Read everything first: a bad entry changes nothing.
  std::vector<std::pair<Value, QueryState>> parsed;
  std::size_t i = 0;
  for (const Value& q : queries->as_array()) {
    if (!q.is_object()) bad(i, "not an object");
    const Value* k = q.find("queryKey");
    if (k == nullptr || !k->is_array()) bad(i, "queryKey must be an array");
    const Value* st = q.find("state");
    if (st == nullptr || !st->is_object()) bad(i, "state must be an object");
    QueryState s;
    const Value* status = st->find("status");
    if (status == nullptr || !status->is_string()) bad(i, "state.status must be a string");
    s.status = status_from(i, status->as_string());
    if (const Value* d = st->find("data")) s.data = *d;
    if (s.status == QueryStatus::success && !s.data) bad(i, "a successful state needs data");
    auto int_field = [&](const char* name) -> std::int64_t {
      const Value* v = st->find(name);
      if (v == nullptr || v->is_null()) return 0;
      if (!v->is_number()) bad(i, std::string("state.") + name + " must be a number");
      return static_cast<std::int64_t>(v->as_double());
    };
    s.data_updated_at = Millis(int_field("dataUpdatedAt"));
    s.error_updated_at = Millis(int_field("errorUpdatedAt"));
    s.data_update_count = static_cast<std::uint32_t>(int_field("dataUpdateCount"));
    s.error_update_count = static_cast<std::uint32_t>(int_field("errorUpdateCount"));
    s.failure_count = static_cast<int>(int_field("fetchFailureCount"));
    if (const Value* e = st->find("error"); e != nullptr && e->is_object()) {
      const Value* msg = e->find("message");
      const Value* code = e->find("code");
      s.error = Error(code != nullptr && code->is_string() ? code_from(code->as_string()) : ErrorCode::query_error,
                      msg != nullptr && msg->is_string() ? std::string(msg->as_string()) : "hydrated error");
    }
    if (const Value* inv = st->find("isInvalidated"); inv != nullptr && inv->is_bool()) s.is_invalidated = inv->as_bool();
    s.fetch_status = FetchStatus::idle;
    parsed.emplace_back(*k, std::move(s));
    ++i;
  }
  ClientCore::Op op(*core_);
  for (auto& [key, s] : parsed) {
    Query* q = core_->find(key);
    if (q != nullptr) {
      // Newer data wins: an entry at least as recent as the dehydrated one keeps its state.
      if (q->data_updated_at >= s.data_updated_at.count()) continue;
      s.fetch_status = q->fetch_status;  // a fetch in flight keeps running
    } else {
      q = core_->build(key, nullptr);
    }
    detail::QueryAction a{detail::QueryAction::set_state};
    a.state = &s;
    core_->dispatch(*q, std::move(a));
  }
}

}  // namespace mfstate
