// key_from_url: the query key of an HTTP request, with the URL normalised (RFC 3986 section 6
// syntax- and scheme-based normalisation) and its parameters merged and sorted, so that every
// spelling of one request gives one key. The rules and their reasons are in docs/keys.md.

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mfstate/key.hpp"

namespace mfstate {

namespace {

constexpr std::size_t max_quoted = 200;

// The URL as it may appear in a message: non-printable bytes escaped, long URLs cut.
std::string quote(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < max_quoted; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F || c == '"' || c == '\\') {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > max_quoted) out += "...";
  out += '"';
  return out;
}

[[noreturn]] void bad_url(std::string_view url, const std::string& why) {
  throw Error(ErrorCode::invalid_url, "cannot make a query key of the URL " + quote(url) + ": " + why);
}

[[noreturn]] void bad_key(const std::string& why) {
  throw Error(ErrorCode::invalid_key, "cannot make a query key of this request: " + why);
}

bool is_alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_hex(unsigned char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
int hex_value(unsigned char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

// RFC 3986 2.3: percent-escapes of these are decoded by normalisation.
bool is_unreserved(unsigned char c) {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}
bool is_sub_delim(unsigned char c) {
  switch (c) {
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=': return true;
    default: return false;
  }
}
// RFC 3986 3.3: what a path segment may hold unescaped (plus '/', the separator).
bool is_path_char(unsigned char c) {
  return is_unreserved(c) || is_sub_delim(c) || c == ':' || c == '@' || c == '/';
}
// RFC 9110 5.6.2: a method is a token.
bool is_tchar(unsigned char c) {
  if (is_alpha(c) || is_digit(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~': return true;
    default: return false;
  }
}

void append_escape(std::string& out, unsigned char c) {
  static constexpr char hex[] = "0123456789ABCDEF";
  out += '%';
  out += hex[c >> 4];
  out += hex[c & 15];
}

// Well-formed UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF).
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i < len) return false;
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

// Reads the escape at url[i] ('%' then two hex digits) or throws.
unsigned char read_escape(std::string_view url, std::string_view text, std::size_t i) {
  if (text.size() < 3 || i > text.size() - 3 || !is_hex(static_cast<unsigned char>(text[i + 1])) ||
      !is_hex(static_cast<unsigned char>(text[i + 2]))) {
    bad_url(url, "'%' must be followed by two hexadecimal digits");
  }
  return static_cast<unsigned char>(hex_value(static_cast<unsigned char>(text[i + 1])) * 16 +
                                    hex_value(static_cast<unsigned char>(text[i + 2])));
}

// RFC 3986 6.2.2.1-2: decode escapes of unreserved characters, upper-case the hex of the others,
// and escape what a path may not hold raw (non-ASCII bytes, '"', '<', '[', '\\', ...), so that
// every spelling of one path gives one text.
std::string normalise_path_escapes(std::string_view url, std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    auto c = static_cast<unsigned char>(path[i]);
    if (c == '%') {
      unsigned char d = read_escape(url, path, i);
      i += 2;
      if (is_unreserved(d)) {
        out += static_cast<char>(d);
      } else {
        append_escape(out, d);
      }
    } else if (is_path_char(c)) {
      out += static_cast<char>(c);
    } else {
      append_escape(out, c);
    }
  }
  return out;
}

// RFC 3986 5.2.4, for a path that starts with '/'.
std::string remove_dot_segments(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  auto drop_last_segment = [&out] {
    auto slash = out.rfind('/');
    out.erase(slash == std::string::npos ? 0 : slash);
  };
  while (!in.empty()) {
    if (in.substr(0, 3) == "../") {
      in.remove_prefix(3);
    } else if (in.substr(0, 2) == "./" || in.substr(0, 3) == "/./") {
      in.remove_prefix(2);  // "./x" -> "x", "/./x" -> "/x"
    } else if (in == "/.") {
      in = "/";
    } else if (in.substr(0, 4) == "/../") {
      in.remove_prefix(3);
      drop_last_segment();
    } else if (in == "/..") {
      in = "/";
      drop_last_segment();
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      std::size_t end = in.find('/', 1);
      if (end == std::string_view::npos) end = in.size();
      out.append(in.substr(0, end));
      in.remove_prefix(end);
    }
  }
  return out;
}

// Decodes one name or value of an application/x-www-form-urlencoded query.
std::string form_decode(std::string_view url, std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      out += static_cast<char>(read_escape(url, text, i));
      i += 2;
    } else {
      out += c;
    }
  }
  if (!valid_utf8(out)) bad_url(url, "a query parameter decodes to text that is not UTF-8");
  return out;
}

