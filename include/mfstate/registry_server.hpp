// `mfstate registry serve` as a library (native only, CMake target mfstate::registry): a registry
// served over HTTP to every team's CI, with per-team access tokens. The JSON API and how to deploy
// it (tokens, PostgreSQL, behind a TLS proxy): docs/contracts-ci.md.
#pragma once

// The npm tool's node build (js/packages/cli, MFSTATE_NODE_TOOL) declares it and refuses to serve.
#if defined(__EMSCRIPTEN__) && !defined(MFSTATE_NODE_TOOL)
#error "mfstate/registry_server.hpp is native only (sockets)"
#endif

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mfstate/registry.hpp"

namespace mfstate {

namespace detail {
struct RegistryServerProbe;  // tests' view of the serving loop (src/native/registry_server_probe.hpp)
}

/// One access token as the server knows it: a name for logs and messages, and the SHA-256 of the
/// secret (the secret itself is never stored). A token may publish and deploy the apps it lists;
/// an admin token may publish and deploy every app; any valid token may read.
struct AccessToken {
  std::string name;                       ///< "profile-ci": shown in logs and refusals
  std::array<std::uint8_t, 32> sha256{};  ///< SHA-256 of the secret
  std::vector<std::string> apps;          ///< the apps it may publish and deploy
  bool admin = false;                     ///< may publish and deploy every app
};

/// Who may do what on a served registry. The default: anyone may read, nobody may write.
struct AccessPolicy {
  bool open_read = true;    ///< reads need no token (false: every request needs a valid token)
  bool open_write = false;  ///< anyone who can connect may publish and deploy anything (tests, laptops)
  std::vector<AccessToken> tokens;

