// Internal: the query cache's data structures, shared by query_client.cpp, query.cpp,
// query_cache_index.cpp, query_observer.cpp, retryer.cpp and mutation.cpp.
//
// Memory layout (the S1 workload keeps 10^6 small entries): an entry is a pooled `Query` of
// 80 bytes plus the trie nodes of the key elements it does not share with other keys (40 bytes
// each, pooled). Everything an entry needs only while it fetches, fails or is observed lives in a
// `QueryCold` allocated on demand; options are shared, reference-counted objects (an entry written
// by set_query_data points at the client's defaults).
#pragma once

#include <boost/smart_ptr/intrusive_ptr.hpp>
#include <boost/smart_ptr/intrusive_ref_counter.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "mfstate/mutation.hpp"
#include "mfstate/query.hpp"

namespace mfstate::detail {

// ---------------------------------------------------------------------------------------------
// Fixed-size object pool: slabs of objects, a free list through freed slots. Avoids malloc's
// per-chunk overhead (16 bytes on glibc) for the millions of small entries and trie nodes.

template <typename T>
class Pool {
 public:
  Pool() = default;
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  ~Pool() {
    for (void* s : slabs_) ::operator delete(s);
  }
  template <typename... A>
  T* make(A&&... args) {
    void* p;
    if (free_ != nullptr) {
      p = free_;
      free_ = free_->next;
    } else {
      if (used_ == slab_size) {
        slabs_.push_back(::operator new(sizeof(Slot) * slab_size));
        used_ = 0;
      }
      p = static_cast<Slot*>(slabs_.back()) + used_++;
    }
    return ::new (p) T(std::forward<A>(args)...);
  }
  void destroy(T* t) noexcept {
    t->~T();
    auto* f = reinterpret_cast<FreeSlot*>(t);
    f->next = free_;
    free_ = f;
  }

 private:
  struct FreeSlot {
    FreeSlot* next;
  };
  union Slot {
    FreeSlot f;
    alignas(T) unsigned char bytes[sizeof(T)];
  };
  static constexpr std::size_t slab_size = 512;
  std::vector<void*> slabs_;
  std::size_t used_ = slab_size;
  FreeSlot* free_ = nullptr;
};

// ---------------------------------------------------------------------------------------------
// Futures, abort signals, completions

struct Aggregate;

struct FutureState {
  Batcher* batcher = nullptr;
  bool settled = false;
  Outcome outcome;
  std::vector<std::function<void(const Outcome&)>> callbacks;
  /// The all_of this future is part of (counted down when it settles, without a callback).
  std::shared_ptr<Aggregate> aggregate;

