// Soak (label soak): memory that does not grow with history. Each kind of churn runs over 10^5
// distinct names after a warm-up, and the bytes still allocated afterwards must be what they were
// before, give or take a few kilobytes of capacity. Memory is measured by counting every operator
// new / delete of this program (the same on every platform, sanitizers included); no time is
// asserted.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>

#include "host_test_support.hpp"

// ---- a counting allocator: [size][malloc'd base] sit just below each pointer handed out ----

namespace {

std::atomic<std::int64_t> live_bytes{0};

void* counted_alloc(std::size_t n, std::size_t align) {
  if (align < 16) align = 16;
  const std::size_t header = 2 * sizeof(void*) > align ? 2 * sizeof(void*) : align;
  void* base = std::malloc(n + header + align);
  if (base == nullptr) throw std::bad_alloc();
  auto at = reinterpret_cast<std::uintptr_t>(base) + header;
  at = (at + align - 1) / align * align;
  auto* slots = reinterpret_cast<void**>(at) - 2;
  slots[0] = reinterpret_cast<void*>(n);
  slots[1] = base;
  live_bytes += static_cast<std::int64_t>(n);
  return reinterpret_cast<void*>(at);
}

void counted_free(void* p) noexcept {
  if (p == nullptr) return;
  auto* slots = static_cast<void**>(p) - 2;
  live_bytes -= static_cast<std::int64_t>(reinterpret_cast<std::uintptr_t>(slots[0]));
  std::free(slots[1]);
}

}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n, 16); }
void* operator new[](std::size_t n) { return counted_alloc(n, 16); }
void* operator new(std::size_t n, std::align_val_t a) {
  return counted_alloc(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a) {
  return counted_alloc(n, static_cast<std::size_t>(a));
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n, 16);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n, 16);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { counted_free(p); }

using namespace mfstate;
using namespace host_test;

namespace {

constexpr int warm_up = 10'000;
#if defined(__SANITIZE_ADDRESS__)
// AddressSanitizer makes every allocation and throw ~50x dearer: a fifth of the names keeps this
// test to seconds there, and LeakSanitizer checks what is left at exit besides.
constexpr int distinct = 20'000;
#else
constexpr int distinct = 100'000;
#endif
// Capacity that may legitimately stay (hash tables and vectors at their high-water mark, pools).
constexpr std::int64_t slack = 64 * 1024;

// Runs `churn(i)` for warm_up names, then for `distinct` more, and checks that the second run
// left no more memory allocated than the first. Returns the growth, for the message.
template <typename Churn>
void expect_flat(const char* what, Churn&& churn) {
  for (int i = 0; i < warm_up; ++i) churn(i);
  const std::int64_t before = live_bytes.load();
  for (int i = warm_up; i < warm_up + distinct; ++i) churn(i);
  const std::int64_t growth = live_bytes.load() - before;
  EXPECT_LT(growth, slack) << what << ": " << growth << " bytes still allocated after " << distinct
                           << " distinct names (" << growth / distinct << " B per name)";
}

std::string name(const char* prefix, int i) { return prefix + std::to_string(i); }

}  // namespace

TEST(SoakHost, TheCountingAllocatorSeesWhatIsKept) {
  // The measure itself must see a leak: a control that keeps what it allocates.
  std::vector<std::string> kept;
  const std::int64_t before = live_bytes.load();
  for (int i = 0; i < 1000; ++i) kept.push_back(std::string(100, 'x'));
  EXPECT_GT(live_bytes.load() - before, 100 * 1000);
}

TEST(SoakHost, MountingAndUnmountingDistinctAppsKeepsNothing) {
  ManualClock clock;
  Host host(clock);
  App watcher = host.mount("watcher");
  expect_flat("mount/unmount", [&](int i) {
    const std::string n = name("app", i);
    App a = host.mount(n, {.version = "1.0.0"});
    a.create_store(user_state(), app_reducer);
    a.expose("user", [](const Value& s) { return s.get("user"); });
    a.accept("INC");
    a.declare(n + "/changed", {.replay = true});
    a.emit(n + "/changed", i);
    auto sub = a.subscribe([](const Value&) {});
    auto timer = a.schedule_after(Millis{1000}, [] {});
    timer.detach();  // left to the unmount
    watcher.send(n, act("INC"));
  });
}

TEST(SoakHost, WatchingAndUnwatchingDistinctProducersKeepsNothing) {
  Host host;
  App consumer = host.mount("consumer");
  expect_flat("watch/unwatch", [&](int i) {
    Subscription w = consumer.watch(
        name("producer", i), "user", [](const ExportEvent&) {},
        Expectations::from_value(parse_json(R"({"/name": "string"})")));
  });
}

TEST(SoakHost, ExposingAndWithdrawingDistinctExportsKeepsNothing) {
  Host host;
  App producer = host.mount("producer");
  producer.create_store(user_state(), app_reducer);
  App consumer = host.mount("consumer");
  expect_flat("expose/unexpose", [&](int i) {
    const std::string e = name("export", i);
    producer.expose(e, [](const Value& s) { return s.get("count"); });
    (void)consumer.read("producer", e);
    producer.unexpose(e);
  });
}

TEST(SoakHost, SubscribingToAndEmittingOnDistinctTopicsKeepsNothing) {
  Host host;
  App app = host.mount("app");
  std::int64_t heard = 0;
  auto wildcard = app.on("app/wild/*", [&](std::string_view, const Value&) { ++heard; });
  expect_flat("subscribe/emit", [&](int i) {
    const std::string topic = name("app/t", i);
    {
      Subscription s = app.on(topic, [&](std::string_view, const Value&) { ++heard; });
      app.emit(topic, i);
    }
    app.emit(name("app/nobody/t", i), i);  // nobody listens
    app.emit(name("app/wild/", i), i);     // only the wildcard listens
  });
  EXPECT_EQ(heard, 2 * (warm_up + distinct));
}

TEST(SoakHost, ReservingDistinctNamesKeepsNothing) {
  Host host;
  expect_flat("reserve/release", [&](int i) { Reservation r = host.reserve(name("later", i)); });
}

TEST(SoakHost, TimersInspectorsAndTransactionsKeepNothing) {
  ManualClock clock;
  Host host(clock);
  App app = host.mount("app");
  app.create_store(user_state(), app_reducer);
  int fired = 0;
  expect_flat("timers/inspect/transactions", [&](int i) {
    auto t = app.schedule_after(Millis{1 + i % 7}, [&] { ++fired; });
    t.detach();
    host.advance(Millis{8});
    auto own = app.inspect([](const InspectorEvent&) {});
    if (i % 16 == 0) {  // (throwing is the dear part; the frames are reused either way)
      try {
        app.transaction([&] {
          app.dispatch(act("INC"));
          throw std::runtime_error("undo");
        });
      } catch (const std::runtime_error&) {
      }
    } else {
      app.transaction([&] { app.dispatch(act("INC")); });
    }
  });
  EXPECT_EQ(fired, warm_up + distinct);
  const int undone = (warm_up + distinct + 15) / 16;
  EXPECT_EQ(app.state().get("count").as_int(), warm_up + distinct - undone);
}
