// Batcher, the one notification batching point: nesting, order, no recursion, transactions
// (rollback drops only what the transaction queued), errors (never thrown at whoever ended a batch).
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "mfstate/error.hpp"
#include "mfstate/runtime.hpp"
#include "transactions.hpp"

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

// ---- transactions (internal: src/transactions.hpp; no public function drops a notification) ----

TEST(BatcherTransaction, RollbackDropsOnlyTheUndoableNotificationsItQueued) {
  Batcher b;
  std::vector<int> ran;
  b.begin_batch();
  b.notify([&] { ran.push_back(1); });
  detail::tx_begin(b);
  detail::notify_undoable(b, [&] { ran.push_back(2); });  // a store change: undone
  b.notify([&] { ran.push_back(3); });                    // a query observer: not undone
  detail::tx_rollback(b);
  b.notify([&] { ran.push_back(4); });
  b.end_batch();
  EXPECT_EQ(ran, (std::vector<int>{1, 3, 4}));
}

TEST(BatcherTransaction, CommitKeepsWhatItQueuedAndFlushesAtTheOutermostEnd) {
  Batcher b;
  std::vector<int> ran;
  detail::tx_begin(b);
  detail::notify_undoable(b, [&] { ran.push_back(1); });
  EXPECT_TRUE(detail::tx_active(b));
  EXPECT_TRUE(ran.empty());
  detail::tx_commit(b);
  EXPECT_FALSE(detail::tx_active(b));
  EXPECT_EQ(ran, (std::vector<int>{1}));
}

TEST(BatcherTransaction, OuterRollbackDropsWhatACommittedInnerOneQueued) {
  Batcher b;
  std::vector<int> ran;
  detail::tx_begin(b);
  detail::tx_begin(b);
  detail::notify_undoable(b, [&] { ran.push_back(1); });
  detail::tx_commit(b);
  detail::tx_rollback(b);
  EXPECT_TRUE(ran.empty());
}

TEST(BatcherTransaction, InnerRollbackKeepsWhatTheOuterOneQueued) {
  Batcher b;
  std::vector<int> ran;
  detail::tx_begin(b);
  detail::notify_undoable(b, [&] { ran.push_back(1); });
  detail::tx_begin(b);
  detail::notify_undoable(b, [&] { ran.push_back(2); });
  detail::tx_rollback(b);
  detail::notify_undoable(b, [&] { ran.push_back(3); });
  detail::tx_commit(b);
  EXPECT_EQ(ran, (std::vector<int>{1, 3}));
}

TEST(BatcherTransaction, RollbackInsideAFlushNeverDropsWhatRanOrWasQueuedBefore) {
  Batcher b;
  std::vector<std::string> log;
  b.begin_batch();
  detail::notify_undoable(b, [&] { log.push_back("a"); });
  b.notify([&] {
    log.push_back("b");
    // A transaction run by a listener that fails and rolls back.
    detail::tx_begin(b);
    detail::notify_undoable(b, [&] { log.push_back("rolled back"); });
    detail::tx_rollback(b);
    b.notify([&] { log.push_back("d"); });
  });
  detail::notify_undoable(b, [&] { log.push_back("c"); });
  b.end_batch();
  EXPECT_EQ(log, (std::vector<std::string>{"a", "b", "c", "d"}));
  b.notify([&] { log.push_back("e"); });
  EXPECT_EQ(log.back(), "e");
}

namespace {
// A stand-in for a Store: what a transaction snapshots and puts back.
struct Counter final : detail::Restorable {
  Value state = Value(0);
  bool queued = false;
  int holds = 0;
  int restores = 0;
  void tx_hold() noexcept override { ++holds; }
  void tx_release() noexcept override { --holds; }
  void tx_restore(const Value& s, bool q) noexcept override {
    state = s;
    queued = q;
    ++restores;
  }
  void change(Batcher& b, std::int64_t v) {
    if (detail::tx_active(b)) detail::tx_enlist(b, *this, state, queued);
    state = Value(v);
  }
};
}  // namespace

TEST(BatcherTransaction, RollbackRestoresTheFirstSnapshotOfEachEnlistedOnceAndReleasesIt) {
  Batcher b;
  Counter c;
  detail::tx_begin(b);
  c.change(b, 1);
  c.change(b, 2);
  EXPECT_EQ(c.holds, 1);
  detail::tx_rollback(b);
  EXPECT_EQ(c.state.as_int(), 0);
  EXPECT_EQ(c.restores, 1);
  EXPECT_EQ(c.holds, 0);
}

TEST(BatcherTransaction, OuterRollbackRestoresWhatACommittedInnerOneChanged) {
  Batcher b;
  Counter c;
  detail::tx_begin(b);
  detail::tx_begin(b);
  c.change(b, 5);
  detail::tx_commit(b);
  EXPECT_EQ(c.holds, 1);  // passed to the outer frame
  detail::tx_rollback(b);
  EXPECT_EQ(c.state.as_int(), 0);
  EXPECT_EQ(c.holds, 0);
}

TEST(BatcherTransaction, ParkedOwnerIsReleasedOnceTheBatcherIsIdle) {
  Batcher b;
  auto owner = std::make_shared<int>(7);
  std::weak_ptr<int> weak = owner;
  b.begin_batch();
  detail::park_until_idle(b, std::move(owner));
  EXPECT_FALSE(weak.expired());
  b.end_batch();
  EXPECT_TRUE(weak.expired());
  auto now = std::make_shared<int>(8);
  weak = now;
  detail::park_until_idle(b, std::move(now));  // idle: released at once
  EXPECT_TRUE(weak.expired());
}

// ---- errors ----

TEST(Batcher, ThrowingNotificationGoesToTheErrorHandlerAndTheRestStillRun) {
  std::vector<Error> errors;
  Batcher b([&](const Error& e) { errors.push_back(e); });
  std::vector<int> ran;
  b.begin_batch();
  b.notify([&] { ran.push_back(1); });
  b.notify([] { throw std::runtime_error("listener failed"); });
  b.notify([&] { ran.push_back(3); });
  EXPECT_NO_THROW(b.end_batch());  // whoever ends the batch did not run the listener
  EXPECT_EQ(ran, (std::vector<int>{1, 3}));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code(), ErrorCode::listener_error);
  EXPECT_NE(std::string(errors[0].what()).find("listener failed"), std::string::npos);
  EXPECT_FALSE(b.in_batch());
}

TEST(Batcher, ScopeLeftByAnExceptionEndsTheBatchAndDelivers) {
  Batcher b([](const Error&) {});
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
  EXPECT_EQ(detail::BatcherAccess::queued(b), 0u);
  b.end_batch();
}

}  // namespace
}  // namespace mfstate
