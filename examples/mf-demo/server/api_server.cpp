#include "api_server.hpp"

#include <httplib.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "mfstate/contract.hpp"
#include "mfstate/error.hpp"
#include "mfstate/value.hpp"

namespace mfdemo {

using mfstate::Value;

namespace {

// What a PATCH may carry. Unknown fields are refused rather than ignored, so a client that
// misspells a field learns it at once.
constexpr const char* patch_schema_json = R"({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "name": {"type": "string", "minLength": 1, "maxLength": 80},
    "avatarUrl": {"type": ["string", "null"], "maxLength": 2048}
  }
})";

constexpr const char* faults_schema_json = R"({
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "delayMs": {"type": "integer", "minimum": 0, "maximum": 10000},
    "failWrites": {"type": "integer", "minimum": 0, "maximum": 1000},
    "failStatus": {"type": "integer", "minimum": 400, "maximum": 599},
    "holdWrites": {"type": "boolean"}
  }
})";

/// A failure the client caused or asked for: its status, code and message become the answer.
struct HttpError {
  int status;
  std::string code;
  std::string message;
  Value violations;  // null, or [{"path", "reason"}]
};

Value user_json(const User& user) {
  std::vector<mfstate::Member> members{{"userId", Value(user.user_id)}, {"name", Value(user.name)}};
  if (user.avatar_url) members.push_back({"avatarUrl", Value(*user.avatar_url)});
  return Value::object(std::move(members));
}

Value faults_json(const FaultSettings& f) {
  return Value::object({{"delayMs", f.delay_ms},
                        {"failWrites", f.fail_writes},
                        {"failStatus", f.fail_status},
                        {"holdWrites", f.hold_writes}});
}

void answer(httplib::Response& res, int status, const Value& body) {
  res.status = status;
  // The browser must not answer a GET from its own cache: the tests count requests at the server.
  res.set_header("Cache-Control", "no-store");
  res.set_content(body.to_json(), "application/json");
}

void answer_error(httplib::Response& res, const HttpError& e) {
  std::vector<mfstate::Member> error{{"code", Value(e.code)}, {"message", Value(e.message)}};
  if (!e.violations.is_null()) error.push_back({"violations", e.violations});
  answer(res, e.status, Value::object({{"error", Value::object(std::move(error))}}));
}

/// Parses a JSON request body and checks it against `schema`; throws HttpError(400/415).
Value parse_body(const httplib::Request& req, const mfstate::Schema& schema) {
  const std::string type = req.get_header_value("Content-Type");
  if (type.rfind("application/json", 0) != 0)
    throw HttpError{415,
                    "unsupported_media_type",
                    "expected a JSON body (Content-Type: application/json), got '" + type + "'",
                    {}};
  Value body;
  try {
    body = mfstate::parse_json(req.body);
  } catch (const mfstate::Error& e) {
    throw HttpError{400, "invalid_json", std::string("the body is not JSON: ") + e.what(), {}};
  }
  auto violations = mfstate::validate(schema, body);
  if (!violations.empty()) {
    std::vector<Value> list;
    std::string message = req.method + " " + req.path + ": the body does not match its schema:";
    for (const auto& v : violations) {
      list.push_back(Value::object({{"path", Value(v.path)}, {"reason", Value(v.reason)}}));
      message += " " + (v.path.empty() ? std::string("(root)") : v.path) + " " + v.reason + ";";
    }
    message.pop_back();
    throw HttpError{400, "schema_violation", message, Value::array(std::move(list))};
  }
  return body;
}

bool is_blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

}  // namespace

struct ApiServer::Impl {
  UserDb& db;
  Faults faults;
  httplib::Server server;
  // One lock around the database, the counts and every mfstate::Value: Values are not shared
  // across threads (their reference counts are not atomic), and SQLite's connection is not.
  mutable std::mutex mutex;
  std::map<std::string, long> counts;
  mfstate::Schema patch_schema = mfstate::Schema::parse_json(patch_schema_json);
  mfstate::Schema faults_schema = mfstate::Schema::parse_json(faults_schema_json);
  // httplib's stop() does nothing before listening starts; these let stop() win that race.
  std::atomic<bool> stopped{false};
  std::atomic<bool> listening{false};

