// http_send for the node build of the tool: the registry's HTTP client (src/native/registry_http.cpp)
// hands each request here instead of to the native socket transport; node carries it out
// (node_http.js -> lib/http-bridge.mjs: a worker thread, this thread waiting on Atomics.wait) within
// the same limits: one deadline for the whole exchange, growing as bytes move at the minimum
// rate, and a bound on the answer's size, counted as the bytes arrive. The errors read as the
// native transport's.
#include <cstdlib>
#include <string>

#include "mfstate/registry.hpp"
#include "registry_http_url.hpp"

extern "C" {
/// Carries out one request synchronously in node (node_http.js). Returns the HTTP status, or minus
/// a failure code (lib/http-bridge.mjs: 1 unreachable, 2 timed out, 3 too large, 4 malformed,
/// 5 TLS). *body is malloc'd (the caller frees): the answer's body, or node's message for a
/// failure; *headers_json too on a status.
int mfstate_node_http(const char* method, const char* url, const char* headers_json, const char* body,
                      std::size_t body_length, double timeout_ms, double min_rate, double max_bytes,
                      char** response_body, std::size_t* response_length, char** response_headers_json);
}

namespace mfstate {

HttpResponse http_send(const HttpRequest& request, const HttpLimits& limits) {
  // The native transport's checks, before node's URL parser (which would send credentials in the
  // URL as Basic auth, or escape a space the native tool refuses) sees it.
  (void)detail::parse_http_url(request.url);
  std::vector<Value> header_list;
  for (const auto& [name, value] : request.headers) {
    if (name.find_first_of("\r\n") != std::string::npos || value.find_first_of("\r\n") != std::string::npos ||
        name.find('\0') != std::string::npos || value.find('\0') != std::string::npos) {
      throw Error(ErrorCode::invalid_argument, "a line break or NUL in a request header");
    }
    header_list.push_back(Value::array({Value(name), Value(value)}));
  }
  const std::string headers_json = Value::array(std::move(header_list)).to_json();
  char* body = nullptr;
  char* headers = nullptr;
  std::size_t length = 0;
  const int status = mfstate_node_http(
      request.method.c_str(), request.url.c_str(), headers_json.c_str(), request.body.data(),
      request.body.size(), static_cast<double>(limits.timeout.count()), static_cast<double>(limits.min_rate),
      static_cast<double>(limits.max_response_bytes), &body, &length, &headers);
  const std::string text = body ? std::string(body, length) : std::string();
  std::free(body);
  if (status < 0) {
    std::free(headers);
    switch (-status) {
      case 2:  // the worker says what it was doing and how many bytes had moved
        throw Error(ErrorCode::io_error,
                    "no complete answer within " + std::to_string(limits.timeout.count()) + " ms" +
                        (limits.min_rate > 0 ? " and " + std::to_string(limits.min_rate) + " bytes per second"
                                             : std::string()) +
                        " (" + text + ")");
      case 3:
        throw Error(ErrorCode::size_limit, "the answer is larger than the limit of " +
                                               std::to_string(limits.max_response_bytes) + " bytes");
      case 4: throw Error(ErrorCode::io_error, "a malformed answer: " + text);
      case 5: throw Error(ErrorCode::io_error, "TLS: " + text);
      default: throw Error(ErrorCode::io_error, "unreachable (" + text + ")");
    }
  }
  HttpResponse response;
  response.status = status;
  response.body = text;
  const Value parsed = parse_json(headers ? std::string(headers) : std::string("[]"));
  std::free(headers);
  for (const Value& pair : parsed.as_array()) {
    response.headers.emplace_back(std::string(pair.at(0).as_string()), std::string(pair.at(1).as_string()));
  }
  return response;
}

}  // namespace mfstate
