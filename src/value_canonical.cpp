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
#include <cstring>
#include <vector>

#include "value_node.hpp"

namespace mfstate::detail {

static_assert(std::endian::native == std::endian::little,
              "canonical bytes copy integers as they are in memory: a little-endian target");

bool CanonicalWriter::grow(std::size_t more) {
  if (spill_ == nullptr) return false;
  const std::size_t need = size_ + more;
  if (data_ != spill_->data()) spill_->assign(data_, size_);
  spill_->resize(std::max(need, 2 * spill_->size() + 64));
  data_ = spill_->data();
  capacity_ = spill_->size();
  return true;
}

bool CanonicalWriter::value(const Value& v) {
  switch (v.type()) {
    case Type::array: return array(v);
    case Type::object: return object(v);
    default: return scalar(v);
  }
}

// Children that are not containers are written in the container's own loop, without the call.
inline bool CanonicalWriter::element(const Value& v) {
  if (v.is_array() || v.is_object()) return value(v);
  return scalar(v);
}

inline bool CanonicalWriter::scalar(const Value& v) {
  switch (v.type()) {
    case Type::null: return put('n');
    case Type::boolean: return put(v.as_bool() ? 't' : 'f');
    case Type::integer: return put_int('i', static_cast<std::uint64_t>(v.as_int()));
    case Type::number: {
      std::uint64_t bits;
      const char tag = canonical_number(v.as_double(), bits);
      return put_int(tag, bits);
    }
    case Type::string: return put_string(v.as_string());
    default: return false;
  }
}

bool CanonicalWriter::array(const Value& v) {
  if (!put('[')) return false;
  for (const Value& e : v.as_array()) {
    if (!element(e)) return false;
  }
  return put(']');
}

// Members in name order. Most objects already list them so (written by hand in that order, or
// parsed from canonical text): one compare per member tells, and they are written as they are.
// Others: a small object sorts pointers on the stack; a large one (rare in a key, and beyond what
// a hash writes this way) in a vector.
bool CanonicalWriter::object(const Value& v) {
  const auto members = v.as_object();
  if (!put('{')) return false;
  constexpr std::size_t on_stack = 16;
  const std::size_t n = members.size();
  std::size_t in_order = 1;
  if (n <= on_stack) {
    while (in_order < n && members[in_order - 1].key < members[in_order].key) ++in_order;
  }
  const Member* small[on_stack];
  std::vector<const Member*> large;
  const Member** order = small;
  if (in_order < n) {
    if (n > on_stack) {
      wide_ = true;
      if (spill_ == nullptr) return false;
      large.resize(n);
      order = large.data();
    }
    for (std::size_t i = 0; i < n; ++i) order[i] = &members[i];
    if (n <= on_stack) {
      // Insertion sort: a handful of members, usually nearly in order.
      for (std::size_t i = 1; i < n; ++i) {
        const Member* m = order[i];
        std::size_t j = i;
        for (; j > 0 && m->key < order[j - 1]->key; --j) order[j] = order[j - 1];
        order[j] = m;
      }
    } else {
      std::sort(order, order + n, MemberNameOrder{});
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    const Member& m = in_order >= n ? members[i] : *order[i];
    if (!put_text(m.key) || !element(m.value)) return false;
  }
  return put('}');
}

}  // namespace mfstate::detail