  /// Settles once; callbacks run through the batcher. Later calls are ignored.
  void settle(Outcome o);
};

/// all_of's countdown: settles `result` (with null) when `left` reaches 0.
struct Aggregate {
  std::size_t left = 0;
  std::shared_ptr<FutureState> result;
};

std::shared_ptr<FutureState> make_future(Batcher& b);
std::shared_ptr<FutureState> settled_future(Batcher& b, Outcome o);
/// Settles with null when every one of `parts` has settled (errors included, as query-core's
/// refetchQueries). Each part must belong to no other all_of.
std::shared_ptr<FutureState> all_of(Batcher& b, const std::vector<std::shared_ptr<FutureState>>& parts);

struct AbortState {
  std::atomic<bool> aborted{false};
  std::mutex mutex;
  std::vector<std::function<void()>> callbacks;
  void abort();
};

struct CompletionState : std::enable_shared_from_this<CompletionState> {
  std::mutex mutex;
  std::atomic<bool> done{false};
  bool in_call = true;          // the runtime thread is still inside the fetcher call
  std::optional<Outcome> early;  // an outcome given before the fetcher returned
  Executor* executor = nullptr;
  /// The retryer and attempt this completes (a weak_ptr: safe to drop on any thread).
  std::weak_ptr<class Retryer> retryer;
  std::uint32_t attempt = 0;
  bool complete(Outcome o);
};

Outcome outcome_of_exception(std::exception_ptr e);
Error cancelled_error(const std::string& what);

// ---------------------------------------------------------------------------------------------
// Options

struct ResolvedOptions : boost::intrusive_ref_counter<ResolvedOptions, boost::thread_unsafe_counter> {
  Fetcher fetcher;
  Millis stale_time{0};
  Millis gc_time{5 * 60 * 1000};
  int retry = 3;
  RetryPredicate retry_if;
  RetryDelay retry_delay;
  NetworkMode network_mode = NetworkMode::online;
  bool structural_sharing = true;
  Value meta;
  std::optional<Value> initial_data;
  std::optional<Millis> initial_data_updated_at;
  // observer options
  bool enabled = true;
  std::optional<Millis> refetch_interval;
  bool refetch_interval_in_background = false;
  RefetchOn refetch_on_mount = RefetchOn::if_stale;
  RefetchOn refetch_on_window_focus = RefetchOn::if_stale;
  RefetchOn refetch_on_reconnect = RefetchOn::if_stale;
  bool retry_on_mount = true;
  std::optional<Value> placeholder_data;
  std::function<Value(const Value&)> select;
};
using OptionsPtr = boost::intrusive_ptr<const ResolvedOptions>;

// ---------------------------------------------------------------------------------------------
// Retries (retryer.cpp): one fetch or mutation, attempt after attempt.

/// What a retryer works for (a query's fetch or a mutation). The owner owns the retryer.
class RetryerOwner {
 public:
  virtual ~RetryerOwner() = default;
  /// Starts one attempt.
  virtual void retry_attempt(const AbortSignal& signal, Completion done) = 0;
  /// The final outcome (success, last failure, or cancelled).
  virtual void retry_settled(Outcome&& o) = 0;
  virtual void retry_failed(int /*failure_count*/, const Error& /*error*/) {}
  virtual void retry_paused() {}
  virtual void retry_resumed() {}
};

class Retryer : public std::enable_shared_from_this<Retryer> {
 public:
  struct Config {
    int retry = 3;
    RetryPredicate retry_if;
    RetryDelay retry_delay;
    NetworkMode network_mode = NetworkMode::online;
  };
  Retryer(ClientCore& core, Config config, RetryerOwner* owner);
  ~Retryer();
  /// Runs the first attempt, or pauses when the network mode forbids it now.
  void start();
  /// Aborts the signal and settles with Error(cancelled). No-op once settled.
  void cancel();
  /// Resumes when paused and allowed to continue now.
  void try_continue();
  /// No further retries after the attempt in flight (its last observer left).
  void cancel_retry() noexcept { retry_cancelled_ = true; }
  bool settled() const noexcept { return settled_; }
  bool paused() const noexcept { return paused_; }
  /// Detaches from the client (it is being destroyed): nothing will be delivered any more.
  void orphan() noexcept;
  /// The owner is going away.
  void forget_owner() noexcept { owner_ = nullptr; }
  /// An attempt's outcome arrived through the executor (runtime thread).
  void deliver(std::uint32_t attempt, Outcome&& o);

 private:
  void run();
  void on_outcome(std::uint32_t attempt, Outcome&& o);
  void pause();
  void finish(Outcome&& o);
  bool can_continue() const;

  ClientCore* core_;
  Config config_;
  RetryerOwner* owner_;
  std::shared_ptr<AbortState> abort_;
  std::uint32_t attempt_no_ = 0;
  int failure_count_ = 0;
  TimerId delay_timer_ = 0;
  bool settled_ = false;
  bool paused_ = false;
  bool retry_cancelled_ = false;
  bool started_ = false;
};

// ---------------------------------------------------------------------------------------------
// The key index (query_cache_index.cpp): a trie over key elements.

struct Query;

struct TrieNode {
  explicit TrieNode(Value e, TrieNode* p) : element(std::move(e)), parent(p) {}
  Value element;               // this level's key element
  TrieNode* parent;            // nullptr for the root
  Query* entry = nullptr;      // the query whose key ends here, if any
  std::uintptr_t children = 0;  // 0: none; low bit 0: the only child; low bit 1: a ChildSet*
};

struct NodeHash {
  using is_transparent = void;
  std::size_t operator()(const TrieNode* n) const noexcept { return n->element.hash(); }
  std::size_t operator()(const Value& v) const noexcept { return v.hash(); }
};
struct NodeEq {
  using is_transparent = void;
  bool operator()(const TrieNode* a, const TrieNode* b) const noexcept { return a->element == b->element; }
  bool operator()(const TrieNode* a, const Value& b) const noexcept { return a->element == b; }
  bool operator()(const Value& a, const TrieNode* b) const noexcept { return a == b->element; }
};

struct ChildSet {
  static constexpr std::size_t small_limit = 8;
  std::vector<TrieNode*> small;  // while few children: searched linearly
  boost::unordered_flat_set<TrieNode*, NodeHash, NodeEq> big;  // once many: by element hash
  bool is_big = false;
};

/// TanStack's partialMatchKey on one key element: arrays by prefix, objects by subset,
/// recursively; anything else by ==.
bool partial_match(const Value& key_element, const Value& filter_element) noexcept;

class CacheIndex {
 public:
  CacheIndex();
  ~CacheIndex();
  CacheIndex(const CacheIndex&) = delete;
  CacheIndex& operator=(const CacheIndex&) = delete;

