// The handle table of the WebAssembly module (js/packages/core/wasm/handles.hpp): the integers
// JavaScript holds for hosts, apps and subscriptions. A handle must never act on an entry it was
// not given for: not after its entry is released and the index reused, and not when the table is
// full (a new index past 2^20 - 1 would spill into the generation bits and decode as an older
// handle, so a page holding a million subscriptions could end another app's with its own).

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <unordered_set>

#include "../js/packages/core/wasm/handles.hpp"

namespace {

using mfweb::HandleTable;

TEST(HandleTable, AReleasedHandleNeverActsOnTheEntryThatReusesItsIndex) {
  HandleTable<int> table("test");
  const std::uint32_t first = table.add(std::make_unique<int>(1));
  EXPECT_EQ(*table.take(first), 1);
  const std::uint32_t second = table.add(std::make_unique<int>(2));
  EXPECT_NE(first, second);
  EXPECT_EQ(table.find(first), nullptr);
  EXPECT_EQ(table.take(first), nullptr);  // the stale handle cannot take the new entry
  ASSERT_NE(table.find(second), nullptr);
  EXPECT_EQ(*table.find(second), 2);
  EXPECT_THROW((void)table.get(first), mfstate::Error);
}

TEST(HandleTable, AFullTableRefusesANewEntryInsteadOfReusingAHandle) {
  HandleTable<char> table("test");
  constexpr std::size_t capacity = (1u << 20) - 1;
  std::unordered_set<std::uint32_t> handles;
  handles.reserve(capacity);
  std::uint32_t kept = 0;
  for (std::size_t i = 0; i < capacity; ++i) {
    const std::uint32_t h = table.add(std::make_unique<char>('x'));
    if (i == 0) kept = h;
    ASSERT_TRUE(handles.insert(h).second) << "handle " << h << " given twice";
  }
  EXPECT_EQ(table.size(), capacity);
  try {
    (void)table.add(std::make_unique<char>('y'));
    FAIL() << "a full table took another entry";
  } catch (const mfstate::Error& e) {
    EXPECT_EQ(e.code(), mfstate::ErrorCode::size_limit);
  }
  // Nothing changed: every handle still names its own entry; the first can still be ended.
  EXPECT_EQ(table.size(), capacity);
  ASSERT_NE(table.take(kept), nullptr);
  // Its index is free again, under a new generation.
  const std::uint32_t again = table.add(std::make_unique<char>('z'));
  EXPECT_EQ(handles.count(again), 0u);
  EXPECT_EQ(table.find(kept), nullptr);
}

}  // namespace
