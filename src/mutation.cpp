// Mutations: on_mutate (the rollback context), the function with retries (none by default, as
// query-core), then on_success or on_error, then on_settled. Mutations sharing a scope wait for
// the one ahead of them (query-core's scoped mutations), in the order they were started.
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

void apply(MutationOptions& r, const MutationOptions& o) {
  if (o.fn) r.fn = o.fn;
  if (!o.mutation_key.is_null()) r.mutation_key = o.mutation_key;
  if (o.scope) r.scope = o.scope;
  if (o.retry) r.retry = o.retry;
  if (o.retry_if) r.retry_if = o.retry_if;
  if (o.retry_delay) r.retry_delay = o.retry_delay;
  if (o.network_mode) r.network_mode = o.network_mode;
  if (!o.meta.is_null()) r.meta = o.meta;
  if (o.on_mutate) r.on_mutate = o.on_mutate;
  if (o.on_success) r.on_success = o.on_success;
  if (o.on_error) r.on_error = o.on_error;
  if (o.on_settled) r.on_settled = o.on_settled;
}

}  // namespace

std::shared_ptr<FutureState> ClientCore::mutate(const MutationOptions& o, Value variables) {
  if (!o.mutation_key.is_null()) check_key(o.mutation_key);
  auto m = std::make_shared<MutationImpl>(*this);
  if (o.mutation_key.is_array()) {
    for (const auto& d : mutation_defaults) {
      if (matches(d.first, o.mutation_key)) apply(m->options, d.second);
    }
  }
  apply(m->options, o);
  m->variables = std::move(variables);
  m->future = make_future(batcher());
  if (!m->options.fn) {
    Outcome out;
    out.ok = false;
    out.error = Error(ErrorCode::invalid_argument,
                      "mutate needs MutationOptions::fn (or set_mutation_defaults for its mutation_key)");
    m->future->settle(std::move(out));
    return m->future;
  }
  mutations.push_back(m);
  if (m->options.scope) {
    auto& queue = scopes[*m->options.scope];
    queue.push_back(m);
    if (queue.size() > 1) {
      // Waits for the mutations ahead of it in its scope.
      m->status = MutationStatus::pending;
      m->is_paused = true;
      return m->future;
    }
  }
  start_mutation(m);
  return m->future;
}

void ClientCore::start_mutation(const std::shared_ptr<MutationImpl>& m) {
  m->status = MutationStatus::pending;
  m->is_paused = false;
  if (m->options.on_mutate) {
    try {
      m->context = m->options.on_mutate(m->variables);
    } catch (...) {
      finish_mutation(m, outcome_of_exception(std::current_exception()));
      return;
    }
  }
  const MutationOptions& o = m->options;
  Retryer::Config cfg{o.retry.value_or(0), o.retry_if, o.retry_delay, o.network_mode.value_or(NetworkMode::online)};
  m->retryer = std::make_shared<Retryer>(*this, std::move(cfg), m.get());
  m->retryer->start();
}

void MutationImpl::retry_attempt(const AbortSignal& signal, Completion done) {
  options.fn(variables, signal, std::move(done));
}

void MutationImpl::retry_settled(Outcome&& o) {
  auto self = shared_from_this();
  core->finish_mutation(self, std::move(o));
}

void ClientCore::finish_mutation(const std::shared_ptr<MutationImpl>& m, Outcome&& out) {
  if (m->status == MutationStatus::success || m->status == MutationStatus::error) return;
  const MutationOptions& o = m->options;
  if (out.ok) {
    try {
      if (o.on_success) o.on_success(out.value, m->variables, m->context);
      if (o.on_settled) o.on_settled(out.value, nullptr, m->variables, m->context);
      m->status = MutationStatus::success;
    } catch (...) {
      // A throwing on_success fails the mutation, as in query-core.
      out = outcome_of_exception(std::current_exception());
    }
  }
  if (!out.ok) {
    if (!out.error) out.error = Error(ErrorCode::query_error, "the mutation failed");
    m->status = MutationStatus::error;
    m->failure_count = std::max(m->failure_count + 1, 1);
    std::exception_ptr callback_error;
    try {
      if (o.on_error) o.on_error(*out.error, m->variables, m->context);
    } catch (...) {
      callback_error = std::current_exception();
    }
    try {
      if (o.on_settled) o.on_settled(Value(), &*out.error, m->variables, m->context);
    } catch (...) {
      if (!callback_error) callback_error = std::current_exception();
    }
    (void)callback_error;  // the mutation's own error is what the caller sees
  }
  m->future->settle(out);
  auto it = std::find(mutations.begin(), mutations.end(), m);
  if (it != mutations.end()) mutations.erase(it);
  if (m->options.scope) {
    auto sit = scopes.find(*m->options.scope);
    if (sit != scopes.end()) {
      auto& queue = sit->second;
      auto qit = std::find(queue.begin(), queue.end(), m);
      const bool was_front = qit == queue.begin();
      if (qit != queue.end()) queue.erase(qit);
      if (queue.empty()) {
        scopes.erase(sit);
      } else if (was_front) {
        std::shared_ptr<MutationImpl> next = queue.front();
        start_mutation(next);
      }
    }
  }
}

void ClientCore::orphan_mutation(MutationImpl& m) noexcept {
  if (m.retryer) m.retryer->orphan();
}

std::size_t ClientCore::count_mutating(const MutationFilters& f) const {
  std::size_t n = 0;
  for (const auto& m : mutations) {
    const MutationStatus want = f.status.value_or(MutationStatus::pending);
    if (m->status != want) continue;
    if (f.mutation_key) {
      if (!m->options.mutation_key.is_array()) continue;
      if (!matches(*f.mutation_key, m->options.mutation_key, f.exact)) continue;
    }
    ++n;
  }
  return n;
}

}  // namespace detail

Future QueryClient::mutate(const MutationOptions& options, Value variables) {
  detail::ClientCore::Op op(*core_);
  return Future(core_->mutate(options, std::move(variables)));
}

std::size_t QueryClient::is_mutating(const MutationFilters& filters) const {
  return core_->count_mutating(filters);
}

std::size_t QueryClient::is_mutating() const { return core_->count_mutating(MutationFilters{}); }

void QueryClient::set_mutation_defaults(const Value& key, MutationOptions defaults) {
  check_key(key);
  for (auto& d : core_->mutation_defaults) {
    if (d.first == key) {
      d.second = std::move(defaults);
      return;
    }
  }
  core_->mutation_defaults.emplace_back(key, std::move(defaults));
}

}  // namespace mfstate
