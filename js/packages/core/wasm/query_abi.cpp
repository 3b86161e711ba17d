// Exports for the query cache: the C ABI behind src/query/*.ts.
//
// A client handle names either a standalone client (its own runtime, as `new QueryClient()`) or
// the shared client of a host. Options arrive as staged plain objects with TanStack's names; the
// functions in them (queryFn, select, retry, ...) as ids. Futures settle by calling a JavaScript
// function with the outcome.
#include <emscripten/emscripten.h>

#include <cmath>
#include <deque>
#include <memory>

#include "bridge.hpp"
#include "handles.hpp"
#include "mfstate/key.hpp"
#include "mfstate/mutation.hpp"
#include "mfstate/query.hpp"
#include "options.hpp"
#include "web_host.hpp"

namespace mfweb {

using namespace mfstate;

namespace {

struct WebClient {
  // A standalone client: its clocks, runtime and client.
  JsClock clock;
  std::unique_ptr<ManualClock> manual;
  std::unique_ptr<Runtime> runtime;
  std::unique_ptr<QueryClient> owned;
  // Or the shared client of this host.
  std::uint32_t host = 0;
  // Keys JavaScript interned for reading (getQueryData), with the data last handed out for each:
  // an unchanged read is then one call that answers "same as last time".
  struct Interned {
    Value key;
    Value last;
    bool had = false;
  };
  // A deque: a new key's push moves none of the others (a vector's growth moved every key and
  // data handle, 2% of a write of a new key at 10^5 keys), and clearing it gives the room back.
  std::deque<Interned> interned;