  /// The node of exactly `key`, or nullptr. No allocation; one hash probe per element.
  TrieNode* find(const Value& key) const noexcept;
  /// The node of `key`, creating the missing nodes. Strings are interned.
  TrieNode* find_or_insert(const Value& key);
  /// Drops `node` and its ancestors while they hold neither an entry nor children.
  void prune(TrieNode* node) noexcept;
  /// Calls fn(Query*) for every entry whose key the filter matches (partial unless exact).
  void collect(const Value& filter, bool exact, std::vector<Query*>& out) const;
  /// Every entry.
  void collect_all(std::vector<Query*>& out) const;
  /// The key of a node (rebuilt from the path). Allocates.
  Value key_of(const TrieNode* node) const;
  std::size_t nodes() const noexcept { return nodes_; }
  void clear() noexcept;

 private:
  TrieNode* child(const TrieNode* n, const Value& element) const noexcept;
  void add_child(TrieNode* n, TrieNode* c);
  void remove_child(TrieNode* n, TrieNode* c) noexcept;
  template <typename F>
  void for_each_child(const TrieNode* n, F&& f) const;
  void collect_subtree(const TrieNode* n, std::vector<Query*>& out) const;
  void walk(const TrieNode* n, std::span<const Value> filter, std::vector<Query*>& out) const;
  Value intern(const Value& element);
  void release_element(TrieNode* n) noexcept;
  void destroy_subtree(TrieNode* n) noexcept;

  TrieNode root_{Value(), nullptr};
  Pool<TrieNode> pool_;
  std::size_t nodes_ = 0;
  boost::unordered_flat_set<Value, std::hash<Value>> strings_;  // interned string elements
};

// ---------------------------------------------------------------------------------------------
// One cache entry (query.cpp)

class ObserverImpl;

struct QueryFetch final : RetryerOwner, std::enable_shared_from_this<QueryFetch> {
  QueryFetch(ClientCore& c, Query& query) : core(&c), q(&query) {}
  ~QueryFetch() override {
    if (retryer) retryer->forget_owner();
  }
  void retry_attempt(const AbortSignal& signal, Completion done) override;
  void retry_settled(Outcome&& o) override;
  void retry_failed(int failure_count, const Error& error) override;
  void retry_paused() override;
  void retry_resumed() override;
  bool current() const noexcept;

  ClientCore* core;
  Query* q;
  OptionsPtr options;   // the fetcher and meta this fetch runs with
  Value key;
  std::shared_ptr<Retryer> retryer;
  std::vector<std::shared_ptr<FutureState>> waiters;
  QueryState revert;              // the state before the fetch
  bool cancel_silent = false;     // replaced by a newer fetch: leave the state alone
  bool cancel_revert = true;
};

struct QueryCold {
  std::optional<Error> error;
  Value error_detail;
  Millis error_updated_at{0};
  std::uint32_t error_update_count = 0;
  int failure_count = 0;
  std::optional<Error> failure_reason;
  std::vector<ObserverImpl*> observers;
  std::shared_ptr<QueryFetch> fetch;
  Value key;  // kept once the entry left the index (observers still see it)
};

enum QueryFlags : std::uint8_t {
  has_data_flag = 1,
  invalidated_flag = 2,
  removed_flag = 4,
  in_gc_list_flag = 8,
};

struct Query {
  TrieNode* node = nullptr;
  Value data;
  std::int64_t data_updated_at = 0;
  Query* gc_prev = nullptr;
  Query* gc_next = nullptr;
  std::int64_t gc_since = 0;
  OptionsPtr options;
  std::unique_ptr<QueryCold> cold;
  std::uint32_t data_update_count = 0;
  QueryStatus status = QueryStatus::pending;
  FetchStatus fetch_status = FetchStatus::idle;
  std::uint8_t flags = 0;
  std::uint8_t gc_list = 0;

