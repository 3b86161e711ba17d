// The registry's HTTP client against hostile servers: answers larger than any limit, servers
// that drip a byte now and then, answers framed two ways, and TLS with and without a trusted
// certificate. Each hostile server is a thread of this test with a raw socket.
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "mfstate/registry.hpp"
#include "native/cli_process.hpp"

using namespace mfstate;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// Accepts one connection on 127.0.0.1, reads the request's head, then runs `answer` on the
// socket until it returns or the test ends (stop()).
class HostileServer {
 public:
  explicit HostileServer(std::function<void(int fd, HostileServer&)> answer) : answer_(std::move(answer)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof addr;
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(listen_fd_, 4) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
      throw std::runtime_error("cannot listen");
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      const int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      std::string head;
      char c;
      while (head.find("\r\n\r\n") == std::string::npos && recv(fd, &c, 1, 0) == 1) head += c;
      answer_(fd, *this);
      close(fd);
    });
  }
  ~HostileServer() {
    stop();
    shutdown(listen_fd_, SHUT_RDWR);
    thread_.join();
    close(listen_fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  /// Waits up to `pause` or until stop(): true when stopped. The pace of a dripping server.
  bool wait_or_stop(std::chrono::milliseconds pause) {
    std::unique_lock<std::mutex> lock(mutex_);
    return stop_cv_.wait_for(lock, pause, [&] { return stopped_; });
  }
  void stop() {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
    stop_cv_.notify_all();
  }
  std::atomic<std::size_t> sent{0};

 private:
  std::function<void(int, HostileServer&)> answer_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stopped_ = false;
};

bool send_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = send(fd, text.data(), text.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

Error error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no error thrown";
  return Error(ErrorCode::invalid_json, "none");
}

HttpResponse get(const std::string& url, std::size_t max_bytes = 1u << 20,
                 std::chrono::milliseconds timeout = 5000ms) {
  return http_send({"GET", url + "/v1/apps", {}, {}}, {max_bytes, timeout});
}

// Streams 300 MB of an answer (or until the client hangs up), counting what it got out.
void stream_300_mb(int fd, HostileServer& server, const std::string& head) {
  if (!send_all(fd, head)) return;
  const std::string block(64 * 1024, '0');
  for (std::size_t total = 0; total < 300u << 20; total += block.size()) {
    if (!send_all(fd, block)) return;
    server.sent += block.size();
  }
}

}  // namespace

TEST(RegistryHttpClient, AHugeAnswerIsCutAtTheLimitWhileItArrives) {
  HostileServer server([](int fd, HostileServer& s) { stream_300_mb(fd, s, "HTTP/1.1 200 OK\r\n\r\n"); });
  const auto started = Clock::now();
  Error e = error_of([&] { get(server.url(), 1u << 20); });
  EXPECT_EQ(e.code(), ErrorCode::size_limit) << e.what();
  EXPECT_LT(Clock::now() - started, 5s);
  server.stop();
  // The client stopped reading at 1 MiB: only what socket buffers hold got out beyond it.
  EXPECT_LT(server.sent.load(), std::size_t{64} << 20);
}

TEST(RegistryHttpClient, ADeclaredLengthBeyondTheLimitFailsWithoutReadingTheBody) {
  HostileServer server([](int fd, HostileServer& s) {
    stream_300_mb(fd, s, "HTTP/1.1 200 OK\r\nContent-Length: 314572800\r\n\r\n");
  });
  Error e = error_of([&] { get(server.url(), 1u << 20); });
  EXPECT_EQ(e.code(), ErrorCode::size_limit) << e.what();
  EXPECT_NE(std::string(e.what()).find("limit of 1048576 bytes"), std::string::npos) << e.what();
}

