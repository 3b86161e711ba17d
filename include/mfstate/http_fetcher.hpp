// The default fetcher for keys made by key_from_url: performs the HTTP request with cpp-httplib on
// worker threads and parses the JSON body. Native builds only (the browser build fetches in JS).
//
// A key `["GET", "http://127.0.0.1:8080/api/users/me", {"page": "2"}]` becomes
// `GET /api/users/me?page=2` on 127.0.0.1:8080. An origin-relative key ("/api/users/me") uses
// `base_url`. A status >= 400 rejects with Error(http_error, "HTTP 404 ...") and the detail
// {"status": 404, "body": "..."}; a connection failure with io_error; a body that is not JSON with
// invalid_json (an empty body is null). Cancellation is checked before the request and while the
// body arrives.
//
// Threading: the key is turned into plain strings on the runtime's thread, so no Value is shared
// with a worker; the parsed body is built on the worker and handed over through the Completion.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mfstate/query.hpp"

namespace mfstate {

struct HttpFetcherOptions {
  std::string base_url;                  ///< "http://host:port" for origin-relative keys
  std::size_t threads = 2;               ///< worker threads
  Millis connect_timeout{5000};
  Millis read_timeout{10000};
  std::vector<std::pair<std::string, std::string>> headers;  ///< sent with every request
};

class HttpFetcher {
 public:
  /// Starts the worker threads. Allocates.
  explicit HttpFetcher(HttpFetcherOptions options = {});
  /// Stops the workers (requests still queued are rejected with cancelled) and joins them.
  /// Destroy it before the Runtime its completions post to.
  ~HttpFetcher();
  HttpFetcher(const HttpFetcher&) = delete;
  HttpFetcher& operator=(const HttpFetcher&) = delete;

  /// The fetcher, for QueryOptions::fetcher or as a default (set_query_defaults). It must not be
  /// called after this HttpFetcher is destroyed. A key that is not [method, url, params?] rejects
  /// with invalid_key; an https URL with invalid_url (this build has no TLS).
  Fetcher fetcher();
  /// Requests sent so far (for tests and diagnostics). Thread-safe.
  std::size_t requests_sent() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mfstate
