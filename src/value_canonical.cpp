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
    case Type::null: return put('n');
    case Type::boolean: return put(v.as_bool() ? 't' : 'f');
    case Type::integer: return put_int('i', static_cast<std::uint64_t>(v.as_int()));
    case Type::number: {
      std::uint64_t bits;
      const char tag = canonical_number(v.as_double(), bits);
      return put_int(tag, bits);
    }
    case Type::string: return put('s') && put_text(v.as_string());
    case Type::array: {
      if (!put('[')) return false;
      for (const Value& e : v.as_array()) {
        if (!value(e)) return false;
      }
      return put(']');
    }
    case Type::object: return object(v);
  }
  return false;
}

// Members in name order: a small object sorts pointers on the stack; a large one (rare in a key,
// and beyond what a hash writes this way) in a vector.
bool CanonicalWriter::object(const Value& v) {
  const auto members = v.as_object();
  if (!put('{')) return false;
  constexpr std::size_t on_stack = 16;
  const Member* small[on_stack];
  std::vector<const Member*> large;
  const Member** order = small;
  if (members.size() > on_stack) {
    wide_ = true;
    if (spill_ == nullptr) return false;
    large.resize(members.size());
    order = large.data();
  }
  for (std::size_t i = 0; i < members.size(); ++i) order[i] = &members[i];
  if (members.size() <= on_stack) {
    // Insertion sort: a handful of members, usually already in order.
    for (std::size_t i = 1; i < members.size(); ++i) {
      const Member* m = order[i];
      std::size_t j = i;
      for (; j > 0 && canonical_name_less(m->key, order[j - 1]->key); --j) order[j] = order[j - 1];
      order[j] = m;
    }
  } else {
    std::sort(order, order + members.size(), MemberNameOrder{});
  }
  for (std::size_t i = 0; i < members.size(); ++i) {
    const std::string_view name = order[i]->key;
    if (!put_text(name) || !value(order[i]->value)) return false;
  }
  return put('}');
}

}  // namespace mfstate::detail
