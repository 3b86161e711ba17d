// What tests see of RegistryServer's serving loop, never public API: a clock of the test's own
// (deadlines and back-offs are then tested without waiting), a way to make the loop look at it
// again, and counts of what the loop did (a loop that spins shows in its turns).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "mfstate/registry_server.hpp"

namespace mfstate::detail {

struct RegistryServerProbe {
  using Clock = std::chrono::steady_clock;
  /// Every deadline and back-off of `server` reads `now` instead of the steady clock. Call before
  /// listen(); `now` is called on the serving thread.
  static void use_clock(RegistryServer& server, std::function<Clock::time_point()> now);
  /// Makes the loop wake up and look at its clock again (after a test moved it). Thread-safe.
  static void wake(RegistryServer& server);
  /// Turns of the loop ended so far (a turn: poll, then what it reported, then the deadlines).
  /// A turn that ends after another ended began after it: waiting for two (with a wake() before
  /// each) sees one that read the clock after the wait began. Thread-safe.
  static std::uint64_t loop_turns(const RegistryServer& server);
  /// Connections that could not be accepted for lack of a file descriptor (EMFILE, ENFILE, ...).
  /// Thread-safe.
  static std::uint64_t descriptor_shortages(const RegistryServer& server);
};

}  // namespace mfstate::detail