TEST(RegistryHttpClient, AChunkedAnswerBeyondTheLimitIsCutToo) {
  HostileServer server([](int fd, HostileServer& s) {
    if (!send_all(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")) return;
    const std::string chunk = "10000\r\n" + std::string(0x10000, 'x') + "\r\n";
    for (int i = 0; i < 4800 && send_all(fd, chunk); ++i) s.sent += chunk.size();
  });
  EXPECT_EQ(error_of([&] { get(server.url(), 1u << 20); }).code(), ErrorCode::size_limit);
}

TEST(RegistryHttpClient, AServerThatDripsBytesIsGivenUpOnAtTheTotalTimeout) {
  // A byte every 50 ms: far inside any per-read timeout, and never a whole answer.
  HostileServer server([](int fd, HostileServer& s) {
    const std::string text = "HTTP/1.1 200 OK\r\nX-Slow: " + std::string(100000, 'z');
    for (char c : text) {
      if (s.wait_or_stop(50ms) || send(fd, &c, 1, MSG_NOSIGNAL) != 1) return;
    }
  });
  const auto started = Clock::now();
  Error e = error_of([&] { get(server.url(), 1u << 20, 500ms); });
  const auto took = Clock::now() - started;
  EXPECT_EQ(e.code(), ErrorCode::io_error);
  EXPECT_NE(std::string(e.what()).find("no complete answer within 500 ms"), std::string::npos) << e.what();
  EXPECT_GE(took, 500ms);
  EXPECT_LT(took, 3s);
}

// ---- the deadline that grows with the bytes moved (HttpLimits::min_rate) ----

namespace {

// An honest slow link: 64 KiB of answer in 8 KiB pieces 50 ms apart, so the last piece leaves
// 350 ms after the first, past a fixed 200 ms deadline. Each piece earns 125 ms at 64 KiB/s,
// more than the 50 ms the next one takes: the deadline stays ahead of the sender by 200 ms plus
// 75 ms a piece, however late the machine's load makes it.
void send_64_kib_slowly(int fd, HostileServer& s) {
  if (!send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 65536\r\n\r\n")) return;
  const std::string piece(8 * 1024, 'x');
  for (int i = 0; i < 8; ++i) {
    if ((i > 0 && s.wait_or_stop(50ms)) || !send_all(fd, piece)) return;
  }
}

HttpResponse get_with_rate(const std::string& url, std::chrono::milliseconds timeout, std::size_t min_rate) {
  return http_send({"GET", url + "/v1/apps", {}, {}},
                   {.max_response_bytes = 1u << 20, .timeout = timeout, .min_rate = min_rate});
}

}  // namespace

TEST(RegistryHttpClient, ALargeAnswerOverASlowLinkFinishesPastTheTimeoutByItsRate) {
  HostileServer server(send_64_kib_slowly);
  const auto started = Clock::now();
  const HttpResponse r = get_with_rate(server.url(), 200ms, 64u << 10);
  const auto took = Clock::now() - started;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, std::string(64 * 1024, 'x'));
  EXPECT_GE(took, 350ms);  // a fixed 200 ms deadline would have cut it
}

TEST(RegistryHttpClient, WithoutARateTheSameSlowAnswerIsCutAtTheFixedTimeout) {
  HostileServer server(send_64_kib_slowly);
  const auto started = Clock::now();
  Error e = error_of([&] { get_with_rate(server.url(), 200ms, 0); });
  const auto took = Clock::now() - started;
  EXPECT_EQ(e.code(), ErrorCode::io_error);
  EXPECT_NE(std::string(e.what()).find("no complete answer within 200 ms (timed out reading the answer, "),
            std::string::npos)
      << e.what();
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 350ms + 1s);
}

TEST(RegistryHttpClient, AServerDrippingBelowTheRateIsCutSoonAfterTheTimeout) {
  // A byte every 10 ms (100 bytes a second): each earns 15 microseconds at 64 KiB/s.
  HostileServer server([](int fd, HostileServer& s) {
    if (!send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")) return;
    while (!s.wait_or_stop(10ms) && send_all(fd, "x")) {
    }
  });
  const auto started = Clock::now();
  Error e = error_of([&] { get_with_rate(server.url(), 200ms, 64u << 10); });
  const auto took = Clock::now() - started;
  EXPECT_EQ(e.code(), ErrorCode::io_error);
  const std::string what = e.what();
  EXPECT_NE(
      what.find(
          "no complete answer within 200 ms and 65536 bytes per second (timed out reading the answer, "),
      std::string::npos)
      << what;
  EXPECT_NE(what.find(" bytes moved)"), std::string::npos) << what;
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 1500ms);
}

TEST(RegistryHttpClient, ALargeRequestToASlowReaderFinishesPastTheTimeoutByItsRate) {
  // A publish over a slow link: the server takes the 128 KiB body 16 KiB at a time, 50 ms apart
  // (350 ms at least), and answers once it has all of it. What the client has sent earns its
  // time (16 KiB: 250 ms at 64 KiB/s), so the answer comes, past a fixed 200 ms.
  constexpr std::size_t body_size = 128 * 1024;
  HostileServer server([](int fd, HostileServer& s) {
    char buffer[16 * 1024];
    for (std::size_t got = 0; got < body_size;) {
      if (got > 0 && s.wait_or_stop(50ms)) return;
      const ssize_t n = recv(fd, buffer, std::min(sizeof buffer, body_size - got), 0);
      if (n <= 0) return;
      got += static_cast<std::size_t>(n);
    }
    send_all(fd, "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}");
  });
  const auto started = Clock::now();
  const HttpResponse r =
      http_send({"PUT", server.url() + "/v1/apps/home/versions/1.0.0", {}, std::string(body_size, 'm')},
                {.max_response_bytes = 1u << 20, .timeout = 200ms, .min_rate = 64u << 10});
  EXPECT_EQ(r.status, 201);
  EXPECT_GE(Clock::now() - started, 350ms);  // a fixed 200 ms deadline would have cut it
}

// A deadline already passed when the exchange starts (a timeout of zero or less): a timeout at
// once, and nothing reaches the server, not even a connection. A loopback connect completes
// within the call, so without a look at the deadline before anything goes out the request was
// sent whole, and only the wait for its answer timed out: a publish the caller was told had
// timed out was stored all the same.
TEST(RegistryHttpClient, ARequestWhoseDeadlineHasPassedBeforeItStartsIsNeverSent) {
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof addr;
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 16), 0);
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &length), 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  const HttpRequest publish{
      "PUT", url + "/v1/apps/home/versions/1.0.0", {}, R"({"name": "home", "version": "1.0.0"})"};
  for (const auto timeout : {0ms, -1ms}) {
    for (const std::size_t min_rate : {std::size_t{0}, std::size_t{64} << 10}) {
      const Error e = error_of([&] { http_send(publish, {.timeout = timeout, .min_rate = min_rate}); });
      EXPECT_EQ(e.code(), ErrorCode::io_error) << e.what();
      EXPECT_NE(std::string(e.what()).find("(timed out before connecting, 0 bytes moved)"), std::string::npos)
          << e.what();
    }
  }
  // What reached the listener: every connection made, and what each sent before the client
  // closed it (the client is done, so each ends at once).
  std::size_t connections = 0;
  std::string received;
  for (int fd; (fd = accept(listener, nullptr, nullptr)) >= 0; ++connections) {
    char buffer[4096];
    for (;;) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 5000) <= 0) break;
      const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      received.append(buffer, static_cast<std::size_t>(n));
    }
    close(fd);
  }
  close(listener);
  EXPECT_EQ(received, "");
  EXPECT_EQ(connections, 0u);
}

