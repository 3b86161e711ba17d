// Query keys: hashing, canonical text and TanStack's partial matching. key_from_url is in url.cpp.

#include "mfstate/key.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "json_number.hpp"
#include "value_node.hpp"

namespace mfstate {

namespace {

// ---- key_string: the exact text of query-core's hashKey ----
// hashKey is JSON.stringify(key, replacer) where the replacer rebuilds every plain object with
// its keys sorted (Array.prototype.sort: by UTF-16 code units). JSON.stringify then lists an
// object's array-index keys ("0", "7", "10") first in numeric order, the others in that sorted
// order; writes numbers as Number.prototype.toString does; escapes strings minimally. Doing the
// same here makes key_string byte-identical to hashKey, so a dehydrated cache and its
// queryHash strings can be exchanged with TanStack Query.

// JavaScript's array-index property names: canonical decimals of 0 .. 2^32 - 2.
bool array_index(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 10 || (s.size() > 1 && s[0] == '0')) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v > 4294967294ULL) return false;
  out = v;
  return true;
}

// Appends the UTF-16 code units of UTF-8 text (a byte that is not UTF-8 counts as one unit).
void utf16_units(std::string_view s, std::vector<std::uint16_t>& out) {
  out.clear();
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    std::uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);
    bool ok = len != 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      ok = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if (!ok) {
      out.push_back(c);
      ++i;
      continue;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<std::uint16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<std::uint16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<std::uint16_t>(cp));
    }
    i += len;
  }
}

// UTF-8 and UTF-16 order differ only when a character beyond U+FFFF meets one in U+E000..U+FFFF.
bool needs_utf16_order(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0xEE; });
}

bool js_less(std::string_view a, std::string_view b) {
  if (!needs_utf16_order(a) || !needs_utf16_order(b)) return a < b;
  std::vector<std::uint16_t> ua, ub;
  utf16_units(a, ua);
  utf16_units(b, ub);
  return ua < ub;
}

void write_js_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0;  // start of the pending run of characters written as they are
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
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
      default:
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

// Number.prototype.toString(10) of a finite double (ECMAScript Number::toString).
void write_js_number(std::string& out, double d) {
  if (d == 0) {
    out += '0';  // -0 too
    return;
  }
  char buf[64];
  out.append(buf, detail::format_double(d, buf));
}

struct SortEntry {
  const Member* member;
  bool is_index;
  std::uint64_t index;
};

void write_js(std::string& out, const Value& v, std::vector<SortEntry>& scratch) {
  switch (v.type()) {
    case Type::null: out += "null"; return;
    case Type::boolean: out += v.as_bool() ? "true" : "false"; return;
    case Type::integer: {
      // Beyond ±2^53 JavaScript holds the nearest double, and an equal double key must give the
      // same text: write such integers as that double.
      std::int64_t i = v.as_int();
      if (i > 9007199254740992LL || i < -9007199254740992LL) {
        write_js_number(out, static_cast<double>(i));
      } else {
        char buf[24];
        out.append(buf, std::to_chars(buf, buf + sizeof buf, i).ptr);
      }
      return;
    }
    case Type::number: {
      double d = v.as_double();
      if (!std::isfinite(d)) {
        throw Error(ErrorCode::invalid_key,
                    "a query key holding NaN or an infinity has no canonical text (JSON cannot spell them)");
      }
      write_js_number(out, d);
      return;
    }
    case Type::string: write_js_string(out, v.as_string()); return;
    case Type::array: {
      out += '[';
      bool first = true;
      for (const Value& e : v.as_array()) {
        if (!first) out += ',';
        first = false;
        write_js(out, e, scratch);
      }
      out += ']';
      return;
    }
    case Type::object: {
      // The members of every object being written share one scratch stack: an object pushes its
      // entries, sorts them, writes them (nested objects push above), then pops them. One
      // allocation per key, and a small frame per level of nesting.
      std::size_t base = scratch.size();
      for (const Member& m : v.as_object()) {
        std::uint64_t index = 0;
        bool is_index = array_index(m.key, index);
        scratch.push_back({&m, is_index, index});
      }
      std::sort(scratch.begin() + static_cast<std::ptrdiff_t>(base), scratch.end(),
                [](const SortEntry& a, const SortEntry& b) {
                  if (a.is_index != b.is_index) return a.is_index;
                  if (a.is_index) return a.index < b.index;
                  return js_less(a.member->key, b.member->key);
                });
      out += '{';
      std::size_t end = scratch.size();
      for (std::size_t k = base; k < end; ++k) {
        if (k != base) out += ',';
        const Member* m = scratch[k].member;
        write_js_string(out, m->key);
        out += ':';
        write_js(out, m->value, scratch);
      }
      scratch.resize(base);
      out += '}';
      return;
    }
  }
}

