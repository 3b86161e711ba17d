// Subscription (move-only RAII handle) and SubscriptionLink.
#include <gtest/gtest.h>

#include <functional>
#include <utility>

#include "mfstate/runtime.hpp"

namespace mfstate {
namespace {

TEST(Subscription, DestroyingTheHandleCancelsOnce) {
  int cancelled = 0;
  {
    Subscription s([&] { ++cancelled; });
    EXPECT_TRUE(s.active());
  }
  EXPECT_EQ(cancelled, 1);
}

TEST(Subscription, CancellingTwiceRunsTheCancelFunctionOnce) {
  int cancelled = 0;
  Subscription s([&] { ++cancelled; });
  s.cancel();
  s.cancel();
  EXPECT_FALSE(s.active());
  EXPECT_EQ(cancelled, 1);
}

TEST(Subscription, DefaultHandleIsInactiveAndSafeToCancel) {
  Subscription s;
  EXPECT_FALSE(s.active());
  s.cancel();
  EXPECT_FALSE(s.link().active());
}

TEST(Subscription, MoveConstructionTransfersOwnership) {
  int cancelled = 0;
  Subscription a([&] { ++cancelled; });
  Subscription b(std::move(a));
  EXPECT_FALSE(a.active());  // NOLINT(bugprone-use-after-move): moved-from state is specified
  EXPECT_TRUE(b.active());
  a.cancel();
  EXPECT_EQ(cancelled, 0);
  b.cancel();
  EXPECT_EQ(cancelled, 1);
}

TEST(Subscription, MoveAssignmentCancelsWhatTheTargetHeld) {
  int first = 0, second = 0;
  Subscription a([&] { ++first; });
  Subscription b([&] { ++second; });
  a = std::move(b);
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 0);
  EXPECT_TRUE(a.active());
  EXPECT_FALSE(b.active());  // NOLINT(bugprone-use-after-move)
  a.cancel();
  EXPECT_EQ(second, 1);
}

TEST(Subscription, SelfMoveAssignmentKeepsTheSubscription) {
  int cancelled = 0;
  Subscription a([&] { ++cancelled; });
  Subscription& alias = a;
  a = std::move(alias);
  EXPECT_TRUE(a.active());
  EXPECT_EQ(cancelled, 0);
}

TEST(Subscription, CancelFromInsideItsOwnNotificationIsSafe) {
  // A listener registry in miniature: the notification cancels the very subscription it serves.
  std::function<void()> listener;
  int notified = 0;
  Subscription s([&] { listener = nullptr; });
  listener = [&] {
    ++notified;
    s.cancel();
  };
  Batcher b;
  b.notify([&] {
    if (listener) {
      auto copy = listener;  // copy before calling, as a registry does
      copy();
    }
  });
  EXPECT_EQ(notified, 1);
  EXPECT_FALSE(s.active());
  EXPECT_FALSE(listener);
}

TEST(Subscription, CancelFunctionThatCancelsAgainRunsOnce) {
  int cancelled = 0;
  Subscription* self = nullptr;
  Subscription s([&] {
    ++cancelled;
    self->cancel();  // re-entrant: already inactive, so harmless
  });
  self = &s;
  s.cancel();
  EXPECT_EQ(cancelled, 1);
}

TEST(Subscription, DetachKeepsItAliveUntilALinkCancelsIt) {
  int cancelled = 0;
  SubscriptionLink link;
  {
    Subscription s([&] { ++cancelled; });
    link = s.link();
    s.detach();
  }
  EXPECT_EQ(cancelled, 0);
  EXPECT_TRUE(link.active());
  link.cancel();
  EXPECT_EQ(cancelled, 1);
  EXPECT_FALSE(link.active());
}

TEST(SubscriptionLink, CancelsWithoutOwningAndSharesTheState) {
  int cancelled = 0;
  Subscription s([&] { ++cancelled; });
  SubscriptionLink l1 = s.link();
  SubscriptionLink l2 = l1;
  l1.cancel();
  EXPECT_EQ(cancelled, 1);
  EXPECT_FALSE(s.active());
  EXPECT_FALSE(l2.active());
  l2.cancel();
  s.cancel();
  EXPECT_EQ(cancelled, 1);
}

TEST(SubscriptionLink, OutlivingItsHandleIsSafe) {
  int cancelled = 0;
  SubscriptionLink link;
  {
    Subscription s([&] { ++cancelled; });
    link = s.link();
  }
  EXPECT_EQ(cancelled, 1);
  EXPECT_FALSE(link.active());
  link.cancel();
  EXPECT_EQ(cancelled, 1);
  EXPECT_FALSE(SubscriptionLink().active());
  SubscriptionLink().cancel();
}

}  // namespace
}  // namespace mfstate
