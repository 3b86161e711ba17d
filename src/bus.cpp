#include "mfstate/bus.hpp"

#include <algorithm>
#include <new>
#include <vector>

#include "block_pool.hpp"
#include "error_sink.hpp"
#include "name_map.hpp"
#include "ref.hpp"
#include "transactions.hpp"

namespace mfstate {

namespace detail {

namespace {

bool valid_topic_name(std::string_view t) {
  if (t.empty()) return false;
  std::size_t start = 0;
  for (;;) {
    std::size_t end = t.find('/', start);
    std::string_view seg = t.substr(start, end == std::string_view::npos ? t.npos : end - start);
    if (seg == "*" || seg == "**") return false;
    if (end == std::string_view::npos) return true;
    start = end + 1;
  }
}

bool has_wildcard(std::string_view pattern) {
  std::size_t start = 0;
  for (;;) {
    std::size_t end = pattern.find('/', start);
    std::string_view seg = pattern.substr(start, end == std::string_view::npos ? pattern.npos : end - start);
    if (seg == "*" || seg == "**") return true;
    if (end == std::string_view::npos) return false;
    start = end + 1;
  }
}

bool same_options(const TopicOptions& a, const TopicOptions& b) {
  if (a.replay != b.replay || a.schema.has_value() != b.schema.has_value()) return false;
  return !a.schema || a.schema->document() == b.schema->document();
}

}  // namespace

// A subscription. Shared by every topic its pattern matches; once removed it stays inactive and
// its callback is silenced, so a delivery under way calls it without testing a flag first.
struct BusListenerRec {
  Callback<std::string_view, const Value&> fn;
  std::string pattern;
  bool wildcard = false;
  bool active = true;

  void deactivate() noexcept {
    active = false;
    fn.silence();  // the callable itself lives on (it may be the one running)
  }
};

struct BusCore;

// One topic. Counted: the bus's map holds one reference and each queued delivery another, so a
// topic freed from the map (nobody declares or subscribes to it any more) lives until its last
// delivery has run or been dropped.
struct Topic : RefCounted {
  BusCore* core = nullptr;  // null once the bus is gone
  std::string name;
  TopicOptions options;
  std::vector<std::string> owners;  // who declared it; empty: undeclared
  std::optional<Value> last;
  std::vector<std::shared_ptr<BusListenerRec>> listeners;  // exact and wildcard, in order
  // Subscribed during a delivery of this topic: kept here until it ends, then appended to
  // `listeners`, so that vector does not move while a delivery walks it.
  std::vector<std::shared_ptr<BusListenerRec>> added;
  std::size_t direct = 0;   // live listeners subscribed to exactly this topic
  std::size_t dead = 0;     // inactive entries left in `listeners` and `added`
  std::size_t pending = 0;  // deliveries queued
  int delivering = 0;
  bool in_map = true;

  void add(std::shared_ptr<BusListenerRec> rec) {
    (delivering > 0 ? added : listeners).push_back(std::move(rec));
  }
  /// Listeners a publish would reach now (the ones waiting in `added` included).
  std::size_t live() const noexcept { return listeners.size() + added.size() - dead; }

  // After a delivery: the subscriptions made meanwhile join the others (after them: they were
  // made later), and the inactive entries go.
  void settle() {
    if (delivering > 0) return;
    if (!added.empty()) {
      for (auto& rec : added) listeners.push_back(std::move(rec));  // (smaller than a range insert)
      added.clear();
    }
    compact();
  }

  void compact() {
    if (dead == 0 || delivering > 0) return;
    std::erase_if(listeners, [](const auto& l) { return !l->active; });
    dead = 0;
  }
};

struct BusCore : std::enable_shared_from_this<BusCore> {
  BusOptions options;
  // Shared, not unique: a bus destroyed by one of its own listeners hands it over to itself
  // without allocating (~Bus).
  std::shared_ptr<Batcher> own_batcher;
  Batcher* batcher = nullptr;
  NameMap<Ref<Topic>> topics;
  std::vector<std::shared_ptr<BusListenerRec>> patterns;  // wildcard subscriptions

  ~BusCore() {
    for (auto& [name, t] : topics) {
      t->core = nullptr;
      t->in_map = false;
      // Destroyed by one of its listeners: the delivery under way calls none of the others (their
      // callables live on with the topic its delivery holds, and go with it).
      if (t->delivering > 0) {
        for (auto& rec : t->listeners) rec->deactivate();
      }
    }
  }

