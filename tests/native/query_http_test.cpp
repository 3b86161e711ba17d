// The HTTP fetcher against a real cpp-httplib server on 127.0.0.1 (ephemeral port).
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "mfstate/http_fetcher.hpp"
#include "mfstate/key.hpp"
#include "mfstate/query.hpp"
#include "gtest/gtest.h"

using namespace mfstate;

namespace {

class TestServer {
 public:
  TestServer() {
    server_.Get("/api/users/me", [this](const httplib::Request& req, httplib::Response& res) {
      ++user_requests;
      {
        // Bounded: a test that fails before release_users() must not hang the server's stop.
        std::unique_lock<std::mutex> lock(gate_mutex_);
        gate_.wait_for(lock, std::chrono::seconds(20), [this] { return !users_held_; });
      }
      last_query = req.params.empty() ? "" : req.params.begin()->first + "=" + req.params.begin()->second;
      res.set_content(R"({"name":"John Doe","userId":"S6nRz7bZ8Cv1dfTm"})", "application/json");
    });
    server_.Get("/api/missing", [](const httplib::Request&, httplib::Response& res) {
      res.status = 404;
      res.set_content("no such thing", "text/plain");
    });
    server_.Get("/api/text", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("hello", "text/plain");
    });
    port = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // cpp-httplib 0.11's stop() before listen has started is lost (listen then blocks forever in
    // accept): wait until it runs. No wait_until_ready() in 0.11.
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~TestServer() {
    server_.stop();
    thread_.join();
  }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port); }

  /// Until release_users(), /api/users/me answers nothing: a request stays in flight for as long
  /// as a test needs it to (the fetcher's worker may otherwise answer before the test's next line).
  void hold_users() {
    std::lock_guard<std::mutex> lock(gate_mutex_);
    users_held_ = true;
  }
  void release_users() {
    {
      std::lock_guard<std::mutex> lock(gate_mutex_);
      users_held_ = false;
    }
    gate_.notify_all();
  }

  int port = 0;
  std::atomic<int> user_requests{0};
  std::string last_query;

 private:
  std::mutex gate_mutex_;
  std::condition_variable gate_;
  bool users_held_ = false;
  httplib::Server server_;
  std::thread thread_;
};

/// Drives the runtime until `done()` or a generous deadline (the fetch happens on a real socket).
template <typename F>
bool drive(Runtime& rt, F done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    rt.executor().wait_for_work(std::chrono::milliseconds(50));
    rt.run_until_idle();
  }
  return true;
}

class QueryHttpTest : public ::testing::Test {
 protected:
  TestServer server;
  ManualClock clock{Millis{0}};
  Runtime rt{clock};
};

TEST_F(QueryHttpTest, FetchesAndParsesTheJsonBodyOfAKeyFromUrl) {
  HttpFetcher http;
  QueryClient qc(rt);
  Value key = key_from_url("GET", server.origin() + "/api/users/me", Value::object({{"v", 2}}));
  Future f = qc.fetch_query({.key = key, .fetcher = http.fetcher()});
  ASSERT_TRUE(drive(rt, [&] { return f.ready(); }));
  ASSERT_TRUE(f.ok()) << f.error()->what();
  EXPECT_EQ(f.value().get("name").as_string(), "John Doe");
  EXPECT_EQ(server.user_requests.load(), 1);
  EXPECT_EQ(server.last_query, "v=2");
  EXPECT_EQ(qc.get_query_data(key)->get("userId").as_string(), "S6nRz7bZ8Cv1dfTm");
}

TEST_F(QueryHttpTest, OriginRelativeKeysUseTheBaseUrl) {
  HttpFetcher http({.base_url = server.origin()});
  QueryClient qc(rt);
  qc.set_query_defaults(Value::array({"GET"}), {.fetcher = http.fetcher()});
  Future f = qc.fetch_query({.key = key_from_url("GET", "/api/users/me")});
  ASSERT_TRUE(drive(rt, [&] { return f.ready(); }));
  EXPECT_EQ(f.value().get("name").as_string(), "John Doe");
}

