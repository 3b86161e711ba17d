// A retry or retry_delay function that throws. It runs where a failed attempt's outcome is
// delivered (the runtime draining its inbox), where no caller can receive what it throws: escaping,
// the exception left the attempt answered and nothing settled, the fetch fetching for good and its
// future never ready (found by the package's audit: query-core's retryer does the same, an unhandled
// rejection). A throwing retry is no retry, a throwing retry_delay the default delay; the client's
// error sink hears the throw.
#include "query_test_support.hpp"

#include <stdexcept>

namespace mfstate::testing {
namespace {

class QueryRetryFunctionThrowsTest : public QueryTest {
 protected:
  std::vector<std::string> reported;
  QueryClient qc{rt, {.on_error = [this](const Error& e) { reported.emplace_back(e.what()); }}};
  ManualFetcher f;

  void fail_front() {
    auto call = std::move(f.calls->front());
    f.calls->pop_front();
    call.done.reject(Error(ErrorCode::query_error, "down"));
  }
};

TEST_F(QueryRetryFunctionThrowsTest, AThrowingRetryIsNoRetryTheFetchFailsWithItsErrorAndTheThrowIsReported) {
  Future fut = qc.fetch_query({.key = key({"k"}), .fetcher = f.fetcher(), .retry = [](int, const Error&) -> bool {
                                 throw std::runtime_error("retry is broken");
                               }});
  rt.run_until_idle();
  ASSERT_EQ(f.pending(), 1u);
  fail_front();
  EXPECT_NO_THROW(rt.run_until_idle());
  ASSERT_TRUE(fut.ready());
  ASSERT_NE(fut.error(), nullptr);
  EXPECT_STREQ(fut.error()->what(), "down");
  auto st = qc.get_query_state(key({"k"}));
  EXPECT_EQ(st->status, QueryStatus::error);
  EXPECT_EQ(st->fetch_status, FetchStatus::idle);
  EXPECT_EQ(*f.count, 1);
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_NE(reported[0].find("retry is broken"), std::string::npos);
}

TEST_F(QueryRetryFunctionThrowsTest, AThrowingRetryDelayIsTheDefaultDelay) {
  Future fut = qc.fetch_query({.key = key({"k"}), .fetcher = f.fetcher(), .retry = 1, .retry_delay = [](int, const Error&) -> Millis {
                                 throw std::runtime_error("delay is broken");
                               }});
  rt.run_until_idle();
  fail_front();
  EXPECT_NO_THROW(rt.run_until_idle());
  EXPECT_EQ(qc.get_query_state(key({"k"}))->failure_count, 1);
  advance(999);
  EXPECT_EQ(f.pending(), 0u) << "not before the default delay (1 s after the first failure)";
  advance(1);
  ASSERT_EQ(f.pending(), 1u);
  fail_front();
  rt.run_until_idle();
  ASSERT_TRUE(fut.ready());
  EXPECT_EQ(*f.count, 2);
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_NE(reported[0].find("delay is broken"), std::string::npos);
}

}  // namespace
}  // namespace mfstate::testing
