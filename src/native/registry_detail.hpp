// Internals shared by the registry backends, the server and the client.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mfstate/error.hpp"
#include "mfstate/manifest.hpp"
#include "mfstate/value.hpp"

namespace mfstate::detail {

/// JSON indented by two spaces, members in insertion order (files people read and diff).
std::string to_pretty_json(const Value& value);

/// The code spelled `name` ("not_found"), or nullopt.
std::optional<ErrorCode> error_code_from_string(std::string_view name);

/// Parses a stored manifest document; errors name the registry and app@version.
Manifest stored_manifest(const Value& document, std::string_view location, std::string_view app,
                         std::string_view version);

/// Throws invalid_argument unless `app` is an app name and `version` a semantic version (so
/// neither can escape a folder or need quoting).
void require_app_version(std::string_view app, std::string_view version);

}  // namespace mfstate::detail
