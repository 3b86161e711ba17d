// What the browser build needs to run a broadcast without the action crossing into the module:
// App::plain_broadcast_targets names the apps a broadcast reaches, in the order it reaches them,
// when it would do nothing but run their reducers.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "host_test_support.hpp"
#include "mfstate/manifest.hpp"

using namespace mfstate;
using namespace host_test;

namespace {

using Names = std::optional<std::vector<std::string>>;

Names names(std::vector<std::string> n) { return n; }

}  // namespace

TEST(AppPlainBroadcastTargets, TheAcceptorsInTheOrderABroadcastReachesThem) {
  Host host{HostOptions{.validation = ValidationMode::always}};
  App home = host.mount("home");
  App profile = host.mount("profile");
  App cart = host.mount("cart");
  EXPECT_EQ(profile.plain_broadcast_targets("INC"), names({})) << "nobody accepts it yet";
  for (App* a : {&cart, &home, &profile}) {
    a->create_store(user_state(), app_reducer);
  }
  cart.accept("INC");
  home.accept("INC");
  profile.accept_all();
  EXPECT_EQ(profile.plain_broadcast_targets("INC"), names({"cart", "home", "profile"}));
  cart.accept("INC");  // accepting again replaces, and keeps its place
  EXPECT_EQ(profile.plain_broadcast_targets("INC"), names({"cart", "home", "profile"}));
  profile.accept("INC");  // both an acceptor and accepting everything: reached once
  EXPECT_EQ(profile.plain_broadcast_targets("INC"), names({"cart", "home", "profile"}));
  EXPECT_EQ(profile.plain_broadcast_targets("OTHER"), names({"profile"}));
  // The order is broadcast's own: the reducers run in it.
  std::vector<std::string> ran;
  for (App* a : {&cart, &home, &profile}) {
    a->replace_reducer([&ran, name = a->name()](const Value& s, const Action& act) {
      if (act.type == "INC") ran.push_back(name);
      return s;
    });
  }
  EXPECT_EQ(profile.broadcast(act("INC")), 3U);
  EXPECT_EQ(ran, (std::vector<std::string>{"cart", "home", "profile"}));
  cart.unmount();
  EXPECT_EQ(profile.plain_broadcast_targets("INC"), names({"home", "profile"}));
}

TEST(AppPlainBroadcastTargets, NotPlainWhenABroadcastWouldDoMore) {
  Host host{HostOptions{.validation = ValidationMode::always}};
  App home = host.mount("home");
  App profile = host.mount("profile");
  home.accept("INC");
  EXPECT_EQ(profile.plain_broadcast_targets("INC"), std::nullopt) << "no store: the broadcast refuses";
  home.create_store(user_state(), app_reducer);
  EXPECT_EQ(profile.plain_broadcast_targets("INC"), names({"home"}));
  home.accept("INC", Schema::parse_json(R"({"type":"object"})"));
  EXPECT_EQ(profile.plain_broadcast_targets("INC"), std::nullopt) << "a payload schema checks it";
  home.accept("INC", std::nullopt, [](const Action&, std::string_view) {});
  EXPECT_EQ(profile.plain_broadcast_targets("INC"), std::nullopt) << "a handler runs instead";
  home.accept("INC");
  {
    auto watching = host.inspect([](const InspectorEvent&) {});
    EXPECT_EQ(profile.plain_broadcast_targets("INC"), std::nullopt) << "an inspector sees every command";
  }
  EXPECT_EQ(profile.plain_broadcast_targets("INC"), names({"home"}));
  {
    // An app's inspector hears the broadcasts it sends or receives only: before, any app's made
    // every app's broadcast leave the browser's plain path.
    App cart = host.mount("cart");
    auto others = cart.inspect([](const InspectorEvent&) {});
    EXPECT_EQ(profile.plain_broadcast_targets("INC"), names({"home"})) << "cart's inspector hears none of it";
    auto target = home.inspect([](const InspectorEvent&) {});
    EXPECT_EQ(profile.plain_broadcast_targets("INC"), std::nullopt) << "home's inspector hears what it receives";
    target.cancel();
    auto sender = profile.inspect([](const InspectorEvent&) {});
    EXPECT_EQ(profile.plain_broadcast_targets("INC"), std::nullopt) << "profile's inspector hears what it sends";
  }
  EXPECT_EQ(profile.plain_broadcast_targets("INC"), names({"home"}));
}

TEST(AppPlainBroadcastTargets, ASchemaIsNoCheckWhenTheHostDoesNotValidate) {
  Host host{HostOptions{.validation = ValidationMode::off}};
  App home = host.mount("home");
  home.create_store(user_state(), app_reducer);
  home.accept("INC", Schema::parse_json(R"({"type":"object"})"));
  EXPECT_EQ(home.plain_broadcast_targets("INC"), names({"home"}));
}

TEST(AppPlainBroadcastTargets, AnUnmountedAppThrows) {
  Host host;
  App a = host.mount("a");
  a.unmount();
  EXPECT_EQ(code_of([&] { (void)a.plain_broadcast_targets("INC"); }), ErrorCode::app_unmounted);
}
