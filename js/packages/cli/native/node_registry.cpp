// What the node build of the `mfstate` tool has not got, said as clear errors: a SQLite registry
// file (its locking needs fcntl locks, which node's fs does not offer, so concurrent CI jobs
// could lose writes) and `registry serve` (a long-running server is the native tool's job).
#include "mfstate/registry.hpp"

namespace mfstate {

std::unique_ptr<Registry> open_sqlite_registry(const std::string& file, const RegistryOptions&) {
  throw Error(ErrorCode::invalid_argument,
              "registry " + file +
                  ": the npm build of mfstate reads folder and http:// registries, not SQLite files; "
                  "serve the file with the native `mfstate registry serve` and pass its URL");
}

struct RegistryServer::Impl {};

RegistryServer::RegistryServer(Registry&) {}
RegistryServer::~RegistryServer() = default;

int RegistryServer::bind(const std::string&, int) {
  throw Error(ErrorCode::invalid_argument,
              "`mfstate registry serve` needs the native tool (build it with CMake, see "
              "docs/contracts-ci.md); the npm build is a client of folder and http:// registries");
}

void RegistryServer::listen() {}
void RegistryServer::stop() {}

}  // namespace mfstate
