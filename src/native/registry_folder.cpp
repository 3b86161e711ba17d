// The folder registry: plain JSON files a team can commit or share.
//   <root>/<app>/<version>.json   one published manifest, schemas inline
//   <root>/deployments.json       {"environments": {"production": {"home": "1.0.0"}}}
// Every write goes to a temporary file first and is renamed into place, so a reader never sees
// half a file and a failed write leaves the registry as it was.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "mfstate/registry.hpp"
#include "registry_detail.hpp"

namespace mfstate {

namespace fs = std::filesystem;

namespace {

class FolderRegistry final : public Registry {
 public:
  FolderRegistry(fs::path root, const RegistryOptions& options) : root_(std::move(root)) {
    std::error_code ec;
    if (fs::exists(root_, ec)) {
      if (!fs::is_directory(root_, ec)) {
        throw Error(ErrorCode::io_error, "registry " + location() + ": not a folder");
      }
    } else if (options.create) {
      fs::create_directories(root_, ec);
      if (ec) throw Error(ErrorCode::io_error, "registry " + location() + ": cannot create: " + ec.message());
    } else {
      throw Error(
          ErrorCode::io_error,
          "registry " + location() + ": no such folder (publish creates it; check the --registry path)");
    }
  }

  std::string location() const override { return root_.string(); }

  bool publish(const Manifest& manifest) override {
    detail::require_app_version(manifest.name, manifest.version);
    const Value document = manifest.to_value();
    const fs::path file = manifest_file(manifest.name, manifest.version);
    std::error_code ec;
    if (fs::exists(file, ec)) {
      if (read(file) == document) return false;
      throw Error(ErrorCode::already_published,
                  "registry " + location() + ": " + manifest.id() +
                      " is already published with different content; published versions are immutable, "
                      "bump the version");
    }
    fs::create_directories(file.parent_path(), ec);
    if (ec)
      throw Error(ErrorCode::io_error, "registry " + location() + ": cannot create " +
                                           file.parent_path().string() + ": " + ec.message());
    write_atomically(file, detail::to_pretty_json(document));
    return true;
  }

  std::vector<std::string> apps() const override {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(root_, ec)) {
      const std::string name = entry.path().filename().string();
      if (entry.is_directory() && is_app_name(name) && !versions(name).empty()) out.push_back(name);
    }
    if (ec) throw Error(ErrorCode::io_error, "registry " + location() + ": cannot list: " + ec.message());
    std::sort(out.begin(), out.end());
    return out;
  }

  std::vector<std::string> versions(std::string_view app) const override {
    std::vector<std::string> out;
    if (!is_app_name(app)) return out;
    const fs::path folder = root_ / std::string(app);
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) return out;
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
      const fs::path& p = entry.path();
      if (p.extension() != ".json") continue;
      std::string version = p.stem().string();
      if (is_semver(version)) out.push_back(std::move(version));
    }
    if (ec)
      throw Error(ErrorCode::io_error,
                  "registry " + location() + ": cannot list " + folder.string() + ": " + ec.message());
    std::sort(out.begin(), out.end(),
              [](const std::string& a, const std::string& b) { return compare_semver(a, b) < 0; });
    return out;
  }

  std::optional<Manifest> manifest(std::string_view app, std::string_view version) const override {
    if (!is_app_name(app) || !is_semver(version)) return std::nullopt;
    const fs::path file = manifest_file(app, version);
    std::error_code ec;
    if (!fs::exists(file, ec)) return std::nullopt;
    return detail::stored_manifest(read(file), location(), app, version);
  }

  void deploy(std::string_view app, std::string_view version, std::string_view environment) override {
    detail::require_app_version(app, version);
    if (!is_environment_name(environment)) {
      throw Error(ErrorCode::invalid_argument,
                  "\"" + std::string(environment) + "\" is not an environment name");
    }
    std::error_code ec;
    if (!fs::exists(manifest_file(app, version), ec)) {
      throw Error(ErrorCode::not_found, "registry " + location() + ": " + std::string(app) + "@" +
                                            std::string(version) +
                                            " is not published; publish it before deploying it");
    }
    Value all = load_deployments();
    const Value* envs = all.find("environments");
    Value env_map = envs && envs->find(environment) ? *envs->find(environment) : Value::object();
    env_map = std::move(env_map).set(app, Value(version));
    all = std::move(all).set_in({"environments", std::string(environment)}, std::move(env_map));
    write_atomically(deployments_file(), detail::to_pretty_json(all));
  }

  std::map<std::string, std::string> deployed(std::string_view environment) const override {
    std::map<std::string, std::string> out;
    const Value all = load_deployments();
    const Value* envs = all.find("environments");
    const Value* env = envs ? envs->find(environment) : nullptr;
    if (env == nullptr) return out;
    if (!env->is_object()) throw corrupt("environment \"" + std::string(environment) + "\" is not an object");
    for (const Member& m : env->as_object()) {
      if (!m.value.is_string()) throw corrupt("the version of " + m.key + " is not a string");
      out.emplace(m.key, std::string(m.value.as_string()));
    }
    return out;
  }

  std::vector<std::string> environments() const override {
    std::vector<std::string> out;
    const Value all = load_deployments();
    if (const Value* envs = all.find("environments")) {
      for (const Member& m : envs->as_object()) out.push_back(m.key);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  fs::path manifest_file(std::string_view app, std::string_view version) const {
    return root_ / std::string(app) / (std::string(version) + ".json");
  }
  fs::path deployments_file() const { return root_ / "deployments.json"; }

  Error corrupt(const std::string& what) const {
    return Error(ErrorCode::io_error,
                 "registry " + location() + ": " + deployments_file().string() + ": " + what);
  }

  Value read(const fs::path& file) const { return read_json_file(file.string()); }

  Value load_deployments() const {
    std::error_code ec;
    if (!fs::exists(deployments_file(), ec)) return Value::object({{"environments", Value::object()}});
    Value v = read(deployments_file());
    if (!v.is_object() || (v.find("environments") && !v.get("environments").is_object())) {
      throw corrupt("expected {\"environments\": {...}}");
    }
    if (!v.find("environments")) v = std::move(v).set("environments", Value::object());
    return v;
  }

  void write_atomically(const fs::path& file, const std::string& text) const {
    fs::path tmp = file;
    tmp += ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << text;
      out.flush();
      if (!out) {
        std::error_code ignored;
        fs::remove(tmp, ignored);
        throw Error(ErrorCode::io_error, "registry " + location() + ": cannot write " + tmp.string());
      }
    }
    std::error_code ec;
    fs::rename(tmp, file, ec);
    if (ec) {
      std::error_code ignored;
      fs::remove(tmp, ignored);
      throw Error(ErrorCode::io_error,
                  "registry " + location() + ": cannot write " + file.string() + ": " + ec.message());
    }
  }

  fs::path root_;
};

}  // namespace

std::unique_ptr<Registry> open_folder_registry(const std::string& root, const RegistryOptions& options) {
  return std::make_unique<FolderRegistry>(fs::path(root), options);
}

}  // namespace mfstate
