// The floor (WORKLOADS.md "The floor"): the least hand-written C++20 that does a workload's
// observable work with no library. Each workload file runs its floor beside mfstate's loop, in
// the same process; mfstate / floor is how close the library is to the limit.
//
// What a careful programmer writing one app by hand would write, and no less:
// - states and payloads are typed structs; their shared immutable parts sit behind a non-atomic
//   reference count (Rc), so a snapshot or a published payload is a pointer copy;
// - reducers and subscribers are std::function; a dispatch made during a dispatch or a
//   notification is queued and run after it, never recursively; a throwing reducer leaves the
//   state as it was; subscribers are told once per outermost dispatch (Store);
// - query keys are written as canonical bytes (a tag per element, object members in sorted
//   order, written so by hand) into a buffer on the stack and hashed once with XXH3 (KeyBytes);
//   the cache is an open-addressing table of those hashes, and every entry is also linked under
//   each prefix of its key, so a prefix invalidation walks only what it matches (Cache).
// None of it is generic beyond what the workloads need: the floor is a limit, not a library.
#pragma once

#include <xxhash.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "harness.hpp"

namespace mfstate::bench::fl {

/// Shared immutable data behind a non-atomic reference count: copying is one increment.
template <class T>
class Rc {
 public:
  Rc() = default;
  template <class... A>
  static Rc make(A&&... args) {
    Rc r;
    r.box_ = new Box{1, T{std::forward<A>(args)...}};
    return r;
  }
  Rc(const Rc& o) noexcept : box_(o.box_) {
    if (box_) ++box_->refs;
  }
  Rc(Rc&& o) noexcept : box_(std::exchange(o.box_, nullptr)) {}
  Rc& operator=(Rc o) noexcept {
    std::swap(box_, o.box_);
    return *this;
  }
  ~Rc() {
    if (box_ && --box_->refs == 0) delete box_;
  }
  const T& operator*() const noexcept { return box_->value; }
  const T* operator->() const noexcept { return &box_->value; }
  explicit operator bool() const noexcept { return box_ != nullptr; }
  /// The same object (not only an equal one).
  bool same(const Rc& o) const noexcept { return box_ == o.box_; }

 private:
  struct Box {
    std::uint32_t refs;
    T value;
  };
  Box* box_ = nullptr;
};

/// A string-keyed std::unordered_map that finds by std::string_view without building a string.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
template <class V>
using NameMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

/// One store: typed state, a std::function reducer, std::function subscribers. Redux's semantics
/// as mfstate's Store has them: re-entrant dispatch queued, a throwing reducer changes nothing,
/// subscribers told once per outermost operation with the final state.
template <class State, class Action>
class Store {
 public:
  using Reducer = std::function<State(const State&, const Action&)>;
  using Listener = std::function<void(const State&)>;

  Store(State initial, Reducer reducer) : state_(std::move(initial)), reducer_(std::move(reducer)) {}
  const State& state() const noexcept { return state_; }
  void subscribe(Listener l) { listeners_.push_back(std::move(l)); }

  /// Reduces `action` and notifies; queued when called while busy.
  void dispatch(const Action& action) {
    if (busy_) {
      queue_.push_back(action);
      return;
    }
    apply(action);
    flush();
  }
  /// Reduces without notifying (a transaction notifies once, after every store changed).
  void apply(const Action& action) {
    if (busy_) {
      queue_.push_back(action);
      return;
    }
    busy_ = true;
    Idle idle{*this};
    reduce(action);
    for (std::size_t i = 0; i < queue_.size(); ++i) reduce(Action(queue_[i]));
  }
  /// Tells the subscribers, once, when something changed since the last time.
  void flush() {
    while (dirty_) {
      dirty_ = false;
      busy_ = true;
      {
        Idle idle{*this};
        const std::size_t n = listeners_.size();
        for (std::size_t i = 0; i < n; ++i) listeners_[i](state_);
      }
      // What subscribers dispatched waited for the round to end.
      if (!queue_.empty()) {
        std::vector<Action> pending;
        pending.swap(queue_);
        for (const Action& a : pending) apply(a);
      }
    }
  }
  /// For a transaction: the state to restore if a later step throws, and the restore.
  const State& snapshot() const noexcept { return state_; }
  void restore(State s) noexcept {
    state_ = std::move(s);
    dirty_ = false;
  }

 private:
  struct Idle {
    Store& s;
    ~Idle() {
      s.busy_ = false;
      s.queue_.clear();
    }
  };
  // The new state replaces the old one only once the reducer returned.
  void reduce(const Action& action) {
    state_ = reducer_(state_, action);
    dirty_ = true;
  }