TEST_F(QueryHttpTest, HttpErrorsBecomeQueryErrorsWithTheStatus) {
  HttpFetcher http;
  QueryClient qc(rt);
  Value key = key_from_url("GET", server.origin() + "/api/missing");
  Future f = qc.fetch_query({.key = key, .fetcher = http.fetcher()});
  ASSERT_TRUE(drive(rt, [&] { return f.ready(); }));
  ASSERT_NE(f.error(), nullptr);
  EXPECT_EQ(f.error()->code(), ErrorCode::http_error);
  EXPECT_EQ(f.error_detail().get("status").as_int(), 404);
  auto st = qc.get_query_state(key);
  EXPECT_EQ(st->status, QueryStatus::error);
  EXPECT_EQ(st->error_detail.get("body").as_string(), "no such thing");
}

TEST_F(QueryHttpTest, ABodyThatIsNotJsonIsAnInvalidJsonError) {
  HttpFetcher http;
  QueryClient qc(rt);
  Future f = qc.fetch_query({.key = key_from_url("GET", server.origin() + "/api/text"), .fetcher = http.fetcher()});
  ASSERT_TRUE(drive(rt, [&] { return f.ready(); }));
  EXPECT_EQ(f.error()->code(), ErrorCode::invalid_json);
}

TEST_F(QueryHttpTest, ConnectionFailureIsAnIoError) {
  HttpFetcher http({.connect_timeout = Millis{2000}});
  QueryClient qc(rt);
  // Port 1 on loopback: nothing listens there.
  Future f = qc.fetch_query({.key = key_from_url("GET", "http://127.0.0.1:1/x"), .fetcher = http.fetcher()});
  ASSERT_TRUE(drive(rt, [&] { return f.ready(); }));
  EXPECT_EQ(f.error()->code(), ErrorCode::io_error);
}

TEST_F(QueryHttpTest, KeysThatAreNotUrlKeysAreRejected) {
  HttpFetcher http;
  QueryClient qc(rt);
  Future f = qc.fetch_query({.key = Value::array({"user", 1}), .fetcher = http.fetcher()});
  ASSERT_TRUE(f.ready());
  EXPECT_EQ(f.error()->code(), ErrorCode::invalid_key);
  Future g = qc.fetch_query({.key = key_from_url("GET", "/relative"), .fetcher = http.fetcher()});
  EXPECT_EQ(g.error()->code(), ErrorCode::invalid_url);
  Future h = qc.fetch_query({.key = key_from_url("GET", "https://example.com/"), .fetcher = http.fetcher()});
  EXPECT_EQ(h.error()->code(), ErrorCode::invalid_url);
  EXPECT_EQ(http.requests_sent(), 0u);
}

TEST_F(QueryHttpTest, TwoObserversOfOneUrlCauseOneRequest) {
  HttpFetcher http;
  QueryClient qc(rt);
  Value key = key_from_url("GET", server.origin() + "/api/users/me");
  int told = 0;
  // The second observer must arrive while the first one's request is in flight (the case under
  // test). Without the hold, a worker answering inside the first fetcher call (a loaded machine)
  // gives the query stale data before the second observer mounts, which then rightly refetches.
  server.hold_users();
  auto a = qc.observe({.key = key, .fetcher = http.fetcher()}, [&](const QueryResult& r) { told += r.data ? 1 : 0; });
  auto b = qc.observe({.key = key_from_url("GET", server.origin() + "/api/./users/me"), .fetcher = http.fetcher()},
                      [&](const QueryResult& r) { told += r.data ? 1 : 0; });
  server.release_users();
  ASSERT_TRUE(drive(rt, [&] { return told >= 2; }));
  rt.run_until_idle();
  EXPECT_EQ(told, 2) << "each observer is told the data once";
  EXPECT_EQ(server.user_requests.load(), 1);
}

}  // namespace
