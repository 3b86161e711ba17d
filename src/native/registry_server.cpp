// `mfstate registry serve`: moving the bytes of the registry's HTTP API (registry_server_api.hpp).
//
// One thread polls every connection with non-blocking sockets; a connection costs a socket and a
// buffer, never a thread, so clients that send a byte now and then cannot starve the others
// (the failure of a fixed pool of workers blocked in reads). Each connection lives through:
//   request   reading the head, then the body; the whole request must arrive by its deadline
//   respond   writing the answer (Connection: close), by its own deadline, which grows as the
//             client takes the answer at min_response_rate or faster
//   drain     after a half-close, reading what the client still sends, briefly, so that closing
//             does not reset the connection before the client has read the answer
// At max_connections, a new connection evicts the oldest one still sending its head or in
// `drain`, failing that the oldest still in `respond`, failing that the oldest upload (its head
// passed the token check): a normal request arrives and its answer is taken in milliseconds, so
// only the slow are ever evicted, readers that never take their answers cannot keep every other
// client out until their answers time out, and connecting alone cannot cut a team's upload off.
// Memory has fixed bounds whatever the clients do: heads (max_head_bytes per connection), bodies
// (max_buffered_body_bytes in all, reserved by declared size), answers not yet taken
// (max_pending_answer_bytes in all, a shared answer counted once, and answers of 64 KiB or less
// always sent) and the answer cache; a request past a budget is answered 503 with Retry-After.
// Handlers run on the same thread, one at a time (the registry object is not shared), and
// heads are read strictly (registry_http_message.hpp): no request is framed two ways.
#include <fcntl.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <list>
#include <unordered_map>

#include "mfstate/registry_server.hpp"
#include "registry_detail.hpp"
#include "registry_server_api.hpp"
#include "registry_server_probe.hpp"

namespace mfstate {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds drain_time{1000};
constexpr std::size_t drain_bytes = 256u << 10;
// Answers this small are always sent, whatever max_pending_answer_bytes holds: readers that pin the
// budget with large answers they never take must not turn every listing and refusal into a 503.
// What this adds is bounded too: max_connections x 64 KiB (16 MiB at 256).
constexpr std::size_t small_answer_bytes = 64u << 10;
// How long accepting waits, when no file descriptor is left and closing a connection did not free
// one, before it tries again (unless a connection closes first). What the wait costs is a client
// that waits in the listen backlog; what not waiting costs is a loop that spins on accept.
constexpr std::chrono::milliseconds accept_backoff{100};

// Errors of accept() that mean "no descriptor (or kernel memory) for a new socket now": the
// listening socket stays readable, so accepting again at once fails again at once.
bool out_of_descriptors(int error) {
  return error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM;
}

const char* reason_of(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
  }
}

// The status line and headers; the body is sent from the answer's shared bytes, not copied.
std::string response_head(const detail::ApiAnswer& a) {
  std::string text =
      "HTTP/1.1 " + std::to_string(a.status) + " " + reason_of(a.status) +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(a.body->size()) +
      "\r\nConnection: close\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n";
  for (const auto& [name, value] : a.headers) text += name + ": " + value + "\r\n";
  text += "\r\n";
  return text;
}

std::string peer_of(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (address.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(address).sin_addr, text, sizeof text);
  } else if (address.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(address).sin6_addr, text, sizeof text);
  }
  return text;
}

struct Connection {
  enum class Phase { request, respond, drain, closed };
  int fd = -1;
  std::string peer;
  Phase phase = Phase::request;
  Clock::time_point opened, deadline;
  Clock::time_point answered;  // when its answer started going out (respond)
  std::string in;              // what arrived of the request
  std::optional<detail::HttpHead> head;
  std::size_t body_start = 0;
  std::string caller = "-";
  std::size_t body_reserved = 0;                // of max_buffered_body_bytes, for the body its head declared
  std::string out_head;                         // the answer: status line and headers,
  std::shared_ptr<const std::string> out_body;  // then its body (shared with the cache and other readers)
  std::size_t written = 0;                      // of out_head, then out_body
  std::size_t taken = 0;                        // of what was written, acknowledged by the client's side
  std::size_t drained = 0;
  std::string log_line;  // what the log says of this request
};

}  // namespace

