// `registry serve` as a hostile network sees it: slow clients, malformed and smuggling-shaped
// requests, missing or wrong tokens, and errors that must not show where the server keeps its
// files. Clients are raw sockets here, so every byte sent is the test's choice.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>

#include "mfstate/registry.hpp"
#include "mfstate/registry_server.hpp"
#include "native/cli_process.hpp"
#include "native/registry_server_probe.hpp"

using namespace mfstate;
using cli_test::TempDir;
using Clock = std::chrono::steady_clock;

namespace {

const char* manifest_text = R"({"name": "home", "version": "1.0.0"})";

Manifest app(const std::string& name, const std::string& version) {
  return parse_manifest_json("{\"name\": \"" + name + "\", \"version\": \"" + version + "\"}");
}

AccessToken token_for(const std::string& name, const std::string& secret, std::vector<std::string> apps,
                      bool admin = false) {
  AccessToken t;
  t.name = name;
  const std::string hex = access_token_hash(secret);
  for (std::size_t i = 0; i < 32; ++i)
    t.sha256[i] = static_cast<std::uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  t.apps = std::move(apps);
  t.admin = admin;
  return t;
}

// A RegistryServer on a folder registry, in this process, on a free port. With a manual clock,
// its deadlines read the test's clock, which only advance() moves.
class Served {
 public:
  enum class Time { real, manual };
  explicit Served(RegistryServerOptions options, Time time = Time::real) {
    registry_ = open_registry(dir_ / "the-servers-secret-folder", {.create = true});
    options.log = [this](std::string_view line) {
      std::lock_guard<std::mutex> lock(mutex_);
      log_ += std::string(line) + "\n";
    };
    server_ = std::make_unique<RegistryServer>(*registry_, std::move(options));
    if (time == Time::manual) {
      detail::RegistryServerProbe::use_clock(*server_, [this] {
        return Clock::time_point() + std::chrono::hours(1) + std::chrono::milliseconds(manual_ms_.load());
      });
    }
    port_ = server_->bind("127.0.0.1", 0);
    thread_ = std::thread([this] { server_->listen(); });
  }
  // Moves the manual clock, and returns once the server has looked at it: the turn of its loop
  // in progress may have read the clock before the move, the one after it began after.
  void advance(std::chrono::milliseconds by) {
    manual_ms_ += by.count();
    for (int turn = 0; turn < 2; ++turn) {
      const std::uint64_t ended = loop_turns();
      detail::RegistryServerProbe::wake(*server_);
      for (const auto deadline = Clock::now() + std::chrono::seconds(10);
           loop_turns() == ended && Clock::now() < deadline;)
        std::this_thread::yield();
    }
  }
  std::uint64_t loop_turns() const { return detail::RegistryServerProbe::loop_turns(*server_); }
  std::uint64_t descriptor_shortages() const {
    return detail::RegistryServerProbe::descriptor_shortages(*server_);
  }
  ~Served() {
    server_->stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  Registry& registry() { return *registry_; }
  std::string folder() const { return dir_ / "the-servers-secret-folder"; }
  std::string log() {
    std::lock_guard<std::mutex> lock(mutex_);
    return log_;
  }
  std::unique_ptr<Registry> client(const std::string& token = "") const {
    return open_registry(url(), {.timeout_ms = 5000, .token = token});
  }

 private:
  TempDir dir_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<RegistryServer> server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::string log_;
  std::atomic<std::int64_t> manual_ms_{0};
};

// A raw TCP connection to 127.0.0.1:port.
class RawClient {
 public:
  explicit RawClient(int port) : RawClient() { connect_to(port); }
  // A socket not connected yet (its descriptor exists: a test can connect it when no new
  // descriptor can be opened).
  RawClient() { fd_ = socket(AF_INET, SOCK_STREAM, 0); }
  // Keeps at most about `bytes` of what the server sends in this side's kernel: what the server
  // sees acknowledged is then close to what the test has read. Before connect_to.
  void limit_receive_buffer(int bytes) { setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes); }
  void connect_to(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("connect failed");
  }
  ~RawClient() { close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  void send_text(std::string_view text) { (void)::send(fd_, text.data(), text.size(), MSG_NOSIGNAL); }

  // Exactly `bytes` more of what the server sends (fewer if it closes, or `limit` passes).
  std::string read_bytes(std::size_t bytes,
                         std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
    std::string out;
    const auto deadline = Clock::now() + limit;
    while (out.size() < bytes && !closed_ && Clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (poll(&p, 1, static_cast<int>(std::max<long long>(left, 1))) <= 0) continue;
      std::string buffer(bytes - out.size(), '\0');
      const ssize_t n = recv(fd_, buffer.data(), buffer.size(), 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      out.append(buffer, 0, static_cast<std::size_t>(n));
    }
    return out;
  }

  // Everything the server sends until it closes, waiting at most `limit` in all.
  std::string read_until_closed(std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
    return read_until({}, limit);
  }
  // What the server sends until `marker` has arrived (or it closes, or `limit` passes); an empty
  // marker: until it closes.
  std::string read_until(std::string_view marker, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
    std::string out;
    const auto deadline = Clock::now() + limit;
    char buffer[4096];
    while ((marker.empty() || out.find(marker) == std::string::npos) && Clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (poll(&p, 1, static_cast<int>(std::max<long long>(left, 1))) <= 0) continue;
      const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
  }
  bool closed() const { return closed_; }

 private:
  int fd_ = -1;
  bool closed_ = false;
};

int status_of(const std::string& response) {
  return response.size() >= 12 ? std::stoi(response.substr(9, 3)) : 0;
}

std::string body_of(const std::string& response) {
  const std::size_t end = response.find("\r\n\r\n");
  return end == std::string::npos ? std::string() : response.substr(end + 4);
}

std::string exchange(int port, const std::string& request) {
  RawClient c(port);
  c.send_text(request);
  return c.read_until_closed();
}

std::string put_manifest(const std::string& extra_headers, const std::string& body) {
  return "PUT /v1/apps/home/versions/1.0.0 HTTP/1.1\r\nHost: x\r\n" + extra_headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

ErrorCode code_of(const std::function<void()>& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  ADD_FAILURE() << "no error thrown";
  return ErrorCode::invalid_json;
}

}  // namespace

// ---- slow clients ----

TEST(RegistryServerSlowClients, TenHangingClientsDoNotDelayANormalRequest) {
  Served served({.access = AccessPolicy::open()});
  served.registry().publish(app("home", "1.0.0"));
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < 10; ++i) {
    slow.push_back(std::make_unique<RawClient>(served.port()));
    slow.back()->send_text("GET /v1/apps HTTP/1.1\r\nHo");  // and then nothing more
  }
  auto client = served.client();
  const auto started = Clock::now();
  EXPECT_EQ(client->apps(), (std::vector<std::string>{"home"}));
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(1));
}

TEST(RegistryServerSlowClients, AtTheConnectionLimitTheOldestSlowClientMakesRoom) {
  Served served({.access = AccessPolicy::open(), .max_connections = 8});
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < 10; ++i) {
    slow.push_back(std::make_unique<RawClient>(served.port()));
    slow.back()->send_text("G");
  }
  auto client = served.client();
  for (int round = 0; round < 5; ++round) {
    const auto started = Clock::now();
    EXPECT_TRUE(client->apps().empty());
    EXPECT_LT(Clock::now() - started, std::chrono::seconds(1));
  }
  EXPECT_TRUE(slow.front()->read_until_closed().empty());
  EXPECT_TRUE(slow.front()->closed());
  EXPECT_NE(served.log().find("evicted"), std::string::npos) << served.log();
}

TEST(RegistryServerSlowClients, ARequestThatDoesNotArriveWholeByItsDeadlineIsDropped) {
  Served served({.access = AccessPolicy::open(), .request_timeout = std::chrono::milliseconds(200)});
  RawClient dripping(served.port());
  // Each byte well within any per-read timeout, but the request as a whole never completes.
  const auto started = Clock::now();
  dripping.send_text("GET /v1/apps HTTP/1.1\r\n");
  std::string got;
  for (int i = 0; i < 100 && !dripping.closed(); ++i) {
    dripping.send_text("X-Slow: 1\r\n");
    got += dripping.read_until_closed(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(dripping.closed());
  EXPECT_TRUE(got.empty()) << got;
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(4));
  EXPECT_NE(served.log().find("did not arrive whole within 200 ms"), std::string::npos) << served.log();
}

TEST(RegistryServerSlowClients, FillingTheConnectionTableExactlyEvictsNobody) {
  Served served({.access = AccessPolicy::open(), .max_connections = 4});
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<RawClient>(served.port()));
    clients.back()->send_text("GET /v1/apps HTTP/1.1\r\n");
  }
  // Nothing is closed while the table is merely full (the old code evicted one on the count).
  EXPECT_TRUE(clients.front()->read_until_closed(std::chrono::milliseconds(300)).empty());
  EXPECT_FALSE(clients.front()->closed());
  for (auto& c : clients) {
    c->send_text("Host: x\r\n\r\n");
    EXPECT_EQ(status_of(c->read_until_closed()), 200);
  }
  EXPECT_EQ(served.log().find("evicted"), std::string::npos) << served.log();
}