  QueryClient& client() const {
    if (owned) return *owned;
    return hosts().get(host).host->queries();
  }
};

HandleTable<WebClient>& clients() {
  static HandleTable<WebClient> t("query client");
  return t;
}

// A fetch or mutation in flight, completed from JavaScript: how it completes, and a fetch's abort
// signal, which JavaScript watches once the query function reads it (mfs_complete_watch_abort).
struct InFlight {
  Completion done;
  AbortSignal signal;
};

HandleTable<InFlight>& completions() {
  static HandleTable<InFlight> t("completion");
  return t;
}

// A mutation started from JavaScript (mfs_client_mutate): its observer, held while JavaScript
// watches it, and the listener telling its progress (declared last: destroyed, it stops first).
struct MutationUnderWay {
  std::shared_ptr<MutationObserver> observer;
  Subscription watch;
};

HandleTable<MutationUnderWay>& mutations_under_way() {
  static HandleTable<MutationUnderWay> t("mutation watch");
  return t;
}

QueryClient& client_of(std::uint32_t h) { return clients().get(h).client(); }

// The runtime behind client handle `h`, or nullptr once the client (or its host) is gone: a timer's
// subscription may be ended after its client, and must then find nothing to cancel, not throw.
Runtime* runtime_of(std::uint32_t h) noexcept {
  WebClient* c = clients().find(h);
  if (!c) return nullptr;
  if (c->owned) return &c->owned->runtime();
  WebHost* host = hosts().find(c->host);
  return host ? &host->host->queries().runtime() : nullptr;
}

// How the JavaScript face spells Infinity (src/query/core.ts, ms()): values cross as JSON numbers,
// which have no Infinity, so it sends Number.MAX_SAFE_INTEGER. Taken as never_expires here: as a
// finite time it would arm a stale timer per observer, and a gc timer per cache, for nothing.
constexpr double js_infinity = 9007199254740991.0;

Millis millis(double ms) {
  if (!std::isfinite(ms) || ms >= js_infinity) return never_expires;
  return Millis(static_cast<std::int64_t>(ms < 0 ? 0 : ms));
}

std::optional<Millis> duration(const Value& o, std::string_view key) {
  auto d = opt::number(o, key);
  if (!d) return std::nullopt;
  return millis(*d);
}

// refetchOn*: false -> never, true -> if stale, "always" -> always.
RefetchOn refetch_on_value(const Value& v, std::string_view key) {
  if (v.is_bool()) return v.as_bool() ? RefetchOn::if_stale : RefetchOn::never;
  if (v.is_string() && v.as_string() == "always") return RefetchOn::always;
  opt::wrong(key, "true, false or \"always\"");
}

std::optional<RefetchOn> refetch_on(const Value& o, std::string_view key) {
  const Value* v = opt::field(o, key);
  if (!v) return std::nullopt;
  return refetch_on_value(*v, key);
}

// staleTime: milliseconds, or "static" (never stale, and invalidation does not refetch it).
Millis stale_time_value(const Value& v) {
  if (v.is_number()) return millis(v.as_double());
  if (v.is_string() && v.as_string() == "static") return static_stale_time;
  opt::wrong("staleTime", "a number, \"static\" or a function of the query");
}

// refetchInterval: milliseconds; false or 0 is no polling.
Millis refetch_interval_value(const Value& v) {
  if (v.is_number()) return v.as_double() > 0 ? millis(v.as_double()) : Millis{0};
  if (v.is_bool() && !v.as_bool()) return Millis{0};
  opt::wrong("refetchInterval", "a number, false or a function of the query");
}

std::optional<NetworkMode> network_mode(const Value& o) {
  auto m = opt::string(o, "networkMode");
  if (!m) return std::nullopt;
  if (*m == "online") return NetworkMode::online;
  if (*m == "always") return NetworkMode::always;
  if (*m == "offlineFirst") return NetworkMode::offline_first;
  opt::wrong("networkMode", "\"online\", \"always\" or \"offlineFirst\"");
}

// The JavaScript side of an error a fetcher or mutation function threw: {jsError: id} in the
// detail lets the package hand back the very object that was thrown.
void write_error_fields(Writer& w, const Error& e, const Value& detail) {
  w.string(to_string(e.code()));
  w.string(e.what());
  w.value(detail);
}

void write_optional_error(Writer& w, const std::optional<Error>& e, const Value& detail) {
  if (!e) return w.null();
  w.boolean(true);
  write_error_fields(w, *e, detail);
}

// A JavaScript function `(failureCount, error) => ...` called with the error's fields (its detail
// names what the function threw).
void write_retry_args(Writer& w, int failure_count, const Error& e, const Value& detail) {
  w.integer(failure_count);
  write_error_fields(w, e, detail);
}

/// The retry options: retry (boolean, number or function id under retryFn), retryDelay (number or
/// function id under retryDelayFn).
template <typename Options>
void retry_options(Options& out, const Value& o) {
  if (const Value* r = opt::field(o, "retry")) {
    if (r->is_bool()) {
      out.retry = r->as_bool() ? -1 : 0;
    } else if (r->is_number()) {
      out.retry = static_cast<int>(r->as_double());
    } else {
      opt::wrong("retry", "a boolean, a number or a function");
    }
  }
  if (JsFunction fn = opt::function(o, "retryFn")) {
    out.retry = [fn](int failure_count, const Error& e, const Value& detail) {
      Value v = fn.call_for_value([&](Writer& w) { write_retry_args(w, failure_count, e, detail); });
      return v.is_bool() && v.as_bool();
    };
  }
  if (auto d = opt::number(o, "retryDelay")) {
    out.retry_delay = millis(*d);
  }
  if (JsFunction fn = opt::function(o, "retryDelayFn")) {
    out.retry_delay = [fn](int failure_count, const Error& e, const Value& detail) {
      Value v = fn.call_for_value([&](Writer& w) { write_retry_args(w, failure_count, e, detail); });
      return millis(v.is_number() ? v.as_double() : 0);
    };
  }
}

/// A fetcher calling JavaScript `fn(key, meta, completion)`, which completes the fetch later
/// (mfs_complete_resolve / mfs_complete_reject) and asks to hear of its abort only if the query
/// function reads its signal (mfs_complete_watch_abort).
Fetcher fetcher_of(JsFunction fn) {
  return [fn](const FetchContext& ctx, Completion done) {
    // Nothing watches the signal yet: a fetch whose query function never reads it is one whose
    // signal is unused (query-core's abortSignalConsumed), which losing its last observer does not
    // cancel; and most fetches register no JavaScript function with the module.
    std::uint32_t handle = completions().add(std::make_unique<InFlight>(InFlight{std::move(done), ctx.signal}));
    try {
      fn.call([&](Writer& w) {
        w.value(ctx.key);
        w.value(ctx.meta);
        w.integer(handle);
      });
    } catch (...) {
      completions().take(handle);
      throw;
    }
    // The fetch ends with its signal (cancel, removal, its app's unmount, its client's end): its
    // entry goes then, not when a query function that may never settle answers, and the function
    // hears of it (a negative completion) to give back the room its owner took for it when called
    // above (src/query/room.ts). Whoever takes the entry, this or the answer, releases: once.
    // (Aborted meanwhile, by the query function itself, the fetch is dropped here at once.)
    ctx.signal.on_abort_without_use([fn, handle] {
      if (!completions().take(handle)) return;
      // Runs where the abort runs (a cancel, a destructor): the function only counts, and nothing
      // it might throw may unwind through there.
      try {
        fn.call([&](Writer& w) {
          w.null();
          w.null();
          w.integer(-static_cast<std::int64_t>(handle));
        });
      } catch (...) {
      }
    });
  };
}

// Calls a JavaScript option that is a function of the query (defined beside the state writer).
Value call_with_query(const JsFunction& fn, const QueryInfo& q);

}  // namespace

// An option set only when JavaScript gave it (options now also take functions of the query).
template <typename O, typename T>
void set_given(O& option, const std::optional<T>& given) {
  if (given) option = *given;
}

QueryOptions query_options_from(const Value& o) {
  QueryOptions q;
  if (const Value* key = opt::field(o, "queryKey")) q.key = *key;
  if (JsFunction fn = opt::function(o, "queryFn")) q.fetcher = fetcher_of(fn);
  if (const Value* st = opt::field(o, "staleTime")) q.stale_time = stale_time_value(*st);
  if (JsFunction fn = opt::function(o, "staleTimeFn")) {
    q.stale_time = [fn](const QueryInfo& query) { return stale_time_value(call_with_query(fn, query)); };
  }
  q.gc_time = duration(o, "gcTime");
  retry_options(q, o);
  q.network_mode = network_mode(o);
  if (const Value* v = o.is_object() ? o.find("initialData") : nullptr) q.initial_data = *v;
  if (auto at = opt::number(o, "initialDataUpdatedAt")) q.initial_data_updated_at = millis(*at);
  set_given(q.structural_sharing, opt::boolean(o, "structuralSharing"));
  if (const Value* m = opt::field(o, "meta")) q.meta = *m;
  set_given(q.enabled, opt::boolean(o, "enabled"));
  if (JsFunction fn = opt::function(o, "enabledFn")) {
    q.enabled = [fn](const QueryInfo& query) {
      const Value v = call_with_query(fn, query);
      return v.is_bool() && v.as_bool();
    };
  }
  if (const Value* ri = opt::field(o, "refetchInterval")) {
    const Millis every = refetch_interval_value(*ri);
    if (every > Millis{0}) q.refetch_interval = every;
  }
  if (JsFunction fn = opt::function(o, "refetchIntervalFn")) {
    q.refetch_interval = [fn](const QueryInfo& query) { return refetch_interval_value(call_with_query(fn, query)); };
  }
  q.refetch_interval_in_background = opt::boolean(o, "refetchIntervalInBackground");
  set_given(q.refetch_on_mount, refetch_on(o, "refetchOnMount"));
  set_given(q.refetch_on_window_focus, refetch_on(o, "refetchOnWindowFocus"));
  set_given(q.refetch_on_reconnect, refetch_on(o, "refetchOnReconnect"));
  const auto refetch_on_fn = [&](RefetchOnOption& option, std::string_view key) {
    if (JsFunction fn = opt::function(o, std::string(key) + "Fn")) {
      option = [fn, key](const QueryInfo& query) { return refetch_on_value(call_with_query(fn, query), key); };
    }
  };
  refetch_on_fn(q.refetch_on_mount, "refetchOnMount");
  refetch_on_fn(q.refetch_on_window_focus, "refetchOnWindowFocus");
  refetch_on_fn(q.refetch_on_reconnect, "refetchOnReconnect");
  q.retry_on_mount = opt::boolean(o, "retryOnMount");
  if (const Value* v = o.is_object() ? o.find("placeholderData") : nullptr) q.placeholder_data = *v;
  if (JsFunction fn = opt::function(o, "select")) {
    q.select = [fn](const Value& data) { return fn.call_for_value([&](Writer& w) { w.value(data); }); };
  }
  return q;
}

namespace {

void write_state(Writer& w, const QueryState& s);

QueryFilters filters_from(const Value& o) {
  QueryFilters f;
  if (const Value* key = opt::field(o, "queryKey")) {
    check_key(*key);
    f.key = *key;
  }
  f.exact = opt::boolean(o, "exact").value_or(false);
  if (auto t = opt::string(o, "type")) {
    if (*t == "all") f.type = QueryType::all;
    else if (*t == "active") f.type = QueryType::active;
    else if (*t == "inactive") f.type = QueryType::inactive;
    else opt::wrong("type", "\"all\", \"active\" or \"inactive\"");
  }
  f.stale = opt::boolean(o, "stale");
  if (auto s = opt::string(o, "fetchStatus")) {
    if (*s == "fetching") f.fetch_status = FetchStatus::fetching;
    else if (*s == "paused") f.fetch_status = FetchStatus::paused;
    else if (*s == "idle") f.fetch_status = FetchStatus::idle;
    else opt::wrong("fetchStatus", "\"fetching\", \"paused\" or \"idle\"");
  }
  if (JsFunction fn = opt::function(o, "predicate")) {
    f.predicate = [fn](const QueryInfo& q) {
      Value v = fn.call_for_value([&](Writer& w) {
        w.value(q.key);
        write_state(w, q.state);
      });
      return v.is_bool() && v.as_bool();
    };
  }
  return f;
}

MutationFilters mutation_filters_from(const Value& o) {
  MutationFilters f;
  if (const Value* key = opt::field(o, "mutationKey")) f.mutation_key = *key;
  f.exact = opt::boolean(o, "exact").value_or(false);
  if (auto s = opt::string(o, "status")) {
    if (*s == "idle") f.status = MutationStatus::idle;
    else if (*s == "pending") f.status = MutationStatus::pending;
    else if (*s == "success") f.status = MutationStatus::success;
    else if (*s == "error") f.status = MutationStatus::error;
    else opt::wrong("status", "\"idle\", \"pending\", \"success\" or \"error\"");
  }
  return f;
}

// What a state and a result share, in this order: whether there is data, the data (or undefined),
// status, fetch status, error, the two update times, failure count and reason.
template <typename S>
void write_common(Writer& w, const S& s) {
  w.boolean(s.data.has_value());
  if (s.data) {
    w.value(*s.data);
  } else {
    w.undefined();
  }
  w.string(to_string(s.status));
  w.string(to_string(s.fetch_status));
  write_optional_error(w, s.error, s.error_detail);
  w.number(static_cast<double>(s.data_updated_at.count()));
  w.number(static_cast<double>(s.error_updated_at.count()));
  w.integer(s.failure_count);
  write_optional_error(w, s.failure_reason, s.failure_reason_detail);
}

// A query's state: the common fields, then invalidated and the two update counts (readState in
// src/query/core.ts reads them).
void write_state(Writer& w, const QueryState& s) {
  write_common(w, s);
  w.boolean(s.is_invalidated);
  w.integer(s.data_update_count);
  w.integer(s.error_update_count);
}

// TanStack's options that are functions of the query (`staleTime: (query) => ...`): JavaScript
// function `fn` called with the query's key, state and observer count (a QuerySnapshot in
// src/query/core.ts, which answers with a value the option's own reader takes).
Value call_with_query(const JsFunction& fn, const QueryInfo& q) {
  return fn.call_for_value([&](Writer& w) {
    w.value(q.key);
    write_state(w, q.state);
    w.integer(static_cast<std::int64_t>(q.observers));
  });
}

// An observer's result: the common fields, then its flags (readRawResult in src/query/core.ts).
void write_result(Writer& w, const QueryResult& r) {
  write_common(w, r);
  w.boolean(r.is_stale);
  w.boolean(r.is_placeholder_data);
  w.boolean(r.is_fetched);
  w.boolean(r.is_fetched_after_mount);
  w.boolean(r.is_invalidated);
  w.boolean(r.is_enabled);
}

// Settles a JavaScript promise: `fn(ok, value | code, message, detail)`.
void settle_with(const Future& future, JsFunction fn) {
  future.on_settled([fn](const Outcome& o) {
    fn.call([&](Writer& w) {
      w.boolean(o.ok);
      if (o.ok) {
        w.value(o.value);
      } else if (o.error) {
        write_error_fields(w, *o.error, o.detail);
      } else {
        write_error_fields(w, Error(ErrorCode::query_error, "failed"), o.detail);
      }
    });
  });
}

}  // namespace

QueryListener query_listener_of(JsFunction fn) {
  return [fn](const QueryResult& r) { fn.call([&](Writer& w) { write_result(w, r); }); };
}

void fetch_through(AppQueryClient& client, int kind, JsFunction settle) {
  Value o = staged::pop();
  QueryOptions q = query_options_from(o);
  Future f = kind == 0   ? client.fetch_query(q)
             : kind == 1 ? client.prefetch_query(q)
                         : client.ensure_query_data(q, kind == 3);
  settle_with(f, settle);
}

namespace {

MutationOptions mutation_options_from(const Value& o) {
  MutationOptions m;
  if (JsFunction fn = opt::function(o, "mutationFn")) {
    m.fn = [fn](const Value& variables, const AbortSignal& signal, Completion done) {
      // A mutation's abort reaches JavaScript through the function it returns below: the entry's
      // own signal is never watched (mfs_complete_watch_abort on it registers with a signal that
      // never aborts).
      std::uint32_t handle = completions().add(std::make_unique<InFlight>(InFlight{std::move(done), AbortSignal()}));
      Value abort_id;
      try {
        abort_id = fn.call_for_value([&](Writer& w) {
          w.value(variables);
          w.integer(handle);
        });
      } catch (...) {
        completions().take(handle);
        throw;
      }
      // The attempt ends with its signal (its mutation abandoned: mfs_mutation_abandon, the
      // client's end): its entry goes then, not when a function that may never settle answers (an
      // answer after that finds it gone, mfs_complete_*). Then JavaScript's abort, if it gave one.
      JsFunction abort(abort_id.is_int() ? static_cast<std::uint32_t>(abort_id.as_int()) : 0u);
      signal.on_abort([abort, handle] {
        completions().take(handle);
        if (abort) abort.call([](Writer&) {});
      });
    };
  }
  if (const Value* key = opt::field(o, "mutationKey")) m.mutation_key = *key;
  if (const Value* scope = opt::field(o, "scope")) {
    if (const Value* id = scope->is_object() ? scope->find("id") : nullptr) {
      if (id->is_string()) m.scope = std::string(id->as_string());
    }
  }
  retry_options(m, o);
  m.network_mode = network_mode(o);
  if (const Value* meta = opt::field(o, "meta")) m.meta = *meta;
  if (JsFunction fn = opt::function(o, "onMutate")) {
    m.on_mutate = [fn](const Value& variables) { return fn.call_for_value([&](Writer& w) { w.value(variables); }); };
  }
  if (JsFunction fn = opt::function(o, "onSuccess")) {
    m.on_success = [fn](const Value& data, const Value& variables, const Value& context) {
      fn.call([&](Writer& w) {
        w.value(data);
        w.value(variables);
        w.value(context);
      });
    };
  }
  if (JsFunction fn = opt::function(o, "onError")) {
    m.on_error = [fn](const Error& e, const Value& variables, const Value& context) {
      fn.call([&](Writer& w) {
        write_error_fields(w, e, Value());
        w.value(variables);
        w.value(context);
      });
    };
  }
  if (JsFunction fn = opt::function(o, "onSettled")) {
    m.on_settled = [fn](const Value& data, const Error* e, const Value& variables, const Value& context) {
      fn.call([&](Writer& w) {
        w.value(data);
        if (e) {
          w.boolean(true);
          write_error_fields(w, *e, Value());
        } else {
          w.null();
        }
        w.value(variables);
        w.value(context);
      });
    };
  }
  return m;
}

}  // namespace

QueryClientOptions client_options_from(const Value& o) {
  QueryClientOptions c;
  if (const Value* d = opt::field(o, "defaultOptions")) {
    if (const Value* q = opt::field(*d, "queries")) c.defaults = query_options_from(*q);
  }
  if (auto n = opt::integer(o, "maxEntries")) c.max_entries = static_cast<std::size_t>(*n);
  if (auto n = opt::integer(o, "maxBytes")) c.max_bytes = static_cast<std::size_t>(*n);
  if (auto b = opt::boolean(o, "online")) c.online = *b;
  if (auto b = opt::boolean(o, "focused")) c.focused = *b;
  return c;
}

std::uint32_t borrow_client(std::uint32_t host) {
  auto c = std::make_unique<WebClient>();
  c->host = host;
  return clients().add(std::move(c));
}

}  // namespace mfweb

