// Infinite queries, case by case from query-core's infiniteQueryBehavior.test.tsx,
// infiniteQueryObserver.test.tsx and the infinite cases of queryClient.test.tsx: pages fetched with
// their params, next / previous pages, max_pages, refetch of every page in order, page params,
// cancellation between pages, fetch_infinite_query with `pages`.
#include "query_test_support.hpp"

namespace mfstate::testing {
namespace {

using namespace std::chrono_literals;

struct PageCall {
  Value param;
  FetchDirection direction;
};

class QueryInfiniteTest : public QueryTest {
 protected:
  std::vector<PageCall> calls;
  /// A fetcher answering each page with its param.
  Fetcher echo() {
    return [this](const FetchContext& ctx, Completion done) {
      calls.push_back({ctx.page_param, ctx.direction});
      done.resolve(ctx.page_param);
    };
  }
  static PageParamFunction plus(int d) {
    return [d](const Value& page, const Value&, const Value&, const Value&) {
      return std::optional<Value>(Value(page.as_int() + d));
    };
  }
  static Value data(std::vector<Value> pages, std::vector<Value> params) {
    return Value::object({{"pages", Value::array(std::move(pages))}, {"pageParams", Value::array(std::move(params))}});
  }
};

TEST_F(QueryInfiniteTest, WithoutAFetcherTheObserverEndsInError) {
  QueryClient qc(rt);
  InfiniteQueryObserver o(qc, {.key = key({"k"}), .retry = false, .initial_page_param = Value(1),
                               .get_next_page_param = plus(1)});
  auto sub = o.subscribe(nullptr);
  advance(0);
  EXPECT_TRUE(o.get_current_result().is_error());
  EXPECT_EQ(std::string(o.get_current_result().error->what()), "Missing queryFn: '[\"k\"]'");
}

TEST_F(QueryInfiniteTest, MaxPagesLimitsThePagesKeptInEitherDirection) {
  QueryClient qc(rt);
  InfiniteQueryObserver o(qc, {.key = key({"k"}),
                               .fetcher = echo(),
                               .initial_page_param = Value(1),
                               .get_next_page_param = plus(1),
                               .get_previous_page_param = plus(-1),
                               .max_pages = 2});
  auto sub = o.subscribe(nullptr);
  EXPECT_EQ(o.get_current_result().data, data({1}, {1}));
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].param, Value(1));
  EXPECT_EQ(calls[0].direction, FetchDirection::forward);

  (void)o.fetch_next_page();
  EXPECT_EQ(o.get_current_result().data, data({1, 2}, {1, 2}));
  (void)o.fetch_previous_page();
  EXPECT_EQ(calls.back().param, Value(0));
  EXPECT_EQ(calls.back().direction, FetchDirection::backward);
  EXPECT_EQ(o.get_current_result().data, data({0, 1}, {0, 1}));
  (void)o.fetch_previous_page();
  EXPECT_EQ(o.get_current_result().data, data({-1, 0}, {-1, 0}));
  (void)o.fetch_next_page();
  EXPECT_EQ(calls.back().param, Value(1));
  EXPECT_EQ(o.get_current_result().data, data({0, 1}, {0, 1}));

  calls.clear();
  (void)o.refetch();
  ASSERT_EQ(calls.size(), 2u);  // only the pages kept refetch, from the first param on
  EXPECT_EQ(calls[0].param, Value(0));
  EXPECT_EQ(calls[1].param, Value(1));
  EXPECT_EQ(calls[1].direction, FetchDirection::forward);
}

TEST_F(QueryInfiniteTest, CancellingTheFirstPageLeavesAnErrorAndNoData) {
  QueryClient qc(rt);
  ManualFetcher mf;
  InfiniteQueryObserver o(qc, {.key = key({"k"}),
                               .fetcher = mf.fetcher(),
                               .initial_page_param = Value(1),
                               .get_next_page_param = plus(1)});
  auto sub = o.subscribe(nullptr);
  qc.cancel_queries({.key = key({"k"})}, {.revert = false});
  QueryResult r = o.get_current_result();
  EXPECT_FALSE(r.is_fetching());
  EXPECT_TRUE(r.is_error());
  EXPECT_EQ(r.error->code(), ErrorCode::cancelled);
  EXPECT_FALSE(r.data);
  EXPECT_EQ(mf.pending(), 1u);
}

