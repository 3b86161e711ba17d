// An http:// or https:// URL as the registry's HTTP client takes it apart: the native transport
// (registry_http_transport.cpp) connects with it, and the npm tool's (js/packages/cli/native/
// node_http_send.cpp) checks with it what it hands to node, so both refuse the same URLs with the
// same errors.
#pragma once

#include <string>

namespace mfstate::detail {

struct HttpUrl {
  bool tls = false;
  std::string host;  // without brackets
  std::string port;
  std::string target;  // path and query, "/" at least
  std::string host_header;
};

/// Takes `url` apart. Throws Error(invalid_argument) saying what is wrong: not http(s)://,
/// credentials in it, no host, a host with characters hosts do not have, a port that is not a
/// number, a space or control character.
HttpUrl parse_http_url(const std::string& url);

}  // namespace mfstate::detail
