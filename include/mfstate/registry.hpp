// The contract registry (native only, CMake target mfstate::registry): every published manifest
// version of every app, and which version is deployed in which environment. Where a producer's CI
// finds its consumers' expectations. Four backends behind one interface: a folder of plain JSON
// files anyone can commit, a single SQLite file, a PostgreSQL database, and an HTTP client for
// `mfstate registry serve` (the server: mfstate/registry_server.hpp). Guarantees and deployment:
// docs/contracts-ci.md. Native builds have every backend; a WebAssembly build of the CLI (under
// node, NODERAWFS) has the folder and, with its own HttpTransport, the HTTP client.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mfstate/compat.hpp"
#include "mfstate/manifest.hpp"

namespace mfstate {

/// One registry. Published versions are immutable: publishing app@version again with the same
/// content does nothing, with other content is Error(already_published); of two writers racing
/// to publish one version with different content exactly one wins. Every app, version and
/// environment name is checked by one rule (is_registry_name, is_semver) before it reaches storage:
/// a bad one is Error(invalid_argument). Every call may throw Error(io_error) (file or database
/// failure, unreachable server) or, for the HTTP client, Error(http_error), unauthorized or
/// forbidden. A failed call changes nothing. Not thread-safe: one object per thread.
class Registry {
 public:
  virtual ~Registry() = default;

  /// Where it lives (folder, file or URL, without any password), for messages. Allocates.
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
  /// not_found when app@version is not published.
  virtual void deploy(std::string_view app, std::string_view version, std::string_view environment) = 0;
  /// app -> version deployed in `environment`; empty for an environment with no deployment.
  virtual std::map<std::string, std::string> deployed(std::string_view environment) const = 0;
  /// Every environment with a deployment, sorted.
  virtual std::vector<std::string> environments() const = 0;
};

/// One HTTP request, as the registry's HTTP client sends it.
struct HttpRequest {
  std::string method;  ///< "GET" or "PUT"
  std::string url;     ///< absolute: "https://host:port/prefix/v1/apps"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

/// The answer to an HttpRequest.
struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  ///< names as the server wrote them
  std::string body;
};

/// What a response may cost the client.
struct HttpLimits {
  std::size_t max_response_bytes = 32u << 20;  ///< head and body together; beyond it the read stops
  /// The whole exchange, connect to last byte, may take this plus what min_rate earns.
  std::chrono::milliseconds timeout{10000};
  /// Bytes per second the exchange must move on average once `timeout` is spent: every byte of
  /// the request sent and of the answer received adds 1/min_rate s to the deadline, so a large
  /// manifest crosses an honest slow link while a server dripping bytes earns next to nothing.
  /// The server's min_response_rate (64 KiB/s) by default; zero: `timeout` for the whole exchange.
  std::size_t min_rate = 64u << 10;
};

/// Sends one request and reads the whole answer within `limits`: the reading stops as soon as
/// the answer exceeds max_response_bytes (Error(size_limit)) or the deadline passes
/// (Error(io_error)): `timeout` plus what the bytes moved so far need at min_rate, however slowly
/// the server drips bytes. Error(io_error) when the server cannot be reached or answers something
/// that is not HTTP/1.x (two Content-Length headers included). http:// and https:// (certificates
/// verified against the system's trust store; SSL_CERT_FILE overrides it). The native default
/// transport; a build without sockets supplies its own (RegistryOptions).
HttpResponse http_send(const HttpRequest& request, const HttpLimits& limits);

/// The transport the HTTP client uses: request in, bounded response out (http_send's contract).
using HttpTransport = std::function<HttpResponse(const HttpRequest&, const HttpLimits&)>;

struct RegistryOptions {
  bool create = false;  ///< create the folder, SQLite file or PostgreSQL tables when missing
  /// HTTP: the whole exchange, plus what min_rate earns; SQLite busy, folder lock, PostgreSQL waits
  int timeout_ms = 10000;
  /// HTTP: the access token sent as "Authorization: Bearer …" (the CLI reads
  /// MFSTATE_REGISTRY_TOKEN). Empty: none.
  std::string token;
  std::size_t max_response_bytes = 32u << 20;  ///< HTTP: the largest answer read
  /// HTTP: bytes per second; the exchange's deadline grows by a second for every min_rate bytes
  /// moved (HttpLimits::min_rate); zero: timeout_ms for the whole exchange.
  std::size_t min_rate = 64u << 10;
  HttpTransport transport;  ///< HTTP: empty means http_send
};

/// Opens the registry at `location`, picking the backend by its form: "http://…" or "https://…"
/// -> HTTP client, "postgresql://…" or "postgres://…" -> PostgreSQL, a path ending in ".sqlite",
/// ".sqlite3" or ".db" -> SQLite file, anything else -> folder. Throws io_error when the folder or
/// file does not exist and options.create is false, or the database cannot be reached.
std::unique_ptr<Registry> open_registry(std::string_view location, const RegistryOptions& options = {});
/// A folder: <root>/<app>/<version>.json and <root>/deployments.json. Writes take the folder's
/// lock (<root>/.lock, created exclusively; see docs/contracts-ci.md for when a lock is stale)
/// and land by atomic rename; symbolic links and non-regular files inside are refused.
std::unique_ptr<Registry> open_folder_registry(const std::string& root, const RegistryOptions& options = {});
/// A single SQLite database file (tables `manifests` and `deployments`).
std::unique_ptr<Registry> open_sqlite_registry(const std::string& file, const RegistryOptions& options = {});
/// A PostgreSQL database ("postgresql://user@host:port/db", libpq's URI; the password is best
/// kept in PGPASSWORD or ~/.pgpass): tables mfstate_manifests and mfstate_deployments, whose
/// constraints hold the guarantees, so any number of servers may share the database.
std::unique_ptr<Registry> open_postgres_registry(const std::string& url, const RegistryOptions& options = {});
/// A client of `mfstate registry serve` at `url` ("https://registry.example.com", optional path prefix).
std::unique_ptr<Registry> open_http_registry(const std::string& url, const RegistryOptions& options = {});

/// True for an app or environment name every backend accepts: an app name (is_app_name: 1-100 of
/// [A-Za-z0-9._-], starting with a letter or digit) other than "deployments.json", the folder
/// registry's own file. The one rule for names, in every command and backend. No allocation.
bool is_registry_name(std::string_view name) noexcept;
/// The same rule, for environments (kept for callers of the earlier name).
bool is_environment_name(std::string_view name) noexcept;

/// `text` made safe to print on a terminal or into a log line: every control character (C0,
/// DEL, C1, and the bidirectional overrides that reorder what a reader sees) and every byte that
/// is not UTF-8 becomes a visible escape (\n, \r, \t, \x1b, \u202e); everything else, backslashes
/// included, is kept. Text from another team's manifest or another server goes through this
/// before it reaches a terminal. Allocates; O(size).
std::string printable(std::string_view text);

/// A manifest fetched from a registry to check against, and why it was chosen.
struct Counterpart {
  Manifest manifest;
  std::vector<std::string> because;  ///< "latest", "deployed in production", …
};

/// What `contracts check` checks `app` against: for every other app, its latest published
/// version and every version deployed in any environment (each once). Cost: one fetch each.
std::vector<Counterpart> check_counterparts(const Registry& registry, std::string_view app);
/// What `contracts can-deploy` checks against: the version of every other app deployed in
/// `environment`. Throws invalid_argument for a name that is not a registry name.
std::vector<Counterpart> deployed_counterparts(const Registry& registry, std::string_view app,
                                               std::string_view environment);

}  // namespace mfstate
