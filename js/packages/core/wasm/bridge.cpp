#include "bridge.hpp"

#include <boost/unordered/unordered_flat_map.hpp>
#include <emscripten/emscripten.h>

#include <malloc.h>

#include <cassert>
#include <cmath>
#include <cstring>
#include <span>

namespace mfweb {

using mfstate::Error;
using mfstate::ErrorCode;
using mfstate::Member;
using mfstate::MemberName;
using mfstate::Type;

namespace {

std::vector<std::uint32_t>& buffer_words() {
  static std::vector<std::uint32_t> words(1 << 14);
  return words;
}

// JavaScript values nest at most this deep: deeper recursion in V8 runs wasm frames off the end of
// the page's native stack (Value itself allows detail::max_nesting).
constexpr std::uint32_t max_depth = 512;

[[noreturn]] void bad_wire(const char* what) {
  throw Error(ErrorCode::invalid_argument, std::string("mfstate bridge: malformed arguments: ") + what);
}

// ---- the twin table ----
struct TwinTable {
  std::vector<Value> slots;              // index = slot; null when free
  std::vector<std::uint32_t> free;       // reusable slots
  std::vector<std::uint32_t> released;   // freed by the last sweep, until JavaScript drops them
  boost::unordered_flat_map<const void*, std::uint32_t> by_node;
  std::size_t live = 0;
  std::size_t sweep_at = 4096;

  // The slot of v's node, given one if it has none (`fresh`). One probe of by_node either way: a
  // find and then an emplace probed twice, and with 10^5 twins alive each probe is a cache miss
  // (a write of a new key's data asks for a slot every time, and never finds one).
  std::uint32_t slot_of(const Value& v, bool& fresh) {
    auto [it, inserted] = by_node.try_emplace(v.node(), 0);
    fresh = inserted;
    if (!inserted) return it->second;
    try {
      it->second = hold(v);
    } catch (...) {
      by_node.erase(it);  // no entry naming a slot that holds nothing
      throw;
    }
    return it->second;
  }

  // A slot holding v: a free one, or a new one at the end.
  std::uint32_t hold(const Value& v) {
    std::uint32_t slot;
    if (!free.empty()) {
      slot = free.back();
      slots[slot] = v;
      free.pop_back();
    } else {
      slot = static_cast<std::uint32_t>(slots.size());
      slots.push_back(v);
    }
    ++live;
    return slot;
  }

  // Releases every slot whose node nobody but this table holds, repeating while releasing a node
  // lets its children go. Runs when the live slots have doubled since the last sweep, so its cost
  // is amortised over the slots allocated since; and only when C++ starts writing a value for
  // JavaScript, never while it reads one (JavaScript's references in it name slots it believes
  // live until it has dropped what a sweep released).
  void maybe_sweep() {
    if (live >= sweep_at) sweep();
  }

  void sweep() {
    if (!released.empty()) {
      // JavaScript has not dropped the last sweep's twins yet: do not reuse those slots now.
      sweep_at = live * 2;
      return;
    }
    for (bool again = true; again;) {
      again = false;
      for (std::size_t i = slots.size(); i-- > 0;) {
        Value& v = slots[i];
        if (v.is_null() || v.use_count() != 1) continue;
        by_node.erase(v.node());
        v = Value();
        released.push_back(static_cast<std::uint32_t>(i));
        --live;
        again = true;
      }
    }
    sweep_at = std::max<std::size_t>(4096, live * 2);
    Control& c = control();
    c.released = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(released.data()));
    c.released_count = static_cast<std::uint32_t>(released.size());
  }
};

TwinTable& table() {
  static TwinTable t;
  return t;
}

std::vector<Value>& stage_stack() {
  static std::vector<Value> s;
  return s;
}

// The Reader's scratch: an array's elements and an object's members are decoded onto the end of
// these stacks, then moved into the value's node (a nested value uses the space after its
// parent's). Without them each decoded array or object allocated and freed a vector (3% of a
// setQueryData of a new key).
std::vector<Value>& element_stack() {
  static std::vector<Value> s;
  return s;
}
std::vector<Member>& member_stack() {
  static std::vector<Member> s;
  return s;
}

/// One array's or object's part of a scratch stack: from its size at construction to the end.
/// Gives the space back however the decoding ends (a malformed value throws midway); the stack
/// of the outermost value is released when one large value made it big, so what it keeps is
/// bounded by a small constant, not by the largest value ever read.
template <typename T>
class ScratchFrame {
 public:
  explicit ScratchFrame(std::vector<T>& stack) : stack_(stack), base_(stack.size()) {}
  ScratchFrame(const ScratchFrame&) = delete;
  ScratchFrame& operator=(const ScratchFrame&) = delete;
  ~ScratchFrame() {
    stack_.erase(stack_.begin() + static_cast<std::ptrdiff_t>(base_), stack_.end());
    if (base_ == 0 && stack_.capacity() > kept_capacity) std::vector<T>().swap(stack_);
  }
  std::span<T> items() { return std::span<T>(stack_).subspan(base_); }

