// The app manifest (mfstate.json): one app's contract with the others — what it exports, the
// commands it accepts, the topics it publishes and subscribes to, and what it reads from other
// apps. The file a CI checks is the file the host mounts. Format: docs/manifest.md; the format's
// own JSON Schema: schemas/manifest.schema.json (also embedded, see manifest_schema_json()).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "mfstate/contract.hpp"
#include "mfstate/value.hpp"

namespace mfstate {

/// What an app reads from one export of another app, and what it expects to find there.
struct ManifestRead {
  std::string app;          ///< the producer ("profile")
  std::string export_name;  ///< the export it reads ("user")
  Expectations expectations;
};

/// A parsed, validated manifest. Every schema is compiled; schema files are already loaded.
struct Manifest {
  std::string name;     ///< the app's name, [A-Za-z0-9][A-Za-z0-9._-]*
  std::string version;  ///< a semantic version (semver 2.0.0)
  std::string description;
  std::map<std::string, Schema> exports;     ///< export name -> schema of the value exported
  std::map<std::string, Schema> commands;    ///< command type accepted -> payload schema
  std::map<std::string, Schema> publishes;   ///< topic published -> payload schema
  std::map<std::string, Schema> subscribes;  ///< topic subscribed to -> payload schema accepted
  std::vector<ManifestRead> reads;           ///< sorted by app, then export

  /// The manifest as a self-contained document, every schema inline (what a registry stores;
  /// parse_manifest reads it back without a loader). Allocates; O(size of the schemas).
  [[nodiscard]] Value to_value() const;
  /// "name@version". Allocates.
  [[nodiscard]] std::string id() const { return name + "@" + version; }
};

/// Turns a schema reference (a path as written in the manifest, relative to its folder) into the
/// schema document. Throws Error (io_error, invalid_json, …) naming the file when it cannot.
using SchemaLoader = std::function<Value(std::string_view path)>;

/// Parses and validates a manifest document: first against the manifest schema (throws
/// Error(schema_violation) listing every violation with its JSON Pointer), then names and
/// versions (schema_violation), then every schema (invalid_schema / unsupported_schema, message
/// naming the export, command or topic) and every expectation (invalid_argument). A schema given
/// as a string is a file reference resolved by `loader`; without a loader it is invalid_argument.
/// Allocates; O(size of the manifest and its schemas).
[[nodiscard]] Manifest parse_manifest(const Value& document, const SchemaLoader& loader = {});
/// parse_manifest(parse_json(text), loader). Throws invalid_json for malformed text.
[[nodiscard]] Manifest parse_manifest_json(std::string_view text, const SchemaLoader& loader = {});

/// The manifest format's JSON Schema, as text (identical to schemas/manifest.schema.json).
[[nodiscard]] std::string_view manifest_schema_json() noexcept;
/// The same, compiled once on first use. Not thread-safe before the first call returns.
[[nodiscard]] const Schema& manifest_schema();

/// True for an app name the registry accepts: 1-100 of [A-Za-z0-9._-], starting with a letter or digit.
[[nodiscard]] bool is_app_name(std::string_view name) noexcept;
/// True for a semantic version ("1.2.3", "2.0.0-rc.1+build.5"), as semver.org 2.0.0 defines it.
[[nodiscard]] bool is_semver(std::string_view version) noexcept;
/// <0, 0 or >0 as a orders before, like or after b by semver precedence (build metadata ignored).
/// Throws Error(invalid_argument) when either is not a semantic version. No allocation.
[[nodiscard]] int compare_semver(std::string_view a, std::string_view b);

// Native builds, and the npm tool's node build (js/packages/cli), which reads files through node.
#if !defined(__EMSCRIPTEN__) || defined(MFSTATE_NODE_TOOL)
/// Native builds only. Reads a JSON file. Throws Error(io_error) naming the file when it cannot
/// be read, Error(invalid_json) naming the file, line and column when it is malformed.
[[nodiscard]] Value read_json_file(const std::string& file);
/// Native builds only. Reads and parses a manifest file; schema paths are resolved relative to
/// its folder. Every error message starts with the file's path (and the schema file's, if any).
/// The manifest and the schema files it names share one bound, ParseOptions' max_bytes, however
/// often it names one: past it, Error(size_limit).
[[nodiscard]] Manifest load_manifest(const std::string& file);
#endif

}  // namespace mfstate