  Topic* find(std::string_view name) const {
    auto it = topics.find(name);
    return it == topics.end() ? nullptr : it->second.get();
  }

  Topic& topic(std::string_view name) {
    if (Topic* t = find(name)) return *t;
    Ref<Topic> t(new Topic);
    t->core = this;
    t->name = std::string(name);
    // A new topic picks up every wildcard subscription that matches it, in subscription order.
    for (const auto& p : patterns) {
      if (p->active && Bus::matches(p->pattern, name)) t->listeners.push_back(p);
    }
    Topic* raw = t.get();
    topics.emplace(std::string(name), std::move(t));
    return *raw;
  }

  bool any_pattern_matches(std::string_view name) const {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const auto& p) { return p->active && Bus::matches(p->pattern, name); });
  }

  // Frees `t` once nothing keeps it: no declaration, no subscriber of its own, nothing in flight.
  // (Wildcard subscriptions do not keep a topic: a new one picks them up again.)
  void collect(Topic& t) {
    if (!t.in_map || !t.owners.empty() || t.direct > 0 || t.pending > 0 || t.delivering > 0) return;
    t.in_map = false;
    topics.erase(t.name);  // may delete t
  }

  void report(const Error& e) noexcept { report_error(options.on_error, e); }

  void call(Topic& t, BusListenerRec& rec, const Value& payload) {
    try {
      rec.fn(t.name, payload);
    } catch (...) {
      report(error_from_exception(
          ErrorCode::listener_error,
          "a subscriber of topic \"" + t.name + "\" (pattern \"" + rec.pattern + "\") threw"));
    }
  }

  void remove(const std::shared_ptr<BusListenerRec>& rec) {
    if (!rec->active) return;
    rec->deactivate();
    std::vector<Ref<Topic>> touched;
    if (rec->wildcard) {
      std::erase(patterns, rec);
      for (auto& [name, t] : topics) {
        if (Bus::matches(rec->pattern, name)) {
          ++t->dead;
          t->compact();
          touched.push_back(t);
        }
      }
    } else if (Topic* t = find(rec->pattern)) {
      ++t->dead;
      --t->direct;
      t->compact();
      touched.emplace_back(t);
    }
    for (auto& t : touched) collect(*t);
  }
};

// A queued delivery: keeps its topic alive, and lets the bus free the topic once it has run or
// been dropped unrun (a transaction rolled back). A plain job on the batcher (transactions.hpp):
// one pooled block, where a std::function would have boxed it in a block from malloc and called
// it through its manager.
struct Delivery {
  Ref<Topic> topic;
  Value payload;

  Delivery(Topic& t, Value&& p) noexcept : topic(&t), payload(std::move(p)) { ++t.pending; }
  Delivery(const Delivery&) = delete;
  Delivery& operator=(const Delivery&) = delete;
  ~Delivery() {
    Topic& t = *topic;
    --t.pending;
    if (t.core != nullptr) t.core->collect(t);
  }

  /// Queues the delivery of `payload` on `t`; a rollback of the transaction open now drops it.
  static void queue(Batcher& b, Topic& t, Value&& payload) {
    auto* d = new (allocate_hot_block(sizeof(Delivery))) Delivery(t, std::move(payload));
    try {
      notify_undoable(b, &Delivery::run, d, &Delivery::drop);
    } catch (...) {
      drop(d);  // the queue could not grow: nothing was queued
      throw;
    }
  }
  static void run(void* job) {
    struct Release {
      Delivery* d;
      ~Release() { drop(d); }
    } release{static_cast<Delivery*>(job)};
    release.d->deliver();
  }
  static void drop(void* job) noexcept {
    auto* d = static_cast<Delivery*>(job);
    d->~Delivery();
    free_hot_block(d, sizeof(Delivery));
  }

  void deliver() {
    Topic& t = *topic;
    if (t.core == nullptr) return;
    if (t.options.replay) t.last = payload;
    ++t.delivering;
    // Snapshot: a listener subscribed during this delivery waits in `added` for the next message,
    // an unsubscribed one is only deactivated (its call is a no-op; compact waits), so the vector
    // does not move while it is walked here: a pointer walk, where an index reloaded it after
    // every call, and no flag to test.
    const std::string_view name = t.name;
    const Value* const message = &payload;
    for (auto *l = t.listeners.data(), *const end = l + t.listeners.size(); l != end; ++l) {
      try {
        (*l)->fn(name, *message);
      } catch (...) {
        // The record is read again from `l` here, not kept from before the call: kept, it took
        // a register the loop needed for the payload, reloaded from the stack at every call.
        if (t.core != nullptr) {
          t.core->report(error_from_exception(
              ErrorCode::listener_error,
              "a subscriber of topic \"" + t.name + "\" (pattern \"" + (*l)->pattern + "\") threw"));
        }
      }
    }
    --t.delivering;
    t.settle();
  }
};

}  // namespace detail

