// Asynchronous results in a single-threaded runtime: Future (what a fetch or mutation returns),
// and AbortSignal / Completion (what a fetcher or mutation function is handed).
//
// Only the library makes these; their constructors are private. A Future settles once, through
// the runtime's Batcher; there is no blocking wait (drive the runtime: run_until_idle, advance).
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "mfstate/error.hpp"
#include "mfstate/value.hpp"

namespace mfstate {

namespace detail {
struct FutureState;
struct AbortState;
struct CompletionState;
struct AsyncAccess;
}  // namespace detail

/// The settled outcome of a fetch or mutation: a value, or an error with optional detail (for an
/// HTTP error: {"status": 404, "body": "..."}).
struct Outcome {
  bool ok = true;
  Value value;
  std::optional<Error> error;
  Value detail;
  bool final = false;  ///< an error no retry can mend (Completion::fail): the retryer gives up at once
};

/// The result of an asynchronous operation: a shared handle that settles once, with a value or an
/// error. Callbacks registered before it settles run (through the runtime's Batcher) when it
/// settles; registered after, they run at once. Copying shares the same result.
class Future {
 public:
  /// An empty future (no state): ready() is false and it never settles. O(1).
  Future() = default;
  /// True once settled (with a value or an error). O(1).
  bool ready() const noexcept;
  /// True when settled with a value. O(1).
  bool ok() const noexcept;
  /// The value. Throws the error when it failed, Error(invalid_argument) while pending.
  const Value& value() const;
  /// The error, or nullptr while pending or when it succeeded. O(1).
  const Error* error() const noexcept;
  /// The error's detail (null when none or when it succeeded). O(1).
  const Value& error_detail() const noexcept;
  /// Calls `fn` with the outcome once settled (now when already settled). Allocates. Throws
  /// Error(invalid_argument) on an empty future.
  const Future& on_settled(std::function<void(const Outcome&)> fn) const;
  /// Calls `on_value` or `on_error` once settled (now when already settled). Allocates.
  const Future& then(std::function<void(const Value&)> on_value,
                     std::function<void(const Error&)> on_error = {}) const;

 private:
  friend struct detail::AsyncAccess;
  explicit Future(std::shared_ptr<detail::FutureState> state) : state_(std::move(state)) {}
  std::shared_ptr<detail::FutureState> state_;
};

/// Cancellation as a fetcher sees it: poll `aborted()` or register `on_abort`. Thread-safe.
/// Using the signal (either call) tells the cache the fetcher can be cancelled: when the last
/// observer of a query leaves, a fetch whose signal was used is cancelled instead of left to
/// finish (TanStack's "consumed" signal).
class AbortSignal {
 public:
  /// A signal that never aborts.
  AbortSignal() = default;
  /// True once the fetch was cancelled. Thread-safe, lock-free.
  bool aborted() const noexcept;
  /// Calls `fn` once on abort (now, on this thread, when already aborted); otherwise on the
  /// thread that aborts (the runtime's). Thread-safe. Allocates.
  void on_abort(std::function<void()> fn) const;
  /// As on_abort, without counting as a use: code around a fetcher that must stop once the fetch
  /// is cancelled, but must not make a fetcher that never used its signal cancellable (TanStack's
  /// streamedQuery stops writing chunks after a cancel either way). Thread-safe. Allocates.
  void on_abort_without_use(std::function<void()> fn) const;

 private:
  friend struct detail::AsyncAccess;
  explicit AbortSignal(std::shared_ptr<detail::AbortState> s) : state_(std::move(s)) {}
  std::shared_ptr<detail::AbortState> state_;
};

/// How a fetcher (or a mutation function) completes: call `resolve` or `reject` exactly once,
/// from any thread. The first call wins; later ones are ignored. A call made before the fetcher
/// returns completes the fetch as soon as it returns; a later one is posted to the runtime's
/// Executor — and dropped, never posted, once the QueryClient is gone. Copies share the one
/// completion.
class Completion {
 public:
  /// A completion that completes nothing (resolve/reject return false).
  Completion() = default;
  /// Completes with data. Thread-safe. Returns false when already completed.
  bool resolve(Value data) const;
  /// Completes with an error (and optional detail such as an HTTP status). Thread-safe.
  bool reject(Error error, Value detail = {}) const;
  /// As reject, but never retried: the fetch or mutation fails with it at once, whatever its
  /// `retry` says (an answer that is not data, which another attempt would not change). Thread-safe.
  bool fail(Error error, Value detail = {}) const;
  /// True once resolve or reject was called. Thread-safe.
  bool done() const noexcept;

 private:
  friend struct detail::AsyncAccess;
  explicit Completion(std::shared_ptr<detail::CompletionState> s) : state_(std::move(s)) {}
  std::shared_ptr<detail::CompletionState> state_;
};

}  // namespace mfstate
