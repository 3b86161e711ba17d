// The HTTP registry client: the Registry interface over the JSON API of `mfstate registry serve`
// (routes in registry_server.cpp). Errors the server reports come back with their own code.
#include <httplib.h>

#include "mfstate/registry.hpp"
#include "registry_detail.hpp"

namespace mfstate {

namespace {

class HttpRegistry final : public Registry {
 public:
  HttpRegistry(std::string url, const RegistryOptions& options) : url_(std::move(url)) {
    // Split "http://host:port/prefix" into what httplib connects to and the path prefix.
    std::size_t scheme_end = url_.find("://");
    std::size_t path_start = url_.find('/', scheme_end + 3);
    std::string origin = path_start == std::string::npos ? url_ : url_.substr(0, path_start);
    prefix_ = path_start == std::string::npos ? "" : url_.substr(path_start);
    while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
    if (origin.size() <= scheme_end + 3) {
      throw Error(ErrorCode::invalid_argument, "registry " + url_ + ": no host in the URL");
    }
    client_ = std::make_unique<httplib::Client>(origin);
    if (!client_->is_valid())
      throw Error(ErrorCode::invalid_argument, "registry " + url_ + ": not a usable URL");
    const time_t seconds = options.timeout_ms / 1000;
    const time_t micros = (options.timeout_ms % 1000) * 1000;
    client_->set_connection_timeout(seconds, micros);
    client_->set_read_timeout(seconds, micros);
    client_->set_write_timeout(seconds, micros);
  }

  std::string location() const override { return url_; }

  bool publish(const Manifest& manifest) override {
    detail::require_app_version(manifest.name, manifest.version);
    Value answer = request("PUT", "/v1/apps/" + manifest.name + "/versions/" + manifest.version,
                           manifest.to_value().to_json());
    const Value* published = answer.is_object() ? answer.find("published") : nullptr;
    if (!published || !published->is_bool()) throw malformed("PUT manifest");
    return published->as_bool();
  }

  std::vector<std::string> apps() const override { return strings(request("GET", "/v1/apps"), "apps"); }

  std::vector<std::string> versions(std::string_view app) const override {
    if (!is_app_name(app)) return {};
    return strings(request("GET", "/v1/apps/" + std::string(app) + "/versions"), "versions");
  }

  std::optional<Manifest> manifest(std::string_view app, std::string_view version) const override {
    if (!is_app_name(app) || !is_semver(version)) return std::nullopt;
    std::optional<Value> document =
        request_optional("GET", "/v1/apps/" + std::string(app) + "/versions/" + std::string(version));
    if (!document) return std::nullopt;
    return detail::stored_manifest(*document, location(), app, version);
  }

  void deploy(std::string_view app, std::string_view version, std::string_view environment) override {
    detail::require_app_version(app, version);
    if (!is_environment_name(environment)) {
      throw Error(ErrorCode::invalid_argument,
                  "\"" + std::string(environment) + "\" is not an environment name");
    }
    request("PUT", "/v1/environments/" + std::string(environment) + "/apps/" + std::string(app),
            Value::object({{"version", Value(version)}}).to_json());
  }

  std::map<std::string, std::string> deployed(std::string_view environment) const override {
    std::map<std::string, std::string> out;
    if (!is_environment_name(environment)) return out;
    Value answer = request("GET", "/v1/environments/" + std::string(environment));
    const Value* map = answer.is_object() ? answer.find("deployed") : nullptr;
    if (!map || !map->is_object()) throw malformed("GET environment");
    for (const Member& m : map->as_object()) {
      if (!m.value.is_string()) throw malformed("GET environment");
      out.emplace(m.key, std::string(m.value.as_string()));
    }
    return out;
  }

  std::vector<std::string> environments() const override {
    return strings(request("GET", "/v1/environments"), "environments");
  }

 private:
  Error malformed(const std::string& what) const {
    return Error(ErrorCode::http_error, "registry " + url_ + ": unexpected answer to " + what);
  }

  std::vector<std::string> strings(const Value& answer, std::string_view member) const {
    const Value* list = answer.is_object() ? answer.find(member) : nullptr;
    if (!list || !list->is_array()) throw malformed("GET " + std::string(member));
    std::vector<std::string> out;
    for (const Value& v : list->as_array()) {
      if (!v.is_string()) throw malformed("GET " + std::string(member));
      out.emplace_back(v.as_string());
    }
    return out;
  }

  Value request(const char* method, const std::string& path, const std::string& body = {}) const {
    std::optional<Value> v = request_optional(method, path, body, false);
    return std::move(*v);
  }

  // nullopt for a 404 when `not_found_is_empty`; otherwise every failure throws.
  std::optional<Value> request_optional(const char* method, const std::string& path,
                                        const std::string& body = {}, bool not_found_is_empty = true) const {
    const std::string full = prefix_ + path;
    httplib::Result res =
        std::string_view(method) == "PUT" ? client_->Put(full, body, "application/json") : client_->Get(full);
    if (!res) {
      throw Error(ErrorCode::io_error, "registry " + url_ + " unreachable (" + std::string(method) + " " +
                                           full + "): " + httplib::to_string(res.error()));
    }
    Value answer;
    try {
      answer = res->body.empty() ? Value() : parse_json(res->body);
    } catch (const Error& e) {
      throw Error(ErrorCode::http_error, "registry " + url_ + ": " + method + " " + full + " answered " +
                                             std::to_string(res->status) +
                                             " with malformed JSON: " + e.what());
    }
    if (res->status >= 200 && res->status < 300) return answer;
    const Value* error = answer.is_object() ? answer.find("error") : nullptr;
    if (error && error->is_object() && error->find("code") && error->find("message") &&
        error->get("code").is_string() && error->get("message").is_string()) {
      auto code = detail::error_code_from_string(error->get("code").as_string());
      if (res->status == 404 && not_found_is_empty && code == ErrorCode::not_found) return std::nullopt;
      throw Error(code.value_or(ErrorCode::http_error), std::string(error->get("message").as_string()));
    }
    throw Error(ErrorCode::http_error, "registry " + url_ + ": " + method + " " + full + " answered HTTP " +
                                           std::to_string(res->status));
  }

  std::string url_;
  std::string prefix_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace

std::unique_ptr<Registry> open_http_registry(const std::string& url, const RegistryOptions& options) {
  return std::make_unique<HttpRegistry>(url, options);
}

}  // namespace mfstate