using detail::BusCore;
using detail::BusListenerRec;
using detail::Topic;

Bus::Bus(BusOptions options) : core_(std::make_shared<BusCore>()) {
  core_->options = std::move(options);
  if (core_->options.batcher) {
    core_->batcher = core_->options.batcher;
  } else {
    core_->own_batcher = std::make_shared<Batcher>(core_->options.on_error);
    core_->batcher = core_->own_batcher.get();
  }
}

// Queued deliveries keep their topic, and are skipped once the bus is gone. A bus destroyed by
// one of its own listeners while its own batcher runs the delivery (or any job queued behind it)
// leaves that batcher to itself until the flush returns: freed now, the flush would go on in freed
// memory. The batcher then frees itself (detail::park_until_idle); the bus is gone at once.
// Nothing on the hot path pays for it: the batcher already releases what is parked when idle.
Bus::~Bus() {
  if (core_ == nullptr || core_->own_batcher == nullptr || !core_->own_batcher->in_batch()) return;
  Batcher& b = *core_->own_batcher;
  detail::park_until_idle(b, std::move(core_->own_batcher));
}

void Bus::declare(std::string_view topic, TopicOptions options, std::string_view owner) {
  if (!detail::valid_topic_name(topic)) {
    throw Error(ErrorCode::invalid_argument,
                "declare: a topic name must be non-empty and have no wildcard segment, got \"" +
                    std::string(topic) + "\"");
  }
  BusCore& c = *core_;
  Topic* existing = c.find(topic);
  if (existing != nullptr && !existing->owners.empty()) {
    Topic& t = *existing;
    const bool mine = std::find(t.owners.begin(), t.owners.end(), owner) != t.owners.end();
    if (detail::same_options(t.options, options)) {
      if (!mine) t.owners.emplace_back(owner);
      return;
    }
    if (!mine || t.owners.size() > 1) {
      std::string who;
      for (const auto& o : t.owners) who += (who.empty() ? "\"" : ", \"") + o + "\"";
      throw Error(ErrorCode::forbidden, "declare \"" + std::string(topic) + "\": the topic is declared by " +
                                            who +
                                            " with other options, and only its declarer may change them");
    }
  }
  Topic& t = c.topic(topic);
  t.options = std::move(options);
  if (t.owners.empty()) t.owners.emplace_back(owner);
  if (!t.options.replay) t.last.reset();
}

bool Bus::undeclare(std::string_view topic, std::string_view owner) {
  BusCore& c = *core_;
  Topic* t = c.find(topic);
  if (t == nullptr) return false;
  auto it = std::find(t->owners.begin(), t->owners.end(), owner);
  if (it == t->owners.end()) return false;
  t->owners.erase(it);
  if (t->owners.empty()) {
    t->options = TopicOptions{};
    t->last.reset();
    c.collect(*t);
  }
  return true;
}

std::vector<std::string> Bus::declared_by(std::string_view topic) const {
  if (const Topic* t = core_->find(topic)) return t->owners;
  return {};
}

void Bus::publish(std::string_view topic, Value payload, std::string_view origin) {
  BusCore& c = *core_;
  Topic* t = c.find(topic);
  if (t == nullptr && !detail::valid_topic_name(topic)) {
    throw Error(ErrorCode::invalid_argument,
                "publish: a topic name must be non-empty and have no wildcard segment, got \"" +
                    std::string(topic) + "\"");
  }
  if (c.options.strict && (t == nullptr || t->owners.empty())) {
    throw Error(ErrorCode::unknown_topic,
                "publish on \"" + std::string(topic) +
                    "\": the topic was never declared and the bus is strict (declare it first)");
  }
  if (t != nullptr && c.options.validate && t->options.schema) {
    require_valid(*t->options.schema, payload, "topic \"" + t->name + "\"");
  }
  if (c.options.on_publish) c.options.on_publish(origin, topic, payload);
  if (t == nullptr) {
    // Nobody subscribed to it by name: a topic is made only when a wildcard subscription waits.
    if (!c.any_pattern_matches(topic)) return;
    t = &c.topic(topic);
  }
  if (t->live() == 0 && !t->options.replay) {
    c.collect(*t);
    return;
  }
  // Undoable: a message published inside a transaction that rolls back is never delivered.
  detail::Delivery::queue(*c.batcher, *t, std::move(payload));
}