struct RegistryServer::Impl {
  detail::RegistryApi api;
  RegistryServerOptions options;
  int listen_fd = -1;
  int wake[2] = {-1, -1};  // stop() writes to wake[1]; the loop polls wake[0]
  std::atomic<bool> stopped{false};
  // Deadlines and back-offs read this clock (a test's own through RegistryServerProbe).
  std::function<Clock::time_point()> now = [] { return Clock::now(); };
  std::atomic<std::uint64_t> loop_turns{0};
  std::atomic<std::uint64_t> descriptor_shortages{0};
  // Accepting waits (the listener is not polled) while no descriptor is left: until a connection
  // closes or accept_resumes_at, whichever comes first. See accept_all.
  bool accept_paused = false;
  Clock::time_point accept_resumes_at;
  std::uint64_t requests = 0;
  std::list<Connection> connections;
  // What connections hold, against the options' budgets (the memory a client can make the server
  // hold is these, the heads, and the cache; never a multiple of max_connections):
  std::size_t reserved_body_bytes = 0;   // declared bodies of requests being read
  std::size_t pending_answer_bytes = 0;  // distinct answer bodies not yet taken
  // answer body -> how many connections are sending it
  std::unordered_map<const std::string*, std::size_t> answer_holders;

  Impl(Registry& registry, RegistryServerOptions o)
      : api(registry, o.access, o.answer_cache_bytes, o.max_answer_bytes, o.listing_cache_time),
        options(std::move(o)) {
    if (::pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) {
      throw Error(ErrorCode::io_error,
                  std::string("registry server: cannot create a pipe: ") + std::strerror(errno));
    }
  }
  ~Impl() {
    for (Connection& c : connections) close(c);
    if (listen_fd >= 0) ::close(listen_fd);
    ::close(wake[0]);
    ::close(wake[1]);
  }

  // Makes poll return: stop() and tests that moved the clock. Thread-safe.
  void wake_loop() {
    const char byte = 1;
    (void)::write(wake[1], &byte, 1);
  }

  void log(const std::string& line) const {
    if (options.log) options.log(line);
  }

  void close(Connection& c) {
    if (c.fd >= 0) {
      ::close(c.fd);
      accept_paused = false;  // a descriptor is free again
    }
    c.fd = -1;
    c.phase = Connection::Phase::closed;
    release_body(c);
    release_answer(c);
    c.in.clear();
    c.in.shrink_to_fit();
  }

  // A request's body is read only once its declared size is reserved from max_buffered_body_bytes,
  // so a request the budget cannot take is refused before a byte of its body is read. Refused, not
  // paused: a paused upload would keep its socket until its deadline and then be dropped with no
  // word said, and uploads that never end could pause every other one; a 503 says "retry".
  bool reserve_body(Connection& c, std::size_t bytes) {
    if (bytes >
        options.max_buffered_body_bytes - std::min(reserved_body_bytes, options.max_buffered_body_bytes))
      return false;
    reserved_body_bytes += bytes;
    c.body_reserved = bytes;
    return true;
  }
  void release_body(Connection& c) {
    reserved_body_bytes -= c.body_reserved;
    c.body_reserved = 0;
  }

  // Counts an answer body against max_pending_answer_bytes, once however many connections send
  // it. False (nothing counted) when a large body not already held would take the total past the
  // budget, unless `always`.
  bool hold_answer(Connection& c, const std::shared_ptr<const std::string>& body, bool always = false) {
    auto [at, added] = answer_holders.try_emplace(body.get(), 0);
    if (added) {
      if (!always && body->size() > small_answer_bytes &&
          pending_answer_bytes + body->size() > options.max_pending_answer_bytes) {
        answer_holders.erase(at);
        return false;
      }
      pending_answer_bytes += body->size();
    }
    ++at->second;
    c.out_body = body;
    return true;
  }
  void release_answer(Connection& c) {
    if (!c.out_body) return;
    const auto at = answer_holders.find(c.out_body.get());
    if (--at->second == 0) {
      pending_answer_bytes -= c.out_body->size();
      answer_holders.erase(at);
    }
    c.out_body.reset();
    c.out_head.clear();
    c.out_head.shrink_to_fit();
  }