TEST(RegistryHttpClient, TheRegistrysRateReachesTheTransport) {
  HttpLimits seen;
  HttpTransport spy = [&](const HttpRequest&, const HttpLimits& limits) {
    seen = limits;
    return HttpResponse{200, {}, R"({"apps": []})"};
  };
  open_registry("http://registry.invalid", {.transport = spy})->apps();
  EXPECT_EQ(seen.min_rate, std::size_t{64} << 10);  // the server's min_response_rate
  EXPECT_EQ(seen.timeout, 10000ms);
  open_registry("http://registry.invalid", {.timeout_ms = 300, .min_rate = 1000, .transport = spy})->apps();
  EXPECT_EQ(seen.min_rate, 1000u);
  EXPECT_EQ(seen.timeout, 300ms);
}

TEST(RegistryHttpClient, AnAnswerWithTwoContentLengthsIsRefused) {
  HostileServer server([](int fd, HostileServer&) {
    send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 13\r\n\r\n{\"apps\": []}");
  });
  Error e = error_of([&] { get(server.url()); });
  EXPECT_EQ(e.code(), ErrorCode::io_error);
  EXPECT_NE(std::string(e.what()).find("more than one Content-Length"), std::string::npos) << e.what();
}

TEST(RegistryHttpClient, ChunkedAndCloseDelimitedAnswersAreRead) {
  HostileServer chunked([](int fd, HostileServer&) {
    send_all(fd,
             "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\n{\"app\r\n7\r\ns\": "
             "[]}\r\n0\r\nX-T: 1\r\n\r\n");
  });
  EXPECT_EQ(get(chunked.url()).body, "{\"apps\": []}");
  HostileServer until_close(
      [](int fd, HostileServer&) { send_all(fd, "HTTP/1.0 200 OK\r\n\r\n{\"apps\": []}"); });
  HttpResponse r = get(until_close.url());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"apps\": []}");
}

