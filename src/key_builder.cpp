// KeyBuilder: a query key's canonical bytes (value_canonical.cpp's encoding) written directly,
// so the result is the FlatKey(Value) of the same key without the Value tree.
#include "mfstate/key_builder.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "value_node.hpp"

namespace mfstate {

// What outgrows the builder's inline arrays, made once and kept (for the builder's next keys)
// until the builder goes.
struct KeyBuilder::Overflow {
  std::vector<char> bytes;          // the bytes, once beyond buffer_
  std::vector<Frame> frames;        // containers beyond inline_frames levels
  std::vector<MemberSlot> members;  // members of open objects, once beyond inline_members
  std::vector<std::uint32_t> ends;  // element ends beyond FlatKey::inline_ends
};

// Beyond the inline buffer the bytes move to the overflow's. Offsets are 32-bit (element ends,
// member slots), so a key stops at 4 GiB.
char* KeyBuilder::grow(std::size_t more) {
  if (more > std::numeric_limits<std::uint32_t>::max() - size_) {
    reset();
    throw Error(ErrorCode::size_limit, "KeyBuilder: a key of 4 GiB or more");
  }
  if (overflow_ == nullptr) overflow_ = new Overflow;
  std::vector<char>& bytes = overflow_->bytes;
  const std::size_t need = std::max(size_ + more, 2 * capacity_);
  if (data_ == buffer_) {
    bytes.resize(std::max(need, bytes.size()));
    std::memcpy(bytes.data(), buffer_, size_);
  } else {
    bytes.resize(need);
  }
  data_ = bytes.data();
  capacity_ = bytes.size();
  return data_ + size_;
}

KeyBuilder& KeyBuilder::fraction(double d) {
  std::uint64_t bits;
  const char tag = detail::canonical_number(d, bits);
  return tagged(tag, bits);
}

KeyBuilder& KeyBuilder::long_string(std::string_view s) {
  char* p = reserve(s.size() + 11);
  *p = 's';
  size_ = static_cast<std::size_t>(detail::put_canonical_text(p + 1, s) - data_);
  return after_value();
}

// member() beyond its inline path: misuse, a name of 128 bytes or more (a longer length), or
// more open members than the inline slots hold.
KeyBuilder& KeyBuilder::long_member(std::string_view name) {
  if (mode_ == object_named) fail("member() twice without a value between");
  if (mode_ != object_unnamed) fail("member() outside an object");
  const std::uint64_t prefix = detail::name_prefix(name);
  if (member_count_ != members_base_) {
    const std::uint64_t last = members_[member_count_ - 1].prefix;
    if (prefix < last) unsorted_ = true;
    if (prefix == last) order_after_last(name);
  }
  char* p = reserve(name.size() + 10);
  add_member_slot(prefix, name.size());
  size_ = static_cast<std::size_t>(detail::put_canonical_text(p, name) - data_);
  mode_ = object_named;
  return *this;
}

void KeyBuilder::add_member_slot(std::uint64_t prefix, std::size_t length) {
  if (member_count_ == member_capacity_) {
    if (overflow_ == nullptr) overflow_ = new Overflow;
    std::vector<MemberSlot>& slots = overflow_->members;
    if (members_ == inline_members_) {
      slots.resize(std::max<std::size_t>(slots.size(), 2 * inline_members));
      std::copy(inline_members_, inline_members_ + member_count_, slots.data());
    } else {
      slots.resize(2 * slots.size());
    }
    members_ = slots.data();
    member_capacity_ = static_cast<std::uint32_t>(slots.size());
  }
  members_[member_count_++] =
      MemberSlot{prefix, static_cast<std::uint32_t>(size_), static_cast<std::uint32_t>(length)};
}

// The name of an open member, read back from the bytes (after its length).
std::string_view KeyBuilder::name_of(const MemberSlot& m) const noexcept {
  std::size_t at = m.begin + 1;
  for (std::uint32_t n = m.length >> 7; n != 0; n >>= 7) ++at;
  return {data_ + at, m.length};
}

// `name` has the last member's first 8 bytes: the whole names decide.
void KeyBuilder::order_after_last(std::string_view name) {
  const std::string_view last = name_of(members_[member_count_ - 1]);
  if (name == last) fail("an object with a member name given twice");
  if (detail::canonical_name_less(name, last)) unsorted_ = true;
}

// end_object() beyond its inline path: misuse, or an object of more than 16 members.
KeyBuilder& KeyBuilder::end_object_slow() {
  if (mode_ == object_named) fail("end_object() after member() without its value");
  if (mode_ != object_unnamed) fail("end_object() without an open object");
  wide_ = true;  // Value::hash combines the member hashes of an object of more than 16 members
  if (unsorted_) sort_members();
  *reserve(1) = '}';
  ++size_;
  member_count_ = members_base_;
  return close();
}

// A container more than inline_frames levels in: its parent's frame goes to the overflow. The
// outer array is one level of a Value's nesting.
KeyBuilder& KeyBuilder::open_deep(std::uint8_t mode, char bracket) {
  if (depth_ + 1 >= detail::max_nesting) {
    reset();
    throw Error(ErrorCode::depth_limit, "KeyBuilder: a key nested deeper than a Value may be");
  }
  char* p = reserve(1);
  if (overflow_ == nullptr) overflow_ = new Overflow;
  overflow_->frames.push_back(Frame{members_base_, static_cast<std::uint8_t>(mode_ & after_value_mask), unsorted_});
  *p = bracket;
  ++size_;
  ++depth_;
  mode_ = mode;
  members_base_ = member_count_;
  unsorted_ = false;
  return *this;
}

KeyBuilder& KeyBuilder::close_deep() {
  const Frame f = overflow_->frames.back();
  overflow_->frames.pop_back();
  --depth_;
  members_base_ = f.members_base;
  mode_ = f.mode;
  unsorted_ = f.unsorted;
  return after_value();
}

// Element ends beyond FlatKey::inline_ends: in the overflow, as FlatKey keeps them.
KeyBuilder& KeyBuilder::more_elements() {
  if (overflow_ == nullptr) overflow_ = new Overflow;
  overflow_->ends.push_back(static_cast<std::uint32_t>(size_));
  ++elements_;
  return *this;
}

[[gnu::cold]] void KeyBuilder::refuse_value() { fail("a value inside an object needs member(name) first"); }

[[gnu::cold]] void KeyBuilder::refuse_end_array() { fail("end_array() without an open array"); }

[[gnu::cold]] void KeyBuilder::fail(const char* what) {
  reset();
  throw Error(ErrorCode::invalid_key, std::string("KeyBuilder: ") + what);
}

namespace {

// Copies n bytes: up to 32 as fixed-size words, where a call to memcpy costs more than the copy.
[[gnu::always_inline]] inline void copy_bytes(char* to, const char* from, std::size_t n) noexcept {
  if (n <= 16) {
    detail::copy_text(to, from, n);
  } else if (n <= 32) {
    std::memcpy(to, from, 16);
    std::memcpy(to + n - 16, from + n - 16, 16);
  } else {
    std::memcpy(to, from, n);
  }
}

}  // namespace

// Open members a and b by name: <0, 0 (the same name) or >0. Most differ in their first 8 bytes.
[[gnu::noinline]] int KeyBuilder::compare_members(const MemberSlot& a, const MemberSlot& b) const noexcept {
  if (a.prefix != b.prefix) return a.prefix < b.prefix ? -1 : 1;
  const std::string_view x = name_of(a);
  const std::string_view y = name_of(b);
  if (x == y) return 0;
  return detail::canonical_name_less(x, y) ? -1 : 1;
}

// The canonical form lists an object's members by name (bytewise). Called when member() saw a
// name before the one written ahead of it (and the object is not two short members, which
// sort_members() swaps inline): the innermost object's member ranges (each from its slot's begin
// to the next one's) are ordered by name, checked for a name given twice and copied back in that
// order, through a buffer on the stack.
void KeyBuilder::sort_few_members() {
  const MemberSlot* const slots = members_ + members_base_;
  const std::size_t count = member_count_ - members_base_;
  const std::uint32_t start = slots[0].begin;
  const std::size_t length = size_ - start;
  if (count > 16 || length > 256) return sort_many_members();
  char copy[256];
  copy_bytes(copy, data_ + start, length);
  char* out = data_ + start;
  const auto put = [&](std::size_t m) {
    const std::uint32_t begin = slots[m].begin;
    const std::uint32_t end = m + 1 < count ? slots[m + 1].begin : static_cast<std::uint32_t>(size_);
    copy_bytes(out, copy + (begin - start), end - begin);
    out += end - begin;
  };
  if (count == 2) {
    // Two members out of order (member() saw the second before the first; a name given twice
    // would have been refused there): swapped.
    put(1);
    put(0);
    return;
  }
  // Insertion sort: a handful of members, mostly in order. Each member is compared with the
  // neighbours it ends up between, so a name given twice is seen here.
  std::uint8_t order[16];
  for (std::uint8_t i = 0; i < 16; ++i) order[i] = i;
  for (std::size_t i = 1; i < count; ++i) {
    const std::uint8_t m = order[i];
    const std::uint64_t prefix = slots[m].prefix;
    std::size_t j = i;
    for (; j > 0; --j) {
      const std::uint64_t other = slots[order[j - 1]].prefix;
      if (prefix > other) break;
      if (prefix == other) {
        const int c = compare_members(slots[m], slots[order[j - 1]]);
        if (c == 0) fail("an object with a member name given twice");
        if (c > 0) break;
      }
      order[j] = order[j - 1];
    }
    order[j] = m;
  }
  for (std::size_t i = 0; i < count; ++i) put(order[i]);
}

// sort_members() for an object of more than 16 members or 256 bytes: the same on the heap.
void KeyBuilder::sort_many_members() {
  const MemberSlot* const slots = members_ + members_base_;
  const std::size_t count = member_count_ - members_base_;
  std::vector<std::uint32_t> order(count);
  for (std::size_t i = 0; i < count; ++i) order[i] = static_cast<std::uint32_t>(i);
  const auto by_name = [&](std::uint32_t a, std::uint32_t b) { return compare_members(slots[a], slots[b]) < 0; };
  std::sort(order.begin(), order.end(), by_name);
  for (std::size_t i = 1; i < count; ++i) {
    if (!by_name(order[i - 1], order[i])) fail("an object with a member name given twice");
  }
  const std::uint32_t start = slots[0].begin;
  const std::vector<char> copy(data_ + start, data_ + size_);
  char* out = data_ + start;
  for (const std::uint32_t m : order) {
    const std::uint32_t begin = slots[m].begin;
    const std::uint32_t end = m + 1 < count ? slots[m + 1].begin : static_cast<std::uint32_t>(size_);
    std::memcpy(out, copy.data() + (begin - start), end - begin);
    out += end - begin;
  }
}

// finish() beyond its inline path: misuse, or a key beyond FlatKey's inline bytes or ends, or
// beyond what Value::hash hashes as bytes.
void KeyBuilder::finish_into(FlatKey& out) {
  if (mode_ != top) fail("finish() with a container still open");
  // The closing bracket is written but size_ moves only once nothing can throw: a finish that
  // fails to allocate leaves the builder as it was.
  *reserve(1) = ']';
  const std::size_t size = size_ + 1;
  out.size_ = size;
  out.elements_ = elements_;
  if (size <= FlatKey::inline_capacity) {
    std::memcpy(out.inline_, data_, size);
  } else {
    out.heap_ = std::unique_ptr<char[]>(new char[size]);
    std::memcpy(out.heap_.get(), data_, size);
    out.data_ = out.heap_.get();
  }
  if (elements_ <= FlatKey::inline_ends) {
    std::memcpy(out.ends_, ends_, sizeof ends_);
  } else {
    out.heap_ends_ = std::unique_ptr<std::uint32_t[]>(new std::uint32_t[elements_]);
    std::memcpy(out.heap_ends_.get(), ends_, sizeof ends_);
    std::memcpy(out.heap_ends_.get() + FlatKey::inline_ends, overflow_->ends.data(),
                overflow_->ends.size() * sizeof(std::uint32_t));
  }
  // The hash FlatKey(Value) and hash_key give: XXH3 of these bytes when Value::hash hashes bytes
  // (0 kept as 1, as a Value's node caches it), else the Value's own element-wise hash.
  if (size <= detail::canonical_hash_budget && !wide_) {
    const std::uint64_t h = detail::canonical_hash(out.bytes());
    out.hash_ = h != 0 ? h : 1;
  } else {
    const char* p = out.data_;
    out.hash_ = detail::decode_canonical(p).hash();
  }
  reset();
}

// The inline arrays again, the overflow kept for the next key.
void KeyBuilder::back_inline() noexcept {
  data_ = buffer_;
  capacity_ = buffer_capacity;
  members_ = inline_members_;
  member_capacity_ = inline_members;
  overflow_->frames.clear();
  overflow_->ends.clear();
}

void KeyBuilder::release() noexcept { delete overflow_; }

}  // namespace mfstate
