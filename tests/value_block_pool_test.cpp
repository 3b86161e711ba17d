// The per-thread block pool behind Value nodes (src/node_pool.cpp): a freed block is handed out
// again by the next allocation of its size class on the same thread, from the thread's very first
// free on (the free that also sets up the lists' drain for when the thread ends), and a thread's
// lists hold at most 256 blocks per class.
#include <gtest/gtest.h>

#include <cstddef>
#include <thread>
#include <vector>

#include "block_pool.hpp"

using mfstate::detail::allocate_block;
using mfstate::detail::free_block;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool pool_bypassed = true;  // the sanitizer builds give every block to the heap
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool pool_bypassed = true;
#else
constexpr bool pool_bypassed = false;
#endif
#else
constexpr bool pool_bypassed = false;
#endif

// Runs `fn` on a thread of its own, whose lists start empty and not yet set up. The WebAssembly
// build has no threads: there it runs on this thread, whose lists each test leaves as it found
// them (every test uses size classes of its own, and gives back what it takes).
template <typename Fn>
void on_fresh_thread(Fn fn) {
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
  fn();
#else
  std::thread t(fn);
  t.join();
#endif
}

}  // namespace

TEST(BlockPool, AFreshThreadsFirstFreedBlockIsHandedOutAgain) {
  if (pool_bypassed) GTEST_SKIP() << "the sanitizer builds bypass the pool";
  on_fresh_thread([] {
    void* first = allocate_block(72);
    free_block(first, 72);  // the thread's first free: sets up the drain and keeps the block
    void* again = allocate_block(72);
    EXPECT_EQ(again, first);
    free_block(again, 72);  // later frees take the plain push
    EXPECT_EQ(allocate_block(72), first);
    free_block(first, 72);
  });
}

TEST(BlockPool, EachSizeClassKeepsItsOwnBlocks) {
  if (pool_bypassed) GTEST_SKIP() << "the sanitizer builds bypass the pool";
  on_fresh_thread([] {
    void* small = allocate_block(40);
    void* large = allocate_block(200);
    free_block(small, 40);
    free_block(large, 200);
    EXPECT_EQ(allocate_block(200), large);
    EXPECT_EQ(allocate_block(40), small);
    free_block(small, 40);
    free_block(large, 200);
  });
}

TEST(BlockPool, AClassKeepsAtMost256BlocksAndLargeBlocksAreNotKept) {
  if (pool_bypassed) GTEST_SKIP() << "the sanitizer builds bypass the pool";
  on_fresh_thread([] {
    std::vector<void*> blocks;
    for (int i = 0; i < 300; ++i) blocks.push_back(allocate_block(56));
    for (void* b : blocks) free_block(b, 56);  // the last 44 go back to the heap
    // The list hands back the most recently kept block first: the 256th freed.
    EXPECT_EQ(allocate_block(56), blocks[255]);
    void* big = allocate_block(4096);  // beyond pool_max_bytes: operator new and delete
    free_block(big, 4096);
    // Take the other 255 kept blocks back out, then give all 256 back: nothing leaks.
    for (int i = 0; i < 255; ++i) (void)allocate_block(56);
    for (int i = 0; i < 256; ++i) free_block(blocks[i], 56);
  });
}
