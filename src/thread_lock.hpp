// Internal: the lock of what other threads may touch (a fetch's completion and abort, the
// executor's queue), and the executor's wait for another thread's post. A build with one thread
// (WebAssembly without pthreads) has nothing to lock against, and there both are no-ops:
// std::mutex::lock's error path is libc++'s system_error, whose messages are formatted with libc's
// printf, 8 KB of the module for a failure that cannot happen (docs/web.md, "Size").
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace mfstate::detail {

#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
/// Satisfies Lockable as std::mutex does; there is no other thread to exclude.
class ThreadLock {
 public:
  void lock() noexcept {}
  bool try_lock() noexcept { return true; }
  void unlock() noexcept {}
};

/// std::condition_variable's wait_for and notify_one, with no other thread: nothing can change
/// what `ready` reads while this one waits, so waiting longer would only ever answer the same.
class ThreadSignal {
 public:
  void notify_one() noexcept {}
  template <class Lock, class Rep, class Period, class Ready>
  bool wait_for(Lock&, std::chrono::duration<Rep, Period>, Ready ready) {
    return ready();
  }
};
#else
using ThreadLock = std::mutex;
using ThreadSignal = std::condition_variable;
#endif

}  // namespace mfstate::detail