 private:
  static constexpr std::size_t kept_capacity = 1024;
  std::vector<T>& stack_;
  std::size_t base_;
};

}  // namespace

Control& control() noexcept {
  static Control c{};
  return c;
}

std::uint32_t* Buffer::reserve(std::size_t words) {
  auto& b = buffer_words();
  if (b.size() < words) {
    std::size_t n = b.size();
    while (n < words) n *= 2;
    b.resize(n);
  }
  control().buffer = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(b.data()));
  control().buffer_words = static_cast<std::uint32_t>(b.size());
  return b.data();
}

std::uint32_t* Buffer::data() noexcept { return buffer_words().data(); }

// ---- Writer ----

void Writer::word(std::uint32_t w) {
  auto& b = buffer_words();
  if (pos_ >= b.size()) Buffer::reserve(pos_ + 1);
  b[pos_++] = w;
}

void Writer::integer(std::int64_t i) {
  if (i >= INT32_MIN && i <= INT32_MAX) {
    word(tag_int);
    word(static_cast<std::uint32_t>(static_cast<std::int32_t>(i)));
  } else {
    number(static_cast<double>(i));
  }
}

void Writer::number(double d) {
  std::uint32_t halves[2];
  std::memcpy(halves, &d, sizeof d);
  word(tag_double);
  word(halves[0]);
  word(halves[1]);
}

void Writer::raw_bytes(std::string_view s) {
  std::size_t words = (s.size() + 3) / 4;
  Buffer::reserve(pos_ + words + 1);
  auto* bytes = reinterpret_cast<char*>(buffer_words().data() + pos_);
  std::memcpy(bytes, s.data(), s.size());
  pos_ += words;
}

void Writer::string(std::string_view s) {
  word(tag_string | static_cast<std::uint32_t>(s.size() << 4));
  raw_bytes(s);
}

void Writer::value(const Value& v) {
  table().maybe_sweep();
  value_at(v, 0);
}

void Writer::twin(const Value& v, std::uint32_t slot) {
  // Swept as value() would (a sweep releases only nodes the table alone holds: not v).
  table().maybe_sweep();
  assert(slot < table().slots.size() && table().slots[slot].same_node(v));
  (void)v;
  word(tag_ref | (slot << 4));
}

void Writer::value_at(const Value& v, std::uint32_t depth) {
  switch (v.type()) {
    case Type::null: return null();
    case Type::boolean: return boolean(v.as_bool());
    case Type::integer: return integer(v.as_int());
    case Type::number: return number(v.as_double());
    case Type::string: return string(v.as_string());
    case Type::array:
    case Type::object: break;
  }
  if (depth >= max_depth) {
    throw Error(ErrorCode::depth_limit, "a value nested deeper than " + std::to_string(max_depth) +
                                            " levels cannot be handed to JavaScript");
  }
  bool fresh = false;
  std::uint32_t slot = twins::slot_of(v, fresh);
  if (!fresh) return word(tag_ref | (slot << 4));
  if (v.is_array()) {
    auto items = v.as_array();
    word(tag_array | static_cast<std::uint32_t>(items.size() << 4));
    word(slot);
    for (const Value& e : items) value_at(e, depth + 1);
  } else {
    auto members = v.as_object();
    word(tag_object | static_cast<std::uint32_t>(members.size() << 4));
    word(slot);
    for (const Member& m : members) {
      word(static_cast<std::uint32_t>(m.key.size()));
      raw_bytes(m.key);
      value_at(m.value, depth + 1);
    }
  }
}

// ---- Reader ----

std::uint32_t Reader::word() {
  if (pos_ >= buffer_words().size()) bad_wire("read past the end");
  return buffer_words()[pos_++];
}

bool Reader::next_is_undefined() {
  if (pos_ < buffer_words().size() && buffer_words()[pos_] == tag_undefined) {
    ++pos_;
    return true;
  }
  return false;
}

bool Reader::next_is_null() const { return pos_ < buffer_words().size() && buffer_words()[pos_] == tag_null; }

Value Reader::value(std::vector<std::uint32_t>* new_slots) { return value_at(new_slots, 0); }

void Reader::expect_end() const {
  if (pos_ != control().written) bad_wire("the arguments did not end where JavaScript wrote them");
}

