// Internal: one query of the cache — its resolved options, its compact entry, the state it needs
// only while fetching, failing or observed, and the closed set of transitions applied to it.
//
// Memory layout (the S1 workload keeps 10^6 small entries): an entry is a pooled `Query` of
// 80 bytes that is also the trie node of its key's last element, plus the nodes of the other
// elements it does not share with other keys (32 bytes each, pooled). Everything an entry needs
// only while it fetches, fails or is observed lives in a `QueryCold` allocated on demand; options
// are shared, reference-counted objects (an entry written by set_query_data points at the
// client's defaults), held in the same word as the cold part until there is one (ColdWord).
#pragma once

#include <boost/container/small_vector.hpp>
#include <boost/smart_ptr/intrusive_ptr.hpp>
#include <boost/smart_ptr/intrusive_ref_counter.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "mfstate/query.hpp"
#include "query_async.hpp"
#include "query_index.hpp"
#include "query_retryer.hpp"

namespace mfstate::detail {

struct ClientCore;
class ObserverImpl;

// ---------------------------------------------------------------------------------------------
// Options (query_options.cpp)

struct ResolvedOptions;

/// The live options an app's calls resolved (a list through them, held by its QueryScope): when
/// the app ends, they are found here and no query or fetch keeps running them (query_owner.cpp).
struct OwnedOptions {
  ResolvedOptions* head = nullptr;
};

/// A query's options with every default filled in: TanStack's, then the client's, then the
/// matching set_query_defaults, then the call's (QueryOptions is both the input and the merged
/// form, so an option is declared once). Shared and immutable once built.
struct ResolvedOptions : boost::intrusive_ref_counter<ResolvedOptions, boost::thread_unsafe_counter> {
  ResolvedOptions() = default;
  /// Options with an app's functions in them: listed in `owner` (when not null) while they live,
  /// or until the app ends.
  explicit ResolvedOptions(OwnedOptions* owner) noexcept;
  ResolvedOptions(const ResolvedOptions&) = delete;
  ResolvedOptions& operator=(const ResolvedOptions&) = delete;
  ~ResolvedOptions();

