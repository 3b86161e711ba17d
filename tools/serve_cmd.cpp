// `mfstate registry serve` and `mfstate registry token`: the server side of the registry (native
// only: sockets, signals, OpenSSL; a build of the CLI without them leaves this file out).
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <thread>

#include "commands.hpp"
#include "mfstate/registry_server.hpp"

namespace mfstate::cli {

namespace {

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

std::string describe(const AccessPolicy& access) {
  if (access.open_write) return "anyone may read, publish and deploy (--open)";
  std::string out = access.open_read ? "anyone may read" : "reading needs a token";
  if (access.tokens.empty()) return out + "; nobody may publish or deploy (no --tokens file)";
  return out + "; " + std::to_string(access.tokens.size()) + " token" +
         (access.tokens.size() == 1 ? "" : "s") + " may publish and deploy";
}

// Descriptors the server needs beside one per connection: the listening socket, its wake pipe,
// the storage (a SQLite file and its journal, a PostgreSQL connection, a folder's lock and the
// files a request opens), stdio, and a margin for the libraries.
constexpr std::int64_t descriptors_beside_connections = 64;

// Raises the soft limit of open files to what max_connections needs, up to the hard limit (what
// an unprivileged process may do; Go's runtime and nginx do the same). Past the hard limit the
// server would run out of descriptors before it reached max_connections: refused with how to fix it.
void ensure_descriptors(std::int64_t max_connections) {
  const auto needed = static_cast<rlim_t>(max_connections + descriptors_beside_connections);
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= needed)
    return;
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed) {
    throw Error(ErrorCode::invalid_argument,
                "--max-connections " + std::to_string(max_connections) + " needs " + std::to_string(needed) +
                    " file descriptors (one per connection and " +
                    std::to_string(descriptors_beside_connections) +
                    " for the server), and this process may open at most " + std::to_string(limit.rlim_max) +
                    " (ulimit -Hn): lower --max-connections or raise the limit");
  }
  limit.rlim_cur = needed;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    throw Error(ErrorCode::io_error,
                std::string("cannot raise the limit of open files (ulimit -n): ") + std::strerror(errno));
  }
}

const OptionRange& range_of(std::string_view field) {
  for (const OptionRange& r : option_ranges()) {
    if (r.field == field) return r;
  }
  throw Error(ErrorCode::invalid_argument, "registry serve: no range for " + std::string(field));
}

// An option's flag: max_body_bytes is --max-body-bytes, a duration says its unit
// (request_timeout is --request-timeout-ms).
std::string flag_of(std::string_view field) {
  std::string flag = "--" + std::string(field);
  std::replace(flag.begin(), flag.end(), '_', '-');
  return range_of(field).milliseconds ? flag + "-ms" : flag;
}

}  // namespace

void add_serve_limits(CLI::App& serve, ServeArgs& args) {
  const RegistryServerOptions defaults;
  ServeArgs::Limits& l = args.limits;
  l.max_connections = static_cast<std::int64_t>(defaults.max_connections);
  l.request_timeout_ms = defaults.request_timeout.count();
  l.response_timeout_ms = defaults.response_timeout.count();
  l.min_response_rate = static_cast<std::int64_t>(defaults.min_response_rate);
  l.max_head_bytes = static_cast<std::int64_t>(defaults.max_head_bytes);
  l.max_body_bytes = static_cast<std::int64_t>(defaults.max_body_bytes);
  l.max_buffered_body_bytes = static_cast<std::int64_t>(defaults.max_buffered_body_bytes);
  l.max_pending_answer_bytes = static_cast<std::int64_t>(defaults.max_pending_answer_bytes);
  l.answer_cache_bytes = static_cast<std::int64_t>(defaults.answer_cache_bytes);
  l.max_answer_bytes = static_cast<std::int64_t>(defaults.max_answer_bytes);
  l.listing_cache_time_ms = defaults.listing_cache_time.count();
  // Each flag's range is the library's (option_ranges), so the command line refuses what the
  // server would, naming the flag.
  auto option = [&](const char* field, std::int64_t& value, const std::string& what) {
    const OptionRange& r = range_of(field);
    serve.add_option(flag_of(field), value, what)
        ->capture_default_str()
        ->check(CLI::Range(r.least, r.most))
        ->group("Limits");
  };
  option("max_connections", l.max_connections,
         "Open connections at most; past it a new one closes the oldest slow one (raises ulimit -n to it "
         "plus 64, up to the hard limit)");
  option("request_timeout", l.request_timeout_ms, "A request must arrive whole within this time");
  option("response_timeout", l.response_timeout_ms,
         "An answer must be taken within this time, plus what it takes at --min-response-rate");
  option("min_response_rate", l.min_response_rate,
         "Bytes per second a client must take its answer at once --response-timeout-ms has passed (0: the "
         "whole answer within --response-timeout-ms)");
  option("max_head_bytes", l.max_head_bytes, "A request's line and headers at most");
  option("max_body_bytes", l.max_body_bytes, "A manifest (a request body) at most");
  option("max_buffered_body_bytes", l.max_buffered_body_bytes,
         "Request bodies held at once, all connections together (at least --max-body-bytes)");
  option("max_pending_answer_bytes", l.max_pending_answer_bytes,
         "Answers of over 64 KiB held at once for clients still taking them (at least --max-answer-bytes)");
  option(
      "answer_cache_bytes", l.answer_cache_bytes,
      "Built manifest answers kept for repeated reads (0: none; else at least --max-answer-bytes plus 1024)");
  option("max_answer_bytes", l.max_answer_bytes,
         "A manifest's answer (its JSON as a read sends it back) at most: a larger one is refused at publish "
         "(at least --max-body-bytes)");
  option("listing_cache_time", l.listing_cache_time_ms,
         "How long a built listing is kept (0: every listing read from the storage)");
}

