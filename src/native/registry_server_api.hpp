// The registry's HTTP API, apart from how bytes reach it: routes, who may call them, and what
// each answers. registry_server.cpp moves the bytes.
//   GET /v1/apps                                   {"apps": [...]}
//   GET /v1/apps/{app}/versions                    {"versions": [...]}   lowest first
//   GET /v1/apps/{app}/versions/{version}          the manifest, schemas inline (404 if none)
//   PUT /v1/apps/{app}/versions/{version}          body: the manifest -> {"published": bool}
//   GET /v1/environments                           {"environments": [...]}
//   GET /v1/environments/{env}                     {"deployed": {"app": "version", ...}}
//   PUT /v1/environments/{env}/apps/{app}          body: {"version": "..."} -> {"deployed": true}
// Failures answer {"error": {"code": "<ErrorCode>", "message": "..."}} with 400, 401, 403, 404,
// 405, 409, 413 or 500 (and 503 from registry_server.cpp when its memory budgets are full). A 500
// never shows the internal detail (paths, database messages): that goes to the log, under the
// request's number, which the answer gives. Built manifest answers and listings are cached
// (registry_answer_cache.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mfstate/registry_server.hpp"
#include "registry_answer_cache.hpp"
#include "registry_http_message.hpp"

namespace mfstate::detail {

/// One answer: status, JSON body, extra headers, and what the log line adds.
struct ApiAnswer {
  int status = 200;
  /// Shared, never null: a cached manifest's answer is the same bytes for every reader sending it.
  std::shared_ptr<const std::string> body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string failure;  ///< for a 500: the detail the client is not shown
};

class RegistryApi {
 public:
  /// Serves `registry` (which outlives this) under `access`, keeping up to `cache_bytes` of built
  /// manifest answers (a published version never changes, so an answer once built stays right)
  /// and a quarter of that of listings, each for `listing_time` or until this server writes.
  /// A manifest whose answer would be larger than `max_answer_bytes` is refused at publish.
  RegistryApi(Registry& registry, AccessPolicy access, std::size_t cache_bytes, std::size_t max_answer_bytes,
              std::chrono::milliseconds listing_time);

  /// Judges a request by its head alone (route, method, names, token, declared size), before its
  /// body is read: the refusal to send, or nullopt when the body may be read and served. Sets
  /// `caller` to the name of the token presented ("-" without one) for the log.
  std::optional<ApiAnswer> screen(const HttpHead& head, std::size_t max_body_bytes,
                                  std::string& caller) const;
  /// Serves a request that passed screen(). `request` numbers it in answers and the log.
  ApiAnswer serve(const HttpHead& head, std::string_view body, std::uint64_t request);
  /// The answer to a request that could not be read (malformed, too large, …).
  static ApiAnswer refusal(int status, ErrorCode code, const std::string& message);

 private:
  ApiAnswer listing(const std::string& key, const std::function<Value()>& build);

  Registry& registry_;
  AccessPolicy access_;
  AnswerCache manifests_;  // "app@version" -> its answer
  AnswerCache listings_;   // "apps", "versions/app", "environments", "environment/env" -> its answer
  std::size_t max_answer_bytes_;
  std::chrono::milliseconds listing_time_;
};

}  // namespace mfstate::detail
