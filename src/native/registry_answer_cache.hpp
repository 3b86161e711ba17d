// The registry server's cache of built answers: the JSON of a stored manifest, kept so that a
// repeated read costs a lookup instead of a parse of the stored document, a compile of every
// schema in it and a serialisation (seconds for the largest manifest the server accepts); and of
// listings, for a moment (their cost grows with what is published).
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mfstate::detail {

/// Answers by key, least recently used first out, bounded in bytes (keys, answers and a fixed
/// cost per entry): it never holds more than its budget, however many versions are published.
/// An answer may expire at a given time. An answer is shared, not copied: connections sending it
/// hold the same bytes. Not thread-safe.
class AnswerCache {
 public:
  using Clock = std::chrono::steady_clock;

  /// What one entry costs beyond its key and answer (nodes, pointers, counts).
  static constexpr std::size_t entry_overhead = 128;

  explicit AnswerCache(std::size_t budget_bytes) : budget_(budget_bytes) {}

  /// The answer under `key`, now the most recently used; null when absent or expired at `now`
  /// (an expired one is forgotten).
  std::shared_ptr<const std::string> find(const std::string& key, Clock::time_point now = {});
  /// Keeps `answer` under `key` until `expires` (never, by default), evicting the least recently
  /// used entries to stay within budget. An answer that alone exceeds the budget is not kept.
  void insert(const std::string& key, std::shared_ptr<const std::string> answer,
              Clock::time_point expires = Clock::time_point::max());
  /// Forgets the answer under `key`, if any.
  void erase(const std::string& key);
  /// Forgets every answer.
  void clear();

  std::size_t bytes() const { return bytes_; }
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const std::string> answer;
    Clock::time_point expires;
  };
  static std::size_t cost(const std::string& key, const std::string& answer) {
    return key.size() + answer.size() + entry_overhead;
  }
  void drop(std::list<Entry>::iterator at);

  std::size_t budget_;
  std::size_t bytes_ = 0;
  std::list<Entry> entries_;                                                // most recently used first
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;  // views of Entry::key
};

}  // namespace mfstate::detail
