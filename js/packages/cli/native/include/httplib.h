// The part of cpp-httplib's client the registry's HTTP backend (src/native/registry_http.cpp)
// uses, for the node build of the `mfstate` tool: the same source compiles against it, and each
// request is carried out by node (node_http_client.cpp -> node_http.js -> lib/http-bridge.mjs),
// with the client's timeouts and a bound on the response's size. Names and signatures follow
// cpp-httplib 0.11 so that registry_http.cpp needs no change; there is no server here.
#pragma once

#include <cstddef>
#include <ctime>
#include <map>
#include <memory>
#include <string>

namespace httplib {

/// Why a request got no answer; the same enumerators as cpp-httplib's.
enum class Error {
  Success = 0,
  Unknown,
  Connection,
  BindIPAddress,
  Read,
  Write,
  ExceedRedirectCount,
  Canceled,
  SSLConnection,
  SSLLoadingCerts,
  SSLServerVerification,
  UnsupportedMultipartBoundaryChars,
  Compression,
  ConnectionTimeout,
};

/// The enumerator's name, as cpp-httplib spells it ("Connection", "Read", …). Allocates.
std::string to_string(Error error);

/// Header names and values (several values per name allowed).
using Headers = std::multimap<std::string, std::string>;

/// An answer from the server.
struct Response {
  int status = -1;
  Headers headers;
  std::string body;
  /// The first value of header `key` ("" when absent). Allocates.
  std::string get_header_value(const std::string& key) const;
};

/// A response, or the error that prevented one.
class Result {
 public:
  Result(std::unique_ptr<Response> res, Error err) : res_(std::move(res)), err_(err) {}
  explicit operator bool() const { return res_ != nullptr; }
  const Response& value() const { return *res_; }
  Response& value() { return *res_; }
  const Response* operator->() const { return res_.get(); }
  Response* operator->() { return res_.get(); }
  const Response& operator*() const { return *res_; }
  Error error() const { return err_; }

 private:
  std::unique_ptr<Response> res_;
  Error err_;
};

/// A client of one origin ("http://host:port" or "https://host:port"). Every request blocks
/// until node has the whole answer, an error, or a timeout.
class Client {
 public:
  /// Parses `scheme_host_port`; is_valid() says whether it could be used. Allocates.
  explicit Client(const std::string& scheme_host_port);

  bool is_valid() const { return valid_; }
  void set_connection_timeout(time_t sec, time_t usec = 0) { connect_ms_ = to_ms(sec, usec); }
  void set_read_timeout(time_t sec, time_t usec = 0) { read_ms_ = to_ms(sec, usec); }
  void set_write_timeout(time_t sec, time_t usec = 0) { write_ms_ = to_ms(sec, usec); }
  /// Headers sent with every request.
  void set_default_headers(Headers headers) { default_headers_ = std::move(headers); }
  /// Sends "Authorization: Bearer <token>" with every request.
  void set_bearer_token_auth(const std::string& token) { bearer_ = token; }

  Result Get(const std::string& path) { return send("GET", path, {}, {}, {}); }
  Result Get(const std::string& path, const Headers& headers) { return send("GET", path, headers, {}, {}); }
  Result Delete(const std::string& path) { return send("DELETE", path, {}, {}, {}); }
  Result Delete(const std::string& path, const Headers& headers) {
    return send("DELETE", path, headers, {}, {});
  }
  Result Put(const std::string& path, const std::string& body, const std::string& content_type) {
    return send("PUT", path, {}, body, content_type);
  }
  Result Put(const std::string& path, const Headers& headers, const std::string& body,
             const std::string& content_type) {
    return send("PUT", path, headers, body, content_type);
  }
  Result Post(const std::string& path, const std::string& body, const std::string& content_type) {
    return send("POST", path, {}, body, content_type);
  }
  Result Post(const std::string& path, const Headers& headers, const std::string& body,
              const std::string& content_type) {
    return send("POST", path, headers, body, content_type);
  }

 private:
  static long to_ms(time_t sec, time_t usec) { return static_cast<long>(sec * 1000 + usec / 1000); }
  Result send(const char* method, const std::string& path, const Headers& headers, const std::string& body,
              const std::string& content_type);

  std::string origin_;
  bool valid_ = false;
  long connect_ms_ = 300000, read_ms_ = 5000, write_ms_ = 5000;  // cpp-httplib's defaults
  Headers default_headers_;
  std::string bearer_;
};

}  // namespace httplib
