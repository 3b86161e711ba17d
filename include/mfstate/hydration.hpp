// dehydrate / hydrate: a client's cache to and from a plain struct (and query-core's JSON shape),
// so a server-rendered or persisted cache can seed another client (TanStack's hydration module).
//
// Dehydrated by default: successful queries and paused mutations (so they resume on the other
// side). A pending query may be dehydrated too (should_dehydrate_query): it carries the Future of
// its fetch, and the hydrating client shows it as fetching until that Future settles it — at once
// when it already has.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "mfstate/future.hpp"
#include "mfstate/mutation.hpp"
#include "mfstate/query_options.hpp"

namespace mfstate {

struct DehydratedQuery {
  Value key;
  /// key_string(key): query-core's queryHash; "" for a key holding NaN or an infinity (JSON has
  /// no text for it).
  std::string hash;
  QueryState state;
  Value meta;                       ///< null when none (not written then)
  bool infinite = false;            ///< queryType 'infinite'
  Millis dehydrated_at{0};
  /// A pending query's fetch: settles with its data, or with its error (redacted to
  /// Error(query_error, "redacted") unless should_redact_errors says no). Not part of the JSON.
  std::optional<Future> promise;
};

struct DehydratedMutation {
  Value mutation_key;               ///< null when none
  MutationState state;
  Value meta;
  std::optional<std::string> scope;
};

/// TanStack's DehydratedState.
struct DehydratedState {
  std::vector<DehydratedQuery> queries;
  std::vector<DehydratedMutation> mutations;

  /// query-core's JSON shape: {"mutations": [...], "queries": [{"queryKey", "queryHash", "state",
  /// "dehydratedAt", "meta"?, "queryType"?}]}; errors as {"code", "message"}. Futures are left
  /// out (as JSON.stringify leaves out a promise), and so is a query whose key holds NaN or an
  /// infinity (JSON.stringify would write null: another query's key). Allocates.
  Value to_value() const;
  /// Reads that shape. Throws Error(invalid_argument) naming the bad field; changes nothing.
  static DehydratedState from_value(const Value& value);
};

/// query-core's defaultShouldDehydrateQuery: a successful query. O(1).
bool default_should_dehydrate_query(const QueryInfo& query) noexcept;
/// query-core's defaultShouldDehydrateMutation: a paused mutation. O(1).
bool default_should_dehydrate_mutation(const MutationInfo& mutation) noexcept;

struct DehydrateOptions {
  /// Default: status success (query-core's defaultShouldDehydrateQuery).
  std::function<bool(const QueryInfo&)> should_dehydrate_query;
  /// Default: paused mutations (defaultShouldDehydrateMutation).
  std::function<bool(const MutationInfo&)> should_dehydrate_mutation;
  /// For a dehydrated pending query that then fails: true (default) hides the error behind
  /// Error(query_error, "redacted"); false hands the error over.
  std::function<bool(const Error&)> should_redact_errors;
  /// Transforms data on the way out (and the promise's result).
  std::function<Value(const Value&)> serialize_data;
};

struct HydrateOptions {
  /// Options of the queries hydrate creates (gc_time, retry...), over their key's defaults.
  QueryOptions queries;
  /// Options of the mutations hydrate creates (their fn...), over their key's defaults.
  MutationOptions mutations;
  /// Transforms data on the way in.
  std::function<Value(const Value&)> deserialize_data;
};

}  // namespace mfstate
