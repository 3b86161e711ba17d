// KeyBuilder: a query key's canonical bytes (value_canonical.cpp's encoding) written directly,
// so the result is the FlatKey(Value) of the same key without the Value tree.
#include "mfstate/key_builder.hpp"

#include <algorithm>
#include <cstring>

#include "value_node.hpp"

namespace mfstate {

namespace {

std::uint64_t read_varint(const char*& p) noexcept {
  std::uint64_t n = 0;
  for (int shift = 0;; shift += 7) {
    const auto byte = static_cast<unsigned char>(*p++);
    n |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return n;
  }
}

// Past the canonical bytes of one value (written by this builder, so well formed).
const char* skip(const char* p) noexcept {
  switch (*p++) {
    case 'i':
    case 'd': return p + 8;
    case 's': {
      const auto n = static_cast<std::size_t>(read_varint(p));
      return p + n;
    }
    case '[':
      while (*p != ']') p = skip(p);
      return p + 1;
    case '{':
      while (*p != '}') {
        const auto n = static_cast<std::size_t>(read_varint(p));
        p = skip(p + n);
      }
      return p + 1;
    default: return p;  // 'n', 't', 'f'
  }
}

// The Value of canonical bytes (one value), for a key too large for Value::hash to hash as bytes:
// there the hash combines its elements' hashes, and only a Value computes that rule.
Value decode(const char*& p) {
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
      const auto n = static_cast<std::size_t>(read_varint(p));
      const std::string_view s(p, n);
      p += n;
      return Value(s);
    }
    case '[': {
      std::vector<Value> items;
      while (*p != ']') items.push_back(decode(p));
      ++p;
      return Value::array(std::move(items));
    }
    default: {  // '{'
      std::vector<Member> members;
      while (*p != '}') {
        const auto n = static_cast<std::size_t>(read_varint(p));
        std::string name(p, n);
        p += n;
        members.push_back({std::move(name), decode(p)});
      }
      ++p;
      return Value::object(std::move(members));
    }
  }
}

// One member's bytes within an object being sorted. Trivial, so an array of them costs nothing
// until written.
struct MemberSpan {
  const char* name;
  std::uint32_t length;
  std::uint32_t begin;  // offset of the name's length
  std::uint32_t end;    // past the value
  std::string_view view() const noexcept { return {name, length}; }
};

}  // namespace

// Beyond the inline buffer: the bytes move to spill_, which FlatKey copies at finish().
char* KeyBuilder::grow(std::size_t more) {
  if (data_ == key_.inline_) spill_.assign(data_, size_);
  spill_.resize(std::max(size_ + more, 2 * spill_.size() + 64));
  data_ = spill_.data();
  capacity_ = spill_.size();
  return data_ + size_;
}

void KeyBuilder::put_tagged(char tag, std::uint64_t bits) {
  before_value();
  char* p = reserve(9);
  p[0] = tag;
  std::memcpy(p + 1, &bits, 8);
  size_ += 9;
  after_value();
}

[[gnu::cold]] void KeyBuilder::fail(const char* what) {
  reset();
  throw Error(ErrorCode::invalid_key, std::string("KeyBuilder: ") + what);
}

// A value may start at the top (one more element of the key), in an array, or in an object once
// member() named it.
[[gnu::always_inline]] inline void KeyBuilder::before_value() {
  if (depth_ == 0 || !top_.object) return;
  if (!top_.named) fail("a value inside an object needs member(name) first");
  top_.named = false;
}

// A value that ends at the top is one element of the key: record where, for FlatKey::prefix.
[[gnu::always_inline]] inline void KeyBuilder::after_value() {
  if (depth_ != 0) return;
  const auto end = static_cast<std::uint32_t>(size_);
  if (elements_ < FlatKey::inline_ends) {
    key_.ends_[elements_] = end;
  } else {
    more_ends_.push_back(end);
  }
  ++elements_;
}

