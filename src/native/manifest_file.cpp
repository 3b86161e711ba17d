// Reading manifests and schema files from disk (native only; the WebAssembly core takes a loader).
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mfstate/manifest.hpp"

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

}  // namespace

Value read_json_file(const std::string& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    throw Error(ErrorCode::io_error, file + ": no such file");
  }
  if (std::filesystem::is_directory(file, ec)) {
    throw Error(ErrorCode::io_error, file + ": is a folder, not a JSON file");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorCode::io_error, file + ": cannot be read");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw Error(ErrorCode::io_error, file + ": read failed");
  const std::string text = buffer.str();
  try {
    return parse_json(text);
  } catch (const Error& e) {
    std::string where = e.offset() != Error::no_offset ? " (" + line_and_column(text, e.offset()) + ")" : "";
    throw Error(e.code(), file + where + ": " + e.what(), e.offset());
  }
}

Manifest load_manifest(const std::string& file) {
  const Value document = read_json_file(file);
  const std::filesystem::path folder = std::filesystem::path(file).parent_path();
  SchemaLoader loader = [&folder](std::string_view path) {
    std::filesystem::path p(path);
    if (p.is_relative()) p = folder / p;
    return read_json_file(p.lexically_normal().string());
  };
  try {
    return parse_manifest(document, loader);
  } catch (const Error& e) {
    throw Error(e.code(), file + ": " + e.what(), e.offset());
  }
}

}  // namespace mfstate
