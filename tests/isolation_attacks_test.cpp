// Attacks: one app ("mallory") written to act as, listen to, or disturb another ("alice") through
// the public API, holding nothing but its own App handle — as a micro-frontend loaded into a shell
// does. Each attempt is refused with a clear Error, or changes nothing for alice. The attempts that
// cannot even be written (reaching the Host, the bus, the inspector stream, the batcher, the
// scheduler, another app's store...) are in tests/compile_fail/isolation_attacks.cpp, which ctest
// compiles and expects to fail line by line (test isolation_compile_fail).
//
// The numbers follow issue 10's list; "peer" tests are what the JavaScript peers fall for.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "host_test_support.hpp"
#include "mfstate/manifest.hpp"

using namespace mfstate;
using namespace host_test;

namespace {

struct World {
  Errors errors;
  ManualClock clock;
  Host host{clock, HostOptions{.validation = ValidationMode::always, .on_error = errors.handler()}};
  App alice = host.mount("alice");
  App mallory = host.mount("mallory");
  std::vector<InspectorEvent> shell_events;
  Subscription devtools = host.inspect([this](const InspectorEvent& e) { shell_events.push_back(e); });
  int alice_notified = 0;
  Subscription alice_sub;

  World() {
    alice.create_store(user_state(), app_reducer);
    mallory.create_store(user_state(), app_reducer);
    alice_sub = alice.subscribe([this](const Value&) { ++alice_notified; });
  }
};

std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return {};
}

}  // namespace

// ---- 1. hearing another app's private actions; forging events; hiding one's own ----

TEST(IsolationAttack1, AnAppsInspectSeesNoneOfAnotherAppsActionsOrPayloads) {
  World w;
  std::vector<InspectorEvent> seen;
  auto spy = w.mallory.inspect([&](const InspectorEvent& e) { seen.push_back(e); });
  w.alice.dispatch(act("RENAME", "secret-token-123"));  // alice's private action
  w.alice.expose("user", [](const Value& s) { return s.get("user"); });
  w.host.run_until_idle();
  for (const auto& e : seen) {
    EXPECT_TRUE(e.app == "mallory" || e.target == "mallory") << format(e);
    EXPECT_EQ(e.payload.to_json().find("secret-token-123"), std::string::npos) << format(e);
  }
  // The shell's devtools did see it: the stream exists, it is just not mallory's.
  bool shell_saw = false;
  for (const auto& e : w.shell_events)
    shell_saw = shell_saw || (e.kind == InspectorEventKind::action && e.app == "alice");
  EXPECT_TRUE(shell_saw);
}

TEST(IsolationAttack1, AnAppsOwnEventsAreAttributedToItAndItCannotHideThem) {
  World w;
  w.host.platform().declare("ui/toast");
  w.mallory.emit("ui/toast", "hi");
  ASSERT_FALSE(w.shell_events.empty());
  const InspectorEvent& e = w.shell_events.back();
  EXPECT_EQ(e.kind, InspectorEventKind::bus_message);
  EXPECT_EQ(e.app, "mallory");  // from the handle, not from anything mallory said
}

TEST(IsolationAttack1, AnAppSeesItsOwnEventsFromTheNotificationQueueNeverFromInsideTheHost) {
  World w;
  std::vector<std::int64_t> count_when_told;
  auto own = w.alice.inspect([&](const InspectorEvent& e) {
    if (e.kind == InspectorEventKind::action)
      count_when_told.push_back(w.alice.state().get("count").as_int());
  });
  w.host.transaction([&] {
    w.alice.dispatch(act("INC"));
    w.alice.dispatch(act("INC"));
    EXPECT_TRUE(count_when_told.empty());  // not in the middle of the host's work
  });
  // Told once the operation ended, when its effects are all in place.
  EXPECT_EQ(count_when_told, (std::vector<std::int64_t>{2, 2}));
}

// ---- 2. impersonating the shell ----

TEST(IsolationAttack2, NobodyCanMountPlatformNotEvenTheShellAgain) {
  World w;
  EXPECT_TRUE(w.host.platform().mounted());
  EXPECT_EQ(code_of([&] { (void)w.host.mount("platform"); }), ErrorCode::name_reserved);
  w.host.platform().unmount();
  EXPECT_EQ(code_of([&] { (void)w.host.mount("platform"); }), ErrorCode::name_reserved);
}

