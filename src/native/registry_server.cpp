// `mfstate registry serve`: a registry over HTTP, so many pipelines share one. JSON API:
//   GET /v1/apps                                   {"apps": [...]}
//   GET /v1/apps/{app}/versions                    {"versions": [...]}   lowest first
//   GET /v1/apps/{app}/versions/{version}          the manifest, schemas inline (404 if none)
//   PUT /v1/apps/{app}/versions/{version}          body: the manifest -> {"published": bool}
//   GET /v1/environments                           {"environments": [...]}
//   GET /v1/environments/{env}                     {"deployed": {"app": "version", ...}}
//   PUT /v1/environments/{env}/apps/{app}          body: {"version": "..."} -> {"deployed": true}
// Failures answer {"error": {"code": "<ErrorCode>", "message": "..."}} with 400, 404, 409 or 500.
#include <httplib.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "mfstate/registry.hpp"
#include "registry_detail.hpp"

namespace mfstate {

struct RegistryServer::Impl {
  Registry& registry;
  std::mutex mutex;  // the backends are not thread-safe, and Values are not shared across threads
  httplib::Server server;
  // httplib's stop() does nothing before listening starts; these let stop() win that race.
  std::atomic<bool> stopped{false};
  std::atomic<bool> listening{false};
  explicit Impl(Registry& r) : registry(r) {}
};

namespace {

int status_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::not_found: return 404;
    case ErrorCode::already_published: return 409;
    case ErrorCode::io_error:
    case ErrorCode::http_error: return 500;
    default: return 400;
  }
}

void answer(httplib::Response& res, int status, const Value& body) {
  res.status = status;
  res.set_content(body.to_json(), "application/json");
}

void answer_error(httplib::Response& res, ErrorCode code, const std::string& message) {
  answer(res, status_of(code),
         Value::object(
             {{"error", Value::object({{"code", Value(to_string(code))}, {"message", Value(message)}})}}));
}

Value string_list(const std::vector<std::string>& list) {
  std::vector<Value> out;
  out.reserve(list.size());
  for (const auto& s : list) out.emplace_back(s);
  return Value::array(std::move(out));
}

}  // namespace

RegistryServer::RegistryServer(Registry& registry) : impl_(std::make_unique<Impl>(registry)) {
  auto& svr = impl_->server;
  svr.set_payload_max_length(16u << 20);
  // Runs a handler under the registry's lock, turning every failure into a JSON error answer.
  auto guarded = [impl = impl_.get()](auto body) {
    return [impl, body](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(impl->mutex);
      try {
        body(req, res, impl->registry);
      } catch (const Error& e) {
        answer_error(res, e.code(), e.what());
      } catch (const std::exception& e) {
        answer_error(res, ErrorCode::io_error, std::string("registry server: ") + e.what());
      }
    };
  };
  const std::string name = "([A-Za-z0-9][A-Za-z0-9._-]*)";
  const std::string version = "([0-9A-Za-z.+-]+)";

  svr.Get("/v1/apps", guarded([](const httplib::Request&, httplib::Response& res, Registry& r) {
            answer(res, 200, Value::object({{"apps", string_list(r.apps())}}));
          }));
  svr.Get("/v1/apps/" + name + "/versions",
          guarded([](const httplib::Request& req, httplib::Response& res, Registry& r) {
            answer(res, 200, Value::object({{"versions", string_list(r.versions(req.matches[1].str()))}}));
          }));
  svr.Get("/v1/apps/" + name + "/versions/" + version,
          guarded([](const httplib::Request& req, httplib::Response& res, Registry& r) {
            const std::string app = req.matches[1].str(), v = req.matches[2].str();
            auto m = r.manifest(app, v);
            if (!m)
              throw Error(ErrorCode::not_found,
                          "registry " + r.location() + ": " + app + "@" + v + " is not published");
            answer(res, 200, m->to_value());
          }));
  svr.Put("/v1/apps/" + name + "/versions/" + version,
          guarded([](const httplib::Request& req, httplib::Response& res, Registry& r) {
            const std::string app = req.matches[1].str(), v = req.matches[2].str();
            Manifest m = parse_manifest_json(req.body);
            if (m.name != app || m.version != v) {
              throw Error(ErrorCode::invalid_argument,
                          "the manifest is " + m.id() + ", the URL says " + app + "@" + v);
            }
            bool stored = r.publish(m);
            answer(res, stored ? 201 : 200, Value::object({{"published", stored}}));
          }));
  svr.Get("/v1/environments", guarded([](const httplib::Request&, httplib::Response& res, Registry& r) {
            answer(res, 200, Value::object({{"environments", string_list(r.environments())}}));
          }));
  svr.Get("/v1/environments/" + name,
          guarded([](const httplib::Request& req, httplib::Response& res, Registry& r) {
            std::vector<Member> members;
            for (const auto& [app, v] : r.deployed(req.matches[1].str()))
              members.push_back(Member{app, Value(v)});
            answer(res, 200, Value::object({{"deployed", Value::object(std::move(members))}}));
          }));
  svr.Put("/v1/environments/" + name + "/apps/" + name,
          guarded([](const httplib::Request& req, httplib::Response& res, Registry& r) {
            Value body = parse_json(req.body);
            const Value* v = body.is_object() ? body.find("version") : nullptr;
            if (!v || !v->is_string())
              throw Error(ErrorCode::invalid_argument, "expected {\"version\": \"...\"}");
            r.deploy(req.matches[2].str(), v->as_string(), req.matches[1].str());
            answer(res, 200, Value::object({{"deployed", true}}));
          }));
  svr.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 404 && res.body.empty()) {
      answer_error(res, ErrorCode::invalid_argument, "no route " + req.method + " " + req.path);
      res.status = 404;
    }
  });
}

RegistryServer::~RegistryServer() { stop(); }

int RegistryServer::bind(const std::string& host, int port) {
  auto& svr = impl_->server;
  if (port == 0) {
    int bound = svr.bind_to_any_port(host);
    if (bound <= 0) throw Error(ErrorCode::io_error, "registry server: cannot listen on " + host);
    return bound;
  }
  if (!svr.bind_to_port(host, port)) {
    throw Error(ErrorCode::io_error, "registry server: cannot listen on " + host + ":" +
                                         std::to_string(port) +
                                         " (in use, or not an address of this machine)");
  }
  return port;
}

void RegistryServer::listen() {
  impl_->listening = true;
  if (!impl_->stopped) impl_->server.listen_after_bind();
  impl_->listening = false;
}

void RegistryServer::stop() {
  impl_->stopped = true;
  // listen() either saw `stopped` and returns at once, or is about to run: wait for it to run.
  while (impl_->listening) {
    if (impl_->server.is_running()) {
      impl_->server.stop();
      break;
    }
    std::this_thread::yield();
  }
}

}  // namespace mfstate
