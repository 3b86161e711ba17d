// The JavaScript <-> WebAssembly bridge: how values, callbacks and errors cross.
//
// Values cross as a stream of 32-bit words in one exchange buffer (the Tag enum below is the
// format): JavaScript writes a call's arguments there, records where they end (Control.written),
// and calls an export, which decodes them, checks that it stopped exactly there, and only then does
// anything that could call back into JavaScript; an export writes its results there as its last
// step. A callback into JavaScript gets its arguments the same way, and hands its result back by
// writing it (writeResult) or staging it (mfs_stage) before it returns.
//
// Identity: every array or object handed to JavaScript becomes a deeply frozen object ("twin") tied
// to its node through a slot of the twin table. A node handed out again is sent as a reference to
// its slot, so JavaScript returns the same frozen object (stable identity per version), and a
// frozen object that JavaScript passes back in (a reducer's `{...state, count: 1}`) is sent as a
// reference too, so only what is new crosses. The table retains the nodes it names; a sweep
// releases those only it still holds, and JavaScript drops their twins.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "mfstate/error.hpp"
#include "mfstate/value.hpp"

// ---- imports: implemented by the package's JavaScript (src/wasm.ts) ----
extern "C" {
/// Calls JavaScript function `fn` with the arguments the caller wrote into the exchange buffer.
/// Returns 0, or the id of the error it threw (its message is then in the exchange buffer).
int mfs_js_invoke(std::uint32_t fn);
/// The C++ side now holds function `fn` (functions JavaScript registered for a call that the call
/// did not take are dropped when it returns).
void mfs_js_claim(std::uint32_t fn);
/// The C++ side no longer holds function `fn`.
void mfs_js_release(std::uint32_t fn);
/// The C++ side no longer holds the JavaScript error `id`.
void mfs_js_release_error(std::uint32_t id);
/// Milliseconds since the Unix epoch (Date.now()).
double mfs_js_now();
/// The slots of the twins JavaScript made of a callback's result (post-order), at `at`.
void mfs_js_twins(std::uint32_t at, std::uint32_t count);
}

namespace mfweb {

using mfstate::Value;

/// Word tags of the wire format: the low 4 bits of a header word; the rest is its length or slot.
enum Tag : std::uint32_t {
  tag_null = 0,
  tag_false = 1,
  tag_true = 2,
  tag_int = 3,     // + one word, a signed 32-bit integer
  tag_double = 4,  // + two words, an IEEE double (little-endian halves)
  tag_string = 5,  // length in bytes << 4; + the UTF-8 bytes, padded to whole words
  tag_array = 6,   // count << 4; from C++ + one word, the new slot; + the elements
  tag_object = 7,  // count << 4; from C++ + one word, the new slot; + per member: a key
                   // (length word, bytes) and a value
  tag_ref = 8,     // slot << 4: the node of that twin slot
  tag_undefined = 9,  // only in arguments: an absent optional value
};

/// What JavaScript reads at the address mfs_control() returns. Keep in step with src/wasm.ts.
struct Control {
  std::uint32_t buffer;         // address of the exchange buffer (moves when it grows)
  std::uint32_t buffer_words;   // its capacity in words
  std::uint32_t released;       // address of the slots released by the last sweep
  std::uint32_t released_count; // how many; JavaScript drops their twins, then mfs_twins_dropped()
  std::uint32_t written;        // words JavaScript wrote for the call it is making (Reader::expect_end)
};

Control& control() noexcept;

/// The exchange buffer, as a growable array of words.
class Buffer {
 public:
  /// Room for `words` words; returns the (possibly moved) start. Allocates when it grows.
  static std::uint32_t* reserve(std::size_t words);
  static std::uint32_t* data() noexcept;
};

/// Writes values and scalars into the exchange buffer from its start.
class Writer {
 public:
  Writer() = default;
  void null() { word(tag_null); }
  void boolean(bool b) { word(b ? tag_true : tag_false); }
  void integer(std::int64_t i);
  void number(double d);
  void string(std::string_view s);
  void undefined() { word(tag_undefined); }
  /// A value; arrays and objects become twins (a slot each, or a reference to their slot).
  void value(const Value& v);
  /// As value(v) for an array or object `v` whose twin slot is known to be `slot` (the Reader
  /// just gave it, and the caller holds `v` since): the reference, without looking the slot up.
  void twin(const Value& v, std::uint32_t slot);
  /// Words written so far.
  std::size_t size() const noexcept { return pos_; }

