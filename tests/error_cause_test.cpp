// Error::cause: what a callback threw, behind the Error that reports it. The WebAssembly module is
// built without RTTI, so its bridge finds a JavaScript error this way (std::rethrow_if_nested
// needs dynamic_cast); these pin that every nesting error names its cause, including a reducer's.
#include <gtest/gtest.h>

#include <exception>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "host_test_support.hpp"

using namespace mfstate;
using namespace host_test;

namespace {

// What a callback throws: not an mfstate::Error, as a JavaScript callback's JsError is not.
struct Thrown : std::exception {
  explicit Thrown(int t) : tag(t) {}
  const char* what() const noexcept override { return "thrown"; }
  int tag;
};

constexpr int no_cause = -1;
constexpr int another_cause = -2;

// The tag of the Thrown behind `e`, following causes that are Errors themselves.
int cause_tag(const Error& e) {
  const std::exception_ptr cause = e.cause();
  if (!cause) return no_cause;
  try {
    std::rethrow_exception(cause);
  } catch (const Thrown& t) {
    return t.tag;
  } catch (const Error& inner) {
    return cause_tag(inner);
  } catch (...) {
  }
  return another_cause;
}

Value throwing_reducer(Value s, const Action& a) {
  if (a.type == "THROW") throw Thrown(a.payload.as_int());
  return s;
}

}  // namespace

TEST(ErrorCause, APlainErrorHasNone) {
  EXPECT_EQ(cause_tag(Error(ErrorCode::invalid_argument, "no")), no_cause);
}

TEST(ErrorCause, AReducersFailureNamesWhatTheReducerThrew) {
  Store store(Value::object({}), throwing_reducer);
  try {
    store.dispatch(act("THROW", 7));
    FAIL() << "dispatch should throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::reducer_error);
    EXPECT_EQ(cause_tag(e), 7);
  }
}

// A middleware's failure passes through the store's own wrapping as a reducer_error: the cause
// is still what was thrown, not the wrapping.
TEST(ErrorCause, AMiddlewaresFailureNamesWhatTheMiddlewareThrew) {
  Store store(Value::object({}), throwing_reducer,
              StoreOptions{.middleware = {[](const StoreRef&, Action, const Next&) { throw Thrown(8); }}});
  try {
    store.dispatch(act("ANY"));
    FAIL() << "dispatch should throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::reducer_error);
    EXPECT_EQ(cause_tag(e), 8);
  }
}

TEST(ErrorCause, AListenersFailureToldToTheSinkNamesWhatTheListenerThrew) {
  std::vector<int> tags;
  ManualClock clock;
  Host host{clock, HostOptions{.on_error = [&](const Error& e) { tags.push_back(cause_tag(e)); }}};
  App a = host.mount("a");
  auto sub = a.on("t", [](std::string_view, const Value&) { throw Thrown(9); });
  host.platform().emit("t", 1);
  EXPECT_EQ(tags, std::vector<int>{9});
}

// What a handler keeps must be read from the Error it was given: a copy is the base class only.
TEST(ErrorCause, ACopyOfTheErrorKeepsNoCause) {
  Store store(Value::object({}), throwing_reducer);
  try {
    store.dispatch(act("THROW", 1));
    FAIL() << "dispatch should throw";
  } catch (const Error& e) {
    const Error copy = e;
    EXPECT_EQ(cause_tag(copy), no_cause);
  }
}
