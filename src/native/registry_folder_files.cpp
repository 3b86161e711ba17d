// The folder registry's lock, atomic writes and link-refusing reads (registry_folder_files.hpp).
#include "registry_folder_files.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <thread>

#include "mfstate/error.hpp"
#include "mfstate/value.hpp"
#include "native/file_read.hpp"

namespace mfstate::detail {

namespace {

Error io_error(std::string_view shown, const std::string& what) {
  return Error(ErrorCode::io_error, "registry " + std::string(shown) + ": " + what);
}

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown-host";
  return name;
}

// The lock file's text: one line, "pid host nonce".
std::string lock_content() {
  return std::to_string(::getpid()) + ' ' + host_name() + ' ' + random_hex() + '\n';
}

// Reads a small file whole, or "" when it cannot (gone, unreadable).
std::string read_small(const std::string& path) {
#ifdef __EMSCRIPTEN__
  // Node's fs drops O_NONBLOCK (emscripten's NODERAWFS): a FIFO planted as the lock would be
  // waited on at the open below, so under node only a regular file is opened.
  if (struct stat seen{}; ::lstat(path.c_str(), &seen) != 0 || !S_ISREG(seen.st_mode)) return {};
#endif
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return {};
  char buffer[512];
  std::string out;
  ssize_t n = 0;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0 && out.size() < 4096)
    out.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

bool process_is_gone(long pid) {
#ifdef __EMSCRIPTEN__
  (void)pid;
  return false;  // no process table under node: only the age rule applies
#else
  return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
#endif
}

struct Holder {
  long pid = 0;
  std::string host;
};

Holder parse_holder(const std::string& content) {
  Holder h;
  char host[256] = {};
  if (std::sscanf(content.c_str(), "%ld %255s", &h.pid, host) == 2) h.host = host;
  return h;
}

// Stale: its holder ran here and is gone, or it is older than folder_lock_stale_after (by the
// file's modification time, which the holder set when it created it).
bool is_stale(const std::string& file, const std::string& content) {
  struct stat info {};
  if (::lstat(file.c_str(), &info) != 0) return false;  // gone already: just retry
  const Holder holder = parse_holder(content);
  if (!holder.host.empty() && holder.host == host_name() && process_is_gone(holder.pid)) return true;
  const auto age = std::chrono::system_clock::now() - std::chrono::system_clock::from_time_t(info.st_mtime);
  return age > folder_lock_stale_after;
}

// Moves a stale lock aside and deletes it; if what was moved is not the lock judged stale (another
// writer broke it first and took it), puts it back.
void break_stale_lock(const std::string& file, const std::string& judged) {
  const std::string aside = file + ".stale-" + random_hex();
  if (::rename(file.c_str(), aside.c_str()) != 0) return;
  if (read_small(aside) == judged) {
    ::unlink(aside.c_str());
  } else {
    ::rename(aside.c_str(), file.c_str());
  }
}

}  // namespace

std::string random_hex() {
  static thread_local std::mt19937_64 generator{(static_cast<std::uint64_t>(std::random_device{}()) << 32) ^
                                                std::random_device{}() ^
                                                static_cast<std::uint64_t>(::getpid())};
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(generator()));
  return text;
}

FolderLock::FolderLock(std::string root, std::chrono::milliseconds timeout, std::string shown)
    : file_(std::move(root) + "/.lock"), content_(lock_content()), shown_(std::move(shown)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    const int fd = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0) {
      const bool written =
          ::write(fd, content_.data(), content_.size()) == static_cast<ssize_t>(content_.size());
      ::close(fd);
      if (!written) {
        ::unlink(file_.c_str());
        throw io_error(shown_, "cannot write its lock file .lock: " + std::string(std::strerror(errno)));
      }
      return;
    }
    if (errno != EEXIST) {
      throw io_error(shown_, "cannot create its lock file .lock: " + std::string(std::strerror(errno)));
    }
    const std::string holder = read_small(file_);
    if (is_stale(file_, holder)) {
      break_stale_lock(file_, holder);
      continue;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      const Holder h = parse_holder(holder);
      throw io_error(shown_, "locked by another writer (process " + std::to_string(h.pid) + " on " +
                                 (h.host.empty() ? std::string("an unknown host") : h.host) + "); waited " +
                                 std::to_string(timeout.count()) +
                                 " ms. A lock is broken when its process is gone or after " +
                                 std::to_string(folder_lock_stale_after.count()) + " s");
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

FolderLock::~FolderLock() {
  if (read_small(file_) == content_) ::unlink(file_.c_str());
}

void FolderLock::confirm() const {
  if (read_small(file_) != content_) {
    throw io_error(shown_,
                   "this writer's lock was broken as stale by another writer; nothing was written, retry");
  }
}

EntryKind entry_kind(const std::string& path, std::string_view shown) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return EntryKind::missing;
    throw io_error(shown, "cannot inspect an entry: " + std::string(std::strerror(errno)));
  }
  if (S_ISREG(info.st_mode)) return EntryKind::file;
  if (S_ISDIR(info.st_mode)) return EntryKind::folder;
  return EntryKind::other;
}

void write_file_atomically(const std::string& folder, const std::string& name, const std::string& text,
                           const FolderLock& lock, std::string_view shown) {
  // A leading dot: no app or version name starts with one, so a temporary file never collides
  // with registry content, and listings skip it.
  const std::string temporary = folder + "/." + name + "." + random_hex() + ".tmp";
  const std::string target = folder + "/" + name;
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) throw io_error(shown, "cannot write " + name + ": " + std::strerror(errno));
  std::size_t done = 0;
  int error = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = errno;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  try {
    if (error != 0) throw io_error(shown, "cannot write " + name + ": " + std::strerror(error));
    lock.confirm();
    if (::rename(temporary.c_str(), target.c_str()) != 0) {
      throw io_error(shown, "cannot write " + name + ": " + std::strerror(errno));
    }
  } catch (...) {
    ::unlink(temporary.c_str());
    throw;
  }
}

std::optional<std::string> read_registry_file(const std::string& path, std::string_view shown,
                                              std::string_view relative) {
  if (entry_kind(path, shown) == EntryKind::missing) return std::nullopt;
  return read_regular_file(path, ParseOptions{}.max_bytes, false,
                           "registry " + std::string(shown) + ": " + std::string(relative));
}

}  // namespace mfstate::detail