  State state_;
  Reducer reducer_;
  std::vector<Listener> listeners_;
  std::vector<Action> queue_;
  bool busy_ = false;
  bool dirty_ = false;
};

/// A query key as canonical bytes in a buffer on the stack: each element self-delimiting (a tag,
/// then its bytes), so the bytes of a key's prefix are a prefix of its bytes. The writer orders
/// object members itself (sorted), as a programmer writing keys by hand does. Hashed once.
class KeyBytes {
 public:
  static constexpr std::size_t capacity = 120;
  static constexpr std::size_t max_elements = 6;

  KeyBytes& str(std::string_view s) {
    put('s');
    name(s);
    return end_value();
  }
  KeyBytes& num(std::int64_t i) {
    put('i');
    room(sizeof i);
    std::memcpy(buf_ + size_, &i, sizeof i);
    size_ += sizeof i;
    return end_value();
  }
  KeyBytes& object() {
    put('{');
    ++depth_;
    return *this;
  }
  KeyBytes& array() {
    put('[');
    ++depth_;
    return *this;
  }
  KeyBytes& end() {
    put('}');
    --depth_;
    return end_value();
  }
  /// An object member's name (members must come in sorted order).
  KeyBytes& key(std::string_view s) {
    name(s);
    return *this;
  }

  std::string_view bytes() const noexcept { return {buf_, size_}; }
  /// The bytes of the key's first `k` elements.
  std::string_view prefix(std::size_t k) const noexcept {
    return {buf_, k == 0 ? std::size_t{0} : std::size_t{ends_[k - 1]}};
  }
  std::size_t elements() const noexcept { return elements_; }
  std::uint64_t hash() const noexcept { return XXH3_64bits(buf_, size_); }

 private:
  void room(std::size_t n) { check(size_ + n <= capacity, "floor key fits its buffer"); }
  void put(char c) {
    room(1);
    buf_[size_++] = c;
  }
  void name(std::string_view s) {
    check(s.size() < 256, "floor key string under 256 bytes");
    room(1 + s.size());
    buf_[size_++] = static_cast<char>(s.size());
    std::memcpy(buf_ + size_, s.data(), s.size());
    size_ += s.size();
  }
  KeyBytes& end_value() {
    if (depth_ == 0) {
      check(elements_ < max_elements, "floor key element count");
      ends_[elements_++] = static_cast<std::uint8_t>(size_);
    }
    return *this;
  }

  char buf_[capacity];
  std::size_t size_ = 0;
  std::uint8_t ends_[max_elements] = {};
  std::size_t elements_ = 0;
  int depth_ = 0;
};

/// A hash table of 64-bit hashes to pointers: open addressing, linear probing, at most half full.
/// Equality is confirmed by the caller (`same`) on the stored pointer.
template <class T>
class HashTable {
 public:
  template <class Same>
  T* find(std::uint64_t hash, Same&& same) const noexcept {
    if (slots_.empty()) return nullptr;
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.item == nullptr) return nullptr;
      if (s.hash == hash && same(s.item)) return s.item;
    }
  }
  void insert(std::uint64_t hash, T* item) {
    if (2 * (count_ + 1) > slots_.size()) grow();
    place(hash, item);
    ++count_;
  }
  std::size_t size() const noexcept { return count_; }

 private:
  struct Slot {
    std::uint64_t hash;
    T* item;
  };
  void place(std::uint64_t hash, T* item) {
    std::size_t i = hash & mask_;
    while (slots_[i].item != nullptr) i = (i + 1) & mask_;
    slots_[i] = Slot{hash, item};
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, Slot{0, nullptr});
    mask_ = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.item) place(s.hash, s.item);
    }
  }
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t count_ = 0;
};

/// The query cache: entries by whole-key hash, each also linked under every proper prefix of its
/// key. A prefix's slot in its own table points at the first entry that had it; the others follow
/// through the entries' links of that level, so a prefix costs no allocation of its own. An entry
/// is one allocation: its fields, a link per level, then its key bytes.
template <class Data>
class Cache {
 public:
  using Listener = std::function<void(const Data&)>;
  /// What an observed entry has besides its data: its fetcher and its observers.
  struct Observed {
    std::function<Data()> fetcher;
    std::vector<Listener> listeners;
  };

  struct Entry {
    Rc<Data> data;
    std::int64_t updated_at = 0;
    Entry* gc_next = nullptr;  // the gc list: entries oldest first (collected after gc_time)
    std::unique_ptr<Observed> observed;
    bool invalidated = false;
    std::uint8_t levels = 0;  // proper prefixes: elements - 1
    std::uint8_t key_size = 0;
    std::uint8_t ends[KeyBytes::max_elements] = {};  // where each element's bytes end

