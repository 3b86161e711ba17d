// Fault injection for the demo API: a delay on every request, failing the next N writes, and
// holding writes until a test releases them. Holding is what lets a browser test see an
// optimistic update on the page *before* the server answers, without guessing a delay.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace mfdemo {

/// What the server is told to do wrong; all off by default.
struct FaultSettings {
  int delay_ms = 0;          ///< added before every /api answer (0..10000)
  int fail_writes = 0;       ///< the next this-many writes fail (each failure uses one up)
  int fail_status = 500;     ///< the HTTP status those failures answer (400..599)
  bool hold_writes = false;  ///< writes wait (up to the hold timeout) until release()
};

/// Thread-safe: the server's handler threads and its control routes share one.
class Faults {
 public:
  /// `hold_timeout` bounds how long a held write waits for release() before going on.
  explicit Faults(std::chrono::milliseconds hold_timeout = std::chrono::seconds(30));

  /// Replaces the settings (a held write already waiting keeps waiting until released).
  void set(const FaultSettings& settings);
  /// The current settings (fail_writes counts down as failures are used).
  FaultSettings get() const;

  /// Waits the configured delay (cut short by shutdown()). Every /api request calls it first.
  void delay();
  /// Called by a write before it touches the database: waits while writes are held, then returns
  /// the status to fail with, or 0 to go on (using up one failure when it fails).
  int before_write();

  /// Lets every write held now go on; returns how many there were.
  int release();
  /// Writes waiting in before_write() now.
  int held() const;
  /// Waits until at least `count` writes are held, or `timeout` passes; returns held().
  int wait_held(int count, std::chrono::milliseconds timeout);
  /// Wakes every waiter for good (the server is stopping): no delay or hold waits after this.
  void shutdown();

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::chrono::milliseconds hold_timeout_;
  FaultSettings settings_;
  int held_ = 0;
  std::uint64_t release_generation_ = 0;  ///< bumped by release(): a held write waits for a bump
  bool shut_down_ = false;
};

}  // namespace mfdemo