// A team may publish a large manifest of its own app; readers that ask for it and never take the
// answer must not keep everyone else out until their answers time out.
TEST(RegistryServerSlowClients, ReadersThatDoNotTakeTheirAnswersDoNotKeepOthersOut) {
  // The stuck readers' answers would time out after two minutes: a client kept out until then
  // (the previous server) is told apart from a loaded machine's slowness by a wide margin.
  Served served({.access = AccessPolicy::open(), .max_connections = 4, .response_timeout = std::chrono::minutes(2)});
  served.registry().publish(parse_manifest_json(R"({"name": "big", "version": "1.0.0", "description": ")" +
                                                std::string(24u << 20, 'x') + "\"}"));
  std::vector<std::unique_ptr<RawClient>> stuck;
  auto answered = [&] {
    const std::string log = served.log();
    std::size_t n = 0;
    for (std::size_t at = log.find("/big/versions/1.0.0 200"); at != std::string::npos;
         at = log.find("/big/versions/1.0.0 200", at + 1))
      ++n;
    return n;
  };
  for (std::size_t i = 0; i < 4; ++i) {
    stuck.push_back(std::make_unique<RawClient>(served.port()));
    stuck.back()->send_text("GET /v1/apps/big/versions/1.0.0 HTTP/1.1\r\n\r\n");  // and never reads
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (answered() <= i && Clock::now() < deadline) std::this_thread::yield();
    ASSERT_EQ(answered(), i + 1) << served.log();
  }
  auto client = served.client();
  for (int round = 0; round < 3; ++round) {
    const auto started = Clock::now();
    EXPECT_EQ(client->apps(), (std::vector<std::string>{"big"}));
    EXPECT_LT(Clock::now() - started, std::chrono::seconds(30));
  }
}

// ---- requests framed two ways ----

TEST(RegistryServerFraming, TwoContentLengthHeadersAreRefusedAndNothingIsStored) {
  Served served({.access = AccessPolicy::open()});
  const std::string body = manifest_text;
  const std::string r = exchange(served.port(),
                                 "PUT /v1/apps/home/versions/1.0.0 HTTP/1.1\r\nHost: x\r\n"
                                 "Content-Length: 2\r\nContent-Length: " +
                                     std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(status_of(r), 400) << r;
  EXPECT_NE(body_of(r).find("more than one Content-Length"), std::string::npos) << r;
  EXPECT_TRUE(served.registry().apps().empty());
}

TEST(RegistryServerFraming, TransferEncodingBareLineFeedsAndFoldedLinesAreRefused) {
  Served served({.access = AccessPolicy::open()});
  EXPECT_EQ(status_of(exchange(served.port(),
                               "PUT /v1/apps/home/versions/1.0.0 HTTP/1.1\r\nHost: x\r\n"
                               "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n")),
            501);
  EXPECT_EQ(status_of(exchange(served.port(), "GET /v1/apps HTTP/1.1\nHost: x\r\n\r\n")), 400);
  EXPECT_EQ(status_of(exchange(served.port(), "GET /v1/apps HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n")), 400);
  EXPECT_EQ(status_of(exchange(served.port(), "GET /v1/apps HTTP/1.1\r\nHost : x\r\n\r\n")), 400);
  EXPECT_EQ(status_of(exchange(served.port(), "GET /v1/apps HTTP/2\r\n\r\n")), 400);
  EXPECT_EQ(status_of(exchange(served.port(), "DELETE /v1/apps HTTP/1.1\r\n\r\n")), 405);
  EXPECT_EQ(status_of(exchange(served.port(), "GET /v1/apps/../../etc HTTP/1.1\r\n\r\n")), 404);
  EXPECT_EQ(status_of(exchange(served.port(), "GET /v1/apps/..%2f/versions HTTP/1.1\r\n\r\n")), 400);
  EXPECT_TRUE(served.registry().apps().empty());
}

TEST(RegistryServerFraming, OversizedHeadsAndBodiesAreRefusedBeforeTheyAreRead) {
  Served served({.access = AccessPolicy::open(), .max_head_bytes = 1024, .max_body_bytes = 4096});
  EXPECT_EQ(status_of(exchange(served.port(),
                               "GET /v1/apps HTTP/1.1\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n")),
            431);
  // A declared 100 MB body is refused from the head: the server does not wait for it.
  RawClient big(served.port());
  big.send_text("PUT /v1/apps/home/versions/1.0.0 HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n");
  const std::string r = big.read_until_closed();
  EXPECT_EQ(status_of(r), 413) << r;
}

// ---- who may do what ----

class RegistryServerAccess : public ::testing::Test {
 protected:
  static RegistryServerOptions with_tokens(bool open_read) {
    RegistryServerOptions o;
    o.access.open_read = open_read;
    o.access.tokens = {
        token_for("home-ci", "secret-home", {"home"}), token_for("profile-ci", "secret-profile", {"profile"}),
        token_for("release", "secret-admin", {}, true), token_for("dashboard", "secret-read", {})};
    return o;
  }
};

TEST_F(RegistryServerAccess, ATeamPublishesAndDeploysOnlyItsOwnApps) {
  Served served(with_tokens(true));
  auto home = served.client("secret-home");
  EXPECT_TRUE(home->publish(app("home", "1.0.0")));
  home->deploy("home", "1.0.0", "production");

  std::string message;
  EXPECT_EQ(code_of([&] { home->publish(app("profile", "9.0.0")); }, &message), ErrorCode::forbidden);
  EXPECT_NE(message.find("token \"home-ci\" may publish and deploy home only, not profile"),
            std::string::npos)
      << message;
  auto profile = served.client("secret-profile");
  EXPECT_TRUE(profile->publish(app("profile", "1.0.0")));
  EXPECT_EQ(code_of([&] { profile->deploy("home", "1.0.0", "staging"); }), ErrorCode::forbidden);
  EXPECT_EQ(code_of([&] { served.client("secret-read")->publish(app("home", "2.0.0")); }),
            ErrorCode::forbidden);

  auto admin = served.client("secret-admin");
  EXPECT_TRUE(admin->publish(app("cart", "1.0.0")));
  admin->deploy("cart", "1.0.0", "production");
  EXPECT_EQ(served.registry().deployed("production"),
            (std::map<std::string, std::string>{{"cart", "1.0.0"}, {"home", "1.0.0"}}));
  EXPECT_TRUE(served.registry().deployed("staging").empty());
}

TEST_F(RegistryServerAccess, WithoutAValidTokenWritesAre401WithAClearMessage) {
  Served served(with_tokens(true));
  std::string message;
  EXPECT_EQ(code_of([&] { served.client()->publish(app("home", "1.0.0")); }, &message),
            ErrorCode::unauthorized);
  EXPECT_NE(message.find("set MFSTATE_REGISTRY_TOKEN"), std::string::npos) << message;
  EXPECT_EQ(code_of([&] { served.client("guessed")->publish(app("home", "1.0.0")); }, &message),
            ErrorCode::unauthorized);
  EXPECT_NE(message.find("not valid"), std::string::npos) << message;
  // Reads are open here; a wrong token is still refused rather than quietly ignored.
  EXPECT_TRUE(served.client()->apps().empty());
  EXPECT_EQ(code_of([&] { served.client("guessed")->apps(); }), ErrorCode::unauthorized);
  const std::string r = exchange(served.port(), put_manifest("", manifest_text));
  EXPECT_EQ(status_of(r), 401);
  EXPECT_NE(r.find("WWW-Authenticate: Bearer"), std::string::npos) << r;
  EXPECT_EQ(status_of(exchange(served.port(),
                               put_manifest("Authorization: Basic aG9tZTpzZWNyZXQ=\r\n", manifest_text))),
            401);
  EXPECT_TRUE(served.registry().apps().empty());
}

TEST_F(RegistryServerAccess, ReadsCanRequireAToken) {
  Served served(with_tokens(false));
  EXPECT_EQ(code_of([&] { served.client()->apps(); }), ErrorCode::unauthorized);
  EXPECT_TRUE(served.client("secret-read")->apps().empty());
  EXPECT_TRUE(served.client("secret-home")->environments().empty());
}

TEST_F(RegistryServerAccess, WithoutATokenFileNobodyWrites) {
  Served served({});
  EXPECT_TRUE(served.client()->apps().empty());
  EXPECT_EQ(code_of([&] { served.client()->publish(app("home", "1.0.0")); }), ErrorCode::unauthorized);
  EXPECT_EQ(code_of([&] { served.client("anything")->publish(app("home", "1.0.0")); }),
            ErrorCode::unauthorized);
}

TEST_F(RegistryServerAccess, TheLogNamesTokensButNeverShowsOne) {
  Served served(with_tokens(true));
  served.client("secret-home")->publish(app("home", "1.0.0"));
  (void)code_of([&] { served.client("secret-wrong")->publish(app("home", "1.1.0")); });
  const std::string log = served.log();
  EXPECT_NE(log.find("PUT /v1/apps/home/versions/1.0.0 201 home-ci"), std::string::npos) << log;
  EXPECT_NE(log.find(" 401 -"), std::string::npos) << log;
  EXPECT_EQ(log.find("secret"), std::string::npos) << log;
}

TEST(AccessTokens, TokenFilesAreCheckedStrictly) {
  const std::string hash = access_token_hash("s");
  auto parse = [](const std::string& text) { return AccessPolicy::parse(parse_json(text)); };
  AccessPolicy p = parse(R"({"read": "token", "tokens": [{"name": "home-ci", "sha256": ")" + hash +
                         R"(", "apps": ["home"]}, {"name": "root", "sha256": ")" + access_token_hash("t") +
                         R"(", "admin": true}]})");
  EXPECT_FALSE(p.open_read);
  ASSERT_EQ(p.tokens.size(), 2u);
  EXPECT_EQ(p.tokens[0].apps, (std::vector<std::string>{"home"}));
  EXPECT_TRUE(p.tokens[1].admin);
  for (const std::string& bad : std::vector<std::string>{
           R"({"tokens": [{"name": "a", "sha256": "abc"}]})",
           R"({"tokens": [{"name": "a", "sha256": ")" + hash + R"(", "admin": "true"}]})",
           R"({"tokens": [{"name": "a", "sha256": ")" + hash + R"(", "app": ["home"]}]})",
           R"({"tokens": [{"name": "a", "sha256": ")" + hash + R"(", "apps": ["../x"]}]})",
           R"({"tokens": [{"name": "a", "sha256": ")" + hash + R"("}, {"name": "a", "sha256": ")" +
               access_token_hash("u") + R"("}]})",
           R"({"tokens": [{"name": "a", "sha256": ")" + hash + R"("}, {"name": "b", "sha256": ")" + hash +
               R"("}]})",
           R"({"read": "everyone", "tokens": []})", R"({"tokns": []})"}) {
    EXPECT_THROW(parse(bad), Error) << bad;
  }
}

