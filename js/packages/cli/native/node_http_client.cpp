// httplib::Client for the node build: each request goes, as plain bytes, to node_http.js, which
// hands it to node (lib/http-bridge.mjs) and returns when the answer is complete. The limits are
// decided here, so node only enforces them.
#include <cstdlib>
#include <httplib.h>

#include "mfstate/value.hpp"

extern "C" {
/// Carries out one request synchronously in node (node_http.js). Returns the HTTP status, or
/// minus an httplib::Error. On a status, *body and *headers_json are malloc'd (the caller frees).
int mfstate_node_http(const char* method, const char* url, const char* headers_json, const char* body,
                      std::size_t body_length, long connect_ms, long read_ms, long write_ms, long total_ms,
                      double max_bytes, char** response_body, std::size_t* response_length,
                      char** response_headers_json);
}

namespace httplib {

namespace {

// Larger answers are refused rather than buffered: a registry answer is a manifest or a list,
// and the server takes at most 16 MiB in (registry_server.cpp).
constexpr double max_response_bytes = 64.0 * 1024 * 1024;

}  // namespace

std::string to_string(Error error) {
  switch (error) {
    case Error::Success: return "Success";
    case Error::Connection: return "Connection";
    case Error::BindIPAddress: return "BindIPAddress";
    case Error::Read: return "Read";
    case Error::Write: return "Write";
    case Error::ExceedRedirectCount: return "ExceedRedirectCount";
    case Error::Canceled: return "Canceled";
    case Error::SSLConnection: return "SSLConnection";
    case Error::SSLLoadingCerts: return "SSLLoadingCerts";
    case Error::SSLServerVerification: return "SSLServerVerification";
    case Error::UnsupportedMultipartBoundaryChars: return "UnsupportedMultipartBoundaryChars";
    case Error::Compression: return "Compression";
    case Error::ConnectionTimeout: return "ConnectionTimeout";
    case Error::Unknown: return "Unknown";
  }
  return "Invalid";
}

std::string Response::get_header_value(const std::string& key) const {
  auto it = headers.find(key);
  return it == headers.end() ? std::string() : it->second;
}

Client::Client(const std::string& scheme_host_port) : origin_(scheme_host_port) {
  const std::size_t scheme_end = origin_.find("://");
  if (scheme_end == std::string::npos) {
    origin_ = "http://" + origin_;
  }
  const std::string scheme = origin_.substr(0, origin_.find("://"));
  const std::string host = origin_.substr(origin_.find("://") + 3);
  valid_ = (scheme == "http" || scheme == "https") && !host.empty() &&
           host.find_first_of("/?#@ \t\r\n") == std::string::npos;
}

Result Client::send(const char* method, const std::string& path, const Headers& headers,
                    const std::string& body, const std::string& content_type) {
  if (!valid_) return Result(nullptr, Error::Connection);
  std::vector<mfstate::Value> header_list;
  auto add = [&](const std::string& name, const std::string& value) {
    header_list.push_back(mfstate::Value::array({mfstate::Value(name), mfstate::Value(value)}));
  };
  for (const auto& [name, value] : default_headers_) add(name, value);
  for (const auto& [name, value] : headers) add(name, value);
  if (!bearer_.empty()) add("Authorization", "Bearer " + bearer_);
  if (!content_type.empty()) add("Content-Type", content_type);
  const std::string headers_json = mfstate::Value::array(std::move(header_list)).to_json();
  const std::string url = origin_ + path;

  // The whole exchange may take what each of its phases may take, and no more: a server that
  // drips one byte within every read timeout cannot hold the client beyond this.
  const long total_ms = connect_ms_ + write_ms_ + read_ms_;
  char* response_body = nullptr;
  char* response_headers = nullptr;
  std::size_t response_length = 0;
  const int status = mfstate_node_http(method, url.c_str(), headers_json.c_str(), body.data(), body.size(),
                                       connect_ms_, read_ms_, write_ms_, total_ms, max_response_bytes,
                                       &response_body, &response_length, &response_headers);
  if (status < 0) return Result(nullptr, static_cast<Error>(-status));

  auto response = std::make_unique<Response>();
  response->status = status;
  response->body.assign(response_body, response_length);
  std::free(response_body);
  const std::string headers_text = response_headers;
  std::free(response_headers);
  const mfstate::Value parsed = mfstate::parse_json(headers_text);
  for (const mfstate::Value& pair : parsed.as_array()) {
    response->headers.emplace(std::string(pair.at(0).as_string()), std::string(pair.at(1).as_string()));
  }
  return Result(std::move(response), Error::Success);
}

}  // namespace httplib