  /// How a fetch stores its data (o.structural_sharing).
  enum class Sharing : std::uint8_t { none, deep, function };
  // What every fetch reads of `o` besides its fetcher, in the counter's padding: on the line the
  // counter and the fetcher share rather than 200 and 290 bytes into `o` (W4 refetches 10^4
  // entries, each with options of its own: two cache misses per fetch). Set by seal().
  NetworkMode network_mode = NetworkMode::online;  // o.network_mode's
  Sharing sharing = Sharing::deep;
  QueryOptions o;
  OwnedOptions* owner = nullptr;  // null: the shell's (or its app has ended)
  ResolvedOptions* prev_owned = nullptr;
  ResolvedOptions* next_owned = nullptr;
  /// Listed options whose fetcher is the app's own (its call gave it). Else the fetcher came from
  /// the shell's defaults: the app's end does not stop a fetch running it (query_owner.cpp).
  bool own_fetcher = false;
  /// Leaves its owner's list (owner null after).
  void unlist() noexcept;
  /// Copies network_mode and sharing from `o`, once `o` is final (every way options are built ends
  /// with it; `o` is not written after).
  void seal() noexcept;
};
using OptionsPtr = boost::intrusive_ptr<const ResolvedOptions>;

/// Copies every option set in `from` over `into` (the one merge rule: a set field wins).
void merge_options(QueryOptions& into, const QueryOptions& from);
void merge_options(MutationOptions& into, const MutationOptions& from);
/// `o` with `gc_time` in place of its own: a copy, listed with the same owner (or `o` itself when
/// it has that gc_time already).
OptionsPtr with_gc_time(const OptionsPtr& o, std::optional<Millis> gc_time);
/// TanStack's defaults, every field set.
const QueryOptions& tanstack_defaults();

// ---------------------------------------------------------------------------------------------
// One entry

enum QueryFlags : std::uint8_t {
  has_data_flag = 1,
  invalidated_flag = 2,
  removed_flag = 4,
  in_gc_list_flag = 8,
  infinite_flag = 16,        // an infinite query (TanStack's queryType 'infinite')
  fetch_forward_flag = 32,   // fetchMeta: the last fetch was a next page
  fetch_backward_flag = 64,  // ... a previous page
};

/// The links of a query in its gc list (a circular list with a sentinel per gc_time, so a query
/// leaves its list without knowing which one it is in; when it joined is told by the list's
/// marks, query_gc_list.hpp).
struct GcLink {
  GcLink* gc_prev = nullptr;
  GcLink* gc_next = nullptr;
};

struct QueryFetch;

/// The state reset_queries restores: the initial data as the entry took it, when it was built or
/// when options brought it while the entry had no data (query-core's #initialState; a later
/// observer's initial data, or its function called again, is not what a reset restores).
struct InitialState {
  Value data;
  Millis updated_at{0};
};

/// What failures leave in an entry: the error fields of its state. Made by the first state that
/// sets one (a failure, or a state written whole), kept with the cold part after (a success resets
/// the error, not the counts); dropped only by a state written whole without any (apply_state).
struct QueryErrors {
  std::uint32_t error_update_count = 0;
  int failure_count = 0;
  Millis error_updated_at{0};
  Value error_detail;
  Value failure_reason_detail;
  std::optional<Error> error;
  std::optional<Error> failure_reason;
};

struct QueryCold {
  // In the order a notification, a refetch and an observer's flush read them: an invalidation
  // walks every observed entry of a prefix and reaches each again to refetch and to flush it (W4:
  // 10^4 entries, each a cache miss per line it touches), so the observers come first and inline
  // (almost every observed entry has one observer: no block of its own to reach).
  boost::container::small_vector<ObserverImpl*, 1> observers;
  OptionsPtr options;  // the entry's options, once it has a cold part (see ColdWord)
  std::shared_ptr<QueryFetch> fetch;
  /// The node the data was structurally shared against when the default sharing made it (the
  /// previous data's), else null. replace_equal_deep returns its `prev` whenever the two are
  /// deep-equal, so data of another node than this one is never deep-equal to it: an observer
  /// that last saw this node knows the data changed without comparing them (W4's observers).
  const Node* shared_against = nullptr;
  /// Null until a state sets an error field (an entry that never failed): its fetch and
  /// the flush of its observers then read no line besides this part's first ones (W4: the 128
  /// bytes of error fields were two more cache misses per entry in each of those passes).
  std::unique_ptr<QueryErrors> errors;
  Value key;  // kept once the entry left the index (observers still see it)
  std::unique_ptr<const InitialState> initial;  // only for an entry that took initial data

  /// The error fields, made at their defaults when there are none. Throws bad_alloc, leaving the
  /// part as it was.
  QueryErrors& make_errors() {
    if (!errors) errors = std::make_unique<QueryErrors>();
    return *errors;
  }
};

/// An entry's options and its cold part in one word (S1: 8 bytes less per entry). Most entries
/// never fetch, fail or are observed, so they have no cold part and the word holds their options
/// (a reference held); the first need of a cold part allocates it, the options move into it and
/// the word points at it (low bit set: both are aligned). A cold part is kept until the entry goes.
/// Reads `cold` as the pointer it replaced (`q.cold->fetch`, `if (q.cold)`).
class ColdWord {
 public:
  ColdWord() = default;
  ColdWord(const ColdWord&) = delete;
  ColdWord& operator=(const ColdWord&) = delete;
  ~ColdWord() {
    if (QueryCold* c = get()) {
      delete c;
    } else if (p_ != nullptr) {
      intrusive_ptr_release(static_cast<const ResolvedOptions*>(p_));
    }
  }