// "scheme://host[:port]" lower-cased, default port dropped; `authority` is what lies between
// "://" and the path.
std::string normalise_origin(std::string_view url, std::string_view scheme, std::string_view authority) {
  std::string out;
  for (char c : scheme) out += lower(c);
  std::string_view port;
  out += "://";
  if (authority.find('@') != std::string_view::npos) {
    bad_url(url,
            "user information (\"user:password@\") is not part of a query key; send credentials in headers");
  }
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) bad_url(url, "an IPv6 host needs its closing ']'");
    std::string_view ip = authority.substr(1, close - 1);
    if (ip.empty()) bad_url(url, "the IPv6 host is empty");
    for (char c : ip) {
      if (!is_hex(static_cast<unsigned char>(c)) && c != ':' && c != '.') {
        bad_url(url, "an IPv6 host holds only hexadecimal digits, ':' and '.'");
      }
    }
    out += '[';
    for (char c : ip) out += lower(c);
    out += ']';
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') bad_url(url, "only a port may follow an IPv6 host");
      port = rest.substr(1);
    }
  } else {
    auto colon = authority.find(':');
    std::string_view host = authority.substr(0, colon);
    if (host.empty()) bad_url(url, "the host is empty");
    for (char c : host) {
      auto u = static_cast<unsigned char>(c);
      if (u >= 0x80)
        bad_url(url, "a host is ASCII; write an international name in its punycode form (xn--...)");
      if (!is_unreserved(u) && !is_sub_delim(u)) {
        bad_url(url, std::string("the host may not hold '") + c + "'");
      }
      out += lower(c);
    }
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (!port.empty()) {
    std::uint32_t number = 0;
    for (char c : port) {
      if (!is_digit(static_cast<unsigned char>(c))) bad_url(url, "the port is not a decimal number");
      number = number * 10 + static_cast<std::uint32_t>(c - '0');
      if (number > 65535) bad_url(url, "the port is beyond 65535");
    }
    std::string_view s(out.data(), out.find(':'));
    bool is_default =
        (number == 80 && (s == "http" || s == "ws")) || (number == 443 && (s == "https" || s == "wss"));
    if (!is_default) {
      out += ':';
      out += std::to_string(number);
    }
  }
  return out;
}

// A parameter value as a URL writes it: numbers in JavaScript's shortest form, booleans as words.
void append_param(std::vector<std::pair<std::string, std::string>>& out, const std::string& name,
                  const Value& v, bool in_array) {
  switch (v.type()) {
    case Type::null: return;  // left out, as axios and ky leave out null parameters
    case Type::boolean: out.emplace_back(name, v.as_bool() ? "true" : "false"); return;
    case Type::integer: out.emplace_back(name, std::to_string(v.as_int())); return;
    case Type::number: try { out.emplace_back(name, v.to_canonical_json());
      } catch (const Error&) {
        bad_key("the parameter \"" + name + "\" is NaN or an infinity, which a URL cannot carry");
      }
      return;
    case Type::string:
      if (!valid_utf8(v.as_string())) bad_key("the parameter \"" + name + "\" is not UTF-8 text");
      out.emplace_back(name, std::string(v.as_string()));
      return;
    case Type::array:
      if (in_array) bad_key("the parameter \"" + name + "\" nests an array in an array");
      for (const Value& e : v.as_array()) append_param(out, name, e, true);
      return;
    case Type::object: bad_key("the parameter \"" + name + "\" is an object; a URL parameter is text");
  }
}

}  // namespace