Subscription Bus::subscribe(std::string_view pattern, BusListener listener) {
  if (!listener) {
    throw Error(ErrorCode::invalid_argument, "Bus::subscribe needs a listener, got an empty one");
  }
  return subscribe_callback(pattern, Callback::of(std::move(listener)));
}

Subscription Bus::subscribe_callback(std::string_view pattern, Callback listener) {
  if (pattern.empty()) {
    throw Error(ErrorCode::invalid_argument, "Bus::subscribe needs a topic or pattern, got \"\"");
  }
  const auto dstar = pattern.find("**");
  if (dstar != std::string_view::npos &&
      (dstar + 2 != pattern.size() || (dstar > 0 && pattern[dstar - 1] != '/'))) {
    throw Error(ErrorCode::invalid_argument,
                "Bus::subscribe: \"**\" may only be the last segment of a pattern, got \"" +
                    std::string(pattern) + "\"");
  }
  BusCore& c = *core_;
  auto rec = std::make_shared<BusListenerRec>();
  rec->fn = std::move(listener);
  rec->pattern = std::string(pattern);
  rec->wildcard = detail::has_wildcard(pattern);
  std::vector<detail::Ref<Topic>> replays;
  if (rec->wildcard) {
    c.patterns.push_back(rec);
    for (auto& [name, t] : c.topics) {
      if (matches(pattern, name)) {
        t->add(rec);
        if (t->options.replay && t->last) replays.push_back(t);
      }
    }
  } else {
    Topic& t = c.topic(pattern);
    t.add(rec);
    ++t.direct;
    if (t.options.replay && t.last) replays.emplace_back(&t);
  }
  std::weak_ptr<BusCore> weak = core_;
  Subscription handle([weak, rec] {
    if (auto core = weak.lock()) core->remove(rec);
  });
  // Last, in one batch: the replays may run when it closes, and their listener may destroy this
  // bus (nothing of it is read after that; the batcher lives until its flush returns, ~Bus).
  if (!replays.empty()) {
    Batcher::Scope batch(*c.batcher);
    for (auto& t : replays) {
      std::weak_ptr<BusListenerRec> wrec = rec;
      c.batcher->notify([t, wrec, payload = *t->last] {
        auto r = wrec.lock();
        if (t->core != nullptr && r && r->active) t->core->call(*t, *r, payload);
      });
    }
  }
  return handle;
}

std::size_t Bus::subscriber_count(std::string_view topic) const {
  if (const Topic* t = core_->find(topic)) return t->live();
  std::size_t n = 0;
  for (const auto& p : core_->patterns) {
    if (p->active && matches(p->pattern, topic)) ++n;
  }
  return n;
}

bool Bus::passes_through(std::string_view topic) const noexcept {
  const BusCore& c = *core_;
  const Topic* t = c.find(topic);
  if (t == nullptr) return !c.options.strict && detail::valid_topic_name(topic);
  if (c.options.strict && t->owners.empty()) return false;
  return !t->options.replay && !(c.options.validate && t->options.schema);
}

std::optional<Value> Bus::last(std::string_view topic) const {
  if (const Topic* t = core_->find(topic)) return t->last;
  return std::nullopt;
}

std::size_t Bus::topic_count() const noexcept { return core_->topics.size(); }

bool Bus::matches(std::string_view pattern, std::string_view topic) noexcept {
  std::size_t p = 0;
  std::size_t t = 0;
  for (;;) {
    const std::size_t pe = pattern.find('/', p);
    const std::string_view pseg = pattern.substr(p, pe == std::string_view::npos ? pattern.npos : pe - p);
    if (t > topic.size()) return false;
    if (pseg == "**") return t < topic.size();
    const std::size_t te = topic.find('/', t);
    const std::string_view tseg = topic.substr(t, te == std::string_view::npos ? topic.npos : te - t);
    if (pseg != "*" && pseg != tseg) return false;
    if (pe == std::string_view::npos || te == std::string_view::npos) {
      return pe == std::string_view::npos && te == std::string_view::npos;
    }
    p = pe + 1;
    t = te + 1;
  }
}

}  // namespace mfstate
