// The detail of the errors the query cache makes itself (a cancellation, a query with no fetcher):
// what the error is, and a "serial" no other failure has, so that a caller (the package) can hand
// out one error object per failure, as query-core's `state.error` is the very object the fetch
// rejected with. A cancel the cache makes itself carries no "revert", as query-core's
// `cancel({silent: true})` (its CancelledError's `revert` is undefined).
#include "query_test_support.hpp"

namespace mfstate::testing {
namespace {

class QueryFailureDetailTest : public QueryTest {};

/// The detail without its serial, and the serial (checked to be a number).
std::pair<Value, double> split(const Value& detail) {
  EXPECT_TRUE(detail.is_object());
  std::vector<Member> rest;
  double serial = -1;
  for (const Member& m : detail.as_object()) {
    if (m.key.view() == "serial") {
      EXPECT_TRUE(m.value.is_number());
      serial = m.value.as_double();
    } else {
      rest.push_back(m);
    }
  }
  EXPECT_GT(serial, 0);
  return {Value::object(std::move(rest)), serial};
}

TEST_F(QueryFailureDetailTest, AnAskedCancelCarriesItsOptionsAndOneSerialForTheRejectionAndTheState) {
  QueryClient qc(rt);
  ManualFetcher f;
  Future first = qc.fetch_query({.key = key({"k"}), .fetcher = f.fetcher()});
  qc.cancel_queries({.key = key({"k"})}, {.revert = false});
  ASSERT_TRUE(first.ready());
  auto [asked, serial] = split(first.error_detail());
  EXPECT_EQ(asked, Value::object({{"revert", false}, {"silent", false}}));
  // The state keeps that very failure.
  EXPECT_EQ(qc.get_query_state(key({"k"}))->error_detail, first.error_detail());

  // A new failure, asked the same way: a new serial.
  Future second = qc.fetch_query({.key = key({"k"}), .fetcher = f.fetcher()});
  qc.cancel_queries({.key = key({"k"})}, {.revert = false});
  ASSERT_TRUE(second.ready());
  EXPECT_NE(split(second.error_detail()).second, serial);
  EXPECT_EQ(qc.get_query_state(key({"k"}))->error_detail, second.error_detail());
}

TEST_F(QueryFailureDetailTest, TheCachesOwnCancelsAreSilentWithNoRevert) {
  QueryClient qc(rt);
  ManualFetcher f;
  Future removed = qc.fetch_query({.key = key({"gone"}), .fetcher = f.fetcher()});
  qc.remove_queries({.key = key({"gone"})});
  Future reset = qc.fetch_query({.key = key({"reset"}), .fetcher = f.fetcher()});
  (void)qc.reset_queries({.key = key({"reset"})});
  for (const Future* cancelled : {&removed, &reset}) {
    ASSERT_TRUE(cancelled->ready());
    EXPECT_EQ(cancelled->error()->code(), ErrorCode::cancelled);
    EXPECT_EQ(split(cancelled->error_detail()).first, Value::object({{"silent", true}}));
  }
  EXPECT_NE(split(removed.error_detail()).second, split(reset.error_detail()).second);
}

TEST_F(QueryFailureDetailTest, AMissingFetcherSaysSoWithOneSerialPerFailure) {
  QueryClient qc(rt);
  Future first = qc.fetch_query({.key = key({"no fetcher"})});
  advance(0);
  ASSERT_TRUE(first.ready());
  EXPECT_EQ(first.error()->code(), ErrorCode::invalid_argument);
  EXPECT_STREQ(first.error()->what(), "Missing queryFn: '[\"no fetcher\"]'");
  auto [what, serial] = split(first.error_detail());
  EXPECT_EQ(what, Value::object({{"missingQueryFn", true}}));
  EXPECT_EQ(qc.get_query_state(key({"no fetcher"}))->error_detail, first.error_detail());

  Future second = qc.fetch_query({.key = key({"no fetcher"})});
  advance(0);
  ASSERT_TRUE(second.ready());
  EXPECT_NE(split(second.error_detail()).second, serial);
}

}  // namespace
}  // namespace mfstate::testing
