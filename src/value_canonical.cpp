// The canonical bytes of a Value: one encoding in which equal values (==) have equal bytes.
//
//   null 'n'   false 'f'   true 't'
//   integer, and a double holding an integer in int64 range (so 1 and 1.0, 0.0 and -0.0 agree):
//            'i' + the 8 bytes of the int64, little-endian
//   other double: 'd' + the 8 bytes of its bits, little-endian (every NaN written as one NaN)
//   string 's' + its length (LEB128) + its bytes
//   array  '[' + each element + ']'
//   object '{' + each member, sorted by name (bytes): name length (LEB128) + name + value, + '}'
//
// Every element delimits itself, so the bytes of an array's first k elements are a prefix of the
// array's bytes: the property a query key's prefix index uses (FlatKey, key.cpp). A small
// container's Value::hash is XXH3 of these bytes (value.cpp): one pass and one hash call, where
// hashing element by element would call XXH3 once per string and member name.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <vector>

#include "value_node.hpp"

namespace mfstate::detail {

static_assert(std::endian::native == std::endian::little,
              "canonical bytes copy integers as they are in memory: a little-endian target");

char* CanonicalWriter::grow(char* p, std::size_t more) {
  if (spill_ == nullptr) return nullptr;
  const auto size = static_cast<std::size_t>(p - data_);
  const std::size_t need = size + more;
  if (data_ != spill_->data()) spill_->assign(data_, size);
  spill_->resize(std::max(need, 2 * spill_->size() + 64));
  data_ = spill_->data();
  end_ = data_ + spill_->size();
  return data_ + size;
}

char* CanonicalWriter::value(char* p, const Value& v) {
  switch (v.type()) {
    case Type::array: return array(p, v);
    case Type::object: return object(p, v);
    default: return scalar(p, v);
  }
}

// Children that are not containers are written in the container's own loop, without the call;
// containers go straight to array or object, not through value's dispatch.
inline char* CanonicalWriter::element(char* p, const Value& v) {
  if (v.is_array()) return array(p, v);
  if (v.is_object()) return object(p, v);
  return scalar(p, v);
}

inline char* CanonicalWriter::scalar(char* p, const Value& v) {
  switch (v.type()) {
    case Type::null: return put(p, 'n');
    case Type::boolean: return put(p, v.as_bool() ? 't' : 'f');
    case Type::integer: return put_int(p, 'i', static_cast<std::uint64_t>(v.as_int()));
    case Type::number: {
      std::uint64_t bits;
      const char tag = canonical_number(v.as_double(), bits);
      return put_int(p, tag, bits);
    }
    case Type::string: {
      std::uint64_t word;
      std::size_t size;
      if (ValueAccess::inline_string(v, word, size)) return put_inline_string(p, word, size);
      return put_string(p, v.as_string());
    }
    default: return nullptr;
  }
}

char* CanonicalWriter::array(char* p, const Value& v) {
  if (!(p = put(p, '['))) return nullptr;
  for (const Value& e : v.as_array()) {
    if (!(p = element(p, e))) return nullptr;
  }
  return put(p, ']');
}

// Members in name order. Most objects already list them so (written by hand in that order, or
// parsed from canonical text), or list them in reverse: an object built from a list knows which
// (Node::name_order: its builder compared the names for repeats), any other tells by one compare
// per member. Such an object is written here as it is, forwards or backwards, each name that is
// held inline (15 bytes at most) copied as its whole 16-byte buffer (what follows overwrites the
// padding). Others are sorted first, out of line (sorted_object), so that their frame (the
// pointers, a vector) is not paid by the common object: {id: 7} takes about 96 instructions,
// where it took 135.
//
// Each step checks the room as sorted_object's does, or checks more and, when that fails, takes
// sorted_object's step: so the bytes, and where writing stops in a buffer without a spill (which
// decides whether Value::hash hashes the bytes), are exactly what they were.
// Objects of up to this many members sort on the stack; a larger one is always sorted in a vector
// (and its bytes are not what Value::hash hashes).
constexpr std::size_t members_on_stack = 16;

//
// Two members out of order (W5's `page`, written {size, n}) are written backwards too when their
// order is not known: names in an object are distinct, so "not before" is "after", and the sort's
// frame is not paid for them either.
char* CanonicalWriter::object(char* p, const Value& v) {
  const ObjectNode& node = ValueAccess::object_node(v);
  const std::size_t n = node.size;
  const Member* members = node.members();
  if (n > members_on_stack) return wide_object(p, {members, n});
  // The members written: k from 0 up, or from n - 1 down (an index, never a pointer before the
  // members).
  std::ptrdiff_t k = 0;
  std::ptrdiff_t step = 1;
  std::ptrdiff_t end = static_cast<std::ptrdiff_t>(n);
  if (n > 1 && node.name_order != static_cast<std::uint8_t>(NameOrder::ascending)) {
    bool backwards = node.name_order == static_cast<std::uint8_t>(NameOrder::descending);
    if (!backwards) {
      for (std::size_t i = 1; i < n; ++i) {
        if (!(members[i - 1].key < members[i].key)) {
          if (n != 2) return sorted_object(p, {members, n});
          backwards = true;
        }
      }
    }
    if (backwards) {
      k = static_cast<std::ptrdiff_t>(n) - 1;
      step = -1;
      end = -1;
    }
  }
  if (!(p = put(p, '{'))) return nullptr;
  for (; k != end; k += step) {
    const Member& m = members[k];
    if (!(p = put_name(p, m.key)) || !(p = element(p, m.value))) return nullptr;
  }
  return put(p, '}');
}

// An object of 3 to 16 members out of name order: its members' positions, a byte each,
// insertion-sorted on the stack, then written as object() writes them, names through put_name.
// Out of line, so that its frame is not paid by an object in order.
[[gnu::noinline]] char* CanonicalWriter::sorted_object(char* p, std::span<const Member> members) {
  const std::size_t n = members.size();
  if (n > members_on_stack) return wide_object(p, members);
  if (!(p = put(p, '{'))) return nullptr;
  std::uint8_t order[members_on_stack];
  for (std::size_t i = 0; i < n; ++i) {
    // Insertion sort: a handful of members, usually nearly in order.
    const MemberName& key = members[i].key;
    std::size_t j = i;
    for (; j > 0 && key < members[order[j - 1]].key; --j) order[j] = order[j - 1];
    order[j] = static_cast<std::uint8_t>(i);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const Member& m = members[order[i]];
    if (!(p = put_name(p, m.key)) || !(p = element(p, m.value))) return nullptr;
  }
  return put(p, '}');
}

// Objects of more than 16 members (rare in a key, and beyond what a hash writes this way) sort
// pointers in a vector; only a writer with a spill string writes them.
[[gnu::noinline]] char* CanonicalWriter::wide_object(char* p, std::span<const Member> members) {
  if (!(p = put(p, '{'))) return nullptr;
  wide_ = true;
  if (spill_ == nullptr) return nullptr;
  std::vector<const Member*> order(members.size());
  for (std::size_t i = 0; i < members.size(); ++i) order[i] = &members[i];
  std::sort(order.begin(), order.end(), MemberNameOrder{});
  for (const Member* m : order) {
    if (!(p = put_text(p, m->key)) || !(p = element(p, m->value))) return nullptr;
  }
  return put(p, '}');
}

// ---- reading the bytes back ----

namespace {

// detail::key_equal against the value at `p` (Value's ==, but a NaN equals a NaN), moving `p`
// past what it read (up to a mismatch).
bool equals_at(const Value& v, const char*& p) noexcept {
  switch (*p++) {
    case 'n': return v.is_null();
    case 't': return v.is_bool() && v.as_bool();
    case 'f': return v.is_bool() && !v.as_bool();
    case 'i': {
      std::int64_t i;
      std::memcpy(&i, p, sizeof i);
      p += 8;
      if (v.is_int()) return v.as_int() == i;
      std::int64_t j;
      return v.is_double() && integral_double(v.as_double(), j) && j == i;  // 1.0 == 1
    }
    case 'd': {  // not integral: only a double can equal it (a NaN any NaN: the bytes hold one)
      double d;
      std::memcpy(&d, p, sizeof d);
      p += 8;
      if (!v.is_double()) return false;
      const double x = v.as_double();
      return x == d || (std::isnan(x) && std::isnan(d));
    }
    case 's': {
      const auto n = static_cast<std::size_t>(read_canonical_length(p));
      const std::string_view s(p, n);
      p += n;
      return v.is_string() && v.as_string() == s;
    }
    case '[': {
      if (!v.is_array()) return false;
      const std::span<const Value> items = v.as_array();
      std::size_t k = 0;
      while (*p != ']') {
        if (k == items.size() || !equals_at(items[k], p)) return false;
        ++k;
      }
      ++p;
      return k == items.size();
    }
    default: {  // '{': names are distinct, so as many members, each found equal, is equal
      if (!v.is_object()) return false;
      const ObjectNode& node = ValueAccess::object_node(v);
      const Member* members = node.members();
      std::size_t k = 0;
      while (*p != '}') {
        const auto n = static_cast<std::size_t>(read_canonical_length(p));
        const std::string_view name(p, n);
        p += n;
        // The bytes list the members by name; an object built in that order (any object of one
        // member: a key element such as {id: 42}) has the k-th of them at position k, found
        // without a search.
        const Value* m = k < node.size && members[k].key == name ? &members[k].value : v.find(name);
        if (m == nullptr) return false;
        if (*p == 'i' && m->is_int()) {  // an integer member, read here rather than by a call
          std::int64_t i;
          std::memcpy(&i, p + 1, sizeof i);
          if (m->as_int() != i) return false;
          p += 9;
        } else if (!equals_at(*m, p)) {
          return false;
        }
        ++k;
      }
      ++p;
      return k == node.size;
    }
  }
}

}  // namespace

bool canonical_equals(const Value& v, std::string_view bytes) noexcept {
  const char* p = bytes.data();
  return equals_at(v, p) && p == bytes.data() + bytes.size();
}

Value decode_canonical(const char*& p) {
  switch (*p++) {
    case 'n': return Value();
    case 't': return Value(true);
    case 'f': return Value(false);
    case 'i': {
      std::int64_t i;
      std::memcpy(&i, p, 8);
      p += 8;
      return Value(i);
    }
    case 'd': {
      double d;
      std::memcpy(&d, p, 8);
      p += 8;
      return Value(d);
    }
    case 's': {
      const auto n = static_cast<std::size_t>(read_canonical_length(p));
      const std::string_view s(p, n);
      p += n;
      return Value(s);
    }
    case '[': {
      std::vector<Value> items;
      while (*p != ']') items.push_back(decode_canonical(p));
      ++p;
      return Value::array(std::move(items));
    }
    default: {  // '{'
      std::vector<Member> members;
      while (*p != '}') {
        const auto n = static_cast<std::size_t>(read_canonical_length(p));
        std::string name(p, n);
        p += n;
        members.push_back({std::move(name), decode_canonical(p)});
      }
      ++p;
      return Value::object(std::move(members));
    }
  }
}

}  // namespace mfstate::detail