// query-core's partialMatchKey: every field of the filter must match the field of the same name
// (an array's fields are its indices, so an array filter is a prefix), recursively; anything
// else by equality (as keys: a NaN matches a NaN, detail::key_equal). Recursion depth is bounded
// by the filter's nesting (a Value's is bounded).
bool partial_match(const Value& filter, const Value& key) {
  if (filter.same_node(key)) return true;
  if (filter.is_array()) {
    if (!key.is_array() || key.size() < filter.size()) return false;
    auto fs = filter.as_array();
    auto ks = key.as_array();
    for (std::size_t i = 0; i < fs.size(); ++i) {
      if (!partial_match(fs[i], ks[i])) return false;
    }
    return true;
  }
  if (filter.is_object()) {
    if (!key.is_object()) return false;
    for (const Member& m : filter.as_object()) {
      const Value* field = key.find(m.key);
      if (!field || !partial_match(m.value, *field)) return false;
    }
    return true;
  }
  return detail::key_equal(filter, key);
}

}  // namespace

void check_key(const Value& key) {
  if (!key.is_array()) {
    throw Error(ErrorCode::invalid_key,
                "a query key is an array, such as [\"user\", 42], but got a value of type " +
                    std::string(to_string(key.type())));
  }
}

FlatKey::FlatKey(const Value& key) {
  check_key(key);
  const auto items = key.as_array();
  elements_ = items.size();
  std::uint32_t* ends = ends_;
  if (elements_ > inline_ends) {
    heap_ends_ = std::make_unique<std::uint32_t[]>(elements_);
    ends = heap_ends_.get();
  }
  std::string spill;
  detail::CanonicalWriter w(inline_, inline_capacity, &spill);
  w.put('[');
  for (std::size_t i = 0; i < elements_; ++i) {
    w.value(items[i]);
    ends[i] = static_cast<std::uint32_t>(w.size());
  }
  w.put(']');
  size_ = w.size();
  if (w.bytes().data() != inline_) {
    heap_ = std::make_unique<char[]>(size_);
    std::memcpy(heap_.get(), w.bytes().data(), size_);
    data_ = heap_.get();
  }
  // The same hash as key.hash(): XXH3 of these very bytes when they are what Value::hash hashes
  // (then cached in the key for the next caller), else the Value's own.
  if (const std::uint64_t cached = ValueAccess::cached_hash(key)) {
    hash_ = cached;
  } else if (w.hashable()) {
    hash_ = detail::canonical_hash(bytes());
    ValueAccess::cache_hash(key, hash_);
    hash_ = ValueAccess::cached_hash(key);
  } else {
    hash_ = key.hash();
  }
}

void FlatKey::copy_from(const FlatKey& other) {
  size_ = other.size_;
  elements_ = other.elements_;
  hash_ = other.hash_;
  heap_.reset();
  heap_ends_.reset();
  if (other.heap_) {
    heap_ = std::make_unique<char[]>(size_);
    std::memcpy(heap_.get(), other.heap_.get(), size_);
    data_ = heap_.get();
  } else {
    std::memcpy(inline_, other.inline_, size_);
    data_ = inline_;
  }
  if (other.heap_ends_) {
    heap_ends_ = std::make_unique<std::uint32_t[]>(elements_);
    std::memcpy(heap_ends_.get(), other.heap_ends_.get(), elements_ * sizeof(std::uint32_t));
  } else {
    std::memcpy(ends_, other.ends_, elements_ * sizeof(std::uint32_t));
  }
}

void FlatKey::take(FlatKey& other) noexcept {
  size_ = other.size_;
  elements_ = other.elements_;
  hash_ = other.hash_;
  heap_ = std::move(other.heap_);
  heap_ends_ = std::move(other.heap_ends_);
  if (heap_) {
    data_ = heap_.get();
  } else {
    std::memcpy(inline_, other.inline_, size_);
    data_ = inline_;
  }
  if (!heap_ends_) std::memcpy(ends_, other.ends_, elements_ * sizeof(std::uint32_t));
}

FlatKey::FlatKey(const FlatKey& other) { copy_from(other); }

FlatKey& FlatKey::operator=(const FlatKey& other) {
  if (this != &other) copy_from(other);
  return *this;
}

FlatKey::FlatKey(FlatKey&& other) noexcept { take(other); }

FlatKey& FlatKey::operator=(FlatKey&& other) noexcept {
  if (this != &other) take(other);
  return *this;
}

std::string_view FlatKey::prefix(std::size_t k) const noexcept {
  if (k == 0) return {data_, 1};
  const std::uint32_t* ends = heap_ends_ ? heap_ends_.get() : ends_;
  return {data_, ends[k - 1]};
}

std::uint64_t hash_key(const Value& key) {
  check_key(key);
  return key.hash();
}

std::string key_string(const Value& key) {
  check_key(key);
  std::string out;
  out.reserve(64);
  // Reused across calls (cleared first, so a call that threw leaves nothing behind): key_string
  // on a hot path then allocates only its result.
  thread_local std::vector<SortEntry> scratch;
  scratch.clear();
  write_js(out, key, scratch);
  return out;
}

bool matches(const Value& filter, const Value& key, bool exact) {
  check_key(filter);
  check_key(key);
  // Equality is equality of canonical forms (member order ignored, 1 == 1.0, every NaN alike), and
  // compares cached hashes first when both keys have them.
  if (exact) return detail::key_equal(filter, key);
  return partial_match(filter, key);
}

}  // namespace mfstate
