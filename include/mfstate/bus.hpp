// mfstate::Bus — client events between apps over named topics.
//
// - Topics are '/'-separated names ("cart/item-added"). A subscription pattern may use `*` for
//   exactly one segment ("cart/*") and a final `**` for one or more ("cart/**").
// - `declare(topic, {.schema, .replay})`: payloads are validated against the schema (when the
//   bus validates); replay hands the last delivered payload to each new subscriber.
// - Delivery goes through the Batcher (the one notification queue): per-topic FIFO; a publish made
//   during a delivery is queued behind it, never delivered recursively; inside a Host transaction
//   messages are delivered after the end, or dropped when it rolls back.
// - A subscriber that throws does not stop the others: its error goes to the error handler.
//   Subscribing or unsubscribing (any subscription) during a delivery is safe; a subscription
//   made during a delivery receives the next message, not the current one (as RxJS's Subject).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mfstate/contract.hpp"
#include "mfstate/error.hpp"
#include "mfstate/runtime.hpp"
#include "mfstate/value.hpp"

namespace mfstate {

/// What a topic promises (designated initialisers: `{.schema = s, .replay = true}`).
struct TopicOptions {
  /// Payloads must satisfy it (checked when the bus validates).
  std::optional<Schema> schema;
  /// A new subscriber receives the last delivered payload at once.
  bool replay = false;
};

/// Receives a message: the topic it was published on (useful with wildcards) and its payload.
using BusListener = std::function<void(std::string_view topic, const Value& payload)>;

struct BusOptions {
  /// The notification queue (a Host passes its runtime's). Null: the bus uses its own.
  Batcher* batcher = nullptr;
  /// Receives the errors of throwing subscribers. Null: written to stderr.
  std::function<void(const Error&)> on_error;
  /// Validate payloads of declared topics against their schema.
  bool validate = true;
  /// Refuse to publish on topics nobody declared (Error unknown_topic).
  bool strict = false;
};

namespace detail {
struct BusCore;
}

class Bus {
 public:
  /// A bus. Allocates.
  explicit Bus(BusOptions options = {});
  Bus(const Bus&) = delete;
  Bus& operator=(const Bus&) = delete;
  ~Bus();

  /// Declares (or re-declares) a topic. Throws invalid_argument for an empty name or a name with
  /// a wildcard segment. Allocates once per topic.
  void declare(std::string_view topic, TopicOptions options = {});
  /// Publishes `payload`: validated first (Error schema_violation, nothing delivered), then queued
  /// for delivery to every matching subscriber. Throws invalid_argument for a bad topic name,
  /// unknown_topic on a strict bus for an undeclared topic. Allocates one queued delivery.
  /// Cost: O(subscribers of the topic) at delivery.
  void publish(std::string_view topic, Value payload);
  /// Subscribes to a topic or a pattern. Throws invalid_argument for an empty pattern or a `**`
  /// that is not last. Allocates. Cost: O(known topics) for a pattern, O(1) for a topic.
  Subscription subscribe(std::string_view pattern, BusListener listener);
  /// Subscribers currently reached by a publish on `topic` (patterns included).
  std::size_t subscriber_count(std::string_view topic) const;
  /// The payload a replay topic would hand a new subscriber, if any.
  std::optional<Value> last(std::string_view topic) const;
  /// True when `pattern` matches `topic` ("cart/*" matches "cart/item-added").
  static bool matches(std::string_view pattern, std::string_view topic) noexcept;

  /// Internal (the Host's inspector): called for every accepted publish, before delivery.
  void set_publish_hook(std::function<void(std::string_view topic, const Value& payload)> hook);

 private:
  std::shared_ptr<detail::BusCore> core_;
};

}  // namespace mfstate
