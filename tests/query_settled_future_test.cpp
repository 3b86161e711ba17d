// The Future of a refetch by filters (invalidate_queries, refetch_queries, reset_queries) when no
// refetch starts: one settled state that every such call hands out (S1: an invalidation of entries
// nobody observes allocates nothing). Whatever one holder does with it must not reach another:
// callbacks run at once and are not kept, a callback that throws leaves it as it was, another
// call's error or cancellation does not land in it, it outlives the client; and a refetch that
// does start is still waited for, by a future of its own.
#include <stdexcept>

#include "query_test_support.hpp"

namespace mfstate::testing {
namespace {

class QuerySettledFutureTest : public QueryTest {
 protected:
  // Two entries nobody observes: an invalidation refetches neither.
  void fill(QueryClient& qc) {
    qc.set_query_data(key({"user", 1, "profile"}), 1);
    qc.set_query_data(key({"user", 2, "profile"}), 2);
  }
};

TEST_F(QuerySettledFutureTest, AnInvalidationThatRefetchesNothingIsSettledWithNull) {
  QueryClient qc(rt);
  fill(qc);
  const Future f = qc.invalidate_queries({.key = key({"user", 1})});
  EXPECT_TRUE(f.ready());
  EXPECT_TRUE(f.ok());
  EXPECT_TRUE(f.value().is_null());
  EXPECT_EQ(f.error(), nullptr);
  EXPECT_TRUE(f.error_detail().is_null());
  EXPECT_TRUE(qc.get_query_state(key({"user", 1, "profile"}))->is_invalidated);
  EXPECT_FALSE(qc.get_query_state(key({"user", 2, "profile"}))->is_invalidated);
  // The same for a refetch or reset that starts nothing, with or without throw_on_error.
  EXPECT_TRUE(qc.invalidate_queries({.key = key({"none"})}, {.throw_on_error = true}).ok());
  EXPECT_TRUE(qc.reset_queries({.key = key({"user"})}).ok());
  EXPECT_TRUE(qc.refetch_queries({.key = key({"none"})}, {.throw_on_error = true}).ok());
}

TEST_F(QuerySettledFutureTest, EachHoldersCallbacksRunOnceAtOnceAndAreNotKept) {
  QueryClient qc(rt);
  fill(qc);
  const Future a = qc.invalidate_queries({.key = key({"user", 1})});
  const Future b = qc.invalidate_queries({.key = key({"user", 2})});
  const Future c = qc.reset_queries({.key = key({"user"})});
  int ran_a = 0;
  int ran_b = 0;
  int ran_c = 0;
  a.then([&](const Value& v) {
    EXPECT_TRUE(v.is_null());
    ++ran_a;
  });
  EXPECT_EQ(ran_a, 1) << "a settled future calls back at once";
  b.then([&](const Value&) { ++ran_b; }, [&](const Error&) { ADD_FAILURE() << "no error"; });
  c.on_settled([&](const Outcome& o) {
    EXPECT_TRUE(o.ok);
    ++ran_c;
  });
  EXPECT_EQ(ran_a, 1) << "b's and c's registrations do not call a's callback again";
  EXPECT_EQ(ran_b, 1);
  EXPECT_EQ(ran_c, 1);
  rt.run_until_idle();
  (void)qc.invalidate_queries({.key = key({"user"})});  // another call handing it out again
  rt.run_until_idle();
  EXPECT_EQ(ran_a, 1);
  EXPECT_EQ(ran_b, 1);
  EXPECT_EQ(ran_c, 1);
  a.then([&](const Value&) { ++ran_a; });
  EXPECT_EQ(ran_a, 2);
  EXPECT_EQ(ran_b, 1);
}

TEST_F(QuerySettledFutureTest, ACallbackThatThrowsLeavesItAsItWasForTheOtherHolders) {
  QueryClient qc(rt);
  fill(qc);
  const Future a = qc.invalidate_queries({.key = key({"user", 1})});
  EXPECT_THROW(a.then([](const Value&) { throw std::runtime_error("the holder's own"); }),
               std::runtime_error);
  const Future b = qc.invalidate_queries({.key = key({"user", 2})});
  EXPECT_TRUE(a.ok());
  EXPECT_TRUE(b.ok());
  EXPECT_EQ(b.error(), nullptr);
  int ran = 0;
  b.then([&](const Value&) { ++ran; });
  a.then([&](const Value&) { ++ran; });
  EXPECT_EQ(ran, 2);
}

TEST_F(QuerySettledFutureTest, ARefetchThatStartsIsWaitedForByAFutureOfItsOwn) {
  QueryClient qc(rt);
  fill(qc);
  ManualFetcher mf;
  auto sub = qc.observe({.key = key({"user", 3, "profile"}), .fetcher = mf.fetcher()}, nullptr);
  ASSERT_EQ(mf.pending(), 1u);
  mf.resolve(3);
  rt.run_until_idle();

  const Future waited = qc.invalidate_queries({.key = key({"user", 3})});
  ASSERT_EQ(mf.pending(), 1u) << "the observed entry refetches";
  const Future unwaited = qc.invalidate_queries({.key = key({"user", 1})});
  rt.run_until_idle();
  EXPECT_TRUE(unwaited.ok());
  EXPECT_FALSE(waited.ready()) << "pending until its refetch answers";
  int ran = 0;
  waited.then([&](const Value& v) {
    EXPECT_TRUE(v.is_null());
    ++ran;
  });
  EXPECT_EQ(ran, 0);
  mf.resolve(33);
  rt.run_until_idle();
  EXPECT_TRUE(waited.ok());
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(*qc.get_query_data(key({"user", 3, "profile"})), Value(33));
}

TEST_F(QuerySettledFutureTest, AFailedRefetchsErrorStaysInItsOwnFuture) {
  QueryClient qc(rt);
  fill(qc);
  ManualFetcher mf;
  auto sub = qc.observe({.key = key({"watched"}), .fetcher = mf.fetcher(), .retry = false}, nullptr);
  mf.resolve(1);
  rt.run_until_idle();

  const Future loud = qc.invalidate_queries({.key = key({"watched"})}, {.throw_on_error = true});
  mf.reject(ErrorCode::query_error, "the server said no");
  rt.run_until_idle();
  ASSERT_TRUE(loud.ready());
  ASSERT_NE(loud.error(), nullptr);
  EXPECT_STREQ(loud.error()->what(), "the server said no");

  const Future quiet = qc.invalidate_queries({.key = key({"user", 1})}, {.throw_on_error = true});
  EXPECT_TRUE(quiet.ok());
  EXPECT_EQ(quiet.error(), nullptr);
  int errors = 0;
  quiet.then([](const Value&) {}, [&](const Error&) { ++errors; });
  EXPECT_EQ(errors, 0);
}

TEST_F(QuerySettledFutureTest, ACancelledRefetchSettlesItsOwnFutureAlone) {
  QueryClient qc(rt);
  fill(qc);
  ManualFetcher mf;
  auto sub = qc.observe({.key = key({"watched"}), .fetcher = mf.fetcher()}, nullptr);
  mf.resolve(1);
  rt.run_until_idle();

  const Future refetching = qc.invalidate_queries({.key = key({"watched"})}, {.throw_on_error = true});
  const Future settled = qc.invalidate_queries({.key = key({"user", 1})}, {.throw_on_error = true});
  ASSERT_FALSE(refetching.ready());
  qc.cancel_queries({.key = key({"watched"})});
  rt.run_until_idle();
  EXPECT_TRUE(mf.front().signal.aborted());
  EXPECT_TRUE(refetching.ready()) << "a cancelled refetch is not waited for";
  EXPECT_TRUE(settled.ok());
  EXPECT_EQ(settled.error(), nullptr);
  EXPECT_TRUE(qc.invalidate_queries({.key = key({"user", 2})}, {.throw_on_error = true}).ok());
}

TEST_F(QuerySettledFutureTest, ItOutlivesTheClientThatHandedItOut) {
  Future f;
  {
    QueryClient qc(rt);
    fill(qc);
    f = qc.invalidate_queries({.key = key({"user", 1})});
  }
  rt.run_until_idle();
  EXPECT_TRUE(f.ok());
  int ran = 0;
  f.then([&](const Value&) { ++ran; });
  EXPECT_EQ(ran, 1);
  QueryClient other(rt);
  other.set_query_data(key({"user", 1, "profile"}), 1);
  EXPECT_TRUE(other.invalidate_queries({.key = key({"user", 1})}).ok());
}

}  // namespace
}  // namespace mfstate::testing
