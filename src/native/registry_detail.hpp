// Internals shared by the registry backends, the server and the client.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mfstate/error.hpp"
#include "mfstate/manifest.hpp"
#include "mfstate/value.hpp"

namespace mfstate::detail {

/// JSON indented by two spaces, members in insertion order (files people read and diff).
std::string to_pretty_json(const Value& value);

/// The code spelled `name` ("not_found"), or nullopt.
std::optional<ErrorCode> error_code_from_string(std::string_view name);

/// Parses a stored manifest document; errors name the registry (as `shown`) and app@version.
Manifest stored_manifest(const Value& document, std::string_view shown, std::string_view app,
                         std::string_view version);
/// Parses the JSON text a database holds for app@version; errors say it is corrupt, naming both.
Value parse_stored_document(const std::string& text, std::string_view shown, std::string_view app,
                            std::string_view version);
/// Sorts versions lowest first by semver precedence (each must be a semantic version).
void sort_by_semver(std::vector<std::string>& versions);

/// The one check of names, used by every backend, the server and the client: each throws
/// Error(invalid_argument) unless its argument is a registry name (is_registry_name) or a semantic
/// version, so none can escape a folder, collide with a registry's own file or need quoting.
void require_app_name(std::string_view app);
void require_version(std::string_view version);
/// The longest version a registry takes (characters): "<version>.json" and its temporary file
/// must fit a file name (255 bytes) in the folder registry.
inline constexpr std::size_t max_registry_version_length = 128;
void require_environment_name(std::string_view environment);
/// require_app_name and require_version.
void require_app_version(std::string_view app, std::string_view version);

/// "registry <shown>: <app>@<version> is already published with different content; …".
Error already_published(std::string_view shown, std::string_view app, std::string_view version);
/// "registry <shown>: <app>@<version> is not published; publish it before deploying it".
Error not_published(std::string_view shown, std::string_view app, std::string_view version);
/// Before a backend stores `bytes` of a manifest's document: Error(size_limit), nothing stored,
/// when they pass what a stored document may be read back as (ParseOptions' max_bytes): stored,
/// the version could never be read again.
void require_storable(std::size_t bytes, std::string_view shown, std::string_view app, std::string_view version);

}  // namespace mfstate::detail
