// Uses an installed mfstate::registry through its public headers: a folder registry in a fresh
// folder, and a server bound to a free port. Exits non-zero when anything is off.
#include <mfstate/registry.hpp>
#include <mfstate/registry_server.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

int main() {
  int failures = 0;
  auto expect = [&](bool ok, const char* what) {
    if (!ok) {
      std::fprintf(stderr, "mfstate-registry-consumer: expected %s\n", what);
      ++failures;
    }
  };
  char pattern[] = "/tmp/mfstate-registry-consumer-XXXXXX";
  const char* dir = mkdtemp(pattern);
  if (dir == nullptr) return 1;
  const std::string root = std::string(dir) + "/registry";
  {
    auto registry = mfstate::open_registry(root, {.create = true});
    expect(registry->publish(mfstate::parse_manifest_json(R"({"name": "home", "version": "1.0.0"})")),
           "a first publish to store the manifest");
    registry->deploy("home", "1.0.0", "production");
    expect(registry->deployed("production").at("home") == "1.0.0", "the deployment to be recorded");
    expect(mfstate::printable("a\x1b[2J") == "a\\x1b[2J", "printable() to escape control characters");
    mfstate::RegistryServer server(*registry);
    expect(server.bind("127.0.0.1", 0) > 0, "the server to bind a free port");
  }
  std::filesystem::remove_all(dir);
  if (failures == 0) std::puts("mfstate-registry-consumer: ok");
  return failures == 0 ? 0 : 1;
}
