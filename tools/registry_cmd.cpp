// `mfstate registry serve` and `mfstate registry list`.
#include <pthread.h>
#include <signal.h>

#include <charconv>
#include <thread>

#include "commands.hpp"
#include "mfstate/registry.hpp"

namespace mfstate::cli {

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
    throw Error(ErrorCode::invalid_argument,
                "--registry " + args.registry + ": serve a folder or a .sqlite file");
  }
  auto registry = open_registry(args.registry, {.create = true});

  // SIGINT and SIGTERM are taken by this thread with sigwait; blocking them first makes every
  // server thread (created later) inherit the mask, so no handler runs in the middle of a request.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  RegistryServer server(*registry);
  const int bound = server.bind(host, port);
  const std::string url = "http://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                          std::to_string(bound);
  if (common.json) {
    print_json(Value::object({{"url", Value(url)}, {"registry", Value(registry->location())}}));
  } else {
    std::cout << "serving registry " << registry->location() << " on " << url
              << " (SIGINT or SIGTERM stops)\n";
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

int registry_list(const ListArgs& args, const Common& common) {
  auto registry = open_registry(args.registry);
  const auto apps = registry->apps();
  const auto envs = registry->environments();
  if (common.json) {
    std::vector<Member> app_members, env_members;
    for (const auto& a : apps) app_members.push_back({a, string_array(registry->versions(a))});
    for (const auto& e : envs) {
      std::vector<Member> deployed;
      for (const auto& [a, v] : registry->deployed(e)) deployed.push_back({a, Value(v)});
      env_members.push_back({e, Value::object(std::move(deployed))});
    }
    print_json(Value::object({{"apps", Value::object(std::move(app_members))},
                              {"environments", Value::object(std::move(env_members))}}));
    return exit_ok;
  }
  std::cout << "registry " << registry->location() << '\n';
  if (apps.empty()) std::cout << "  no app published\n";
  for (const auto& a : apps) {
    std::cout << "  " << a << ':';
    for (const auto& v : registry->versions(a)) std::cout << ' ' << v;
    std::cout << '\n';
  }
  for (const auto& e : envs) {
    std::cout << "  deployed in " << e << ':';
    for (const auto& [a, v] : registry->deployed(e)) std::cout << ' ' << a << ' ' << v << ';';
    std::cout << '\n';
  }
  return exit_ok;
}

}  // namespace mfstate::cli
