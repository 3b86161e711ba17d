// `mfstate registry list`, and how every command opens a registry.
#include <cstdlib>

#include "commands.hpp"

namespace mfstate::cli {

namespace {

// True for an http:// URL whose host is not this machine (a token sent there crosses a network).
bool is_plain_http_off_machine(const std::string& location) {
  if (location.rfind("http://", 0) != 0) return false;
  std::string_view rest = std::string_view(location).substr(7);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (rest.empty()) return false;
  std::string_view host =
      rest.front() == '[' ? rest.substr(1, rest.find(']') - 1) : rest.substr(0, rest.rfind(':'));
  return !(host == "127.0.0.1" || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0);
}

}  // namespace

std::unique_ptr<Registry> open_cli_registry(const std::string& location, bool create) {
  RegistryOptions options;
  options.create = create;
  if (const char* token = std::getenv("MFSTATE_REGISTRY_TOKEN"); token != nullptr && *token != '\0') {
    options.token = token;
    if (is_plain_http_off_machine(location)) {
      std::cerr << "mfstate: warning: sending MFSTATE_REGISTRY_TOKEN unencrypted to " << printable(location)
                << "; use https://\n";
    }
  }
  return open_registry(location, options);
}

int registry_list(const ListArgs& args, const Common& common) {
  auto registry = open_cli_registry(args.registry, false);
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
  std::cout << "registry " << printable(registry->location()) << '\n';
  if (apps.empty()) std::cout << "  no app published\n";
  for (const auto& a : apps) {
    std::cout << "  " << printable(a) << ':';
    for (const auto& v : registry->versions(a)) std::cout << ' ' << printable(v);
    std::cout << '\n';
  }
  for (const auto& e : envs) {
    std::cout << "  deployed in " << printable(e) << ':';
    for (const auto& [a, v] : registry->deployed(e))
      std::cout << ' ' << printable(a) << ' ' << printable(v) << ';';
    std::cout << '\n';
  }
  return exit_ok;
}

}  // namespace mfstate::cli
