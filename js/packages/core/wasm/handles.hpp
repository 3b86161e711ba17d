// Integer handles for the C++ objects JavaScript holds (hosts, apps, subscriptions, ...).
//
// A handle is an index and a generation: a released index is reused with a new generation, so a
// stale handle kept by JavaScript (a `next` kept by a middleware after its store died) can never
// act on the object that took its place; it is an invalid_argument error instead. An index whose
// generations are used up is retired, never reused, so no stale handle can ever match again.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mfstate/error.hpp"

namespace mfweb {

/// Out of line and shared by every table: the message is built once in the module, not per type.
[[noreturn, gnu::noinline]] inline void throw_full(const char* what) {
  throw mfstate::Error(mfstate::ErrorCode::size_limit,
                       std::string("too many live ") + what + " handles (1048575): end some first");
}

template <typename T>
class HandleTable {
 public:
  explicit HandleTable(const char* what) : what_(what) {}

  /// Stores `item`; returns its handle (never 0). Allocates when the table grows. Throws
  /// size_limit when every index is taken: past them a new index would spill into the generation
  /// bits and decode as another entry's handle (whoever held it could end someone else's entry).
  std::uint32_t add(std::unique_ptr<T> item) {
    std::uint32_t index;
    if (!free_.empty()) {
      index = free_.back();
      free_.pop_back();
    } else {
      if (entries_.size() >= max_entries) throw_full(what_);
      index = static_cast<std::uint32_t>(entries_.size());
      entries_.push_back(Entry{});
    }
    Entry& e = entries_[index];
    e.item = std::move(item);
    ++e.generation;
    return (e.generation << index_bits) | (index + 1);
  }

  /// The object behind `handle`; throws invalid_argument for a released or unknown handle.
  T& get(std::uint32_t handle) const {
    T* t = find(handle);
    if (!t) throw mfstate::Error(mfstate::ErrorCode::invalid_argument, std::string(what_) + " handle is no longer valid");
    return *t;
  }

  /// The object behind `handle`, or nullptr.
  T* find(std::uint32_t handle) const noexcept {
    std::uint32_t index = (handle & index_mask);
    if (index == 0 || index > entries_.size()) return nullptr;
    const Entry& e = entries_[index - 1];
    if (!e.item || e.generation != (handle >> index_bits)) return nullptr;
    return e.item.get();
  }

  /// Takes the object out (it is destroyed by the caller, after the handle is already invalid:
  /// its destructor may re-enter the table). No-op for an invalid handle.
  std::unique_ptr<T> take(std::uint32_t handle) noexcept {
    if (!find(handle)) return nullptr;
    std::uint32_t index = (handle & index_mask) - 1;
    std::unique_ptr<T> out = std::move(entries_[index].item);
    if (entries_[index].generation < generation_max) free_.push_back(index);
    return out;
  }

  std::size_t size() const noexcept { return entries_.size() - free_.size(); }

 private:
  static constexpr std::uint32_t index_bits = 20;
  static constexpr std::uint32_t index_mask = (1u << index_bits) - 1;
  /// Indices run 1..index_mask in a handle (0 is never a handle).
  static constexpr std::size_t max_entries = index_mask;
  static_assert(max_entries == 1048575, "throw_full's message names the capacity");
  // 11 bits of generation keep handles positive as JavaScript's int32.
  static constexpr std::uint32_t generation_max = (1u << (32 - index_bits - 1)) - 1;
  struct Entry {
    std::unique_ptr<T> item;
    std::uint32_t generation = 0;
  };
  const char* what_;
  std::vector<Entry> entries_;
  std::vector<std::uint32_t> free_;
};

}  // namespace mfweb