  Impl(UserDb& d, const ApiOptions& options) : db(d), faults(options.hold_timeout) {
    faults.set(options.faults);
  }

  /// Runs `body` under the lock; HttpError and every other failure become a JSON error answer
  /// (a failure changes nothing: UserDb's writes are transactions).
  template <typename Body>
  void locked(const httplib::Request& req, httplib::Response& res, Body&& body) {
    std::lock_guard<std::mutex> lock(mutex);
    try {
      body(req, res);
    } catch (const HttpError& e) {
      answer_error(res, e);
    } catch (const std::exception& e) {
      answer_error(res, HttpError{500, "server_error", e.what(), {}});
    }
  }
  /// A handler that runs `body` locked().
  template <typename Body>
  httplib::Server::Handler guarded(Body body) {
    return [this, body](const httplib::Request& req, httplib::Response& res) { locked(req, res, body); };
  }

  void routes();
  void control_routes();
};

void ApiServer::Impl::routes() {
  server.Get("/api/users/me", [this](const httplib::Request& req, httplib::Response& res) {
    faults.delay();
    locked(req, res,
           [this](const httplib::Request&, httplib::Response& r) { answer(r, 200, user_json(db.me())); });
  });
  server.Patch("/api/users/me", [this](const httplib::Request& req, httplib::Response& res) {
    faults.delay();
    // Validated before the fault injector sees it: a bad request is refused whatever the faults.
    UserPatch patch;
    bool valid = false;
    locked(req, res, [&](const httplib::Request& rq, httplib::Response&) {
      Value body = parse_body(rq, patch_schema);
      if (body.size() == 0)
        throw HttpError{
            400, "invalid_argument", "PATCH /api/users/me: nothing to change (give name or avatarUrl)", {}};
      if (const Value* name = body.find("name")) {
        if (is_blank(name->as_string()))
          throw HttpError{400, "invalid_argument", "PATCH /api/users/me: /name is blank", {}};
        patch.name = std::string(name->as_string());
      }
      if (const Value* url = body.find("avatarUrl"))
        patch.avatar_url = url->is_null() ? std::nullopt : std::optional<std::string>(url->as_string());
      valid = true;
    });
    if (!valid) return;
    // Outside the lock: a held write must not stop reads (the page refetches while it waits).
    if (int status = faults.before_write()) {
      locked(req, res, [status](const httplib::Request&, httplib::Response&) {
        throw HttpError{
            status,
            "injected_failure",
            "the demo server was told to fail this write (PUT /__control/faults); nothing changed",
            {}};
      });
      return;
    }
    locked(req, res, [&](const httplib::Request&, httplib::Response& r) {
      answer(r, 200, user_json(db.update_me(patch)));
    });
  });
}

