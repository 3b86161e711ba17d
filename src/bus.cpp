#include "mfstate/bus.hpp"

#include <algorithm>
#include <iostream>
#include <vector>

#include "name_map.hpp"

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
    std::string_view seg =
        pattern.substr(start, end == std::string_view::npos ? pattern.npos : end - start);
    if (seg == "*" || seg == "**") return true;
    if (end == std::string_view::npos) return false;
    start = end + 1;
  }
}

}  // namespace

struct BusListenerRec {
  std::uint64_t id;
  BusListener fn;
  std::string pattern;
  bool wildcard;
  bool active = true;
};

struct Topic {
  std::string name;
  TopicOptions options;
  bool declared = false;
  std::optional<Value> last;
  std::vector<std::shared_ptr<BusListenerRec>> listeners;
  int delivering = 0;
  std::size_t dead = 0;

  void compact() {
    if (dead == 0 || delivering > 0) return;
    std::erase_if(listeners, [](const auto& l) { return !l->active; });
    dead = 0;
  }
};

struct BusCore : std::enable_shared_from_this<BusCore> {
  BusOptions options;
  std::unique_ptr<Batcher> own_batcher;
  Batcher* batcher = nullptr;
  NameMap<std::unique_ptr<Topic>> topics;
  std::vector<std::shared_ptr<BusListenerRec>> patterns;  // wildcard subscriptions
  std::uint64_t next_id = 1;
  std::function<void(std::string_view, const Value&)> publish_hook;

  Topic* find(std::string_view name) const {
    auto it = topics.find(name);
    return it == topics.end() ? nullptr : it->second.get();
  }

  Topic& topic(std::string_view name) {
    if (Topic* t = find(name)) return *t;
    auto t = std::make_unique<Topic>();
    t->name = std::string(name);
    // A new topic picks up every wildcard subscription that matches it, in subscription order.
    for (const auto& p : patterns) {
      if (p->active && Bus::matches(p->pattern, name)) t->listeners.push_back(p);
    }
    Topic* raw = t.get();
    topics.emplace(std::string(name), std::move(t));
    return *raw;
  }

  void report(const Error& e) {
    if (options.on_error) {
      options.on_error(e);
    } else {
      std::cerr << "mfstate: " << to_string(e.code()) << ": " << e.what() << '\n';
    }
  }

  void call(Topic& t, BusListenerRec& rec, const Value& payload) {
    try {
      rec.fn(t.name, payload);
    } catch (...) {
      report(current_error("a subscriber of topic \"" + t.name + "\" (pattern \"" + rec.pattern +
                           "\") threw"));
    }
  }

  static Error current_error(const std::string& context) {
    try {
      throw;
    } catch (const Error& e) {
      return Error(e.code(), context + ": " + e.what());
    } catch (const std::exception& e) {
      return Error(ErrorCode::listener_error, context + ": " + e.what());
    } catch (...) {
      return Error(ErrorCode::listener_error, context + ": a non-standard exception");
    }
  }

  void deliver(Topic& t, const Value& payload) {
    if (t.options.replay) t.last = payload;
    ++t.delivering;
    // Snapshot: a listener added during this delivery waits for the next message. The vector
    // may grow meanwhile (a subscription from a listener), so index it afresh each time.
    const std::size_t n = t.listeners.size();
    const std::string_view name = t.name;
    for (std::size_t i = 0; i < n; ++i) {
      BusListenerRec* rec = t.listeners[i].get();
      if (!rec->active) continue;
      try {
        rec->fn(name, payload);
      } catch (...) {
        report(current_error("a subscriber of topic \"" + t.name + "\" (pattern \"" +
                             rec->pattern + "\") threw"));
      }
    }
    --t.delivering;
    t.compact();
  }

  void remove(const std::shared_ptr<BusListenerRec>& rec) {
    if (!rec->active) return;
    rec->active = false;
    if (rec->wildcard) {
      std::erase(patterns, rec);
      for (auto& [name, t] : topics) {
        if (Bus::matches(rec->pattern, name)) {
          ++t->dead;
          t->compact();
        }
      }
    } else if (Topic* t = find(rec->pattern)) {
      ++t->dead;
      t->compact();
    }
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
    core_->own_batcher = std::make_unique<Batcher>();
    core_->batcher = core_->own_batcher.get();
  }
}

