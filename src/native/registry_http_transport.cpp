// http_send: the registry client's native transport. POSIX sockets, non-blocking, every wait
// bounded by one deadline for the whole exchange, which grows only as bytes move at the minimum
// rate (a large manifest crosses a slow link; a server dripping a byte a second cannot hold the
// client), and every byte counted against one size limit as it arrives (a 300 MB answer stops at
// the limit, not after). https:// goes through OpenSSL with the peer's certificate and name
// verified.
// The WebAssembly build of the CLI supplies its own http_send (RegistryOptions::transport).
#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <memory>

#include "mfstate/registry.hpp"
#include "registry_http_message.hpp"
#include "registry_http_url.hpp"

namespace mfstate {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& what) { throw Error(ErrorCode::io_error, what); }

// The exchange's deadline: `timeout` from its start plus what the bytes moved so far (request
// sent, answer received) need at `min_rate`. It grows only as bytes move, which happens only
// between waits, so a wait may sleep until the deadline as it stands when the wait begins.
class Deadline {
 public:
  explicit Deadline(const HttpLimits& limits)
      : start_(Clock::now()), timeout_(limits.timeout), min_rate_(limits.min_rate) {}

  void moved(std::size_t bytes) { moved_ += bytes; }

  Clock::time_point at() const {
    if (min_rate_ == 0) return start_ + timeout_;
    // Whole seconds and the rest apart, so that no product overflows; a day at most (the size
    // limit bounds what can move long before: 32 MiB at 64 KiB/s earn 512 s).
    const std::size_t seconds = std::min<std::size_t>(moved_ / min_rate_, 86'400);
    const auto rest = std::chrono::duration<double>(static_cast<double>(moved_ % min_rate_) /
                                                    static_cast<double>(min_rate_));
    return start_ + timeout_ + std::chrono::seconds(seconds) +
           std::chrono::duration_cast<Clock::duration>(rest);
  }

  // Milliseconds until the deadline, rounded up (0 only once it has passed), at most a minute:
  // a wait that ends at the cap looks again.
  int remaining_ms() const {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(at() - Clock::now()).count();
    return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 60'000));
  }

  // What a timed-out exchange reports: the limits it had, what it was doing, what it moved.
  [[noreturn]] void timed_out(const char* doing) const {
    fail("no complete answer within " + std::to_string(timeout_.count()) + " ms" +
         (min_rate_ > 0 ? " and " + std::to_string(min_rate_) + " bytes per second" : std::string()) +
         " (timed out " + doing + ", " + std::to_string(moved_) + " bytes moved)");
  }

 private:
  Clock::time_point start_;
  std::chrono::milliseconds timeout_;
  std::size_t min_rate_;
  std::size_t moved_ = 0;
};

// Blocks SIGPIPE on this thread while it lives (OpenSSL writes with write(), which raises it on a
// closed connection), and swallows one raised meanwhile: a library must not kill its program.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeBlocked() {
    if (!sigismember(&old_, SIGPIPE)) {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE)) {
        const timespec zero{0, 0};
        sigtimedwait(&pipe_, nullptr, &zero);
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t pipe_{}, old_{};
};

std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "the connection failed";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

// What a Connection owns, released in reverse order also when its constructor throws.
struct Socket {
  int fd = -1;
  ~Socket() {
    if (fd >= 0) ::close(fd);
  }
};
struct SslContextFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};

