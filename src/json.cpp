// JSON text to Value and back. Boost.JSON's basic_parser tokenises (validating UTF-8 and the
// grammar, with no recursion of its own); its events build Value nodes directly, with no
// intermediate boost::json::value tree.

// Boost.JSON is used header-only: this translation unit compiles its definitions once.
#include <boost/json/src.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>

#include "mfstate/value.hpp"
#include "json_number.hpp"
#include "value_node.hpp"

namespace mfstate {

namespace {

using boost::json::error_code;

// A JSON number (already validated by the tokeniser) as the nearest double; infinite when it is
// beyond double's range.
double read_double(std::string_view text) {
  double d = 0;
#if defined(__cpp_lib_to_chars) && __cpp_lib_to_chars >= 201611L
  auto res = std::from_chars(text.data(), text.data() + text.size(), d);
  if (res.ec == std::errc::result_out_of_range) {
    // No value on overflow or underflow: strtod tells infinity from zero (the C locale is never
    // changed by this library).
    std::string copy(text);
    d = std::strtod(copy.c_str(), nullptr);
  }
#else
  // libc++ 14 (the WebAssembly build) has no floating-point from_chars; its strtod is exact
  // and the runtime never changes the C locale's decimal point.
  std::string copy(text);
  d = std::strtod(copy.c_str(), nullptr);
#endif
  return d;
}

class ValueBuilder {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  Value result() { return std::move(values_.back()); }
  bool non_finite = false;

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_array_begin(error_code&) { return true; }
  bool on_array_end(std::size_t n, error_code&) {
    std::vector<Value> items(std::make_move_iterator(values_.end() - static_cast<std::ptrdiff_t>(n)),
                             std::make_move_iterator(values_.end()));
    values_.resize(values_.size() - n);
    values_.push_back(Value::array(std::move(items)));
    return true;
  }
  bool on_object_begin(error_code&) { return true; }
  bool on_object_end(std::size_t n, error_code&) {
    std::vector<Member> members;
    members.reserve(n);
    auto first_value = values_.end() - static_cast<std::ptrdiff_t>(n);
    auto first_key = keys_.end() - static_cast<std::ptrdiff_t>(n);
    for (std::size_t i = 0; i < n; ++i) {
      members.push_back(Member{std::move(first_key[static_cast<std::ptrdiff_t>(i)]),
                               std::move(first_value[static_cast<std::ptrdiff_t>(i)])});
    }
    values_.resize(values_.size() - n);
    keys_.resize(keys_.size() - n);
    values_.push_back(Value::object(std::move(members)));
    return true;
  }
  bool on_string_part(boost::json::string_view s, std::size_t, error_code&) {
    buffer_.append(s.data(), s.size());
    return true;
  }
  bool on_string(boost::json::string_view s, std::size_t, error_code&) {
    if (buffer_.empty()) {
      values_.emplace_back(std::string_view(s.data(), s.size()));
    } else {
      buffer_.append(s.data(), s.size());
      values_.emplace_back(std::move(buffer_));
      buffer_.clear();
    }
    return true;
  }
  bool on_key_part(boost::json::string_view s, std::size_t, error_code&) {
    buffer_.append(s.data(), s.size());
    return true;
  }
  bool on_key(boost::json::string_view s, std::size_t, error_code&) {
    buffer_.append(s.data(), s.size());
    keys_.push_back(std::move(buffer_));
    buffer_.clear();
    return true;
  }
  bool on_number_part(boost::json::string_view s, error_code&) {
    number_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t i, boost::json::string_view, error_code&) {
    number_.clear();
    values_.emplace_back(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, boost::json::string_view, error_code&) {
    number_.clear();
    values_.emplace_back(static_cast<double>(u));  // beyond int64: a double, as JavaScript reads it
    return true;
  }
  bool on_double(double, boost::json::string_view s, error_code& ec) {
    // Boost 1.81 converts decimals approximately (off by an ulp at times); read the text again
    // with a correctly rounded conversion so that to_json -> parse_json round-trips exactly.
    std::string_view text(s.data(), s.size());
    if (!number_.empty()) {
      number_.append(s.data(), s.size());
      text = number_;
    }
    double d = read_double(text);
    number_.clear();
    if (!std::isfinite(d)) {
      non_finite = true;
      ec = boost::json::error::exponent_overflow;
      return false;
    }
    values_.emplace_back(d);
    return true;
  }
  bool on_bool(bool b, error_code&) {
    values_.emplace_back(b);
    return true;
  }
  bool on_null(error_code&) {
    values_.emplace_back(nullptr);
    return true;
  }
  bool on_comment_part(boost::json::string_view, error_code&) { return true; }
  bool on_comment(boost::json::string_view, error_code&) { return true; }

 private:
  std::vector<Value> values_;
  std::vector<std::string> keys_;
  std::string buffer_;
  std::string number_;
};

// Whether the bytes at `pos` start an invalid UTF-8 sequence (to tell a UTF-8 error from
// another syntax error: Boost reports both as `syntax`).
bool invalid_utf8_at(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) return false;
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char c = byte(pos);
  if (c < 0x80) return false;
  std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (len == 0 || c > 0xF4 || pos + len > text.size()) return true;
  for (std::size_t i = 1; i < len; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) return true;
  }
  unsigned char c1 = byte(pos + 1);
  if (c == 0xE0 && c1 < 0xA0) return true;   // overlong
  if (c == 0xED && c1 >= 0xA0) return true;  // surrogate
  if (c == 0xF0 && c1 < 0x90) return true;   // overlong
  if (c == 0xF4 && c1 >= 0x90) return true;  // beyond U+10FFFF
  return false;
}

// ---- serialisation ----

// Whether a byte needs escaping in a JSON string.
constexpr bool needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

void write_string(std::string& out, std::string_view s) {
  out += '"';
  std::size_t run = 0;  // start of the bytes not yet written: copied in one append per run
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (!needs_escape(c)) continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        static constexpr char hex[] = "0123456789abcdef";
        char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
        out.append(esc, sizeof esc);
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

void write_int(std::string& out, std::int64_t i) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, i);
  out.append(buf, res.ptr);
}

}  // namespace