TEST_F(QueryInfiniteTest, ARefetchCancelledBetweenPagesFetchesNoMorePages) {
  QueryClient qc(rt);
  InfiniteQueryObserver o(qc, {.key = key({"k"}),
                               .fetcher = echo(),
                               .initial_page_param = Value(1),
                               .get_next_page_param = plus(1)});
  auto sub = o.subscribe(nullptr);
  (void)o.fetch_next_page();
  EXPECT_EQ(o.get_current_result().data, data({1, 2}, {1, 2}));
  // The first page of the refetch waits; cancelling then stops the rest.
  ManualFetcher mf;
  o.set_options({.key = key({"k"}), .fetcher = mf.fetcher(), .initial_page_param = Value(1),
                 .get_next_page_param = plus(1)});
  (void)o.refetch();
  EXPECT_TRUE(o.get_current_result().is_fetching());
  qc.cancel_queries({.key = key({"k"})}, {.revert = false});
  mf.resolve(1);
  rt.run_until_idle();
  QueryResult r = o.get_current_result();
  EXPECT_TRUE(r.is_error());
  EXPECT_EQ(r.error->code(), ErrorCode::cancelled);
  EXPECT_EQ(r.data, data({1, 2}, {1, 2}));
  EXPECT_EQ(mf.pending(), 0u);
}

TEST_F(QueryInfiniteTest, AFailingPageRetriesWithoutLoopingFromTheFirstPage) {
  QueryClient qc(rt);
  int errors = 0;
  std::vector<Value> fetched;
  Fetcher fetcher = [&](const FetchContext& ctx, Completion done) {
    fetched.push_back(ctx.page_param);
    const std::int64_t token = ctx.page_param.as_int();
    (void)rt.scheduler().schedule_after(10ms, [&, token, done] {
      if (token == 2 && errors < 3) {
        ++errors;
        done.reject(Error(ErrorCode::http_error, "429"));
        return;
      }
      Value page = token < 3 ? Value::object({{"nextToken", token + 1}}) : Value::object({});
      done.resolve(page);
    });
  };
  InfiniteQueryObserver o(qc, {.key = key({"k"}),
                               .fetcher = fetcher,
                               .stale_time = Millis{0},
                               .retry = 5,
                               .retry_delay = Millis{10},
                               .initial_page_param = Value(1),
                               .get_next_page_param = [](const Value& page, const Value&, const Value&, const Value&) {
                                 const Value* t = page.find("nextToken");
                                 return t ? std::optional<Value>(*t) : std::nullopt;
                               }});
  Future p1 = o.fetch_next_page();
  advance(10);
  EXPECT_EQ(qc.get_query_data(key({"k"}))->get("pageParams"), Value::array({1}));
  Future p2 = o.fetch_next_page();
  advance(70);
  EXPECT_EQ(qc.get_query_data(key({"k"}))->get("pageParams"), Value::array({1, 2}));
  (void)o.fetch_next_page();
  advance(10);
  EXPECT_EQ(qc.get_query_data(key({"k"}))->get("pageParams"), Value::array({1, 2, 3}));
  errors = 0;
  (void)o.fetch_next_page();  // no next page after 3: nothing is fetched
  advance(10);
  EXPECT_EQ(qc.get_query_data(key({"k"}))->get("pageParams"), Value::array({1, 2, 3}));
}

TEST_F(QueryInfiniteTest, ANullInitialPageParamStillFetches) {
  QueryClient qc(rt);
  InfiniteQueryObserver o(qc, {.key = key({"k"}),
                               .fetcher = sync_fetcher([](const Value&) { return Value("data"); }),
                               .initial_page_param = Value(),
                               .get_next_page_param = [](const Value&, const Value&, const Value&, const Value&) {
                                 return std::optional<Value>(Value());
                               }});
  auto sub = o.subscribe(nullptr);
  EXPECT_EQ(o.get_current_result().data, data({"data"}, {Value()}));
  EXPECT_FALSE(o.get_current_result().has_next_page);
}

TEST_F(QueryInfiniteTest, NoNextPageWhenGetNextPageParamSaysNull) {
  QueryClient qc(rt);
  InfiniteQueryObserver o(qc, {.key = key({"k"}),
                               .fetcher = echo(),
                               .initial_page_param = Value(1),
                               .get_next_page_param = [](const Value& page, const Value&, const Value&, const Value&) {
                                 return page.as_int() == 1 ? std::optional<Value>(Value()) : std::optional<Value>(Value(page.as_int() + 1));
                               }});
  auto sub = o.subscribe(nullptr);
  (void)o.fetch_next_page();
  EXPECT_EQ(o.get_current_result().data, data({1}, {1}));
  EXPECT_EQ(calls.size(), 1u);
}