  void run() {
    std::vector<pollfd> polled;
    while (!stopped.load()) {
      const auto turn_start = now();
      if (accept_paused && turn_start >= accept_resumes_at) accept_paused = false;
      polled.clear();
      polled.push_back({wake[0], POLLIN, 0});
      // At max_connections, one is evicted per arrival; out of descriptors, accepting waits.
      const bool accepting = options.max_connections > 0 && !accept_paused;
      polled.push_back({accepting ? listen_fd : -1, POLLIN, 0});
      auto next_deadline = accept_paused ? accept_resumes_at : Clock::time_point::max();
      for (Connection& c : connections) {
        const short events = c.phase == Connection::Phase::respond ? POLLOUT : POLLIN;
        polled.push_back({c.fd, events, 0});
        next_deadline = std::min(next_deadline, c.deadline);
      }
      int timeout = -1;
      if (next_deadline != Clock::time_point::max()) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(next_deadline - turn_start).count();
        timeout = static_cast<int>(std::clamp<long long>(left + 1, 0, 60'000));
      }
      const int ready = ::poll(polled.data(), polled.size(), timeout);
      if (ready < 0 && errno != EINTR) {
        log("registry server: poll failed: " + std::string(std::strerror(errno)));
        break;
      }
      if (polled[0].revents != 0) {
        char sink[64];
        while (::read(wake[0], sink, sizeof sink) > 0) {
        }
      }
      if (stopped.load()) break;
      std::size_t i = 2;
      for (Connection& c : connections) {
        const short revents = polled[i++].revents;
        if (revents != 0) step(c, revents);
      }
      if (polled[1].revents != 0) accept_all();
      expire(now());
      connections.remove_if([](const Connection& c) { return c.phase == Connection::Phase::closed; });
      loop_turns.fetch_add(1, std::memory_order_release);
    }
  }

  // Closes the oldest connection still sending its head (or being drained), else the oldest whose
  // answer is still not taken, else the oldest upload: a write whose head passed the token check
  // is cut off last, so clients without any right cannot end a team's publish by connecting.
  void evict_one(const std::string& why) {
    Connection* oldest = nullptr;
    auto rank = [](const Connection& c) {
      if (c.phase == Connection::Phase::respond) return 1;
      return c.phase == Connection::Phase::request && c.head ? 2 : 0;
    };
    for (Connection& c : connections) {
      if (c.phase == Connection::Phase::closed) continue;
      if (!oldest || rank(c) < rank(*oldest) || (rank(c) == rank(*oldest) && c.opened < oldest->opened)) {
        oldest = &c;
      }
    }
    if (!oldest) return;
    if (oldest->phase != Connection::Phase::drain) {
      log(oldest->peer + " evicted: " +
          (oldest->phase == Connection::Phase::respond ? "its answer still not taken"
           : oldest->head                              ? "still sending its body"
                                                       : "still sending its request") +
          " when " + why);
    }
    close(*oldest);
  }

  // Whether a connection waits in the listen backlog (a listening socket is readable then).
  bool connection_waiting() const {
    pollfd listener{listen_fd, POLLIN, 0};
    return ::poll(&listener, 1, 0) > 0 && (listener.revents & POLLIN) != 0;
  }

  // Accepts every connection waiting. When no file descriptor is left (the process's limit is
  // below max_connections plus what the server needs), the limit acts as max_connections does:
  // the connection evict_one picks makes room, once per shortage. If that does not free a
  // descriptor for this thread (another thread of the process took it) or there is none to
  // evict, accepting waits until a connection closes or accept_backoff passes: the listener stays
  // readable while accept fails, so trying again at once would spin, taking the CPU and serving
  // nobody. Any other persistent failure waits the same way.
  void accept_all() {
    bool evicted_for_descriptor = false;
    for (;;) {
      std::size_t open = 0;
      for (const Connection& c : connections) open += c.phase != Connection::Phase::closed;
      sockaddr_storage address{};
      socklen_t length = sizeof address;
      const int fd =
          ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&address), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        const int error = errno;
        if (error == EINTR || error == ECONNABORTED) continue;
        if (error == EAGAIN || error == EWOULDBLOCK) return;
        if (out_of_descriptors(error)) {
          // The kernel takes the descriptor before it looks at the backlog: with none left,
          // accept fails even when nobody is waiting, and then there is nothing to do.
          if (!connection_waiting()) return;
          descriptor_shortages.fetch_add(1, std::memory_order_relaxed);
          if (open > 0 && !evicted_for_descriptor) {
            evict_one("no file descriptor was left for a new connection (" +
                      std::string(std::strerror(error)) + ")");
            evicted_for_descriptor = true;
            continue;
          }
        }
        log("registry server: accept failed (" + std::string(std::strerror(error)) +
            "): accepting waits for a connection to close, or " + std::to_string(accept_backoff.count()) +
            " ms");
        accept_paused = true;
        accept_resumes_at = now() + accept_backoff;
        return;
      }
      evicted_for_descriptor = false;
      // Room is made only for a connection that is there: evicting on a mere count would close
      // a request in progress whenever the table just filled up.
      if (open >= options.max_connections)
        evict_one("max_connections (" + std::to_string(options.max_connections) + ") was reached");
      Connection c;
      c.fd = fd;
      c.peer = peer_of(address);
      c.opened = now();
      c.deadline = c.opened + options.request_timeout;
      connections.push_back(std::move(c));
    }
  }

  // An answer's deadline: response_timeout from its start, plus what the bytes the client has taken
  // (acknowledged by its side, not merely queued in this kernel: SIOCOUTQ counts those still
  // unacknowledged) need at min_response_rate. A 16 MiB answer over an honest slow link finishes;
  // a reader below the rate is still dropped, and one that stops reading has response_timeout
  // plus the time it earned. Called as bytes go out and again before a deadline is enforced, as
  // the client may have taken more since the last write.
  void extend_by_progress(Connection& c) {
    if (options.min_response_rate == 0) return;
    int unacknowledged = 0;
    if (::ioctl(c.fd, SIOCOUTQ, &unacknowledged) != 0) return;  // no progress known: no time earned
    c.taken = c.written - std::min(c.written, static_cast<std::size_t>(std::max(unacknowledged, 0)));
    const std::chrono::milliseconds earned(c.taken * 1000 / options.min_response_rate);
    c.deadline = std::max(c.deadline, c.answered + options.response_timeout + earned);
  }

  void expire(Clock::time_point at) {
    for (Connection& c : connections) {
      if (c.phase == Connection::Phase::closed || at < c.deadline) continue;
      if (c.phase == Connection::Phase::respond) {
        extend_by_progress(c);
        if (at < c.deadline) continue;
      }
      if (c.phase == Connection::Phase::request && !c.in.empty()) {
        log(c.peer + " dropped: the request did not arrive whole within " +
            std::to_string(options.request_timeout.count()) + " ms");
      } else if (c.phase == Connection::Phase::respond) {
        log(c.log_line + ": dropped, the answer was not taken within " +
            std::to_string(options.response_timeout.count()) + " ms" +
            (options.min_response_rate > 0
                 ? " and " + std::to_string(options.min_response_rate) + " bytes per second (" +
                       std::to_string(c.taken) + " of " +
                       std::to_string(c.out_head.size() + c.out_body->size()) + " bytes taken)"
                 : std::string()));
        // Reset, not closed: a close would leave the kernel sending what it still holds of the
        // answer (megabytes) to a reader that does not read, long after the server let go.
        const linger reset{1, 0};
        ::setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
      }
      close(c);
    }
  }

  void step(Connection& c, short revents) {
    switch (c.phase) {
      case Connection::Phase::request: return read_request(c, revents);
      case Connection::Phase::respond: return write_answer(c, revents);
      case Connection::Phase::drain: return drain(c);
      case Connection::Phase::closed: return;
    }
  }

  void read_request(Connection& c, short revents) {
    char buffer[16 * 1024];
    for (;;) {
      // Never read past what the request needs: the head's limit, then its declared body.
      std::size_t want = sizeof buffer;
      if (c.head) {
        const std::size_t needed = c.body_start + *c.head->content_length;
        want = c.in.size() >= needed ? 0 : std::min(want, needed - c.in.size());
      }
      if (want == 0) break;
      const ssize_t n = ::recv(c.fd, buffer, want, 0);
      if (n == 0) return close(c);  // gone before the request was whole
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        return close(c);
      }
      c.in.append(buffer, static_cast<std::size_t>(n));
      if (!c.head && !take_head(c)) return;
      if (c.phase != Connection::Phase::request) return;
    }
    (void)revents;
    if (c.head && c.in.size() - c.body_start >= c.head->content_length.value_or(0)) serve(c);
  }

  // Parses the head once it has arrived; false when the connection moved on (refused).
  bool take_head(Connection& c) {
    const std::size_t end = detail::head_end(c.in);
    if (end == std::string::npos) {
      if (c.in.size() > options.max_head_bytes) {
        answer(c,
               detail::RegistryApi::refusal(
                   431, ErrorCode::size_limit,
                   "the request head is longer than " + std::to_string(options.max_head_bytes) + " bytes"),
               "-", "-");
        return false;
      }
      return true;
    }
    if (end > options.max_head_bytes + 4) {
      answer(c, detail::RegistryApi::refusal(431, ErrorCode::size_limit, "the request head is too long"), "-",
             "-");
      return false;
    }
    detail::HttpHead head;
    try {
      head = detail::parse_request_head(std::string_view(c.in).substr(0, end));
    } catch (const Error& e) {
      const bool coding = std::string_view(e.what()).find("Transfer-Encoding") != std::string_view::npos;
      answer(c,
             detail::RegistryApi::refusal(coding ? 501 : 400, ErrorCode::invalid_argument,
                                          std::string("a malformed request: ") + e.what()),
             "-", "-");
      return false;
    }
    if (auto refused = api.screen(head, options.max_body_bytes, c.caller)) {
      answer(c, *refused, head.method, head.target);
      return false;
    }
    if (!head.content_length) head.content_length = 0;
    if (!reserve_body(c, *head.content_length)) {
      detail::ApiAnswer busy = detail::RegistryApi::refusal(
          503, ErrorCode::io_error,
          "the server is receiving other uploads (" + std::to_string(options.max_buffered_body_bytes) +
              " bytes of bodies at once at most): retry in a moment");
      busy.headers.emplace_back("Retry-After", "1");
      answer(c, std::move(busy), head.method, head.target);
      return false;
    }
    // Exactly the declared size: no growth by doubling past what was reserved.
    c.in.reserve(end + *head.content_length);
    if (const std::string* expect = head.find("Expect");
        expect && detail::equals_ignoring_case(*expect, "100-continue") && *head.content_length > 0) {
      // The client waits for this before sending its body; a best-effort write of 25 bytes.
      static constexpr char go_on[] = "HTTP/1.1 100 Continue\r\n\r\n";
      (void)::send(c.fd, go_on, sizeof go_on - 1, MSG_NOSIGNAL);
    }
    c.body_start = end;
    c.head = std::move(head);
    return true;
  }

  void serve(Connection& c) {
    const std::uint64_t request = ++requests;
    const auto started = Clock::now();  // the handler's own time, for the log: the real clock
    detail::ApiAnswer a =
        api.serve(*c.head, std::string_view(c.in).substr(c.body_start, *c.head->content_length), request);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
    if (!a.failure.empty()) log("request " + std::to_string(request) + " failed: " + a.failure);
    answer(c, std::move(a), c.head->method, c.head->target, " " + std::to_string(took) + "ms");
  }

  void answer(Connection& c, detail::ApiAnswer a, const std::string& method, const std::string& target,
              const std::string& suffix = "") {
    c.in.clear();
    c.in.shrink_to_fit();
    release_body(c);
    if (!hold_answer(c, a.body)) {
      // A small answer, always sent: a refused client is told why instead of being dropped.
      a = detail::RegistryApi::refusal(503, ErrorCode::io_error,
                                       "the server is sending other answers (" +
                                           std::to_string(options.max_pending_answer_bytes) +
                                           " bytes at once at most): retry in a moment");
      a.headers.emplace_back("Retry-After", "1");
      hold_answer(c, a.body, /*always=*/true);
    }
    c.out_head = response_head(a);
    c.written = 0;
    c.phase = Connection::Phase::respond;
    c.answered = now();
    c.deadline = c.answered + options.response_timeout;
    c.log_line = c.peer + " " + printable(method) + " " + printable(target) + " " + std::to_string(a.status) +
                 " " + c.caller + suffix;
    // Logged before the first byte goes out: once a client has its answer, the log has the line.
    log(c.log_line);
    write_answer(c, POLLOUT);
  }

  void write_answer(Connection& c, short revents) {
    (void)revents;
    const std::size_t total = c.out_head.size() + c.out_body->size();
    while (c.written < total) {
      const bool in_head = c.written < c.out_head.size();
      const std::string& part = in_head ? c.out_head : *c.out_body;
      const std::size_t from = in_head ? c.written : c.written - c.out_head.size();
      const int more = in_head && !c.out_body->empty() ? MSG_MORE : 0;  // head and body in one segment
      const ssize_t n = ::send(c.fd, part.data() + from, part.size() - from, MSG_NOSIGNAL | more);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        log(c.log_line + ": the client left before the whole answer was sent");
        return close(c);
      }
      c.written += static_cast<std::size_t>(n);
      extend_by_progress(c);
    }
    release_answer(c);
    ::shutdown(c.fd, SHUT_WR);
    c.phase = Connection::Phase::drain;
    c.deadline = std::min(c.deadline, now() + drain_time);
  }

  void drain(Connection& c) {
    char buffer[16 * 1024];
    for (;;) {
      const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, 0);
      if (n == 0) return close(c);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        return close(c);
      }
      c.drained += static_cast<std::size_t>(n);
      if (c.drained > drain_bytes) return close(c);
    }
  }
};