// Declared in json_number.hpp (the query keys spell numbers with it too).
namespace detail {

// Writes the shortest decimal that reads back as `d` (finite), spelled as JavaScript's
// Number.prototype.toString (ECMAScript Number::toString, also RFC 8785's canonical numbers):
// plain digits from 1e-6 up to 1e21 ("0.000001", "123456", "1223873658680047000"), otherwise
// exponential ("1e+21", "1.25e-7", "5e-324"). The digits come from Ryu (the copy inside
// Boost.JSON): the same code on every platform, so the same bytes everywhere — libc++ 14 (the
// WebAssembly build) has no floating-point std::to_chars at all.
std::size_t format_double(double d, char* out) noexcept {
  char sci[32];
  int n = boost::json::detail::ryu::d2s_buffered_n(d, sci);  // "-1.2345E-7", "0E0"
  int i = 0;
  bool negative = sci[0] == '-';
  if (negative) ++i;
  char digits[20];
  int k = 0;  // number of significant digits
  for (; i < n && sci[i] != 'E'; ++i) {
    if (sci[i] != '.') digits[k++] = sci[i];
  }
  int e = 0;
  bool e_negative = false;
  for (++i; i < n; ++i) {
    if (sci[i] == '-') {
      e_negative = true;
    } else {
      e = e * 10 + (sci[i] - '0');
    }
  }
  const int point = (e_negative ? -e : e) + 1;  // ECMAScript's n: the value is 0.digits x 10^point

  char* p = out;
  if (negative) *p++ = '-';
  if (k <= point && point <= 21) {  // an integer: digits, then zeros
    for (int j = 0; j < k; ++j) *p++ = digits[j];
    for (int j = k; j < point; ++j) *p++ = '0';
  } else if (0 < point && point <= 21) {  // a point inside the digits
    for (int j = 0; j < k; ++j) {
      if (j == point) *p++ = '.';
      *p++ = digits[j];
    }
  } else if (-6 < point && point <= 0) {  // 0.000ddd
    *p++ = '0';
    *p++ = '.';
    for (int j = point; j < 0; ++j) *p++ = '0';
    for (int j = 0; j < k; ++j) *p++ = digits[j];
  } else {  // d.ddde+x
    *p++ = digits[0];
    if (k > 1) {
      *p++ = '.';
      for (int j = 1; j < k; ++j) *p++ = digits[j];
    }
    *p++ = 'e';
    int x = point - 1;
    *p++ = x < 0 ? '-' : '+';
    if (x < 0) x = -x;
    if (x >= 100) *p++ = static_cast<char>('0' + x / 100);
    if (x >= 10) *p++ = static_cast<char>('0' + x / 10 % 10);
    *p++ = static_cast<char>('0' + x % 10);
  }
  return static_cast<std::size_t>(p - out);
}

}  // namespace detail

