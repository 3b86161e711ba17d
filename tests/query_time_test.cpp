// Time on the manual clock runs as a browser's event loop does: one due timer, then the work it
// posted, then the next timer (issue 11's "Time" item). TanStack's scope test orders its events
// by that rule.
#include "query_test_support.hpp"

namespace mfstate::testing {
namespace {

using namespace std::chrono_literals;

TEST(QueryTime, WorkPostedByATimerRunsBeforeTheNextTimerDueAtTheSameInstant) {
  ManualClock clock{Millis{0}};
  Runtime rt{clock};
  std::vector<std::string> order;
  (void)rt.scheduler().schedule_at(Millis{10}, [&] {
    order.push_back("timer 1");
    rt.executor().post([&] { order.push_back("posted by 1"); });
  });
  (void)rt.scheduler().schedule_at(Millis{10}, [&] { order.push_back("timer 2"); });
  rt.advance(Millis{10});
  EXPECT_EQ(order, (std::vector<std::string>{"timer 1", "posted by 1", "timer 2"}));

  order.clear();
  (void)rt.scheduler().schedule_at(Millis{10}, [&] {
    order.push_back("timer 3");
    rt.executor().post([&] { order.push_back("posted by 3"); });
  });
  (void)rt.scheduler().schedule_at(Millis{10}, [&] { order.push_back("timer 4"); });
  rt.run_until_idle();
  EXPECT_EQ(order, (std::vector<std::string>{"timer 3", "posted by 3", "timer 4"}));
}

TEST(QueryTime, EachScopeRunsInParallelAndSeriallyWithin) {
  ManualClock clock{Millis{0}};
  Runtime rt{clock};
  QueryClient qc(rt);
  std::vector<std::string> results;
  auto step = [&](std::string name) { return logged_mutation(rt, results, "start-" + name, "finish-" + name, 10ms); };
  (void)qc.mutate({.fn = step("A1"), .scope = "1"}, "vars1");
  (void)qc.mutate({.fn = step("B1"), .scope = "1"}, "vars2");
  (void)qc.mutate({.fn = step("A2"), .scope = "2"}, "vars1");
  (void)qc.mutate({.fn = step("B2"), .scope = "2"}, "vars2");
  rt.advance(20ms);
  EXPECT_EQ(results, (std::vector<std::string>{"start-A1", "start-A2", "finish-A1", "start-B1", "finish-A2",
                                               "start-B2", "finish-B1", "finish-B2"}));
}

}  // namespace
}  // namespace mfstate::testing
