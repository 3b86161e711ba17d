// The folder registry: plain JSON files a team can commit or share.
//   <root>/<app>/<version>.json   one published manifest, schemas inline
//   <root>/deployments.json       {"environments": {"production": {"home": "1.0.0"}}}
//   <root>/.lock                  present only while a writer works (registry_folder_files.hpp)
// Writers take the folder's lock, so check-then-write and read-modify-write cannot interleave
// across processes; every file lands by one rename, so a reader (who takes no lock) sees the old
// file or the new one, never half of one. Names pass the registry's one name check, temporary
// files start with a dot (no name does), and symbolic links inside the folder are refused, so
// nothing written here lands outside it.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "mfstate/registry.hpp"
#include "registry_detail.hpp"
#include "registry_folder_files.hpp"

namespace mfstate {

namespace fs = std::filesystem;

namespace {

class FolderRegistry final : public Registry {
 public:
  FolderRegistry(fs::path root, const RegistryOptions& options)
      : root_(std::move(root)), location_(root_.string()), lock_timeout_(options.timeout_ms) {
    std::error_code ec;
    if (fs::exists(root_, ec)) {
      if (!fs::is_directory(root_, ec)) throw io_error("not a folder");
    } else if (options.create) {
      fs::create_directories(root_, ec);
      if (ec) throw io_error("cannot create: " + ec.message());
    } else {
      throw io_error("no such folder (publish creates it; check the --registry path)");
    }
  }

  std::string location() const override { return location_; }

  bool publish(const Manifest& manifest) override {
    detail::require_app_version(manifest.name, manifest.version);
    const Value document = manifest.to_value();
    const std::string text = stored_text(document, manifest);
    detail::FolderLock lock(root_.string(), lock_timeout_, location_);
    if (auto existing = read_manifest_document(manifest.name, manifest.version)) {
      if (*existing == document) return false;
      throw detail::already_published(location_, manifest.name, manifest.version);
    }
    const std::string folder = app_folder(manifest.name);
    if (!app_folder_exists(manifest.name) && ::mkdir(folder.c_str(), 0755) != 0) {
      throw io_error("cannot create the folder of " + manifest.name + ": " + std::strerror(errno));
    }
    detail::write_file_atomically(folder, manifest.version + ".json", text, lock, location_);
    return true;
  }

  std::vector<std::string> apps() const override {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(root_, ec)) {
      const std::string name = entry.path().filename().string();
      // Not a name: the registry's own files, a README, .git, … Names are app folders or nothing.
      if (!is_registry_name(name)) continue;
      const detail::EntryKind kind = detail::entry_kind(entry.path().string(), location_);
      if (kind == detail::EntryKind::file) continue;
      if (kind != detail::EntryKind::folder) throw not_plain(name);
      if (!versions(name).empty()) out.push_back(name);
    }
    if (ec) throw io_error("cannot list: " + ec.message());
    std::sort(out.begin(), out.end());
    return out;
  }

  std::vector<std::string> versions(std::string_view app) const override {
    detail::require_app_name(app);
    std::vector<std::string> out;
    if (!app_folder_exists(app)) return out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(app_folder(app), ec)) {
      const fs::path& p = entry.path();
      if (p.extension() != ".json") continue;
      std::string version = p.stem().string();
      if (!is_semver(version)) continue;
      if (detail::entry_kind(p.string(), location_) != detail::EntryKind::file) {
        throw not_plain(std::string(app) + "/" + p.filename().string());
      }
      out.push_back(std::move(version));
    }
    if (ec) throw io_error("cannot list " + std::string(app) + ": " + ec.message());
    detail::sort_by_semver(out);
    return out;
  }

  std::optional<Manifest> manifest(std::string_view app, std::string_view version) const override {
    detail::require_app_version(app, version);
    auto document = read_manifest_document(app, version);
    if (!document) return std::nullopt;
    return detail::stored_manifest(*document, location_, app, version);
  }

  void deploy(std::string_view app, std::string_view version, std::string_view environment) override {
    detail::require_app_version(app, version);
    detail::require_environment_name(environment);
    detail::FolderLock lock(root_.string(), lock_timeout_, location_);
    if (!read_manifest_document(app, version)) throw detail::not_published(location_, app, version);
    Value all = load_deployments();
    // The environment is rewritten whole: one that every read refuses is refused here too, not
    // carried into the new file (nor, not being an object, reported as a bare type_error).
    (void)deployed_in(all, environment);
    const Value* envs = all.find("environments");
    Value env_map = envs && envs->find(environment) ? *envs->find(environment) : Value::object();
    env_map = std::move(env_map).set(app, Value(version));
    all = std::move(all).set_in({"environments", std::string(environment)}, std::move(env_map));
    detail::write_file_atomically(root_.string(), "deployments.json", detail::to_pretty_json(all), lock,
                                  location_);
  }