TEST(RegistryHttpClient, NamesAndControlCharactersFromAServerAreNotTrusted) {
  // A transport of the test's own: the registry client must vet what any transport brings back.
  auto answering = [](std::string body) {
    return [body](const HttpRequest&, const HttpLimits&) { return HttpResponse{200, {}, body}; };
  };
  auto with = [&](std::string body) {
    return open_registry("http://registry.invalid", {.transport = answering(std::move(body))});
  };
  EXPECT_EQ(error_of([&] { with(R"({"apps": ["../../etc"]})")->apps(); }).code(), ErrorCode::http_error);
  EXPECT_EQ(error_of([&] { with("{\"apps\": [\"a\\u001b[2J\"]}")->apps(); }).code(), ErrorCode::http_error);
  EXPECT_EQ(error_of([&] { with(R"({"versions": ["1.0.0/../x"]})")->versions("home"); }).code(),
            ErrorCode::http_error);
  EXPECT_EQ(error_of([&] { with(R"({"deployed": {"home": "../1"}})")->deployed("production"); }).code(),
            ErrorCode::http_error);
  EXPECT_EQ(with(R"({"apps": ["home"]})")->apps(), (std::vector<std::string>{"home"}));
}

TEST(RegistryHttpClient, TheTokenTravelsAsABearerHeaderAndCannotInjectHeaders) {
  std::vector<std::pair<std::string, std::string>> seen;
  HttpTransport spy = [&](const HttpRequest& request, const HttpLimits&) {
    seen = request.headers;
    return HttpResponse{200, {}, R"({"apps": []})"};
  };
  open_registry("http://registry.invalid", {.token = "mfs_abc", .transport = spy})->apps();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], (std::pair<std::string, std::string>{"Authorization", "Bearer mfs_abc"}));
  EXPECT_EQ(error_of([&] { open_registry("http://registry.invalid", {.token = "a\r\nX-Admin: 1"}); }).code(),
            ErrorCode::invalid_argument);
  EXPECT_EQ(error_of([&] {
              http_send({"GET", "http://127.0.0.1:1/", {{"X", "a\r\nB: c"}}, {}}, {});
            }).code(),
            ErrorCode::invalid_argument);
}