TEST(IsolationAttack2, AHandlerTrustingFromPlatformHearsPlatformOnlyFromTheShell) {
  World w;
  std::vector<std::string> senders;
  w.alice.accept("admin/reset", std::nullopt, [&](const Action&, std::string_view from) {
    senders.emplace_back(from);
    if (from == Host::platform_name) w.alice.dispatch(act("INC"));
  });
  w.mallory.send("alice", act("admin/reset"));
  w.host.platform().send("alice", act("admin/reset"));
  EXPECT_EQ(senders, (std::vector<std::string>{"mallory", "platform"}));
  EXPECT_EQ(w.alice.state().get("count").as_int(), 1);
}

TEST(IsolationAttack2, AReservedNameIsMountedOnlyWithItsReservation) {
  World w;
  Reservation profile = w.host.reserve("profile");
  EXPECT_EQ(code_of([&] { (void)w.host.mount("profile"); }), ErrorCode::name_reserved);
  Reservation other = w.host.reserve("other");
  EXPECT_EQ(code_of([&] { (void)w.host.mount("profile", {.reservation = &other}); }),
            ErrorCode::name_reserved);
  App real = w.host.mount("profile", {.version = "1.0.0", .reservation = &profile});
  EXPECT_TRUE(real.mounted());
  EXPECT_EQ(code_of([&] { (void)w.host.reserve("profile"); }), ErrorCode::name_reserved);
  EXPECT_EQ(code_of([&] { (void)w.host.reserve("alice"); }), ErrorCode::app_already_mounted);
}

TEST(IsolationAttack2, AnotherHostsReservationDoesNotOpenANameHere) {
  World w;
  Host elsewhere;
  Reservation foreign = elsewhere.reserve("profile");
  Reservation here = w.host.reserve("profile");
  EXPECT_EQ(code_of([&] { (void)w.host.mount("profile", {.reservation = &foreign}); }),
            ErrorCode::name_reserved);
}

// ---- 3. undoing another app's work ----

TEST(IsolationAttack3, AnAppsTransactionUndoesWhatItsCallsDidAndNothingOfAnotherAppsOwn) {
  World w;
  w.alice.accept("INC");
  // Alice's own work, driven by the shell's clock: it can only run from the shell's advance.
  auto timer = w.alice.schedule_after(Millis{10}, [&] { w.alice.dispatch(act("ADD", 100)); });
  EXPECT_THROW(w.mallory.transaction([&] {
    w.mallory.send("alice", act("INC"));  // mallory's command: undone with it
    w.mallory.dispatch(act("INC"));
    throw std::runtime_error("mallory gives up");
  }),
               std::runtime_error);
  EXPECT_EQ(w.alice.state().get("count").as_int(), 0);
  EXPECT_EQ(w.mallory.state().get("count").as_int(), 0);
  w.host.advance(Millis{10});  // alice's timer: not inside anybody's transaction
  EXPECT_EQ(w.alice.state().get("count").as_int(), 100);
  EXPECT_EQ(w.alice_notified, 1);
}

TEST(IsolationAttack3, ARolledBackTransactionDoesNotDropAnotherAppsQueryNotifications) {
  World w;
  const Value key = Value::array({"user"});
  w.host.queries().set_query_data(key, Value("John"));
  std::vector<std::string> alice_saw;
  auto view = w.alice.observe({.key = key, .stale_time = never_expires}, [&](const QueryResult& r) {
    if (r.data) alice_saw.emplace_back(r.data->as_string());
  });
  // Mallory's transaction runs a fetch whose result lands in the shared cache (not undone), then
  // throws: alice's observer must still hear of the new data.
  EXPECT_THROW(w.mallory.transaction([&] {
    auto s = w.mallory.observe({.key = key,
                                .fetcher = sync_fetcher([](const Value&) { return Value("Jane"); }),
                                .stale_time = Millis{0},
                                .refetch_on_mount = RefetchOn::always},
                               [](const QueryResult&) {});
    throw std::runtime_error("mallory gives up");
  }),
               std::runtime_error);
  w.host.run_until_idle();
  ASSERT_FALSE(alice_saw.empty());
  EXPECT_EQ(alice_saw.back(), "Jane");
  EXPECT_EQ(w.host.queries().get_query_data(key)->as_string(), "Jane");
}

