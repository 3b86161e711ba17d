// Batcher, the one notification batching point: nesting, order, no recursion, discard, errors.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "mfstate/error.hpp"
#include "mfstate/runtime.hpp"

namespace mfstate {
namespace {

TEST(Batcher, NotifiesAtOnceOutsideABatch) {
  Batcher b;
  int ran = 0;
  b.notify([&] { ++ran; });
  EXPECT_EQ(ran, 1);
  EXPECT_FALSE(b.in_batch());
}

TEST(Batcher, HoldsNotificationsUntilTheOutermostBatchEnds) {
  Batcher b;
  std::vector<int> ran;
  b.begin_batch();
  b.notify([&] { ran.push_back(1); });
  b.begin_batch();
  b.notify([&] { ran.push_back(2); });
  b.end_batch();
  EXPECT_TRUE(ran.empty());
  EXPECT_TRUE(b.in_batch());
  b.notify([&] { ran.push_back(3); });
  b.end_batch();
  EXPECT_EQ(ran, (std::vector<int>{1, 2, 3}));
  EXPECT_FALSE(b.in_batch());
}

TEST(Batcher, ScopeEndsTheBatchWhenLeft) {
  Batcher b;
  int ran = 0;
  {
    Batcher::Scope outer(b);
    {
      Batcher::Scope inner(b);
      b.notify([&] { ++ran; });
    }
    EXPECT_EQ(ran, 0);
  }
  EXPECT_EQ(ran, 1);
}

TEST(Batcher, NotificationsQueuedDuringAFlushRunAfterTheQueuedOnesNeverInside) {
  Batcher b;
  std::vector<std::string> log;
  int depth = 0, deepest = 0;
  auto enter = [&](const std::string& what) {
    ++depth;
    deepest = std::max(deepest, depth);
    log.push_back(what);
  };
  b.begin_batch();
  b.notify([&] {
    enter("a");
    b.notify([&] {
      enter("a.1");
      b.notify([&] {
        enter("a.1.1");
        --depth;
      });
      --depth;
    });
    --depth;
  });
  b.notify([&] {
    enter("b");
    --depth;
  });
  b.end_batch();
  EXPECT_EQ(log, (std::vector<std::string>{"a", "b", "a.1", "a.1.1"}));
  EXPECT_EQ(deepest, 1);  // never recursive
}

TEST(Batcher, NotifyOutsideABatchRunsWhatItNotifiesAfterItself) {
  Batcher b;
  std::vector<std::string> log;
  b.notify([&] {
    b.notify([&] { log.push_back("inner"); });
    log.push_back("outer");
  });
  EXPECT_EQ(log, (std::vector<std::string>{"outer", "inner"}));
}

TEST(Batcher, BatchOpenedDuringAFlushJoinsThatFlush) {
  Batcher b;
  std::vector<std::string> log;
  b.notify([&] {
    Batcher::Scope s(b);
    b.notify([&] { log.push_back("from nested batch"); });
    log.push_back("first");
  });
  EXPECT_EQ(log, (std::vector<std::string>{"first", "from nested batch"}));
  EXPECT_FALSE(b.in_batch());
}

TEST(Batcher, DiscardSinceDropsOnlyWhatWasQueuedAfterTheMark) {
  Batcher b;
  std::vector<int> ran;
  b.begin_batch();
  b.notify([&] { ran.push_back(1); });
  std::size_t m = b.mark();
  b.notify([&] { ran.push_back(2); });
  b.notify([&] { ran.push_back(3); });
  b.discard_since(m);
  b.notify([&] { ran.push_back(4); });
  b.end_batch();
  EXPECT_EQ(ran, (std::vector<int>{1, 4}));
}

TEST(Batcher, DiscardSinceAMarkPastTheQueueChangesNothing) {
  Batcher b;
  int ran = 0;
  b.begin_batch();
  b.notify([&] { ++ran; });
  b.discard_since(b.mark() + 10);
  b.end_batch();
  EXPECT_EQ(ran, 1);
}

TEST(Batcher, DiscardPendingDropsEverythingQueued) {
  Batcher b;
  int ran = 0;
  b.begin_batch();
  b.notify([&] { ++ran; });
  b.notify([&] { ++ran; });
  b.discard_pending();
  b.end_batch();
  EXPECT_EQ(ran, 0);
}

TEST(Batcher, RolledBackTransactionInsideAFlushDropsOnlyItsOwnNotifications) {
  Batcher b;
  std::vector<std::string> log;
  b.begin_batch();
  b.notify([&] {
    log.push_back("a");
    // A transaction run by a listener that fails and rolls back.
    b.begin_batch();
    std::size_t m = b.mark();
    b.notify([&] { log.push_back("rolled back"); });
    b.discard_since(m);
    b.end_batch();
  });
  b.notify([&] { log.push_back("b"); });
  b.end_batch();
  EXPECT_EQ(log, (std::vector<std::string>{"a", "b"}));
}

TEST(Batcher, DiscardDuringAFlushNeverDropsWhatAlreadyRan) {
  Batcher b;
  std::vector<std::string> log;
  b.begin_batch();
  b.notify([&] { log.push_back("a"); });
  b.notify([&] {
    log.push_back("b");
    b.discard_since(0);  // a mark from before the flush: only what has not started goes
    b.notify([&] { log.push_back("d"); });
  });
  b.notify([&] { log.push_back("c"); });
  b.end_batch();
  EXPECT_EQ(log, (std::vector<std::string>{"a", "b", "d"}));
  // The batcher is usable afterwards.
  b.notify([&] { log.push_back("e"); });
  EXPECT_EQ(log.back(), "e");
}

TEST(Batcher, ThrowingNotificationPropagatesAndTheRestRunAtTheNextFlush) {
  Batcher b;
  std::vector<int> ran;
  b.begin_batch();
  b.notify([&] { ran.push_back(1); });
  b.notify([] { throw std::runtime_error("listener failed"); });
  b.notify([&] { ran.push_back(3); });
  EXPECT_THROW(b.end_batch(), std::runtime_error);
  EXPECT_EQ(ran, (std::vector<int>{1}));
  EXPECT_FALSE(b.in_batch());
  b.notify([&] { ran.push_back(4); });
  EXPECT_EQ(ran, (std::vector<int>{1, 3, 4}));
}

TEST(Batcher, ScopeLeftByAnExceptionEndsTheBatchAndKeepsTheFirstError) {
  Batcher b;
  int ran = 0;
  try {
    Batcher::Scope s(b);
    b.notify([&] { ++ran; });
    b.notify([] { throw std::logic_error("second error"); });
    throw std::runtime_error("first error");
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "first error");
  }
  EXPECT_EQ(ran, 1);
  EXPECT_FALSE(b.in_batch());
}

TEST(Batcher, EndBatchWithoutABatchIsAnErrorAndChangesNothing) {
  Batcher b;
  try {
    b.end_batch();
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
  }
  EXPECT_FALSE(b.in_batch());
  int ran = 0;
  b.notify([&] { ++ran; });
  EXPECT_EQ(ran, 1);
}

TEST(Batcher, EmptyFunctionIsAnInvalidArgument) {
  Batcher b;
  EXPECT_THROW(b.notify(std::function<void()>{}), Error);
  b.begin_batch();
  EXPECT_THROW(b.notify(std::function<void()>{}), Error);
  EXPECT_EQ(b.mark(), 0u);
  b.end_batch();
}

}  // namespace
}  // namespace mfstate