void KeyBuilder::open(bool object) {
  before_value();
  // The outer array is one level of a Value's nesting.
  if (depth_ + 1 >= detail::max_nesting) {
    reset();
    throw Error(ErrorCode::depth_limit, "KeyBuilder: a key nested deeper than a Value may be");
  }
  *reserve(1) = object ? '{' : '[';
  if (depth_ > 0) {
    if (depth_ <= inline_frames) {
      frames_[depth_ - 1] = top_;
    } else {
      deep_frames_.push_back(top_);
    }
  }
  top_ = Frame{.start = static_cast<std::uint32_t>(size_),
               .last_name = 0,
               .last_length = 0,
               .members = 0,
               .object = object,
               .named = false,
               .sorted = true};
  ++size_;
  ++depth_;
}

// Closes the innermost container: its parent becomes the innermost again.
void KeyBuilder::close() {
  --depth_;
  if (depth_ > 0) {
    if (depth_ <= inline_frames) {
      top_ = frames_[depth_ - 1];
    } else {
      top_ = deep_frames_.back();
      deep_frames_.pop_back();
    }
  }
  after_value();
}

KeyBuilder& KeyBuilder::null() {
  before_value();
  *reserve(1) = 'n';
  ++size_;
  after_value();
  return *this;
}

KeyBuilder& KeyBuilder::boolean(bool b) {
  before_value();
  *reserve(1) = b ? 't' : 'f';
  ++size_;
  after_value();
  return *this;
}

KeyBuilder& KeyBuilder::integer(std::int64_t i) {
  put_tagged('i', static_cast<std::uint64_t>(i));
  return *this;
}

KeyBuilder& KeyBuilder::number(double d) {
  std::uint64_t bits;
  const char tag = detail::canonical_number(d, bits);
  put_tagged(tag, bits);
  return *this;
}

KeyBuilder& KeyBuilder::string(std::string_view s) {
  before_value();
  char* p = reserve(s.size() + 11);
  *p = 's';
  size_ = static_cast<std::size_t>(detail::put_canonical_text(p + 1, s) - data_);
  after_value();
  return *this;
}

KeyBuilder& KeyBuilder::begin_array() {
  open(false);
  return *this;
}

KeyBuilder& KeyBuilder::begin_object() {
  open(true);
  return *this;
}

KeyBuilder& KeyBuilder::member(std::string_view name) {
  if (depth_ == 0 || !top_.object) fail("member() outside an object");
  if (top_.named) fail("member() twice without a value between");
  if (top_.members > 0 &&
      !detail::canonical_name_less(std::string_view(data_ + top_.last_name, top_.last_length), name)) {
    top_.sorted = false;
  }
  char* p = reserve(name.size() + 10);
  size_ = static_cast<std::size_t>(detail::put_canonical_text(p, name) - data_);
  top_.last_name = static_cast<std::uint32_t>(size_ - name.size());
  top_.last_length = static_cast<std::uint32_t>(name.size());
  ++top_.members;
  top_.named = true;
  return *this;
}

KeyBuilder& KeyBuilder::end_array() {
  if (depth_ == 0 || top_.object) fail("end_array() without an open array");
  *reserve(1) = ']';
  ++size_;
  close();
  return *this;
}

KeyBuilder& KeyBuilder::end_object() {
  if (depth_ == 0 || !top_.object) fail("end_object() without an open object");
  if (top_.named) fail("end_object() after member() without its value");
  if (!top_.sorted) sort_members(top_.start);
  if (top_.members > 16) wide_ = true;  // Value::hash combines such an object's member hashes
  *reserve(1) = '}';
  ++size_;
  close();
  return *this;
}