  bool has_data() const noexcept { return flags & has_data_flag; }
  bool invalidated() const noexcept { return flags & invalidated_flag; }
  bool removed() const noexcept { return flags & removed_flag; }
  QueryCold& c() {
    if (!cold) cold = std::make_unique<QueryCold>();
    return *cold;
  }
  std::size_t observer_count() const noexcept { return cold ? cold->observers.size() : 0; }
  bool fetching() const noexcept { return cold && cold->fetch; }
  int failure_count() const noexcept { return cold ? cold->failure_count : 0; }
  std::uint32_t error_update_count() const noexcept { return cold ? cold->error_update_count : 0; }
  bool is_active() const noexcept;
  bool is_disabled() const noexcept;
  bool is_stale_by_time(Millis stale_time, Millis now) const noexcept;
  /// query-core's isStale: by observers' stale times when observed, else data/invalidated.
  bool is_stale(Millis now) const noexcept;
};

/// The closed set of state transitions of an entry (query-core's Action).
struct QueryAction {
  enum Kind : std::uint8_t { fetch, success, fail, failed, pause, resume, invalidate, set_state };
  explicit QueryAction(Kind k) : kind(k) {}
  Kind kind;
  Value data;                  // success
  Millis at{0};                // success: data_updated_at
  bool manual = false;         // success by set_query_data: fetch status untouched
  std::optional<Error> error;  // fail, failed
  Value detail;                // fail
  int failure_count = 0;       // failed
  const QueryState* state = nullptr;  // set_state
};

QueryState snapshot(const Query& q);
/// Shares the nodes of `next` equal to those of `prev` (query-core's replaceEqualDeep).
Value replace_equal_deep(const Value& prev, Value next);
/// Approximate heap bytes of a value, for max_bytes.
std::size_t approx_bytes(const Value& v) noexcept;

// ---------------------------------------------------------------------------------------------
// Observers (query_observer.cpp)

class ObserverImpl : public std::enable_shared_from_this<ObserverImpl> {
 public:
  ObserverImpl(ClientCore& core, QueryOptions options, QueryListener listener);
  ~ObserverImpl();

  /// Attaches to the entry, fetches on mount when due, notifies the first result.
  void mount();
  /// Detaches (the subscription ended or the client is going away).
  void unmount();
  /// The entry changed: recompute the result and notify if it changed.
  void on_query_update();
  /// Host signals.
  void on_focus();
  void on_reconnect();
  /// Fetch through this observer (refetch, interval): rebuilds the entry if it was removed.
  std::shared_ptr<FutureState> refetch(bool cancel_refetch);
  bool enabled() const noexcept { return enabled_; }
  Millis stale_time() const noexcept { return stale_time_; }
  const QueryResult& result() const noexcept { return current_; }
  Query* query() const noexcept { return query_; }
  void detach_from_core() noexcept { core_ = nullptr; }
  ClientCore* core() const noexcept { return core_; }
  bool should_fetch_on(RefetchOn on) const;

 private:
  void compute_result();
  void schedule_notify();
  void update_timers();
  void clear_timers();
  void attach(Query* q);

  ClientCore* core_;
  QueryOptions options_;
  QueryListener listener_;
  OptionsPtr resolved_;
  Query* query_ = nullptr;
  Millis stale_time_{0};
  bool enabled_ = true;
  bool mounted_ = false;
  bool notify_pending_ = false;
  bool dirty_ = false;
  bool has_notified_ = false;
  std::shared_ptr<ObserverImpl> pending_self_;
  QueryResult current_;
  QueryResult notified_;
  std::uint32_t data_count_at_mount_ = 0;
  std::uint32_t error_count_at_mount_ = 0;
  // select memo: input node -> output
  bool memo_valid_ = false;
  Value memo_in_;
  Value memo_out_;
  TimerId stale_timer_ = 0;
  TimerId interval_timer_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Mutations (mutation.cpp)

struct MutationImpl final : RetryerOwner, std::enable_shared_from_this<MutationImpl> {
  explicit MutationImpl(ClientCore& c) : core(&c) {}
  ~MutationImpl() override {
    if (retryer) retryer->forget_owner();
  }
  void retry_attempt(const AbortSignal& signal, Completion done) override;
  void retry_settled(Outcome&& o) override;
  void retry_failed(int count, const Error&) override { failure_count = count; }
  void retry_paused() override { is_paused = true; }
  void retry_resumed() override { is_paused = false; }

  ClientCore* core;
  MutationOptions options;  // merged with the matching set_mutation_defaults
  Value variables;
  Value context;
  MutationStatus status = MutationStatus::idle;
  bool is_paused = false;
  int failure_count = 0;
  std::shared_ptr<Retryer> retryer;
  std::shared_ptr<FutureState> future;
};

// ---------------------------------------------------------------------------------------------
// The client core (query_client.cpp)

struct ClientCore {
  ClientCore(Runtime& rt, QueryClientOptions o);
  ~ClientCore();