TEST_F(QueryInfiniteTest, SelectAndMetaApplyToInfiniteQueries) {
  QueryClient qc(rt);
  Value seen_meta;
  InfiniteQueryObserver o(qc, {.key = key({"k"}),
                               .fetcher = [&](const FetchContext& ctx, Completion done) {
                                 seen_meta = ctx.meta;
                                 done.resolve(1);
                               },
                               .meta = Value::object({{"it", "works"}}),
                               .select = [](const Value& d) {
                                 std::vector<Value> pages;
                                 for (const Value& p : d.get("pages").as_array()) pages.emplace_back(p.to_json());
                                 return Value::object({{"pages", Value::array(std::move(pages))}, {"pageParams", d.get("pageParams")}});
                               },
                               .initial_page_param = Value(1),
                               .get_next_page_param = plus(1)});
  auto sub = o.subscribe(nullptr);
  EXPECT_EQ(o.get_current_result().data, data({"1"}, {1}));
  EXPECT_EQ(seen_meta, Value::object({{"it", "works"}}));
}

TEST_F(QueryInfiniteTest, PageParamFunctionsSeeTheCurrentParams) {
  QueryClient qc(rt);
  std::vector<std::string> single, all;
  auto params = [](const Value& v) {
    std::string s;
    for (const Value& p : v.as_array()) s += (s.empty() ? "" : ",") + p.to_json();
    return s;
  };
  InfiniteQueryObserver o(
      qc, {.key = key({"k"}),
           .fetcher = DelayedFetcher{&rt, 10ms, [](const FetchContext& ctx) { return Value(ctx.page_param.to_json()); }}
                          .fetcher(),
           .initial_page_param = Value(1),
           .get_next_page_param =
               [&](const Value&, const Value&, const Value& last, const Value& every) {
                 single.push_back("next" + last.to_json());
                 all.push_back("next" + params(every));
                 return std::optional<Value>(Value(last.as_int() + 1));
               },
           .get_previous_page_param =
               [&](const Value&, const Value&, const Value& first, const Value& every) {
                 single.push_back("prev" + first.to_json());
                 all.push_back("prev" + params(every));
                 return std::optional<Value>(Value(first.as_int() - 1));
               }});
  (void)o.fetch_next_page();
  advance(10);
  (void)o.fetch_previous_page();
  advance(10);
  EXPECT_EQ(qc.get_query_data(key({"k"}))->get("pageParams"), Value::array({0, 1}));
  single.clear();
  all.clear();
  (void)o.refetch();
  advance(20);
  // A refetch asks for the next param after each page it fetched again; the result's flags ask
  // for both directions once more (mfstate computes them when the result is read).
  ASSERT_GE(single.size(), 1u);
  EXPECT_EQ(single[0], "next0");
  EXPECT_EQ(all[0], "next0");
  EXPECT_EQ(qc.get_query_data(key({"k"}))->get("pageParams"), Value::array({0, 1}));
}

TEST_F(QueryInfiniteTest, PageParamFunctionsAreNotAskedAboutNoPages) {
  QueryClient qc(rt);
  int asked = 0;
  auto count = [&](const Value&, const Value&, const Value& p, const Value&) {
    ++asked;
    return std::optional<Value>(p);
  };
  InfiniteQueryObserver o(qc, {.key = key({"k"}), .fetcher = echo(), .initial_page_param = Value(1),
                               .get_next_page_param = count, .get_previous_page_param = count});
  auto sub = o.subscribe(nullptr);
  asked = 0;
  qc.set_query_data(key({"k"}), data({}, {}));
  (void)o.get_current_result();
  EXPECT_EQ(asked, 0);
  EXPECT_FALSE(o.get_current_result().has_next_page);
}

TEST_F(QueryInfiniteTest, ARefetchStopsWhereGetNextPageParamNowSaysNone) {
  QueryClient qc(rt);
  std::optional<Value> next = Value(2);
  DelayedFetcher df{&rt, 10ms, [](const FetchContext& ctx) { return Value(ctx.page_param.to_json()); }};
  InfiniteQueryObserver o(qc, {.key = key({"k"}),
                               .fetcher = df.fetcher(),
                               .initial_page_param = Value(1),
                               .get_next_page_param = [&](const Value&, const Value&, const Value&, const Value&) {
                                 return next;
                               }});
  (void)o.fetch_next_page();
  advance(10);
  (void)o.fetch_next_page();
  advance(10);
  EXPECT_EQ(o.get_current_result().data->get("pages"), Value::array({"1", "2"}));
  EXPECT_EQ(*df.count, 2);
  EXPECT_TRUE(o.get_current_result().has_next_page);
  next = std::nullopt;
  (void)o.refetch();
  advance(10);
  EXPECT_EQ(o.get_current_result().data->get("pages"), Value::array({"1"}));
  EXPECT_EQ(*df.count, 3);
  EXPECT_FALSE(o.get_current_result().has_next_page);
}