TEST(AccessTokens, GeneratedTokensAreLongRandomAndHashToWhatTheFileHolds) {
  const std::string a = generate_access_token(), b = generate_access_token();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 4u + 43u);
  EXPECT_EQ(a.rfind("mfs_", 0), 0u);
  EXPECT_EQ(access_token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// ---- what answers show ----

TEST(RegistryServerAnswers, NoAnswerShowsWhereTheServerKeepsItsFiles) {
  Served served({.access = AccessPolicy::open()});
  auto client = served.client();
  client->publish(app("home", "1.0.0"));
  std::vector<std::string> messages;
  std::string m;
  (void)code_of(
      [&] {
        client->publish(parse_manifest_json(R"({"name": "home", "version": "1.0.0", "description": "x"})"));
      },
      &m);
  messages.push_back(m);
  (void)code_of([&] { client->deploy("home", "7.0.0", "production"); }, &m);
  messages.push_back(m);
  // A stored file broken on the server's disk: a 500 that points to the log, which has the detail.
  cli_test::write_file(served.folder() + "/home/1.0.0.json", "{\"broken\": ");
  EXPECT_EQ(code_of([&] { client->manifest("home", "1.0.0"); }, &m), ErrorCode::io_error);
  messages.push_back(m);
  EXPECT_NE(m.find("the server's log has the details"), std::string::npos) << m;
  cli_test::write_file(served.folder() + "/deployments.json", "[1]");
  (void)code_of([&] { client->environments(); }, &m);
  messages.push_back(m);
  for (const auto& message : messages) {
    EXPECT_EQ(message.find("the-servers-secret-folder"), std::string::npos) << message;
    EXPECT_EQ(message.find(served.folder()), std::string::npos) << message;
  }
  EXPECT_NE(served.log().find("the-servers-secret-folder"), std::string::npos) << served.log();
}

TEST(RegistryServerAnswers, AManifestSentToTheServerCannotMakeItReadAFile) {
  Served served({.access = AccessPolicy::open()});
  const std::string r = exchange(served.port(), put_manifest("", R"({"name": "home", "version": "1.0.0",
      "exports": {"user": "/etc/passwd"}})"));
  EXPECT_EQ(status_of(r), 400) << r;
  EXPECT_EQ(r.find("root:"), std::string::npos) << r;
  EXPECT_TRUE(served.registry().apps().empty());
}

TEST(RegistryServerAnswers, ControlCharactersFromClientsReachTheLogEscaped) {
  Served served({.access = AccessPolicy::open()});
  (void)exchange(served.port(), "GET /v1/apps/\x1b[2Jevil HTTP/1.1\r\n\r\n");
  (void)exchange(served.port(), "GET /v1/\xe2\x80\xae/x HTTP/1.1\r\n\r\n");
  const std::string log = served.log();
  EXPECT_EQ(log.find('\x1b'), std::string::npos) << log;
  EXPECT_EQ(log.find("\xe2\x80\xae"), std::string::npos) << log;
}

// ---- a team that names another team's app where the route does not look ----

TEST_F(RegistryServerAccess, AnAppNamedInTheBodyOrTheQueryIsNeverTheOneWritten) {
  Served served(with_tokens(true));
  const std::string home = "Authorization: Bearer secret-home\r\n";
  // The URL says home (which the token owns), the body says profile: refused, nothing stored.
  std::string r = exchange(served.port(), put_manifest(home, R"({"name": "profile", "version": "1.0.0"})"));
  EXPECT_EQ(status_of(r), 400) << r;
  // A body naming itself twice: whichever one a reader keeps, it is not written under home.
  r = exchange(served.port(),
               put_manifest(home, R"({"name": "home", "name": "profile", "version": "1.0.0"})"));
  EXPECT_NE(status_of(r), 201) << r;
  EXPECT_TRUE(served.registry().apps().empty());
  // Percent-encoded or differently cased names are other names, not a way around the token.
  for (const std::string target :
       {"/v1/apps/pr%6ffile/versions/1.0.0", "/v1/apps/Profile/versions/1.0.0",
        "/v1/apps/profile/versions/1.0.0?app=home", "/v1/apps/home/../profile/versions/1.0.0"}) {
    r = exchange(served.port(), "PUT " + target + " HTTP/1.1\r\n" + home + "Content-Length: 2\r\n\r\n{}");
    EXPECT_TRUE(status_of(r) == 400 || status_of(r) == 403 || status_of(r) == 404) << target << "\n" << r;
  }
  EXPECT_TRUE(served.registry().apps().empty());

  served.registry().publish(app("home", "1.0.0"));
  served.registry().publish(app("profile", "1.0.0"));
  // A deployment names its app in the path only; an "app" in the body changes nothing.
  const std::string deploy_body = R"({"version": "1.0.0", "app": "profile"})";
  r = exchange(served.port(), "PUT /v1/environments/production/apps/home HTTP/1.1\r\n" + home +
                                  "Content-Length: " + std::to_string(deploy_body.size()) + "\r\n\r\n" +
                                  deploy_body);
  EXPECT_EQ(status_of(r), 200) << r;
  EXPECT_EQ(served.registry().deployed("production"), (std::map<std::string, std::string>{{"home", "1.0.0"}}));
  r = exchange(served.port(), "PUT /v1/environments/production/apps/profile HTTP/1.1\r\n" + home +
                                  "Content-Length: 20\r\n\r\n{\"version\": \"1.0.0\"}");
  EXPECT_EQ(status_of(r), 403) << r;
  EXPECT_EQ(served.registry().deployed("production"), (std::map<std::string, std::string>{{"home", "1.0.0"}}));
}

TEST_F(RegistryServerAccess, TwoAuthorizationHeadersAreRefusedWhicheverComesFirst) {
  Served served(with_tokens(true));
  for (const std::string headers : {"Authorization: Bearer secret-profile\r\nAuthorization: Bearer secret-home\r\n",
                                    "Authorization: Bearer secret-home\r\nauthorization: Bearer secret-profile\r\n"}) {
    const std::string r = exchange(served.port(), put_manifest(headers, manifest_text));
    EXPECT_EQ(status_of(r), 400) << r;
  }
  EXPECT_TRUE(served.registry().apps().empty());
}

TEST(AccessTokens, OneSecretSpelledInUpperAndLowerCaseHexIsStillOneSecret) {
  std::string upper = access_token_hash("s");
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string text = R"({"tokens": [{"name": "a", "sha256": ")" + access_token_hash("s") +
                           R"("}, {"name": "b", "sha256": ")" + upper + R"("}]})";
  EXPECT_THROW(AccessPolicy::parse(parse_json(text)), Error);
}