  QueryCold* get() const noexcept {
    return tagged() ? reinterpret_cast<QueryCold*>(static_cast<char*>(p_) - cold_bit) : nullptr;
  }
  QueryCold* operator->() const noexcept { return get(); }
  explicit operator bool() const noexcept { return tagged(); }

  const ResolvedOptions* options() const noexcept {
    if (QueryCold* c = get()) return c->options.get();
    return static_cast<const ResolvedOptions*>(p_);
  }
  void set_options(OptionsPtr o) noexcept {
    if (QueryCold* c = get()) {
      c->options = std::move(o);
      return;
    }
    if (p_ != nullptr) intrusive_ptr_release(static_cast<const ResolvedOptions*>(p_));
    p_ = const_cast<ResolvedOptions*>(o.detach());
  }
  /// The cold part, made when there is none. Throws bad_alloc, leaving the word as it was.
  QueryCold& make() {
    if (QueryCold* c = get()) return *c;
    auto c = std::make_unique<QueryCold>();
    c->options = OptionsPtr(static_cast<const ResolvedOptions*>(p_), false);  // takes the word's reference
    p_ = reinterpret_cast<char*>(c.release()) + cold_bit;
    return *get();
  }

 private:
  static constexpr std::uintptr_t cold_bit = 1;
  static_assert(alignof(QueryCold) > cold_bit && alignof(ResolvedOptions) > cold_bit);
  bool tagged() const noexcept { return (reinterpret_cast<std::uintptr_t>(p_) & cold_bit) != 0; }
  void* p_ = nullptr;  // a ResolvedOptions (a reference held), or a QueryCold + cold_bit
};

/// One entry. Its trie node is a private base: only the index (a friend) links and reads it, so
/// an entry and the leaf of its key are one pooled block. The node comes first, so reading the
/// entry off a node (every exact get) is no pointer adjustment.
struct Query : private TrieNode, GcLink {
  friend class CacheIndex;

  // In the node's six spare bytes (query_index.hpp: where a Value would pad the key element):
  // flags (QueryFlags), status, fetch_status (four bits each), data_update_count.
  using TrieNode::data_update_count;
  using TrieNode::fetch_status;
  using TrieNode::flags;
  using TrieNode::status;
  Value data;
  std::int64_t data_updated_at = 0;
  ColdWord cold;  // its options, and what it needs only while fetching, failing or observed

  /// In the key index (from build until remove); the index rebuilds its key from its path.
  bool in_index() const noexcept { return is_entry(); }
  bool has_data() const noexcept { return flags & has_data_flag; }
  bool invalidated() const noexcept { return flags & invalidated_flag; }
  bool removed() const noexcept { return flags & removed_flag; }
  bool infinite() const noexcept { return flags & infinite_flag; }
  QueryCold& c() { return cold.make(); }
  /// Its resolved options (every entry has them from build on).
  const ResolvedOptions* options() const noexcept { return cold.options(); }
  void set_options(OptionsPtr o) noexcept { cold.set_options(std::move(o)); }
  std::size_t observer_count() const noexcept { return cold ? cold->observers.size() : 0; }
  bool fetching() const noexcept { return cold && cold->fetch; }
  std::uint32_t error_update_count() const noexcept {
    return cold && cold->errors ? cold->errors->error_update_count : 0;
  }
  /// The error fields, or null: all at their defaults.
  const QueryErrors* errors() const noexcept { return cold ? cold->errors.get() : nullptr; }
  QueryErrors* errors() noexcept { return cold ? cold->errors.get() : nullptr; }
  bool is_fetched() const noexcept { return data_update_count + error_update_count() > 0; }
  std::optional<FetchDirection> fetch_direction() const noexcept {
    if (flags & fetch_forward_flag) return FetchDirection::forward;
    if (flags & fetch_backward_flag) return FetchDirection::backward;
    return std::nullopt;
  }
};

// The index reads an entry off its node here, where Query is complete (inline: every exact get
// goes through it).
inline Query* CacheIndex::entry_of(TrieNode* node) noexcept {
  return node != nullptr && node->is_entry() ? static_cast<Query*>(node) : nullptr;
}

/// One caller waiting for a fetch: a future of its own, or one part of a refetch by filters
/// (invalidate_queries, refetch_queries, reset_queries), which counts down that call's Aggregate
/// directly instead of settling a future per refetched query.
struct FetchWaiter {
  std::shared_ptr<FutureState> future;
  std::shared_ptr<Aggregate> part;  // when `future` is null
  std::uint32_t ordinal = 0;        // the part's place in its Aggregate

