// An error the sink receives for a callback that threw nests what it threw (std::rethrow_if_nested
// finds it): the web build hands the shell that very JavaScript value by it, never by a message
// another app's callback could have thrown too. An error with nothing thrown behind it nests
// nothing.
#include <gtest/gtest.h>

#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "host_test_support.hpp"

using namespace mfstate;
using namespace host_test;

namespace {

// What a callback throws: not an mfstate::Error, as a JavaScript callback's JsError is not.
struct Thrown : std::exception {
  explicit Thrown(int t) : tag(t) {}
  const char* what() const noexcept override { return "the same words"; }
  int tag;
};

constexpr int nothing_nested = -1;

// The tag of the Thrown `e` nests (-1: none; -2: something else).
int nested_tag(const Error& e) {
  try {
    std::rethrow_if_nested(e);
  } catch (const Thrown& t) {
    return t.tag;
  } catch (...) {
    return -2;
  }
  return nothing_nested;
}

// Read in the handler: a copy of the Error kept for later would not keep its dynamic type.
struct Told {
  std::vector<std::pair<std::string, int>> list;  // message, nested tag
  ErrorHandler handler() {
    return [this](const Error& e) { list.emplace_back(e.what(), nested_tag(e)); };
  }
  int tag_of(const std::string& start) const {
    for (const auto& [message, tag] : list) {
      if (message.starts_with(start)) return tag;
    }
    return -3;
  }
};

struct Fixture {
  Told told;
  ManualClock clock;
  Host host{clock, HostOptions{.validation = ValidationMode::always, .on_error = told.handler()}};
  App a = host.mount("a");
  App b = host.mount("b");
};

}  // namespace

TEST(HostErrorSink, BusListenersFailuresNestEachItsOwnThrownValue) {
  Fixture f;
  auto sa = f.a.on("t", [](std::string_view, const Value&) { throw Thrown(1); });
  auto sb = f.b.on("t", [](std::string_view, const Value&) { throw Thrown(2); });
  f.host.platform().emit("t", 1);
  ASSERT_EQ(f.told.list.size(), 2u);
  EXPECT_EQ(f.told.tag_of("a subscriber of topic \"t\" in app \"a\""), 1);
  EXPECT_EQ(f.told.tag_of("a subscriber of topic \"t\" in app \"b\""), 2);
}

TEST(HostErrorSink, StoreSubscribersWatchersAndTimersNestTheirThrownValue) {
  Fixture f;
  f.a.create_store(user_state(), app_reducer);
  auto sub = f.a.subscribe([](const Value&) { throw Thrown(3); });
  f.a.expose("count", [](const Value& s) { return s.get("count"); });
  auto w = f.b.watch("a", "count", [](const ExportEvent& e) {
    if (e.value.as_int() > 0) throw Thrown(4);
  });
  f.a.dispatch(act("INC"));
  auto timer = f.b.schedule_after(Millis{1}, [] { throw Thrown(5); });
  f.host.advance(Millis{1});
  ASSERT_EQ(f.told.list.size(), 3u);
  EXPECT_EQ(f.told.tag_of("a subscriber of app \"a\""), 3);
  EXPECT_EQ(f.told.tag_of("a watcher of export a/count in app \"b\""), 4);
  EXPECT_EQ(f.told.tag_of("a timer of app \"b\""), 5);
}

// The selector's failure is told where the export is next synced with its watchers: what it threw
// is kept with the memo until then. A value breaking the export's schema nests nothing.
TEST(HostErrorSink, AnExportSelectorsFailureNestsWhatItThrewAndASchemaBreakNothing) {
  Fixture f;
  f.a.create_store(user_state(), app_reducer);
  f.a.expose(
      "count",
      [](const Value& s) {
        if (s.get("count").as_int() == 1) throw Thrown(6);
        return s.get("count").as_int() == 2 ? Value("not a number") : s.get("count");
      },
      Schema::parse_json(R"({"type": "integer"})"));
  auto w = f.b.watch("a", "count", [](const ExportEvent&) {});
  f.a.dispatch(act("INC"));
  ASSERT_EQ(f.told.list.size(), 1u);
  EXPECT_EQ(f.told.tag_of("the selector of export a/count threw"), 6);
  f.a.dispatch(act("INC"));
  ASSERT_EQ(f.told.list.size(), 2u);
  EXPECT_EQ(f.told.list[1].second, nothing_nested) << f.told.list[1].first;
}

TEST(HostErrorSink, ACallbackOfTheQueryClientNestsWhatItThrew) {
  ManualClock clock{Millis{1'000'000}};
  Runtime rt{clock};
  Told told;
  QueryClient qc(rt, QueryClientOptions{.on_error = told.handler()});
  (void)qc.mutate({.fn = [](const Value&, const AbortSignal&, Completion done) {
                     (void)done.reject(Error(ErrorCode::query_error, "no"));
                   },
                   .on_error = [](const Error&, const Value&, const Value&) { throw Thrown(7); }},
                  Value());
  ASSERT_EQ(told.list.size(), 1u);
  EXPECT_EQ(told.list[0].second, 7);
}

// A host's client has no handler of its own unless the shell gives one: an app's mutation callback
// that throws is the host's error, told to its sink (it went to stderr, out of the shell's sight).
TEST(HostErrorSink, AnAppsThrowingQueryCallbackIsToldToTheHostsSink) {
  Fixture f;
  (void)f.a.queries().mutate({.fn = [](const Value&, const AbortSignal&, Completion done) {
                                (void)done.reject(Error(ErrorCode::query_error, "no"));
                              },
                              .on_error = [](const Error&, const Value&, const Value&) { throw Thrown(8); }},
                             Value());
  f.host.run_until_idle();
  ASSERT_EQ(f.told.list.size(), 1u);
  EXPECT_EQ(f.told.list[0].second, 8);
}

// A handler the shell gives the client keeps its errors.
TEST(HostErrorSink, AClientHandlerTheShellGaveKeepsTheQueryCallbacksErrors) {
  Told sink;
  Told client;
  ManualClock clock;
  Host host{clock, HostOptions{.on_error = sink.handler(), .queries = {.on_error = client.handler()}}};
  App a = host.mount("a");
  (void)a.queries().mutate({.fn = [](const Value&, const AbortSignal&, Completion done) {
                              (void)done.reject(Error(ErrorCode::query_error, "no"));
                            },
                            .on_error = [](const Error&, const Value&, const Value&) { throw Thrown(9); }},
                           Value());
  host.run_until_idle();
  EXPECT_TRUE(sink.list.empty());
  ASSERT_EQ(client.list.size(), 1u);
  EXPECT_EQ(client.list[0].second, 9);
}
