// Futures, abort signals and completions: how asynchronous results travel in a single-threaded
// runtime, and how a fetcher on another thread hands its result back.
#include <algorithm>
#include <atomic>
#include <cstdint>

#include "mfstate/key.hpp"
#include "query_async.hpp"

namespace mfstate {

namespace detail {

void FutureState::settle(Outcome o) {
  if (settled) return;
  settled = true;
  outcome = std::move(o);
  if (aggregate) {
    auto agg = std::move(aggregate);
    aggregate.reset();
    agg->count_down(0, outcome);
  }
  auto cbs = std::move(callbacks);
  callbacks.clear();
  for (auto& cb : cbs) {
    batcher->notify([o = outcome, cb = std::move(cb)] { cb(o); });
  }
}

void Aggregate::count_down(std::uint32_t ordinal, const Outcome& o) {
  if (keep_error && !o.ok) {
    if (open) {
      early_errors.emplace_back(ordinal, o);
    } else if (!first_error) {
      first_error = o;
    }
  }
  if (--left == 0) settle_result();
}

void Aggregate::drop(std::uint32_t ordinal, bool still_waiting) {
  if (still_waiting) {
    --left;  // never the last count: it is open
    return;
  }
  std::erase_if(early_errors, [ordinal](const auto& e) { return e.first == ordinal; });
}

void Aggregate::close() {
  open = false;
  if (!early_errors.empty() && !first_error) {
    auto first = std::min_element(early_errors.begin(), early_errors.end(),
                                  [](const auto& a, const auto& b) { return a.first < b.first; });
    first_error = std::move(first->second);
  }
  early_errors.clear();
  if (--left == 0) settle_result();
}

std::shared_ptr<Aggregate> make_aggregate(Batcher& b, bool keep_error) {
  auto agg = std::make_shared<Aggregate>();
  agg->result = make_future(b);
  agg->keep_error = keep_error;
  return agg;
}

std::shared_ptr<FutureState> make_future(Batcher& b) {
  auto s = std::allocate_shared<FutureState>(BlockAllocator<FutureState>());
  s->batcher = &b;
  return s;
}

std::shared_ptr<FutureState> settled_future(Batcher& b, Outcome o) {
  auto s = make_future(b);
  s->settled = true;
  s->outcome = std::move(o);
  return s;
}

std::shared_ptr<FutureState> settled_null_future() {
  // Never freed: a holder may outlive every client, and a static's destructor at the process's
  // exit must not free it under a holder still running on another thread.
  static const std::shared_ptr<FutureState>* const state = [] {
    auto s = std::make_shared<FutureState>();
    s->settled = true;
    return new std::shared_ptr<FutureState>(std::move(s));
  }();
  return *state;
}

std::shared_ptr<FutureState> all_of(Batcher& b, const std::vector<std::shared_ptr<FutureState>>& parts,
                                    bool keep_error) {
  auto agg = make_aggregate(b, keep_error);
  // No part can settle while they are registered: the errors of those already settled are taken
  // here, in order, and the others count down as they settle.
  agg->open = false;
  for (const auto& p : parts) {
    if (p->settled) {
      if (keep_error && !p->outcome.ok && !agg->first_error) agg->first_error = p->outcome;
      continue;
    }
    ++agg->left;
    p->aggregate = agg;
  }
  std::shared_ptr<FutureState> result = agg->result;
  agg->close();
  return result;
}

Outcome ok_outcome(Value v) {
  Outcome o;
  o.value = std::move(v);
  return o;
}

Outcome error_outcome(Error e, Value detail) {
  Outcome o;
  o.ok = false;
  o.error = std::move(e);
  o.detail = std::move(detail);
  return o;
}

void AbortState::abort() {
  std::vector<std::function<void()>> cbs;
  {
    std::lock_guard<ThreadLock> lock(mutex);
    if (aborted.exchange(true)) return;
    cbs.swap(callbacks);
  }
  for (auto& cb : cbs) cb();
}

bool CompletionState::complete(Outcome o) {
  if (done.exchange(true, std::memory_order_acq_rel)) return false;
  // Only this thread touches `early` until the exchange below hands it to the runtime's thread.
  early = std::move(o);
  std::uint8_t expected = calling;
  if (phase.compare_exchange_strong(expected, answered, std::memory_order_acq_rel)) return true;
  // The fetcher call has returned: the runtime's thread never reads `early` now; post it.
  o = std::move(*early);
  early.reset();
  // Posted under the inbox's lock: the client nulls the executor under it when it goes away, so
  // a late completion (a worker answering after the host was destroyed) is dropped here instead
  // of reaching a destroyed executor. The Value is handed over: this thread never touches it
  // again.
  std::lock_guard<ThreadLock> lock(inbox->mutex);
  if (inbox->executor == nullptr) return true;
  inbox->executor->post([self = shared_from_this(), o = std::move(o)]() mutable {
    if (auto s = self->sink.lock()) s->deliver(self->attempt, std::move(o));
  });
  return true;
}

Error cancelled_error(const std::string& what) { return Error(ErrorCode::cancelled, what); }

std::string key_text_or_none(const Value& key) {
  try {
    return key_string(key);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::invalid_key) throw;
    return {};
  }
}

Error missing_fetcher_error(const Value& key) {
  std::string text = key_text_or_none(key);
  if (text.empty()) text = "(a key holding NaN or an infinity)";  // no text, but a key all the same
  return Error(ErrorCode::invalid_argument, "Missing queryFn: '" + text + "'");
}

Value missing_fetcher_detail() { return Value::object({{"missingQueryFn", true}, {"serial", failure_serial()}}); }

double failure_serial() {
  // Atomic: clients on different threads share it. A double counts exactly to 2^53.
  static std::atomic<std::uint64_t> last{0};
  return static_cast<double>(last.fetch_add(1, std::memory_order_relaxed) + 1);
}

Outcome outcome_of_exception(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const Error& err) {
    return error_outcome(err);
  } catch (const std::exception& ex) {
    return error_outcome(Error(ErrorCode::query_error, ex.what()));
  } catch (...) {
    return error_outcome(Error(ErrorCode::query_error, "the function threw a non-standard exception"));
  }
}

}  // namespace detail

