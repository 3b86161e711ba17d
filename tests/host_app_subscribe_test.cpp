// App::subscribe of a lambda (kept as it is, see Store::subscribe) and of a std::function: both
// reach the app's store, both end at unmount; an empty listener is refused after the handle's and
// the store's own errors, in that order.
#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "host_test_support.hpp"

using namespace host_test;

TEST(HostAppSubscribe, ALambdaAndAStdFunctionBothHearTheStoreAndEndAtUnmount) {
  Host host;
  App a = host.mount("home");
  a.create_store(user_state(), app_reducer);
  std::vector<std::int64_t> lambda_saw;
  std::vector<std::int64_t> function_saw;
  auto l = a.subscribe([&](const Value& s) { lambda_saw.push_back(s.get("count").as_int()); });
  std::function<void(const Value&)> fn = [&](const Value& s) {
    function_saw.push_back(s.get("count").as_int());
  };
  auto f = a.subscribe(fn);
  a.dispatch(act("INC"));
  EXPECT_EQ(lambda_saw, (std::vector<std::int64_t>{1}));
  EXPECT_EQ(function_saw, (std::vector<std::int64_t>{1}));
  a.unmount();
  EXPECT_FALSE(l.active());
  EXPECT_FALSE(f.active());
}

TEST(HostAppSubscribe, AnEmptyListenerIsRefusedAfterTheHandlesAndTheStoresErrors) {
  Host host;
  App a = host.mount("home");
  const std::function<void(const Value&)> empty;
  EXPECT_EQ(code_of([&] { (void)a.subscribe(empty); }), ErrorCode::no_store);
  EXPECT_EQ(code_of([&] { (void)a.subscribe([](const Value&) {}); }), ErrorCode::no_store);
  a.create_store(user_state(), app_reducer);
  EXPECT_EQ(code_of([&] { (void)a.subscribe(empty); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { (void)a.subscribe(nullptr); }), ErrorCode::invalid_argument);
  a.unmount();
  EXPECT_EQ(code_of([&] { (void)a.subscribe(empty); }), ErrorCode::app_unmounted);
  EXPECT_EQ(code_of([&] { (void)a.subscribe([](const Value&) {}); }), ErrorCode::app_unmounted);
}
