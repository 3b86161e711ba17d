// The registry's HTTP API: routes, access checks and answers (registry_server_api.hpp).
#include "registry_server_api.hpp"

#include <algorithm>

#include "registry_access.hpp"
#include "registry_detail.hpp"

namespace mfstate::detail {

namespace {

// What a path asks for. Names are checked by the one rule before anything else sees them.
struct Route {
  enum class Kind { apps, versions, manifest, environments, environment, deployment } kind;
  std::string app, version, environment;
  bool writes(const std::string& method) const {
    return method == "PUT" && (kind == Kind::manifest || kind == Kind::deployment);
  }
  bool allows(const std::string& method) const {
    return method == "GET" || (method == "PUT" && (kind == Kind::manifest || kind == Kind::deployment));
  }
};

std::optional<Route> route_of(std::string_view target) {
  target = target.substr(0, target.find('?'));
  std::vector<std::string> parts;
  std::size_t start = 1;  // past the leading '/'
  for (;;) {
    const std::size_t slash = target.find('/', start);
    parts.emplace_back(
        target.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (parts.back().empty()) return std::nullopt;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (parts.size() < 2 || parts[0] != "v1") return std::nullopt;
  using K = Route::Kind;
  if (parts[1] == "apps") {
    if (parts.size() == 2) return Route{K::apps, {}, {}, {}};
    if (parts.size() == 4 && parts[3] == "versions") return Route{K::versions, parts[2], {}, {}};
    if (parts.size() == 5 && parts[3] == "versions") return Route{K::manifest, parts[2], parts[4], {}};
  } else if (parts[1] == "environments") {
    if (parts.size() == 2) return Route{K::environments, {}, {}, {}};
    if (parts.size() == 3) return Route{K::environment, {}, {}, parts[2]};
    if (parts.size() == 5 && parts[3] == "apps") return Route{K::deployment, parts[4], {}, parts[2]};
  }
  return std::nullopt;
}

void require_names(const Route& r) {
  if (!r.app.empty()) require_app_name(r.app);
  if (!r.version.empty()) require_version(r.version);
  if (!r.environment.empty()) require_environment_name(r.environment);
}

int status_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::not_found: return 404;
    case ErrorCode::already_published: return 409;
    case ErrorCode::unauthorized: return 401;
    case ErrorCode::forbidden: return 403;
    case ErrorCode::size_limit: return 413;
    case ErrorCode::io_error:
    case ErrorCode::http_error: return 500;
    default: return 400;
  }
}

ApiAnswer json_answer(int status, const Value& body) {
  ApiAnswer a;
  a.status = status;
  a.body = std::make_shared<const std::string>(body.to_json());
  return a;
}

Value string_list(const std::vector<std::string>& list) {
  std::vector<Value> out;
  out.reserve(list.size());
  for (const auto& s : list) out.emplace_back(s);
  return Value::array(std::move(out));
}

// Replaces every occurrence of `what` in `text`.
std::string replace_all(std::string text, const std::string& what, const std::string& by) {
  if (what.empty()) return text;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + by.size())) {
    text.replace(at, what.size(), by);
  }
  return text;
}

// The bearer token of a request: nullopt without an Authorization header.
std::optional<std::string> bearer_token(const HttpHead& head) {
  if (head.count("Authorization") > 1)
    throw Error(ErrorCode::invalid_argument, "more than one Authorization header");
  const std::string* value = head.find("Authorization");
  if (!value) return std::nullopt;
  if (value->size() < 7 || !equals_ignoring_case(std::string_view(*value).substr(0, 7), "Bearer ")) {
    throw Error(ErrorCode::unauthorized, "the Authorization header is not \"Bearer <token>\"");
  }
  return value->substr(7);
}

struct StorageFailure {
  std::string detail;
};

ApiAnswer internal_failure(std::uint64_t request, const std::string& detail) {
  ApiAnswer a = RegistryApi::refusal(500, ErrorCode::io_error,
                                     "the registry's storage failed (request " + std::to_string(request) +
                                         "); the server's log has the details");
  a.failure = printable(detail);
  return a;
}

}  // namespace

// What RegistryServerOptions promises a kept manifest answer costs beyond its bytes covers the
// longest key, "app@version" (an app name has 100 characters at most: is_app_name).
static_assert(100 + 1 + max_registry_version_length + AnswerCache::entry_overhead <=
              RegistryServerOptions::answer_cache_entry_bytes);

