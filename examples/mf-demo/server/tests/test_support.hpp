// Shared by the API server's tests: a fresh database file in a directory of its own, and a
// server on a free 127.0.0.1 port, served on a thread the fixture joins.
#pragma once

#include <httplib.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <thread>

#include "api_server.hpp"
#include "gtest/gtest.h"

namespace mfdemo::test_support {

/// A directory under the system's temporary folder, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "mfdemo-api-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

/// An ApiServer listening on a free port of 127.0.0.1 while it lives.
class RunningServer {
 public:
  explicit RunningServer(UserDb& db, ApiOptions options = {}) : server(db, options) {
    port = server.bind("127.0.0.1", 0);
    thread_ = std::thread([this] { server.listen(); });
  }
  ~RunningServer() {
    server.stop();
    thread_.join();
  }
  /// A client for this server, with bounded timeouts (a hung server fails the test, not CI).
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_connection_timeout(5);
    c.set_read_timeout(20);
    return c;
  }

  ApiServer server;
  int port = 0;

 private:
  std::thread thread_;
};

/// A fixture with a fresh database, a server on it, and a client of that server.
class ServerTest : public ::testing::Test {
 protected:
  TempDir dir;
  UserDb db{dir.file("users.sqlite")};
  RunningServer running{db};
  httplib::Client http = running.client();
};

}  // namespace mfdemo::test_support
