// The registry server's answer cache: what it keeps, what it lets go, and that it never holds
// more than its budget however many answers pass through it.
#include <gtest/gtest.h>

#include "native/registry_answer_cache.hpp"

using mfstate::detail::AnswerCache;

namespace {

std::shared_ptr<const std::string> text(std::size_t bytes, char fill = 'x') {
  return std::make_shared<const std::string>(bytes, fill);
}

// What an entry of `key` and `bytes` of answer costs the cache.
std::size_t cost(const std::string& key, std::size_t bytes) {
  return key.size() + bytes + AnswerCache::entry_overhead;
}

}  // namespace

TEST(RegistryAnswerCache, AnAnswerIsFoundAgainAsTheSameBytesNotACopy) {
  AnswerCache cache(1u << 20);
  const auto answer = text(1000);
  cache.insert("home@1.0.0", answer);
  EXPECT_EQ(cache.find("home@1.0.0"), answer);
  EXPECT_EQ(cache.find("home@2.0.0"), nullptr);
  EXPECT_EQ(cache.bytes(), cost("home@1.0.0", 1000));
}

TEST(RegistryAnswerCache, ItNeverHoldsMoreThanItsBudgetAndLetsTheLeastRecentlyUsedGo) {
  const std::size_t budget = 3 * cost("a@1.0.0", 1000);
  AnswerCache cache(budget);
  cache.insert("a@1.0.0", text(1000));
  cache.insert("b@1.0.0", text(1000));
  cache.insert("c@1.0.0", text(1000));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_NE(cache.find("a@1.0.0"), nullptr);  // a is now the most recently used; b the least
  cache.insert("d@1.0.0", text(1000));
  EXPECT_EQ(cache.find("b@1.0.0"), nullptr);
  EXPECT_NE(cache.find("a@1.0.0"), nullptr);
  EXPECT_NE(cache.find("c@1.0.0"), nullptr);
  EXPECT_NE(cache.find("d@1.0.0"), nullptr);
  // Many more answers than fit, of every size: the total stays within the budget.
  for (std::size_t i = 0; i < 10000; ++i) {
    cache.insert("app" + std::to_string(i) + "@1.0.0", text(i % 2500));
    ASSERT_LE(cache.bytes(), budget);
  }
  EXPECT_LE(cache.size(), budget / AnswerCache::entry_overhead);
}

TEST(RegistryAnswerCache, AnAnswerLargerThanTheBudgetIsNotKeptAndEvictsNothing) {
  AnswerCache cache(10000);
  cache.insert("small@1.0.0", text(100));
  cache.insert("big@1.0.0", text(20000));
  EXPECT_EQ(cache.find("big@1.0.0"), nullptr);
  EXPECT_NE(cache.find("small@1.0.0"), nullptr);
  EXPECT_EQ(cache.bytes(), cost("small@1.0.0", 100));
}

TEST(RegistryAnswerCache, InsertingAKeyAgainReplacesItAndEraseForgetsIt) {
  AnswerCache cache(1u << 20);
  cache.insert("home@1.0.0", text(100, 'a'));
  const auto second = text(300, 'b');
  cache.insert("home@1.0.0", second);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.find("home@1.0.0"), second);
  EXPECT_EQ(cache.bytes(), cost("home@1.0.0", 300));
  cache.erase("home@1.0.0");
  cache.erase("never@1.0.0");
  EXPECT_EQ(cache.find("home@1.0.0"), nullptr);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(RegistryAnswerCache, AnAnswerWithATimeIsForgottenFromThatTimeOn) {
  AnswerCache cache(1u << 20);
  const AnswerCache::Clock::time_point t0{std::chrono::seconds(100)};  // a manual clock
  cache.insert("apps", text(10), t0 + std::chrono::seconds(1));
  cache.insert("home@1.0.0", text(10));  // never expires
  EXPECT_NE(cache.find("apps", t0), nullptr);
  EXPECT_NE(cache.find("apps", t0 + std::chrono::milliseconds(999)), nullptr);
  EXPECT_EQ(cache.find("apps", t0 + std::chrono::seconds(1)), nullptr);
  EXPECT_EQ(cache.size(), 1u);  // the expired one is gone, not merely hidden
  EXPECT_NE(cache.find("home@1.0.0", t0 + std::chrono::hours(24 * 365)), nullptr);
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
}