TEST_F(QueryInfiniteTest, TheResultTellsWhichDirectionIsFetchingOrFailed) {
  QueryClient qc(rt);
  ManualFetcher mf;
  InfiniteQueryObserver o(qc, {.key = key({"k"}),
                               .fetcher = mf.fetcher(),
                               .retry = false,
                               .initial_page_param = Value(1),
                               .get_next_page_param = plus(1),
                               .get_previous_page_param = plus(-1)});
  QueryResult r = o.get_current_result();
  EXPECT_FALSE(r.has_next_page);
  EXPECT_FALSE(r.has_previous_page);
  EXPECT_FALSE(r.is_fetching_next_page);
  auto sub = o.subscribe(nullptr);
  mf.resolve(1);
  rt.run_until_idle();
  r = o.get_current_result();
  EXPECT_TRUE(r.has_next_page);
  EXPECT_TRUE(r.has_previous_page);
  (void)o.fetch_next_page();
  r = o.get_current_result();
  EXPECT_TRUE(r.is_fetching_next_page);
  EXPECT_FALSE(r.is_refetching());
  mf.reject();
  rt.run_until_idle();
  r = o.get_current_result();
  EXPECT_TRUE(r.is_fetch_next_page_error);
  EXPECT_FALSE(r.is_refetch_error());
  (void)o.fetch_previous_page();
  EXPECT_TRUE(o.get_current_result().is_fetching_previous_page);
}

TEST_F(QueryInfiniteTest, FetchInfiniteQueryFetchesThePagesAskedAndStopsEarlyWithoutANextParam) {
  QueryClient qc(rt);
  Future one = qc.fetch_infinite_query({.key = key({"one"}), .fetcher = echo(), .initial_page_param = Value(10)});
  EXPECT_EQ(one.value(), data({10}, {10}));
  EXPECT_EQ(qc.get_query_data(key({"one"})), data({10}, {10}));

  Future three = qc.fetch_infinite_query({.key = key({"three"}),
                                          .fetcher = echo(),
                                          .initial_page_param = Value(10),
                                          .get_next_page_param = plus(5),
                                          .pages = 3});
  EXPECT_EQ(three.value(), data({10, 15, 20}, {10, 15, 20}));

  int asked = 0;
  Future early = qc.fetch_infinite_query({.key = key({"early"}),
                                          .fetcher = echo(),
                                          .initial_page_param = Value(10),
                                          .get_next_page_param = [&](const Value& p, const Value&, const Value&,
                                                                     const Value&) {
                                            ++asked;
                                            return p.as_int() >= 20 ? std::nullopt : std::optional<Value>(Value(p.as_int() + 5));
                                          },
                                          .pages = 5});
  EXPECT_EQ(early.value(), data({10, 15, 20}, {10, 15, 20}));
  EXPECT_EQ(asked, 3);
}

TEST_F(QueryInfiniteTest, EnsureInfiniteQueryDataReturnsTheCacheOrFetchesAndRevalidates) {
  QueryClient qc(rt);
  qc.set_query_data(key({"k", "id"}), data({"bar"}, {0}));
  Future cached = qc.ensure_infinite_query_data({.key = key({"k", "id"}), .fetcher = echo(), .initial_page_param = Value(1)});
  EXPECT_EQ(cached.value(), data({"bar"}, {0}));
  Future fetched = qc.ensure_infinite_query_data({.key = key({"new"}), .fetcher = sync_fetcher([](const Value&) {
                                                    return Value("data");
                                                  }),
                                                  .initial_page_param = Value(1)});
  EXPECT_EQ(fetched.value(), data({"data"}, {1}));
  Future stale = qc.ensure_infinite_query_data(
      {.key = key({"k", "id"}), .fetcher = sync_fetcher([](const Value&) { return Value("new"); }), .initial_page_param = Value(1)},
      true);
  EXPECT_EQ(stale.value(), data({"bar"}, {0}));
  EXPECT_EQ(qc.get_query_data(key({"k", "id"})), data({"new"}, {0}));  // refetched from its first param
}

TEST_F(QueryInfiniteTest, StaticInfiniteDataIsServedEvenWhenInvalidated) {
  QueryClient qc(rt);
  Future first = qc.fetch_infinite_query(
      {.key = key({"k"}), .fetcher = echo(), .stale_time = static_stale_time, .initial_page_param = Value(0)});
  (void)qc.invalidate_queries({.key = key({"k"})}, {.refetch_type = RefetchType::none});
  Future second = qc.fetch_infinite_query(
      {.key = key({"k"}), .fetcher = echo(), .stale_time = static_stale_time, .initial_page_param = Value(0)});
  EXPECT_EQ(calls.size(), 1u);
  EXPECT_TRUE(second.value().same_node(first.value()));
}

}  // namespace
}  // namespace mfstate::testing
