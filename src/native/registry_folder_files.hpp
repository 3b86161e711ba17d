// The folder registry's file operations: a writer lock, atomic writes and reads that never follow
// a planted link. Everything here uses only primitives that are atomic on any POSIX file system
// and under node (open with O_CREAT|O_EXCL, rename, unlink, mkdir), so the same code serves the
// WebAssembly build of the CLI, where flock() does not lock.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mfstate::detail {

/// A lock older than this is stale whoever holds it: every write under the lock takes
/// milliseconds, so only a holder that died (or hung) keeps it this long.
inline constexpr std::chrono::seconds folder_lock_stale_after{30};

/// The writer lock of a folder registry: the file <root>/.lock, created with O_CREAT|O_EXCL and
/// holding "pid host nonce". Readers take no lock (every file is replaced by one rename).
/// A lock is stale, and is broken, when its holder ran on this host and is gone, or when it is
/// older than folder_lock_stale_after.
class FolderLock {
 public:
  /// Takes the lock, waiting up to `timeout` (bounded back-off). Throws Error(io_error) naming the
  /// holder and the lock file when it cannot.
  FolderLock(std::string root, std::chrono::milliseconds timeout, std::string shown);
  /// Removes the lock file when it is still this lock's.
  ~FolderLock();
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

  /// Throws Error(io_error) unless the lock file is still this lock's: called right before each
  /// commit, so a writer whose lock was judged stale and broken writes nothing.
  void confirm() const;

 private:
  std::string file_;
  std::string content_;
  std::string shown_;
};

/// What lstat says of a path inside the registry.
enum class EntryKind { missing, file, folder, other };
/// The kind of `path`, not following a symbolic link (a link is `other`). Throws io_error.
EntryKind entry_kind(const std::string& path, std::string_view shown);

/// Writes `text` to <folder>/<name> atomically: a fresh temporary file beside it (created with
/// O_EXCL|O_NOFOLLOW, so nothing planted there is followed), flushed to disk, then renamed over
/// the target. `lock` is confirmed before the rename. Throws io_error; on failure the temporary
/// file is removed and the target is as it was.
void write_file_atomically(const std::string& folder, const std::string& name, const std::string& text,
                           const FolderLock& lock, std::string_view shown);

/// The content of the regular file at `path`, or nullopt when nothing is there. A symbolic link,
/// a folder or a device is Error(io_error); more than the JSON size limit is Error(size_limit).
/// Messages read "registry <shown>: <relative>: …".
std::optional<std::string> read_registry_file(const std::string& path, std::string_view shown,
                                              std::string_view relative);

/// A random hex string of 16 digits (temporary names, lock nonces). Allocates.
std::string random_hex();

}  // namespace mfstate::detail
