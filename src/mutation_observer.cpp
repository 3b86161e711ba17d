// A mutation observer (query-core's mutationObserver.ts): one subscriber's handle on its latest
// mutation. mutate() builds a new mutation with the observer's options; the observer follows it,
// and its per-call callbacks (MutateOptions) run after the options' own, while a listener is
// subscribed. What those callbacks throw is reported, never dropped.
#include "mfstate/key.hpp"
#include "query_internal.hpp"

namespace mfstate {
namespace detail {

MutationObserverImpl::MutationObserverImpl(ClientCore& core, std::shared_ptr<QueryScope> scope,
                                           MutationOptions options)
    : core_(&core), scope_(std::move(scope)), options_(core.resolve(options)) {
  if (!options_.mutation_key.is_null()) check_key(options_.mutation_key);
  core.mutations.observers.insert(this);
  if (scope_->app) scope_->mutation_observers.insert(this);
}

MutationObserverImpl::~MutationObserverImpl() {
  if (core_ == nullptr) return;
  if (current_) remove_mutation_observer(*core_, *current_, this);
  core_->mutations.observers.erase(this);
  if (scope_->app) scope_->mutation_observers.erase(this);
}

ClientCore& MutationObserverImpl::live() const {
  if (core_ == nullptr) {
    throw Error(ErrorCode::app_unmounted, "this mutation observer ended (its app unmounted or its client is gone)");
  }
  return *core_;
}

void MutationObserverImpl::end() noexcept {
  if (core_ == nullptr) return;
  listeners_.clear();
  try {
    if (current_) remove_mutation_observer(*core_, *current_, this);
  } catch (...) {
    core_->report_current_exception();
  }
  current_.reset();
  core_->mutations.observers.erase(this);
  if (scope_->app) scope_->mutation_observers.erase(this);
  core_ = nullptr;
}

void MutationObserverImpl::set_options(MutationOptions options) {
  ClientCore& core = live();
  ClientCore::Op op(core);
  const Value prev_key = options_.mutation_key;
  options_ = core.resolve(options);
  if (!options_.mutation_key.is_null()) check_key(options_.mutation_key);
  MutationCacheEvent e{MutationCacheEvent::Type::observer_options_updated, current_ ? current_->id : 0,
                       options_.mutation_key, {}};
  for (const auto& slot : core.mutations.listeners.snapshot()) {
    if (slot->tag != nullptr && slot->tag != (current_ ? current_->owner : nullptr)) continue;
    std::weak_ptr<ListenerList<const MutationCacheEvent&>::Slot> weak = slot;
    core.batcher().notify([weak, e] {
      if (auto s = weak.lock(); s && s->active && s->fn) s->fn(e);
    });
  }
  if (prev_key.is_array() && options_.mutation_key.is_array() &&
      !detail::key_equal(prev_key, options_.mutation_key)) {
    reset();
  } else if (current_ && current_->state.status == MutationStatus::pending) {
    // A pending mutation takes the new options: its callbacks see them.
    current_->options = options_;
  }
}

MutationState MutationObserverImpl::current_result() const { return result_; }

Subscription MutationObserverImpl::subscribe(std::function<void(const MutationState&)> listener) {
  ClientCore& core = live();
  ClientCore::Op op(core);
  auto slot = listeners_.add(std::move(listener));
  if (listeners_.size() == 1 && current_) {
    add_mutation_observer(core, *current_, this);
    result_ = current_->state;
  }
  std::weak_ptr<ListenerList<const MutationState&>::Slot> weak_slot = slot;
  return Subscription([self = shared_from_this(), weak_slot] {
    auto s = weak_slot.lock();
    if (!s || !s->active) return;
    self->listeners_.remove(s);
    if (self->core_ == nullptr || !self->listeners_.empty() || !self->current_) return;
    ClientCore::Op op(*self->core_);
    remove_mutation_observer(*self->core_, *self->current_, self.get());
  });
}

std::shared_ptr<FutureState> MutationObserverImpl::mutate(Value variables, MutateOptions callbacks) {
  ClientCore& core = live();
  ClientCore::Op op(core);
  mutate_options_ = std::move(callbacks);
  has_mutate_options_ = true;
  if (current_) remove_mutation_observer(core, *current_, this);
  current_ = build_mutation(core, options_, scope_->app ? scope_.get() : nullptr);
  add_mutation_observer(core, *current_, this);
  return execute_mutation(core, current_, std::move(variables));
}

void MutationObserverImpl::reset() {
  ClientCore& core = live();
  ClientCore::Op op(core);
  if (current_) remove_mutation_observer(core, *current_, this);
  current_.reset();
  result_ = MutationState{};
  notify(std::nullopt, Value(), std::nullopt);
}

void MutationObserverImpl::abandon() {
  // Its client gone, it was cancelled then.
  if (core_ == nullptr || !current_ || current_->state.status != MutationStatus::pending) return;
  ClientCore::Op op(*core_);
  abandon_alone(*core_, *current_);
}

void MutationObserverImpl::on_mutation_update(MutationAction::Kind kind, const Value& data,
                                              const std::optional<Error>& error) {
  if (core_ == nullptr || !current_) return;
  result_ = current_->state;
  notify(kind, data, error);
}

void MutationObserverImpl::notify(std::optional<MutationAction::Kind> kind, Value data, std::optional<Error> error) {
  std::weak_ptr<MutationObserverImpl> weak = shared_from_this();
  core_->batcher().notify([weak, kind, data = std::move(data), error = std::move(error)] {
    auto self = weak.lock();
    if (!self || self->core_ == nullptr) return;
    const MutationState result = self->result_;
    // First the per-call callbacks (only while someone listens), then the listeners.
    if (self->has_mutate_options_ && !self->listeners_.empty() && kind) {
      const MutateOptions& cb = self->mutate_options_;
      const auto guarded = [&](auto&& call) {
        try {
          call();
        } catch (...) {
          if (self->core_ != nullptr) self->core_->report_current_exception();
        }
      };
      if (*kind == MutationAction::success) {
        if (cb.on_success) guarded([&] { cb.on_success(data, result.variables, result.context); });
        if (cb.on_settled) guarded([&] { cb.on_settled(data, nullptr, result.variables, result.context); });
      } else if (*kind == MutationAction::fail && error) {
        if (cb.on_error) guarded([&] { cb.on_error(*error, result.variables, result.context); });
        if (cb.on_settled) guarded([&] { cb.on_settled(Value(), &*error, result.variables, result.context); });
      }
    }
    for (const auto& slot : self->listeners_.snapshot()) {
      if (!slot->active || !slot->fn) continue;
      slot->fn(result);
      if (self->core_ == nullptr) return;
    }
  });
}

}  // namespace detail

// =============================================================================================
// MutationObserver

using detail::AsyncAccess;
using detail::MutationObserverImpl;

MutationObserver::MutationObserver(AppQueryClient& client, MutationOptions options)
    : impl_(std::make_shared<MutationObserverImpl>(client.core(), client.scope_, std::move(options))) {}

MutationObserver::MutationObserver(MutationObserver&&) noexcept = default;
MutationObserver& MutationObserver::operator=(MutationObserver&& other) noexcept {
  if (this != &other) {
    if (impl_) impl_->end();
    impl_ = std::move(other.impl_);
  }
  return *this;
}
MutationObserver::~MutationObserver() {
  if (impl_) impl_->end();
}

void MutationObserver::set_options(MutationOptions options) { impl_->set_options(std::move(options)); }
MutationState MutationObserver::get_current_result() const { return impl_->current_result(); }
Subscription MutationObserver::subscribe(std::function<void(const MutationState&)> listener) {
  return impl_->subscribe(std::move(listener));
}
Future MutationObserver::mutate(Value variables, MutateOptions callbacks) {
  return AsyncAccess::future(impl_->mutate(std::move(variables), std::move(callbacks)));
}
void MutationObserver::reset() { impl_->reset(); }
void MutationObserver::abandon() { impl_->abandon(); }

}  // namespace mfstate