RegistryApi::RegistryApi(Registry& registry, AccessPolicy access, std::size_t cache_bytes,
                         std::size_t max_answer_bytes, std::chrono::milliseconds listing_time)
    : registry_(registry),
      access_(std::move(access)),
      manifests_(cache_bytes),
      listings_(cache_bytes / 4),
      max_answer_bytes_(max_answer_bytes),
      listing_time_(listing_time) {}

// A listing costs what the storage's listing costs, which grows with what is published, and anyone
// may ask for it again and again: one built is kept for listing_time_. This server's own writes
// clear them at once; another writer of the same storage is seen within listing_time_.
ApiAnswer RegistryApi::listing(const std::string& key, const std::function<Value()>& build) {
  const auto now = AnswerCache::Clock::now();
  if (auto cached = listings_.find(key, now)) {
    ApiAnswer a;
    a.body = std::move(cached);
    return a;
  }
  ApiAnswer a = json_answer(200, build());
  if (listing_time_.count() > 0) listings_.insert(key, a.body, now + listing_time_);
  return a;
}

ApiAnswer RegistryApi::refusal(int status, ErrorCode code, const std::string& message) {
  ApiAnswer a = json_answer(status, Value::object({{"error", Value::object({{"code", Value(to_string(code))},
                                                                            {"message", Value(message)}})}}));
  if (status == 401) a.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"mfstate registry\"");
  return a;
}

std::optional<ApiAnswer> RegistryApi::screen(const HttpHead& head, std::size_t max_body_bytes,
                                             std::string& caller) const {
  caller = "-";
  const auto route = route_of(head.target);
  if (!route) return refusal(404, ErrorCode::not_found, "no such route: " + printable(head.target));
  if (!route->allows(head.method)) {
    ApiAnswer a = refusal(405, ErrorCode::invalid_argument,
                          head.method + " is not allowed on " + printable(head.target));
    a.headers.emplace_back(
        "Allow",
        route->kind == Route::Kind::manifest || route->kind == Route::Kind::deployment ? "GET, PUT" : "GET");
    return a;
  }
  try {
    require_names(*route);
    if (head.content_length && *head.content_length > max_body_bytes) {
      throw Error(ErrorCode::size_limit, "the body is " + std::to_string(*head.content_length) +
                                             " bytes, more than the limit of " +
                                             std::to_string(max_body_bytes));
    }
    // A read has no body. Refused from the head, or any client (no token needed to read) could
    // make the server hold max_body_bytes on each of its connections.
    if (!route->writes(head.method) && head.content_length.value_or(0) > 0) {
      throw Error(ErrorCode::invalid_argument,
                  "a GET has no body (Content-Length: " + std::to_string(*head.content_length) + ")");
    }
    if (route->writes(head.method) && !head.content_length) {
      throw Error(ErrorCode::invalid_argument, "a PUT needs a Content-Length");
    }
    const auto secret = bearer_token(head);
    const AccessToken* token = secret ? find_token(access_, *secret) : nullptr;
    if (secret && !token)
      throw Error(ErrorCode::unauthorized, "the access token is not valid (unknown or revoked)");
    if (token) caller = token->name;
    if (!route->writes(head.method)) {
      if (!token && !access_.open_read) {
        throw Error(
            ErrorCode::unauthorized,
            "this registry needs an access token to read: set MFSTATE_REGISTRY_TOKEN to your team's token");
      }
      return std::nullopt;
    }
    if (access_.open_write) return std::nullopt;
    if (!token) {
      throw Error(
          ErrorCode::unauthorized,
          "publishing and deploying need an access token: set MFSTATE_REGISTRY_TOKEN to the token of the "
          "team that owns " +
              route->app);
    }
    if (token->admin || std::find(token->apps.begin(), token->apps.end(), route->app) != token->apps.end()) {
      return std::nullopt;
    }
    std::string mine;
    for (const auto& app : token->apps) mine += (mine.empty() ? "" : ", ") + app;
    throw Error(ErrorCode::forbidden, "token \"" + token->name + "\" may publish and deploy " +
                                          (mine.empty() ? std::string("no app") : mine + " only") + ", not " +
                                          route->app + ": use the token of the team that owns " + route->app +
                                          ", or an admin token");
  } catch (const Error& e) {
    return refusal(status_of(e.code()), e.code(), e.what());
  }
}

