// Mutations (query-core's mutation.ts) and the mutation cache that holds them
// (mutationCache.ts): the cache's on_mutate, then the options' on_mutate (the rollback context),
// the function with retries (none by default), then on_success or on_error and on_settled, cache
// callbacks first each time. A throw from a success callback fails the mutation; a throw from an
// error or settled callback is reported to the client's error sink, never dropped. Mutations of
// one scope run one at a time, in the order they were built; a settled mutation stays readable
// in the cache until gc_time after it was last unobserved.
#include <algorithm>

#include "mfstate/key.hpp"
#include "query_internal.hpp"

namespace mfstate {

MutationFn sync_mutation(std::function<Value(const Value& variables)> fn) {
  return [fn = std::move(fn)](const Value& variables, const AbortSignal&, Completion done) {
    done.resolve(fn(variables));
  };
}

namespace detail {

namespace {

/// The mutations of `m`'s scope line, in order; null when unscoped or out of line.
ScopeLineMutations* line_of(ClientCore& core, const MutationImpl& m) {
  if (!m.scope_line) return nullptr;
  auto it = core.mutations.scopes.find(*m.scope_line);
  return it == core.mutations.scopes.end() ? nullptr : &it->second;
}

/// Takes `m` out of its scope line (removed from the cache, or its app ended).
void leave_line(ClientCore& core, MutationImpl& m) {
  if (!m.scope_line) return;
  auto it = core.mutations.scopes.find(*m.scope_line);
  if (it != core.mutations.scopes.end()) {
    ScopeLineMutations& line = it->second;
    line.erase(line.iterator_to(m));
    if (line.empty()) core.mutations.scopes.erase(it);
  }
  m.scope_line.reset();
}

void run_next(ClientCore& core, MutationImpl& m) {
  ScopeLineMutations* line = line_of(core, m);
  if (line == nullptr) return;
  for (MutationImpl& other : *line) {
    if (&other != &m && other.state.is_paused) {
      (void)continue_mutation(core, other.shared_from_this());
      return;
    }
  }
}

/// The error path (query-core's catch): every error callback, each on its own, then the error.
void fail(ClientCore& core, const std::shared_ptr<MutationImpl>& m, Outcome&& out) {
  if (!out.error) out.error = Error(ErrorCode::query_error, "the mutation failed");
  const Error& err = *out.error;
  const MutationCacheConfig& cache = core.options.mutation_cache;
  const MutationOptions& o = m->options;
  const Value variables = m->state.variables;
  const Value context = m->state.context;
  const auto guarded = [&](auto&& call) {
    try {
      call();
    } catch (...) {
      core.report_current_exception();
    }
  };
  if (cache.on_error) guarded([&] { cache.on_error(err, variables, context, info_of(*m)); });
  if (o.on_error) guarded([&] { o.on_error(err, variables, context); });
  if (cache.on_settled) guarded([&] { cache.on_settled(Value(), &err, variables, context, info_of(*m)); });
  if (o.on_settled) guarded([&] { o.on_settled(Value(), &err, variables, context); });
  MutationAction a{MutationAction::fail};
  a.error = err;
  a.detail = out.detail;
  dispatch(core, *m, std::move(a));
  m->retryer.reset();
  if (m->observers.empty()) schedule_mutation_gc(core, *m);
  if (auto f = std::move(m->future)) f->settle(std::move(out));
  run_next(core, *m);
}

void succeed(ClientCore& core, const std::shared_ptr<MutationImpl>& m, Value data) {
  const MutationCacheConfig& cache = core.options.mutation_cache;
  const MutationOptions& o = m->options;
  const Value variables = m->state.variables;
  const Value context = m->state.context;
  try {
    if (cache.on_success) cache.on_success(data, variables, context, info_of(*m));
    if (o.on_success) o.on_success(data, variables, context);
    if (cache.on_settled) cache.on_settled(data, nullptr, variables, context, info_of(*m));
    if (o.on_settled) o.on_settled(data, nullptr, variables, context);
  } catch (...) {
    // A throwing success callback fails the mutation, as in query-core.
    fail(core, m, outcome_of_exception(std::current_exception()));
    return;
  }
  MutationAction a{MutationAction::success};
  a.data = data;
  dispatch(core, *m, std::move(a));
  m->retryer.reset();
  if (m->observers.empty()) schedule_mutation_gc(core, *m);
  if (auto f = std::move(m->future)) f->settle(ok_outcome(std::move(data)));
  run_next(core, *m);
}

}  // namespace

MutationImpl::~MutationImpl() {
  if (retryer) retryer->forget_owner();
}

void MutationImpl::retry_attempt(const AbortSignal& signal, Completion done) {
  if (!options.fn) {
    throw Error(ErrorCode::invalid_argument,
                "mutate needs MutationOptions::fn (or set_mutation_defaults for its mutation_key)");
  }
  options.fn(state.variables, signal, std::move(done));
}

void MutationImpl::retry_settled(Outcome&& o) {
  auto self = shared_from_this();
  if (o.ok) {
    succeed(*core, self, std::move(o.value));
  } else {
    fail(*core, self, std::move(o));
  }
}

void MutationImpl::retry_failed(int count, const Error& error, const Value& detail) {
  MutationAction a{MutationAction::failed};
  a.failure_count = count;
  a.error = error;
  a.detail = detail;
  dispatch(*core, *this, std::move(a));
}

void MutationImpl::retry_paused() { dispatch(*core, *this, MutationAction{MutationAction::pause}); }
void MutationImpl::retry_resumed() { dispatch(*core, *this, MutationAction{MutationAction::resume}); }

bool MutationImpl::retry_can_run() const {
  const ScopeLineMutations* line = line_of(*core, *this);
  if (line == nullptr) return true;
  // The first pending mutation of the scope runs; the others wait for it.
  for (const MutationImpl& m : *line) {
    if (m.state.status == MutationStatus::pending) return &m == this;
  }
  return true;
}

// ---- the one dispatch step ----

void dispatch(ClientCore& core, MutationImpl& m, MutationAction&& a) {
  MutationState& s = m.state;
  switch (a.kind) {
    case MutationAction::failed:
      s.failure_count = a.failure_count;
      s.failure_reason = a.error;
      s.failure_reason_detail = std::move(a.detail);
      break;
    case MutationAction::pause: s.is_paused = true; break;
    case MutationAction::resume: s.is_paused = false; break;
    case MutationAction::pending:
      s.context = std::move(a.context);
      s.data.reset();
      s.failure_count = 0;
      s.failure_reason.reset();
      s.failure_reason_detail = Value();
      s.error.reset();
      s.is_paused = a.is_paused;
      s.status = MutationStatus::pending;
      s.variables = std::move(a.variables);
      s.submitted_at = core.now();
      break;
    case MutationAction::success:
      s.data = a.data;
      s.failure_count = 0;
      s.failure_reason.reset();
      s.failure_reason_detail = Value();
      s.error.reset();
      s.status = MutationStatus::success;
      s.is_paused = false;
      break;
    case MutationAction::fail:
      s.data.reset();
      s.error = a.error;
      ++s.failure_count;
      s.failure_reason = a.error;
      s.failure_reason_detail = std::move(a.detail);
      s.is_paused = false;
      s.status = MutationStatus::error;
      break;
  }
  // A copy: an observer may leave while told.
  const auto observers = m.observers;
  for (MutationObserverImpl* o : observers) o->on_mutation_update(a.kind, a.data, a.error);
  static constexpr std::string_view names[] = {"pending", "success", "error", "failed", "pause", "continue"};
  emit(core, MutationCacheEvent::Type::updated, m, names[a.kind]);
}

// ---- execution ----

std::shared_ptr<FutureState> execute_mutation(ClientCore& core, const std::shared_ptr<MutationImpl>& m,
                                              Value variables) {
  auto future = make_future(core.batcher());
  m->future = future;
  const MutationOptions& o = m->options;
  m->retryer = std::allocate_shared<DelegatingRetryer>(BlockAllocator<DelegatingRetryer>(), core, o.retry,
                                                       o.retry_delay, o.network_mode.value_or(NetworkMode::online),
                                                       m.get());
  const bool restored = m->state.status == MutationStatus::pending;
  if (restored) {
    // A restored (hydrated) mutation continues where it was: no on_mutate again.
    dispatch(core, *m, MutationAction{MutationAction::resume});
  } else {
    const bool paused = !m->retryer->can_start();
    MutationAction pending{MutationAction::pending};
    pending.variables = variables;
    pending.is_paused = paused;
    dispatch(core, *m, std::move(pending));
    try {
      if (core.options.mutation_cache.on_mutate) core.options.mutation_cache.on_mutate(variables, info_of(*m));
      if (m->options.on_mutate) {
        Value context = m->options.on_mutate(variables);
        if (!(context == m->state.context)) {
          MutationAction again{MutationAction::pending};
          again.variables = std::move(variables);
          again.context = std::move(context);
          again.is_paused = paused;
          dispatch(core, *m, std::move(again));
        }
      }
    } catch (...) {
      fail(core, m, outcome_of_exception(std::current_exception()));
      return future;
    }
  }
  // Held while it runs: an attempt that settles at once may end the mutation's hold on it.
  if (const std::shared_ptr<DelegatingRetryer> r = m->retryer) r->start();
  return future;
}

std::shared_ptr<FutureState> continue_mutation(ClientCore& core, const std::shared_ptr<MutationImpl>& m) {
  if (m->retryer) {
    m->retryer->try_continue();
    return m->future ? m->future : settled_future(core.batcher(), Outcome{});
  }
  // A restored mutation has no retryer yet; a settled one must not run again.
  if (m->state.status == MutationStatus::pending) return execute_mutation(core, m, m->state.variables);
  return settled_future(core.batcher(), Outcome{});
}

void abandon_mutation(ClientCore& core, MutationImpl& m) {
  auto self = m.shared_from_this();
  // The app's code runs no more: its callbacks go, and a pending mutation is cancelled (its
  // signal aborts; the cache's callbacks, the shell's, still hear of it).
  m.options.on_mutate = nullptr;
  m.options.on_success = nullptr;
  m.options.on_error = nullptr;
  m.options.on_settled = nullptr;
  if (m.owner != nullptr) m.owner->mutations.erase(&m);
  m.owner = nullptr;
  // Its app's line ends with the app (a later app may be built at the same address).
  leave_line(core, m);
  if (m.state.status == MutationStatus::pending) {
    if (m.retryer) {
      m.retryer->cancel();
    } else {
      fail(core, self, error_outcome(cancelled_error("the mutation's app unmounted")));
    }
  }
  m.options.fn = nullptr;
}

void abandon_alone(ClientCore& core, MutationImpl& m) {
  // Running at the head of its scope's line, it held the others back: the next goes on once it
  // left (as run_next does when one settles). An app's end abandons its whole line instead.
  std::optional<ScopeLine> line = m.state.is_paused ? std::nullopt : m.scope_line;
  abandon_mutation(core, m);
  if (!line) return;
  auto it = core.mutations.scopes.find(*line);
  if (it == core.mutations.scopes.end()) return;
  for (MutationImpl& other : it->second) {
    if (other.state.is_paused) {
      (void)continue_mutation(core, other.shared_from_this());
      return;
    }
  }
}

// ---- the cache ----

std::shared_ptr<MutationImpl> build_mutation(ClientCore& core, const MutationOptions& options, QueryScope* owner,
                                             const MutationState* state) {
  if (!options.mutation_key.is_null()) check_key(options.mutation_key);
  auto m = std::make_shared<MutationImpl>(core, ++core.mutations.next_id);
  m->options = options;
  if (state != nullptr) m->state = *state;
  m->owner = owner;
  m->held_by_cache = m;
  core.mutations.all.push_back(*m);
  if (m->options.scope) {
    m->scope_line = ScopeLine{owner, *m->options.scope};
    core.mutations.scopes[*m->scope_line].push_back(*m);
  }
  if (owner != nullptr) owner->mutations.insert(m.get());
  emit(core, MutationCacheEvent::Type::added, *m);
  schedule_mutation_gc(core, *m);
  return m;
}

void remove_mutation(ClientCore& core, MutationImpl& m) {
  auto self = m.shared_from_this();
  if (m.gc_timer != 0) core.runtime.scheduler().cancel(m.gc_timer);
  m.gc_timer = 0;
  if (m.in_cache) {
    m.in_cache = false;
    leave_line(core, m);
    core.mutations.all.erase(core.mutations.all.iterator_to(m));
    m.held_by_cache.reset();  // `self` keeps it until we are done
    if (m.owner != nullptr) m.owner->mutations.erase(&m);
  }
  emit(core, MutationCacheEvent::Type::removed, m);
}

void schedule_mutation_gc(ClientCore& core, MutationImpl& m) {
  Scheduler& sched = core.runtime.scheduler();
  if (m.gc_timer != 0) sched.cancel(m.gc_timer);
  m.gc_timer = 0;
  const Millis gc = m.options.gc_time.value_or(Millis{5 * 60 * 1000});
  if (gc >= never_expires || !m.in_cache) return;
  std::weak_ptr<MutationImpl> weak = m.shared_from_this();
  m.gc_timer = sched.schedule_after(gc, [weak] {
    auto m = weak.lock();
    if (!m || m->core == nullptr) return;
    m->gc_timer = 0;
    if (!m->observers.empty()) return;
    // A pending mutation is not collected: its callbacks must still run. It is collected gc_time
    // after it settles instead.
    if (m->state.status == MutationStatus::pending) return;
    ClientCore::Op op(*m->core);
    remove_mutation(*m->core, *m);
  });
}

void add_mutation_observer(ClientCore& core, MutationImpl& m, MutationObserverImpl* o) {
  if (std::find(m.observers.begin(), m.observers.end(), o) != m.observers.end()) return;
  m.observers.push_back(o);
  if (m.gc_timer != 0) core.runtime.scheduler().cancel(m.gc_timer);
  m.gc_timer = 0;
  emit(core, MutationCacheEvent::Type::observer_added, m);
}

void remove_mutation_observer(ClientCore& core, MutationImpl& m, MutationObserverImpl* o) {
  auto it = std::find(m.observers.begin(), m.observers.end(), o);
  if (it == m.observers.end()) return;
  m.observers.erase(it);
  schedule_mutation_gc(core, m);
  emit(core, MutationCacheEvent::Type::observer_removed, m);
}

MutationInfo info_of(const MutationImpl& m) {
  MutationInfo i;
  i.mutation_id = m.id;
  i.mutation_key = m.options.mutation_key;
  i.state = m.state;
  i.meta = m.options.meta;
  i.scope = m.options.scope;
  i.gc_time = m.options.gc_time.value_or(Millis{5 * 60 * 1000});
  i.observers = m.observers.size();
  return i;
}

bool matches(const MutationFilters& f, const MutationImpl& m) {
  if (f.mutation_key) {
    if (!m.options.mutation_key.is_array()) return false;
    if (!mfstate::matches(*f.mutation_key, m.options.mutation_key, f.exact.value_or(false))) return false;
  }
  if (f.status && m.state.status != *f.status) return false;
  if (f.predicate && !f.predicate(info_of(m))) return false;
  return true;
}

void emit(ClientCore& core, MutationCacheEvent::Type type, const MutationImpl& m, std::string_view action) {
  if (core.mutations.listeners.empty()) return;
  MutationCacheEvent e{type, m.id, m.options.mutation_key, action};
  for (const auto& slot : core.mutations.listeners.snapshot()) {
    // An app's listener hears only of that app's own mutations.
    if (slot->tag != nullptr && slot->tag != m.owner) continue;
    std::weak_ptr<ListenerList<const MutationCacheEvent&>::Slot> weak = slot;
    core.batcher().notify([weak, e] {
      if (auto s = weak.lock(); s && s->active && s->fn) s->fn(e);
    });
  }
}

}  // namespace detail
}  // namespace mfstate
