// The mutation cache's two orders, whatever leaves it from where: every mutation listed in the
// order it was built (find_all, dehydrate), and each scope's line run in that order, one at a
// time, the mutations that left it (collected or abandoned) skipped.
#include <string>

#include "query_test_support.hpp"

namespace mfstate::testing {
namespace {

/// A mutation function that never answers by itself: keeps each call's variables and completion.
struct HeldMutation {
  struct Call {
    Value variables;
    Completion done;
  };
  std::shared_ptr<std::vector<Call>> calls = std::make_shared<std::vector<Call>>();
  MutationFn fn() const {
    return [calls = calls](const Value& v, const AbortSignal&, Completion c) { calls->push_back({v, std::move(c)}); };
  }
};

class QueryMutationOrderTest : public QueryTest {
 protected:
  QueryClient qc{rt};
  HeldMutation held;

  std::vector<std::int64_t> listed() const {
    std::vector<std::int64_t> out;
    for (const MutationInfo& m : qc.mutation_cache().find_all()) out.push_back(m.state.variables.as_int());
    return out;
  }
};

TEST_F(QueryMutationOrderTest, EveryMutationIsListedInTheOrderItWasBuiltAfterRemovalsFromAnywhere) {
  // Settled at once; the odd ones collected at once, the even ones kept for a minute.
  for (std::int64_t i = 0; i < 10; ++i) {
    (void)qc.mutate({.fn = sync_mutation([](const Value& v) { return v; }),
                     .gc_time = Millis{i % 2 == 1 ? 0 : 60'000}},
                    Value(i));
  }
  rt.run_until_idle();
  advance(1);
  EXPECT_EQ(listed(), (std::vector<std::int64_t>{0, 2, 4, 6, 8}));
  (void)qc.mutate({.fn = sync_mutation([](const Value& v) { return v; }), .gc_time = Millis{120'000}}, Value(10));
  rt.run_until_idle();
  EXPECT_EQ(listed(), (std::vector<std::int64_t>{0, 2, 4, 6, 8, 10}));
  advance(60'000);
  EXPECT_EQ(listed(), (std::vector<std::int64_t>{10}));
}

TEST_F(QueryMutationOrderTest, AScopesLineRunsInOrderAfterMutationsLeftItsMiddle) {
  std::vector<std::unique_ptr<MutationObserver>> line;
  std::vector<Future> futures;
  for (std::int64_t i = 0; i < 10; ++i) {
    line.push_back(std::make_unique<MutationObserver>(qc, MutationOptions{.fn = held.fn(), .scope = "save", .gc_time = Millis{0}}));
    futures.push_back(line.back()->mutate(i));
  }
  rt.run_until_idle();
  ASSERT_EQ(held.calls->size(), 1u);
  // Waiting in the middle of the line: they leave it (cancelled), the rest keep their places.
  for (std::size_t i : {3u, 4u, 7u}) line[i]->abandon();
  rt.run_until_idle();
  EXPECT_EQ(futures[4].error()->code(), ErrorCode::cancelled);
  std::vector<std::int64_t> ran;
  while (ran.size() < held.calls->size()) {
    HeldMutation::Call& c = (*held.calls)[ran.size()];
    ran.push_back(c.variables.as_int());
    c.done.resolve(c.variables);
    rt.run_until_idle();
    line[static_cast<std::size_t>(ran.back())].reset();
    advance(1);  // the settled one, unobserved, is collected: the line's head leaves it
  }
  EXPECT_EQ(ran, (std::vector<std::int64_t>{0, 1, 2, 5, 6, 8, 9}));
  EXPECT_EQ(qc.is_mutating(), 0u);
  EXPECT_EQ(listed(), (std::vector<std::int64_t>{3, 4, 7})) << "the abandoned ones, still observed";
  // The line is empty and gone: a new mutation of the scope runs at once.
  MutationObserver next(qc, MutationOptions{.fn = held.fn(), .scope = "save"});
  (void)next.mutate(Value(10));
  rt.run_until_idle();
  ASSERT_EQ(held.calls->size(), 8u);
  EXPECT_EQ(held.calls->back().variables.as_int(), 10);
}

}  // namespace
}  // namespace mfstate::testing
