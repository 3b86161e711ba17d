#include <gtest/gtest.h>

#include "host_test_support.hpp"

using namespace mfstate;
using namespace host_test;

namespace {
struct Fixture {
  Errors errors;
  Host host{HostOptions{.validation = ValidationMode::always, .on_error = errors.handler()}};
  App home = host.mount("home");
  App profile = host.mount("profile");
  App cart = host.mount("cart");
  Fixture() {
    home.create_store(user_state(), app_reducer);
    profile.create_store(user_state(), app_reducer);
    cart.create_store(user_state(), app_reducer);
  }
};
Schema add_schema() { return Schema::parse_json(R"({"type": "integer", "minimum": 1})"); }
}  // namespace

TEST(HostCommands, AcceptedCommandEntersTheTargetsReducer) {
  Fixture f;
  f.home.accept("ADD", add_schema());
  f.profile.send("home", act("ADD", 5));
  EXPECT_EQ(f.home.state().get("count").as_int(), 5);
  EXPECT_EQ(f.profile.state().get("count").as_int(), 0);
}

TEST(HostCommands, SendToAnUnknownAppIsRefused) {
  Fixture f;
  try {
    f.profile.send("nobody", act("ADD", 1));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unknown_app);
    EXPECT_NE(std::string(e.what()).find("nobody"), std::string::npos);
  }
}

