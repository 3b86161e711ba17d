// A transaction frame's serial tags what it queued (notifications, a busy store's dispatches) so
// that its rollback drops exactly those: the frame's and its nested frames', whose serials are
// larger. Serials start again at 1 only when the outermost frame ends, so one outermost
// transaction that opens 2^32 nested ones (a loop of small transactions inside a big one) must
// not wrap them: a 32-bit serial wrapped to 0, the tag of what no rollback may drop, and a nested
// frame's tags then escaped its enclosing frame's rollback (an undone store's notification ran,
// and released the store's reference a second time; an undone dispatch ran). The test starts the
// serials at the last 32-bit value rather than opening 2^32 frames.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "mfstate/store.hpp"
#include "transactions.hpp"

using namespace mfstate;

namespace {

Action act(std::string type) { return Action{std::move(type), {}, {}}; }

Value count_reducer(Value s, const Action& a) {
  if (a.type == "INC") return s.set("count", s.get("count").as_int() + 1);
  return s;
}

// Stores on one batcher, which the test opens transactions on, from the outermost frame's next
// serial being the last 32-bit one.
struct Fixture {
  Batcher batcher;
  Store other{Value::object({{"count", 0}}), count_reducer, StoreOptions{.batcher = &batcher}};
  int other_notified = 0;
  Subscription other_sub = other.subscribe([this](const Value&) { ++other_notified; });

  Fixture() {
    detail::tx_begin(batcher);  // the outermost frame: serial 1
    detail::BatcherAccess::tx_or_create(batcher).next_serial = std::numeric_limits<std::uint32_t>::max();
  }
  ~Fixture() {
    if (detail::tx_active(batcher)) detail::tx_commit(batcher);
  }
};

}  // namespace

TEST(TransactionSerial, ANestedFramePastTheLast32BitSerialIsUndoneWithItsEnclosingFrame) {
  Fixture f;
  detail::tx_begin(f.batcher);  // serial 2^32 - 1
  detail::tx_begin(f.batcher);  // the next one: 2^32 (0 in 32 bits)
  f.other.dispatch(act("INC"));
  detail::tx_commit(f.batcher);
  detail::tx_rollback(f.batcher);
  EXPECT_EQ(f.other.state().get("count").as_int(), 0);
  detail::tx_commit(f.batcher);    // the outermost frame: what it queued runs now
  EXPECT_EQ(f.other_notified, 0);  // told of nothing: the change was undone
  f.other.dispatch(act("INC"));
  EXPECT_EQ(f.other.state().get("count").as_int(), 1);
  EXPECT_EQ(f.other_notified, 1);
}

TEST(TransactionSerial, ADispatchQueuedPastTheLast32BitSerialIsDroppedWithItsEnclosingFrame) {
  Fixture f;
  Store* self = nullptr;
  Store store(
      Value::object({{"count", 0}}),
      [&](Value s, const Action& a) {
        if (a.type == "OPEN") {
          // Busy: the INC is queued, inside a frame nested in one that rolls back.
          detail::tx_begin(f.batcher);
          detail::tx_begin(f.batcher);
          self->dispatch(act("INC"));
          detail::tx_commit(f.batcher);
          detail::tx_rollback(f.batcher);
          return s.set("opened", true);
        }
        return count_reducer(std::move(s), a);
      },
      StoreOptions{.batcher = &f.batcher});
  self = &store;
  store.dispatch(act("OPEN"));
  EXPECT_TRUE(store.state().get("opened").as_bool());
  EXPECT_EQ(store.state().get("count").as_int(), 0);
}