// ---- heads and bodies that lie ----

TEST(RegistryServerFraming, AContentLengthThatIsNotAPlainNumberIsRefused) {
  Served served({.access = AccessPolicy::open()});
  const std::string body = manifest_text;
  for (const std::string length : {"-5", "+36", "0x24", "36, 36", "36 36", "99999999999999999999", ""}) {
    const std::string r = exchange(served.port(), "PUT /v1/apps/home/versions/1.0.0 HTTP/1.1\r\nHost: x\r\n"
                                                  "Content-Length: " +
                                                      length + "\r\n\r\n" + body);
    EXPECT_EQ(status_of(r), 400) << "Content-Length: " << length << "\n" << r;
  }
  // Any Transfer-Encoding, not only chunked, and whatever its case.
  for (const std::string coding : {"transfer-encoding: chunked", "Transfer-Encoding: identity",
                                   "TRANSFER-ENCODING: gzip, chunked"}) {
    const std::string r = exchange(served.port(), "PUT /v1/apps/home/versions/1.0.0 HTTP/1.1\r\nHost: x\r\n" +
                                                      coding + "\r\n\r\n0\r\n\r\n");
    EXPECT_EQ(status_of(r), 501) << coding << "\n" << r;
  }
  EXPECT_TRUE(served.registry().apps().empty());
}

TEST(RegistryServerFraming, ABodyShorterOrLongerThanItsLengthStoresNothing) {
  Served served({.access = AccessPolicy::open(), .request_timeout = std::chrono::milliseconds(300)});
  const std::string body = manifest_text;
  // Declared short: only the declared bytes are the body (here, cut JSON), the rest is not read.
  std::string r = exchange(served.port(), "PUT /v1/apps/home/versions/1.0.0 HTTP/1.1\r\nContent-Length: 10\r\n\r\n" +
                                              body + "GET /v1/apps HTTP/1.1\r\n\r\n");
  EXPECT_EQ(status_of(r), 400) << r;
  EXPECT_EQ(r.find("HTTP/1.1", 12), std::string::npos) << "one answer per connection: " << r;
  // Declared long: the server waits for the rest until the request's deadline, then drops it.
  RawClient lying(served.port());
  lying.send_text("PUT /v1/apps/home/versions/1.0.0 HTTP/1.1\r\nContent-Length: 100\r\n\r\n" + body);
  r = lying.read_until_closed(std::chrono::milliseconds(3000));
  EXPECT_TRUE(lying.closed());
  EXPECT_TRUE(r.empty()) << r;
  EXPECT_TRUE(served.registry().apps().empty());
}

TEST(RegistryServerFraming, ARequestLineBeyondTheHeadLimitIsRefusedBeforeItEnds) {
  Served served({.access = AccessPolicy::open(), .max_head_bytes = 1024});
  RawClient c(served.port());
  c.send_text("GET /v1/apps/" + std::string(64 * 1024, 'a'));  // no line end, ever
  const std::string r = c.read_until_closed();
  EXPECT_EQ(status_of(r), 431) << r.substr(0, 200);
  EXPECT_TRUE(c.closed());
}

// A read has no body: one that declares a body is refused from its head, so that a client
// without any right cannot make the server hold max_body_bytes per connection.
TEST(RegistryServerFraming, AReadThatDeclaresABodyIsRefusedBeforeTheBodyIsRead) {
  Served served({.access = AccessPolicy::open()});
  RawClient c(served.port());
  c.send_text("GET /v1/apps HTTP/1.1\r\nContent-Length: 16000000\r\n\r\n");
  const std::string r = c.read_until_closed();
  EXPECT_EQ(status_of(r), 400) << r;
  EXPECT_NE(body_of(r).find("a GET has no body"), std::string::npos) << r;
  EXPECT_EQ(status_of(exchange(served.port(), "GET /v1/apps HTTP/1.1\r\nContent-Length: 0\r\n\r\n")), 200);
}

