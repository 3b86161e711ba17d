// Reading manifests and schema files from disk (native only; the WebAssembly core takes a loader).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "mfstate/manifest.hpp"
#include "native/file_read.hpp"

namespace mfstate {

namespace {

// "line L, column C" (both from 1) of a byte offset, so a person can find a JSON error.
std::string line_and_column(std::string_view text, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

// Closes a descriptor on every path out.
struct FileDescriptor {
  int fd;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

namespace detail {

std::string read_regular_file(const std::string& path, std::size_t max_bytes, bool follow_symlinks,
                              std::string_view shown) {
  const std::string name(shown);
#ifdef __EMSCRIPTEN__
  // Node's fs drops O_NONBLOCK (emscripten's NODERAWFS), so the open below would wait for a FIFO's
  // writer: under node, what is neither a file, a folder nor a link is refused before opening.
  // (A FIFO swapped in between this look and the open is still waited for.)
  if (struct stat seen{};
      (follow_symlinks ? ::stat(path.c_str(), &seen) : ::lstat(path.c_str(), &seen)) == 0 &&
      !S_ISREG(seen.st_mode) && !S_ISDIR(seen.st_mode) && !S_ISLNK(seen.st_mode)) {
    throw Error(ErrorCode::io_error,
                name + ": is not a regular file (a device, FIFO or socket); refusing to read it");
  }
#endif
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
  int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
  if (!follow_symlinks) flags |= O_NOFOLLOW;
  FileDescriptor file{::open(path.c_str(), flags)};
  if (file.fd < 0) {
    const int error = errno;
    if (error == ENOENT || error == ENOTDIR) throw Error(ErrorCode::io_error, name + ": no such file");
    if (error == ELOOP && !follow_symlinks) {
      throw Error(ErrorCode::io_error, name + ": is a symbolic link; only regular files are read here");
    }
    throw Error(ErrorCode::io_error, name + ": cannot be read: " + std::strerror(error));
  }
  struct stat info {};
  if (::fstat(file.fd, &info) != 0) {
    throw Error(ErrorCode::io_error, name + ": cannot be read: " + std::strerror(errno));
  }
  if (S_ISDIR(info.st_mode)) throw Error(ErrorCode::io_error, name + ": is a folder, not a JSON file");
  if (!S_ISREG(info.st_mode)) {
    throw Error(ErrorCode::io_error,
                name + ": is not a regular file (a device, FIFO or socket); refusing to read it");
  }
  std::string text;
  const std::size_t expected = static_cast<std::size_t>(info.st_size);
  text.reserve(expected < max_bytes ? expected : max_bytes);
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(file.fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorCode::io_error, name + ": read failed: " + std::strerror(errno));
    }
    if (static_cast<std::size_t>(n) > max_bytes - text.size()) {
      throw Error(ErrorCode::size_limit,
                  name + ": is larger than the limit of " + std::to_string(max_bytes) + " bytes");
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return text;
}

}  // namespace detail

namespace {

// The JSON in `text`, read from `file`; errors name the file, line and column.
Value parse_file_text(const std::string& file, const std::string& text) {
  try {
    return parse_json(text);
  } catch (const Error& e) {
    std::string where = e.offset() != Error::no_offset ? " (" + line_and_column(text, e.offset()) + ")" : "";
    throw Error(e.code(), file + where + ": " + e.what(), e.offset());
  }
}

}  // namespace

Value read_json_file(const std::string& file) {
  return parse_file_text(file, detail::read_regular_file(file, ParseOptions{}.max_bytes, true, file));
}

Manifest load_manifest(const std::string& file) {
  // One budget for the manifest and every schema file it names, however often it names them:
  // each file alone is bounded, but a small manifest naming one large file a thousand times would
  // otherwise read (and hold, parsed) a thousand copies. A stored manifest, schemas inline, is
  // bounded by the same limit.
  const std::size_t limit = ParseOptions{}.max_bytes;
  std::size_t read = 0;
  auto read_within_budget = [&](const std::string& path) {
    std::string text = detail::read_regular_file(path, limit, true, path);
    read += text.size();
    if (read > limit) {
      throw Error(ErrorCode::size_limit,
                  "the manifest and the schema files it names come to more than the limit of " +
                      std::to_string(limit) + " bytes together");
    }
    return parse_file_text(path, text);
  };
  const Value document = read_within_budget(file);
  const std::filesystem::path folder = std::filesystem::path(file).parent_path();
  SchemaLoader loader = [&folder, &read_within_budget](std::string_view path) {
    std::filesystem::path p(path);
    if (p.is_relative()) p = folder / p;
    return read_within_budget(p.lexically_normal().string());
  };
  try {
    return parse_manifest(document, loader);
  } catch (const Error& e) {
    throw Error(e.code(), file + ": " + e.what(), e.offset());
  }
}

}  // namespace mfstate
