// Mutations: server writes run through the QueryClient (TanStack's useMutation / MutationObserver).
//
// `QueryClient::mutate(options, variables)` runs on_mutate (whose result is the rollback context),
// the mutation function with retries, then on_success or on_error, then on_settled. The optimistic
// update pattern: on_mutate cancels the queries, snapshots their data, sets the optimistic data and
// returns the snapshot; on_error puts the snapshot back; on_settled invalidates. Mutations with the
// same scope run one at a time, in the order they were started.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "mfstate/query.hpp"

namespace mfstate {

enum class MutationStatus : std::uint8_t { idle, pending, success, error };

/// The mutation function: starts the write of `variables` and completes `done` later.
using MutationFn =
    std::function<void(const Value& variables, const AbortSignal& signal, Completion done)>;

struct MutationOptions {
  MutationFn fn;                        ///< empty: the defaults' fn
  Value mutation_key;                   ///< for set_mutation_defaults and filters (array or null)
  std::optional<std::string> scope;     ///< same scope: serialised
  std::optional<int> retry;             ///< 0
  RetryPredicate retry_if;
  RetryDelay retry_delay;               ///< min(1000 * 2^n, 30000) ms
  std::optional<NetworkMode> network_mode;
  Value meta;
  /// Before the function runs; returns the context handed to the other callbacks.
  std::function<Value(const Value& variables)> on_mutate;
  std::function<void(const Value& data, const Value& variables, const Value& context)> on_success;
  std::function<void(const Error& error, const Value& variables, const Value& context)> on_error;
  /// After on_success / on_error: data is null and error set on failure.
  std::function<void(const Value& data, const Error* error, const Value& variables,
                     const Value& context)>
      on_settled;
};

struct MutationFilters {
  std::optional<Value> mutation_key;  ///< partial match on the mutation key
  bool exact = false;
  std::optional<MutationStatus> status;
};

/// A synchronous mutation function (completes at once).
MutationFn sync_mutation(std::function<Value(const Value& variables)> fn);

}  // namespace mfstate