ApiAnswer RegistryApi::serve(const HttpHead& head, std::string_view body, std::uint64_t request) {
  const Route route = *route_of(head.target);  // screen() found it
  // What the registry answers for a request it could serve: not published (404) and already
  // published (409) are answers; any other failure of the storage (a corrupt file, a database
  // down) is the server's, a 500 whose detail only the log gets.
  auto stored = [&](auto&& call) {
    try {
      return call();
    } catch (const Error& e) {
      if (e.code() == ErrorCode::not_found || e.code() == ErrorCode::already_published) throw;
      throw StorageFailure{e.what()};
    }
  };
  try {
    using K = Route::Kind;
    switch (route.kind) {
      case K::apps:
        return listing("apps", [&] {
          return Value::object({{"apps", string_list(stored([&] { return registry_.apps(); }))}});
        });
      case K::versions:
        return listing("versions/" + route.app, [&] {
          return Value::object(
              {{"versions", string_list(stored([&] { return registry_.versions(route.app); }))}});
        });
      case K::manifest: {
        if (head.method == "GET") {
          // Built once: reading back, validating and serialising a large manifest takes seconds,
          // and anyone may ask for it again and again (reads need no token by default).
          // The key cannot be ambiguous: '@' is in no app name and no version.
          const std::string key = route.app + "@" + route.version;
          if (auto cached = manifests_.find(key)) {
            ApiAnswer a;
            a.body = std::move(cached);
            return a;
          }
          auto m = stored([&] { return registry_.manifest(route.app, route.version); });
          // Not cached: another server sharing the storage may publish it a moment later.
          if (!m) throw Error(ErrorCode::not_found, route.app + "@" + route.version + " is not published");
          ApiAnswer a = json_answer(200, m->to_value());
          manifests_.insert(key, a.body);
          return a;
        }
        // No loader: a manifest sent here must carry its schemas inline, so a client can never
        // make the server read one of its files.
        Manifest m = parse_manifest_json(body);
        if (m.name != route.app || m.version != route.version) {
          throw Error(ErrorCode::invalid_argument, "the manifest is " + printable(m.id()) +
                                                       ", the URL says " + route.app + "@" + route.version);
        }
        // What a read of it will answer, measured before anything is stored. It can be several
        // times the body (every number is written out in full: "1e20" comes back as
        // "100000000000000000000.0"), and an answer the cache cannot keep would be rebuilt, for
        // seconds of this thread, on every read, which needs no token.
        if (const std::size_t answer = m.to_value().to_json().size(); answer > max_answer_bytes_) {
          throw Error(ErrorCode::size_limit,
                      "the manifest would be answered as " + std::to_string(answer) +
                          " bytes of JSON (as a read sends it back, every number written out in full), "
                          "more than the limit of " +
                          std::to_string(max_answer_bytes_) + " bytes: nothing was published");
        }
        const bool published = stored([&] { return registry_.publish(m); });
        if (published) listings_.clear();
        return json_answer(published ? 201 : 200, Value::object({{"published", published}}));
      }
      case K::environments:
        return listing("environments", [&] {
          return Value::object(
              {{"environments", string_list(stored([&] { return registry_.environments(); }))}});
        });
      case K::environment:
        return listing("environment/" + route.environment, [&] {
          std::vector<Member> members;
          for (const auto& [app, v] : stored([&] { return registry_.deployed(route.environment); })) {
            members.push_back(Member{app, Value(v)});
          }
          return Value::object({{"deployed", Value::object(std::move(members))}});
        });
      case K::deployment: {
        Value document = parse_json(body);
        const Value* v = document.is_object() ? document.find("version") : nullptr;
        if (!v || !v->is_string())
          throw Error(ErrorCode::invalid_argument, "expected {\"version\": \"...\"}");
        require_version(v->as_string());
        stored([&] {
          registry_.deploy(route.app, v->as_string(), route.environment);
          return true;
        });
        listings_.clear();
        return json_answer(200, Value::object({{"deployed", true}}));
      }
    }
    throw StorageFailure{"unhandled route"};
  } catch (const Error& e) {
    if (status_of(e.code()) == 500) return internal_failure(request, e.what());
    // Messages the backends build name the registry by its location: a client is not told where
    // the server keeps its files.
    const std::string location = registry_.location();
    std::string message = replace_all(e.what(), "registry " + location, "registry");
    return refusal(status_of(e.code()), e.code(),
                   replace_all(std::move(message), location, "(the registry)"));
  } catch (const StorageFailure& failure) {
    return internal_failure(request, failure.detail);
  } catch (const std::exception& e) {
    return internal_failure(request, e.what());
  }
}

}  // namespace mfstate::detail
