// The registry's backend choice, the counterparts a check runs against, and shared helpers.
#include "mfstate/registry.hpp"

#include <algorithm>

#include "registry_detail.hpp"

namespace mfstate {

namespace detail {

namespace {

void write_pretty(const Value& v, std::string& out, int depth) {
  auto newline = [&](int d) {
    out += '\n';
    out.append(static_cast<std::size_t>(d) * 2, ' ');
  };
  if (v.is_array() && v.size() > 0) {
    out += '[';
    bool first = true;
    for (const Value& e : v.as_array()) {
      if (!first) out += ',';
      first = false;
      newline(depth + 1);
      write_pretty(e, out, depth + 1);
    }
    newline(depth);
    out += ']';
  } else if (v.is_object() && v.size() > 0) {
    out += '{';
    bool first = true;
    for (const Member& m : v.as_object()) {
      if (!first) out += ',';
      first = false;
      newline(depth + 1);
      out += Value(m.key).to_json();
      out += ": ";
      write_pretty(m.value, out, depth + 1);
    }
    newline(depth);
    out += '}';
  } else {
    out += v.to_json();
  }
}

}  // namespace

std::string to_pretty_json(const Value& value) {
  std::string out;
  write_pretty(value, out, 0);
  out += '\n';
  return out;
}

std::optional<ErrorCode> error_code_from_string(std::string_view name) {
  // The codes are a contiguous enum; to_string answers "unknown" past the last one.
  for (int i = 0; i < 1000; ++i) {
    auto code = static_cast<ErrorCode>(i);
    std::string_view spelled = to_string(code);
    if (spelled == "unknown") break;
    if (spelled == name) return code;
  }
  return std::nullopt;
}

Manifest stored_manifest(const Value& document, std::string_view shown, std::string_view app,
                         std::string_view version) {
  try {
    Manifest m = parse_manifest(document);
    if (m.name != app || m.version != version) {
      throw Error(ErrorCode::invalid_argument, "holds " + m.id() + " instead");
    }
    return m;
  } catch (const Error& e) {
    throw Error(e.code(), "registry " + std::string(shown) + ": stored manifest " + std::string(app) + "@" +
                              std::string(version) + " is corrupt: " + e.what());
  }
}

Value parse_stored_document(const std::string& text, std::string_view shown, std::string_view app,
                            std::string_view version) {
  try {
    return parse_json(text);
  } catch (const Error& e) {
    throw Error(e.code(), "registry " + std::string(shown) + ": stored manifest " + std::string(app) + "@" +
                              std::string(version) + " is corrupt: " + e.what());
  }
}

void sort_by_semver(std::vector<std::string>& versions) {
  std::sort(versions.begin(), versions.end(),
            [](const std::string& a, const std::string& b) { return compare_semver(a, b) < 0; });
}

void require_app_name(std::string_view app) {
  if (!is_registry_name(app)) {
    throw Error(ErrorCode::invalid_argument,
                "\"" + printable(app) + "\" " +
                    (is_app_name(app) ? "is reserved by the registry; choose another app name"
                                      : "is not an app name"));
  }
}

void require_version(std::string_view version) {
  if (!is_semver(version)) {
    throw Error(ErrorCode::invalid_argument, "\"" + printable(version) + "\" is not a semantic version");
  }
  // Semver sets no length; a folder registry's file name (and its temporary's) must hold one, so
  // a longer one would fail as a storage error on one backend and be stored by another.
  if (version.size() > max_registry_version_length) {
    throw Error(ErrorCode::invalid_argument,
                "a version of " + std::to_string(version.size()) + " characters is longer than the registry's " +
                    "limit of " + std::to_string(max_registry_version_length));
  }
}

void require_environment_name(std::string_view environment) {
  if (!is_registry_name(environment)) {
    throw Error(ErrorCode::invalid_argument,
                "\"" + printable(environment) + "\" " +
                    (is_app_name(environment) ? "is reserved by the registry; choose another environment name"
                                              : "is not an environment name"));
  }
}

void require_app_version(std::string_view app, std::string_view version) {
  require_app_name(app);
  require_version(version);
}

Error already_published(std::string_view shown, std::string_view app, std::string_view version) {
  return Error(ErrorCode::already_published,
               "registry " + std::string(shown) + ": " + std::string(app) + "@" + std::string(version) +
                   " is already published with different content; published versions are immutable, "
                   "bump the version");
}

void require_storable(std::size_t bytes, std::string_view shown, std::string_view app, std::string_view version) {
  const std::size_t limit = ParseOptions{}.max_bytes;
  if (bytes <= limit) return;
  throw Error(ErrorCode::size_limit, "registry " + std::string(shown) + ": the manifest of " + std::string(app) +
                                         "@" + std::string(version) + " takes " + std::to_string(bytes) +
                                         " bytes stored, more than the " + std::to_string(limit) +
                                         " a stored manifest may be read back as; nothing stored");
}

Error not_published(std::string_view shown, std::string_view app, std::string_view version) {
  return Error(ErrorCode::not_found, "registry " + std::string(shown) + ": " + std::string(app) + "@" +
                                         std::string(version) +
                                         " is not published; publish it before deploying it");
}

}  // namespace detail

bool is_registry_name(std::string_view name) noexcept {
  // The folder registry keeps its deployments beside the app folders; every backend refuses the
  // name, so that a registry can move between backends.
  return is_app_name(name) && name != "deployments.json";
}

bool is_environment_name(std::string_view name) noexcept { return is_registry_name(name); }

std::unique_ptr<Registry> open_registry(std::string_view location, const RegistryOptions& options) {
  auto ends_with = [&](std::string_view suffix) {
    return location.size() >= suffix.size() && location.substr(location.size() - suffix.size()) == suffix;
  };
  if (location.empty()) throw Error(ErrorCode::invalid_argument, "empty registry location");
  if (location.rfind("http://", 0) == 0 || location.rfind("https://", 0) == 0) {
    return open_http_registry(std::string(location), options);
  }
  const bool postgres = location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
  const bool sqlite = ends_with(".sqlite") || ends_with(".db") || ends_with(".sqlite3");
#ifdef __EMSCRIPTEN__
  // The WebAssembly build of the CLI links neither SQLite nor libpq.
  if (postgres || sqlite) {
    throw Error(ErrorCode::invalid_argument,
                "registry " + std::string(location) +
                    ": this build reads folder and http(s):// registries only, not SQLite files or "
                    "PostgreSQL; serve the registry with the native `mfstate registry serve` and pass "
                    "its URL");
  }
#else
  if (postgres) return open_postgres_registry(std::string(location), options);
  if (sqlite) return open_sqlite_registry(std::string(location), options);
#endif
  return open_folder_registry(std::string(location), options);
}

namespace {

void add_counterpart(std::vector<Counterpart>& out, const Registry& registry, const std::string& app,
                     const std::string& version, std::string because) {
  for (Counterpart& c : out) {
    if (c.manifest.name == app && c.manifest.version == version) {
      c.because.push_back(std::move(because));
      return;
    }
  }
  std::optional<Manifest> m = registry.manifest(app, version);
  if (!m) {
    throw Error(ErrorCode::not_found, "registry " + registry.location() + ": " + app + "@" + version +
                                          " is recorded as " + because + " but is not published");
  }
  out.push_back(Counterpart{std::move(*m), {std::move(because)}});
}

}  // namespace

std::vector<Counterpart> check_counterparts(const Registry& registry, std::string_view app) {
  std::vector<Counterpart> out;
  for (const std::string& other : registry.apps()) {
    if (other == app) continue;
    auto versions = registry.versions(other);
    if (!versions.empty()) add_counterpart(out, registry, other, versions.back(), "latest");
  }
  for (const std::string& env : registry.environments()) {
    for (const auto& [other, version] : registry.deployed(env)) {
      if (other == app) continue;
      add_counterpart(out, registry, other, version, "deployed in " + env);
    }
  }
  std::sort(out.begin(), out.end(), [](const Counterpart& a, const Counterpart& b) {
    if (a.manifest.name != b.manifest.name) return a.manifest.name < b.manifest.name;
    return compare_semver(a.manifest.version, b.manifest.version) < 0;
  });
  return out;
}

std::vector<Counterpart> deployed_counterparts(const Registry& registry, std::string_view app,
                                               std::string_view environment) {
  detail::require_environment_name(environment);
  std::vector<Counterpart> out;
  for (const auto& [other, version] : registry.deployed(environment)) {
    if (other == app) continue;
    add_counterpart(out, registry, other, version, "deployed in " + std::string(environment));
  }
  return out;
}

}  // namespace mfstate