// The URL is named in every error line, and CI logs keep those lines: credentials in it are
// refused before anything is sent, and the refusal does not repeat them. A query or a fragment
// would swallow the API's paths appended after it ("#x" sent every request to the root).
TEST(RegistryHttpClient, AUrlWithCredentialsOrAQueryIsRefusedWithoutPrintingThem) {
  bool sent = false;
  HttpTransport spy = [&](const HttpRequest&, const HttpLimits&) {
    sent = true;
    return HttpResponse{200, {}, R"({"apps": []})"};
  };
  // The refusal's message, checked to be invalid_argument and free of the secret.
  const auto refusal = [&](const std::string& url) {
    const Error e = error_of([&] { open_registry(url, {.transport = spy})->apps(); });
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << url;
    const std::string message = e.what();
    EXPECT_EQ(message.find("s3cret"), std::string::npos) << message;
    return message;
  };
  for (const std::string url :
       {"http://alice:s3cret@registry.invalid", "https://alice:s3cret@registry.invalid:8443/r/",
        "http://s3cret@registry.invalid", "http://a:b@c:s3cret@registry.invalid/x",
        "http://a:s3cret@registry.invalid/r?key=s3cret#s3cret"}) {
    const std::string message = refusal(url);
    EXPECT_NE(message.find("credentials in the URL are not accepted"), std::string::npos) << message;
    EXPECT_NE(message.find("registry.invalid"), std::string::npos) << message;
  }
  for (const std::string url : {"http://registry.invalid/#frag", "http://registry.invalid/r?key=s3cret",
                                "http://registry.invalid?key=s3cret#x"}) {
    const std::string message = refusal(url);
    EXPECT_NE(message.find("no ?query or #fragment"), std::string::npos) << message;
  }
  EXPECT_FALSE(sent);
  // An "@" in the path is not a credential.
  open_registry("http://registry.invalid/team@corp", {.transport = spy})->apps();
  EXPECT_TRUE(sent);
}

// ---- TLS ----

namespace {

// A self-signed certificate for 127.0.0.1, made for this run.
struct SelfSigned {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  SelfSigned() {
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"),
                               -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1");
    X509_add_ext(cert, san, -1);
    X509_EXTENSION_free(san);
    X509_sign(cert, key, EVP_sha256());
  }
  ~SelfSigned() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  void write_pem(const std::string& file) const {
    FILE* f = fopen(file.c_str(), "w");
    PEM_write_X509(f, cert);
    fclose(f);
  }
};

}  // namespace

TEST(RegistryHttpClient, HttpsVerifiesTheServersCertificate) {
  SelfSigned certificate;
  cli_test::TempDir dir;
  certificate.write_pem(dir / "ca.pem");
  httplib::SSLServer server(certificate.cert, certificate.key);
  server.Get("/v1/apps", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"apps": ["home"]})", "application/json");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::yield();
  const std::string url = "https://127.0.0.1:" + std::to_string(port);

  // Not trusted (self-signed, not in the system's store): refused, nothing read.
  Error e = error_of([&] { open_registry(url, {.timeout_ms = 5000})->apps(); });
  EXPECT_EQ(e.code(), ErrorCode::io_error);
  EXPECT_NE(std::string(e.what()).find("certificate"), std::string::npos) << e.what();

  // Trusted through SSL_CERT_FILE, as a CI job points at its company's CA.
  setenv("SSL_CERT_FILE", (dir / "ca.pem").c_str(), 1);
  std::vector<std::string> apps;
  try {
    apps = open_registry(url, {.timeout_ms = 5000})->apps();
  } catch (const Error& error) {
    ADD_FAILURE() << error.what();
  }
  // The right certificate for the wrong name is refused too.
  Error wrong_name = error_of(
      [&] { open_registry("https://localhost:" + std::to_string(port), {.timeout_ms = 5000})->apps(); });
  unsetenv("SSL_CERT_FILE");
  EXPECT_EQ(apps, (std::vector<std::string>{"home"}));
  EXPECT_EQ(wrong_name.code(), ErrorCode::io_error);
  server.stop();
  thread.join();
}

// ---- a hostile registry that answers something else than an answer ----

