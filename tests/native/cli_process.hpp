// Running the `mfstate` program from a test: a finished run with its output, or a background
// server stopped at the end. Waits are bounded polls, never fixed sleeps.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace cli_test {

namespace fs = std::filesystem;

/// A fresh, empty folder under the system's temporary folder, removed by the destructor.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "mfstate-cli-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const fs::path& p, const std::string& text) {
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

struct Outcome {
  int status = -1;  ///< exit status, or 128 + signal
  std::string out, err;
};

/// Starts `program args…` with stdout and stderr going to the given files, with the variables of
/// `env` ("NAME=value") added to this process's environment. Returns the pid.
inline pid_t spawn(const std::string& program, const std::vector<std::string>& args,
                   const std::string& out_file, const std::string& err_file,
                   const std::vector<std::string>& env = {}) {
  std::vector<std::string> all{program};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> variables = env;
  std::vector<char*> envp;
  for (auto& v : variables) envp.push_back(v.data());
  for (char** e = environ; *e != nullptr; ++e) envp.push_back(*e);
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + program);
  return pid;
}

inline int decode_status(int raw) {
  if (WIFEXITED(raw)) return WEXITSTATUS(raw);
  if (WIFSIGNALED(raw)) return 128 + WTERMSIG(raw);
  return -1;
}

/// Waits for `pid` to end; its exit status (or 128 + signal).
inline int wait_for(pid_t pid) {
  int raw = 0;
  while (waitpid(pid, &raw, 0) < 0 && errno == EINTR) {
  }
  return decode_status(raw);
}

/// Runs `program args…` to completion (with `env` added) and collects its exit status and output.
/// With a `limit`, a run still going after it is killed (status 128 + SIGKILL): a hang fails the
/// test instead of holding it.
inline Outcome run(const std::string& program, const std::vector<std::string>& args,
                   const std::vector<std::string>& env = {},
                   std::chrono::milliseconds limit = std::chrono::milliseconds::zero()) {
  TempDir io;
  pid_t pid = spawn(program, args, io / "out", io / "err", env);
  int status = -1;
  if (limit == std::chrono::milliseconds::zero()) {
    status = wait_for(pid);
  } else {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    int raw = 0;
    while (waitpid(pid, &raw, WNOHANG) != pid) {
      if (std::chrono::steady_clock::now() >= deadline) {
        kill(pid, SIGKILL);
        waitpid(pid, &raw, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    status = decode_status(raw);
  }
  return Outcome{status, read_file(io / "out"), read_file(io / "err")};
}

/// A port on 127.0.0.1 that nothing listened on a moment ago.
inline int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error("no free port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

inline bool port_open(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

/// `mfstate registry serve` on 127.0.0.1 (a port it picks) in the background, stopped (SIGTERM) by
/// the destructor. `extra` adds options (--open, --tokens FILE); without any, --open.
class Server {
 public:
  Server(const std::string& program, const std::string& registry,
         std::vector<std::string> extra = {"--open"}) {
    std::vector<std::string> args{"registry",   "serve",  "--listen", "127.0.0.1:0",
                                  "--registry", registry, "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = spawn(program, args, io_ / "out", io_ / "err");
    // Bounded poll for the {"url": …} line: up to ~20 s for a cold start under sanitizers.
    for (int attempt = 0; attempt < 2000; ++attempt) {
      const std::string out = read_file(io_.path() / "out");
      const std::size_t at = out.find("\"url\":\"http://127.0.0.1:");
      if (at != std::string::npos && out.find('\n') != std::string::npos) {
        port_ = std::stoi(out.substr(at + 24));
        if (port_open(port_)) return;
      }
      int raw = 0;
      if (waitpid(pid_, &raw, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("registry serve exited early: " + read_file(io_.path() / "err"));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    stop();
    throw std::runtime_error("registry serve did not start: " + read_file(io_.path() / "err"));
  }
  ~Server() { stop(); }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }

  /// Sends SIGTERM and waits (bounded) for the exit; SIGKILL if it does not come. The status.
  int stop() {
    if (pid_ < 0) return status_;
    kill(pid_, SIGTERM);
    int raw = 0;
    for (int attempt = 0; attempt < 2000; ++attempt) {
      if (waitpid(pid_, &raw, WNOHANG) == pid_) {
        pid_ = -1;
        return status_ = decode_status(raw);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, &raw, 0);
    pid_ = -1;
    return status_ = decode_status(raw);
  }
  std::string output() const { return read_file(io_.path() / "out"); }
  /// What it logged (one line per request) so far.
  std::string log() const { return read_file(io_.path() / "err"); }

 private:
  TempDir io_;
  int port_ = -1;
  pid_t pid_ = -1;
  int status_ = -1;
};

}  // namespace cli_test