int registry_serve(const ServeArgs& args, const Common& common) {
  const std::size_t colon = args.listen.rfind(':');
  std::string host = colon == std::string::npos ? std::string() : args.listen.substr(0, colon);
  int port = -1;
  if (colon != std::string::npos) {
    const char* first = args.listen.data() + colon + 1;
    const char* last = args.listen.data() + args.listen.size();
    auto [ptr, ec] = std::from_chars(first, last, port);
    if (ec != std::errc() || ptr != last) port = -1;
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty() || port < 0 || port > 65535) {
    throw Error(ErrorCode::invalid_argument,
                "--listen " + args.listen + ": expected HOST:PORT, e.g. 127.0.0.1:8080");
  }
  if (args.registry.rfind("http://", 0) == 0 || args.registry.rfind("https://", 0) == 0) {
    throw Error(
        ErrorCode::invalid_argument,
        "--registry " + args.registry + ": serve a folder, a .sqlite file or a postgresql:// database");
  }
  const ServeArgs::Limits& l = args.limits;
  RegistryServerOptions options;
  options.max_connections = static_cast<std::size_t>(l.max_connections);
  options.request_timeout = std::chrono::milliseconds(l.request_timeout_ms);
  options.response_timeout = std::chrono::milliseconds(l.response_timeout_ms);
  options.min_response_rate = static_cast<std::size_t>(l.min_response_rate);
  options.max_head_bytes = static_cast<std::size_t>(l.max_head_bytes);
  options.max_body_bytes = static_cast<std::size_t>(l.max_body_bytes);
  options.max_buffered_body_bytes = static_cast<std::size_t>(l.max_buffered_body_bytes);
  options.max_pending_answer_bytes = static_cast<std::size_t>(l.max_pending_answer_bytes);
  options.answer_cache_bytes = static_cast<std::size_t>(l.answer_cache_bytes);
  options.max_answer_bytes = static_cast<std::size_t>(l.max_answer_bytes);
  options.listing_cache_time = std::chrono::milliseconds(l.listing_cache_time_ms);
  // Checked before anything is opened or raised, each option named by its flag.
  check_options(options, flag_of);
  // The library takes an answer limit below the body limit (a publish past it is refused, saying
  // why); on the command line it is a mistake: the largest body, answered as it was sent, could
  // never be published.
  if (l.max_answer_bytes < l.max_body_bytes) {
    throw Error(ErrorCode::invalid_argument,
                "--max-answer-bytes " + std::to_string(l.max_answer_bytes) + " is below --max-body-bytes " +
                    std::to_string(l.max_body_bytes) +
                    ": a manifest of that size, answered as it was sent, could never be published");
  }
  ensure_descriptors(l.max_connections);
  options.access = args.open             ? AccessPolicy::open()
                   : args.tokens.empty() ? AccessPolicy{}
                                         : AccessPolicy::load(args.tokens);
  // One line per request on stderr; printable() already made every piece of client text safe.
  options.log = [](std::string_view line) { std::cerr << utc_now() << ' ' << line << '\n'; };
  auto registry = open_registry(args.registry, {.create = true});

  // SIGINT and SIGTERM are taken by this thread with sigwait; blocking them first makes every
  // thread created later inherit the mask, so no handler runs in the middle of a request.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const std::string access = describe(options.access);
  RegistryServer server(*registry, std::move(options));
  const int bound = server.bind(host, port);
  const std::string url = "http://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                          std::to_string(bound);
  if (common.json) {
    print_json(Value::object({{"url", Value(url)}, {"registry", Value(registry->location())}}));
  } else {
    std::cout << "serving registry " << printable(registry->location()) << " on " << url
              << " (SIGINT or SIGTERM stops)\n"
              << "access: " << access << '\n';
  }
  std::cout.flush();
  std::thread listener([&] { server.listen(); });
  int received = 0;
  sigwait(&signals, &received);
  server.stop();
  listener.join();
  if (!common.json) std::cout << "stopped\n";
  return exit_ok;
}

int registry_token(const TokenArgs& args, const Common& common) {
  // The entry is checked as the server will read it, so a bad name or app fails here, not there.
  std::vector<Member> entry{{"name", Value(args.name)}};
  const std::string token = generate_access_token();
  entry.push_back({"sha256", Value(access_token_hash(token))});
  if (!args.apps.empty()) entry.push_back({"apps", string_array(args.apps)});
  if (args.admin) entry.push_back({"admin", Value(true)});
  const Value line = Value::object(std::move(entry));
  (void)AccessPolicy::parse(Value::object({{"tokens", Value::array({line})}}));
  if (common.json) {
    print_json(Value::object({{"token", Value(token)}, {"entry", line}}));
    return exit_ok;
  }
  const std::string rights = args.admin          ? "publish and deploy every app"
                             : args.apps.empty() ? "read only"
                                                 : "publish and deploy its apps";
  std::cout << "token " << args.name << " (" << rights << "); give it to that team's CI as the secret "
            << "MFSTATE_REGISTRY_TOKEN. It is shown only now:\n"
            << "  " << token << '\n'
            << "add this entry to the \"tokens\" of the server's --tokens file (it holds only the hash):\n"
            << "  " << line.to_json() << '\n';
  return exit_ok;
}

}  // namespace mfstate::cli
