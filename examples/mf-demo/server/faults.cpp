#include "faults.hpp"

namespace mfdemo {

Faults::Faults(std::chrono::milliseconds hold_timeout) : hold_timeout_(hold_timeout) {}

void Faults::set(const FaultSettings& settings) {
  std::lock_guard<std::mutex> lock(mutex_);
  settings_ = settings;
  changed_.notify_all();
}

FaultSettings Faults::get() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return settings_;
}

void Faults::delay() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (settings_.delay_ms <= 0) return;
  // A wait, not a sleep: shutdown() cuts it short so that stopping the server never waits on it.
  changed_.wait_for(lock, std::chrono::milliseconds(settings_.delay_ms), [&] { return shut_down_; });
}

int Faults::before_write() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (settings_.hold_writes && !shut_down_) {
    const std::uint64_t generation = release_generation_;
    ++held_;
    changed_.notify_all();  // wait_held() watches held_
    changed_.wait_for(lock, hold_timeout_, [&] { return shut_down_ || release_generation_ != generation; });
    --held_;
  }
  if (settings_.fail_writes > 0) {
    --settings_.fail_writes;
    return settings_.fail_status;
  }
  return 0;
}

int Faults::release() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++release_generation_;
  changed_.notify_all();
  return held_;
}

int Faults::held() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return held_;
}

int Faults::wait_held(int count, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return shut_down_ || held_ >= count; });
  return held_;
}

void Faults::shutdown() {
  std::lock_guard<std::mutex> lock(mutex_);
  shut_down_ = true;
  changed_.notify_all();
}

}  // namespace mfdemo