// ---- 4. silencing another app ----

TEST(IsolationAttack4, AfterARolledBackTransactionTheVictimStillNotifiesItsSubscribersAndWatchers) {
  World w;
  w.alice.accept("INC");
  w.alice.expose("count", [](const Value& s) { return s.get("count"); });
  std::vector<std::int64_t> watched;
  auto watch = w.host.platform().watch("alice", "count", [&](const ExportEvent& e) {
    if (e.kind == ExportEventKind::value) watched.push_back(e.value.as_int());
  });
  EXPECT_THROW(w.mallory.transaction([&] {
    w.mallory.send("alice", act("INC"));
    throw std::runtime_error("undo");
  }),
               std::runtime_error);
  EXPECT_EQ(w.alice_notified, 0);
  w.alice.dispatch(act("INC"));  // the store was not left "notification queued" forever
  EXPECT_EQ(w.alice_notified, 1);
  EXPECT_EQ(watched, (std::vector<std::int64_t>{0, 1}));
}

TEST(IsolationAttack4, AThrowingListenerOfOneAppNeverReachesAnotherAppsCallNorHoldsBackItsNotifications) {
  World w;
  const Value key = Value::array({"k"});
  auto bomb = w.mallory.observe({.key = key, .stale_time = never_expires}, [](const QueryResult& r) {
    if (r.data) throw std::runtime_error("mallory's listener explodes");
  });
  int alice_heard = 0;
  auto sub = w.alice.subscribe([&](const Value&) { ++alice_heard; });
  // One flush holds both: mallory's observer (queued first) throws, alice's subscriber follows.
  EXPECT_NO_THROW(w.host.transaction([&] {
    w.host.queries().set_query_data(key, Value(1));
    w.alice.dispatch(act("INC"));
  }));
  EXPECT_EQ(alice_heard, 1);
  EXPECT_EQ(w.errors.count(ErrorCode::listener_error), 1u);
  // And through alice's own call, outside any transaction.
  w.host.queries().set_query_data(key, Value(2));  // (mallory throws again; reported)
  EXPECT_NO_THROW(w.alice.dispatch(act("INC")));
}

TEST(IsolationAttack4, AThrowingTimerOfOneAppDoesNotStopAnotherAppsTimers) {
  World w;
  auto bomb =
      w.mallory.schedule_after(Millis{5}, [] { throw std::runtime_error("mallory's timer explodes"); });
  auto tick = w.alice.schedule_after(Millis{5}, [&] { w.alice.dispatch(act("INC")); });
  EXPECT_NO_THROW(w.host.advance(Millis{5}));
  EXPECT_EQ(w.alice.state().get("count").as_int(), 1);
  ASSERT_EQ(w.errors.count(ErrorCode::listener_error), 1u);
  EXPECT_NE(std::string(w.errors.list.back().what()).find("mallory"), std::string::npos);
}

// ---- 5. cancelling another app's timers ----

TEST(IsolationAttack5, ATimerIsCancelledOnlyByItsOwnHandleOrItsAppsUnmount) {
  World w;
  int fired = 0;
  auto alice_timer = w.alice.schedule_after(Millis{10}, [&] { ++fired; });
  // Everything mallory can cancel is its own: its timers, its subscriptions, itself.
  auto own = w.mallory.schedule_after(Millis{10}, [] {});
  own.cancel();
  w.mallory.unmount();
  w.host.advance(Millis{10});
  EXPECT_EQ(fired, 1);
}

// ---- 6. dropping a topic's schema ----

TEST(IsolationAttack6, AnotherAppsTopicCannotBeRedeclaredNorPublishedOn) {
  World w;
  const Schema item = Schema::parse_json(R"({"type": "object", "required": ["id"]})");
  w.alice.declare("alice/item-added", {.schema = item});
  std::vector<Value> got;
  auto s = w.alice.on("alice/item-added", [&](std::string_view, const Value& v) { got.push_back(v); });
  EXPECT_EQ(code_of([&] { w.mallory.declare("alice/item-added"); }), ErrorCode::forbidden);
  EXPECT_EQ(code_of([&] { w.mallory.emit("alice/item-added", 42); }), ErrorCode::forbidden);
  EXPECT_EQ(code_of([&] {
              w.mallory.emit("alice/item-added", Value::object({{"id", 1}}));
            }),
            ErrorCode::forbidden);
  w.alice.emit("alice/item-added", Value::object({{"id", 7}}));
  EXPECT_EQ(code_of([&] { w.alice.emit("alice/item-added", 42); }), ErrorCode::schema_violation);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].get("id").as_int(), 7);
}