  void settle(Outcome&& o) const {
    if (future) {
      future->settle(std::move(o));
    } else {
      part->count_down(ordinal, o);
    }
  }
  void settle(const Outcome& o) const {
    if (future) {
      future->settle(o);
    } else {
      part->count_down(ordinal, o);
    }
  }
  /// settle(ok_outcome(v)), without an Outcome for a part (only its count moves).
  void settle_ok(const Value& v) const {
    if (future) {
      future->settle(ok_outcome(v));
    } else {
      part->count_down_ok();
    }
  }
};

/// The callers waiting for a fetch: almost always one, so it is held inline (no allocation).
using FetchWaiters = boost::container::small_vector<FetchWaiter, 1>;

/// The state a fetch reverts to when it is cancelled (query-core's revertState). Kept compact: the
/// entry's own fields, and a whole QueryState only when the entry had error fields set. Most
/// fetches start without, and the QueryFetch holding this then fits a pooled block.
struct RevertState {
  Value data;  // when flags has has_data_flag
  std::int64_t data_updated_at = 0;
  std::uint32_t data_update_count = 0;
  QueryStatus status = QueryStatus::pending;
  FetchStatus fetch_status = FetchStatus::idle;
  std::uint8_t flags = 0;            // the entry's flags (data, invalidated, direction)
  std::unique_ptr<QueryState> full;  // the whole state instead, when it had error fields set
};

/// A hydrated pending query's first attempt: the dehydrating side's fetch, and how to read its data.
struct FetchInitial {
  Future future;
  std::function<Value(const Value&)> transform;
  std::uint32_t attempts = 0;  // the fetch's attempts so far (the first one takes `future`)
};

/// A fetch of one query, its own retryer; shared by every caller waiting for it. Made by
/// std::allocate_shared with BlockAllocator (block_pool.hpp): one pooled block, no malloc (what
/// only some fetches need is held apart, so that the block stays within pool_max_bytes).
struct QueryFetch final : Retryer {
  QueryFetch(ClientCore& c, Query& query, NetworkMode network_mode)
      : Retryer(c, network_mode), core(&c), q(&query) {}
  bool current() const noexcept { return q->cold && q->cold->fetch.get() == this; }

  // First, the small fields fill the retryer's tail padding: the block is then 240 bytes, with its
  // control block's 16 within pool_max_bytes.
  std::optional<FetchDirection> direction;  // an infinite query's page fetch
  bool cancel_silent = false;               // replaced by a newer fetch: leave the state alone
  bool cancel_revert = true;
  ClientCore* core;
  Query* q;
  OptionsPtr options;  // the fetcher, meta and retry options this fetch runs with
  Value key;
  std::shared_ptr<CompletionSink> pager;  // an infinite query's current attempt
  std::unique_ptr<FetchInitial> initial;  // the first attempt's result, when given (hydrate)
  FetchWaiters waiters;
  RevertState revert;  // the state before the fetch

