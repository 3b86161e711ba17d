// Clock, ManualClock, Scheduler and Runtime::advance: every timer fires at its own time, in order.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mfstate/error.hpp"
#include "mfstate/runtime.hpp"

namespace mfstate {
namespace {

using namespace std::chrono_literals;

TEST(ManualClock, StandsStillUntilMovedBySetOrAdvance) {
  ManualClock clock(100ms);
  EXPECT_EQ(clock.now(), 100ms);
  clock.advance(50ms);
  EXPECT_EQ(clock.now(), 150ms);
  clock.set(10ms);
  EXPECT_EQ(clock.now(), 10ms);
}

TEST(SystemClock, ReadsMillisecondsSinceTheUnixEpoch) {
  SystemClock clock;
  // 2020-01-01 in ms since the epoch: any sane wall clock is past it.
  EXPECT_GT(clock.now().count(), 1577836800000LL);
}

TEST(Scheduler, RunsTimersInTimeOrderNotSchedulingOrder) {
  ManualClock clock;
  Scheduler s(clock);
  std::vector<int> ran;
  s.schedule_at(30ms, [&] { ran.push_back(30); });
  s.schedule_at(10ms, [&] { ran.push_back(10); });
  s.schedule_at(20ms, [&] { ran.push_back(20); });
  clock.set(30ms);
  EXPECT_EQ(s.run_due(), 3u);
  EXPECT_EQ(ran, (std::vector<int>{10, 20, 30}));
}

TEST(Scheduler, RunsTimersDueAtTheSameTimeInSchedulingOrder) {
  ManualClock clock;
  Scheduler s(clock);
  std::string order;
  for (char c : std::string("abcde")) s.schedule_at(5ms, [&order, c] { order += c; });
  clock.set(5ms);
  s.run_due();
  EXPECT_EQ(order, "abcde");
}

TEST(Scheduler, RunsOnlyWhatIsDueAndKeepsTheRest) {
  ManualClock clock;
  Scheduler s(clock);
  int early = 0, late = 0;
  s.schedule_after(10ms, [&] { ++early; });
  s.schedule_after(11ms, [&] { ++late; });
  clock.set(9ms);
  EXPECT_EQ(s.run_due(), 0u);
  clock.set(10ms);
  EXPECT_EQ(s.run_due(), 1u);
  EXPECT_EQ(early, 1);
  EXPECT_EQ(late, 0);
  EXPECT_EQ(s.pending(), 1u);
  EXPECT_EQ(s.next_due(), 11ms);
}

TEST(Scheduler, ScheduleAfterCountsFromTheClocksCurrentTime) {
  ManualClock clock(1000ms);
  Scheduler s(clock);
  s.schedule_after(5ms, [] {});
  EXPECT_EQ(s.next_due(), 1005ms);
}

TEST(Scheduler, NextDueIsEmptyWithoutTimers) {
  ManualClock clock;
  Scheduler s(clock);
  EXPECT_FALSE(s.next_due().has_value());
  EXPECT_EQ(s.pending(), 0u);
}

TEST(Scheduler, CancelledTimerNeverRunsAndCancellingAgainReturnsFalse) {
  ManualClock clock;
  Scheduler s(clock);
  int ran = 0;
  TimerId id = s.schedule_after(1ms, [&] { ++ran; });
  EXPECT_TRUE(s.cancel(id));
  EXPECT_FALSE(s.cancel(id));
  EXPECT_EQ(s.pending(), 0u);
  clock.set(10ms);
  EXPECT_EQ(s.run_due(), 0u);
  EXPECT_EQ(ran, 0);
}

TEST(Scheduler, CancellingATimerThatRanReturnsFalse) {
  ManualClock clock;
  Scheduler s(clock);
  TimerId id = s.schedule_after(0ms, [] {});
  s.run_due();
  EXPECT_FALSE(s.cancel(id));
  EXPECT_FALSE(s.cancel(TimerId{987654}));
}

TEST(Scheduler, TimerCanCancelAnotherDueAtTheSameTime) {
  ManualClock clock;
  Scheduler s(clock);
  int second = 0;
  TimerId victim = 0;
  s.schedule_at(1ms, [&] { EXPECT_TRUE(s.cancel(victim)); });
  victim = s.schedule_at(1ms, [&] { ++second; });
  clock.set(1ms);
  EXPECT_EQ(s.run_due(), 1u);
  EXPECT_EQ(second, 0);
}

TEST(Scheduler, TimerCancellingItselfWhileRunningReturnsFalse) {
  ManualClock clock;
  Scheduler s(clock);
  TimerId self = 0;
  bool cancelled = true;
  self = s.schedule_at(1ms, [&] { cancelled = s.cancel(self); });
  clock.set(1ms);
  s.run_due();
  EXPECT_FALSE(cancelled);
}

TEST(Scheduler, TimerScheduledByATimerRunsInTheSameRunWhenAlreadyDue) {
  ManualClock clock;
  Scheduler s(clock);
  std::vector<std::string> ran;
  s.schedule_at(5ms, [&] {
    ran.push_back("outer");
    s.schedule_after(0ms, [&] { ran.push_back("inner-now"); });
    s.schedule_after(1ms, [&] { ran.push_back("inner-later"); });
  });
  clock.set(5ms);
  EXPECT_EQ(s.run_due(), 2u);
  EXPECT_EQ(ran, (std::vector<std::string>{"outer", "inner-now"}));
  EXPECT_EQ(s.next_due(), 6ms);
}

TEST(Scheduler, ThrowingTimerPropagatesAndLeavesTheOthersScheduled) {
  ManualClock clock;
  Scheduler s(clock);
  int after = 0;
  s.schedule_at(1ms, [] { throw std::runtime_error("boom"); });
  s.schedule_at(2ms, [&] { ++after; });
  clock.set(2ms);
  EXPECT_THROW(s.run_due(), std::runtime_error);
  EXPECT_EQ(s.pending(), 1u);
  EXPECT_EQ(s.run_due(), 1u);
  EXPECT_EQ(after, 1);
}

TEST(Scheduler, EmptyFunctionIsAnInvalidArgumentAndSchedulesNothing) {
  ManualClock clock;
  Scheduler s(clock);
  try {
    s.schedule_after(1ms, std::function<void()>{});
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
  }
  EXPECT_EQ(s.pending(), 0u);
}

TEST(Runtime, AdvanceFiresIntermediateTimersAtTheirOwnTime) {
  ManualClock clock;
  Runtime rt(clock);
  std::vector<Millis> seen;
  for (auto t : {40ms, 10ms, 25ms}) rt.scheduler().schedule_at(t, [&] { seen.push_back(rt.now()); });
  rt.advance(100ms);
  EXPECT_EQ(seen, (std::vector<Millis>{10ms, 25ms, 40ms}));
  EXPECT_EQ(rt.now(), 100ms);
}

TEST(Runtime, AdvanceFiresTimersThatTimersScheduleWithinTheWindow) {
  ManualClock clock;
  Runtime rt(clock);
  std::vector<Millis> ticks;
  // An interval of 30 ms built from timers scheduling timers (as refetch intervals are).
  std::function<void()> tick = [&] {
    ticks.push_back(rt.now());
    rt.scheduler().schedule_after(30ms, tick);
  };
  rt.scheduler().schedule_after(30ms, tick);
  rt.advance(100ms);
  EXPECT_EQ(ticks, (std::vector<Millis>{30ms, 60ms, 90ms}));
  EXPECT_EQ(rt.scheduler().next_due(), 120ms);
  rt.advance(20ms);
  EXPECT_EQ(ticks.size(), 4u);
  EXPECT_EQ(ticks.back(), 120ms);
}

TEST(Runtime, AdvanceRunsPostedWorkAfterEachTimer) {
  ManualClock clock;
  Runtime rt(clock);
  std::vector<std::string> log;
  rt.scheduler().schedule_at(10ms, [&] {
    rt.executor().post([&] { log.push_back("posted@" + std::to_string(rt.now().count())); });
  });
  rt.scheduler().schedule_at(20ms, [&] { log.push_back("timer@" + std::to_string(rt.now().count())); });
  rt.advance(50ms);
  EXPECT_EQ(log, (std::vector<std::string>{"posted@10", "timer@20"}));
}

TEST(Runtime, AdvanceLeavesLaterTimersPending) {
  ManualClock clock;
  Runtime rt(clock);
  int ran = 0;
  rt.scheduler().schedule_at(101ms, [&] { ++ran; });
  rt.advance(100ms);
  EXPECT_EQ(ran, 0);
  rt.advance(1ms);
  EXPECT_EQ(ran, 1);
}

TEST(Runtime, AdvanceByZeroRunsWhatIsAlreadyDue) {
  ManualClock clock(5ms);
  Runtime rt(clock);
  int ran = 0;
  rt.scheduler().schedule_at(5ms, [&] { ++ran; });
  rt.executor().post([&] { ++ran; });
  rt.advance(0ms);
  EXPECT_EQ(ran, 2);
}

TEST(Runtime, AdvanceRefusesToMoveTheClockBackwards) {
  ManualClock clock(50ms);
  Runtime rt(clock);
  try {
    rt.advance(-1ms);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
  }
  EXPECT_EQ(clock.now(), 50ms);
}

TEST(Runtime, AdvanceNeedsAManualClock) {
  ManualClock manual;
  const Clock& plain = manual;
  Runtime rt(plain);
  EXPECT_THROW(rt.advance(1ms), Error);
  Runtime system;
  EXPECT_THROW(system.advance(1ms), Error);
}

TEST(Runtime, RunUntilIdleCountsPostedWorkAndDueTimers) {
  ManualClock clock;
  Runtime rt(clock);
  rt.executor().post([&] { rt.scheduler().schedule_after(0ms, [&] { rt.executor().post([] {}); }); });
  EXPECT_EQ(rt.run_until_idle(), 3u);
  EXPECT_EQ(rt.run_until_idle(), 0u);
}

// The browser build's driver skips run_until_idle while activity() is what its last run left: a
// post or a timer must change it, and nothing else may (a run that posts nothing, a cancel).
TEST(Runtime, ActivityChangesWithEveryPostAndScheduleOnly) {
  ManualClock clock;
  Runtime rt(clock);
  const auto start = rt.activity();
  rt.executor().post([] {});
  const auto posted = rt.activity();
  EXPECT_NE(posted, start);
  TimerId id = rt.scheduler().schedule_after(10ms, [] {});
  const auto scheduled = rt.activity();
  EXPECT_NE(scheduled, posted);
  rt.run_until_idle();
  EXPECT_EQ(rt.activity(), scheduled) << "running posted work that posts nothing is no new activity";
  EXPECT_TRUE(rt.scheduler().cancel(id));
  EXPECT_EQ(rt.activity(), scheduled) << "a cancel leaves nothing new to run";
  // Work that posts while it runs: the count after the run includes it.
  rt.executor().post([&] { rt.executor().post([] {}); });
  rt.run_until_idle();
  EXPECT_EQ(rt.activity(), scheduled + 2);
  EXPECT_EQ(rt.executor().posted(), 3u);
  EXPECT_EQ(rt.scheduler().scheduled(), 1u);
}

}  // namespace
}  // namespace mfstate