TEST(IsolationAttack6, ASharedTopicKeepsTheShellsSchemaWhateverAnAppDeclares) {
  World w;
  w.host.platform().declare("ui/toast", {.schema = Schema::parse_json(R"({"type": "string"})")});
  std::vector<Value> got;
  auto s = w.alice.on("ui/toast", [&](std::string_view, const Value& v) { got.push_back(v); });
  EXPECT_EQ(code_of([&] { w.mallory.declare("ui/toast"); }), ErrorCode::forbidden);
  EXPECT_EQ(code_of([&] { w.mallory.emit("ui/toast", 42); }), ErrorCode::schema_violation);
  w.mallory.emit("ui/toast", "saved");  // shared: anyone may publish what the schema allows
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].as_string(), "saved");
}

TEST(IsolationAttack6, AnAppCannotSquatTheNamespaceOfAReservedApp) {
  World w;
  Reservation cart = w.host.reserve("cart");
  EXPECT_EQ(code_of([&] { w.mallory.declare("cart/item-added"); }), ErrorCode::forbidden);
  EXPECT_EQ(code_of([&] { w.mallory.emit("cart/item-added", 1); }), ErrorCode::forbidden);
  App real = w.host.mount("cart", {.reservation = &cart});
  EXPECT_NO_THROW(real.declare("cart/item-added", {.schema = Schema::parse_json(R"({"type": "integer"})")}));
}

TEST(IsolationAttack6, ADeclarationGoesWithItsAppAndNobodyInheritsIt) {
  World w;
  w.alice.declare("alice/state", {.replay = true});
  w.alice.emit("alice/state", 1);
  w.alice.unmount();
  // The namespace is free again, but the declaration (and its replayed value) went with alice.
  App alice2 = w.host.mount("alice");
  std::vector<Value> got;
  auto s = alice2.on("alice/state", [&](std::string_view, const Value& v) { got.push_back(v); });
  EXPECT_TRUE(got.empty());
}

// ---- 7. escaping a manifest ----

namespace {
const Manifest mallory_manifest = parse_manifest_json(R"({
  "name": "mallory", "version": "1.0.0",
  "exports": {"count": {"type": "integer"}},
  "commands": {"INC": {"type": "null"}},
  "topics": {"publishes": {"mallory/ping": {"type": "integer"}, "ui/toast": {"type": "string"}},
             "subscribes": {"ui/toast": {"type": "string"}}},
  "reads": {"alice/count": {"": "integer"}}
})");
}  // namespace