// Queued deliveries hold a weak reference and are skipped once the bus is gone.
Bus::~Bus() = default;

void Bus::declare(std::string_view topic, TopicOptions options) {
  if (!detail::valid_topic_name(topic)) {
    throw Error(ErrorCode::invalid_argument,
                "declare: a topic name must be non-empty and have no wildcard segment, got \"" +
                    std::string(topic) + "\"");
  }
  Topic& t = core_->topic(topic);
  t.options = std::move(options);
  t.declared = true;
  if (!t.options.replay) t.last.reset();
}

void Bus::publish(std::string_view topic, Value payload) {
  BusCore& c = *core_;
  Topic* t = c.find(topic);
  if (t == nullptr) {
    if (!detail::valid_topic_name(topic)) {
      throw Error(ErrorCode::invalid_argument,
                  "publish: a topic name must be non-empty and have no wildcard segment, got \"" +
                      std::string(topic) + "\"");
    }
    if (c.options.strict) {
      throw Error(ErrorCode::unknown_topic,
                  "publish on \"" + std::string(topic) +
                      "\": the topic was never declared and the bus is strict (declare it first)");
    }
    t = &c.topic(topic);
  } else if (c.options.strict && !t->declared) {
    throw Error(ErrorCode::unknown_topic,
                "publish on \"" + std::string(topic) +
                    "\": the topic was never declared and the bus is strict (declare it first)");
  }
  if (c.options.validate && t->options.schema) {
    require_valid(*t->options.schema, payload, "topic \"" + t->name + "\"");
  }
  if (c.publish_hook) c.publish_hook(t->name, payload);
  if (t->listeners.empty() && !t->options.replay) return;
  std::weak_ptr<BusCore> weak = core_;
  c.batcher->notify([weak = std::move(weak), t, payload = std::move(payload)] {
    if (auto core = weak.lock()) core->deliver(*t, payload);
  });
}

Subscription Bus::subscribe(std::string_view pattern, BusListener listener) {
  if (!listener) {
    throw Error(ErrorCode::invalid_argument, "Bus::subscribe needs a listener, got an empty one");
  }
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
  rec->id = c.next_id++;
  rec->fn = std::move(listener);
  rec->pattern = std::string(pattern);
  rec->wildcard = detail::has_wildcard(pattern);
  std::vector<Topic*> replays;
  if (rec->wildcard) {
    c.patterns.push_back(rec);
    for (auto& [name, t] : c.topics) {
      if (matches(pattern, name)) {
        t->listeners.push_back(rec);
        if (t->options.replay && t->last) replays.push_back(t.get());
      }
    }
  } else {
    Topic& t = c.topic(pattern);
    t.listeners.push_back(rec);
    if (t.options.replay && t.last) replays.push_back(&t);
  }
  std::weak_ptr<BusCore> weak = core_;
  for (Topic* t : replays) {
    std::weak_ptr<BusListenerRec> wrec = rec;
    c.batcher->notify([weak, wrec, t, payload = *t->last] {
      auto core = weak.lock();
      auto r = wrec.lock();
      if (core && r && r->active) core->call(*t, *r, payload);
    });
  }
  return Subscription([weak, rec] {
    if (auto core = weak.lock()) core->remove(rec);
  });
}

std::size_t Bus::subscriber_count(std::string_view topic) const {
  if (const Topic* t = core_->find(topic)) {
    return t->listeners.size() - t->dead;
  }
  std::size_t n = 0;
  for (const auto& p : core_->patterns) {
    if (p->active && matches(p->pattern, topic)) ++n;
  }
  return n;
}

std::optional<Value> Bus::last(std::string_view topic) const {
  if (const Topic* t = core_->find(topic)) return t->last;
  return std::nullopt;
}

bool Bus::matches(std::string_view pattern, std::string_view topic) noexcept {
  std::size_t p = 0;
  std::size_t t = 0;
  for (;;) {
    const std::size_t pe = pattern.find('/', p);
    const std::string_view pseg =
        pattern.substr(p, pe == std::string_view::npos ? pattern.npos : pe - p);
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

void Bus::set_publish_hook(std::function<void(std::string_view, const Value&)> hook) {
  core_->publish_hook = std::move(hook);
}

}  // namespace mfstate
