// A throw-away PostgreSQL cluster for one test binary (scripts/pg-test-cluster.sh), started on
// first use and stopped when the binary exits (or, should it crash, by the script's watcher).
// Each test gets its own schema, so tests stay independent. When the cluster cannot start, every
// test that needs it FAILS with the reason: a registry test never passes by skipping PostgreSQL.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "native/cli_process.hpp"

namespace cli_test {

class PostgresCluster {
 public:
  /// The cluster of this binary, started on the first call (a few seconds).
  static PostgresCluster& get() {
    static PostgresCluster cluster;
    return cluster;
  }

  /// True when the server runs; error() says why not.
  bool ok() const { return !base_url_.empty(); }
  const std::string& error() const { return error_; }

  /// The URL of a fresh schema of the cluster: nothing published there yet. 64 per binary.
  std::string fresh_url() {
    if (next_schema_ > 64)
      throw std::runtime_error("the test cluster has 64 schemas; this binary wants more");
    return base_url_ + "&options=-csearch_path%3Dt_" + std::to_string(next_schema_++);
  }

  ~PostgresCluster() {
    if (ok()) run(script(), {"stop", dir_.path().string()});
  }

 private:
  PostgresCluster() {
    Outcome started = run(script(), {"start", dir_.path().string(), std::to_string(getpid())});
    if (started.status != 0) {
      error_ = "PostgreSQL did not start (scripts/pg-test-cluster.sh, exit " +
               std::to_string(started.status) + "): " + started.err;
      return;
    }
    base_url_ = started.out.substr(0, started.out.find('\n'));
  }
  static std::string script() { return std::string(MFSTATE_SOURCE_DIR) + "/scripts/pg-test-cluster.sh"; }

  TempDir dir_;
  std::string base_url_;
  std::string error_;
  int next_schema_ = 1;
};

}  // namespace cli_test

/// In a test: a fresh PostgreSQL URL into `url`, or a fatal failure saying why there is none.
#define MFSTATE_FRESH_POSTGRES_URL(url)                \
  do {                                                 \
    auto& cluster_ = cli_test::PostgresCluster::get(); \
    ASSERT_TRUE(cluster_.ok()) << cluster_.error();    \
    url = cluster_.fresh_url();                        \
  } while (0)