TEST(RegistryServerFraming, NothingAClientSendsIsEchoedIntoAHeader) {
  Served served({.access = AccessPolicy::open()});
  const std::string r =
      exchange(served.port(), "GET /v1/x%0d%0aSet-Cookie:%20a=b HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(status_of(r), 404) << r;
  const std::string head = r.substr(0, r.find("\r\n\r\n"));
  EXPECT_EQ(head.find("Set-Cookie"), std::string::npos) << head;
  EXPECT_EQ(status_of(exchange(served.port(), "GET /v1/apps HTTP/1.1\r\nX: a\rSet-Cookie: b\r\n\r\n")), 400);
  EXPECT_EQ(status_of(exchange(served.port(), std::string("GET /v1/apps HTTP/1.1\r\nX: a\0b\r\n\r\n", 33))),
            400);
}

TEST(RegistryServerFraming, PathsThatWouldLeaveTheFolderNeverReachIt) {
  Served served({.access = AccessPolicy::open()});
  const std::string body = R"({"name": "home", "version": "1.0.0"})";
  for (const std::string target :
       {"/v1/apps/%2e%2e/versions/1.0.0", "/v1/apps/..%5c..%5cx/versions/1.0.0", "/v1/apps/a\\b/versions/1.0.0",
        "/v1/apps/./versions/1.0.0", "/v1/apps/../versions/1.0.0", "/v1/apps/home/versions/..",
        "/v1/apps/home/versions/1.0.0%00", "/v1/apps/\xc0\xae\xc0\xae/versions/1.0.0",
        "/v1/apps/home/versions/1.0.0/..", "/v1/apps//versions/1.0.0", "/v1/apps/.hidden/versions/1.0.0",
        "/v1/environments/%2e%2e/apps/home", "/v1/environments/deployments.json/apps/home"}) {
    const std::string r = exchange(served.port(), "PUT " + target + " HTTP/1.1\r\nContent-Length: " +
                                                      std::to_string(body.size()) + "\r\n\r\n" + body);
    EXPECT_TRUE(status_of(r) == 400 || status_of(r) == 404) << target << "\n" << r;
  }
  EXPECT_TRUE(served.registry().apps().empty());
  EXPECT_TRUE(served.registry().environments().empty());
}

// ---- data a client chooses ----

TEST(RegistryServerData, NamesAndVersionsTheStoreCannotHoldAreRefusedAsBadRequests) {
  Served served({.access = AccessPolicy::open()});
  auto put = [&](const std::string& name, const std::string& version) {
    const std::string body = "{\"name\": \"" + name + "\", \"version\": \"" + version + "\"}";
    return exchange(served.port(), "PUT /v1/apps/" + name + "/versions/" + version +
                                       " HTTP/1.1\r\nContent-Length: " + std::to_string(body.size()) +
                                       "\r\n\r\n" + body);
  };
  EXPECT_EQ(status_of(put(std::string(101, 'a'), "1.0.0")), 400);
  EXPECT_EQ(status_of(put("a';DROP TABLE x;--", "1.0.0")), 400);
  // A version is a semantic version of any length by semver's grammar; no file name, database
  // key or log line should have to hold one of kilobytes.
  for (const std::size_t length : {240, 300, 5000}) {
    const std::string version = "1.0.0-" + std::string(length, 'a');
    std::string r = put("home", version);
    EXPECT_EQ(status_of(r), 400) << length << "\n" << r;
    r = exchange(served.port(), "GET /v1/apps/home/versions/" + version + " HTTP/1.1\r\n\r\n");
    EXPECT_EQ(status_of(r), 400) << length << "\n" << r;
    r = exchange(served.port(), "PUT /v1/environments/production/apps/home HTTP/1.1\r\nContent-Length: " +
                                    std::to_string(version.size() + 15) + "\r\n\r\n{\"version\": \"" + version + "\"}");
    EXPECT_EQ(status_of(r), 400) << length << "\n" << r;
  }
  EXPECT_TRUE(served.registry().apps().empty());
  EXPECT_EQ(served.log().find("failed"), std::string::npos) << served.log();
}

TEST(RegistryServerData, DeepOrForeignJsonIsA400AndTheServerKeepsServing) {
  Served served({.access = AccessPolicy::open()});
  auto put = [&](const std::string& body) {
    return exchange(served.port(), "PUT /v1/apps/home/versions/1.0.0 HTTP/1.1\r\nContent-Length: " +
                                       std::to_string(body.size()) + "\r\n\r\n" + body);
  };
  EXPECT_EQ(status_of(put(std::string(1 << 20, '[') + std::string(1 << 20, ']'))), 400);
  for (const std::string body : {"[1]", "\"home\"", "{}", "null", R"({"name": "home"})",
                                 R"({"name": "home", "version": "1.0.0", "exports": 7})", "{\"name\": \"home\xff\"}"}) {
    EXPECT_EQ(status_of(put(body)), 400) << body;
  }
  // A schema nested as deep as a manifest may be: compiled and stored, not a crash.
  std::string schema = R"({"type": "string"})";
  for (int i = 0; i < 200; ++i) schema = R"({"type": "object", "properties": {"a": )" + schema + "}}";
  const std::string r = put(R"({"name": "home", "version": "1.0.0", "exports": {"user": )" + schema + "}}");
  EXPECT_TRUE(status_of(r) == 201 || status_of(r) == 400) << r.substr(0, 300);
  EXPECT_EQ(status_of(exchange(served.port(), "GET /v1/apps HTTP/1.1\r\n\r\n")), 200);
}

TEST(RegistryServerData, ADeploymentBodyThatIsNotJustAVersionIsRefused) {
  Served served({.access = AccessPolicy::open()});
  served.registry().publish(app("home", "1.0.0"));
  for (const std::string body : {R"({"version": "9.9.9"})", R"({"version": 1})", R"(["1.0.0"])", R"({"version": "../x"})",
                                 R"({"version": "1.0.0", "version": "9.9.9"})", ""}) {
    const std::string r = exchange(served.port(), "PUT /v1/environments/production/apps/home HTTP/1.1\r\n"
                                                  "Content-Length: " +
                                                      std::to_string(body.size()) + "\r\n\r\n" + body);
    EXPECT_TRUE(status_of(r) == 400 || status_of(r) == 404) << body << "\n" << r;
  }
  EXPECT_TRUE(served.registry().deployed("production").empty());
}

// ---- what one client can make the server compute or hold ----

// Reading back a large manifest (parsing it, compiling every schema, serialising it) takes
// seconds on the one serving thread, and anyone may ask for it again and again: it is built once.
TEST(RegistryServerLoad, AManifestReadAgainIsAnsweredFromItsFirstBuild) {
  Served served({.access = AccessPolicy::open()});
  served.registry().publish(
      parse_manifest_json(R"({"name": "home", "version": "1.0.0", "exports": {"user": {"type": "string"}}})"));
  const std::string get = "GET /v1/apps/home/versions/1.0.0 HTTP/1.1\r\n\r\n";
  const std::string first = exchange(served.port(), get);
  ASSERT_EQ(status_of(first), 200) << first;
  // The stored document broken behind the server's back (a published version never changes; this
  // only shows where the second answer comes from): the server does not read it again.
  cli_test::write_file(served.folder() + "/home/1.0.0.json", "{\"broken\": ");
  const std::string second = exchange(served.port(), get);
  EXPECT_EQ(status_of(second), 200) << second;
  EXPECT_EQ(body_of(second), body_of(first));
  // What is not published is asked of the storage every time: another server sharing it may
  // publish the version a moment later.
  const std::string next = "GET /v1/apps/home/versions/2.0.0 HTTP/1.1\r\n\r\n";
  EXPECT_EQ(status_of(exchange(served.port(), next)), 404);
  served.registry().publish(app("home", "2.0.0"));
  EXPECT_EQ(status_of(exchange(served.port(), next)), 200);
}

// A manifest's answer is its JSON as a read sends it back, every number written out in full: a
// body of "1e20," repeated comes back 4.8 times as large. Any token that may write for its app
// could publish 16 MiB that answer as 77 MiB, more than the whole answer cache (64 MiB): never
// kept, that answer was rebuilt, for seconds of the serving thread, on every read (reads need no
// token). Such a manifest is refused at publish, by the size its answer would have, and nothing
// is stored.
TEST(RegistryServerLoad, AManifestWhoseAnswerWouldOutgrowTheCacheIsRefusedAtPublish) {
  const RegistryServerOptions defaults;
  Served served({.access = AccessPolicy::open()});
  const std::string tail = "]}}}";
  std::string body =
      R"({"name": "home", "version": "1.0.0", "exports": {"n": {"type": "number", "examples": [1e20)";
  while (body.size() + 5 + tail.size() <= defaults.max_body_bytes) body += ",1e20";
  body += tail;
  EXPECT_GT(parse_manifest_json(body).to_value().to_json().size(), defaults.answer_cache_bytes);
  RawClient writer(served.port());
  writer.send_text(put_manifest("", body));
  const std::string refused = writer.read_until_closed(std::chrono::seconds(120));
  EXPECT_EQ(status_of(refused), 413) << refused.substr(0, 300);
  EXPECT_NE(body_of(refused).find("more than the limit of " + std::to_string(defaults.max_answer_bytes) +
                                  " bytes: nothing was published"),
            std::string::npos)
      << body_of(refused);
  EXPECT_TRUE(served.registry().versions("home").empty());
  EXPECT_EQ(status_of(exchange(served.port(), "GET /v1/apps/home/versions/1.0.0 HTTP/1.1\r\n\r\n")), 404);
}

// The limit is exact, what a publish measures is what a read answers, and an answer at the limit
// is kept by the least cache the server accepts beside it: read again, it comes from memory.
TEST(RegistryServerLoad, AnAnswerAtTheLimitIsPublishedAndKeptAndOneByteMoreIsRefused) {
  auto manifest = [](const std::string& version, std::size_t extra) {
    return parse_manifest_json(R"({"name": "home", "version": ")" + version + R"(", "description": ")" +
                               std::string(100000 + extra, 'x') + "\"}");
  };
  const std::size_t limit = manifest("1.0.0", 0).to_value().to_json().size();
  Served served({.access = AccessPolicy::open(),
                 .max_pending_answer_bytes = limit,
                 .answer_cache_bytes = limit + RegistryServerOptions::answer_cache_entry_bytes,
                 .max_answer_bytes = limit});
  auto client = served.client();
  std::string message;
  EXPECT_EQ(code_of([&] { client->publish(manifest("1.0.1", 1)); }, &message), ErrorCode::size_limit);
  EXPECT_NE(message.find("answered as " + std::to_string(limit + 1) + " bytes"), std::string::npos)
      << message;
  EXPECT_TRUE(client->publish(manifest("1.0.0", 0)));
  EXPECT_EQ(served.registry().versions("home"), (std::vector<std::string>{"1.0.0"}));
  const std::string get = "GET /v1/apps/home/versions/1.0.0 HTTP/1.1\r\n\r\n";
  const std::string first = exchange(served.port(), get);
  ASSERT_EQ(status_of(first), 200) << first.substr(0, 300);
  EXPECT_EQ(body_of(first).size(), limit);
  // The stored document broken behind the server's back: the second answer is the kept one.
  cli_test::write_file(served.folder() + "/home/1.0.0.json", "{\"broken\": ");
  const std::string second = exchange(served.port(), get);
  EXPECT_EQ(status_of(second), 200) << second.substr(0, 300);
  EXPECT_EQ(body_of(second), body_of(first));
}

