// The story of the architecture: Home and Profile share one query cache. Home shows the user;
// Profile renames the user; Home — which never heard of Profile — shows the new name after one
// refetch. Requests are counted at a real HTTP server on 127.0.0.1.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "mfstate/http_fetcher.hpp"
#include "mfstate/key.hpp"
#include "mfstate/mutation.hpp"
#include "mfstate/query.hpp"
#include "gtest/gtest.h"

using namespace mfstate;

namespace {

class UserServer {
 public:
  UserServer() {
    server_.Get("/api/users/me", [this](const httplib::Request&, httplib::Response& res) {
      ++gets;
      std::lock_guard<std::mutex> lock(mutex_);
      res.set_content(R"({"userId":"S6nRz7bZ8Cv1dfTm","name":")" + name_ + "\"}", "application/json");
    });
    server_.Put("/api/users/me/name", [this](const httplib::Request& req, httplib::Response& res) {
      ++puts;
      std::lock_guard<std::mutex> lock(mutex_);
      name_ = req.body;
      res.set_content(R"({"ok":true})", "application/json");
    });
    port = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // cpp-httplib 0.11's stop() before listen has started is lost: wait until it runs.
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~UserServer() {
    server_.stop();
    thread_.join();
  }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port); }
  int port = 0;
  std::atomic<int> gets{0};
  std::atomic<int> puts{0};

 private:
  std::mutex mutex_;
  std::string name_ = "John Doe";
  httplib::Server server_;
  std::thread thread_;
};

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

TEST(QueryStory, ProfilesRenameReachesHomeAfterOneRefetchAndTwoObserversMakeOneRequest) {
  UserServer server;
  ManualClock clock{Millis{0}};
  Runtime rt{clock};
  HttpFetcher http({.base_url = server.origin()});
  QueryClient queries(rt);
  // Every GET key is fetched by the HTTP fetcher.
  queries.set_query_defaults(Value::array({"GET"}), {.fetcher = http.fetcher()});

  const Value me = key_from_url("GET", server.origin() + "/api/users/me");

  // Home shows the user; its header shows the user too (a second observer of the same key).
  std::vector<std::string> home_names;
  auto home = queries.observe({.key = me, .stale_time = Millis{60'000}}, [&](const QueryResult& r) {
    if (r.data && (home_names.empty() || home_names.back() != r.data->get("name").as_string())) {
      home_names.emplace_back(r.data->get("name").as_string());
    }
  });
  int header_updates = 0;
  auto header = queries.observe({.key = key_from_url("GET", server.origin() + "/api/users/me?"),
                                 .stale_time = Millis{60'000}},
                                [&](const QueryResult& r) { header_updates += r.data ? 1 : 0; });
  ASSERT_TRUE(drive(rt, [&] { return !home_names.empty() && header_updates > 0; }));
  EXPECT_EQ(server.gets.load(), 1) << "two observers of one key share one request";
  EXPECT_EQ(home_names, std::vector<std::string>{"John Doe"});

  // Profile renames the user: its mutation writes on a worker thread, then invalidates the
  // user's queries. Profile knows the URL, not Home.
  std::vector<std::thread> writers;
  const std::string origin = server.origin();
  MutationOptions rename{
      .fn =
          [&writers, origin](const Value& vars, const AbortSignal&, Completion done) {
            std::string name(vars.get("name").as_string());  // plain string: no Value crosses threads
            writers.emplace_back([origin, name, done] {
              httplib::Client cli(origin);
              auto res = cli.Put("/api/users/me/name", name, "text/plain");
              if (res && res->status == 200) {
                done.resolve(Value::object({{"name", name}}));
              } else {
                done.reject(Error(ErrorCode::http_error, "rename failed"));
              }
            });
          },
      .on_settled = [&](const Value&, const Error*, const Value&, const Value&) {
        queries.invalidate_queries({.key = key_from_url("GET", origin + "/api/users/me")});
      }};
  Future renamed = queries.mutate(rename, Value::object({{"name", "Jane Doe"}}));
  ASSERT_TRUE(drive(rt, [&] { return renamed.ready() && home_names.size() == 2; }));
  for (auto& t : writers) t.join();
  EXPECT_TRUE(renamed.ok());
  EXPECT_EQ(server.puts.load(), 1);
  EXPECT_EQ(home_names, (std::vector<std::string>{"John Doe", "Jane Doe"}));
  EXPECT_EQ(server.gets.load(), 2) << "one refetch after the invalidation, shared by both observers";
  rt.run_until_idle();
  EXPECT_EQ(server.gets.load(), 2);
}

}  // namespace