// The canonical form lists an object's members by name (bytewise). Members written out of order
// (member() noticed) are found again in the bytes and their ranges reordered.
void KeyBuilder::sort_members(std::uint32_t start) {
  MemberSpan few[16];
  std::vector<MemberSpan> many;  // beyond 16 members: rare in a key
  MemberSpan* spans = few;
  if (top_.members > 16) {
    many.resize(top_.members);
    spans = many.data();
  }
  std::size_t count = 0;
  const char* p = data_ + start + 1;
  const char* const end = data_ + size_;
  while (p != end) {
    const auto begin = static_cast<std::uint32_t>(p - data_);
    const auto n = static_cast<std::size_t>(read_varint(p));
    const std::string_view name(p, n);
    p = skip(p + n);
    spans[count++] = {name.data(), static_cast<std::uint32_t>(n), begin,
                      static_cast<std::uint32_t>(p - data_)};
  }
  const auto less = [](const MemberSpan& a, const MemberSpan& b) {
    return detail::canonical_name_less(a.view(), b.view());
  };
  if (count <= 16) {
    // Insertion sort: a handful of members, mostly in order.
    for (std::size_t i = 1; i < count; ++i) {
      const MemberSpan m = spans[i];
      std::size_t j = i;
      for (; j > 0 && less(m, spans[j - 1]); --j) spans[j] = spans[j - 1];
      spans[j] = m;
    }
  } else {
    std::sort(spans, spans + count, less);
  }
  for (std::size_t i = 1; i < count; ++i) {
    if (spans[i - 1].view() == spans[i].view()) fail("an object with a member name given twice");
  }
  // The reordered bytes go through a buffer on the stack when they fit one.
  const std::size_t length = size_ - start - 1;
  char small[256];
  std::string large;
  char* ordered = small;
  if (length > sizeof small) {
    large.resize(length);
    ordered = large.data();
  }
  char* out = ordered;
  for (std::size_t i = 0; i < count; ++i) {
    const MemberSpan& m = spans[i];
    std::memcpy(out, data_ + m.begin, m.end - m.begin);
    out += m.end - m.begin;
  }
  std::memcpy(data_ + start + 1, ordered, length);
}

FlatKey KeyBuilder::finish() {
  if (depth_ != 0) fail("finish() with a container still open");
  *reserve(1) = ']';
  ++size_;
  key_.size_ = size_;
  key_.elements_ = elements_;
  if (data_ != key_.inline_) {
    key_.heap_ = std::make_unique<char[]>(size_);
    std::memcpy(key_.heap_.get(), data_, size_);
    key_.data_ = key_.heap_.get();
  }
  if (elements_ > FlatKey::inline_ends) {
    key_.heap_ends_ = std::make_unique<std::uint32_t[]>(elements_);
    std::memcpy(key_.heap_ends_.get(), key_.ends_, sizeof key_.ends_);
    std::memcpy(key_.heap_ends_.get() + FlatKey::inline_ends, more_ends_.data(),
                more_ends_.size() * sizeof(std::uint32_t));
  }
  // The hash FlatKey(Value) and hash_key give: XXH3 of these bytes when Value::hash hashes bytes
  // (0 kept as 1, as a Value's node caches it), else the Value's own element-wise hash.
  if (size_ <= detail::canonical_hash_budget && !wide_) {
    const std::uint64_t h = detail::canonical_hash(key_.bytes());
    key_.hash_ = h != 0 ? h : 1;
  } else {
    const char* p = key_.data_;
    key_.hash_ = decode(p).hash();
  }
  FlatKey out(std::move(key_));
  reset();
  return out;
}

void KeyBuilder::reset() noexcept {
  key_.heap_.reset();
  key_.heap_ends_.reset();
  key_.data_ = key_.inline_;
  key_.inline_[0] = '[';
  data_ = key_.inline_;
  size_ = 1;
  capacity_ = FlatKey::inline_capacity;
  elements_ = 0;
  depth_ = 0;
  wide_ = false;
  deep_frames_.clear();
  spill_.clear();
  more_ends_.clear();
}

}  // namespace mfstate
