// mfstate query keys written straight as canonical bytes, without building a Value tree.
//
// FlatKey(Value) first needs the key as a Value: one allocation per container and string, all
// freed again once the bytes are written. A caller that knows the key's shape (a hot lookup
// such as `["user", {id: i, page: 2}]`) writes the same bytes with a KeyBuilder instead: no
// allocation for a key within FlatKey::inline_capacity bytes, one hash at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mfstate/key.hpp"

namespace mfstate {

/// Builds a FlatKey element by element. The builder stands for the key's outer array: each value
/// written at the top is one element. `["user", {"id": 7, "tags": ["a"]}]` is
///
///     KeyBuilder b;
///     b.string("user").begin_object().member("id").integer(7)
///      .member("tags").begin_array().string("a").end_array().end_object();
///     FlatKey key = b.finish();
///
/// The result equals FlatKey(Value) of the same key, bytes and hash: 1.0 is written as 1, -0.0
/// as 0, every NaN as one NaN (FlatKey(Value) accepts NaN too; key_string refuses it), and an
/// object's members may be written in any order (end_object sorts them by name, as the
/// canonical form wants).
///
/// Misuse throws Error(invalid_key) and resets the builder to an empty key, so no half-built
/// key can be finished afterwards: a value inside an object without member() first, member()
/// outside an object or twice in a row, an end_* that closes nothing or the other kind of
/// container, an object with a name given twice, finish() with a container still open. Nesting
/// beyond detail::max_nesting (what a Value allows) throws Error(depth_limit).
///
/// Not copyable or movable (it writes into its own inline buffer); finish() leaves it empty,
/// ready for the next key.
class KeyBuilder {
 public:
  KeyBuilder() noexcept = default;
  KeyBuilder(const KeyBuilder&) = delete;
  KeyBuilder& operator=(const KeyBuilder&) = delete;
  ~KeyBuilder() = default;

  KeyBuilder& null();
  KeyBuilder& boolean(bool b);
  KeyBuilder& integer(std::int64_t i);
  /// A double; an integral one in int64 range is written as that integer (1.0 == 1 in a key).
  KeyBuilder& number(double d);
  KeyBuilder& string(std::string_view s);
  KeyBuilder& begin_array();
  KeyBuilder& end_array();
  KeyBuilder& begin_object();
  /// Names the next value written in the open object.
  KeyBuilder& member(std::string_view name);
  KeyBuilder& end_object();

  /// The key written so far, with its hash (computed once, here). Leaves the builder empty.
  [[nodiscard]] FlatKey finish();
  /// Drops everything written so far.
  void reset() noexcept;

 private:
  // No default member initialisers: a builder's frames are written when opened, not zeroed at
  // construction (a builder is often made for one key).
  struct Frame {
    std::uint32_t start;        // offset of the container's opening byte
    std::uint32_t last_name;    // an object's last member name: offset and length
    std::uint32_t last_length;  //
    std::uint32_t members;
    bool object;
    bool named;   // an object whose next value has its name written
    bool sorted;  // an object whose names so far came in canonical order
  };
  static constexpr std::size_t inline_frames = 16;

  char* reserve(std::size_t more) { return size_ + more <= capacity_ ? data_ + size_ : grow(more); }
  char* grow(std::size_t more);
  void put_tagged(char tag, std::uint64_t bits);
  void before_value();
  void after_value();
  void open(bool object);
  void close();
  void sort_members(std::uint32_t start);
  [[noreturn]] void fail(const char* what);

  FlatKey key_{FlatKey::Empty{}};  // its inline buffer receives the bytes while they fit
  char* data_ = key_.inline_;
  std::size_t size_ = 1;  // the outer array's '[' (written by FlatKey's empty constructor)
  std::size_t capacity_ = FlatKey::inline_capacity;
  std::size_t elements_ = 0;
  std::size_t depth_ = 0;           // open containers inside the outer array
  bool wide_ = false;               // an object of more than 16 members: Value::hash does not hash bytes
  Frame top_;                       // the innermost open container (when depth_ > 0)
  Frame frames_[inline_frames];     // the containers around it
  std::vector<Frame> deep_frames_;  // beyond inline_frames levels
  std::string spill_;               // the bytes, once beyond inline_capacity
  std::vector<std::uint32_t> more_ends_;  // element ends beyond FlatKey's inline ones
};

}  // namespace mfstate