TEST(IsolationAttack7, AManifestAppCannotStepOutsideItsManifest) {
  Errors errors;
  Host host({.validation = ValidationMode::always, .on_error = errors.handler()});
  App alice = host.mount("alice");
  alice.create_store(user_state(), app_reducer);
  alice.expose("count", [](const Value& s) { return s.get("count"); });
  alice.expose("user", [](const Value& s) { return s.get("user"); });
  host.platform().declare("ui/toast");  // shared, without a schema
  App m = host.mount(mallory_manifest);
  m.create_store(user_state(), app_reducer);
  EXPECT_EQ(m.read("alice", "count").as_int(), 0);
  EXPECT_EQ(code_of([&] { (void)m.read("alice", "user"); }), ErrorCode::not_exported);
  EXPECT_EQ(code_of([&] { (void)m.watch("alice", "user", [](const ExportEvent&) {}); }),
            ErrorCode::not_exported);
  EXPECT_EQ(code_of([&] { m.emit("alice/secret", 1); }), ErrorCode::unknown_topic);
  EXPECT_EQ(code_of([&] { m.emit("mallory/other", 1); }), ErrorCode::unknown_topic);
  EXPECT_EQ(code_of([&] { m.declare("mallory/other"); }), ErrorCode::unknown_topic);
  EXPECT_EQ(code_of([&] { m.declare("mallory/ping"); }), ErrorCode::invalid_argument);  // drops its schema
  EXPECT_EQ(code_of([&] { (void)m.on("alice/*", [](std::string_view, const Value&) {}); }),
            ErrorCode::unknown_topic);
  EXPECT_EQ(code_of([&] { m.accept("DELETE_ALL"); }), ErrorCode::command_not_accepted);
  EXPECT_EQ(code_of([&] { m.accept_all(); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { m.expose("secret", [](const Value& s) { return s; }); }), ErrorCode::not_exported);
  // What it publishes on a shared topic is still held to its manifest's schema.
  EXPECT_EQ(code_of([&] { m.emit("ui/toast", 42); }), ErrorCode::schema_violation);
  EXPECT_NO_THROW(m.emit("ui/toast", "ok"));
  EXPECT_EQ(code_of([&] { m.emit("mallory/ping", "x"); }), ErrorCode::schema_violation);
  EXPECT_NO_THROW(m.emit("mallory/ping", 1));
}

TEST(IsolationAttack7, AManifestWhoseTopicContradictsTheShellsDeclarationIsNotMounted) {
  Host host;
  host.platform().declare("mallory/ping", {.schema = Schema::parse_json(R"({"type": "string"})")});
  EXPECT_EQ(code_of([&] { (void)host.mount(mallory_manifest); }), ErrorCode::forbidden);
  EXPECT_FALSE(host.is_mounted("mallory"));
}

// ---- 8. shell-wide switches (the compile-fail file shows an App has none); what is left ----

TEST(IsolationAttack8, AnAppsErrorsGoToTheShellsHandlerItCannotReplaceIt) {
  World w;
  auto bad =
      w.mallory.on("mallory/x", [](std::string_view, const Value&) { throw std::runtime_error("boom"); });
  w.mallory.emit("mallory/x", 1);
  ASSERT_EQ(w.errors.count(ErrorCode::listener_error), 1u);
  EXPECT_NE(std::string(w.errors.list.back().what()).find("mallory"), std::string::npos);
  // The error event is mallory's: it may see it; alice never does.
  bool attributed = false;
  for (const auto& e : w.shell_events)
    attributed = attributed || (e.kind == InspectorEventKind::error && e.app == "mallory");
  EXPECT_TRUE(attributed);
}

// ---- acting as another app ----

TEST(IsolationActAs, ExposingWritesOnlyUnderTheActorsOwnName) {
  World w;
  w.alice.expose("user", [](const Value& s) { return s.get("user"); });
  w.mallory.expose("user", [](const Value&) { return Value::object({{"name", "Mallory"}}); });
  EXPECT_EQ(w.host.platform().read("alice", "user").get("name").as_string(), "John Doe");
  EXPECT_EQ(code_of([&] { w.mallory.unexpose("nothing-of-mine"); }), ErrorCode::not_exported);
}

TEST(IsolationActAs, ACommandAlwaysCarriesItsSendersNameNeverAClaimedOne) {
  World w;
  std::string from;
  w.alice.accept("hello", std::nullopt, [&](const Action&, std::string_view f) { from = std::string(f); });
  w.mallory.send("alice", Action{"hello", Value::object({{"from", "platform"}}),
                                 Value::object({{"source", "platform"}})});
  EXPECT_EQ(from, "mallory");
  ASSERT_FALSE(w.shell_events.empty());
  bool sent = false;
  for (const auto& e : w.shell_events)
    sent = sent || (e.kind == InspectorEventKind::command_sent && e.app == "mallory");
  EXPECT_TRUE(sent);
}

TEST(IsolationActAs, BroadcastAPayloadOneReceiverRefusesChangesNobody) {
  World w;
  App carol = w.host.mount("carol");
  carol.create_store(user_state(), app_reducer);
  w.alice.accept("ADD", Schema::parse_json(R"({"type": "integer", "maximum": 10})"));
  carol.accept("ADD");
  EXPECT_EQ(code_of([&] { w.mallory.broadcast(act("ADD", 1000)); }), ErrorCode::schema_violation);
  EXPECT_EQ(w.alice.state().get("count").as_int(), 0);
  EXPECT_EQ(carol.state().get("count").as_int(), 0);
}

TEST(IsolationActAs, AnotherAppsNamespaceIsItsOwnEvenUndeclared) {
  World w;
  EXPECT_EQ(code_of([&] { w.mallory.emit("alice/logged-out", Value()); }), ErrorCode::forbidden);
  EXPECT_EQ(code_of([&] { w.mallory.emit("platform/shutdown", Value()); }), ErrorCode::forbidden);
  EXPECT_NE(message_of([&] { w.mallory.emit("alice/logged-out", Value()); }).find("alice"),
            std::string::npos);
}

// ---- the JavaScript peers' failures stay refused ----

TEST(IsolationPeer, DispatchingIntoAnotherStoreByNamingItIsRefused) {
  // redux-micro-frontend: DispatchAction(action, ["alice"]) reaches alice's store.
  World w;
  const Value before = w.alice.state();
  try {
    w.mallory.send("alice", act("RENAME", "pwned"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::command_not_accepted);
    EXPECT_NE(std::string(e.what()).find("alice"), std::string::npos);
  }
  EXPECT_TRUE(w.alice.state().same_node(before));
  EXPECT_EQ(w.alice_notified, 0);
}

TEST(IsolationPeer, ChangingAReadValueChangesNothingForItsProducer) {
  // redux-micro-frontend: GetPartnerState hands a shallow copy; nested objects are alice's own.
  World w;
  w.alice.expose("user", [](const Value& s) { return s.get("user"); });
  Value user = w.mallory.read("alice", "user");
  Value forged = user.set("name", "pwned");
  forged = forged.set_in({"nested", "deep"}, 1);
  EXPECT_EQ(w.alice.state().get("user").get("name").as_string(), "John Doe");
  EXPECT_EQ(w.mallory.read("alice", "user").get("name").as_string(), "John Doe");
  EXPECT_EQ(user.get("name").as_string(), "John Doe");  // its own copy did not change either
  Value state = w.alice.state();                        // even the state's owner gets an immutable value
  (void)state.set("count", 99);
  EXPECT_EQ(w.alice.state().get("count").as_int(), 0);
}

TEST(IsolationPeer, ReplacingAnotherAppsReducerIsImpossibleAndOwnReplacementStaysOwn) {
  // redux-micro-frontend: AddReducer on the shared store replaces a partner's slice.
  World w;
  w.mallory.replace_reducer([](Value s, const Action&) { return s.set("count", 666); });
  EXPECT_EQ(w.mallory.state().get("count").as_int(), 666);
  w.alice.dispatch(act("INC"));
  EXPECT_EQ(w.alice.state().get("count").as_int(), 1);
}

TEST(IsolationPeer, SubscribingToAnotherAppsStoreIsOnlyWatchingWhatItExports) {
  // redux-micro-frontend: SubscribeToPartnerState sees the partner's whole state.
  World w;
  std::vector<Value> seen;
  auto s = w.mallory.watch("alice", "everything", [&](const ExportEvent& e) { seen.push_back(e.value); });
  w.alice.dispatch(act("RENAME", "secret"));
  EXPECT_TRUE(seen.empty());  // alice exports nothing called "everything"
  EXPECT_EQ(code_of([&] { (void)w.mallory.read("alice", "everything"); }), ErrorCode::not_exported);
}

TEST(IsolationPeer, QueryDataHandedOutIsImmutable) {
  // TanStack Query: getQueryData / observers hand out the cached object itself.
  World w;
  const Value key = Value::array({"user"});
  w.host.queries().set_query_data(key, Value::object({{"name", "John"}}));
  Value got;
  auto o = w.mallory.observe({.key = key, .stale_time = never_expires}, [&](const QueryResult& r) {
    if (r.data) got = *r.data;
  });
  ASSERT_TRUE(got.is_object());
  Value forged = got.set("name", "pwned");
  (void)forged;
  EXPECT_EQ(w.host.queries().get_query_data(key)->get("name").as_string(), "John");
  std::string alice_sees;
  auto a = w.alice.observe({.key = key, .stale_time = never_expires}, [&](const QueryResult& r) {
    if (r.data) alice_sees = std::string(r.data->get("name").as_string());
  });
  EXPECT_EQ(alice_sees, "John");
}