RegistryServer::RegistryServer(Registry& registry, RegistryServerOptions options) {
  check_options(options);
  impl_ = std::make_unique<Impl>(registry, std::move(options));
}

RegistryServer::~RegistryServer() { stop(); }

int RegistryServer::bind(const std::string& host, int port) {
  if (impl_->listen_fd >= 0) throw Error(ErrorCode::invalid_argument, "registry server: already bound");
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  const std::string where = host + ":" + service;
  if (const int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found);
      rc != 0) {
    throw Error(ErrorCode::io_error, "registry server: cannot listen on " + where + ": " + gai_strerror(rc));
  }
  std::string last_error = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 512) == 0) {
      impl_->listen_fd = fd;
      break;
    }
    last_error = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(found);
  if (impl_->listen_fd < 0) {
    throw Error(ErrorCode::io_error, "registry server: cannot listen on " + where + " (" + last_error +
                                         "; in use, or not an address of this machine)");
  }
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  ::getsockname(impl_->listen_fd, reinterpret_cast<sockaddr*>(&bound), &length);
  return bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6&>(bound).sin6_port)
                                     : ntohs(reinterpret_cast<sockaddr_in&>(bound).sin_port);
}

void RegistryServer::listen() {
  if (impl_->listen_fd < 0)
    throw Error(ErrorCode::invalid_argument, "registry server: listen() before bind()");
  impl_->run();
}

void RegistryServer::stop() {
  impl_->stopped.store(true);
  impl_->wake_loop();
}

namespace detail {

void RegistryServerProbe::use_clock(RegistryServer& server, std::function<Clock::time_point()> now) {
  server.impl_->now = std::move(now);
}

void RegistryServerProbe::wake(RegistryServer& server) { server.impl_->wake_loop(); }

std::uint64_t RegistryServerProbe::loop_turns(const RegistryServer& server) {
  return server.impl_->loop_turns.load(std::memory_order_acquire);
}

std::uint64_t RegistryServerProbe::descriptor_shortages(const RegistryServer& server) {
  return server.impl_->descriptor_shortages.load(std::memory_order_relaxed);
}

}  // namespace detail

}  // namespace mfstate