TEST(RegistryHttpClient, ARedirectIsNotFollowedAndTheTokenGoesNowhereElse) {
  std::atomic<bool> visited{false};
  HostileServer elsewhere([&](int, HostileServer&) { visited = true; });
  HostileServer redirecting([&](int fd, HostileServer&) {
    send_all(fd, "HTTP/1.1 307 Temporary Redirect\r\nLocation: " + elsewhere.url() +
                     "/v1/apps\r\nContent-Length: 0\r\n\r\n");
  });
  auto registry = open_registry(redirecting.url(), {.timeout_ms = 2000, .token = "mfs_secret"});
  Error e = error_of([&] { registry->apps(); });
  EXPECT_EQ(e.code(), ErrorCode::http_error);
  EXPECT_NE(std::string(e.what()).find("answered HTTP 307"), std::string::npos) << e.what();
  elsewhere.stop();
  EXPECT_FALSE(visited.load());
}

TEST(RegistryHttpClient, EndlessInterimAnswersAndEndlessHeadersAreCut) {
  HostileServer interim([](int fd, HostileServer& s) {
    std::string batch;
    for (int i = 0; i < 2000; ++i) batch += "HTTP/1.1 100 Continue\r\n\r\n";
    while (!s.wait_or_stop(0ms) && send_all(fd, batch)) {
    }
  });
  const auto started = Clock::now();
  Error cut = error_of([&] { get(interim.url(), 1u << 20, 3000ms); });
  EXPECT_EQ(cut.code(), ErrorCode::size_limit) << cut.what();
  EXPECT_LT(Clock::now() - started, 3s);
  HostileServer headers([](int fd, HostileServer& s) {
    if (!send_all(fd, "HTTP/1.1 200 OK\r\n")) return;
    while (!s.wait_or_stop(0ms) && send_all(fd, "X-More: " + std::string(1000, 'h') + "\r\n")) {
    }
  });
  Error e = error_of([&] { get(headers.url(), 32u << 20, 3000ms); });
  EXPECT_EQ(e.code(), ErrorCode::io_error);
  EXPECT_NE(std::string(e.what()).find("longer than 64 KiB"), std::string::npos) << e.what();
}

TEST(RegistryHttpClient, ABodyThatNeverEndsIsGivenUpOnAtTheTotalTimeout) {
  HostileServer server([](int fd, HostileServer& s) {
    if (!send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{\"apps\": [")) return;
    while (!s.wait_or_stop(50ms) && send_all(fd, " ")) {
    }
  });
  const auto started = Clock::now();
  Error e = error_of([&] { get(server.url(), 1u << 20, 500ms); });
  EXPECT_EQ(e.code(), ErrorCode::io_error) << e.what();
  EXPECT_LT(Clock::now() - started, 3s);
}

TEST(RegistryHttpClient, AServersErrorCodeCannotPassForSomethingElse) {
  auto answering = [](int status, std::string body) {
    return [status, body](const HttpRequest&, const HttpLimits&) { return HttpResponse{status, {}, body}; };
  };
  auto with = [&](int status, std::string body) {
    return open_registry("http://registry.invalid", {.transport = answering(status, std::move(body))});
  };
  // An unknown code, or a 2xx carrying an error: never a success with nothing in it.
  EXPECT_EQ(error_of([&] { with(400, R"({"error": {"code": "all_fine", "message": "m"}})")->apps(); }).code(),
            ErrorCode::http_error);
  EXPECT_EQ(error_of([&] { with(200, R"({"error": {"code": "not_found", "message": "m"}})")->apps(); }).code(),
            ErrorCode::http_error);
  // A 404 for a list is a failure, not an empty registry that would let a check pass.
  EXPECT_EQ(error_of([&] { with(404, R"({"error": {"code": "not_found", "message": "m"}})")->apps(); }).code(),
            ErrorCode::not_found);
  EXPECT_EQ(error_of([&] { with(200, "")->apps(); }).code(), ErrorCode::http_error);
}