// ---- Future ----

bool Future::ready() const noexcept { return state_ && state_->settled; }
bool Future::ok() const noexcept { return ready() && state_->outcome.ok; }

const Value& Future::value() const {
  if (!ready()) throw Error(ErrorCode::invalid_argument, "Future::value() called before the future settled");
  if (!state_->outcome.ok) throw *state_->outcome.error;
  return state_->outcome.value;
}

const Error* Future::error() const noexcept {
  if (!ready() || state_->outcome.ok || !state_->outcome.error) return nullptr;
  return &*state_->outcome.error;
}

const Value& Future::error_detail() const noexcept {
  static const Value null_value;
  if (!ready() || state_->outcome.ok) return null_value;
  return state_->outcome.detail;
}

const Future& Future::on_settled(std::function<void(const Outcome&)> fn) const {
  if (!state_) throw Error(ErrorCode::invalid_argument, "Future::on_settled on an empty future");
  if (state_->settled) {
    fn(state_->outcome);
  } else {
    state_->callbacks.push_back(std::move(fn));
  }
  return *this;
}

const Future& Future::then(std::function<void(const Value&)> on_value,
                           std::function<void(const Error&)> on_error) const {
  return on_settled([on_value = std::move(on_value), on_error = std::move(on_error)](const Outcome& o) {
    if (o.ok) {
      if (on_value) on_value(o.value);
    } else if (on_error && o.error) {
      on_error(*o.error);
    }
  });
}

// ---- AbortSignal ----

bool AbortSignal::aborted() const noexcept {
  if (!state_) return false;
  state_->consumed.store(true, std::memory_order_relaxed);
  return state_->aborted.load(std::memory_order_acquire);
}

void AbortSignal::on_abort(std::function<void()> fn) const {
  if (!state_) return;
  state_->consumed.store(true, std::memory_order_relaxed);
  on_abort_without_use(std::move(fn));
}

void AbortSignal::on_abort_without_use(std::function<void()> fn) const {
  if (!state_) return;
  {
    std::lock_guard<detail::ThreadLock> lock(state_->mutex);
    if (!state_->aborted.load()) {
      state_->callbacks.push_back(std::move(fn));
      return;
    }
  }
  fn();
}

// ---- Completion ----

bool Completion::resolve(Value data) const {
  if (!state_) return false;
  return state_->complete(detail::ok_outcome(std::move(data)));
}

bool Completion::reject(Error error, Value detail) const {
  if (!state_) return false;
  return state_->complete(detail::error_outcome(std::move(error), std::move(detail)));
}

bool Completion::fail(Error error, Value detail) const {
  if (!state_) return false;
  Outcome o = detail::error_outcome(std::move(error), std::move(detail));
  o.final = true;
  return state_->complete(std::move(o));
}

bool Completion::done() const noexcept { return state_ && state_->done.load(); }

}  // namespace mfstate