TEST(HostCommands, CommandNotAcceptedIsRefusedAndTheTargetIsUnchanged) {
  Fixture f;
  Value before = f.home.state();
  try {
    f.profile.send("home", act("INC"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::command_not_accepted);
    EXPECT_NE(std::string(e.what()).find("\"INC\""), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("home"), std::string::npos);
  }
  EXPECT_TRUE(f.home.state().same_node(before));
}

TEST(HostCommands, PayloadBreakingTheSchemaIsRefusedAndTheTargetIsUnchanged) {
  Fixture f;
  f.home.accept("ADD", add_schema());
  Value before = f.home.state();
  EXPECT_EQ(code_of([&] { f.profile.send("home", act("ADD", 0)); }), ErrorCode::schema_violation);
  EXPECT_EQ(code_of([&] { f.profile.send("home", act("ADD", "x")); }), ErrorCode::schema_violation);
  EXPECT_TRUE(f.home.state().same_node(before));
}

TEST(HostCommands, ThrowingReducerReachesTheSenderAndLeavesTheTargetUnchanged) {
  Fixture f;
  f.home.accept("BOOM");
  Value before = f.home.state();
  EXPECT_EQ(code_of([&] { f.profile.send("home", act("BOOM")); }), ErrorCode::reducer_error);
  EXPECT_TRUE(f.home.state().same_node(before));
}

TEST(HostCommands, HandlerRunsInsteadOfTheReducerAndKnowsTheSender) {
  Fixture f;
  std::string from;
  f.home.accept("home/refresh", std::nullopt, [&](const Action& a, std::string_view sender) {
    from = std::string(sender);
    f.home.dispatch(act("ADD", a.payload));
  });
  f.profile.send("home", act("home/refresh", 3));
  EXPECT_EQ(from, "profile");
  EXPECT_EQ(f.home.state().get("count").as_int(), 3);
}

TEST(HostCommands, HandlerThatThrowsRollsBackWhatItChanged) {
  Fixture f;
  int notified = 0;
  auto sub = f.home.subscribe([&](const Value&) { ++notified; });
  f.home.accept("two-step", std::nullopt, [&](const Action&, std::string_view) {
    f.home.dispatch(act("INC"));
    throw std::runtime_error("second step failed");
  });
  EXPECT_THROW(f.profile.send("home", act("two-step")), std::runtime_error);
  EXPECT_EQ(f.home.state().get("count").as_int(), 0);
  EXPECT_EQ(notified, 0);
}

TEST(HostCommands, CommandToAnAppWithoutAStoreOrHandlerIsNoStore) {
  Host host;
  App a = host.mount("a");
  App b = host.mount("b");
  b.accept("X");
  EXPECT_EQ(code_of([&] { a.send("b", act("X")); }), ErrorCode::no_store);
}

TEST(HostCommands, BroadcastReachesEveryAppThatAcceptsTheType) {
  Fixture f;
  f.home.accept("INC");
  f.cart.accept("INC");
  EXPECT_EQ(f.profile.broadcast(act("INC")), 2u);
  EXPECT_EQ(f.home.state().get("count").as_int(), 1);
  EXPECT_EQ(f.cart.state().get("count").as_int(), 1);
  EXPECT_EQ(f.profile.state().get("count").as_int(), 0);
  EXPECT_EQ(f.profile.broadcast(act("NOBODY_ACCEPTS")), 0u);
}

TEST(HostCommands, BroadcastIsAllOrNothingWhenOneSchemaRefuses) {
  Fixture f;
  f.home.accept("ADD");
  f.cart.accept("ADD", add_schema());
  EXPECT_EQ(code_of([&] { f.profile.broadcast(act("ADD", -1)); }), ErrorCode::schema_violation);
  EXPECT_EQ(f.home.state().get("count").as_int(), 0);
  EXPECT_EQ(f.cart.state().get("count").as_int(), 0);
}

TEST(HostCommands, BroadcastRollsBackAllWhenOneReducerThrows) {
  Fixture f;
  f.home.accept("BOOM", std::nullopt, [&](const Action&, std::string_view) { f.home.dispatch(act("INC")); });
  f.cart.accept("BOOM");  // cart's reducer throws on BOOM
  EXPECT_EQ(code_of([&] { f.profile.broadcast(act("BOOM")); }), ErrorCode::reducer_error);
  EXPECT_EQ(f.home.state().get("count").as_int(), 0);
}

TEST(HostCommands, BroadcastUsesWhatATargetAcceptsWhenItsTurnComes) {
  // A broadcast looks every target's acceptance up once; code it runs (here home's handler) may
  // replace another target's acceptance and grow its table meanwhile: cart must then be served
  // by what it accepts when its turn comes (its new handler), never by the stale entry.
  Fixture f;
  std::vector<std::string> ran;
  f.home.accept("SWAP", std::nullopt, [&](const Action&, std::string_view) {
    ran.emplace_back("home");
    f.cart.accept("SWAP", std::nullopt,
                  [&](const Action&, std::string_view) { ran.emplace_back("cart's new"); });
    for (int i = 0; i < 64; ++i) f.cart.accept("filler/" + std::to_string(i));  // rehashes its table
  });
  f.cart.accept("SWAP");  // its reducer, until home's handler replaces it
  EXPECT_EQ(f.profile.broadcast(act("SWAP")), 2u);
  EXPECT_EQ(ran, (std::vector<std::string>{"home", "cart's new"}));
  EXPECT_EQ(f.cart.state().get("count").as_int(), 0);
}

TEST(HostCommands, BroadcastNotifiesEachSubscriberOnceAfterAllAppsChanged) {
  Fixture f;
  f.home.accept("INC");
  f.cart.accept("INC");
  std::vector<std::int64_t> seen_cart_from_home;
  auto sub = f.home.subscribe([&](const Value&) {
    seen_cart_from_home.push_back(f.cart.state().get("count").as_int());
  });
  f.profile.broadcast(act("INC"));
  EXPECT_EQ(seen_cart_from_home, (std::vector<std::int64_t>{1}));
}

TEST(HostCommands, AcceptAllTakesEveryCommandIntoTheReducer) {
  Fixture f;
  f.home.accept_all();
  f.profile.send("home", act("INC"));
  f.profile.send("home", act("ADD", 2));
  EXPECT_EQ(f.home.state().get("count").as_int(), 3);
  EXPECT_EQ(f.profile.broadcast(act("INC")), 1u);
}

TEST(HostCommands, UnmountWithdrawsAcceptedCommands) {
  Fixture f;
  f.cart.accept("INC");
  f.cart.unmount();
  EXPECT_EQ(f.profile.broadcast(act("INC")), 0u);
  App cart2 = f.host.mount("cart");
  cart2.create_store(user_state(), app_reducer);
  EXPECT_EQ(code_of([&] { f.profile.send("cart", act("INC")); }), ErrorCode::command_not_accepted);
}
