// The inspector stream out of memory (this binary's operator new fails the allocation asked for).
// An inspector ended inside an event is ended from a Subscription's destructor, where a throw is
// std::terminate: it must allocate nothing. A subscription that fails half-way leaves no listener
// behind that its caller cannot end (it would hear every later event of its app, and keep the app's
// dispatches and emits off the browser's plain path, for good).
#include <gtest/gtest.h>

#include <new>
#include <optional>
#include <string>

#include "failing_allocation.hpp"
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

// Before, ending a listener while an event was under way queued its app's name in a vector made
// anew for each event: with memory short, the destructor threw, and the process ended.
TEST(InspectorStreamOutOfMemory, EndingAnInspectorInsideAnEventAllocatesNothing) {
  ManualClock clock;
  InspectorStream stream(clock, nullptr);
  int b_heard = 0;
  std::optional<Subscription> b;
  auto shell = stream.subscribe([&](const InspectorEvent&) {
    allocations_to_failure = 1;
    b.reset();  // its destructor ends it: nothing may fail there
    allocations_to_failure = 0;
  });
  b.emplace(stream.subscribe_app("b", [&](const InspectorEvent&) { ++b_heard; }));
  auto a = stream.subscribe_app("a", [](const InspectorEvent&) {});
  stream.emit(event_of("a", "b"));
  allocations_to_failure = 0;
  EXPECT_EQ(b_heard, 0) << "ended before its turn in the event";
  shell.cancel();
  EXPECT_FALSE(stream.hears("b"));
  EXPECT_TRUE(stream.hears("a"));
  // b's list went once the event ended, and is made again for a new listener.
  auto again = stream.subscribe_app("b", [&](const InspectorEvent&) { ++b_heard; });
  stream.emit(event_of("b"));
  EXPECT_EQ(b_heard, 1);
}

// Every allocation of a subscription failed in turn, each on a fresh stream: each failure leaves no
// listener (nothing hears the app, nothing is called), and the stream works after it.
TEST(InspectorStreamOutOfMemory, ASubscriptionThatFailsHalfWayLeavesNoListener) {
  ManualClock clock;
  for (const bool of_app : {true, false}) {
    int failures = 0;
    for (long k = 1;; ++k) {
      InspectorStream stream(clock, nullptr);
      int heard = 0;
      std::optional<Subscription> s;
      allocations_to_failure = k;
      try {
        s.emplace(of_app ? stream.subscribe_app("a-name-longer-than-a-short-string", [&heard](const InspectorEvent&) { ++heard; })
                         : stream.subscribe([&heard](const InspectorEvent&) { ++heard; }));
      } catch (const std::bad_alloc&) {
        allocations_to_failure = 0;
        ++failures;
        EXPECT_FALSE(stream.active()) << "allocation " << k << (of_app ? " of an app's" : " of the shell's");
        EXPECT_FALSE(stream.hears("a-name-longer-than-a-short-string")) << k;
        stream.emit(event_of("a-name-longer-than-a-short-string"));
        EXPECT_EQ(heard, 0) << k;
        continue;
      }
      allocations_to_failure = 0;
      EXPECT_TRUE(stream.hears("a-name-longer-than-a-short-string"));
      stream.emit(event_of("a-name-longer-than-a-short-string"));
      EXPECT_EQ(heard, 1);
      s.reset();
      EXPECT_FALSE(stream.active());
      break;
    }
    EXPECT_GE(failures, 2) << "the list's room and the subscription's are both failed";
  }
}