// One connection, plain or TLS, whose every wait ends at `deadline`, and which tells it every
// byte that moves.
class Connection {
 public:
  Connection(const detail::HttpUrl& url, Deadline& deadline) : deadline_(deadline) {
    connect_socket(url);
    if (url.tls) start_tls(url);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends `data`; false when the server closed its side first (it may have answered already,
  // e.g. refused the request from its head: read that answer).
  bool write_all(std::string_view data) {
    while (!data.empty()) {
      // Not a byte past the deadline, even when the socket would take it at once: the caller is
      // told the exchange timed out, so no more of the request may reach the server after that.
      if (deadline_.remaining_ms() == 0) deadline_.timed_out("sending the request");
      if (ssl_) {
        const int n =
            SSL_write(ssl_, data.data(), static_cast<int>(std::min<std::size_t>(data.size(), 1 << 20)));
        if (n > 0) {
          data.remove_prefix(static_cast<std::size_t>(n));
          deadline_.moved(static_cast<std::size_t>(n));
        } else {
          const int error = SSL_get_error(ssl_, n);
          if (error == SSL_ERROR_SYSCALL && (errno == EPIPE || errno == ECONNRESET)) return false;
          wait_tls(error, "sending the request");
        }
      } else {
        const ssize_t n = ::send(socket_.fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n >= 0) {
          data.remove_prefix(static_cast<std::size_t>(n));
          deadline_.moved(static_cast<std::size_t>(n));
        } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
          wait(POLLOUT, "sending the request");
        } else if (errno == EPIPE || errno == ECONNRESET) {
          return false;
        } else {
          fail(std::string("sending the request: ") + std::strerror(errno));
        }
      }
    }
    return true;
  }

  // Up to `size` bytes; 0 at the end of the stream.
  std::size_t read_some(char* buffer, std::size_t size) {
    for (;;) {
      if (ssl_) {
        const int n = SSL_read(ssl_, buffer, static_cast<int>(std::min<std::size_t>(size, 1 << 20)));
        if (n > 0) {
          deadline_.moved(static_cast<std::size_t>(n));
          return static_cast<std::size_t>(n);
        }
        const int error = SSL_get_error(ssl_, n);
        // A peer that closes without close_notify: the framing (Content-Length) says whether
        // the answer is whole, so treat it as the end of the stream.
        if (error == SSL_ERROR_ZERO_RETURN || (error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)) return 0;
        wait_tls(error, "reading the answer");
      } else {
        const ssize_t n = ::recv(socket_.fd, buffer, size, 0);
        if (n >= 0) {
          deadline_.moved(static_cast<std::size_t>(n));
          return static_cast<std::size_t>(n);
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
          wait(POLLIN, "reading the answer");
        } else {
          fail(std::string("reading the answer: ") + std::strerror(errno));
        }
      }
    }
  }

 private:
  void connect_socket(const detail::HttpUrl& url) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (const int rc = ::getaddrinfo(url.host.c_str(), url.port.c_str(), &hints, &found); rc != 0) {
      fail("unreachable (cannot resolve " + url.host + ": " + gai_strerror(rc) + ")");
    }
    std::string last_error = "no address";
    for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
      const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) continue;
      int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
      if (rc != 0 && errno == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        int ready = 0;  // 0 while waiting (a poll that ends at remaining_ms's cap looks again)
        while (ready == 0 && deadline_.remaining_ms() > 0) {
          ready = ::poll(&p, 1, deadline_.remaining_ms());
          if (ready < 0 && errno == EINTR) ready = 0;
        }
        int error = 0;
        socklen_t length = sizeof error;
        if (ready == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0) {
          rc = 0;
        } else if (ready >= 0) {
          errno = ready == 0 ? ETIMEDOUT : error;
        }
      }
      if (rc == 0) {
        socket_.fd = fd;
        break;
      }
      last_error = std::strerror(errno);
      ::close(fd);
      if (deadline_.remaining_ms() == 0) break;
    }
    ::freeaddrinfo(found);
    if (socket_.fd < 0) fail("unreachable (connect: " + last_error + ")");
  }

  void start_tls(const detail::HttpUrl& url) {
    context_.reset(SSL_CTX_new(TLS_client_method()));
    SSL_CTX* ctx = context_.get();
    if (!ctx) fail("TLS: " + openssl_error());
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_default_verify_paths(ctx);  // the system's trust store, or SSL_CERT_FILE / SSL_CERT_DIR
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    tls_.reset(SSL_new(ctx));
    ssl_ = tls_.get();
    if (!ssl_ || SSL_set_fd(ssl_, socket_.fd) != 1) fail("TLS: " + openssl_error());
    in6_addr ip{};
    const bool literal =
        ::inet_pton(AF_INET, url.host.c_str(), &ip) == 1 || ::inet_pton(AF_INET6, url.host.c_str(), &ip) == 1;
    if (literal) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), url.host.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl_, url.host.c_str());
      SSL_set1_host(ssl_, url.host.c_str());
    }
    for (;;) {
      const int rc = SSL_connect(ssl_);
      if (rc == 1) return;
      const int error = SSL_get_error(ssl_, rc);
      if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
        const long verify = SSL_get_verify_result(ssl_);
        fail("TLS handshake failed: " + (verify != X509_V_OK ? std::string("certificate not trusted: ") +
                                                                   X509_verify_cert_error_string(verify)
                                                             : openssl_error()));
      }
      wait_tls(error, "the TLS handshake");
    }
  }

  void wait_tls(int error, const char* doing) {
    if (error == SSL_ERROR_WANT_READ) return wait(POLLIN, doing);
    if (error == SSL_ERROR_WANT_WRITE) return wait(POLLOUT, doing);
    fail(std::string(doing) + ": " + (error == SSL_ERROR_SYSCALL ? std::strerror(errno) : openssl_error()));
  }

  // Until the socket is ready for `events` or the deadline passes (a poll that ends at the
  // one-minute cap of remaining_ms looks again).
  void wait(short events, const char* doing) {
    for (;;) {
      const int left = deadline_.remaining_ms();
      if (left == 0) deadline_.timed_out(doing);
      pollfd p{socket_.fd, events, 0};
      const int ready = ::poll(&p, 1, left);
      if (ready > 0) return;
      if (ready < 0 && errno != EINTR) fail(std::string(doing) + ": " + std::strerror(errno));
    }
  }

  Socket socket_;
  std::unique_ptr<SSL_CTX, SslContextFree> context_;
  std::unique_ptr<SSL, SslFree> tls_;
  SSL* ssl_ = nullptr;  // tls_.get(): null for plain http://
  Deadline& deadline_;
};

