// A broadcast reads each acceptor's acceptance from the host's list of acceptors, which points at
// the block the app keeps it in: re-accepting updates that block in place, withdrawing (unmount)
// removes the entry, and the app accepting more types (its table growing) moves nothing.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "host_test_support.hpp"

using namespace mfstate;
using namespace host_test;

TEST(HostBroadcastAcceptance, ReacceptingReplacesWhatTheNextBroadcastRuns) {
  Host host{HostOptions{.validation = ValidationMode::always}};
  App home = host.mount("home");
  App profile = host.mount("profile");
  std::vector<std::string> ran;
  home.accept("PING", {}, [&](const Action&, std::string_view) { ran.push_back("first"); });
  EXPECT_EQ(profile.broadcast(act("PING", 1)), 1U);
  home.accept("PING", {}, [&](const Action&, std::string_view) { ran.push_back("second"); });
  EXPECT_EQ(profile.broadcast(act("PING", 1)), 1U);
  EXPECT_EQ(ran, (std::vector<std::string>{"first", "second"}));
  // Re-accepting with a schema: the next broadcast checks the payload against it.
  home.accept("PING", Schema::parse_json(R"({"type": "integer", "minimum": 1})"),
              [&](const Action&, std::string_view) { ran.push_back("third"); });
  EXPECT_EQ(code_of([&] { profile.broadcast(act("PING", 0)); }), ErrorCode::schema_violation);
  EXPECT_EQ(profile.broadcast(act("PING", 2)), 1U);
  // And without a handler: into the reducer.
  home.create_store(user_state(), app_reducer);
  home.accept("INC");
  home.accept("INC");
  EXPECT_EQ(profile.broadcast(act("INC")), 1U);
  EXPECT_EQ(home.state().get("count").as_int(), 1);
  EXPECT_EQ(ran, (std::vector<std::string>{"first", "second", "third"}));
}

TEST(HostBroadcastAcceptance, AnAppAcceptingManyTypesStillReceivesTheFirst) {
  Host host;
  App home = host.mount("home");
  App profile = host.mount("profile");
  home.create_store(user_state(), app_reducer);
  home.accept("INC");
  // Enough types to make the app's table grow (rehash) several times.
  for (int i = 0; i < 200; ++i) home.accept("TYPE_" + std::to_string(i));
  EXPECT_EQ(profile.broadcast(act("INC")), 1U);
  EXPECT_EQ(profile.broadcast(act("TYPE_150")), 1U);
  EXPECT_EQ(home.state().get("count").as_int(), 1);
}

TEST(HostBroadcastAcceptance, AnUnmountedAcceptorIsNotReachedAndANewOneIs) {
  Host host;
  App profile = host.mount("profile");
  {
    App home = host.mount("home");
    home.create_store(user_state(), app_reducer);
    home.accept("INC");
    EXPECT_EQ(profile.broadcast(act("INC")), 1U);
    home.unmount();
  }
  EXPECT_EQ(profile.broadcast(act("INC")), 0U);
  App home = host.mount("home");
  home.create_store(user_state(), app_reducer);
  home.accept("INC");
  App cart = host.mount("cart");
  cart.create_store(user_state(), app_reducer);
  cart.accept_all();
  EXPECT_EQ(profile.broadcast(act("INC")), 2U);
  EXPECT_EQ(home.state().get("count").as_int(), 1);
  EXPECT_EQ(cart.state().get("count").as_int(), 1);
}