Value Reader::value_at(std::vector<std::uint32_t>* new_slots, std::uint32_t depth) {
  std::uint32_t head = word();
  std::uint32_t arg = head >> 4;
  switch (head & 15) {
    case tag_null:
    case tag_undefined: return Value();
    case tag_false: return Value(false);
    case tag_true: return Value(true);
    case tag_int: return Value(static_cast<std::int32_t>(word()));
    case tag_double: {
      std::uint32_t halves[2] = {word(), word()};
      double d;
      std::memcpy(&d, halves, sizeof d);
      // JavaScript has one number type: an integral double within 2^53 is an integer.
      if (std::trunc(d) == d && std::fabs(d) <= 9007199254740992.0) {
        return Value(static_cast<std::int64_t>(d));
      }
      return Value(d);
    }
    case tag_string: {
      std::size_t words = (arg + 3) / 4;
      if (pos_ + words > buffer_words().size()) bad_wire("string past the end");
      auto* bytes = reinterpret_cast<const char*>(buffer_words().data() + pos_);
      pos_ += words;
      return Value(std::string_view(bytes, arg));
    }
    case tag_array: {
      if (depth >= max_depth) bad_wire("nested too deep");
      std::vector<Value>& stack = element_stack();
      ScratchFrame<Value> frame(stack);
      for (std::uint32_t i = 0; i < arg; ++i) {
        Value item = value_at(new_slots, depth + 1);
        stack.push_back(std::move(item));
      }
      Value v = Value::array_moved_from(frame.items());
      if (new_slots) {
        bool fresh = false;
        new_slots->push_back(twins::slot_of(v, fresh));
      }
      return v;
    }
    case tag_object: {
      if (depth >= max_depth) bad_wire("nested too deep");
      std::vector<Member>& stack = member_stack();
      ScratchFrame<Member> frame(stack);
      for (std::uint32_t i = 0; i < arg; ++i) {
        std::uint32_t len = word();
        std::size_t words = (len + 3) / 4;
        if (pos_ + words > buffer_words().size()) bad_wire("key past the end");
        auto* bytes = reinterpret_cast<const char*>(buffer_words().data() + pos_);
        pos_ += words;
        MemberName name(std::string_view(bytes, len));
        Value value = value_at(new_slots, depth + 1);
        stack.push_back(Member{std::move(name), std::move(value)});
      }
      Value v = Value::object_moved_from(frame.items());
      if (new_slots) {
        bool fresh = false;
        new_slots->push_back(twins::slot_of(v, fresh));
      }
      return v;
    }
    case tag_ref: return twins::at(arg);
    default: bad_wire("unknown tag");
  }
}

std::string Reader::string(std::string_view what) {
  Value v = value();
  if (!v.is_string()) {
    throw Error(ErrorCode::invalid_argument,
                std::string(what) + " must be a string, got " + std::string(mfstate::to_string(v.type())));
  }
  return std::string(v.as_string());
}

std::int64_t Reader::integer(std::string_view what) {
  Value v = value();
  if (!v.is_int()) {
    throw Error(ErrorCode::invalid_argument, std::string(what) + " must be an integer");
  }
  return v.as_int();
}

double Reader::number(std::string_view what) {
  Value v = value();
  if (!v.is_number()) throw Error(ErrorCode::invalid_argument, std::string(what) + " must be a number");
  return v.as_double();
}

bool Reader::boolean(std::string_view what) {
  Value v = value();
  if (!v.is_bool()) throw Error(ErrorCode::invalid_argument, std::string(what) + " must be a boolean");
  return v.as_bool();
}

// ---- twins ----

std::uint32_t twins::slot_of(const Value& v, bool& fresh) { return table().slot_of(v, fresh); }

const Value& twins::at(std::uint32_t slot) {
  TwinTable& t = table();
  if (slot >= t.slots.size() || t.slots[slot].is_null()) bad_wire("reference to a released slot");
  return t.slots[slot];
}

std::size_t twins::live() noexcept { return table().live; }

void twins::release_unheld() { table().sweep(); }

// ---- staged values ----

std::vector<Value> staged::take(std::size_t n) {
  auto& s = stage_stack();
  if (s.size() < n) bad_wire("fewer staged values than expected");
  std::vector<Value> out(std::make_move_iterator(s.end() - static_cast<std::ptrdiff_t>(n)),
                         std::make_move_iterator(s.end()));
  s.resize(s.size() - n);
  return out;
}

Value staged::pop() {
  auto& s = stage_stack();
  if (s.empty()) bad_wire("no staged value");
  Value v = std::move(s.back());
  s.pop_back();
  return v;
}

void tell_twins(const std::vector<std::uint32_t>& slots) {
  mfs_js_twins(static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(slots.data())),
               static_cast<std::uint32_t>(slots.size()));
}

