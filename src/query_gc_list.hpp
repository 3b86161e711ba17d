// Internal: a gc list's time marks. The collectable entries of one gc_time form a circular list,
// oldest first; when each became collectable is told by marks in the list instead of a field in
// every entry (S1: 8 bytes less per entry). A mark holds a time; the entries after it, up to the
// next mark, became collectable at that time. Entries that join in the same millisecond share one
// mark (building a cache of 10^6 entries takes a few hundred marks, where each entry had its time).
//
// Invariants (query_cache.cpp keeps them): a non-empty list starts with a mark; marks are in the
// order of their times; only the last mark may have no entry after it (one that empties before
// that is freed at once, so marks never outnumber entries by more than one per list).
#pragma once

#include <cstdint>

#include "query_entry.hpp"

namespace mfstate::detail {

/// A time mark in a gc list. Its own gc_prev carries mark_bit (links are 8-aligned), which tells
/// a mark from an entry when walking the list.
struct GcMark : GcLink {
  std::int64_t since = 0;
};

inline constexpr std::uintptr_t mark_bit = 1;

inline bool is_mark(const GcLink* l) noexcept {
  return (reinterpret_cast<std::uintptr_t>(l->gc_prev) & mark_bit) != 0;
}
inline GcMark* as_mark(GcLink* l) noexcept { return static_cast<GcMark*>(l); }
/// The link before `l`, whether `l` is a mark or an entry.
inline GcLink* prev_of(const GcLink* l) noexcept {
  return reinterpret_cast<GcLink*>(reinterpret_cast<std::uintptr_t>(l->gc_prev) & ~mark_bit);
}
/// Makes `m` a mark whose previous link is `p`.
inline void link_mark(GcMark* m, GcLink* p) noexcept {
  m->gc_prev = reinterpret_cast<GcLink*>(reinterpret_cast<std::uintptr_t>(p) | mark_bit);
}
/// Sets the link before `l`, keeping whether `l` is a mark.
inline void set_prev(GcLink* l, GcLink* p) noexcept {
  l->gc_prev = reinterpret_cast<GcLink*>(reinterpret_cast<std::uintptr_t>(p) |
                                         (reinterpret_cast<std::uintptr_t>(l->gc_prev) & mark_bit));
}

}  // namespace mfstate::detail