  std::map<std::string, std::string> deployed(std::string_view environment) const override {
    detail::require_environment_name(environment);
    return deployed_in(load_deployments(), environment);
  }

  std::vector<std::string> environments() const override {
    std::vector<std::string> out;
    const Value all = load_deployments();
    for (const Member& m : all.get("environments").as_object()) {
      if (!is_registry_name(m.key)) throw corrupt("holds an environment whose name is not a name");
      out.emplace_back(m.key);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  // What `all` (deployments.json's content) records in `environment`: app -> version. Throws
  // io_error naming deployments.json when the environment is not an object of app: version.
  std::map<std::string, std::string> deployed_in(const Value& all, std::string_view environment) const {
    std::map<std::string, std::string> out;
    const Value* env = all.get("environments").find(environment);
    if (env == nullptr) return out;
    if (!env->is_object()) throw corrupt("environment \"" + std::string(environment) + "\" is not an object");
    for (const Member& m : env->as_object()) {
      if (!is_registry_name(m.key) || !m.value.is_string() || !is_semver(m.value.as_string())) {
        throw corrupt("environment \"" + std::string(environment) +
                      "\" holds an entry that is not app: version");
      }
      out.emplace(m.key, std::string(m.value.as_string()));
    }
    return out;
  }

  std::string app_folder(std::string_view app) const { return (root_ / std::string(app)).string(); }

  // True when <root>/<app> is a folder; false when absent; a link or a file there is refused.
  bool app_folder_exists(std::string_view app) const {
    switch (detail::entry_kind(app_folder(app), location_)) {
      case detail::EntryKind::missing: return false;
      case detail::EntryKind::folder: return true;
      default: throw not_plain(std::string(app));
    }
  }

  // The file's text: indented for the people who read the folder, unless indentation would make it
  // much larger than the manifest (two spaces per level on every line: a document nested a hundred
  // deep in an `examples` annotation grew a hundredfold), then compact.
  std::string stored_text(const Value& document, const Manifest& manifest) const {
    std::string compact = document.to_json();
    std::string pretty = detail::to_pretty_json(document);
    std::string text = pretty.size() <= 2 * compact.size() + (64u << 10) ? std::move(pretty) : std::move(compact) + '\n';
    detail::require_storable(text.size(), location_, manifest.name, manifest.version);
    return text;
  }

  std::optional<Value> read_manifest_document(std::string_view app, std::string_view version) const {
    if (!app_folder_exists(app)) return std::nullopt;
    const std::string relative = std::string(app) + "/" + std::string(version) + ".json";
    auto text = detail::read_registry_file((root_ / relative).string(), location_, relative);
    if (!text) return std::nullopt;
    return parse(*text, relative);
  }

  Value load_deployments() const {
    auto text =
        detail::read_registry_file((root_ / "deployments.json").string(), location_, "deployments.json");
    if (!text) return Value::object({{"environments", Value::object()}});
    Value v = parse(*text, "deployments.json");
    if (!v.is_object() || (v.find("environments") && !v.get("environments").is_object())) {
      throw corrupt("expected {\"environments\": {...}}");
    }
    if (!v.find("environments")) v = std::move(v).set("environments", Value::object());
    return v;
  }

  Value parse(const std::string& text, const std::string& relative) const {
    try {
      return parse_json(text);
    } catch (const Error& e) {
      throw Error(e.code(), "registry " + location_ + ": " + relative + ": " + e.what(), e.offset());
    }
  }

  Error io_error(const std::string& what) const {
    return Error(ErrorCode::io_error, "registry " + location_ + ": " + what);
  }
  Error corrupt(const std::string& what) const { return io_error("deployments.json: " + what); }
  Error not_plain(const std::string& relative) const {
    return io_error(relative +
                    " is not a plain folder or file (a symbolic link or a device?); a registry holds only "
                    "folders and regular files");
  }

  fs::path root_;
  std::string location_;
  std::chrono::milliseconds lock_timeout_;
};

}  // namespace

std::unique_ptr<Registry> open_folder_registry(const std::string& root, const RegistryOptions& options) {
  return std::make_unique<FolderRegistry>(fs::path(root), options);
}

}  // namespace mfstate