 private:
  bool retry_attempt_now(Outcome& out) override;
  void retry_attempt(const AbortSignal& signal, Completion done) override;
  void retry_settled(Outcome&& o) override;
  void retry_failed(int failure_count, const Error& error, const Value& detail) override;
  void retry_paused() override;
  void retry_resumed() override;
  const Retry& retry_option() const override { return options->o.retry; }
  const RetryDelayOption& retry_delay_option() const override { return options->o.retry_delay; }
};

/// The closed set of state transitions of a query (query-core's Action).
struct QueryAction {
  enum Kind : std::uint8_t { fetch, success, fail, failed, pause, resume, invalidate, set_state };
  explicit QueryAction(Kind k) : kind(k) {}
  // fetch and success name the transitions dispatch_fetch and dispatch_success make (the cache
  // event's action); they are never built as actions.
  Kind kind;
  std::optional<Error> error;         // fail, failed
  Value detail;                       // fail, failed
  int failure_count = 0;              // failed
  const QueryState* state = nullptr;  // set_state
};

// ---------------------------------------------------------------------------------------------
// Transitions and readings of one query (query.cpp). Free functions of a query: the cache they
// live in is passed in, nothing else.

/// Applies `a`, then tells the query's observers and the cache listeners (once per batch).
void dispatch(ClientCore& core, Query& q, QueryAction&& a);
/// Writes state `s` into the entry, telling no one (dispatch's set_state, and a new entry built
/// with a state: query-core's build(client, options, state) tells only `added`).
void apply_state(ClientCore& core, Query& q, const QueryState& s);
/// The fetch and success transitions every fetch makes (QueryAction's fetch and success kinds).
void dispatch_fetch(ClientCore& core, Query& q, std::optional<FetchDirection> direction);
/// `shared_against`: what the data was shared against (replace_data), recorded in the cold part.
void dispatch_success(ClientCore& core, Query& q, Value&& data, Millis at, bool manual,
                      const Node* shared_against);
/// Tells `q`'s observers and the cache's listeners that `q` was invalidated.
void notify_invalidated(ClientCore& core, Query& q);
/// dispatch of QueryAction::invalidate, without building the action (W3c invalidates 10^5
/// entries in one call). `cache_listened`: the cache has listeners. Inline, and no call for an
/// entry nobody hears of (no observer, no listener), most of a wide invalidation.
inline void invalidate(ClientCore& core, Query& q, bool cache_listened) {
  q.flags |= invalidated_flag;
  if (q.cold || cache_listened) notify_invalidated(core, q);
}
/// Data as a successful fetch would set it, without ending a fetch in flight (set_query_data).
Value set_data(ClientCore& core, Query& q, Value&& data, std::optional<Millis> at);
/// Starts a fetch (or joins the one in flight) for `waiter`. `opts` replace the query's options
/// when given. `initial`: the first attempt takes its result (a hydrated pending query's promise).
void fetch_for(ClientCore& core, Query& q, FetchWaiter waiter, const OptionsPtr& opts, bool cancel_refetch,
               std::optional<FetchDirection> direction = std::nullopt, const Future* initial = nullptr,
               std::function<Value(const Value&)> initial_transform = {});
/// fetch_for with a new future, returned.
std::shared_ptr<FutureState> fetch(ClientCore& core, Query& q, const OptionsPtr& opts, bool cancel_refetch,
                                   std::optional<FetchDirection> direction = std::nullopt,
                                   const Future* initial = nullptr,
                                   std::function<Value(const Value&)> initial_transform = {});
/// fetch_for as part `ordinal` of `agg`, which was counted up for it. A fetch paused offline does
/// not hold `agg` back: the part is dropped from it (query-core's refetchQueries).
void fetch_part(ClientCore& core, Query& q, bool cancel_refetch, const std::shared_ptr<Aggregate>& agg);
void cancel_fetch(ClientCore& core, Query& q, CancelOptions opts);
/// The cache's own cancel (a refetch replacing the fetch, a removal, a reset): silent, and its
/// detail has no "revert" (query-core's `cancel({silent: true})`).
void cancel_fetch_silently(ClientCore& core, Query& q);
/// Back to the initial state (initial data, if any), cancelling a fetch in flight.
void reset(ClientCore& core, Query& q);
/// Back to the initial state, a fetch in flight going on (its fetch status kept).
void reset_keeping_fetch(ClientCore& core, Query& q);

/// An infinite query's attempt (query_infinite.cpp): one page in the fetch's direction, or every
/// page again from the first; completes `done` with {"pages", "pageParams"}.
void fetch_pages(ClientCore& core, QueryFetch& f, std::optional<Value> old_data, const AbortSignal& signal,
                 Completion done);
/// The attempt under way of `f` (an infinite query's) reads its next pages with `f`'s options as
/// they are now (they were replaced: their app ended).
void repoint_pager(QueryFetch& f) noexcept;
/// Whether get_next_page_param (forward) or get_previous_page_param (backward) gives a page for
/// infinite `data`.
bool has_page(const QueryOptions& o, const Value& data, FetchDirection direction);

QueryState snapshot(const Query& q);
/// snapshot(q) as a fetch keeps it, and back.
/// Writes it into `r` (a new fetch's, default-constructed: no RevertState built beside it and moved).
void revert_state(const Query& q, RevertState& r);
QueryState state_of(const RevertState& r);
QueryInfo info_of(const ClientCore& core, const Query& q);
/// query-core's isStaleByTime at the client's now: no data, or invalidated (unless static), or
/// older than stale_time. Reads the clock only when the answer depends on it.
bool is_stale_now(const ClientCore& core, const Query& q, Millis stale_time);
/// query-core's isStale: by its observers when observed (a disabled one is never stale), else
/// no data or invalidated.
bool is_stale(const ClientCore& core, const Query& q);
/// Has an enabled observer.
bool is_active(const ClientCore& core, const Query& q);
/// invalidate(core, q, false) of an entry with a cold part while the cache has no listener, in
/// the same pass over its observers (maybe none: a fetch without observers has a cold part too):
/// is_active's answer when that is true and asks no function of the user's (an observer enabled
/// by value comes before any whose `enabled` is a function); false otherwise (inactive, or the
/// answer needs a call).
bool invalidate_observed(ClientCore& core, Query& q);
/// Not to be refetched by filters: observed only by disabled observers, or never fetched.
bool is_disabled(const ClientCore& core, const Query& q);
/// Has an observer whose stale_time is static.
bool is_static(const ClientCore& core, const Query& q);

// Options read for one query: a value at once, a function of the query evaluated out of line.
Millis stale_time_function(const ClientCore& core, const QueryOptions& o, const Query& q);
bool enabled_function(const ClientCore& core, const QueryOptions& o, const Query& q);
inline Millis stale_time_of(const ClientCore& core, const QueryOptions& o, const Query& q) {
  if (const Millis* v = o.stale_time.value_if()) return *v;
  return stale_time_function(core, o, q);
}
inline bool enabled_of(const ClientCore& core, const QueryOptions& o, const Query& q) {
  if (const bool* v = o.enabled.value_if()) return *v;
  return enabled_function(core, o, q);
}
RefetchOn refetch_on_of(const ClientCore& core, const RefetchOnOption& o, const Query& q);
Millis refetch_interval_of(const ClientCore& core, const QueryOptions& o, const Query& q);
/// Structural sharing (or the options' function) of `next` against `prev` (null: no old data).
/// `shared_against`, when given: the node the default sharing (replace_equal_deep) shared against,
/// else null (no old data, sharing off, a function of the options).
Value replace_data(const QueryOptions& o, const Value* prev, Value next, const Node** shared_against = nullptr);
/// Data a fetch or set_query_data brings: shared against the query's data as its options say,
/// then dispatch_success at `at` (default: the time after the sharing). What a structural-sharing
/// function throws leaves the query unchanged.
void store_data(ClientCore& core, Query& q, Value&& next, std::optional<Millis> at, bool manual);
/// Shares the nodes of `next` equal to those of `prev` (query-core's replaceEqualDeep).
Value replace_equal_deep(const Value& prev, Value next);
/// Approximate heap bytes of a value, for max_bytes.
std::size_t approx_bytes(const Value& v) noexcept;

}  // namespace mfstate::detail
