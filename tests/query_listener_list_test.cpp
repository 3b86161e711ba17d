// The list behind cache listeners and an observer's listeners: a removal marks its slot and the
// list drops ended slots once they outnumber the live ones (O(1) amortized, where a search and a
// shift per removal made ending n listeners O(n^2)). What it shows stays as before: the live
// listeners, in the order added.
#include <gtest/gtest.h>

#include <vector>

#include "query_listeners.hpp"

namespace mfstate::testing {
namespace {

using List = detail::ListenerList<int>;

/// Tells every listener the list shows now.
void tell_all(const List& list) {
  for (const auto& slot : list.snapshot()) slot->fn(0);
}

TEST(QueryListenerList, RemovalsKeepTheOthersInOrderAndTheCountRight) {
  List list;
  std::vector<int> heard;
  std::vector<List::SlotPtr> slots;
  for (int i = 0; i < 10; ++i) slots.push_back(list.add([&heard, i](int) { heard.push_back(i); }));
  for (int i : {0, 3, 4, 9}) list.remove(slots[i]);
  list.remove(slots[3]);  // twice: nothing more
  EXPECT_EQ(list.size(), 6u);
  EXPECT_FALSE(slots[3]->active);
  tell_all(list);
  EXPECT_EQ(heard, (std::vector<int>{1, 2, 5, 6, 7, 8}));
  heard.clear();
  list.first()->fn(0);
  EXPECT_EQ(heard, std::vector<int>{1});
  // Past half ended, the ended slots go; what it shows does not change.
  for (int i : {1, 2, 5, 6}) list.remove(slots[i]);
  EXPECT_EQ(list.size(), 2u);
  EXPECT_EQ(list.snapshot().size(), 2u);
  heard.clear();
  list.first()->fn(0);
  EXPECT_EQ(heard, std::vector<int>{7});
  auto late = list.add([&heard](int) { heard.push_back(10); });
  heard.clear();
  tell_all(list);
  EXPECT_EQ(heard, (std::vector<int>{7, 8, 10}));
  list.clear();
  EXPECT_TRUE(list.empty());
  list.remove(late);  // after a clear: nothing
  EXPECT_TRUE(list.empty());
}

TEST(QueryListenerList, EndingManyOneByOneLeavesNothing) {
  List list;
  std::vector<List::SlotPtr> slots;
  for (int i = 0; i < 1000; ++i) slots.push_back(list.add([](int) {}));
  for (const auto& s : slots) list.remove(s);
  EXPECT_TRUE(list.empty());
  EXPECT_TRUE(list.snapshot().empty());
  // The ended slots were let go of along the way (each slot here is held by `slots` and at most
  // the list): none is shared with the list now.
  for (const auto& s : slots) EXPECT_EQ(s.use_count(), 1);
}

}  // namespace
}  // namespace mfstate::testing