namespace {

void write_double(std::string& out, double d, bool canonical) {
  if (!std::isfinite(d)) {
    throw Error(ErrorCode::non_finite, "NaN and infinities have no JSON spelling");
  }
  // Canonical form writes an integral double in int64 range as that integer (1.0 -> 1, 2^60 ->
  // 1152921504606846976), since it equals that integer and equal values must give equal bytes.
  if (canonical && d >= -9223372036854775808.0 && d < 9223372036854775808.0 && std::trunc(d) == d) {
    write_int(out, static_cast<std::int64_t>(d));
    return;
  }
  char buf[64];
  std::string_view text(buf, detail::format_double(d, buf));  // shortest round-trip form
  out += text;
  // Keep a double a double when read back (to_json): "1" would come back an integer.
  if (!canonical && text.find_first_of(".eE") == std::string_view::npos) out += ".0";
}

// Scalars and key sorting live outside write_value, which recurses once per nesting level: its
// frame stays a few words, so a Value at the nesting cap fits the 1 MiB WebAssembly stack.
[[gnu::noinline]] void write_scalar(std::string& out, const Value& v, bool canonical) {
  switch (v.type()) {
    case Type::null: out += "null"; return;
    case Type::boolean: out += v.as_bool() ? "true" : "false"; return;
    case Type::integer: write_int(out, v.as_int()); return;
    case Type::number: write_double(out, v.as_double(), canonical); return;
    default: write_string(out, v.as_string()); return;
  }
}

[[gnu::noinline]] std::vector<const Member*> sorted_members(std::span<const Member> members) {
  std::vector<const Member*> sorted;
  sorted.reserve(members.size());
  for (const Member& m : members) sorted.push_back(&m);
  std::sort(sorted.data(), sorted.data() + sorted.size(), detail::MemberNameOrder{});
  return sorted;
}

[[gnu::noinline]] void write_key(std::string& out, std::string_view key) {
  write_string(out, key);
  out += ':';
}

void write_value(std::string& out, const Value& v, bool canonical) {
  switch (v.type()) {
    case Type::array: {
      out += '[';
      bool first = true;
      for (const Value& e : v.as_array()) {
        if (!first) out += ',';
        first = false;
        write_value(out, e, canonical);
      }
      out += ']';
      return;
    }
    case Type::object: {
      out += '{';
      bool first = true;
      if (!canonical) {
        for (const Member& m : v.as_object()) {
          if (!first) out += ',';
          first = false;
          write_key(out, m.key);
          write_value(out, m.value, canonical);
        }
      } else {
        for (const Member* m : sorted_members(v.as_object())) {
          if (!first) out += ',';
          first = false;
          write_key(out, m->key);
          write_value(out, m->value, canonical);
        }
      }
      out += '}';
      return;
    }
    default: write_scalar(out, v, canonical); return;
  }
}

}  // namespace

Value parse_json(std::string_view text, const ParseOptions& options) {
  if (text.size() > options.max_bytes) {
    throw Error(ErrorCode::size_limit, "the JSON text is " + std::to_string(text.size()) +
                                           " bytes, more than the limit of " + std::to_string(options.max_bytes));
  }
  boost::json::parse_options opts;
  // Never more than a Value may hold (detail::max_nesting), whatever the caller asks.
  opts.max_depth = std::min<std::size_t>(options.max_depth, detail::max_nesting);
  boost::json::basic_parser<ValueBuilder> parser(opts);
  error_code ec;
  std::size_t consumed = parser.write_some(false, text.data(), text.size(), ec);
  if (ec) {
    if (ec == boost::json::error::too_deep) {
      throw Error(ErrorCode::depth_limit,
                  "JSON nests deeper than the limit of " + std::to_string(opts.max_depth) + " at byte " +
                      std::to_string(consumed),
                  consumed);
    }
    if (parser.handler().non_finite) {
      throw Error(ErrorCode::invalid_json, "a number at byte " + std::to_string(consumed) +
                                               " is beyond the range of a double", consumed);
    }
    if (invalid_utf8_at(text, consumed)) {
      throw Error(ErrorCode::invalid_utf8, "invalid UTF-8 at byte " + std::to_string(consumed), consumed);
    }
    throw Error(ErrorCode::invalid_json,
                "malformed JSON at byte " + std::to_string(consumed) + ": " + ec.message(), consumed);
  }
  // write_some stops after one complete value: anything but whitespace after it is an error.
  for (std::size_t i = consumed; i < text.size(); ++i) {
    char c = text[i];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      throw Error(ErrorCode::invalid_json,
                  "malformed JSON at byte " + std::to_string(i) + ": unexpected data after the value", i);
    }
  }
  return parser.handler().result();
}

std::string Value::to_json() const {
  std::string out;
  write_value(out, *this, false);
  return out;
}

std::string Value::to_canonical_json() const {
  std::string out;
  write_value(out, *this, true);
  return out;
}

}  // namespace mfstate
