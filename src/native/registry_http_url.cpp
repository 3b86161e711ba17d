// The registry client's URLs, checked the same way by the native transport and the npm tool's
// (registry_http_url.hpp).
#include "registry_http_url.hpp"

#include <cctype>
#include <string_view>

#include "mfstate/error.hpp"

namespace mfstate::detail {

HttpUrl parse_http_url(const std::string& url) {
  HttpUrl u;
  std::string_view rest(url);
  if (rest.rfind("http://", 0) == 0) {
    rest.remove_prefix(7);
  } else if (rest.rfind("https://", 0) == 0) {
    u.tls = true;
    rest.remove_prefix(8);
  } else {
    throw Error(ErrorCode::invalid_argument, "not an http:// or https:// URL");
  }
  const std::size_t slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (const std::size_t hash = u.target.find('#'); hash != std::string::npos) u.target.erase(hash);
  // "?q" (a query with no path) means "/?q". (Concatenated rather than insert(0, "/"): GCC 12
  // reports a false -Wrestrict overlap for that insert.)
  if (u.target.empty() || u.target.front() != '/') u.target = "/" + u.target;
  if (authority.find('@') != std::string_view::npos) {
    throw Error(ErrorCode::invalid_argument,
                "credentials in the URL are not accepted: use MFSTATE_REGISTRY_TOKEN");
  }
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos)
      throw Error(ErrorCode::invalid_argument, "an unclosed [ in the host");
    u.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':')
        throw Error(ErrorCode::invalid_argument, "text after the ] of the host");
      port = authority.substr(close + 2);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (u.host.empty()) throw Error(ErrorCode::invalid_argument, "no host in the URL");
  for (char c : u.target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F)
      throw Error(ErrorCode::invalid_argument, "a space or control character in the URL");
  }
  for (char c : u.host) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '_')) {
      throw Error(ErrorCode::invalid_argument, "a host name with characters hosts do not have");
    }
  }
  if (!port.empty() && (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos)) {
    throw Error(ErrorCode::invalid_argument, "a port that is not a number");
  }
  u.port = port.empty() ? (u.tls ? "443" : "80") : std::string(port);
  u.host_header = std::string(authority);
  return u;
}

}  // namespace mfstate::detail
