// The HTTP registry client: the Registry interface over the JSON API of `mfstate registry serve`
// (routes in registry_server.cpp), through one transport (http_send, or the one the options
// give). Errors the server reports come back with their own code; every name is checked here
// first, so a bad one never becomes a URL.
#include <algorithm>

#include "mfstate/registry.hpp"
#include "registry_detail.hpp"

namespace mfstate {

namespace {

class HttpRegistry final : public Registry {
 public:
  HttpRegistry(std::string url, const RegistryOptions& options)
      : url_(std::move(url)),
        token_(options.token),
        transport_(options.transport ? options.transport : HttpTransport(http_send)) {
    while (!url_.empty() && url_.back() == '/') url_.pop_back();
    const std::size_t scheme_end = url_.find("://");
    if (scheme_end == std::string::npos || url_.size() <= scheme_end + 3) {
      throw Error(ErrorCode::invalid_argument, "registry " + url_ + ": no host in the URL");
    }
    // Every error line names the URL, and CI logs keep those lines: a URL with credentials, a
    // query (which may hold a key) or a fragment is refused here, before anything prints it, and
    // named without them. The API's paths are appended to the URL: after a query or a fragment
    // they would be part of it (a "#x" sent every request to the server's root).
    const std::size_t host_begin = scheme_end + 3;
    const std::size_t tail = std::min(url_.find_first_of("?#", host_begin), url_.size());
    const std::size_t authority_end = std::min(url_.find_first_of("/", host_begin), tail);
    const std::size_t at = url_.rfind('@', authority_end - 1);
    if (at != std::string::npos && at >= host_begin) {
      throw Error(ErrorCode::invalid_argument,
                  "registry " + url_.substr(0, host_begin) + "***" + url_.substr(at, tail - at) +
                      ": credentials in the URL are not accepted: use MFSTATE_REGISTRY_TOKEN");
    }
    if (tail != url_.size()) {
      throw Error(ErrorCode::invalid_argument,
                  "registry " + url_.substr(0, tail) +
                      ": a registry URL has no ?query or #fragment (the API's paths are added to its path)");
    }
    if (token_.find_first_of("\r\n") != std::string::npos || token_.find('\0') != std::string::npos) {
      throw Error(ErrorCode::invalid_argument, "registry " + url_ + ": the access token holds a line break");
    }
    limits_.max_response_bytes = options.max_response_bytes;
    limits_.timeout = std::chrono::milliseconds(options.timeout_ms);
    limits_.min_rate = options.min_rate;
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
    detail::require_app_name(app);
    return strings(request("GET", "/v1/apps/" + std::string(app) + "/versions"), "versions");
  }

  std::optional<Manifest> manifest(std::string_view app, std::string_view version) const override {
    detail::require_app_version(app, version);
    std::optional<Value> document =
        request_optional("GET", "/v1/apps/" + std::string(app) + "/versions/" + std::string(version));
    if (!document) return std::nullopt;
    return detail::stored_manifest(*document, location(), app, version);
  }

  void deploy(std::string_view app, std::string_view version, std::string_view environment) override {
    detail::require_app_version(app, version);
    detail::require_environment_name(environment);
    request("PUT", "/v1/environments/" + std::string(environment) + "/apps/" + std::string(app),
            Value::object({{"version", Value(version)}}).to_json());
  }

  std::map<std::string, std::string> deployed(std::string_view environment) const override {
    detail::require_environment_name(environment);
    std::map<std::string, std::string> out;
    Value answer = request("GET", "/v1/environments/" + std::string(environment));
    const Value* map = answer.is_object() ? answer.find("deployed") : nullptr;
    if (!map || !map->is_object()) throw malformed("GET environment");
    for (const Member& m : map->as_object()) {
      if (!is_registry_name(m.key) || !m.value.is_string() || !is_semver(m.value.as_string())) {
        throw malformed("GET environment");
      }
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

  // A list of names (apps, versions or environments): anything else in it is a malformed answer,
  // so a hostile server cannot smuggle a path or a control character into a later request or line.
  std::vector<std::string> strings(const Value& answer, std::string_view member) const {
    const Value* list = answer.is_object() ? answer.find(member) : nullptr;
    if (!list || !list->is_array()) throw malformed("GET " + std::string(member));
    std::vector<std::string> out;
    for (const Value& v : list->as_array()) {
      const bool ok = v.is_string() &&
                      (member == "versions" ? is_semver(v.as_string()) : is_registry_name(v.as_string()));
      if (!ok) throw malformed("GET " + std::string(member));
      out.emplace_back(v.as_string());
    }
    return out;
  }

  Value request(const char* method, const std::string& path, const std::string& body = {}) const {
    std::optional<Value> v = request_optional(method, path, body, false);
    return std::move(*v);
  }

  // nullopt for a 404 not_found when `not_found_is_empty`; otherwise every failure throws.
  std::optional<Value> request_optional(const char* method, const std::string& path,
                                        const std::string& body = {}, bool not_found_is_empty = true) const {
    HttpRequest req{method, url_ + path, {}, body};
    if (!token_.empty()) req.headers.emplace_back("Authorization", "Bearer " + token_);
    if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
    const std::string what = std::string(method) + " " + path;
    HttpResponse res;
    try {
      res = transport_(req, limits_);
    } catch (const Error& e) {
      throw Error(e.code(), "registry " + url_ + " (" + what + "): " + e.what());
    }
    Value answer;
    try {
      answer = res.body.empty() ? Value() : parse_json(res.body);
    } catch (const Error& e) {
      throw Error(ErrorCode::http_error, "registry " + url_ + ": " + what + " answered HTTP " +
                                             std::to_string(res.status) +
                                             " with malformed JSON: " + e.what());
    }
    if (res.status >= 200 && res.status < 300) return answer;
    const Value* error = answer.is_object() ? answer.find("error") : nullptr;
    if (error && error->is_object() && error->find("code") && error->find("message") &&
        error->get("code").is_string() && error->get("message").is_string()) {
      auto code = detail::error_code_from_string(error->get("code").as_string());
      if (res.status == 404 && not_found_is_empty && code == ErrorCode::not_found) return std::nullopt;
      throw Error(code.value_or(ErrorCode::http_error), std::string(error->get("message").as_string()));
    }
    throw Error(ErrorCode::http_error,
                "registry " + url_ + ": " + what + " answered HTTP " + std::to_string(res.status));
  }

  std::string url_;
  std::string token_;
  HttpTransport transport_;
  HttpLimits limits_;
};

}  // namespace

std::unique_ptr<Registry> open_http_registry(const std::string& url, const RegistryOptions& options) {
  return std::make_unique<HttpRegistry>(url, options);
}

}  // namespace mfstate