Value read_result() {
  Reader r;
  std::vector<std::uint32_t> slots;
  Value v = r.value(&slots);
  r.expect_end();
  tell_twins(slots);
  return v;
}

// ---- functions and errors ----

void JsFunction::invoke() const {
  int err = mfs_js_invoke(ref_->id);
  if (err != 0) {
    Reader r;
    std::string message = r.string("error message");
    r.expect_end();
    throw JsError(static_cast<std::uint32_t>(err), std::move(message));
  }
}

namespace {
// The JavaScript error an Error reports, directly or nested (a reducer_error nests what its
// reducer threw): by Error::cause, the module being built without RTTI (no dynamic_cast).
int js_error_id(const Error& e) {
  const std::exception_ptr cause = e.cause();
  if (!cause) return -1;
  try {
    std::rethrow_exception(cause);
  } catch (const JsError& j) {
    return static_cast<int>(j.id());
  } catch (const Error& inner) {
    return js_error_id(inner);
  } catch (...) {
  }
  return -1;
}
}  // namespace

void write_error(Writer& w, const Error& e) {
  w.string(mfstate::to_string(e.code()));
  w.string(e.what());
  w.integer(js_error_id(e));
}

void write_current_error() noexcept {
  try {
    try {
      throw;
    } catch (const Error& e) {
      Writer w;
      write_error(w, e);
    } catch (const JsError& e) {
      Writer w;
      w.string("js_error");
      w.string(e.what());
      w.integer(e.id());
    } catch (const std::bad_alloc&) {
      Writer w;
      w.string("out_of_memory");
      w.string("out of memory");
      w.integer(-1);
    } catch (const std::exception& e) {
      Writer w;
      w.string("internal");
      w.string(e.what());
      w.integer(-1);
    } catch (...) {
      Writer w;
      w.string("internal");
      w.string("unknown exception");
      w.integer(-1);
    }
  } catch (...) {
    // Writing the error failed (no memory for the buffer): the caller sees -1 and an empty message.
  }
}

}  // namespace mfweb

// ---- exports of the bridge itself ----
extern "C" {

/// The address of the Control block. Called once at start-up.
EMSCRIPTEN_KEEPALIVE std::uint32_t mfs_control() {
  mfweb::Buffer::reserve(0);
  return static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(&mfweb::control()));
}

/// Grows the exchange buffer to at least `words` words; returns its address (also in Control).
EMSCRIPTEN_KEEPALIVE std::uint32_t mfs_reserve(std::uint32_t words) {
  try {
    return static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(mfweb::Buffer::reserve(words)));
  } catch (...) {
    return 0;
  }
}

/// Decodes `count` values JavaScript wrote into the exchange buffer and stages them. When `twin`
/// is set JavaScript made twins of the new arrays and objects: their slots are written back into
/// the buffer as [n, slot...] in the order JavaScript listed them (post-order). Returns 0 or -1
/// (error written).
EMSCRIPTEN_KEEPALIVE int mfs_stage(std::uint32_t count, int twin) {
  return mfweb::guarded([&] {
    mfweb::Reader r;
    std::vector<std::uint32_t> slots;
    std::vector<mfstate::Value> values;
    values.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) values.push_back(r.value(twin ? &slots : nullptr));
    r.expect_end();
    auto& s = mfweb::stage_stack();
    for (auto& v : values) s.push_back(std::move(v));
    if (twin) {
      std::uint32_t* out = mfweb::Buffer::reserve(slots.size() + 1);
      out[0] = static_cast<std::uint32_t>(slots.size());
      std::copy(slots.begin(), slots.end(), out + 1);
    }
  });
}

/// Drops staged values nobody took (after an export failed before taking them).
EMSCRIPTEN_KEEPALIVE void mfs_unstage(std::uint32_t keep) {
  auto& s = mfweb::stage_stack();
  if (s.size() > keep) s.resize(keep);
}

EMSCRIPTEN_KEEPALIVE std::uint32_t mfs_staged_count() {
  return static_cast<std::uint32_t>(mfweb::stage_stack().size());
}

/// JavaScript dropped the twins of the slots the last sweep released: they may be reused.
EMSCRIPTEN_KEEPALIVE void mfs_twins_dropped() {
  auto& t = mfweb::table();
  for (std::uint32_t s : t.released) t.free.push_back(s);
  t.released.clear();
  mfweb::control().released_count = 0;
}

/// Bytes of the module's heap in use (diagnostics: the bench's memory per entry).
EMSCRIPTEN_KEEPALIVE double mfs_heap_used() { return static_cast<double>(mallinfo().uordblks); }

/// Live twin slots (diagnostics).
EMSCRIPTEN_KEEPALIVE std::uint32_t mfs_twins_live() { return static_cast<std::uint32_t>(mfweb::twins::live()); }
}
