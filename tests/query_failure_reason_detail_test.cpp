// The failure reason's detail: what the fetcher (or mutation function) gave Completion::reject
// beside a failed attempt's error travels with the failure reason, as error_detail travels with the
// error, through the query's state, an observer's result, a mutation's state and the retry
// functions. A binding finds what its function threw by it (the package's {jsError: id}); without
// it the package matched failure reasons by message, so another app throwing the same message
// could be handed to this one's observers.
#include "query_test_support.hpp"

namespace mfstate::testing {
namespace {

class QueryFailureReasonDetailTest : public QueryTest {};

/// Rejects the oldest pending call of `calls` with the same error each time and `detail`.
template <typename Calls>
void reject_front(Calls& calls, const Value& detail) {
  auto call = std::move(calls.front());
  calls.pop_front();
  call.done.reject(Error(ErrorCode::query_error, "down"), detail);
}

TEST_F(QueryFailureReasonDetailTest, EachFailedAttemptsDetailIsTheQuerysAndTheObserversFailureReasonUntilSuccess) {
  QueryClient qc(rt);
  ManualFetcher f;
  QueryObserver o(qc, {.key = key({"k"}), .fetcher = f.fetcher(), .retry = 2, .retry_delay = Millis{10}});
  std::vector<Value> told;
  Subscription s = o.subscribe([&](const QueryResult& r) { told.push_back(r.failure_reason_detail); });
  rt.run_until_idle();
  ASSERT_EQ(f.pending(), 1u);

  reject_front(*f.calls, Value("first"));
  rt.run_until_idle();
  auto st = qc.get_query_state(key({"k"}));
  EXPECT_EQ(st->failure_count, 1);
  EXPECT_EQ(st->failure_reason_detail, Value("first"));
  EXPECT_EQ(o.get_current_result().failure_reason_detail, Value("first"));
  EXPECT_EQ(told.back(), Value("first"));

  advance(10);
  ASSERT_EQ(f.pending(), 1u);
  reject_front(*f.calls, Value("second"));
  rt.run_until_idle();
  EXPECT_EQ(qc.get_query_state(key({"k"}))->failure_count, 2);
  EXPECT_EQ(qc.get_query_state(key({"k"}))->failure_reason_detail, Value("second"));
  EXPECT_EQ(o.get_current_result().failure_reason_detail, Value("second"));

  advance(10);
  ASSERT_EQ(f.pending(), 1u);
  f.resolve(Value(1));
  rt.run_until_idle();
  st = qc.get_query_state(key({"k"}));
  EXPECT_EQ(st->failure_count, 0);
  EXPECT_FALSE(st->failure_reason);
  EXPECT_TRUE(st->failure_reason_detail.is_null());
  EXPECT_TRUE(o.get_current_result().failure_reason_detail.is_null());
  EXPECT_TRUE(told.back().is_null());
}

TEST_F(QueryFailureReasonDetailTest, TheLastFailuresDetailIsBothTheErrorsAndTheFailureReasonsAndANewFetchClearsIt) {
  QueryClient qc(rt);
  ManualFetcher f;
  Future first = qc.fetch_query({.key = key({"k"}), .fetcher = f.fetcher(), .retry = 0});
  reject_front(*f.calls, Value("last"));
  rt.run_until_idle();
  ASSERT_TRUE(first.ready());
  auto st = qc.get_query_state(key({"k"}));
  EXPECT_EQ(st->error_detail, Value("last"));
  EXPECT_EQ(st->failure_reason_detail, Value("last"));

  (void)qc.fetch_query({.key = key({"k"}), .fetcher = f.fetcher(), .retry = 0});
  st = qc.get_query_state(key({"k"}));
  EXPECT_EQ(st->failure_count, 0);
  EXPECT_TRUE(st->failure_reason_detail.is_null());
}

TEST_F(QueryFailureReasonDetailTest, RetryFunctionsAreToldTheFailuresDetail) {
  QueryClient qc(rt);
  ManualFetcher f;
  std::vector<Value> asked_retry, asked_delay;
  Future fetched = qc.fetch_query({.key = key({"k"}),
                                   .fetcher = f.fetcher(),
                                   .retry = [&](int, const Error&, const Value& detail) {
                                     asked_retry.push_back(detail);
                                     return asked_retry.size() < 2;
                                   },
                                   .retry_delay = [&](int, const Error&, const Value& detail) {
                                     asked_delay.push_back(detail);
                                     return Millis{10};
                                   }});
  reject_front(*f.calls, Value(1));
  rt.run_until_idle();
  advance(10);
  reject_front(*f.calls, Value(2));
  rt.run_until_idle();
  ASSERT_TRUE(fetched.ready());
  EXPECT_EQ(asked_retry, (std::vector<Value>{Value(1), Value(2)}));
  EXPECT_EQ(asked_delay, (std::vector<Value>{Value(1)}));
}

TEST_F(QueryFailureReasonDetailTest, AMutationsFailureReasonCarriesEachAttemptsDetailUntilItSucceeds) {
  QueryClient qc(rt);
  struct Call {
    Completion done;
  };
  std::deque<Call> calls;
  MutationObserver o(qc, {.fn = [&](const Value&, const AbortSignal&, Completion done) { calls.push_back({std::move(done)}); },
                          .retry = 2,
                          .retry_delay = Millis{10}});
  std::vector<Value> told;
  Subscription s = o.subscribe([&](const MutationState& st) { told.push_back(st.failure_reason_detail); });
  Future f = o.mutate(Value());
  rt.run_until_idle();
  ASSERT_EQ(calls.size(), 1u);

  reject_front(calls, Value("first"));
  rt.run_until_idle();
  EXPECT_EQ(o.get_current_result().failure_count, 1);
  EXPECT_EQ(o.get_current_result().failure_reason_detail, Value("first"));
  EXPECT_EQ(told.back(), Value("first"));

  advance(10);
  ASSERT_EQ(calls.size(), 1u);
  reject_front(calls, Value("second"));
  rt.run_until_idle();
  EXPECT_EQ(o.get_current_result().failure_reason_detail, Value("second"));

  advance(10);
  ASSERT_EQ(calls.size(), 1u);
  calls.front().done.resolve(Value(1));
  calls.pop_front();
  rt.run_until_idle();
  ASSERT_TRUE(f.ready());
  EXPECT_EQ(o.get_current_result().failure_count, 0);
  EXPECT_TRUE(o.get_current_result().failure_reason_detail.is_null());
  EXPECT_TRUE(told.back().is_null());
}

TEST_F(QueryFailureReasonDetailTest, AMutationsLastFailureKeepsItsDetailAsItsFailureReasons) {
  QueryClient qc(rt);
  MutationObserver o(qc, {.fn = [](const Value&, const AbortSignal&, Completion done) {
                           done.reject(Error(ErrorCode::query_error, "down"), Value("only"));
                         }});
  Future f = o.mutate(Value());
  rt.run_until_idle();
  ASSERT_TRUE(f.ready());
  EXPECT_EQ(f.error_detail(), Value("only"));
  EXPECT_EQ(o.get_current_result().failure_reason_detail, Value("only"));
}

}  // namespace
}  // namespace mfstate::testing
