#include <gtest/gtest.h>

#include "host_test_support.hpp"

using namespace mfstate;
using namespace host_test;

namespace {
struct Fixture {
  Errors errors;
  Host host{HostOptions{.on_error = errors.handler()}};
  App a = host.mount("a");
  App b = host.mount("b");
  App c = host.mount("c");
  Fixture() {
    a.create_store(user_state(), app_reducer);
    b.create_store(user_state(), app_reducer);
    c.create_store(user_state(), app_reducer);
    b.accept("INC");
    c.accept("ADD");
  }
};
}  // namespace

TEST(HostTransaction, SubscribersAreNotifiedOnceAfterTheEndWithTheFinalState) {
  Fixture f;
  std::vector<std::string> log;
  auto sa = f.a.subscribe([&](const Value& s) {
    log.push_back("a" + std::to_string(s.get("count").as_int()) + " c" +
                  std::to_string(f.c.state().get("count").as_int()));
  });
  auto sb =
      f.b.subscribe([&](const Value& s) { log.push_back("b" + std::to_string(s.get("count").as_int())); });
  f.host.transaction([&] {
    f.a.dispatch(act("INC"));
    f.a.dispatch(act("INC"));
    f.a.send("b", act("INC"));
    f.a.send("c", act("ADD", 7));
    EXPECT_TRUE(log.empty());
    EXPECT_TRUE(f.host.in_transaction());
  });
  EXPECT_FALSE(f.host.in_transaction());
  EXPECT_EQ(log, (std::vector<std::string>{"a2 c7", "b1"}));
}

TEST(HostTransaction, ThrowingRestoresEveryAppAndNotifiesNobody) {
  Fixture f;
  Value sa = f.a.state(), sb = f.b.state(), sc = f.c.state();
  int notified = 0;
  auto s1 = f.a.subscribe([&](const Value&) { ++notified; });
  auto s2 = f.b.subscribe([&](const Value&) { ++notified; });
  auto s3 = f.c.subscribe([&](const Value&) { ++notified; });
  EXPECT_THROW(f.host.transaction([&] {
    f.a.dispatch(act("INC"));
    f.a.send("b", act("INC"));
    f.a.send("c", act("ADD", 1));
    throw std::runtime_error("abort");
  }),
               std::runtime_error);
  EXPECT_TRUE(f.a.state().same_node(sa));
  EXPECT_TRUE(f.b.state().same_node(sb));
  EXPECT_TRUE(f.c.state().same_node(sc));
  EXPECT_EQ(notified, 0);
  // Everything keeps working afterwards.
  f.a.dispatch(act("INC"));
  EXPECT_EQ(notified, 1);
}

TEST(HostTransaction, RefusedCommandInsideRollsBackEarlierChanges) {
  Fixture f;
  EXPECT_EQ(code_of([&] {
              f.host.transaction([&] {
                f.a.send("b", act("INC"));
                f.a.send("c", act("NOT_ACCEPTED"));
              });
            }),
            ErrorCode::command_not_accepted);
  EXPECT_EQ(f.b.state().get("count").as_int(), 0);
}

TEST(HostTransaction, WatchersSeeOnlyTheFinalValueOnce) {
  Fixture f;
  f.b.expose("count", [](const Value& s) { return s.get("count"); });
  std::vector<std::int64_t> seen;
  auto w = f.a.watch("b", "count", [&](const ExportEvent& e) { seen.push_back(e.value.as_int()); });
  f.host.transaction([&] {
    for (int i = 0; i < 5; ++i) f.a.send("b", act("INC"));
  });
  EXPECT_EQ(seen, (std::vector<std::int64_t>{0, 5}));
}

TEST(HostTransaction, BusMessagesAreDeliveredAfterTheEndOrDroppedOnRollback) {
  Fixture f;
  std::vector<std::int64_t> got;
  auto s = f.b.on("events/*", [&](std::string_view, const Value& v) { got.push_back(v.as_int()); });
  f.host.transaction([&] {
    f.a.emit("events/x", 1);
    EXPECT_TRUE(got.empty());
  });
  EXPECT_EQ(got, (std::vector<std::int64_t>{1}));
  EXPECT_THROW(f.host.transaction([&] {
    f.a.emit("events/x", 2);
    throw std::runtime_error("abort");
  }),
               std::runtime_error);
  EXPECT_EQ(got, (std::vector<std::int64_t>{1}));
}

