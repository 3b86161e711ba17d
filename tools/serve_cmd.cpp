// `mfstate registry serve` and `mfstate registry token`: the server side of the registry (native
// only: sockets, signals, OpenSSL; a build of the CLI without them leaves this file out).
#include <pthread.h>
#include <signal.h>

#include <charconv>
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

}  // namespace

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
  RegistryServerOptions options;
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