    Entry** next() noexcept { return reinterpret_cast<Entry**>(this + 1); }
    const char* key() const noexcept {
      return reinterpret_cast<const char*>(reinterpret_cast<Entry* const*>(this + 1) + levels);
    }
    std::string_view key_view() const noexcept { return {key(), key_size}; }
    /// Whether this entry's key starts with the first `level + 1` elements `bytes`.
    bool under(std::size_t level, std::string_view bytes) const noexcept {
      return level < levels && ends[level] == bytes.size() &&
             std::memcmp(key(), bytes.data(), bytes.size()) == 0;
    }
  };

  Cache() = default;
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;
  ~Cache() {
    for (Entry* e = gc_head_; e != nullptr;) {
      Entry* next = e->gc_next;
      e->~Entry();
      ::operator delete(e);
      e = next;
    }
  }

  /// The entry of exactly `k`, or nullptr: one hash, one probe, one memcmp.
  Entry* find(const KeyBytes& k) const noexcept { return find(k, k.hash()); }

  /// The entry of `k`, made (without data) and linked when new.
  Entry& ensure(const KeyBytes& k) {
    const std::uint64_t h = k.hash();
    Entry* e = find(k, h);
    return e != nullptr ? *e : *insert(k, h);
  }

  /// setQueryData: the entry's data replaced (the entry made, and linked, when new).
  Entry& set(const KeyBytes& k, Rc<Data> data, std::int64_t now) {
    const std::uint64_t h = k.hash();
    Entry* e = find(k, h);
    if (e == nullptr) e = insert(k, h);
    e->data = std::move(data);
    e->updated_at = now;
    e->invalidated = false;
    return *e;
  }

  /// Calls fn(entry) for every entry whose key starts with `k` (k's own entry included).
  template <class Fn>
  void for_each_under(const KeyBytes& k, Fn&& fn) {
    const std::uint64_t h = k.hash();
    const std::size_t level = k.elements() - 1;
    const std::string_view bytes = k.bytes();
    if (Entry* head = prefixes_.find(h, [&](const Entry* x) { return x->under(level, bytes); })) {
      for (Entry* e = head; e != nullptr; e = e->next()[level]) fn(*e);
    }
    if (Entry* e = find(k, h)) fn(*e);
  }

  std::size_t size() const noexcept { return entries_.size(); }

 private:
  Entry* find(const KeyBytes& k, std::uint64_t h) const noexcept {
    const std::string_view bytes = k.bytes();
    return entries_.find(h, [&](const Entry* e) { return e->key_view() == bytes; });
  }

  Entry* insert(const KeyBytes& k, std::uint64_t h) {
    const std::size_t levels = k.elements() - 1;
    const std::string_view bytes = k.bytes();
    void* raw = ::operator new(sizeof(Entry) + levels * sizeof(Entry*) + bytes.size());
    Entry* e = new (raw) Entry{};
    e->levels = static_cast<std::uint8_t>(levels);
    e->key_size = static_cast<std::uint8_t>(bytes.size());
    for (std::size_t i = 0; i < k.elements(); ++i)
      e->ends[i] = static_cast<std::uint8_t>(k.prefix(i + 1).size());
    std::memcpy(const_cast<char*>(e->key()), bytes.data(), bytes.size());
    entries_.insert(h, e);
    (gc_tail_ ? gc_tail_->gc_next : gc_head_) = e;
    gc_tail_ = e;
    // Linked under each proper prefix (each prefix hashed here, once per new entry). The first
    // entry with a prefix holds its slot; later ones are linked in right after it.
    for (std::size_t level = 0; level < levels; ++level) {
      const std::string_view pre = k.prefix(level + 1);
      const std::uint64_t ph = XXH3_64bits(pre.data(), pre.size());
      Entry* head = prefixes_.find(ph, [&](const Entry* x) { return x->under(level, pre); });
      if (head == nullptr) {
        e->next()[level] = nullptr;
        prefixes_.insert(ph, e);
      } else {
        e->next()[level] = head->next()[level];
        head->next()[level] = e;
      }
    }
    return e;
  }

  HashTable<Entry> entries_;
  HashTable<Entry> prefixes_;
  // Every entry in the order it became inactive (none is ever observed and then left here): the
  // list a gc_time sweep would take from the front.
  Entry* gc_head_ = nullptr;
  Entry* gc_tail_ = nullptr;
};

}  // namespace mfstate::bench::fl