TEST(HostTransaction, CaughtInnerTransactionRollsBackOnlyItsOwnPart) {
  Fixture f;
  int notified = 0;
  auto s = f.b.subscribe([&](const Value&) { ++notified; });
  f.host.transaction([&] {
    f.a.send("b", act("INC"));
    try {
      f.host.transaction([&] {
        f.a.send("b", act("INC"));
        f.a.send("c", act("ADD", 5));
        throw std::runtime_error("inner");
      });
    } catch (const std::runtime_error&) {
    }
    EXPECT_EQ(f.b.state().get("count").as_int(), 1);
    EXPECT_EQ(f.c.state().get("count").as_int(), 0);
  });
  EXPECT_EQ(f.b.state().get("count").as_int(), 1);
  EXPECT_EQ(notified, 1);
}

TEST(HostTransaction, OuterRollbackUndoesWhatACommittedInnerTransactionDid) {
  Fixture f;
  Value before = f.c.state();
  EXPECT_THROW(f.host.transaction([&] {
    f.host.transaction([&] { f.a.send("c", act("ADD", 5)); });
    throw std::runtime_error("outer");
  }),
               std::runtime_error);
  EXPECT_TRUE(f.c.state().same_node(before));
}

TEST(HostTransaction, NoexceptReducersAreRestoredToo) {
  Host host;
  App a = host.mount("a");
  a.create_store(Value::object({{"count", 0}}), [](Value s, const Action&) noexcept {
    const auto n = s.find("count")->as_int();
    return std::move(s).set("count", n + 1);
  });
  EXPECT_THROW(host.transaction([&] {
    a.dispatch(act("INC"));
    a.dispatch(act("INC"));
    throw std::runtime_error("abort");
  }),
               std::runtime_error);
  EXPECT_EQ(a.state().get("count").as_int(), 0);
}

TEST(HostTransaction, ReadsInsideSeeTheUncommittedState) {
  Fixture f;
  f.b.expose("count", [](const Value& s) { return s.get("count"); });
  f.host.transaction([&] {
    f.a.send("b", act("INC"));
    EXPECT_EQ(f.a.read("b", "count").as_int(), 1);
  });
}

TEST(HostTransaction, DispatchFromASubscriberAfterTheTransactionIsNotifiedToo) {
  Fixture f;
  std::vector<std::int64_t> seen;
  auto s = f.a.subscribe([&](const Value& st) {
    seen.push_back(st.get("count").as_int());
    if (st.get("count").as_int() == 2) f.a.dispatch(act("INC"));
  });
  f.host.transaction([&] {
    f.a.dispatch(act("INC"));
    f.a.dispatch(act("INC"));
  });
  EXPECT_EQ(seen, (std::vector<std::int64_t>{2, 3}));
}

TEST(AppTransaction, NotifiesOnceAfterTheEndWithTheFinalState) {
  Fixture f;
  std::vector<std::int64_t> seen;
  auto sb = f.b.subscribe([&](const Value& s) { seen.push_back(s.get("count").as_int()); });
  f.a.transaction([&] {
    f.a.send("b", act("INC"));
    f.a.send("b", act("INC"));
    EXPECT_TRUE(seen.empty());
  });
  EXPECT_EQ(seen, (std::vector<std::int64_t>{2}));
}

TEST(AppTransaction, ThrowingUndoesWhatItsCallsDidAndTellsNobody) {
  Fixture f;
  std::vector<InspectorEvent> events;
  auto devtools = f.host.inspect([&](const InspectorEvent& e) { events.push_back(e); });
  int heard = 0;
  auto bus = f.b.on("a/saved", [&](std::string_view, const Value&) { ++heard; });
  auto sb = f.b.subscribe([&](const Value&) { ++heard; });
  EXPECT_THROW(f.a.transaction([&] {
    f.a.dispatch(act("INC"));
    f.a.send("b", act("INC"));
    f.a.send("c", act("ADD", 5));
    f.a.emit("a/saved", 1);
    throw std::runtime_error("abort");
  }),
               std::runtime_error);
  EXPECT_EQ(f.a.state().get("count").as_int(), 0);
  EXPECT_EQ(f.b.state().get("count").as_int(), 0);
  EXPECT_EQ(f.c.state().get("count").as_int(), 0);
  EXPECT_EQ(heard, 0);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().kind, InspectorEventKind::transaction_rolled_back);
  EXPECT_EQ(events.back().app, "a");
  EXPECT_EQ(events.back().detail, "abort");
}

TEST(AppTransaction, ACaughtInnerTransactionUndoesOnlyItsOwnPart) {
  Fixture f;
  f.a.transaction([&] {
    f.a.send("b", act("INC"));
    try {
      f.a.transaction([&] {
        f.a.send("c", act("ADD", 3));
        throw std::runtime_error("inner");
      });
    } catch (const std::runtime_error&) {
    }
  });
  EXPECT_EQ(f.b.state().get("count").as_int(), 1);
  EXPECT_EQ(f.c.state().get("count").as_int(), 0);
  EXPECT_EQ(code_of([&] { f.a.transaction({}); }), ErrorCode::invalid_argument);
}
