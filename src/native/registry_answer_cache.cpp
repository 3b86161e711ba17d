// The registry server's answer cache (registry_answer_cache.hpp).
#include "registry_answer_cache.hpp"

namespace mfstate::detail {

std::shared_ptr<const std::string> AnswerCache::find(const std::string& key, Clock::time_point now) {
  const auto found = index_.find(key);
  if (found == index_.end()) return nullptr;
  if (found->second->expires <= now) {
    drop(found->second);
    return nullptr;
  }
  entries_.splice(entries_.begin(), entries_, found->second);
  return found->second->answer;
}

void AnswerCache::insert(const std::string& key, std::shared_ptr<const std::string> answer,
                         Clock::time_point expires) {
  erase(key);
  const std::size_t needed = cost(key, *answer);
  if (needed > budget_) return;
  while (bytes_ + needed > budget_) drop(std::prev(entries_.end()));
  entries_.push_front(Entry{key, std::move(answer), expires});
  index_.emplace(entries_.front().key, entries_.begin());
  bytes_ += needed;
}

void AnswerCache::erase(const std::string& key) {
  if (const auto found = index_.find(key); found != index_.end()) drop(found->second);
}

void AnswerCache::clear() {
  index_.clear();
  entries_.clear();
  bytes_ = 0;
}

void AnswerCache::drop(std::list<Entry>::iterator at) {
  bytes_ -= cost(at->key, *at->answer);
  index_.erase(at->key);
  entries_.erase(at);
}

}  // namespace mfstate::detail
