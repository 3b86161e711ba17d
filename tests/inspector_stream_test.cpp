// The host's inspector stream, indexed by audience: the shell's listeners hear every event, an
// app's hear the events it is the actor or the target of, in the order they subscribed in, as one
// list would give them. An event costs the listeners that hear it (host_inspector_test: one app's
// 65,000 inspectors against another app's events).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "host_test_support.hpp"
#include "inspector_stream.hpp"

using namespace mfstate;
using namespace host_test;
using mfstate::detail::InspectorStream;

namespace {

InspectorEvent event_of(std::string app, std::string target = {}) {
  InspectorEvent e;
  e.kind = InspectorEventKind::action;
  e.app = std::move(app);
  e.target = std::move(target);
  return e;
}

}  // namespace

TEST(InspectorStream, EachHearsItsAudienceInSubscriptionOrder) {
  ManualClock clock(Millis{5});
  Errors errors;
  InspectorStream stream(clock, errors.handler());
  std::vector<std::string> heard;
  auto listener = [&heard](std::string who) {
    return [&heard, who](const InspectorEvent& e) { heard.push_back(who + ":" + e.app + ">" + e.target); };
  };
  std::vector<Subscription> subs;
  subs.push_back(stream.subscribe_app("b", listener("b1")));
  subs.push_back(stream.subscribe(listener("shell1")));
  subs.push_back(stream.subscribe_app("a", listener("a1")));
  subs.push_back(stream.subscribe_app("c", listener("c1")));
  subs.push_back(stream.subscribe_app("b", listener("b2")));
  subs.push_back(stream.subscribe(listener("shell2")));
  subs.push_back(stream.subscribe_app("a", listener("a2")));

  stream.emit(event_of("a", "b"));
  EXPECT_EQ(heard, (std::vector<std::string>{"b1:a>b", "shell1:a>b", "a1:a>b", "b2:a>b", "shell2:a>b",
                                             "a2:a>b"}));
  heard.clear();
  stream.emit(event_of("c"));
  EXPECT_EQ(heard, (std::vector<std::string>{"shell1:c>", "c1:c>", "shell2:c>"}));
  heard.clear();
  stream.emit(event_of("", "a"));  // the shell's transaction, an export of a: the shell's and a's
  EXPECT_EQ(heard, (std::vector<std::string>{"shell1:>a", "a1:>a", "shell2:>a", "a2:>a"}));
  heard.clear();
  stream.emit(event_of("b", "b"));  // its own: once each
  EXPECT_EQ(heard, (std::vector<std::string>{"b1:b>b", "shell1:b>b", "b2:b>b", "shell2:b>b"}));
  heard.clear();
  stream.emit(event_of(""));
  EXPECT_EQ(heard, (std::vector<std::string>{"shell1:>", "shell2:>"}));
}

TEST(InspectorStream, HearsAnAppOnlyThroughTheShellOrItsOwn) {
  ManualClock clock;
  InspectorStream stream(clock, nullptr);
  EXPECT_FALSE(stream.active());
  {
    auto a = stream.subscribe_app("a", [](const InspectorEvent&) {});
    EXPECT_TRUE(stream.active());
    EXPECT_TRUE(stream.hears("a"));
    EXPECT_FALSE(stream.hears("b")) << "a's inspector hears none of b's events";
    EXPECT_FALSE(stream.hears(""));
    auto shell = stream.subscribe([](const InspectorEvent&) {});
    EXPECT_TRUE(stream.hears("b"));
    EXPECT_TRUE(stream.hears(""));
  }
  EXPECT_FALSE(stream.hears("a"));
  EXPECT_FALSE(stream.active());
  EXPECT_THROW((void)stream.subscribe_app("", [](const InspectorEvent&) {}), Error);
}

TEST(InspectorStream, EndingListenersDuringAnEventIsSafeAndLaterOnesStillHear) {
  ManualClock clock;
  InspectorStream stream(clock, nullptr);
  std::vector<std::string> heard;
  Subscription a2;
  Subscription b1;
  auto shell = stream.subscribe([&](const InspectorEvent&) {
    heard.push_back("shell");
    a2.cancel();  // later in this event: not called
    b1.cancel();
  });
  auto a1 = stream.subscribe_app("a", [&](const InspectorEvent&) { heard.push_back("a1"); });
  a2 = stream.subscribe_app("a", [&](const InspectorEvent&) { heard.push_back("a2"); });
  b1 = stream.subscribe_app("b", [&](const InspectorEvent&) { heard.push_back("b1"); });
  auto a3 = stream.subscribe_app("a", [&](const InspectorEvent&) { heard.push_back("a3"); });
  stream.emit(event_of("a", "b"));
  EXPECT_EQ(heard, (std::vector<std::string>{"shell", "a1", "a3"}));
  heard.clear();
  shell.cancel();
  stream.emit(event_of("b", "a"));
  EXPECT_EQ(heard, (std::vector<std::string>{"a1", "a3"}));
  EXPECT_FALSE(stream.hears("b"));
  // A list emptied during an event is gone after it, and made again for a new listener.
  auto b2 = stream.subscribe_app("b", [&](const InspectorEvent&) { heard.push_back("b2"); });
  heard.clear();
  stream.emit(event_of("b"));
  EXPECT_EQ(heard, (std::vector<std::string>{"b2"}));
}

// The lists whose listeners ended during an event are compacted once it ends. There a listener's
// destruction may end another's (here a1's function holds b2's subscription): that one is only
// marked, and its list, waiting its turn, is compacted and dropped after, not while it is walked.
TEST(InspectorStream, AListenerWhoseEndEndsAnotherIsSafeWhileTheEndedAreDropped) {
  ManualClock clock;
  InspectorStream stream(clock, nullptr);
  std::vector<std::string> heard;
  Subscription b1 = stream.subscribe_app("b", [&](const InspectorEvent&) { heard.push_back("b1"); });
  auto b2 = std::make_shared<Subscription>(stream.subscribe_app("b", [&](const InspectorEvent&) { heard.push_back("b2"); }));
  Subscription a1 = stream.subscribe_app("a", [b2, &heard](const InspectorEvent&) { heard.push_back("a1"); });
  b2.reset();  // a1's function holds it alone now
  Subscription shell = stream.subscribe([&](const InspectorEvent&) {
    heard.push_back("shell");
    b1.cancel();  // b's list queued first,
    a1.cancel();  // a's after it: compacted first, and a1's function, holding b2, goes then
  });
  stream.emit(event_of("a", "b"));
  EXPECT_EQ(heard, (std::vector<std::string>{"b1", "b2", "a1", "shell"}));
  shell.cancel();
  EXPECT_FALSE(stream.active()) << "b2 ended with a1's function";
  EXPECT_FALSE(stream.hears("a"));
  EXPECT_FALSE(stream.hears("b"));
  heard.clear();
  stream.emit(event_of("a", "b"));
  EXPECT_TRUE(heard.empty());
  auto b3 = stream.subscribe_app("b", [&](const InspectorEvent&) { heard.push_back("b3"); });
  stream.emit(event_of("b"));
  EXPECT_EQ(heard, (std::vector<std::string>{"b3"}));
}
