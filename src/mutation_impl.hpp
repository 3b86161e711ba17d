// Internal: mutations (mutation.cpp), the mutation cache (mutation_cache.cpp) and mutation
// observers (mutation_observer.cpp), as query-core's mutation.ts, mutationCache.ts and
// mutationObserver.ts.
#pragma once

#include <boost/intrusive/list.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mfstate/query.hpp"
#include "query_listeners.hpp"
#include "query_retryer.hpp"

namespace mfstate::detail {

struct ClientCore;
struct QueryScope;

/// Where a scoped mutation waits its turn: its scope's id within the app that started it (the
/// owner: null for the shell's). An ended app's mutations leave their lines when it ends, so an
/// owner's address is never met again by a later app's scope.
using ScopeLine = std::pair<const QueryScope*, std::string>;
class MutationObserverImpl;

/// The closed set of a mutation's transitions (query-core's mutation Action).
struct MutationAction {
  enum Kind : std::uint8_t { pending, success, fail, failed, pause, resume };
  explicit MutationAction(Kind k) : kind(k) {}
  Kind kind;
  Value variables;             // pending
  Value context;               // pending
  bool is_paused = false;      // pending
  Value data;                  // success
  std::optional<Error> error;  // fail, failed
  Value detail;                // fail, failed
  int failure_count = 0;       // failed
};

struct MutationImpl final : RetryerOwner, std::enable_shared_from_this<MutationImpl> {
  MutationImpl(ClientCore& c, std::uint64_t mutation_id) : core(&c), id(mutation_id) {}
  ~MutationImpl() override;
  void retry_attempt(const AbortSignal& signal, Completion done) override;
  void retry_settled(Outcome&& o) override;
  void retry_failed(int count, const Error& error, const Value& detail) override;
  void retry_paused() override;
  void retry_resumed() override;
  bool retry_can_run() const override;

  ClientCore* core;
  std::uint64_t id;
  MutationOptions options;  // merged with the client's and the key's defaults
  MutationState state;
  std::vector<MutationObserverImpl*> observers;
  std::shared_ptr<DelegatingRetryer> retryer;  // the running execute's
  std::shared_ptr<FutureState> future;  // of the running execute
  QueryScope* owner = nullptr;          // the app whose handle started it (null: the shell's)
  /// Its line in MutationCacheCore::scopes (unscoped, or out of line once it left: empty).
  std::optional<ScopeLine> scope_line;
  TimerId gc_timer = 0;
  bool in_cache = true;
  /// Its places in MutationCacheCore::all and in its scope's line: it leaves either in O(1) from
  /// anywhere (a vector searched made clearing or draining 65,536 mutations of one scope O(n^2):
  /// seconds), and building one allocates nothing for them.
  boost::intrusive::list_member_hook<> in_all;
  boost::intrusive::list_member_hook<> in_line;
  /// The cache's reference while it is in `all` (the list does not own what it links).
  std::shared_ptr<MutationImpl> held_by_cache;
};

/// Mutations in the order they were built, linked through `Hook`.
template <boost::intrusive::list_member_hook<> MutationImpl::*Hook>
using MutationList = boost::intrusive::list<
    MutationImpl, boost::intrusive::member_hook<MutationImpl, boost::intrusive::list_member_hook<>, Hook>>;
using ScopeLineMutations = MutationList<&MutationImpl::in_line>;

/// The mutation cache proper: every mutation (oldest first), the scopes, the listeners.
struct MutationCacheCore {
  /// Every mutation of the cache, each held by its held_by_cache.
  MutationList<&MutationImpl::in_all> all;
  /// Each scope's mutations in the order they were built: a scope is its id within the app that
  /// started them (the shell's: a null owner), so no app can hold back another's mutations by
  /// naming its scope.
  std::map<ScopeLine, ScopeLineMutations> scopes;
  std::uint64_t next_id = 0;
  ListenerList<const MutationCacheEvent&> listeners;
  /// Every live mutation observer: ended when the client goes away.
  boost::unordered_flat_set<MutationObserverImpl*> observers;
};

// Mutations as free functions of one (mutation.cpp, mutation_cache.cpp).
std::shared_ptr<MutationImpl> build_mutation(ClientCore& core, const MutationOptions& options, QueryScope* owner,
                                             const MutationState* state = nullptr);
void remove_mutation(ClientCore& core, MutationImpl& m);
/// Runs the mutation with `variables` (or continues a restored pending one); the future settles
/// with the data or the error.
std::shared_ptr<FutureState> execute_mutation(ClientCore& core, const std::shared_ptr<MutationImpl>& m,
                                              Value variables);
/// Continues a paused mutation (or executes a restored pending one without a retryer).
std::shared_ptr<FutureState> continue_mutation(ClientCore& core, const std::shared_ptr<MutationImpl>& m);
void dispatch(ClientCore& core, MutationImpl& m, MutationAction&& a);
void add_mutation_observer(ClientCore& core, MutationImpl& m, MutationObserverImpl* o);
void remove_mutation_observer(ClientCore& core, MutationImpl& m, MutationObserverImpl* o);
/// Its app is gone: stop it without calling any of its callbacks.
void abandon_mutation(ClientCore& core, MutationImpl& m);
/// abandon_mutation for one mutation of a line that goes on (MutationObserver::abandon): the
/// next of its scope runs if it was the one running.
void abandon_alone(ClientCore& core, MutationImpl& m);
MutationInfo info_of(const MutationImpl& m);
bool matches(const MutationFilters& f, const MutationImpl& m);
void emit(ClientCore& core, MutationCacheEvent::Type type, const MutationImpl& m, std::string_view action = {});
void schedule_mutation_gc(ClientCore& core, MutationImpl& m);

class MutationObserverImpl : public std::enable_shared_from_this<MutationObserverImpl> {
 public:
  MutationObserverImpl(ClientCore& core, std::shared_ptr<QueryScope> scope, MutationOptions options);
  ~MutationObserverImpl();
  void set_options(MutationOptions options);
  MutationState current_result() const;
  Subscription subscribe(std::function<void(const MutationState&)> listener);
  std::shared_ptr<FutureState> mutate(Value variables, MutateOptions callbacks);
  void reset();
  void abandon();
  /// The mutation changed (an action of it was applied).
  void on_mutation_update(MutationAction::Kind kind, const Value& data, const std::optional<Error>& error);
  void end() noexcept;
  ClientCore* core() const noexcept { return core_; }

 private:
  ClientCore& live() const;
  void notify(std::optional<MutationAction::Kind> kind, Value data, std::optional<Error> error);

  ClientCore* core_;
  std::shared_ptr<QueryScope> scope_;
  MutationOptions options_;  // with the defaults
  std::shared_ptr<MutationImpl> current_;
  MutateOptions mutate_options_;
  bool has_mutate_options_ = false;
  MutationState result_;
  ListenerList<const MutationState&> listeners_;
};

}  // namespace mfstate::detail