void ApiServer::Impl::control_routes() {
  server.Get("/__control/stats", guarded([this](const httplib::Request&, httplib::Response& res) {
               std::vector<mfstate::Member> members;
               long total = 0;
               for (const auto& [route, n] : counts) {
                 members.push_back({route, Value(n)});
                 total += n;
               }
               answer(
                   res, 200,
                   Value::object({{"requests", Value::object(std::move(members))}, {"total", Value(total)}}));
             }));
  server.Post("/__control/reset", guarded([this](const httplib::Request&, httplib::Response& res) {
                db.reset();
                counts.clear();
                faults.set(FaultSettings{});
                faults.release();
                answer(res, 200, Value::object({{"reset", true}}));
              }));
  server.Get("/__control/faults", guarded([this](const httplib::Request&, httplib::Response& res) {
               answer(res, 200, faults_json(faults.get()));
             }));
  server.Put("/__control/faults", guarded([this](const httplib::Request& req, httplib::Response& res) {
               Value body = parse_body(req, faults_schema);
               FaultSettings f = faults.get();
               if (const Value* v = body.find("delayMs")) f.delay_ms = static_cast<int>(v->as_int());
               if (const Value* v = body.find("failWrites")) f.fail_writes = static_cast<int>(v->as_int());
               if (const Value* v = body.find("failStatus")) f.fail_status = static_cast<int>(v->as_int());
               if (const Value* v = body.find("holdWrites")) f.hold_writes = v->as_bool();
               faults.set(f);
               answer(res, 200, faults_json(f));
             }));
  server.Post("/__control/release", guarded([this](const httplib::Request&, httplib::Response& res) {
                answer(res, 200, Value::object({{"released", faults.release()}}));
              }));
  // Not guarded while it waits: the write it waits for needs the lock to be refused or served.
  server.Get("/__control/held", [this](const httplib::Request& req, httplib::Response& res) {
    auto number = [&](const char* name, long fallback, long max) {
      if (!req.has_param(name)) return fallback;
      try {
        long n = std::stol(req.get_param_value(name));
        return n < 0 ? 0 : n > max ? max : n;
      } catch (const std::exception&) {
        return fallback;
      }
    };
    int held = faults.wait_held(static_cast<int>(number("atLeast", 1, 1000)),
                                std::chrono::milliseconds(number("timeoutMs", 5000, 30000)));
    std::lock_guard<std::mutex> lock(mutex);
    answer(res, 200, Value::object({{"held", held}}));
  });
}

ApiServer::ApiServer(UserDb& db, ApiOptions options) : impl_(std::make_unique<Impl>(db, options)) {
  auto& svr = impl_->server;
  svr.set_payload_max_length(64u << 10);
  // Keep-alive connections would hold a worker after stop() for this long.
  svr.set_keep_alive_timeout(1);
  svr.set_pre_routing_handler([impl = impl_.get()](const httplib::Request& req, httplib::Response&) {
    if (req.path.rfind("/api/", 0) == 0) {
      std::lock_guard<std::mutex> lock(impl->mutex);
      ++impl->counts[req.method + " " + req.path];
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  impl_->routes();
  impl_->control_routes();
  svr.set_error_handler([impl = impl_.get()](const httplib::Request& req, httplib::Response& res) {
    if (res.body.empty()) {
      std::lock_guard<std::mutex> lock(impl->mutex);
      int status = res.status;
      answer_error(res, HttpError{status,
                                  status == 404 ? "not_found" : "http_error",
                                  "no route " + req.method + " " + req.path,
                                  {}});
    }
  });
}

ApiServer::~ApiServer() { stop(); }

int ApiServer::bind(const std::string& host, int port) {
  auto& svr = impl_->server;
  if (port == 0) {
    int bound = svr.bind_to_any_port(host);
    if (bound <= 0) throw std::runtime_error("api server: cannot listen on " + host);
    return bound;
  }
  if (!svr.bind_to_port(host, port))
    throw std::runtime_error("api server: cannot listen on " + host + ":" + std::to_string(port) +
                             " (in use, or not an address of this machine)");
  return port;
}

void ApiServer::listen() {
  impl_->listening = true;
  if (!impl_->stopped) impl_->server.listen_after_bind();
  impl_->listening = false;
}

void ApiServer::stop() {
  impl_->stopped = true;
  impl_->faults.shutdown();
  // listen() either saw `stopped` and returns at once, or is about to run: wait for it to run.
  while (impl_->listening) {
    if (impl_->server.is_running()) {
      impl_->server.stop();
      break;
    }
    std::this_thread::yield();
  }
}

std::map<std::string, long> ApiServer::request_counts() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->counts;
}

Faults& ApiServer::faults() noexcept { return impl_->faults; }

}  // namespace mfdemo
