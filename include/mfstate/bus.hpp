// mfstate::Bus — client events between apps over named topics.
//
// - Topics are '/'-separated names ("cart/item-added"). A subscription pattern may use `*` for
//   exactly one segment ("cart/*") and a final `**` for one or more ("cart/**").
// - `declare(topic, {.schema, .replay}, owner)`: payloads are validated against the schema (when
//   the bus validates); replay hands the last delivered payload to each new subscriber. A
//   declaration belongs to whoever made it (`owner`, a Host passes the declaring app): only they
//   may change or withdraw it; another owner may only declare it again unchanged (and then
//   shares it).
// - Memory follows what is live: a topic is kept while it is declared, has subscribers or has
//   deliveries in flight, and freed afterwards.
// - Delivery goes through the Batcher (the one notification queue): per-topic FIFO; a publish made
//   during a delivery is queued behind it, never delivered recursively; inside a Host transaction
//   messages are delivered after the end, or dropped when it rolls back.
// - A subscriber that throws does not stop the others: its error goes to the error handler.
//   Subscribing or unsubscribing (any subscription) during a delivery is safe; a subscription
//   made during a delivery receives the next message, not the current one (as RxJS's Subject).
// - Destroying the bus from one of its own listeners is safe: no other listener is called after,
//   and the batcher it made for itself (none given) lives until the flush running it returns.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mfstate/contract.hpp"
#include "mfstate/detail/callback.hpp"
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

/// Told of every accepted publish, before delivery: who published (the `origin` given to publish),
/// the topic and the payload.
using PublishObserver =
    std::function<void(std::string_view origin, std::string_view topic, const Value& payload)>;

struct BusOptions {
  /// The notification queue (a Host passes its runtime's). Null: the bus uses its own.
  Batcher* batcher = nullptr;
  /// Receives the errors of throwing subscribers. Null: written to stderr.
  ErrorHandler on_error;
  /// Validate payloads of declared topics against their schema.
  bool validate = true;
  /// Refuse to publish on topics nobody declared (Error unknown_topic).
  bool strict = false;
  /// Told of every accepted publish (a Host's inspector). Fixed here, at construction: nothing can
  /// replace or remove it later.
  PublishObserver on_publish;
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

  /// Declares `topic` as `owner`'s. An undeclared topic takes the declaration; a topic `owner`
  /// alone declared takes the new options; one declared by others with equal options gains
  /// `owner` as a co-owner. Throws forbidden when others declared it with different options,
  /// invalid_argument for an empty name or one with a wildcard segment. Allocates once per topic.
  void declare(std::string_view topic, TopicOptions options = {}, std::string_view owner = {});
  /// Withdraws `owner`'s share of `topic`'s declaration. The last owner gone, the topic is
  /// undeclared (no schema, no replay value; its subscribers stay). Returns false, changing
  /// nothing, when `owner` holds no share.
  bool undeclare(std::string_view topic, std::string_view owner);
  /// Who declared `topic` (empty when undeclared). Allocates.
  [[nodiscard]] std::vector<std::string> declared_by(std::string_view topic) const;
  /// Publishes `payload` as `origin` (a Host passes the publishing app's name, taken from its
  /// handle): validated first (Error schema_violation, nothing delivered), then queued for
  /// delivery to every matching subscriber. Throws invalid_argument for a bad topic name,
  /// unknown_topic on a strict bus for an undeclared topic. Allocates one queued delivery.
  /// Cost: O(subscribers of the topic) at delivery.
  void publish(std::string_view topic, Value payload, std::string_view origin = {});
  /// Subscribes to a topic or a pattern. Throws invalid_argument for an empty listener or
  /// pattern, or a `**` that is not last. Allocates. Cost: O(known topics) for a pattern, O(1)
  /// for a topic.
  Subscription subscribe(std::string_view pattern, BusListener listener);
  /// As above, for any callable `void(std::string_view topic, const Value& payload)` (a lambda):
  /// the bus keeps it as it is, with no std::function around it, and calls it directly.
  template <typename F>
    requires(detail::keeps_as_callback<F, BusListener, std::string_view, const Value&>)
  Subscription subscribe(std::string_view pattern, F&& listener) {
    return subscribe_callback(pattern, Callback::of(std::forward<F>(listener)));
  }
  /// Subscribers currently reached by a publish on `topic` (patterns included).
  [[nodiscard]] std::size_t subscriber_count(std::string_view topic) const;
  /// Whether a publish on `topic` would reach its subscribers exactly as given: a valid name, no
  /// schema to check (or a bus that does not validate), no replay value to keep, and declared if
  /// the bus is strict. (The browser build delivers such messages to its JavaScript subscribers
  /// without the payload crossing into the module.) O(1) for a known topic.
  [[nodiscard]] bool passes_through(std::string_view topic) const noexcept;
  /// The payload a replay topic would hand a new subscriber, if any.
  [[nodiscard]] std::optional<Value> last(std::string_view topic) const;
  /// How many topics the bus keeps now (declared, subscribed to, or with deliveries in flight).
  [[nodiscard]] std::size_t topic_count() const noexcept;
  /// True when `pattern` matches `topic` ("cart/*" matches "cart/item-added").
  [[nodiscard]] static bool matches(std::string_view pattern, std::string_view topic) noexcept;

 private:
  using Callback = detail::Callback<std::string_view, const Value&>;
  Subscription subscribe_callback(std::string_view pattern, Callback listener);

  std::shared_ptr<detail::BusCore> core_;
};

}  // namespace mfstate
