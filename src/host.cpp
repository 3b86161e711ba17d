// Host and App: the two capabilities (host.hpp), mounting and names, and each App function's
// entry into the concept that does the work (host_exports, host_commands, the bus, the query
// cache, the runtime's transactions and timers).
//
// Every App and Host function that may run user code holds a HostGuard (the Host may be
// destroyed from inside) and, when it touches the app's record afterwards, a Ref to it (the App
// may be destroyed from inside). Functions whose callbacks would otherwise run before they are
// done with the handle open a batch, so those callbacks run last.
#include "mfstate/host.hpp"

#include <algorithm>

#include "error_sink.hpp"
#include "host_core.hpp"
#include "host_manifest.hpp"
#include "mfstate/manifest.hpp"
#include "transactions.hpp"

// GCC 12 warns about members a designated initializer leaves out even when they have default
// initializers, which is how events and options are meant to be built here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif

namespace mfstate {

namespace detail {

namespace {

bool library_development() {
#ifdef NDEBUG
  return false;
#else
  return true;
#endif
}

}  // namespace

/// The first segment of a topic: the app whose namespace it is in ("cart" for "cart/item-added").
std::string_view topic_namespace(std::string_view topic) { return topic.substr(0, topic.find('/')); }

// ---- AppRecord ----

void AppRecord::keep(const Subscription& s) {
  if (host == nullptr) {
    // Unmounted while the subscription was being made (from inside a callback it ran): it ends
    // now, as the unmount would have ended it.
    s.link().cancel();
    return;
  }
  links.push_back(s.link());
  if (links.size() >= 2 * links_at_last_prune + 16) {
    std::erase_if(links, [](const SubscriptionLink& l) { return !l.active(); });
    links_at_last_prune = links.size();
  }
}

void AppRecord::adopt(Subscription s) {
  adopted.push_back(std::move(s));
  if (adopted.size() >= 2 * adopted_at_last_prune + 16) {
    std::erase_if(adopted, [](const Subscription& a) { return !a.active(); });
    adopted_at_last_prune = adopted.size();
  }
}

void AppRecord::on_action(const Action& action, bool changed) {
  // Tested here before the event's closure is made (GCC spilled it to the stack ahead of
  // inspect_of's own test: ~10 instructions a target of every broadcast, W1b).
  if (host == nullptr || !host->inspector.active()) return;
  host->inspect_of(name, {}, [&] {
    return InspectorEvent{.kind = InspectorEventKind::action,
                          .app = name,
                          .name = action.type,
                          .payload = action.payload,
                          .state_changed = changed};
  });
}

void AppRecord::on_notified() {
  if (host != nullptr) host->exports.on_notified(*this);
}

// ---- HostCore ----

namespace {
// The shared client's callback errors (an app's mutation callback that throws, a cache callback)
// are the host's like any other callback's: its sink, unless the shell gave the client a handler
// of its own (without one they went to stderr, out of the shell's sight).
QueryClientOptions reporting_to_sink(QueryClientOptions o, HostErrors& errors) {
  if (!o.on_error) o.on_error = [&errors](const Error& e) { errors.report(e); };
  return o;
}
}  // namespace

HostCore::HostCore(std::unique_ptr<Runtime> rt, HostOptions options)
    : validate(options.validation == ValidationMode::always ||
               (options.validation == ValidationMode::development &&
                options.development.value_or(library_development()))),
      runtime(std::move(rt)),
      inspector(runtime->clock(), [this](const Error& e) { errors.report_quietly(e); }),
      errors(inspector, std::move(options.on_error)),
      bus(BusOptions{.batcher = &runtime->batcher(),
                     .on_error = [this](const Error& e) { errors.report(e); },
                     .validate = validate,
                     .strict = options.strict_topics,
                     .on_publish =
                         [this](std::string_view origin, std::string_view topic, const Value& payload) {
                           inspect_of(origin, {}, [&] {
                             return InspectorEvent{.kind = InspectorEventKind::bus_message,
                                                   .app = std::string(origin),
                                                   .name = std::string(topic),
                                                   .payload = payload};
                           });
                         }}),
      exports(*this),
      commands(*this),
      queries(std::make_unique<QueryClient>(*runtime, reporting_to_sink(std::move(options.queries), errors))) {
  // The one sink: whatever the runtime cannot hand to a caller is the host's error.
  runtime->set_error_handler([this](const Error& e) { errors.report(e); });
}

Ref<AppRecord> HostCore::mount(std::string_view name, std::string version,
                               std::shared_ptr<const Manifest> manifest) {
  Ref<AppRecord> rec(new AppRecord);
  rec->host = this;
  rec->name = std::string(name);
  rec->version = std::move(version);
  rec->manifest = std::move(manifest);
  mount_order.push_back(rec.get());
  try {
    mounted.emplace(rec->name, rec);
    exports.on_mount(*rec);
  } catch (...) {
    mounted.erase(rec->name);
    mount_order.pop_back();
    rec->host = nullptr;
    throw;
  }
  inspect([&] {
    return InspectorEvent{.kind = InspectorEventKind::mount, .app = rec->name, .detail = rec->version};
  });
  return rec;
}

void HostCore::unmount(AppRecord& rec) {
  if (rec.host == nullptr) return;
  HostGuard guard(*this);
  Ref<AppRecord> keep(&rec);  // the map's and the handle's references may both go meanwhile
  // One batch: watchers hear that the exports are gone after the app is fully released.
  Batcher::Scope batch(batcher());
  mounted.erase(rec.name);
  std::erase(mount_order, &rec);
  commands.withdraw(rec);
  for (const auto& topic : rec.declared_topics) bus.undeclare(topic, rec.name);
  rec.declared_topics.clear();
  // Release what the app holds, newest first.
  auto adopted = std::move(rec.adopted);
  for (auto it = adopted.rbegin(); it != adopted.rend(); ++it) it->cancel();
  auto links = std::move(rec.links);
  for (auto it = links.rbegin(); it != links.rend(); ++it) it->cancel();
  if (rec.queries) rec.queries->end();  // kept (ended) for references the app still holds
  exports.on_unmount(rec);
  rec.host = nullptr;
  std::unique_ptr<Store> store = std::move(rec.store);
  store.reset();
  inspect([&] { return InspectorEvent{.kind = InspectorEventKind::unmount, .app = rec.name}; });
}

void HostCore::close() {
  HostGuard guard(*this);
  closing = true;
  // Newest first; the platform, mounted first, goes last.
  while (!mount_order.empty()) unmount(*mount_order.back());
  reserved.clear();
  // Deliver what unmounting queued (watchers told exports are gone) while everything exists.
  Batcher::Scope flush(batcher());
}

HostGuard::~HostGuard() {
  if (--core_->busy > 0 || !core_->parked_self) return;
  // The Host was destroyed during this call: free its core once the runtime is idle too (now,
  // unless a notification is still running below us).
  std::shared_ptr<HostCore> core = std::move(core_->parked_self);
  Batcher& b = core->batcher();
  park_until_idle(b, std::move(core));  // may free everything: nothing may follow
}

}  // namespace detail

using detail::AppRecord;
using detail::HostCore;
using detail::HostGuard;
using detail::Ref;
using detail::topic_namespace;

// ---- App ----

App::App(AppRecord* record) noexcept : rec_(record) {
  if (rec_ != nullptr) ++rec_->refs;
}

App::App(App&& other) noexcept : rec_(std::exchange(other.rec_, nullptr)) {}

App& App::operator=(App&& other) noexcept {
  if (this != &other) {
    App old(std::move(*this));  // unmounted and released when this returns
    rec_ = std::exchange(other.rec_, nullptr);
  }
  return *this;
}

App::~App() {
  if (rec_ == nullptr) return;
  Ref<AppRecord> rec = Ref<AppRecord>::adopt(std::exchange(rec_, nullptr));  // released after the unmount
  try {
    if (rec->host != nullptr) rec->host->unmount(*rec);
  } catch (...) {
    // Unmounting only releases; an error there (an allocation failing) must not escape a destructor.
  }
}

const std::string& App::name() const noexcept {
  static const std::string empty;
  return rec_ != nullptr ? rec_->name : empty;
}

const std::string& App::version() const noexcept {
  static const std::string empty;
  return rec_ != nullptr ? rec_->version : empty;
}

bool App::mounted() const noexcept { return rec_ != nullptr && rec_->host != nullptr; }

void App::unmount() {
  if (rec_ != nullptr && rec_->host != nullptr) rec_->host->unmount(*rec_);
}

AppRecord& App::live() const {
  if (rec_ == nullptr) throw Error(ErrorCode::app_unmounted, "an empty App handle was used");
  if (rec_->host == nullptr) {
    throw Error(ErrorCode::app_unmounted,
                "app \"" + rec_->name + "\" was unmounted; mount it again to get a new handle");
  }
  return *rec_;
}

void App::create_store(Value initial, Reducer reducer, std::vector<Middleware> middleware) {
  AppRecord& r = live();
  if (r.store) throw Error(ErrorCode::invalid_argument, "app \"" + r.name + "\" already has a store");
  HostCore& h = *r.host;
  HostGuard guard(h);
  std::weak_ptr<HostCore> weak = h.weak_from_this();
  auto store = std::make_unique<Store>(std::move(initial), std::move(reducer),
                                       StoreOptions{.middleware = std::move(middleware),
                                                    .batcher = &h.batcher(),
                                                    .on_error =
                                                        [weak, name = r.name](const Error& e) {
                                                          if (auto core = weak.lock())
                                                            core->errors.report(e, name);
                                                        },
                                                    .name = "app \"" + r.name + "\""});
  detail::StoreAccess::observe(*store, &r);
  r.store = std::move(store);
  h.exports.on_store_created(r);  // last: may deliver to watchers at once
}

namespace {
Store& own_store(AppRecord& r) {
  if (!r.store) {
    throw Error(ErrorCode::no_store, "app \"" + r.name + "\" has no store yet (create_store first)");
  }
  return *r.store;
}
}  // namespace

Value App::state() const { return own_store(live()).state(); }

void App::dispatch(Action action) {
  AppRecord& r = live();
  HostGuard guard(*r.host);
  own_store(r).dispatch(std::move(action));
}

Subscription App::subscribe(std::function<void(const Value&)> listener) {
  if (!listener) {
    own_store(live());  // an unmounted app's error, then a missing store's, first (as before)
    throw Error(ErrorCode::invalid_argument, "Store::subscribe needs a listener, got an empty one");
  }
  return subscribe_callback(detail::Callback<const Value&>::of(std::move(listener)));
}

Subscription App::subscribe_callback(detail::Callback<const Value&> listener) {
  AppRecord& r = live();
  Subscription s = detail::StoreAccess::subscribe(own_store(r), std::move(listener));
  r.keep(s);
  return s;
}

void App::replace_reducer(Reducer reducer) {
  AppRecord& r = live();
  HostGuard guard(*r.host);
  own_store(r).replace_reducer(std::move(reducer));
}

void App::expose(std::string_view name, ExportSelector selector, std::optional<Schema> schema) {
  AppRecord& r = live();
  HostGuard guard(*r.host);
  Ref<AppRecord> keep(&r);  // a contract error reaches the shell's inspector listeners meanwhile
  r.host->exports.expose(r, name, std::move(selector), std::move(schema));
}

void App::unexpose(std::string_view name) {
  AppRecord& r = live();
  HostGuard guard(*r.host);
  r.host->exports.unexpose(r, name);
}

Value App::read(std::string_view app, std::string_view name) const {
  AppRecord& r = live();
  HostGuard guard(*r.host);
  return r.host->exports.read(r, app, name);
}

Subscription App::watch(std::string_view app, std::string_view name, WatchCallback callback,
                        Expectations expectations) {
  AppRecord& r = live();
  HostCore& h = *r.host;
  HostGuard guard(h);
  Ref<AppRecord> keep(&r);  // a contract error reaches the shell's inspector listeners meanwhile
  Subscription s;
  {
    Batcher::Scope batch(h.batcher());  // the first delivery runs once we are done with `r`
    s = h.exports.watch(r, app, name, std::move(callback), std::move(expectations));
  }
  return s;
}

void App::accept(std::string_view type, std::optional<Schema> payload_schema, CommandHandler handler) {
  AppRecord& r = live();
  r.host->commands.accept(r, type, std::move(payload_schema), std::move(handler));
}

void App::accept_all() {
  AppRecord& r = live();
  r.host->commands.accept_all(r);
}

void App::send(std::string_view app, Action action) {
  AppRecord& r = live();
  HostGuard guard(*r.host);
  Ref<AppRecord> sender(&r);
  r.host->commands.send(r, app, std::move(action));
}

std::size_t App::broadcast(const Action& action) {
  AppRecord& r = live();
  HostGuard guard(*r.host);
  return r.host->commands.broadcast(r, action, nullptr);
}

std::size_t App::broadcast(Action&& action) {
  AppRecord& r = live();
  HostGuard guard(*r.host);
  return r.host->commands.broadcast(r, action, &action);
}

std::optional<std::vector<std::string>> App::plain_broadcast_targets(std::string_view type) const {
  const AppRecord& r = live();
  const HostCore& h = *r.host;
  // The events of a broadcast are the sender's and each target's (command_sent, action): only the
  // shell's inspectors and theirs hear them, another app's does not make it do more.
  if (h.inspector.hears(r.name)) return std::nullopt;
  std::vector<const detail::AppRecord*> targets;
  if (!h.commands.plain_targets(detail::HashedName(type), targets)) return std::nullopt;
  std::vector<std::string> names;
  names.reserve(targets.size());
  for (const detail::AppRecord* t : targets) {
    if (h.inspector.hears(t->name)) return std::nullopt;
    names.push_back(t->name);
  }
  return names;
}

void App::declare(std::string_view topic, TopicOptions options) {
  AppRecord& r = live();
  HostCore& h = *r.host;
  const bool platform = r.is_platform;
  if (!platform && topic_namespace(topic) != r.name) {
    throw Error(ErrorCode::forbidden,
                "app \"" + r.name + "\" declared \"" + std::string(topic) +
                    "\": an app declares topics under its own name (\"" + r.name +
                    "/...\"); shared topics are the shell's to declare (its platform app)");
  }
  detail::manifest_check_declare(r.manifest.get(), topic, options);
  if (platform) {
    // The shell may take over any declaration: it becomes the platform's alone.
    for (const auto& owner : h.bus.declared_by(topic)) {
      if (owner == r.name) continue;
      h.bus.undeclare(topic, owner);
    }
  }
  h.bus.declare(topic, std::move(options), r.name);
  if (std::find(r.declared_topics.begin(), r.declared_topics.end(), topic) == r.declared_topics.end()) {
    r.declared_topics.emplace_back(topic);
  }
}

namespace {
// What a listener of app `app` on `topic` threw (the exception in flight), as the app's error.
void report_topic_listener_error(HostCore& core, const std::string& app, std::string_view topic) {
  core.errors.report(detail::error_from_exception(ErrorCode::listener_error, "a subscriber of topic \"" +
                                                                                 std::string(topic) + "\" in app \"" +
                                                                                 app + "\" threw"),
                     app);
}
}  // namespace

void App::report_listener_error(std::string_view topic) const {
  AppRecord& r = live();
  HostGuard guard(*r.host);
  Ref<AppRecord> keep(&r);  // an inspector of the error may unmount the app
  report_topic_listener_error(*r.host, r.name, topic);
}

Subscription App::on(std::string_view pattern, BusListener listener) {
  AppRecord& r = live();
  HostCore& h = *r.host;
  detail::manifest_check_on(r.manifest.get(), pattern);
  if (!listener) throw Error(ErrorCode::invalid_argument, "on needs a listener, got an empty one");
  HostGuard guard(h);
  Ref<AppRecord> keep(&r);
  // Errors of the listener are this app's (an `error` event it can see in its own inspect).
  // A lambda, not a BusListener: the bus keeps it as it is (one std::function call per message:
  // the app's own).
  auto attributed = [fn = std::move(listener), weak = h.weak_from_this(), name = r.name](
                        std::string_view topic, const Value& payload) {
    try {
      fn(topic, payload);
    } catch (...) {
      if (auto core = weak.lock()) report_topic_listener_error(*core, name, topic);
    }
  };
  Subscription s;
  {
    Batcher::Scope batch(h.batcher());  // a replayed message arrives once we are done with `r`
    s = h.bus.subscribe(pattern, std::move(attributed));
    r.keep(s);
  }
  return s;
}

namespace {

// Whether `r` may publish on `topic`: its own namespace, or one no mounted or reserved app holds,
// or a topic the shell declared shared. Allocates when the topic is in another app's namespace.
bool may_publish_on(const AppRecord& r, std::string_view topic) {
  const HostCore& h = *r.host;
  const std::string_view ns = topic_namespace(topic);
  if (ns == r.name || (h.find(ns) == nullptr && !h.is_reserved(ns) && ns != Host::platform_name)) return true;
  // Another app's namespace: its own messages, unless the shell declared the topic shared.
  const auto owners = h.bus.declared_by(topic);
  return std::find(owners.begin(), owners.end(), Host::platform_name) != owners.end();
}

}  // namespace

void App::emit(std::string_view topic, Value payload) {
  AppRecord& r = live();
  HostCore& h = *r.host;
  detail::manifest_check_emit(r.manifest.get(), topic, payload, h.validate);
  if (!may_publish_on(r, topic)) {
    throw Error(ErrorCode::forbidden, "app \"" + r.name + "\" published on \"" + std::string(topic) +
                                          "\", which is app \"" + std::string(topic_namespace(topic)) +
                                          "\"'s to publish on (the shell can declare it shared)");
  }
  HostGuard guard(h);
  h.bus.publish(topic, std::move(payload), r.name);
}

bool App::emit_is_plain(std::string_view topic) const {
  const AppRecord& r = live();
  const HostCore& h = *r.host;
  return detail::manifest_checks_nothing_on_emit(r.manifest.get(), topic, h.validate) &&
         !h.inspector.hears(r.name) && h.bus.passes_through(topic) && may_publish_on(r, topic);
}

Subscription App::observe(QueryOptions options, QueryListener listener) {
  AppRecord& r = live();
  HostCore& h = *r.host;
  HostGuard guard(h);
  Ref<AppRecord> keep(&r);  // a synchronous fetcher runs inside observe and may destroy this App
  Subscription s;
  {
    Batcher::Scope batch(h.batcher());  // the first result arrives once we are done with `r`
    // Through the app's own handle: the functions of its options are the app's, and none is run
    // after its unmount (query_owner.cpp); through the shell's, they outlived it on the query.
    s = queries().observe(std::move(options), std::move(listener));
    r.keep(s);
  }
  return s;
}

AppQueryClient& App::queries() {
  AppRecord& r = live();
  if (!r.queries) r.queries = std::make_unique<AppQueryClient>(r.host->queries->make_app_client());
  return *r.queries;
}

Millis App::now() const { return live().host->runtime->now(); }

Subscription App::schedule_after(Millis delay, std::function<void()> fn) {
  AppRecord& r = live();
  HostCore& h = *r.host;
  if (!fn) throw Error(ErrorCode::invalid_argument, "schedule_after needs a function to run");
  struct Timer {
    std::function<void()> fn;
    TimerId id = 0;
    SubscriptionLink link;  // ended when the timer has run, so the app forgets it
  };
  auto timer = std::make_shared<Timer>();
  timer->fn = std::move(fn);
  std::weak_ptr<HostCore> weak = h.weak_from_this();
  Subscription s([weak, timer] {
    timer->link = SubscriptionLink();  // (breaks the cycle through the link)
    if (timer->id == 0) return;
    if (auto core = weak.lock()) core->runtime->scheduler().cancel(timer->id);
  });
  timer->link = s.link();
  timer->id = h.runtime->scheduler().schedule_after(delay, [weak, timer, name = r.name] {
    timer->id = 0;
    SubscriptionLink link = std::move(timer->link);
    link.cancel();
    auto core = weak.lock();
    if (!core) return;
    HostGuard guard(*core);
    try {
      timer->fn();
    } catch (...) {
      core->errors.report(
          detail::error_from_exception(ErrorCode::listener_error, "a timer of app \"" + name + "\" threw"),
          name);
    }
  });
  r.keep(s);
  return s;
}

void App::transaction(const std::function<void()>& fn) {
  AppRecord& r = live();
  if (!fn) throw Error(ErrorCode::invalid_argument, "transaction needs a function");
  HostCore& h = *r.host;
  HostGuard guard(h);
  const std::string name = r.name;
  h.run_transaction(fn, name);
}

Subscription App::inspect(InspectorListener listener) {
  AppRecord& r = live();
  HostCore& h = *r.host;
  if (!listener) throw Error(ErrorCode::invalid_argument, "inspect needs a listener, got an empty one");
  // Delivered through the batcher, after the operation that produced the event: an app's code
  // never runs in the middle of the host's own work.
  struct Tap {
    InspectorListener fn;
    bool active = true;
  };
  auto tap = std::make_shared<Tap>();
  tap->fn = std::move(listener);
  std::weak_ptr<HostCore> weak = h.weak_from_this();
  auto stream = std::make_shared<Subscription>(
      h.inspector.subscribe_app(r.name, [tap, weak](const InspectorEvent& e) {
        auto core = weak.lock();
        if (!core) return;
        core->batcher().notify([tap, weak, e] {
          if (!tap->active) return;
          try {
            tap->fn(e);
          } catch (...) {
            if (auto c = weak.lock()) {
              c->errors.report_quietly(detail::error_from_exception(
                  ErrorCode::listener_error, "an inspector listener of app \"" + e.app + "\" threw"));
            }
          }
        });
      }));
  Subscription s([tap, stream] {
    tap->active = false;
    stream->cancel();
  });
  r.keep(s);
  return s;
}

void App::adopt(Subscription subscription) {
  if (!mounted()) {
    subscription.cancel();
    live();  // throws app_unmounted
  }
  rec_->adopt(std::move(subscription));
}

// ---- Reservation ----

Reservation& Reservation::operator=(Reservation&& other) noexcept {
  if (this != &other) {
    release();
    host_ = std::move(other.host_);
    name_ = std::move(other.name_);
  }
  return *this;
}

Reservation::~Reservation() { release(); }

void Reservation::release() noexcept {
  if (auto core = host_.lock()) core->reserved.erase(name_);
  host_.reset();
}

// ---- Host ----

namespace {
Ref<AppRecord> mount_platform(HostCore& core) {
  Ref<AppRecord> platform = core.mount(Host::platform_name, "", nullptr);
  platform->is_platform = true;
  return platform;
}
}  // namespace

Host::Host(HostOptions options)
    : core_(std::make_shared<HostCore>(std::make_unique<Runtime>(), std::move(options))) {
  core_->platform = App(mount_platform(*core_).get());
}

Host::Host(ManualClock& clock, HostOptions options)
    : core_(std::make_shared<HostCore>(std::make_unique<Runtime>(clock), std::move(options))) {
  core_->platform = App(mount_platform(*core_).get());
}

Host::Host(const Clock& clock, HostOptions options)
    : core_(std::make_shared<HostCore>(std::make_unique<Runtime>(clock), std::move(options))) {
  core_->platform = App(mount_platform(*core_).get());
}

Host::~Host() {
  std::shared_ptr<HostCore> core = std::move(core_);
  try {
    core->close();
  } catch (...) {
    // Unmounting only releases; an error there must not escape a destructor.
  }
  if (core->busy > 0) {
    core->parked_self = std::move(core);  // the guarded call in progress frees it when it returns
    return;
  }
  Batcher& b = core->batcher();
  detail::park_until_idle(b, std::move(core));
}

App& Host::platform() noexcept { return core_->platform; }

App Host::mount(std::string_view name, MountOptions options) {
  HostCore& h = *core_;
  if (name.empty()) throw Error(ErrorCode::invalid_argument, "mount needs a non-empty app name");
  if (name == platform_name) {
    throw Error(ErrorCode::name_reserved,
                "\"platform\" is the shell's own app (Host::platform()); no one else may mount it");
  }
  if (AppRecord* existing = h.find(name)) {
    throw Error(ErrorCode::app_already_mounted, "app \"" + std::string(name) +
                                                    "\" is already mounted (version \"" + existing->version +
                                                    "\"); unmount it first");
  }
  if (h.is_reserved(name) && (options.reservation == nullptr || options.reservation->name() != name ||
                              options.reservation->host_.lock() != core_)) {
    throw Error(ErrorCode::name_reserved, "the name \"" + std::string(name) +
                                              "\" is reserved by the shell; mount it with its Reservation");
  }
  HostGuard guard(h);
  return App(h.mount(name, std::move(options.version), nullptr).get());
}

App Host::mount(const Manifest& manifest, const Reservation* reservation) {
  App app = mount(manifest.name, MountOptions{.version = manifest.version, .reservation = reservation});
  app.rec_->manifest = std::make_shared<const Manifest>(manifest);
  try {
    for (const auto& [type, schema] : manifest.commands) app.accept(type, schema);
    for (const auto& [topic, schema] : manifest.publishes) {
      // Its own topics are declared as its own; shared ones are the shell's to declare (what it
      // publishes there is still checked against this manifest's schema).
      if (topic_namespace(topic) == manifest.name) app.declare(topic, TopicOptions{.schema = schema});
    }
  } catch (...) {
    app.unmount();  // nothing stays mounted half-declared
    throw;
  }
  return app;
}

Reservation Host::reserve(std::string_view name) {
  HostCore& h = *core_;
  if (name.empty()) throw Error(ErrorCode::invalid_argument, "reserve needs a non-empty app name");
  if (name == platform_name || h.is_reserved(name)) {
    throw Error(ErrorCode::name_reserved, "\"" + std::string(name) + "\" is already reserved");
  }
  if (h.find(name) != nullptr) {
    throw Error(ErrorCode::app_already_mounted,
                "cannot reserve \"" + std::string(name) + "\": it is mounted");
  }
  h.reserved.emplace(std::string(name), true);
  return Reservation(core_, std::string(name));
}

bool Host::is_mounted(std::string_view name) const noexcept { return core_->find(name) != nullptr; }

std::vector<std::string> Host::apps() const {
  std::vector<std::string> out;
  out.reserve(core_->mount_order.size());
  for (const AppRecord* r : core_->mount_order) out.push_back(r->name);
  return out;
}

void Host::transaction(const std::function<void()>& fn) {
  if (!fn) throw Error(ErrorCode::invalid_argument, "transaction needs a function");
  HostGuard guard(*core_);
  core_->run_transaction(fn, std::string());
}

Subscription Host::hold_notifications() {
  // The guard first, the batch inside it: ending the hold delivers, then lets a Host destroyed
  // meanwhile go.
  struct Hold {
    HostGuard guard;
    Batcher::Scope batch;
    explicit Hold(HostCore& core) : guard(core), batch(core.batcher()) {}
  };
  auto hold = std::make_shared<std::unique_ptr<Hold>>(std::make_unique<Hold>(*core_));
  return Subscription([hold] { hold->reset(); });
}

bool Host::in_transaction() const noexcept { return detail::tx_active(core_->batcher()); }
bool Host::validating() const noexcept { return core_->validate; }
void Host::set_error_handler(ErrorHandler handler) { core_->errors.set_handler(std::move(handler)); }
Subscription Host::inspect(InspectorListener listener) {
  return core_->inspector.subscribe(std::move(listener));
}
QueryClient& Host::queries() noexcept { return *core_->queries; }

void Host::set_focused(bool focused) {
  HostGuard guard(*core_);
  core_->queries->set_focused(focused);
}

void Host::set_online(bool online) {
  HostGuard guard(*core_);
  core_->queries->set_online(online);
}

Millis Host::now() const { return core_->runtime->now(); }

std::size_t Host::run_until_idle() {
  HostGuard guard(*core_);
  return core_->runtime->run_until_idle();
}

std::size_t Host::run_posted() {
  HostGuard guard(*core_);
  return core_->runtime->executor().run_pending();
}

std::optional<Millis> Host::next_due() const { return core_->runtime->scheduler().next_due(); }

std::uint64_t Host::activity() const { return core_->runtime->activity(); }

void Host::advance(Millis d) {
  HostGuard guard(*core_);
  core_->runtime->advance(d);
}

void Host::post(std::function<void()> fn) { core_->runtime->executor().post(std::move(fn)); }

bool Host::wait_for_work(Millis timeout) { return core_->runtime->executor().wait_for_work(timeout); }

}  // namespace mfstate
