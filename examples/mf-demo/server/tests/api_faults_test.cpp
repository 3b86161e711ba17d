// Fault injection: failing writes, holding writes until released, delays; and stopping the
// server while a write is held. Every wait here is on an event (a held write, an answer), bounded.
#include <future>

#include "gtest/gtest.h"
#include "mfstate/value.hpp"
#include "test_support.hpp"

using namespace mfdemo;
using mfstate::parse_json;
using mfstate::Value;

namespace {

class ApiFaults : public test_support::ServerTest {
 protected:
  Value put_faults(const std::string& body) {
    auto r = http.Put("/__control/faults", body, "application/json");
    EXPECT_TRUE(r);
    return r ? parse_json(r->body) : Value();
  }
  /// A rename on a client of its own, on another thread (it may be held).
  std::future<httplib::Result> rename_async(const std::string& name) {
    return std::async(std::launch::async, [this, name] {
      auto c = running.client();
      return c.Patch("/api/users/me", R"({"name": ")" + name + R"("})", "application/json");
    });
  }
};

TEST_F(ApiFaults, AFailedWriteAnswersTheInjectedStatusAndChangesNothing) {
  Value f = put_faults(R"({"failWrites": 1, "failStatus": 503})");
  EXPECT_EQ(f.get("failWrites").as_int(), 1);
  auto r = http.Patch("/api/users/me", R"({"name": "Jane Roe"})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(parse_json(r->body).get("error").get("code").as_string(), "injected_failure");
  EXPECT_EQ(db.me().name, "John Doe");
  // The failure was used up: the next write goes through.
  auto again = http.Patch("/api/users/me", R"({"name": "Jane Roe"})", "application/json");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
  EXPECT_EQ(db.me().name, "Jane Roe");
}

TEST_F(ApiFaults, ReadsKeepWorkingWhileWritesFail) {
  put_faults(R"({"failWrites": 5})");
  auto r = http.Get("/api/users/me");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(ApiFaults, ARefusedBodyDoesNotUseUpAFailure) {
  put_faults(R"({"failWrites": 1})");
  http.Patch("/api/users/me", R"({"name": 7})", "application/json");
  EXPECT_EQ(running.server.faults().get().fail_writes, 1);
}

TEST_F(ApiFaults, AHeldWriteWaitsForReleaseWhileReadsAreServed) {
  put_faults(R"({"holdWrites": true})");
  auto pending = rename_async("Jane Roe");
  auto held = http.Get("/__control/held?atLeast=1&timeoutMs=10000");
  ASSERT_TRUE(held);
  ASSERT_EQ(parse_json(held->body).get("held").as_int(), 1);
  // Held: nothing written yet, and a read is answered meanwhile.
  auto read = http.Get("/api/users/me");
  ASSERT_TRUE(read);
  EXPECT_EQ(parse_json(read->body).get("name").as_string(), "John Doe");
  EXPECT_EQ(pending.wait_for(std::chrono::seconds(0)), std::future_status::timeout);

  auto released = http.Post("/__control/release", "", "application/json");
  ASSERT_TRUE(released);
  EXPECT_EQ(parse_json(released->body).get("released").as_int(), 1);
  ASSERT_EQ(pending.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  auto r = pending.get();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(db.me().name, "Jane Roe");
}

TEST_F(ApiFaults, AHeldWriteThatIsToldToFailFailsOnRelease) {
  put_faults(R"({"holdWrites": true, "failWrites": 1})");
  auto pending = rename_async("Jane Roe");
  ASSERT_EQ(running.server.faults().wait_held(1, std::chrono::seconds(10)), 1);
  running.server.faults().release();
  ASSERT_EQ(pending.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  auto r = pending.get();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(db.me().name, "John Doe");
}

TEST_F(ApiFaults, WaitingForHeldWritesIsBoundedByItsTimeout) {
  auto r = http.Get("/__control/held?atLeast=1&timeoutMs=10");
  ASSERT_TRUE(r);
  EXPECT_EQ(parse_json(r->body).get("held").as_int(), 0);
}

TEST_F(ApiFaults, TheDelayComesBeforeTheAnswer) {
  put_faults(R"({"delayMs": 150})");
  const auto start = std::chrono::steady_clock::now();
  auto r = http.Get("/api/users/me");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(150));
}

TEST_F(ApiFaults, BadSettingsAreRefusedAndKeepTheOldOnes) {
  for (const char* body :
       {R"({"delayMs": -1})", R"({"failStatus": 200})", R"({"hold": true})", R"({"failWrites": "2"})"}) {
    SCOPED_TRACE(body);
    auto r = http.Put("/__control/faults", body, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
  }
  FaultSettings now = running.server.faults().get();
  EXPECT_EQ(now.delay_ms, 0);
  EXPECT_EQ(now.fail_status, 500);
  EXPECT_FALSE(now.hold_writes);
}

TEST_F(ApiFaults, ResetTurnsTheFaultsOff) {
  put_faults(R"({"failWrites": 3, "delayMs": 5, "holdWrites": true})");
  http.Post("/__control/reset", "", "application/json");
  FaultSettings now = running.server.faults().get();
  EXPECT_EQ(now.fail_writes, 0);
  EXPECT_EQ(now.delay_ms, 0);
  EXPECT_FALSE(now.hold_writes);
}

TEST(ApiServerStop, StoppingReleasesAHeldWriteAndReturnsPromptly) {
  test_support::TempDir dir;
  UserDb db(dir.file("users.sqlite"));
  std::future<httplib::Result> pending;
  {
    // Held for up to 10 minutes unless stop() wakes it: a hang would show as a test timeout.
    test_support::RunningServer running(
        db, {.faults = {.hold_writes = true}, .hold_timeout = std::chrono::minutes(10)});
    pending = std::async(std::launch::async, [&running] {
      auto c = running.client();
      return c.Patch("/api/users/me", R"({"name": "Jane Roe"})", "application/json");
    });
    ASSERT_EQ(running.server.faults().wait_held(1, std::chrono::seconds(10)), 1);
  }  // ~RunningServer: stop() and join
  ASSERT_EQ(pending.wait_for(std::chrono::seconds(20)), std::future_status::ready);
}

TEST(ApiServerStop, StopBeforeListenMakesListenReturnAtOnce) {
  test_support::TempDir dir;
  UserDb db(dir.file("users.sqlite"));
  ApiServer server(db);
  server.bind("127.0.0.1", 0);
  server.stop();
  server.listen();  // returns: nothing to assert beyond not hanging
  SUCCEED();
}

}  // namespace
