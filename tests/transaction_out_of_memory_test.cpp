// A transaction that runs out of memory anywhere — opening a frame, recording a store, listing a
// busy store's queued dispatch, reducing, notifying — fails with a clear error (bad_alloc or the
// library's), and leaves every store exactly as the outermost transaction found it, or as its
// completed commit made it: never a half-applied state, never std::terminate (a dispatch a busy
// store queued is its own: its failure is reported to on_error, as a throwing reducer's would be,
// and the rest commits). Every allocation the scenario makes is failed in turn (this binary's
// operator new), each on a fresh Host, whose frames have no capacity yet: a nested frame's
// commit, which is noexcept and passes its records (and its list of stores with queued
// dispatches) to the enclosing frame, must find the room there already taken when they were made.
#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <functional>
#include <new>
#include <string>

#include "failing_allocation.hpp"
#include "host_test_support.hpp"

using namespace mfstate;
using namespace host_test;

namespace {

constexpr std::size_t apps = 4;

// Four apps, each with a counting store and a subscriber that counts its notifications (without
// allocating: it runs while allocations are being failed). App a's reducer runs `on_open` when it
// reduces "OPEN": a is busy meanwhile, so a dispatch to a from there is queued (tx_tag_queued).
struct World {
  int reported = 0;
  Host host{HostOptions{.on_error = [this](const Error&) { ++reported; }}};
  std::array<App, apps> app{host.mount("a"), host.mount("b"), host.mount("c"), host.mount("d")};
  std::array<int, apps> notified{};
  std::array<Subscription, apps> subscriptions;
  std::function<void()> on_open;

  World() {
    app[0].create_store(user_state(), [this](Value s, const Action& a) {
      if (a.type == "OPEN") {
        s = std::move(s).set("opened", true);
        if (on_open) on_open();
        return s;
      }
      return app_reducer(std::move(s), a);
    });
    for (std::size_t i = 1; i < apps; ++i) app[i].create_store(user_state(), app_reducer);
    for (std::size_t i = 0; i < apps; ++i) {
      subscriptions[i] = app[i].subscribe([this, i](const Value&) { ++notified[i]; });
    }
  }

  std::array<std::string, apps> states() const {
    std::array<std::string, apps> out;
    for (std::size_t i = 0; i < apps; ++i) out[i] = app[i].state().to_json();
    return out;
  }
};

// Runs `scenario` on a fresh World, failing its k-th allocation for k = 1, 2, ... until it
// completes without a failure, and checks after each failure that every store is as before or as
// the run without a failure left it (all of them: one or the other). With `queues_on_a`, app a's
// store runs dispatches it queued while busy: one of those that fails is reported to on_error and
// the dispatch that queued it goes on (a queued dispatch's failure is its own, as for a reducer
// that throws) — then a's count is whatever its other dispatches made, everything else as
// committed.
struct Failures {
  int total = 0;
  int rolled_back = 0;  // those that threw, the transaction undone
};
Failures fail_each_allocation(const std::function<void(World&)>& scenario, bool queues_on_a = false) {
  std::array<std::string, apps> before, committed;
  {
    World w;
    before = w.states();
    scenario(w);
    committed = w.states();
    EXPECT_EQ(w.reported, 0);
    for (std::size_t i = 0; i < apps; ++i) EXPECT_EQ(w.notified[i], 1) << i;
  }
  EXPECT_NE(before, committed);
  Failures failures;
  for (long at = 1;; ++at) {
    World w;
    allocations_to_failure = at;
    bool threw = false;
    try {
      scenario(w);
    } catch (const std::bad_alloc&) {
      threw = true;
    } catch (const Error&) {
      threw = true;  // a reducer's bad_alloc, as the library reports it (reducer_error)
    }
    const bool failed = allocations_to_failure == 0;
    allocations_to_failure = 0;
    if (!failed) break;
    ++failures.total;
    failures.rolled_back += threw ? 1 : 0;
    const auto now = w.states();
    if (threw) {
      EXPECT_EQ(now, before) << "at " << at;
      for (std::size_t i = 0; i < apps; ++i) EXPECT_EQ(w.notified[i], 0) << i << " at " << at;
    } else {
      // Failed after the commit (a notification, reported to on_error) or inside, absorbed by a
      // path that has a way round it: what the commit made stands.
      for (std::size_t i = 0; i < apps; ++i) {
        if (i == 0 && queues_on_a && w.reported > 0) {
          EXPECT_TRUE(w.app[0].state().get("opened").as_bool()) << "at " << at;
        } else {
          EXPECT_EQ(now[i], committed[i]) << i << " at " << at;
        }
      }
      for (std::size_t i = 0; i < apps; ++i) EXPECT_LE(w.notified[i], 1) << i << " at " << at;
    }
    if (::testing::Test::HasFailure()) return failures;
    // The runtime still works: a transaction on the same host commits.
    w.host.transaction([&] { w.app[1].dispatch(act("INC")); });
    EXPECT_FALSE(w.host.in_transaction()) << "at " << at;
  }
  return failures;
}

TEST(TransactionOutOfMemory, NestedFramesOverSeveralStores) {
  // Three frames: the inner commit passes c, d (a is known) to the middle one, whose commit passes
  // b, c, d to the outermost; each frame first records stores the frames around it have not.
  const Failures failures = fail_each_allocation([](World& w) {
    w.host.transaction([&] {
      w.app[0].dispatch(act("INC"));
      w.app[0].transaction([&] {
        w.app[1].dispatch(act("INC"));
        w.app[2].transaction([&] {
          w.app[2].dispatch(act("INC"));
          w.app[3].dispatch(act("ADD", 3));
          w.app[0].dispatch(act("INC"));
        });
        w.app[3].dispatch(act("INC"));
      });
      w.app[1].dispatch(act("ADD", 5));
    });
  });
  RecordProperty("failures", failures.total);
  EXPECT_GE(failures.total, 6);  // at least the records of each frame and the frames themselves
  EXPECT_GE(failures.rolled_back, 6);
}

TEST(TransactionOutOfMemory, ABusyStoresQueuedDispatchInANestedFrame) {
  // a's reducer opens a nested frame that dispatches to a (busy: queued, and listed in the frame)
  // and to b, c, d, inside one that opens another: the commits pass both lists outwards.
  const Failures failures = fail_each_allocation(
      [](World& w) {
        w.on_open = [&] {
          w.app[1].transaction([&] {
            w.app[0].dispatch(act("ADD", 5));
            w.app[1].dispatch(act("INC"));
            w.app[2].transaction([&] {
              w.app[0].dispatch(act("INC"));
              w.app[2].dispatch(act("INC"));
              w.app[3].dispatch(act("INC"));
            });
          });
        };
        w.host.transaction([&] {
          w.app[3].dispatch(act("INC"));
          w.app[0].dispatch(act("OPEN"));
        });
      },
      /*queues_on_a=*/true);
  RecordProperty("failures", failures.total);
  EXPECT_GE(failures.total, 6);
  EXPECT_GE(failures.rolled_back, 6);
}

}  // namespace