// Every manifest a server publishes must fit its answer cache and its answer budget: a limit on
// answers that either could not hold is refused when the server is made, not found out by readers.
TEST(RegistryServerLoad, AnAnswerLimitTheCacheOrTheAnswerBudgetCannotHoldIsRefused) {
  TempDir dir;
  auto registry = open_registry(dir / "reg", {.create = true});
  auto make = [&](RegistryServerOptions options) { RegistryServer server(*registry, std::move(options)); };
  std::string message;
  EXPECT_EQ(code_of([&] { make({.max_pending_answer_bytes = 1000, .max_answer_bytes = 1001}); }, &message),
            ErrorCode::invalid_argument);
  EXPECT_EQ(message,
            "registry server: max_pending_answer_bytes 1000 is below max_answer_bytes 1001: a manifest with "
            "an answer of that size could never be read");
  EXPECT_EQ(code_of([&] { make({.answer_cache_bytes = 2024, .max_answer_bytes = 1001}); }, &message),
            ErrorCode::invalid_argument);
  EXPECT_EQ(message,
            "registry server: answer_cache_bytes 2024 is below max_answer_bytes 1001 plus 1024 for its entry: "
            "the largest answer could never be kept, and would be rebuilt on every read (0 keeps none)");
  EXPECT_EQ(code_of([&] { make({.answer_cache_bytes = 100, .max_answer_bytes = 1}); }),
            ErrorCode::invalid_argument);
  // At the edges, and with no cache at all: made.
  make({.max_pending_answer_bytes = 1000, .answer_cache_bytes = 2024, .max_answer_bytes = 1000});
  make({.max_pending_answer_bytes = 1000, .answer_cache_bytes = 0, .max_answer_bytes = 1000});
}

// The options given to the library are held to the ranges `registry serve` holds its flags to
// (option_ranges), and to the same budgets: a server that could serve nobody (no connection, a
// timeout of zero), whose deadlines overflow the clock (a timeout of years), or that would refuse
// its largest manifest for ever is not made. Before this, only the answer limit was checked.
TEST(RegistryServerLoad, OptionsOutOfTheirRangesOrBelowTheLargestManifestAreRefused) {
  TempDir dir;
  auto registry = open_registry(dir / "reg", {.create = true});
  auto refusal = [&](RegistryServerOptions options) {
    std::string message;
    const ErrorCode code = code_of([&] { RegistryServer server(*registry, std::move(options)); }, &message);
    return code == ErrorCode::invalid_argument ? message : "not refused as invalid_argument: " + message;
  };
  using std::chrono::milliseconds;
  EXPECT_EQ(refusal({.max_connections = 0}),
            "registry server: max_connections 0 is out of its range, 1 to 1000000");
  EXPECT_EQ(refusal({.request_timeout = milliseconds(0)}),
            "registry server: request_timeout 0 ms is out of its range, 1 ms to 3600000 ms");
  EXPECT_EQ(refusal({.response_timeout = milliseconds(-5)}),
            "registry server: response_timeout -5 ms is out of its range, 1 ms to 3600000 ms");
  EXPECT_EQ(refusal({.request_timeout = milliseconds::max()}),
            "registry server: request_timeout " + std::to_string(milliseconds::max().count()) +
                " ms is out of its range, 1 ms to 3600000 ms");
  EXPECT_EQ(refusal({.max_head_bytes = 100}),
            "registry server: max_head_bytes 100 is out of its range, 1024 to 1048576");
  EXPECT_EQ(refusal({.max_body_bytes = 0}), "registry server: max_body_bytes 0 is out of its range, 1 to 1073741824");
  EXPECT_EQ(refusal({.max_buffered_body_bytes = SIZE_MAX}),
            "registry server: max_buffered_body_bytes 9223372036854775807 is out of its range, 1 to 68719476736");
  EXPECT_EQ(refusal({.listing_cache_time = milliseconds(-1)}),
            "registry server: listing_cache_time -1 ms is out of its range, 0 ms to 3600000 ms");
  EXPECT_EQ(refusal({.max_body_bytes = 1000, .max_buffered_body_bytes = 999}),
            "registry server: max_buffered_body_bytes 999 is below max_body_bytes 1000: a manifest of that size "
            "could never be published");
  // Every option at the least its range and the budgets allow: made.
  RegistryServer at_the_edges(*registry, {.max_connections = 1,
                                          .request_timeout = milliseconds(3'600'000),
                                          .response_timeout = milliseconds(1),
                                          .min_response_rate = 0,
                                          .max_head_bytes = 1024,
                                          .max_body_bytes = 1,
                                          .max_buffered_body_bytes = 1,
                                          .max_pending_answer_bytes = 1,
                                          .answer_cache_bytes = 0,
                                          .max_answer_bytes = 1,
                                          .listing_cache_time = milliseconds(0)});
}

// A listing costs what the storage's listing costs (tens of milliseconds for thousands of apps in
// a folder), and anyone may ask for it again and again: one built is kept for listing_cache_time.
// The server's own writes clear it at once; another writer of the storage is seen within that time.
TEST(RegistryServerLoad, AListingIsKeptForItsTimeAndClearedByTheServersOwnWrites) {
  Served served({.access = AccessPolicy::open(), .listing_cache_time = std::chrono::hours(1)});
  auto client = served.client();
  EXPECT_TRUE(client->apps().empty());
  EXPECT_TRUE(client->versions("home").empty());
  EXPECT_TRUE(client->environments().empty());
  // Another writer of the same storage (another server on one database): not seen within the time.
  served.registry().publish(app("home", "1.0.0"));
  served.registry().deploy("home", "1.0.0", "production");
  EXPECT_TRUE(client->apps().empty());
  EXPECT_TRUE(client->versions("home").empty());
  EXPECT_TRUE(client->environments().empty());
  // A write through this server clears every listing: a client reads what it has just written.
  EXPECT_TRUE(client->publish(app("profile", "1.0.0")));
  EXPECT_EQ(client->apps(), (std::vector<std::string>{"home", "profile"}));
  EXPECT_EQ(client->versions("home"), (std::vector<std::string>{"1.0.0"}));
  EXPECT_EQ(client->deployed("production"), (std::map<std::string, std::string>{{"home", "1.0.0"}}));
  client->deploy("profile", "1.0.0", "staging");
  EXPECT_EQ(client->environments(), (std::vector<std::string>{"production", "staging"}));
  EXPECT_EQ(client->deployed("staging"), (std::map<std::string, std::string>{{"profile", "1.0.0"}}));
  EXPECT_EQ(client->apps(), (std::vector<std::string>{"home", "profile"}));
  // Publishing what is already there changes nothing, so it clears nothing; a refused write neither.
  served.registry().publish(app("cart", "1.0.0"));
  EXPECT_FALSE(client->publish(app("profile", "1.0.0")));
  EXPECT_EQ(code_of([&] { client->deploy("home", "9.9.9", "production"); }), ErrorCode::not_found);
  EXPECT_EQ(client->apps(), (std::vector<std::string>{"home", "profile"}));
}