void check_header_text(std::string_view text) {
  for (char c : text) {
    if (c == '\r' || c == '\n' || c == '\0') {
      throw Error(ErrorCode::invalid_argument, "a line break or NUL in a request header");
    }
  }
}

std::string request_text(const HttpRequest& request, const detail::HttpUrl& url) {
  check_header_text(request.method);
  std::string text = request.method + " " + url.target + " HTTP/1.1\r\nHost: " + url.host_header +
                     "\r\nUser-Agent: mfstate\r\nAccept: application/json\r\nConnection: close\r\n";
  for (const auto& [name, value] : request.headers) {
    check_header_text(name);
    check_header_text(value);
    text += name + ": " + value + "\r\n";
  }
  if (!request.body.empty() || request.method == "PUT" || request.method == "POST") {
    text += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  }
  text += "\r\n";
  text += request.body;
  return text;
}

[[noreturn]] void too_large(std::size_t limit) {
  throw Error(ErrorCode::size_limit,
              "the answer is larger than the limit of " + std::to_string(limit) + " bytes");
}

}  // namespace

HttpResponse http_send(const HttpRequest& request, const HttpLimits& limits) {
  const detail::HttpUrl url = detail::parse_http_url(request.url);
  const std::string text = request_text(request, url);
  Deadline deadline(limits);
  const std::size_t limit = limits.max_response_bytes;
  SigpipeBlocked no_sigpipe;
  // A deadline passed already (a timeout of zero or less): a timeout, and nothing goes out, not
  // even a connection (a server counts connections against its limits too).
  if (deadline.remaining_ms() == 0) deadline.timed_out("before connecting");
  Connection connection(url, deadline);
  (void)connection.write_all(text);  // when cut short, the server's early answer is read below

  std::string input;         // bytes received and not yet consumed
  std::size_t received = 0;  // every byte received, head included: what the limit counts
  bool at_end = false;
  char buffer[16 * 1024];
  // Reads more into `input`, never past the limit. False at the end of the stream.
  auto read_more = [&] {
    if (at_end) return false;
    const std::size_t room = limit - received;
    const std::size_t n = connection.read_some(buffer, std::min(sizeof buffer, room + 1));
    if (n == 0) {
      at_end = true;
      return false;
    }
    if (n > room) too_large(limit);
    received += n;
    input.append(buffer, n);
    return true;
  };

  detail::HttpHead head;
  for (;;) {
    std::size_t end = detail::head_end(input);
    while (end == std::string::npos) {
      if (input.size() > 64 * 1024) fail("the answer's head is longer than 64 KiB");
      if (!read_more())
        fail(input.empty() ? "the server closed the connection without answering"
                           : "the answer ends inside its head");
      end = detail::head_end(input);
    }
    try {
      head = detail::parse_response_head(std::string_view(input).substr(0, end));
    } catch (const Error& e) {
      fail(std::string("a malformed answer: ") + e.what());
    }
    input.erase(0, end);
    if (head.status >= 200) break;  // 1xx: an interim answer, the real one follows
  }

  HttpResponse response;
  response.status = head.status;
  response.headers = head.headers;
  const bool no_body = request.method == "HEAD" || head.status == 204 || head.status == 304;
  if (no_body) return response;
  if (head.content_length) {
    if (*head.content_length > limit - (received - input.size())) too_large(limit);
    while (input.size() < *head.content_length) {
      if (!read_more()) fail("the answer ends before its Content-Length");
    }
    input.resize(*head.content_length);
    response.body = std::move(input);
  } else if (head.chunked) {
    detail::ChunkedDecoder decoder(limit);
    try {
      while (!decoder.feed(input, response.body)) {
        if (!read_more()) fail("the answer ends inside a chunk");
      }
    } catch (const Error& e) {
      if (e.code() == ErrorCode::size_limit) throw;
      if (e.code() == ErrorCode::io_error) throw;
      fail(std::string("a malformed answer: ") + e.what());
    }
  } else {
    while (read_more()) {
    }
    response.body = std::move(input);
  }
  return response;
}

}  // namespace mfstate