using namespace mfweb;
using namespace mfstate;

// The interned keys' helpers, outside the exports' C linkage (they return C++ types).
namespace {
// The activity word of the runtime that drives `c` (its own, or its host's; -1: the host is gone).
int activity_of(const WebClient& c) {
  if (c.owned) return activity_word(c.runtime->activity());
  WebHost* web = hosts().find(c.host);
  return web == nullptr ? -1 : activity_word(web->host->activity());
}

std::uint32_t intern(WebClient& c, const Value& key) {
  c.interned.push_back(WebClient::Interned{key, Value(), false});
  return static_cast<std::uint32_t>(c.interned.size() - 1);
}

WebClient::Interned& interned(WebClient& c, std::uint32_t index) {
  if (index >= c.interned.size()) throw Error(ErrorCode::invalid_argument, "no interned key " + std::to_string(index));
  return c.interned[index];
}

// Sets the data of interned key `index`; what is now cached becomes what its reads hand out.
// Listeners run inside set_query_data and may intern keys (the list grows and moves) or clear them:
// no reference into the list is held across it (one was, and a listener interning keys during
// another app's write made the module write through a dangling reference and stop), and the entry
// is looked up again after, if it is still that key's.
void set_interned(WebClient& c, std::uint32_t index, Value data, const Value& updated_at) {
  SetDataOptions so;
  if (updated_at.is_number()) so.updated_at = millis(updated_at.as_double());
  const Value key = interned(c, index).key;
  Value cached = c.client().set_query_data(key, std::move(data), so);
  if (index < c.interned.size() && c.interned[index].key.same_node(key)) {
    c.interned[index].had = true;
    c.interned[index].last = cached;
  }
  Writer w;
  w.value(cached);
}

/// refetchQueries' and resetQueries' options: {cancelRefetch, throwOnError}.
RefetchOptions refetch_options_from(const Value& o) {
  RefetchOptions ro;
  if (auto b = opt::boolean(o, "cancelRefetch")) ro.cancel_refetch = *b;
  if (auto b = opt::boolean(o, "throwOnError")) ro.throw_on_error = *b;
  return ro;
}

}  // namespace

