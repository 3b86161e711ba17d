// What the node build of the `mfstate` tool does not do, said as clear errors: SQLite and PostgreSQL
// registries (their clients are native libraries; SQLite's locking also needs fcntl locks, which
// node's fs does not offer, so concurrent CI jobs could lose writes), and serving a registry or
// minting its tokens (`registry serve`, `registry token`: a long-running server and its secrets
// are the native tool's job). The folder and http(s):// registries work.
#include "mfstate/registry.hpp"
#include "mfstate/registry_server.hpp"

namespace mfstate {

namespace {

[[noreturn]] void native_only(const std::string& what) {
  throw Error(ErrorCode::invalid_argument,
              what + " needs the native mfstate tool (docs/contracts-ci.md); the npm build is a client of "
                     "folder and http(s):// registries");
}

}  // namespace

std::unique_ptr<Registry> open_sqlite_registry(const std::string& file, const RegistryOptions&) {
  throw Error(ErrorCode::invalid_argument,
              "registry " + file +
                  ": the npm build of mfstate reads folder and http:// registries, not SQLite files; "
                  "serve the file with the native `mfstate registry serve` and pass its URL");
}

std::unique_ptr<Registry> open_postgres_registry(const std::string&, const RegistryOptions&) {
  throw Error(ErrorCode::invalid_argument,
              "the npm build of mfstate reads folder and http:// registries, not PostgreSQL; "
              "pass the URL of the `mfstate registry serve` in front of the database");
}

AccessPolicy AccessPolicy::open() { native_only("`mfstate registry serve`"); }
AccessPolicy AccessPolicy::parse(const Value&) { native_only("a registry token file"); }
AccessPolicy AccessPolicy::load(const std::string&) { native_only("a registry token file"); }
std::string generate_access_token() { native_only("`mfstate registry token`"); }
std::string access_token_hash(std::string_view) { native_only("`mfstate registry token`"); }

struct RegistryServer::Impl {};

RegistryServer::RegistryServer(Registry&, RegistryServerOptions) {}
RegistryServer::~RegistryServer() = default;
int RegistryServer::bind(const std::string&, int) { native_only("`mfstate registry serve`"); }
void RegistryServer::listen() {}
void RegistryServer::stop() {}

}  // namespace mfstate