 private:
  void word(std::uint32_t w);
  void raw_bytes(std::string_view s);
  void value_at(const Value& v, std::uint32_t depth);
  std::size_t pos_ = 0;
};

/// Reads values and scalars from the exchange buffer, from its start (or from a given word).
class Reader {
 public:
  explicit Reader(std::size_t start = 0) : pos_(start) {}
  /// The next value. `twin`: JavaScript made twins of its new arrays and objects (post-order);
  /// each gets a slot, listed in `new_slots` in the same order.
  Value value(std::vector<std::uint32_t>* new_slots = nullptr);
  /// The next value as a string (throws invalid_argument naming `what` otherwise).
  std::string string(std::string_view what);
  std::int64_t integer(std::string_view what);
  double number(std::string_view what);
  bool boolean(std::string_view what);
  /// True when the next word is tag_undefined (consumed) or tag_null (not consumed).
  bool next_is_undefined();
  bool next_is_null() const;
  std::size_t position() const noexcept { return pos_; }
  /// Throws unless the values read end exactly where JavaScript's writing of them ended. Every
  /// export that decodes its arguments straight from the buffer calls it before acting: a write
  /// that went wrong (a length that wrapped, a write interleaved with another) fails closed
  /// instead of acting on words that were never meant as values.
  void expect_end() const;

 private:
  std::uint32_t word();
  Value value_at(std::vector<std::uint32_t>* new_slots, std::uint32_t depth);
  std::size_t pos_;
};

/// The twin table: slot -> node it names (retained) and node -> slot.
namespace twins {
/// The slot of `v`'s node, allocating one (retaining the node) when it has none. Sets `fresh`.
std::uint32_t slot_of(const Value& v, bool& fresh);
/// The value a slot names; throws invalid_argument for a slot that names nothing.
const Value& at(std::uint32_t slot);
/// Live slots (for tests and the bench's memory figures).
std::size_t live() noexcept;
/// Releases now every slot whose node only the table still holds (JavaScript drops those twins
/// when the call returns). For the moments that let go of much at once, an app's unmount: without
/// it what the app held would stay until the table's next amortised sweep.
void release_unheld();
}  // namespace twins

/// Tells JavaScript the slots a Reader gave the nodes of a value it wrote with twins (a
/// callback's result, writeKeyAndTwinnedData's data), in the order it made them.
void tell_twins(const std::vector<std::uint32_t>& slots);

/// Reads a callback's result from the exchange buffer and tells JavaScript its twins' slots.
Value read_result();

/// Values JavaScript staged (mfs_stage) for the next export or for a callback's result.
namespace staged {
/// Takes the last `n` staged values, oldest first.
std::vector<Value> take(std::size_t n);
Value pop();
}  // namespace staged

/// A JavaScript exception, carried through C++ (nested in an mfstate::Error or on its own) back to
/// the JavaScript that called in, which rethrows the original object as the cause.
class JsError : public std::exception {
 public:
  JsError(std::uint32_t id, std::string message)
      : ref_(std::make_shared<Ref>(id)), message_(std::move(message)) {}
  const char* what() const noexcept override { return message_.c_str(); }
  std::uint32_t id() const noexcept { return ref_->id; }

 private:
  struct Ref {
    std::uint32_t id;
    explicit Ref(std::uint32_t i) : id(i) {}
    Ref(const Ref&) = delete;
    Ref& operator=(const Ref&) = delete;
    ~Ref() { mfs_js_release_error(id); }
  };
  std::shared_ptr<Ref> ref_;
  std::string message_;
};

/// A JavaScript function the C++ side holds; the last copy's destruction tells JavaScript.
class JsFunction {
 public:
  JsFunction() = default;
  explicit JsFunction(std::uint32_t id) : ref_(id ? std::make_shared<Ref>(id) : nullptr) {}
  explicit operator bool() const noexcept { return ref_ != nullptr; }
  std::uint32_t id() const noexcept { return ref_ ? ref_->id : 0; }
  /// Calls it with the arguments `write(Writer&)` puts into the exchange buffer. Throws JsError
  /// when the function threw.
  template <typename F>
  void call(F&& write) const {
    Writer w;
    write(w);
    invoke();
  }
  /// As call, then takes the value the function staged as its result.
  template <typename F>
  Value call_for_value(F&& write) const {
    call(std::forward<F>(write));
    return staged::pop();
  }
  /// As call, then reads the result the function wrote into the exchange buffer (writeResult):
  /// its new arrays and objects are twins, whose slots JavaScript is told.
  template <typename F>
  Value call_for_result(F&& write) const {
    call(std::forward<F>(write));
    return read_result();
  }

 private:
  struct Ref {
    std::uint32_t id;
    explicit Ref(std::uint32_t i) : id(i) { mfs_js_claim(id); }
    Ref(const Ref&) = delete;
    Ref& operator=(const Ref&) = delete;
    ~Ref() { mfs_js_release(id); }
  };
  void invoke() const;
  std::shared_ptr<Ref> ref_;
};

/// Writes the error in flight (inside a catch) as guarded does.
void write_current_error() noexcept;

/// Runs `fn` for an export: 0 when it returned (or what it returned, a status of its own that is
/// not negative), -1 when it threw, with the error written to the exchange buffer as [code string,
/// message string, JavaScript error id or -1].
template <typename F>
int guarded(F&& fn) noexcept {
  try {
    if constexpr (std::is_void_v<decltype(fn())>) {
      fn();
      return 0;
    } else {
      return fn();
    }
  } catch (...) {
    write_current_error();
    return -1;
  }
}
/// Writes `e` (code, message, JavaScript error nested in it or -1).
void write_error(Writer& w, const mfstate::Error& e);

}  // namespace mfweb