  Runtime& runtime;
  QueryClientOptions options;
  bool online;
  bool focused;
  CacheIndex index;
  Pool<Query> queries;
  std::size_t entries = 0;
  std::size_t data_bytes = 0;
  OptionsPtr default_options;
  std::vector<std::pair<Value, QueryOptions>> query_defaults;
  std::vector<std::pair<Value, MutationOptions>> mutation_defaults;
  boost::unordered_flat_map<ObserverImpl*, std::shared_ptr<ObserverImpl>> observers;
  boost::unordered_flat_set<Query*> in_flight;
  std::vector<std::weak_ptr<Retryer>> paused;
  // Entries that left the index during an operation; freed when the outermost one ends, so
  // pointers collected by a filter stay valid while it runs.
  std::vector<Query*> graveyard;
  int op_depth = 0;
  // gc / LRU: one list per distinct gc_time, each ordered by gc_since.
  struct GcList {
    Millis gc_time;
    Query* head = nullptr;
    Query* tail = nullptr;
  };
  std::vector<GcList> gc_lists;
  TimerId gc_timer = 0;
  Millis gc_timer_at{0};
  // mutations
  std::vector<std::shared_ptr<MutationImpl>> mutations;  // pending and queued
  std::map<std::string, std::deque<std::shared_ptr<MutationImpl>>> scopes;

  /// Expires with the core: handles that outlive the client test it.
  std::shared_ptr<int> alive = std::make_shared<int>(0);
  // cache event listeners (query-core's QueryCache.subscribe)
  std::vector<std::shared_ptr<std::function<void(const QueryCacheEvent&)>>> cache_listeners;
  void emit(QueryCacheEvent::Type type, const Query& q, std::string_view action = {});

  Millis now() const { return runtime.now(); }
  Batcher& batcher() { return runtime.batcher(); }

  /// RAII: an operation's batch; frees the graveyard when the outermost one ends.
  class Op {
   public:
    explicit Op(ClientCore& c);
    ~Op() noexcept(false);
    Op(const Op&) = delete;
    Op& operator=(const Op&) = delete;

   private:
    ClientCore* c_;
    Batcher::Scope scope_;
  };

  // options
  /// The options of `key`: TanStack's defaults, then the client's, then every matching
  /// set_query_defaults registration, then `o`. fetch_query-style calls default retry to 0.
  OptionsPtr resolve(const QueryOptions* o, const Value& key, bool no_retry_default = false);

  // entries
  Query* find(const Value& key) const;
  Query* build(const Value& key, const OptionsPtr& opts, bool* created = nullptr);
  void set_options(Query& q, const OptionsPtr& opts);
  void remove(Query& q);
  void free_query(Query* q) noexcept;
  Value key_of(const Query& q) const;
  void collect(const QueryFilters& f, std::vector<Query*>& out) const;
  bool matches_rest(const QueryFilters& f, Query& q) const;

  // transitions (query.cpp)
  void dispatch(Query& q, QueryAction&& a);
  Value set_data(Query& q, Value data, std::optional<Millis> at);

  // fetching (query.cpp)
  std::shared_ptr<FutureState> fetch(Query& q, const OptionsPtr& opts, bool cancel_refetch);
  void on_fetch_settled(Query& q, const std::shared_ptr<QueryFetch>& f, Outcome&& o);
  void cancel_fetch(Query& q, CancelOptions opts);
  void reset(Query& q);

  // observers
  void add_observer(Query& q, ObserverImpl* o);
  void remove_observer(Query& q, ObserverImpl* o);

  // gc and eviction
  void gc_link(Query& q);
  void gc_unlink(Query& q) noexcept;
  void gc_touch(Query& q);
  void gc_sweep();
  void gc_schedule(Millis at);
  void evict_if_needed(Query* keep);

  // retryers
  bool can_fetch(NetworkMode m) const noexcept { return m != NetworkMode::online || online; }
  void add_paused(const std::shared_ptr<Retryer>& r);
  void resume_paused();

  // mutations (mutation.cpp)
  std::shared_ptr<FutureState> mutate(const MutationOptions& o, Value variables);
  void start_mutation(const std::shared_ptr<MutationImpl>& m);
  void finish_mutation(const std::shared_ptr<MutationImpl>& m, Outcome&& o);
  void orphan_mutation(MutationImpl& m) noexcept;
  std::size_t count_mutating(const MutationFilters& f) const;
};

}  // namespace mfstate::detail
