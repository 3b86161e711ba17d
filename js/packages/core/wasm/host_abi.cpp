// Exports for the shell (Host) and for one app (App): the C ABI behind src/host.ts and src/app.ts.
//
// Every export takes its values from the staged stack (mfs_stage), its JavaScript functions as
// ids, returns 0 or -1 (error in the exchange buffer) and writes its results into the exchange
// buffer as its last step.
#include <emscripten/emscripten.h>

#include <memory>
#include <optional>

#include "bridge.hpp"
#include "handles.hpp"
#include "mfstate/host.hpp"
#include "mfstate/manifest.hpp"
#include "options.hpp"
#include "web_host.hpp"

namespace mfweb {

using namespace mfstate;

HandleTable<WebHost>& hosts() {
  static HandleTable<WebHost> t("host");
  return t;
}

HandleTable<Subscription>& subscriptions() {
  static HandleTable<Subscription> t("subscription");
  return t;
}

namespace {

// An app handle of JavaScript: an App it owns (mounted through the host), or the host's own
// platform app (owned by the Host; reached through the host's handle, so it is refused once the
// host is gone).
struct WebApp {
  App app;
  std::uint32_t platform_of = 0;
};

HandleTable<WebApp>& apps() {
  static HandleTable<WebApp> t("app");
  return t;
}

HandleTable<StoreRef>& store_refs() {
  static HandleTable<StoreRef> t("store");
  return t;
}

HandleTable<Next>& nexts() {
  static HandleTable<Next> t("next");
  return t;
}

App& app_of(std::uint32_t handle) {
  WebApp& w = apps().get(handle);
  if (w.platform_of != 0) return hosts().get(w.platform_of).host->platform();
  return w.app;
}

ValidationMode validation_mode(const Value& options) {
  auto mode = opt::string(options, "validation");
  if (!mode || *mode == "development") return ValidationMode::development;
  if (*mode == "always") return ValidationMode::always;
  if (*mode == "off") return ValidationMode::off;
  throw Error(ErrorCode::invalid_argument,
              "option validation must be \"always\", \"development\" or \"off\", got \"" + *mode + "\"");
}

void write_action(Writer& w, const Action& a) {
  w.string(a.type);
  w.value(a.payload);
  w.value(a.meta);
}

Action action_from(std::vector<Value>& v, std::size_t at) {
  if (!v[at].is_string()) throw Error(ErrorCode::invalid_argument, "an action's type must be a string");
  return Action{std::string(v[at].as_string()), std::move(v[at + 1]), std::move(v[at + 2])};
}

std::string string_arg(const Value& v, std::string_view what) {
  if (!v.is_string()) throw Error(ErrorCode::invalid_argument, std::string(what) + " must be a string");
  return std::string(v.as_string());
}

std::optional<Schema> schema_arg(const Value& v) {
  if (v.is_null()) return std::nullopt;
  return Schema::parse(v);
}

ErrorHandler error_handler(JsFunction fn) {
  if (!fn) return {};
  return [fn](const Error& e) {
    fn.call([&](Writer& w) { write_error(w, e); });
  };
}

// The actions JavaScript is dispatching into its own store now (innermost last), with the token
// that names the object the caller passed: a reducer receiving that very action gets the caller's
// object back (as Redux passes it) instead of a decoded copy.
struct Dispatching {
  Action action;
  std::uint32_t token;
};

std::vector<Dispatching>& dispatching() {
  static std::vector<Dispatching> stack;
  return stack;
}

bool same_action(const Action& a, const Action& b) {
  return a.type == b.type && a.payload.same_node(b.payload) && a.payload.type() == b.payload.type() &&
         a.meta.same_node(b.meta) && a.meta.type() == b.meta.type();
}

// Reducer arguments: the state, then the action as its token (an integer) or (type, payload, meta).
Reducer reducer_of(JsFunction fn) {
  return [fn](Value state, const Action& action) -> Value {
    return fn.call_for_result([&](Writer& w) {
      w.value(state);
      const auto& d = dispatching();
      if (!d.empty() && same_action(d.back().action, action)) {
        w.integer(d.back().token);
      } else {
        write_action(w, action);
      }
    });
  };
}

// A Redux middleware: JavaScript builds `middleware(api)(next)` once per store, as Redux does, from
// the two handles it is given the first time (one per store and middleware, so they can be cached).
struct MiddlewareState {
  JsFunction fn;
  std::uint32_t ref = 0;
  std::uint32_t next = 0;
  ~MiddlewareState() {
    store_refs().take(ref);
    nexts().take(next);
  }
};

Middleware middleware_of(JsFunction fn) {
  auto st = std::make_shared<MiddlewareState>();
  st->fn = std::move(fn);
  return [st](const StoreRef& ref, Action action, const Next& next) {
    if (!st->ref) st->ref = store_refs().add(std::make_unique<StoreRef>(ref));
    if (!st->next) st->next = nexts().add(std::make_unique<Next>(next));
    st->fn.call([&](Writer& w) {
      w.integer(st->ref);
      w.integer(st->next);
      write_action(w, action);
    });
  };
}

}  // namespace

// ---- the JavaScript clock ----
Millis JsClock::now() const { return Millis(static_cast<std::int64_t>(mfs_js_now())); }

}  // namespace mfweb