void mfweb::cancel_through(AppQueryClient& client) {
  auto args = staged::take(2);
  CancelOptions co;
  if (auto b = opt::boolean(args[1], "revert")) co.revert = *b;
  if (auto b = opt::boolean(args[1], "silent")) co.silent = *b;
  client.cancel_queries(filters_from(args[0]), co);
}

void mfweb::remove_through(AppQueryClient& client) {
  Value filters = staged::pop();
  client.remove_queries(filters_from(filters));
}

void mfweb::reset_through(AppQueryClient& client, JsFunction settle) {
  auto args = staged::take(2);
  Future f = client.reset_queries(filters_from(args[0]), refetch_options_from(args[1]));
  if (settle) settle_with(f, settle);
}

extern "C" {

/// A standalone client. Staged: options {defaultOptions, maxEntries, maxBytes, online, focused,
/// manualClock, now}. Out: client handle.
EMSCRIPTEN_KEEPALIVE int mfs_client_create() {
  return guarded([&] {
    Value o = staged::pop();
    auto c = std::make_unique<WebClient>();
    if (opt::boolean(o, "manualClock").value_or(false)) {
      c->manual = std::make_unique<ManualClock>(Millis(static_cast<std::int64_t>(opt::number(o, "now").value_or(0))));
      c->runtime = std::make_unique<Runtime>(*c->manual);
    } else {
      c->runtime = std::make_unique<Runtime>(static_cast<const Clock&>(c->clock));
    }
    c->owned = std::make_unique<QueryClient>(*c->runtime, client_options_from(o));
    write_handle(clients().add(std::move(c)));
  });
}

/// Frees a client handle (a standalone client is destroyed: its fetches are cancelled). With
/// `sweep`, what it held goes at once (the twin table's sweep, O(live slots): JavaScript releases a
/// batch of clients and sweeps after the last), not at the table's next amortised sweep.
EMSCRIPTEN_KEEPALIVE int mfs_client_release(std::uint32_t client, int sweep) {
  return guarded([&] {
    clients().take(client);
    if (sweep != 0) twins::release_unheld();
  });
}

/// Runs posted work of the client's runtime, and with `timers` its due timers too: as mfs_host_run.
/// Out: as mfs_host_run (next timer due or null, how many ran, the activity then).
EMSCRIPTEN_KEEPALIVE int mfs_client_run(std::uint32_t client, int timers) {
  return guarded([&] {
    WebClient& c = clients().get(client);
    if (c.owned) {
      std::size_t ran = timers != 0 ? c.runtime->run_until_idle() : c.runtime->executor().run_pending();
      write_run_result(c.runtime->scheduler().next_due(), ran, c.runtime->activity());
    } else {
      run_host(*hosts().get(c.host).host, timers);
    }
  });
}

/// The client's runtime's activity in 30 bits (as mfs_host_activity), or -1 for a handle that is
/// no client or whose host is gone.
EMSCRIPTEN_KEEPALIVE int mfs_client_activity(std::uint32_t client) {
  WebClient* c = clients().find(client);
  return c == nullptr ? -1 : activity_of(*c);
}

/// Manual clock (standalone clients): moves time by `ms`.
EMSCRIPTEN_KEEPALIVE int mfs_client_advance(std::uint32_t client, double ms) {
  return guarded([&] {
    WebClient& c = clients().get(client);
    if (!c.manual) throw Error(ErrorCode::invalid_argument, "advanceTime needs a client created with {clock: 'manual'}");
    c.runtime->advance(millis(ms));
  });
}

/// In the exchange buffer: a key. Interns it for this client's reads and writes. Out: its index.
EMSCRIPTEN_KEEPALIVE int mfs_client_intern_key(std::uint32_t client) {
  return guarded([&] {
    Reader r;
    Value key = r.value();
    r.expect_end();
    check_key(key);
    std::uint32_t index = intern(clients().get(client), key);
    Writer w;
    w.integer(index);
  });
}

/// In the exchange buffer: key, data, updatedAt (or null). Interns the key, then sets its data.
/// Out: its index, the data now cached, and the activity of the runtime that drives the client
/// after the write (mfs_client_activity's answer, without the call: the driver's check that the
/// write posted and scheduled nothing new, most writes of a new key, is read from here).
EMSCRIPTEN_KEEPALIVE int mfs_client_set_new_key(std::uint32_t client) {
  return guarded([&] {
    Reader r;
    Value key = r.value();
    // JavaScript made frozen twins of the data's new arrays and objects as it wrote them
    // (writeKeyAndTwinnedData): the cached data written back below refers to them.
    std::vector<std::uint32_t> slots;
    Value data = r.value(&slots);
    Value updated_at = r.value();
    r.expect_end();
    tell_twins(slots);
    check_key(key);
    WebClient& c = clients().get(client);
    // The slots are listed children first: the last is the data's own, when the data is an array
    // or object JavaScript wrote anew (none for a primitive or a twin it passed back).
    const Value written = slots.empty() ? Value() : data;
    // Set first: a refused value leaves no interned key behind.
    SetDataOptions so;
    if (updated_at.is_number()) so.updated_at = millis(updated_at.as_double());
    Value cached = c.client().set_query_data(key, std::move(data), so);
    std::uint32_t index = intern(c, key);
    c.interned[index].had = true;
    c.interned[index].last = cached;
    Writer w;
    w.integer(index);
    // A new entry keeps the data as written (no old data to share with): its twin is the one
    // JavaScript just made, whose slot is known, not looked up again among every twin's.
    if (!slots.empty() && cached.same_node(written)) {
      w.twin(cached, slots.back());
    } else {
      w.value(cached);
    }
    w.integer(activity_of(c));
  });
}

/// In the exchange buffer: data, updatedAt (or null). Sets the data of interned key `index`.
/// Out: the data now cached.
EMSCRIPTEN_KEEPALIVE int mfs_client_set_interned(std::uint32_t client, std::uint32_t index) {
  return guarded([&] {
    Reader r;
    Value data = r.value();
    Value updated_at = r.value();
    r.expect_end();
    set_interned(clients().get(client), index, std::move(data), updated_at);
  });
}

/// Forgets every interned key of the client (JavaScript's table of them is full).
EMSCRIPTEN_KEEPALIVE int mfs_client_clear_keys(std::uint32_t client) {
  return guarded([&] { clients().get(client).interned.clear(); });
}

/// The data of interned key `index`. Returns 1 when it is the very data (the same node) handed
/// out by the last call for that key: nothing is written. Otherwise 0, and out: the data, or
/// undefined. -1: error.
EMSCRIPTEN_KEEPALIVE int mfs_client_get_interned(std::uint32_t client, std::uint32_t index) {
  int unchanged = 0;
  int status = guarded([&] {
    WebClient& c = clients().get(client);
    WebClient::Interned& k = interned(c, index);
    auto data = c.client().get_query_data(k.key);
    if (data.has_value() == k.had && (!data || (data->same_node(k.last) && data->type() == k.last.type()))) {
      unchanged = 1;
      return;
    }
    k.had = data.has_value();
    k.last = data ? *data : Value();
    Writer w;
    if (data) {
      w.value(*data);
    } else {
      w.undefined();
    }
  });
  return status < 0 ? status : unchanged;
}

/// Staged: key. Out: false, or true and the state fields (see write_state).
EMSCRIPTEN_KEEPALIVE int mfs_client_get_query_state(std::uint32_t client) {
  return guarded([&] {
    Value key = staged::pop();
    auto state = client_of(client).get_query_state(key);
    Writer w;
    w.boolean(state.has_value());
    if (state) write_state(w, *state);
  });
}

/// Staged: key. The query back to its initial state, its fetch in flight going on (a streamed
/// query's refetch in "reset" mode). Out: whether a query has that key.
EMSCRIPTEN_KEEPALIVE int mfs_client_reset_query_state(std::uint32_t client) {
  return guarded([&] {
    Value key = staged::pop();
    const bool found = client_of(client).reset_query_state(key);
    Writer w;
    w.boolean(found);
  });
}

/// Staged: key, data, updatedAt (or null). Out: the data now cached.
EMSCRIPTEN_KEEPALIVE int mfs_client_set_query_data(std::uint32_t client) {
  return guarded([&] {
    auto args = staged::take(3);
    SetDataOptions so;
    if (args[2].is_number()) so.updated_at = millis(args[2].as_double());
    Value cached = client_of(client).set_query_data(args[0], std::move(args[1]), so);
    Writer w;
    w.value(cached);
  });
}

/// Staged: filters. Out: [[key, data], ...].
EMSCRIPTEN_KEEPALIVE int mfs_client_get_queries_data(std::uint32_t client) {
  return guarded([&] {
    Value filters = staged::pop();
    auto list = client_of(client).get_queries_data(filters_from(filters));
    std::vector<Value> out;
    out.reserve(list.size());
    for (auto& [k, d] : list) out.push_back(Value::array({k, d}));
    Writer w;
    w.value(Value::array(std::move(out)));
  });
}

/// Staged: options. `settle` receives the outcome. kind: 0 fetchQuery, 1 prefetchQuery,
/// 2 ensureQueryData, 3 ensureQueryData revalidating if stale.
EMSCRIPTEN_KEEPALIVE int mfs_client_fetch(std::uint32_t client, int kind, std::uint32_t settle) {
  JsFunction fn(settle);
  return guarded([&] { fetch_through(client_of(client), kind, fn); });
}

/// Staged: filters, options {refetchType, cancelRefetch, throwOnError}. `settle` receives the outcome.
EMSCRIPTEN_KEEPALIVE int mfs_client_invalidate(std::uint32_t client, std::uint32_t settle) {
  JsFunction fn(settle);
  return guarded([&] {
    auto args = staged::take(2);
    InvalidateOptions io;
    if (auto t = opt::string(args[1], "refetchType")) {
      if (*t == "active") io.refetch_type = RefetchType::active;
      else if (*t == "inactive") io.refetch_type = RefetchType::inactive;
      else if (*t == "all") io.refetch_type = RefetchType::all;
      else if (*t == "none") io.refetch_type = RefetchType::none;
      else opt::wrong("refetchType", "\"active\", \"inactive\", \"all\" or \"none\"");
    }
    if (auto b = opt::boolean(args[1], "cancelRefetch")) io.cancel_refetch = *b;
    if (auto b = opt::boolean(args[1], "throwOnError")) io.throw_on_error = *b;
    Future f = client_of(client).invalidate_queries(filters_from(args[0]), io);
    if (fn) settle_with(f, fn);
  });
}

/// Staged: filters, options {cancelRefetch, throwOnError}. `settle` receives the outcome.
EMSCRIPTEN_KEEPALIVE int mfs_client_refetch(std::uint32_t client, std::uint32_t settle) {
  JsFunction fn(settle);
  return guarded([&] {
    auto args = staged::take(2);
    Future f = client_of(client).refetch_queries(filters_from(args[0]), refetch_options_from(args[1]));
    if (fn) settle_with(f, fn);
  });
}

/// Staged: filters, options {revert, silent}.
EMSCRIPTEN_KEEPALIVE int mfs_client_cancel(std::uint32_t client) {
  return guarded([&] { cancel_through(client_of(client)); });
}

/// Staged: filters.
EMSCRIPTEN_KEEPALIVE int mfs_client_remove(std::uint32_t client) {
  return guarded([&] { remove_through(client_of(client)); });
}

/// Staged: filters, options {cancelRefetch, throwOnError}. `settle` receives the outcome.
EMSCRIPTEN_KEEPALIVE int mfs_client_reset(std::uint32_t client, std::uint32_t settle) {
  JsFunction fn(settle);
  return guarded([&] { reset_through(client_of(client), fn); });
}

/// Staged: filters. Out: how many match and are fetching.
EMSCRIPTEN_KEEPALIVE int mfs_client_is_fetching(std::uint32_t client) {
  return guarded([&] {
    Value filters = staged::pop();
    std::size_t n = client_of(client).is_fetching(filters_from(filters));
    Writer w;
    w.integer(static_cast<std::int64_t>(n));
  });
}

/// Staged: mutation filters. Out: how many match and are pending.
EMSCRIPTEN_KEEPALIVE int mfs_client_is_mutating(std::uint32_t client) {
  return guarded([&] {
    Value filters = staged::pop();
    std::size_t n = client_of(client).is_mutating(mutation_filters_from(filters));
    Writer w;
    w.integer(static_cast<std::int64_t>(n));
  });
}

/// Staged: filters. Out: [count, then per matched query: key, state fields (see write_state),
/// observers, stale (as query-core's Query.isStale: by its observers' stale times)].
EMSCRIPTEN_KEEPALIVE int mfs_client_find_all(std::uint32_t client) {
  return guarded([&] {
    Value o = staged::pop();
    QueryFilters f = filters_from(o);
    QueryCache cache = client_of(client).query_cache();
    std::vector<QueryInfo> found = cache.find_all(f);
    // Which of them are stale: the cache's own judgement, through its stale filter (a second
    // pass without the caller's predicate, which must not run twice). Same order as the first.
    std::vector<bool> stale(found.size(), f.stale.value_or(false));
    if (!f.stale && !found.empty()) {
      QueryFilters sf;
      sf.key = f.key;
      sf.exact = f.exact;
      sf.type = f.type;
      sf.fetch_status = f.fetch_status;
      sf.stale = true;
      std::size_t at = 0;
      for (const QueryInfo& s : cache.find_all(sf)) {
        for (std::size_t i = 0; i < found.size(); ++i) {
          std::size_t j = (at + i) % found.size();
          if (found[j].key == s.key) {
            stale[j] = true;
            at = j + 1;
            break;
          }
        }
      }
    }
    Writer w;
    w.integer(static_cast<std::int64_t>(found.size()));
    for (std::size_t i = 0; i < found.size(); ++i) {
      w.value(found[i].key);
      write_state(w, found[i].state);
      w.integer(static_cast<std::int64_t>(found[i].observers));
      w.boolean(stale[i]);
    }
  });
}

/// Staged: key, options.
EMSCRIPTEN_KEEPALIVE int mfs_client_set_query_defaults(std::uint32_t client) {
  return guarded([&] {
    auto args = staged::take(2);
    client_of(client).set_query_defaults(args[0], query_options_from(args[1]));
  });
}

/// Staged: options. The client's defaults of every query (defaultOptions.queries): its default
/// query function is then the shell's in the module, not the function of an app that fetches with it.
EMSCRIPTEN_KEEPALIVE int mfs_client_set_default_options(std::uint32_t client) {
  return guarded([&] { client_of(client).set_default_query_options(query_options_from(staged::pop())); });
}

/// Staged: mutation key, options.
EMSCRIPTEN_KEEPALIVE int mfs_client_set_mutation_defaults(std::uint32_t client) {
  return guarded([&] {
    auto args = staged::take(2);
    client_of(client).set_mutation_defaults(args[0], mutation_options_from(args[1]));
  });
}

/// Staged: options. `listener` receives each result (see write_result). Out: subscription.
EMSCRIPTEN_KEEPALIVE int mfs_client_observe(std::uint32_t client, std::uint32_t listener) {
  JsFunction fn(listener);
  return guarded([&] {
    Value o = staged::pop();
    Subscription s = client_of(client).observe(query_options_from(o), query_listener_of(fn));
    write_handle(keep(std::move(s)));
  });
}

/// Staged: options, variables. `settle` receives the outcome; `progress` each change of the
/// pending mutation's failure count or pause (query-core's MutationObserver shows a failed attempt
/// before its retry, and a mutation waiting for the network): (failureCount, failureReason as
/// write_optional_error, isPaused). The outcome itself is `settle`'s. Out: a watch
/// (mfs_mutation_unwatch, mfs_mutation_abandon), which JavaScript ends once `settle` was called
/// (ending it from inside the mutation's own settling would free the observer its future is still
/// telling).
EMSCRIPTEN_KEEPALIVE int mfs_client_mutate(std::uint32_t client, std::uint32_t settle, std::uint32_t progress) {
  JsFunction fn(settle);
  JsFunction on_progress(progress);
  return guarded([&] {
    auto args = staged::take(2);
    MutationOptions options = mutation_options_from(args[0]);
    // The package keeps the mutation (its MutationCache, with the mutation's gcTime, on its own
    // timer): the module's copy only runs it, and nothing reads it once the watch below has ended
    // (the package answers isMutating, dehydrate and its cache's events from its own copy). It
    // leaves the module then, not after query-core's 5 minutes: the module's memory grew with
    // every mutation of the last 5 minutes, whatever gcTime the app gave.
    options.gc_time = Millis{0};
    auto observer = std::make_shared<MutationObserver>(client_of(client), std::move(options));
    struct Told {
      int failure_count = 0;
      bool is_paused = false;
    };
    Subscription watch = observer->subscribe([on_progress, told = Told{}](const MutationState& s) mutable {
      if (!s.is_pending() || (s.failure_count == told.failure_count && s.is_paused == told.is_paused)) return;
      told = Told{s.failure_count, s.is_paused};
      on_progress.call([&](Writer& w) {
        w.integer(s.failure_count);
        write_optional_error(w, s.failure_reason, s.failure_reason_detail);
        w.boolean(s.is_paused);
      });
    });
    Future f = observer->mutate(std::move(args[1]));
    settle_with(f, fn);
    write_handle(mutations_under_way().add(
        std::make_unique<MutationUnderWay>(MutationUnderWay{observer, std::move(watch)})));
  });
}

/// Ends the watch mfs_client_mutate returned (harmless twice): stops its listener, then lets the
/// observer go (the mutation runs on unobserved).
EMSCRIPTEN_KEEPALIVE int mfs_mutation_unwatch(std::uint32_t watch) {
  return guarded([&] { mutations_under_way().take(watch); });
}

/// Abandons the mutation watch `watch` sees, if pending (MutationObserver::abandon): what the
/// package does with an unmounted app's mutation that the page's room for them cannot keep. Its
/// `settle` hears the cancellation; the watch stays until JavaScript ends it. A gone watch: no-op.
EMSCRIPTEN_KEEPALIVE int mfs_mutation_abandon(std::uint32_t watch) {
  return guarded([&] {
    if (MutationUnderWay* m = mutations_under_way().find(watch)) m->observer->abandon();
  });
}

/// Calls `fn` once after `ms` milliseconds on the client's runtime clock (the JavaScript face's own
/// timers: a settled mutation leaving the cache after its gcTime), so a manual clock moves them as
/// it moves the module's. Out: subscription handle; ending it cancels the timer.
EMSCRIPTEN_KEEPALIVE int mfs_client_schedule_after(std::uint32_t client, double ms, std::uint32_t fn) {
  JsFunction callback(fn);
  return guarded([&] {
    if (!(ms >= 0 && ms <= 8.64e15)) {
      throw Error(ErrorCode::invalid_argument, "a delay must be a number of milliseconds, 0 to 8.64e15");
    }
    Runtime& runtime = client_of(client).runtime();
    TimerId id = runtime.scheduler().schedule_after(Millis(static_cast<std::int64_t>(ms)),
                                                    [callback] { callback.call([](Writer&) {}); });
    write_handle(keep(Subscription([client, id] {
      if (Runtime* r = runtime_of(client)) r->scheduler().cancel(id);
    })));
  });
}

/// Standalone clients only (a host's client takes these from the shell).
EMSCRIPTEN_KEEPALIVE int mfs_client_set_focused(std::uint32_t client, int focused) {
  return guarded([&] {
    WebClient& c = clients().get(client);
    if (!c.owned) throw Error(ErrorCode::invalid_argument, "focus is the shell's: call host.setFocused");
    c.owned->set_focused(focused != 0);
  });
}

EMSCRIPTEN_KEEPALIVE int mfs_client_set_online(std::uint32_t client, int online) {
  return guarded([&] {
    WebClient& c = clients().get(client);
    if (!c.owned) throw Error(ErrorCode::invalid_argument, "connectivity is the shell's: call host.setOnline");
    c.owned->set_online(online != 0);
  });
}

/// Out: focused, online.
EMSCRIPTEN_KEEPALIVE int mfs_client_signals(std::uint32_t client) {
  return guarded([&] {
    QueryClient& c = client_of(client);
    Writer w;
    w.boolean(c.is_focused());
    w.boolean(c.is_online());
  });
}

/// `should` (0: query-core's default) receives (key, status) and returns whether to dehydrate.
/// Out: the dehydrated state.
EMSCRIPTEN_KEEPALIVE int mfs_client_dehydrate(std::uint32_t client, std::uint32_t should) {
  JsFunction fn(should);
  return guarded([&] {
    DehydrateOptions d;
    if (fn) {
      d.should_dehydrate_query = [fn](const QueryInfo& q) {
        Value v = fn.call_for_value([&](Writer& w) {
          w.value(q.key);
          write_state(w, q.state);
        });
        return v.is_bool() && v.as_bool();
      };
    }
    Value out = client_of(client).dehydrate(d).to_value();
    Writer w;
    w.value(out);
  });
}

/// Staged: dehydrated state, the options of the queries it creates (hydrate's
/// defaultOptions.queries, over their key's defaults). The options are read before the state is
/// touched: bad options change nothing.
EMSCRIPTEN_KEEPALIVE int mfs_client_hydrate(std::uint32_t client) {
  return guarded([&] {
    auto args = staged::take(2);
    HydrateOptions options;
    options.queries = query_options_from(args[1]);
    client_of(client).hydrate(args[0], options);
  });
}

/// Removes every query (standalone clients, or the shell's own).
EMSCRIPTEN_KEEPALIVE int mfs_client_clear(std::uint32_t client) {
  return guarded([&] { client_of(client).clear(); });
}

/// Out: entries, trieNodes, observers, fetching, then the module's mutations and scope lines
/// (which the package reads only for its tests: an app's stats() do not count other apps' mutations).
EMSCRIPTEN_KEEPALIVE int mfs_client_stats(std::uint32_t client) {
  return guarded([&] {
    QueryCacheStats s = client_of(client).stats();
    Writer w;
    w.integer(static_cast<std::int64_t>(s.entries));
    w.integer(static_cast<std::int64_t>(s.trie_nodes));
    w.integer(static_cast<std::int64_t>(s.observers));
    w.integer(static_cast<std::int64_t>(s.fetching));
    w.integer(static_cast<std::int64_t>(s.mutations));
    w.integer(static_cast<std::int64_t>(s.mutation_scopes));
  });
}

/// `listener` receives each cache event (type, key, action). Out: subscription.
EMSCRIPTEN_KEEPALIVE int mfs_client_subscribe(std::uint32_t client, std::uint32_t listener) {
  JsFunction fn(listener);
  return guarded([&] {
    Subscription s = client_of(client).query_cache().subscribe([fn](const QueryCacheEvent& e) {
      static constexpr const char* names[] = {"added",           "removed", "updated", "observerAdded", "observerRemoved",
                                              "observerResultsUpdated", "observerOptionsUpdated"};
      fn.call([&](Writer& w) {
        w.string(names[static_cast<int>(e.type)]);
        w.value(e.key);
        w.string(e.action);
      });
    });
    write_handle(keep(std::move(s)));
  });
}

/// Completes a fetch or mutation with data. Staged: data. Then run the runtime (mfs_*_run).
/// Returns 1 when the completion was gone already (its fetch ended: fetcher_of), else 0.
EMSCRIPTEN_KEEPALIVE int mfs_complete_resolve(std::uint32_t completion) {
  return guarded([&] {
    Value data = staged::pop();
    auto c = completions().take(completion);
    if (!c) return 1;
    c->done.resolve(std::move(data));
    return 0;
  });
}

/// Fails a fetch or mutation. Staged: message, detail, final (true: not retried, Completion::fail:
/// a query function's answer that is not data, as query-core checks it after its retryer).
/// Returns 1 when the completion was gone already, else 0.
EMSCRIPTEN_KEEPALIVE int mfs_complete_reject(std::uint32_t completion) {
  return guarded([&] {
    auto args = staged::take(3);
    auto c = completions().take(completion);
    if (!c) return 1;
    std::string message = args[0].is_string() ? std::string(args[0].as_string()) : "the query function failed";
    Error e(ErrorCode::query_error, std::move(message));
    if (args[2].is_bool() && args[2].as_bool()) {
      c->done.fail(std::move(e), std::move(args[1]));
    } else {
      c->done.reject(std::move(e), std::move(args[1]));
    }
    return 0;
  });
}

/// JavaScript function `abort` is called when fetch `completion` is aborted (at once if it already
/// was). `use` nonzero: its query function read its AbortSignal, and the fetch now counts as one
/// whose signal is used (query-core's abortSignalConsumed: losing its last observer cancels it);
/// zero: the package's own code watches (a streamed query stops writing chunks), which changes
/// nothing for the fetch (query-core's fetchSignal).
EMSCRIPTEN_KEEPALIVE int mfs_complete_watch_abort(std::uint32_t completion, std::uint32_t abort_fn, std::uint32_t use) {
  return guarded([&] {
    JsFunction abort(abort_fn);
    const InFlight* fetch = completions().find(completion);
    if (fetch == nullptr) {
      // Gone unanswered (JavaScript asks only before its answer): its fetch was aborted, and
      // fetcher_of dropped it.
      abort.call([](Writer&) {});
      return;
    }
    const AbortSignal& signal = fetch->signal;
    auto call = [abort] { abort.call([](Writer&) {}); };
    if (use != 0) {
      signal.on_abort(std::move(call));
    } else {
      signal.on_abort_without_use(std::move(call));
    }
  });
}

// ---- keys ----

/// Staged: method, url, params. Out: the key.
EMSCRIPTEN_KEEPALIVE int mfs_key_from_url() {
  return guarded([&] {
    auto args = staged::take(3);
    if (!args[0].is_string() || !args[1].is_string()) {
      throw Error(ErrorCode::invalid_argument, "keyFromUrl(method, url, params): method and url must be strings");
    }
    Value key = key_from_url(args[0].as_string(), args[1].as_string(), args[2].is_null() ? Value::object() : args[2]);
    Writer w;
    w.value(key);
  });
}

/// Staged: key. Out: its canonical text (TanStack's hashKey).
EMSCRIPTEN_KEEPALIVE int mfs_key_string() {
  return guarded([&] {
    Value key = staged::pop();
    std::string s = key_string(key);
    Writer w;
    w.string(s);
  });
}

/// Staged: filter, key, exact. Out: boolean.
EMSCRIPTEN_KEEPALIVE int mfs_key_matches() {
  return guarded([&] {
    auto args = staged::take(3);
    bool m = matches(args[0], args[1], args[2].is_bool() && args[2].as_bool());
    Writer w;
    w.boolean(m);
  });
}
}