TEST(RegistryServerLoad, WithoutAListingTimeEveryListingIsReadFromTheStorage) {
  Served served({.access = AccessPolicy::open(), .listing_cache_time = std::chrono::milliseconds(0)});
  auto client = served.client();
  EXPECT_TRUE(client->apps().empty());
  served.registry().publish(app("home", "1.0.0"));
  EXPECT_EQ(client->apps(), (std::vector<std::string>{"home"}));
}

// A token that may write could make the server hold max_connections request bodies at once
// (256 x 16 MiB). Bodies are reserved from one budget by their declared size; a write the budget
// cannot take is told so from its head, before any of its body is read.
TEST(RegistryServerLoad, BodiesHeldAtOnceStayWithinTheirBudget) {
  Served served({.access = AccessPolicy::open(), .max_body_bytes = 100000, .max_buffered_body_bytes = 100000});
  auto body_of_app = [](const std::string& name) {
    return "{\"name\": \"" + name + "\", \"version\": \"1.0.0\", \"description\": \"" + std::string(70000, 'x') + "\"}";
  };
  auto put_of = [&](const std::string& name, const std::string& extra_headers = "") {
    const std::string body = body_of_app(name);
    return "PUT /v1/apps/" + name + "/versions/1.0.0 HTTP/1.1\r\n" + extra_headers +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  // The first upload's head is taken (the server says 100 Continue), its body half sent.
  const std::string first_request = put_of("home", "Expect: 100-continue\r\n");
  const std::size_t head_size = first_request.find("\r\n\r\n") + 4;
  RawClient first(served.port());
  first.send_text(first_request.substr(0, head_size));
  ASSERT_NE(first.read_until("100 Continue").find("100 Continue"), std::string::npos);
  first.send_text(first_request.substr(head_size, 30000));
  // A second one of 70 KB does not fit beside it: refused at once, with when to retry.
  RawClient second(served.port());
  const std::string second_request = put_of("profile");
  second.send_text(second_request.substr(0, second_request.find("\r\n\r\n") + 4));
  const std::string refused = second.read_until_closed(std::chrono::milliseconds(3000));
  EXPECT_EQ(status_of(refused), 503) << refused;
  EXPECT_NE(refused.find("Retry-After: 1"), std::string::npos) << refused;
  EXPECT_NE(body_of(refused).find("retry"), std::string::npos) << refused;
  // The first is served whole; its reservation ends with it, and the second's retry fits.
  first.send_text(first_request.substr(head_size + 30000));
  EXPECT_EQ(status_of(first.read_until_closed()), 201);
  EXPECT_EQ(status_of(exchange(served.port(), second_request)), 201);
  // A writer that leaves before its body is whole gives its reservation back too.
  {
    RawClient gone(served.port());
    const std::string request = put_of("cart", "Expect: 100-continue\r\n");
    gone.send_text(request.substr(0, request.find("\r\n\r\n") + 4));
    ASSERT_NE(gone.read_until("100 Continue").find("100 Continue"), std::string::npos);
  }
  int status = 0;
  for (const auto deadline = Clock::now() + std::chrono::seconds(5); status != 201 && Clock::now() < deadline;)
    status = status_of(exchange(served.port(), put_of("cart")));
  EXPECT_EQ(status, 201) << served.log();
  EXPECT_EQ(served.registry().apps(), (std::vector<std::string>{"cart", "home", "profile"}));
}

// Readers that never take their answers could make the server hold max_connections answers of
// the largest manifest. Answers not yet taken share one budget, each distinct answer counted once.
TEST(RegistryServerLoad, AnswersNotTakenStayWithinTheirBudgetAndReadersOfOneManifestShareIt) {
  // Answers far larger than what the kernel's socket buffers take for a reader that never reads.
  auto large = [](const std::string& name) {
    return parse_manifest_json(R"({"name": ")" + name + R"(", "version": "1.0.0", "description": ")" +
                               std::string(24u << 20, 'x') + "\"}");
  };
  // One answer of "big" fits (a byte to spare), or one of "huge": two copies would not, nor "huge"
  // beside "big".
  const std::size_t budget = large("huge").to_value().to_json().size();
  Served served(
      {.access = AccessPolicy::open(), .max_pending_answer_bytes = budget, .max_answer_bytes = budget});
  for (const std::string name : {"big", "huge"}) served.registry().publish(large(name));
  auto answered = [&](const std::string& what) {
    const std::string log = served.log();
    std::size_t n = 0;
    for (std::size_t at = log.find(what); at != std::string::npos; at = log.find(what, at + 1)) ++n;
    return n;
  };
  std::vector<std::unique_ptr<RawClient>> stuck;
  for (std::size_t i = 0; i < 2; ++i) {
    stuck.push_back(std::make_unique<RawClient>(served.port()));
    stuck.back()->send_text("GET /v1/apps/big/versions/1.0.0 HTTP/1.1\r\n\r\n");  // and never reads
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (answered("/big/versions/1.0.0 200") <= i && Clock::now() < deadline) std::this_thread::yield();
    // The second reader shares the first one's bytes: two copies would not fit the budget.
    ASSERT_EQ(answered("/big/versions/1.0.0 200"), i + 1) << served.log();
  }
  RawClient third(served.port());
  third.send_text("GET /v1/apps/huge/versions/1.0.0 HTTP/1.1\r\n\r\n");
  const std::string refused = third.read_until_closed();
  EXPECT_EQ(status_of(refused), 503) << refused.substr(0, 300);
  EXPECT_NE(refused.find("Retry-After: 1"), std::string::npos) << refused.substr(0, 300);
  // Small answers are sent however full the budget is: pinning it does not deny every other read.
  EXPECT_EQ(served.client()->apps(), (std::vector<std::string>{"big", "huge"}));
  // Once the stuck readers are gone, their share is free again.
  stuck.clear();
  std::string got;
  for (const auto deadline = Clock::now() + std::chrono::seconds(10);
       status_of(got) != 200 && Clock::now() < deadline;)
    got = exchange(served.port(), "GET /v1/apps/huge/versions/1.0.0 HTTP/1.1\r\n\r\n");
  EXPECT_EQ(status_of(got), 200) << got.substr(0, 300);
  EXPECT_GT(body_of(got).size(), 24u << 20);
}

// At the connection limit, a write whose head passed the token check and whose body is on its way
// is the last to be evicted: clients without any right cannot cut a team's upload off by opening
// connections.
TEST(RegistryServerSlowClients, AtTheConnectionLimitAnUploadOutlastsClientsWithoutAHead) {
  Served served({.access = AccessPolicy::open(), .max_connections = 8});
  const std::string body = manifest_text;
  const std::string head = "PUT /v1/apps/home/versions/1.0.0 HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n";
  RawClient upload(served.port());
  upload.send_text(head);
  ASSERT_NE(upload.read_until("100 Continue").find("100 Continue"), std::string::npos);
  upload.send_text(body.substr(0, 10));
  std::vector<std::unique_ptr<RawClient>> flood;
  for (int i = 0; i < 20; ++i) {
    flood.push_back(std::make_unique<RawClient>(served.port()));
    flood.back()->send_text("G");
  }
  auto client = served.client();
  EXPECT_TRUE(client->apps().empty());  // the server has taken every connection above
  upload.send_text(body.substr(10));
  EXPECT_EQ(status_of(upload.read_until_closed()), 201) << served.log();
  EXPECT_EQ(served.registry().apps(), (std::vector<std::string>{"home"}));
}

// ---- out of file descriptors ----

