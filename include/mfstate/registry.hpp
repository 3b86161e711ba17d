// The contract registry (native only): every published manifest version of every app, and which
// version is deployed in which environment. Where a producer's CI finds its consumers'
// expectations. Three backends behind one interface: a folder of plain JSON files anyone can
// commit, a single SQLite file, and an HTTP client for `mfstate registry serve`.
#pragma once

// The browser's core has no registry; the npm tool's node build (js/packages/cli) has one.
#if defined(__EMSCRIPTEN__) && !defined(MFSTATE_NODE_TOOL)
#error "mfstate/registry.hpp is native only (files, SQLite, sockets)"
#endif

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mfstate/compat.hpp"
#include "mfstate/manifest.hpp"

namespace mfstate {

/// One registry. Published versions are immutable: publishing app@version again with the same
/// content does nothing, with other content is Error(already_published). Every call may throw
/// Error(io_error) (file or database failure, unreachable server, naming the location) or
/// Error(http_error). A failed call changes nothing.
class Registry {
 public:
  virtual ~Registry() = default;

  /// Where it lives (folder, file or URL), for messages. Allocates.
  virtual std::string location() const = 0;
  /// Stores `manifest` as name@version (its to_value(): schemas inline). True when stored, false
  /// when that exact manifest was already there. Throws already_published on other content.
  virtual bool publish(const Manifest& manifest) = 0;
  /// Every app with a published version, sorted by name.
  virtual std::vector<std::string> apps() const = 0;
  /// The published versions of `app`, lowest first by semver; empty when none.
  virtual std::vector<std::string> versions(std::string_view app) const = 0;
  /// app@version, or nullopt when not published. Throws when the stored document is corrupt.
  virtual std::optional<Manifest> manifest(std::string_view app, std::string_view version) const = 0;
  /// Records that app@version now runs in `environment` (replacing what ran there). Throws
  /// not_found when app@version is not published, invalid_argument for a bad environment name.
  virtual void deploy(std::string_view app, std::string_view version, std::string_view environment) = 0;
  /// app -> version deployed in `environment`; empty for an unknown environment.
  virtual std::map<std::string, std::string> deployed(std::string_view environment) const = 0;
  /// Every environment with a deployment, sorted.
  virtual std::vector<std::string> environments() const = 0;
};

struct RegistryOptions {
  bool create = false;     ///< create the folder or the SQLite file when missing (publish, deploy)
  int timeout_ms = 10000;  ///< HTTP connect/read/write timeout, SQLite busy timeout
};

/// Opens the registry at `location`, picking the backend by its form: "http://…" or "https://…"
/// -> HTTP client, a path ending in ".sqlite" or ".db" -> SQLite file, anything else -> folder.
/// Throws io_error when the folder or file does not exist and options.create is false.
std::unique_ptr<Registry> open_registry(std::string_view location, const RegistryOptions& options = {});
/// A folder: <root>/<app>/<version>.json and <root>/deployments.json. Writes are atomic renames.
std::unique_ptr<Registry> open_folder_registry(const std::string& root, const RegistryOptions& options = {});
/// A single SQLite database file (tables `manifests` and `deployments`).
std::unique_ptr<Registry> open_sqlite_registry(const std::string& file, const RegistryOptions& options = {});
/// A client of `mfstate registry serve` at `url` ("http://127.0.0.1:8080", optional path prefix).
std::unique_ptr<Registry> open_http_registry(const std::string& url, const RegistryOptions& options = {});

/// True for an environment name: the same characters as an app name.
bool is_environment_name(std::string_view name) noexcept;

/// A manifest fetched from a registry to check against, and why it was chosen.
struct Counterpart {
  Manifest manifest;
  std::vector<std::string> because;  ///< "latest", "deployed in production", …
};

/// What `contracts check` checks `app` against: for every other app, its latest published
/// version and every version deployed in any environment (each once). Cost: one fetch each.
std::vector<Counterpart> check_counterparts(const Registry& registry, std::string_view app);
/// What `contracts can-deploy` checks against: the version of every other app deployed in
/// `environment`.
std::vector<Counterpart> deployed_counterparts(const Registry& registry, std::string_view app,
                                               std::string_view environment);

/// Serves a registry over HTTP (JSON API, docs/contracts-ci.md) — `mfstate registry serve`.
/// Requests are served on the server's threads, one at a time (the registry is not shared).
class RegistryServer {
 public:
  /// Serves `registry`, which must outlive the server.
  explicit RegistryServer(Registry& registry);
  ~RegistryServer();
  RegistryServer(const RegistryServer&) = delete;
  RegistryServer& operator=(const RegistryServer&) = delete;

  /// Binds host:port (port 0 picks a free one) and returns the port. Throws io_error.
  int bind(const std::string& host, int port);
  /// Serves until stop() is called (from another thread). Blocks.
  void listen();
  /// Makes listen() return. Thread-safe; idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mfstate