  /// Anyone may read and write: a private test instance. No allocation.
  static AccessPolicy open();
  /// Parses a token file (docs/contracts-ci.md): {"read": "open"|"token", "tokens": [{"name",
  /// "sha256", "apps"?, "admin"?}]}. Throws Error(schema_violation / invalid_argument) naming
  /// the member at fault; unknown members are refused (a typo must not grant or drop a right).
  static AccessPolicy parse(const Value& document);
  /// Reads and parses a token file. Throws io_error / invalid_json naming the file, as parse.
  static AccessPolicy load(const std::string& file);
};

/// A new random access token ("mfs_" and 43 base64url characters: 256 bits from the system's
/// generator). Throws io_error when no randomness is available. Allocates.
std::string generate_access_token();
/// SHA-256 of a token as 64 lowercase hex digits: what a token file stores. Allocates.
std::string access_token_hash(std::string_view token);

/// Limits and switches of a RegistryServer.
struct RegistryServerOptions {
  AccessPolicy access;
  /// Open connections at most. A new connection beyond it closes the oldest one still sending
  /// its head, failing that the oldest whose answer is not taken, failing that the oldest upload
  /// (whose head passed the token check), so slow clients cannot keep others out.
  std::size_t max_connections = 256;
  /// A request must arrive whole (head and body) within this time of its connection's opening.
  std::chrono::milliseconds request_timeout{10000};
  /// The answer must be taken by the client within this time, plus the time what the client has
  /// taken of it needs at min_response_rate: an honest slow link keeps earning time, a reader
  /// slower than that runs out of it (and is reset, so the kernel drops what it still queued).
  std::chrono::milliseconds response_timeout{10000};
  /// Bytes per second a client must take its answer at, on average, once response_timeout has
  /// passed (64 KiB/s: a 16 MiB manifest over a 512 kbit/s link). Counted from what the client's
  /// side acknowledged, not what the kernel queued for it. Zero: response_timeout for the whole
  /// answer, however large.
  std::size_t min_response_rate = 64u << 10;
  std::size_t max_head_bytes = 16u << 10;  ///< request line and headers
  std::size_t max_body_bytes = 16u << 20;  ///< a manifest
  /// Request bodies held at once, across every connection. A write whose declared body would take
  /// the total past it is answered 503 from its head, before any of its body is read, so what
  /// writers send at once can never hold more than this (max_connections bodies would be 4 GiB).
  std::size_t max_buffered_body_bytes = 64u << 20;
  /// Answers held at once for clients still taking them, each distinct answer counted once (every
  /// reader of one cached manifest sends the same bytes). A request whose answer (of more than
  /// 64 KiB) would take the total past it is answered 503 instead, so readers that do not take
  /// their answers cannot make the server hold max_connections copies of the largest one. Answers
  /// of 64 KiB or less are always sent (at most max_connections x 64 KiB more).
  std::size_t max_pending_answer_bytes = 64u << 20;
  /// Built answers of stored manifests kept for repeated reads (least recently used out): a
  /// repeated read costs a lookup, not a rebuild (seconds for a 16 MiB manifest of schemas).
  std::size_t answer_cache_bytes = 64u << 20;
  /// The largest answer a manifest published here may have: its JSON as a read sends it back,
  /// which can be several times the body that was sent, as every number is written out in full
  /// (a body of `1e20,` repeated is sent back 4.8 times as large: `100000000000000000000.0,`). A
  /// publish whose answer would be larger is refused (413, size_limit, nothing stored), so each
  /// manifest published here can be kept in the answer cache and sent within the answer budget.
  /// It must be at most max_pending_answer_bytes and, unless answer_cache_bytes is zero, at most
  /// answer_cache_bytes less answer_cache_entry_bytes: the constructor throws
  /// Error(invalid_argument) otherwise (check_options). Below max_body_bytes it is allowed here (a
  /// publish past it is refused at once, saying why); `registry serve` refuses that setting. 24 MiB:
  /// one and a half times the largest body, and within what the client takes
  /// (HttpLimits::max_response_bytes, 32 MiB).
  std::size_t max_answer_bytes = 24u << 20;
  /// What one kept answer costs of answer_cache_bytes beyond its own bytes, at most (its key
  /// "app@version" and the cache's bookkeeping).
  static constexpr std::size_t answer_cache_entry_bytes = 1024;
  /// Listings (apps, versions, environments, deployments) are kept this long once built, in a
  /// quarter of answer_cache_bytes: their cost grows with what is published. This server's own
  /// publishes and deploys clear them at once; another writer of the same storage (another server
  /// on one PostgreSQL database) is seen within this time. Zero: rebuilt on every read.
  std::chrono::milliseconds listing_cache_time{1000};
  /// One line per request (method, path, status, token name: never the token) and per internal
  /// failure (with the detail the client is not shown). Every piece of client or manifest text in
  /// it is printable(). Called on the serving thread. Empty: no log.
  std::function<void(std::string_view line)> log;
};

/// The range a numeric option of RegistryServerOptions must be in (durations in milliseconds): zero
/// only where it means something (no cache, a fixed answer deadline), and past `most` a value is a
/// mistake, not a setting (an hour to send a request, 64 GiB of bodies), which the server's clock
/// and byte arithmetic must never meet. `registry serve` offers each as a flag with this range.
struct OptionRange {
  std::string_view field;  ///< "max_body_bytes", "request_timeout"
  std::int64_t least;
  std::int64_t most;
  bool milliseconds;  ///< a duration
};
/// Every numeric option's range, in the order RegistryServerOptions declares them. No allocation.
std::span<const OptionRange> option_ranges() noexcept;

/// Throws Error(invalid_argument) naming the first option out of its range, or below another option
/// it must reach so that the largest manifest allowed can be published, kept and read (a buffer
/// below the largest body, an answer budget below the largest answer...). `spell` names an option
/// as the caller's user knows it (`registry serve` says `--max-body-bytes` for max_body_bytes); by
/// default the field's name. RegistryServer's constructor runs it.
void check_options(const RegistryServerOptions& options,
                   const std::function<std::string(std::string_view field)>& spell = {});

/// Serves a registry over HTTP/1.1 (one request per connection; no TLS: put a TLS proxy in front).
/// One thread (the caller of listen()) multiplexes every connection with non-blocking sockets and
/// runs the handlers one at a time, so a slow client costs a socket and a buffer, never a worker.
class RegistryServer {
 public:
  /// Serves `registry`, which must outlive the server. Throws Error(invalid_argument) when an
  /// option is out of its range (check_options). Allocates.
  explicit RegistryServer(Registry& registry, RegistryServerOptions options = {});
  ~RegistryServer();
  RegistryServer(const RegistryServer&) = delete;
  RegistryServer& operator=(const RegistryServer&) = delete;

  /// Binds host:port (port 0 picks a free one) and returns the port. Throws io_error.
  int bind(const std::string& host, int port);
  /// Serves until stop() is called (from another thread or a signal-handling thread). Blocks.
  void listen();
  /// Makes listen() return (at once if it has not started). Thread-safe; idempotent.
  void stop();

 private:
  friend struct detail::RegistryServerProbe;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mfstate