namespace {

// Lowers this process's soft limit of file descriptors so that at most `spare` more can be opened
// (fewer if some above the lowest free one are in use), and restores it at the end of the scope.
// The server runs in this process, so the limit is the server's.
class DescriptorLimit {
 public:
  explicit DescriptorLimit(int spare) {
    getrlimit(RLIMIT_NOFILE, &saved_);
    const int lowest_free = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    ::close(lowest_free);
    rlimit lowered = saved_;
    lowered.rlim_cur = static_cast<rlim_t>(lowest_free + spare);
    if (setrlimit(RLIMIT_NOFILE, &lowered) != 0) throw std::runtime_error("setrlimit failed");
  }
  ~DescriptorLimit() { setrlimit(RLIMIT_NOFILE, &saved_); }
  DescriptorLimit(const DescriptorLimit&) = delete;
  DescriptorLimit& operator=(const DescriptorLimit&) = delete;

 private:
  rlimit saved_{};
};

// A request the server answers without opening anything (no such route: 404).
constexpr std::string_view needs_no_descriptor = "GET /v1/no-such-route HTTP/1.1\r\n\r\n";

}  // namespace

// `ulimit -n` below max_connections: without a descriptor, accept fails while the listener stays
// readable, and a server that tries again at once spins and serves nobody. The limit acts as
// max_connections does instead: the oldest client still sending its head makes room.
TEST(RegistryServerDescriptors, OutOfDescriptorsTheOldestSlowClientMakesRoomAsAtTheConnectionLimit) {
  Served served({.access = AccessPolicy::open()});
  std::vector<std::unique_ptr<RawClient>> slow;  // sockets made while descriptors are there
  for (int i = 0; i < 8; ++i) slow.push_back(std::make_unique<RawClient>());
  RawClient honest;
  {
    DescriptorLimit limit(2);  // the server can accept two connections, the test open nothing
    for (auto& c : slow) {
      c->connect_to(served.port());
      c->send_text("G");  // and then nothing more
    }
    honest.connect_to(served.port());
    honest.send_text(needs_no_descriptor);
    const std::string got = honest.read_until_closed();
    EXPECT_EQ(status_of(got), 404) << got << served.log();
    EXPECT_TRUE(slow.front()->read_until_closed().empty());
    EXPECT_TRUE(slow.front()->closed());
  }
  EXPECT_NE(served.log().find("evicted: still sending its request when no file descriptor was left"),
            std::string::npos)
      << served.log();
  // One failed accept per connection that had to wait for room, not one per turn of a spinning loop.
  EXPECT_GE(served.descriptor_shortages(), 1u);
  EXPECT_LE(served.descriptor_shortages(), slow.size() + 1) << served.log().substr(0, 2000);
  // The server serves on with descriptors back.
  EXPECT_EQ(status_of(exchange(served.port(), std::string(needs_no_descriptor))), 404);
}

// With no descriptor at all and nothing of its own to close (another part of the process holds
// them), the server waits: not polling the listener until a connection closes or a short back-off
// passes on its clock, then accepting what waited in the backlog.
TEST(RegistryServerDescriptors, WithNoDescriptorToFreeTheServerWaitsInsteadOfSpinning) {
  Served served({.access = AccessPolicy::open()}, Served::Time::manual);
  RawClient waiting;
  const int held_elsewhere = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(held_elsewhere, 0);
  {
    DescriptorLimit limit(0);
    waiting.connect_to(served.port());  // the kernel queues it; accepting it needs a descriptor
    waiting.send_text(needs_no_descriptor);
    for (const auto deadline = Clock::now() + std::chrono::seconds(5);
         served.descriptor_shortages() == 0 && Clock::now() < deadline;)
      std::this_thread::yield();
    ASSERT_GE(served.descriptor_shortages(), 1u);
    const std::uint64_t turns = served.loop_turns();
    // While the back-off has not passed on the server's clock, nothing happens; the loop waits
    // in poll (a turn per timeout of poll at most), where a spinning one turns thousands of times.
    EXPECT_TRUE(waiting.read_until_closed(std::chrono::milliseconds(300)).empty());
    EXPECT_EQ(served.descriptor_shortages(), 1u);
    EXPECT_LE(served.loop_turns() - turns, 10u);
    // A descriptor frees elsewhere (the server is not told); after its back-off, it accepts.
    ::close(held_elsewhere);
    served.advance(std::chrono::seconds(1));
    const std::string got = waiting.read_until_closed();
    EXPECT_EQ(status_of(got), 404) << got << served.log();
  }
  EXPECT_NE(served.log().find("accept failed (Too many open files): accepting waits"), std::string::npos)
      << served.log().substr(0, 2000);
}

// ---- slow readers ----

namespace {

// A manifest whose answer is far larger than what the kernel's socket buffers hold.
Manifest large_manifest(const std::string& name, std::size_t bytes) {
  return parse_manifest_json(R"({"name": ")" + name + R"(", "version": "1.0.0", "description": ")" +
                             std::string(bytes, 'x') + "\"}");
}

}  // namespace

namespace {

// An answer must go within 1 s plus what the reader takes at 64 KiB/s (the server on a manual clock).
RegistryServerOptions slow_reader_options() {
  return {.access = AccessPolicy::open(),
          .response_timeout = std::chrono::milliseconds(1000),
          .min_response_rate = 64u << 10};
}

// Publishes a manifest answered in more than 8 MiB and has `reader`, with a small receive buffer
// (so the server's sends wait on what it takes), ask for it.
void ask_for_a_large_answer(Served& served, RawClient& reader) {
  served.registry().publish(large_manifest("big", 8u << 20));
  reader.limit_receive_buffer(16u << 10);
  reader.connect_to(served.port());
  reader.send_text("GET /v1/apps/big/versions/1.0.0 HTTP/1.1\r\n\r\n");
}

}  // namespace

// A 16 MiB answer needs 1.6 MiB/s to go within a fixed 10 s. A reader that takes its answer at
// twice the minimum rate keeps earning time and gets it whole, however long that takes.
TEST(RegistryServerSlowClients, AReaderAboveTheMinimumRateTakesALargeAnswerPastTheResponseTimeout) {
  Served served(slow_reader_options(), Served::Time::manual);
  RawClient reader;
  ask_for_a_large_answer(served, reader);
  std::string got;
  // 64 KiB per half second of the server's clock: 128 KiB/s, for 64 s.
  for (int step = 0; step < 1000 && !reader.closed(); ++step) {
    const std::string part = reader.read_bytes(64u << 10);
    got += part;
    if (part.size() < (64u << 10)) break;  // the end of the answer, or dropped
    served.advance(std::chrono::milliseconds(500));
  }
  EXPECT_EQ(status_of(got), 200) << got.substr(0, 300);
  ASSERT_NE(got.find("\r\n\r\n"), std::string::npos);
  EXPECT_EQ(body_of(got).size(), std::stoull(got.substr(got.find("Content-Length: ") + 16))) << served.log();
  EXPECT_GT(body_of(got).size(), 8u << 20);
  EXPECT_EQ(served.log().find("dropped"), std::string::npos) << served.log();
}

// The time a reader earns is what it takes at the minimum rate: one that takes 4 KiB a second
// still goes (reset: the kernel does not go on sending to it), and its answer with it.
TEST(RegistryServerSlowClients, AReaderBelowTheMinimumRateIsDroppedAndReset) {
  Served served(slow_reader_options(), Served::Time::manual);
  RawClient reader;
  ask_for_a_large_answer(served, reader);
  const std::string_view dropped =
      ": dropped, the answer was not taken within 1000 ms and 65536 bytes per second";
  std::size_t taken = 0;
  int seconds = 0;
  for (; seconds < 60 && served.log().find(dropped) == std::string::npos; ++seconds) {
    taken += reader.read_bytes(4u << 10).size();
    served.advance(std::chrono::seconds(1));
  }
  // 1 s, plus what 4 KiB a second and what the kernel held for it earn at 64 KiB/s (a turn of
  // the server may come after the check).
  EXPECT_LE(seconds, 5) << served.log();
  EXPECT_NE(served.log().find("/v1/apps/big/versions/1.0.0 200 - "), std::string::npos) << served.log();
  // What its kernel held before the reset is all it gets.
  taken += reader.read_until_closed().size();
  EXPECT_TRUE(reader.closed());
  EXPECT_LT(taken, 1u << 20);
}