Value key_from_url(std::string_view method, std::string_view url, const Value& params) {
  // ---- method ----
  if (method.empty()) bad_key("the method is empty");
  std::string verb;
  verb.reserve(method.size());
  for (char c : method) {
    if (!is_tchar(static_cast<unsigned char>(c)))
      bad_key("the method " + quote(method) + " is not an HTTP token");
    verb += upper(c);
  }
  if (!params.is_object()) {
    bad_key("params must be an object of parameters, but got a value of type " +
            std::string(to_string(params.type())));
  }

  // ---- the URL's parts ----
  if (url.empty()) bad_url(url, "it is empty");
  for (std::size_t i = 0; i < url.size(); ++i) {
    auto c = static_cast<unsigned char>(url[i]);
    if (c < 0x20 || c == 0x7F) bad_url(url, "control character at byte " + std::to_string(i));
    if (c == ' ') bad_url(url, "space at byte " + std::to_string(i) + " (write it %20)");
  }
  if (!valid_utf8(url)) bad_url(url, "it is not UTF-8 text");

  std::string_view rest = url.substr(0, url.find('#'));  // the fragment never reaches the server
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }

  std::string target;
  std::string_view path;
  if (!rest.empty() && rest[0] == '/') {
    if (rest.size() > 1 && rest[1] == '/') {
      bad_url(url, "a scheme-relative URL (\"//host/...\") needs a scheme; write \"https://host/...\"");
    }
    path = rest;
  } else {
    std::size_t colon = rest.find(':');
    bool scheme_ok =
        colon != std::string_view::npos && colon > 0 && is_alpha(static_cast<unsigned char>(rest[0]));
    for (std::size_t i = 0; scheme_ok && i < colon; ++i) {
      auto c = static_cast<unsigned char>(rest[i]);
      scheme_ok = is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
    }
    if (!scheme_ok || rest.substr(colon + 1, 2) != "//") {
      bad_url(url, "a URL is absolute (\"https://host/path\") or starts with '/'");
    }
    std::string_view after = rest.substr(colon + 3);
    std::size_t slash = after.find('/');
    std::string_view authority = after.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view("/") : after.substr(slash);
    target = normalise_origin(url, rest.substr(0, colon), authority);
  }
  target += remove_dot_segments(normalise_path_escapes(url, path));
  // "/..//x" resolves to "//x", which would read back as the host "x": refuse rather than give
  // a key whose URL means something else.
  if (target.size() > 1 && target[0] == '/' && target[1] == '/') {
    bad_url(url, "the path resolves to \"" + target.substr(0, 40) + "\", which would read as a host");
  }

  // ---- parameters: the query's, then params', sorted by name, repeats kept in order ----
  std::vector<std::pair<std::string, std::string>> pairs;
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (piece.empty()) continue;  // "a=1&&b=2", a trailing '&'
    std::size_t eq = piece.find('=');
    std::string_view name = piece.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
    pairs.emplace_back(form_decode(url, name), form_decode(url, value));
  }
  for (const Member& m : params.as_object()) {
    if (!valid_utf8(m.key)) bad_key("a parameter name is not UTF-8 text");
    append_param(pairs, std::string(m.key), m.value, false);
  }
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });

  std::vector<Member> members;
  for (std::size_t i = 0; i < pairs.size();) {
    std::size_t j = i + 1;
    while (j < pairs.size() && pairs[j].first == pairs[i].first) ++j;
    if (j - i == 1) {
      members.push_back(Member{std::move(pairs[i].first), Value(std::move(pairs[i].second))});
    } else {
      std::vector<Value> values;
      values.reserve(j - i);
      for (std::size_t k = i; k < j; ++k) values.emplace_back(std::move(pairs[k].second));
      members.push_back(Member{std::move(pairs[i].first), Value::array(std::move(values))});
    }
    i = j;
  }
  return Value::array({Value(std::move(verb)), Value(std::move(target)), Value::object(std::move(members))});
}

}  // namespace mfstate