using namespace mfweb;
using namespace mfstate;

extern "C" {

// ---- Host (the shell) ----

/// Staged: options {validation, development, strictTopics, manualClock, now, queries}.
/// Out: the host handle.
EMSCRIPTEN_KEEPALIVE int mfs_host_create(std::uint32_t on_error) {
  JsFunction handler(on_error);
  return guarded([&] {
    Value options = staged::pop();
    auto web = std::make_unique<WebHost>();
    HostOptions ho;
    ho.validation = validation_mode(options);
    ho.development = opt::boolean(options, "development");
    ho.strict_topics = opt::boolean(options, "strictTopics").value_or(false);
    ho.on_error = error_handler(handler);
    if (const Value* q = opt::field(options, "queries")) ho.queries = client_options_from(*q);
    if (opt::boolean(options, "manualClock").value_or(false)) {
      web->manual = std::make_unique<ManualClock>(Millis(static_cast<std::int64_t>(opt::number(options, "now").value_or(0))));
      web->host = std::make_unique<Host>(*web->manual, std::move(ho));
    } else {
      web->host = std::make_unique<Host>(static_cast<const Clock&>(web->clock), std::move(ho));
    }
    write_handle(hosts().add(std::move(web)));
  });
}

/// Unmounts every app and frees the host. Apps and subscriptions of it become inert.
EMSCRIPTEN_KEEPALIVE int mfs_host_destroy(std::uint32_t host) {
  return guarded([&] {
    hosts().take(host);
    twins::release_unheld();
  });
}

/// Staged: name, version. Out: the app handle.
EMSCRIPTEN_KEEPALIVE int mfs_host_mount(std::uint32_t host) {
  return guarded([&] {
    auto args = staged::take(2);
    Host& h = *hosts().get(host).host;
    MountOptions mo;
    if (!args[1].is_null()) mo.version = string_arg(args[1], "version");
    App app = h.mount(string_arg(args[0], "an app name"), std::move(mo));
    write_handle(apps().add(std::make_unique<WebApp>(WebApp{std::move(app)})));
  });
}

/// Out: a handle of the host's own app, "platform" (mounted by the host; lives as long as it).
EMSCRIPTEN_KEEPALIVE int mfs_host_platform(std::uint32_t host) {
  return guarded([&] {
    hosts().get(host);
    write_handle(apps().add(std::make_unique<WebApp>(WebApp{App(), host})));
  });
}

/// Staged: a manifest document (schemas inline). Out: the app handle.
EMSCRIPTEN_KEEPALIVE int mfs_host_mount_manifest(std::uint32_t host) {
  return guarded([&] {
    Value doc = staged::pop();
    Host& h = *hosts().get(host).host;
    App app = h.mount(parse_manifest(doc));
    write_handle(apps().add(std::make_unique<WebApp>(WebApp{std::move(app)})));
  });
}

/// Staged: name. Out: boolean.
EMSCRIPTEN_KEEPALIVE int mfs_host_is_mounted(std::uint32_t host) {
  return guarded([&] {
    Value name = staged::pop();
    bool mounted = hosts().get(host).host->is_mounted(string_arg(name, "an app name"));
    Writer w;
    w.boolean(mounted);
  });
}

/// Out: the mounted apps' names, in mount order.
EMSCRIPTEN_KEEPALIVE int mfs_host_apps(std::uint32_t host) {
  return guarded([&] {
    auto names = hosts().get(host).host->apps();
    std::vector<Value> list(names.begin(), names.end());
    Writer w;
    w.value(Value::array(std::move(list)));
  });
}

/// Runs JavaScript function `fn` inside Host::transaction.
EMSCRIPTEN_KEEPALIVE int mfs_host_transaction(std::uint32_t host, std::uint32_t fn) {
  JsFunction body(fn);
  return guarded([&] {
    hosts().get(host).host->transaction([&] { body.call([](Writer&) {}); });
  });
}

/// Out: boolean, whether values are validated now.
EMSCRIPTEN_KEEPALIVE int mfs_host_validating(std::uint32_t host) {
  return guarded([&] {
    bool v = hosts().get(host).host->validating();
    Writer w;
    w.boolean(v);
  });
}

EMSCRIPTEN_KEEPALIVE int mfs_host_set_error_handler(std::uint32_t host, std::uint32_t fn) {
  JsFunction handler(fn);
  return guarded([&] { hosts().get(host).host->set_error_handler(error_handler(handler)); });
}

EMSCRIPTEN_KEEPALIVE int mfs_host_set_focused(std::uint32_t host, int focused) {
  return guarded([&] { hosts().get(host).host->set_focused(focused != 0); });
}

EMSCRIPTEN_KEEPALIVE int mfs_host_set_online(std::uint32_t host, int online) {
  return guarded([&] { hosts().get(host).host->set_online(online != 0); });
}

/// Subscribes `fn` to the inspector: it receives each event as a value. Out: subscription handle.
EMSCRIPTEN_KEEPALIVE int mfs_host_inspect(std::uint32_t host, std::uint32_t fn) {
  JsFunction listener(fn);
  return guarded([&] {
    Subscription s = hosts().get(host).host->inspect([listener](const InspectorEvent& e) {
      Value v = to_value(e);
      listener.call([&](Writer& w) { w.value(v); });
    });
    write_handle(keep(std::move(s)));
  });
}

/// Manual clock only: moves time by `ms`, running every timer due on the way.
EMSCRIPTEN_KEEPALIVE int mfs_host_advance(std::uint32_t host, double ms) {
  return guarded([&] {
    WebHost& h = hosts().get(host);
    if (!h.manual) throw Error(ErrorCode::invalid_argument, "advanceTime needs a host created with {clock: 'manual'}");
    h.host->advance(Millis(static_cast<std::int64_t>(ms)));
  });
}

/// Runs posted work, and with `timers` due timers too (the driver's own setTimeout fired): after
/// a call into the host, posted work only (Host::run_posted), so a timer that became due while
/// the page was busy fires from the event loop, never inside the page's call. Out: when the next
/// timer is due (the clock's milliseconds, or null when none is scheduled), how many tasks and
/// timers ran, and the host's activity then (as mfs_host_activity returns it).
EMSCRIPTEN_KEEPALIVE int mfs_host_run(std::uint32_t host, int timers) {
  return guarded([&] { run_host(*hosts().get(host).host, timers); });
}

/// The host's activity (Host::activity) in 30 bits, or -1 for a handle that is no host: while it
/// is what the last run reported, there is nothing new to run. No exchange buffer, no throw: the
/// driver asks after every call that may have posted work.
EMSCRIPTEN_KEEPALIVE int mfs_host_activity(std::uint32_t host) {
  WebHost* web = hosts().find(host);
  return web == nullptr ? -1 : activity_word(web->host->activity());
}

/// Out: the handle of the host's shared query client.
EMSCRIPTEN_KEEPALIVE int mfs_host_queries(std::uint32_t host) {
  return guarded([&] {
    hosts().get(host);
    write_handle(borrow_client(host));
  });
}

// ---- App (one app's capability) ----

/// Unmounts the app and frees its handle.
EMSCRIPTEN_KEEPALIVE int mfs_app_release(std::uint32_t app) {
  return guarded([&] {
    std::unique_ptr<WebApp> w = apps().take(app);
    // The platform's handle unmounts it (as any app's last handle does) while its host lives.
    if (w && w->platform_of != 0) {
      if (WebHost* h = hosts().find(w->platform_of)) h->host->platform().unmount();
    }
    w.reset();
    // What the app's store, exports and observers held is now held by the twin table alone.
    twins::release_unheld();
  });
}

/// Out: boolean.
EMSCRIPTEN_KEEPALIVE int mfs_app_mounted(std::uint32_t app) {
  return guarded([&] {
    // The platform's handle wraps no App of its own: the answer is its host's platform (false once
    // the host is disposed or the platform unmounted).
    WebApp* a = apps().find(app);
    WebHost* h = a && a->platform_of != 0 ? hosts().find(a->platform_of) : nullptr;
    Writer w;
    w.boolean(a && (a->platform_of != 0 ? h && h->host->platform().mounted() : a->app.mounted()));
  });
}

/// Staged: initial state (twinned), then one integer per middleware (function ids).
EMSCRIPTEN_KEEPALIVE int mfs_app_create_store(std::uint32_t app, std::uint32_t reducer, std::uint32_t middleware_count) {
  JsFunction fn(reducer);
  return guarded([&] {
    auto ids = staged::take(middleware_count);
    std::vector<Middleware> chain;
    for (const Value& id : ids) chain.push_back(middleware_of(JsFunction(static_cast<std::uint32_t>(id.as_int()))));
    Value initial = staged::pop();
    app_of(app).create_store(std::move(initial), reducer_of(fn), std::move(chain));
  });
}

/// Out: the app's state.
EMSCRIPTEN_KEEPALIVE int mfs_app_state(std::uint32_t app) {
  return guarded([&] {
    const Value& state = app_of(app).state();
    Writer w;
    w.value(state);
  });
}

/// In the exchange buffer (not staged: the hot path): type, payload, meta. `token` names the
/// caller's action object in JavaScript (0: none).
EMSCRIPTEN_KEEPALIVE int mfs_app_dispatch(std::uint32_t app, std::uint32_t token) {
  return guarded([&] {
    Reader r;
    Value type = r.value();
    if (!type.is_string()) throw Error(ErrorCode::invalid_argument, "an action's type must be a string");
    Value payload = r.value();
    Value meta = r.value();
    r.expect_end();
    Action action{std::string(type.as_string()), std::move(payload), std::move(meta)};
    App& a = app_of(app);
    if (token == 0) return a.dispatch(std::move(action));
    dispatching().push_back(Dispatching{action, token});
    struct Pop {
      ~Pop() { dispatching().pop_back(); }
    } pop;
    a.dispatch(std::move(action));
  });
}

EMSCRIPTEN_KEEPALIVE int mfs_app_replace_reducer(std::uint32_t app, std::uint32_t reducer) {
  JsFunction fn(reducer);
  return guarded([&] { app_of(app).replace_reducer(reducer_of(fn)); });
}

/// `fn` is called with the new state after each change of the app's state (JavaScript keeps it
/// as what getState returns until the next call into the module). Out: subscription handle.
EMSCRIPTEN_KEEPALIVE int mfs_app_subscribe(std::uint32_t app, std::uint32_t fn) {
  JsFunction listener(fn);
  return guarded([&] {
    Subscription s = app_of(app).subscribe([listener](const Value& state) {
      listener.call([&](Writer& w) { w.value(state); });
    });
    write_handle(keep(std::move(s)));
  });
}

/// Staged: name, schema (or null). `selector` computes the export from the state.
EMSCRIPTEN_KEEPALIVE int mfs_app_expose(std::uint32_t app, std::uint32_t selector) {
  JsFunction fn(selector);
  return guarded([&] {
    auto args = staged::take(2);
    std::string name = string_arg(args[0], "an export name");
    auto schema = schema_arg(args[1]);
    ExportSelector sel = [fn](const Value& state) { return fn.call_for_value([&](Writer& w) { w.value(state); }); };
    app_of(app).expose(name, std::move(sel), std::move(schema));
  });
}

/// Staged: name.
EMSCRIPTEN_KEEPALIVE int mfs_app_unexpose(std::uint32_t app) {
  return guarded([&] {
    Value name = staged::pop();
    app_of(app).unexpose(string_arg(name, "an export name"));
  });
}

/// Staged: producer app, export name. Out: the export's value.
EMSCRIPTEN_KEEPALIVE int mfs_app_read(std::uint32_t app) {
  return guarded([&] {
    auto args = staged::take(2);
    Value v = app_of(app).read(string_arg(args[0], "an app name"), string_arg(args[1], "an export name"));
    Writer w;
    w.value(v);
  });
}

/// Staged: producer app, export name, expectations (or null). `fn` receives (app, name, kind,
/// value). Out: subscription handle.
EMSCRIPTEN_KEEPALIVE int mfs_app_watch(std::uint32_t app, std::uint32_t fn) {
  JsFunction callback(fn);
  return guarded([&] {
    auto args = staged::take(3);
    Expectations expectations = args[2].is_null() ? Expectations{} : Expectations::from_value(args[2]);
    Subscription s = app_of(app).watch(
        string_arg(args[0], "an app name"), string_arg(args[1], "an export name"),
        [callback](const ExportEvent& e) {
          callback.call([&](Writer& w) {
            w.string(e.app);
            w.string(e.name);
            w.string(e.kind == ExportEventKind::value ? "value" : "removed");
            w.value(e.value);
          });
        },
        std::move(expectations));
    write_handle(keep(std::move(s)));
  });
}

/// Staged: command type, payload schema (or null). `handler` (0: none, the reducer receives it)
/// gets (type, payload, meta, from).
EMSCRIPTEN_KEEPALIVE int mfs_app_accept(std::uint32_t app, std::uint32_t handler) {
  JsFunction fn(handler);
  return guarded([&] {
    auto args = staged::take(2);
    std::string type = string_arg(args[0], "a command type");
    auto schema = schema_arg(args[1]);
    CommandHandler h;
    if (fn) {
      h = [fn](const Action& a, std::string_view from) {
        fn.call([&](Writer& w) {
          write_action(w, a);
          w.string(from);
        });
      };
    }
    app_of(app).accept(type, std::move(schema), std::move(h));
  });
}

EMSCRIPTEN_KEEPALIVE int mfs_app_accept_all(std::uint32_t app) {
  return guarded([&] { app_of(app).accept_all(); });
}

/// Staged: target app, type, payload, meta.
EMSCRIPTEN_KEEPALIVE int mfs_app_send(std::uint32_t app) {
  return guarded([&] {
    auto args = staged::take(4);
    std::string target = string_arg(args[0], "an app name");
    app_of(app).send(target, action_from(args, 1));
  });
}

/// In the exchange buffer (not staged: a broadcast is a hot path, as a dispatch is): type, payload,
/// meta. Out: how many apps received it.
EMSCRIPTEN_KEEPALIVE int mfs_app_broadcast(std::uint32_t app) {
  return guarded([&] {
    Reader r;
    std::vector<Value> args;
    args.reserve(3);
    for (int i = 0; i < 3; ++i) args.push_back(r.value());
    r.expect_end();
    std::size_t n = app_of(app).broadcast(action_from(args, 0));
    Writer w;
    w.integer(static_cast<std::int64_t>(n));
  });
}

/// Staged: pattern. `fn` receives (topic, payload). Out: subscription handle.
EMSCRIPTEN_KEEPALIVE int mfs_app_on(std::uint32_t app, std::uint32_t fn) {
  JsFunction listener(fn);
  return guarded([&] {
    Value pattern = staged::pop();
    Subscription s = app_of(app).on(string_arg(pattern, "a topic pattern"),
                                    [listener](std::string_view topic, const Value& payload) {
                                      listener.call([&](Writer& w) {
                                        w.string(topic);
                                        w.value(payload);
                                      });
                                    });
    write_handle(keep(std::move(s)));
  });
}

/// In the exchange buffer (not staged: the hot path): topic, payload.
EMSCRIPTEN_KEEPALIVE int mfs_app_emit(std::uint32_t app) {
  return guarded([&] {
    Reader r;
    Value topic = r.value();
    Value payload = r.value();
    r.expect_end();
    app_of(app).emit(string_arg(topic, "a topic"), std::move(payload));
  });
}

/// Whether the app's emit on the staged topic would only hand the payload to the subscribers
/// (App::emit_is_plain). Out: 1 or 0.
EMSCRIPTEN_KEEPALIVE int mfs_app_emit_is_plain(std::uint32_t app) {
  return guarded([&] {
    Value topic = staged::pop();
    Writer w;
    w.integer(app_of(app).emit_is_plain(string_arg(topic, "a topic")) ? 1 : 0);
  });
}

/// What a listener of the app on the staged topic threw while JavaScript delivered a plain message
/// to it (App::report_listener_error): `thrown` throws it again here, so the error carries that
/// very value, as when the module delivers.
EMSCRIPTEN_KEEPALIVE int mfs_app_listener_threw(std::uint32_t app, std::uint32_t thrown) {
  JsFunction rethrow(thrown);
  return guarded([&] {
    Value topic = staged::pop();
    // A copy: what the throw carries is staged on its way in, over the buffer `topic` reads from.
    const std::string name(string_arg(topic, "a topic"));
    const mfstate::App& a = app_of(app);
    try {
      rethrow.call([](Writer&) {});
    } catch (...) {
      a.report_listener_error(name);
      return;
    }
    throw Error(ErrorCode::invalid_argument, "mfs_app_listener_threw: the function did not throw");
  });
}

/// The apps the app's broadcast of the staged type reaches when it would only run their reducers
/// (App::plain_broadcast_targets). Out: their count, then their names; -1 when it is not plain.
EMSCRIPTEN_KEEPALIVE int mfs_app_broadcast_targets(std::uint32_t app) {
  return guarded([&] {
    Value type = staged::pop();
    const std::optional<std::vector<std::string>> targets =
        app_of(app).plain_broadcast_targets(string_arg(type, "a command type"));
    Writer w;
    if (!targets) {
      w.integer(-1);
      return;
    }
    w.integer(static_cast<std::int64_t>(targets->size()));
    for (const std::string& name : *targets) w.string(name);
  });
}

/// `hold` 1: holds the host's notifications (Host::hold_notifications) while JavaScript delivers a
/// plain message; 0: ends every hold of the host, delivering what waited (nothing to do once the
/// host is gone). Nothing to read back: a hold is never made without JavaScript knowing it.
EMSCRIPTEN_KEEPALIVE int mfs_host_hold(std::uint32_t host, int hold) {
  return guarded([&] {
    WebHost* web = hosts().find(host);
    if (hold != 0) {
      if (web == nullptr) throw Error(ErrorCode::invalid_argument, "hold: no such host");
      web->holds.push_back(web->host->hold_notifications());
      return;
    }
    if (web == nullptr) return;
    std::vector<Subscription> ending = std::move(web->holds);
    web->holds.clear();
    // The latest first, as scopes close; the last one ended delivers. `web` may be gone after.
    while (!ending.empty()) {
      Subscription s = std::move(ending.back());
      ending.pop_back();
      s.cancel();
    }
  });
}

/// Declares a topic as this app's (its own namespace; the platform anywhere). Staged: topic,
/// schema (or null), replay (boolean).
EMSCRIPTEN_KEEPALIVE int mfs_app_declare(std::uint32_t app) {
  return guarded([&] {
    auto args = staged::take(3);
    TopicOptions options;
    options.schema = schema_arg(args[1]);
    options.replay = args[2].is_bool() && args[2].as_bool();
    app_of(app).declare(string_arg(args[0], "a topic"), std::move(options));
  });
}

/// Runs JavaScript function `fn` inside App::transaction (undoes only what this app's calls did).
EMSCRIPTEN_KEEPALIVE int mfs_app_transaction(std::uint32_t app, std::uint32_t fn) {
  JsFunction body(fn);
  return guarded([&] {
    app_of(app).transaction([&] { body.call([](Writer&) {}); });
  });
}

/// Subscribes `fn` to this app's own inspector events (as actor or target). Out: subscription handle.
EMSCRIPTEN_KEEPALIVE int mfs_app_inspect(std::uint32_t app, std::uint32_t fn) {
  JsFunction listener(fn);
  return guarded([&] {
    Subscription s = app_of(app).inspect([listener](const InspectorEvent& e) {
      Value v = to_value(e);
      listener.call([&](Writer& w) { w.value(v); });
    });
    write_handle(keep(std::move(s)));
  });
}

/// Calls `fn` once after `ms` milliseconds (this app's timer: only the returned subscription, or
/// the app's unmount, cancels it). Out: subscription handle.
EMSCRIPTEN_KEEPALIVE int mfs_app_schedule_after(std::uint32_t app, double ms, std::uint32_t fn) {
  JsFunction callback(fn);
  return guarded([&] {
    if (!(ms >= 0 && ms <= 8.64e15)) {
      throw Error(ErrorCode::invalid_argument, "a delay must be a number of milliseconds, 0 to 8.64e15");
    }
    Subscription s = app_of(app).schedule_after(Millis(static_cast<std::int64_t>(ms)),
                                                [callback] { callback.call([](Writer&) {}); });
    write_handle(keep(std::move(s)));
  });
}

/// Out: the runtime clock's time (milliseconds).
EMSCRIPTEN_KEEPALIVE int mfs_app_now(std::uint32_t app) {
  return guarded([&] {
    Millis t = app_of(app).now();
    Writer w;
    w.number(static_cast<double>(t.count()));
  });
}

/// Observes a query of the shared cache as this app (ends at unmount at the latest). Staged:
/// options. `fn` receives each result. Out: subscription handle.
EMSCRIPTEN_KEEPALIVE int mfs_app_observe(std::uint32_t app, std::uint32_t fn) {
  JsFunction listener(fn);
  return guarded([&] {
    Value o = staged::pop();
    Subscription s = app_of(app).observe(query_options_from(o), query_listener_of(listener));
    write_handle(keep(std::move(s)));
  });
}

/// Fetches a query of the shared cache as this app (mfs_client_fetch's arguments): the functions in
/// the options are this app's, and the module calls none of them after its unmount.
EMSCRIPTEN_KEEPALIVE int mfs_app_fetch(std::uint32_t app, int kind, std::uint32_t settle) {
  JsFunction fn(settle);
  return guarded([&] { fetch_through(app_of(app).queries(), kind, fn); });
}

/// cancelQueries, removeQueries and resetQueries as this app (mfs_client_cancel's, _remove's and
/// _reset's arguments): through the app's client, which needs a non-empty key prefix. Through the
/// shell's handle, an app's removeQueries() emptied every app's cache (what clear() refuses it).
EMSCRIPTEN_KEEPALIVE int mfs_app_cancel(std::uint32_t app) {
  return guarded([&] { cancel_through(app_of(app).queries()); });
}

EMSCRIPTEN_KEEPALIVE int mfs_app_remove(std::uint32_t app) {
  return guarded([&] { remove_through(app_of(app).queries()); });
}

EMSCRIPTEN_KEEPALIVE int mfs_app_reset(std::uint32_t app, std::uint32_t settle) {
  JsFunction fn(settle);
  return guarded([&] { reset_through(app_of(app).queries(), fn); });
}

/// Ends a subscription (harmless twice).
EMSCRIPTEN_KEEPALIVE int mfs_unsubscribe(std::uint32_t sub) {
  return guarded([&] { subscriptions().take(sub); });
}

// ---- what a middleware holds ----

/// Out: the store's state (null once the store is gone).
EMSCRIPTEN_KEEPALIVE int mfs_store_state(std::uint32_t ref) {
  return guarded([&] {
    const StoreRef& r = store_refs().get(ref);
    Writer w;
    w.value(r.state());
  });
}

/// Staged: type, payload, meta. Dispatches through the whole chain (queued when busy).
EMSCRIPTEN_KEEPALIVE int mfs_store_dispatch(std::uint32_t ref) {
  return guarded([&] {
    auto args = staged::take(3);
    const StoreRef r = store_refs().get(ref);
    r.dispatch(action_from(args, 0));
  });
}

/// Staged: type, payload, meta. Passes the action to the rest of the chain.
EMSCRIPTEN_KEEPALIVE int mfs_next(std::uint32_t next) {
  return guarded([&] {
    auto args = staged::take(3);
    const Next n = nexts().get(next);
    n(action_from(args, 0));
  });
}
}
