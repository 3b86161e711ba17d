// The demo's API server (cpp-httplib): the signed-in user from a SQLite file, request counts
// and fault injection for the browser tests. HTTP API:
//   GET   /api/users/me            {"userId": "...", "name": "...", "avatarUrl"?: "..."}
//   PATCH /api/users/me            body {"name"?: string, "avatarUrl"?: string|null} -> the user
// and, for tests and the demo's devtools pane (not for production):
//   GET   /__control/stats         {"requests": {"GET /api/users/me": n, ...}, "total": n}
//   POST  /__control/reset         counts to zero, faults off, the seed user back
//   GET   /__control/faults        {"delayMs", "failWrites", "failStatus", "holdWrites"}
//   PUT   /__control/faults        any of those fields -> the settings now
//   POST  /__control/release       held writes go on -> {"released": n}
//   GET   /__control/held?atLeast=N&timeoutMs=T   waits (bounded) until N writes are held -> {"held": n}
// Failures answer {"error": {"code": "...", "message": "...", "violations"?: [...]}}.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "faults.hpp"
#include "user_db.hpp"

namespace mfdemo {

/// How the server starts; faults can be changed later through /__control/faults.
struct ApiOptions {
  FaultSettings faults;
  std::chrono::milliseconds hold_timeout = std::chrono::seconds(30);
};

class ApiServer {
 public:
  /// Serves `db`, which must outlive the server. Allocates the routes; does not listen yet.
  explicit ApiServer(UserDb& db, ApiOptions options = {});
  /// Stops (see stop()).
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  /// Binds `host`:`port` (0: a free port) and returns the port. Throws std::runtime_error when
  /// the address cannot be had.
  int bind(const std::string& host, int port);
  /// Serves on the calling thread until stop(). Call after bind().
  void listen();
  /// Releases held writes, cuts delays short and makes listen() return. Safe from any thread,
  /// before or during listen(), and more than once.
  void stop();

  /// API requests received so far, by "METHOD /path" (failed and refused ones included).
  std::map<std::string, long> request_counts() const;
  /// The fault injector (shared with the control routes).
  Faults& faults() noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mfdemo
