// The process facts a lock file records and checks, from node instead of emscripten's fixed
// answers: emscripten's getpid() is always 42, kill() of another process always fails with EPERM,
// and the host name is always "emscripten". The folder registry's lock (src/native/
// registry_folder_files.cpp) writes "pid host nonce" and breaks a lock whose holder ran on this
// host and is gone; with the fixed answers every node process would be pid 42 on host
// "emscripten", and a native writer could judge a live node writer gone.
#include <emscripten.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include <cstddef>

namespace {

EM_JS(int, mfstate_node_pid, (), { return process.pid; });

// 0, or minus the errno (ESRCH when no such process, EPERM when it is another user's).
EM_JS(int, mfstate_node_kill, (int pid, int sig, int esrch, int eperm, int einval), {
  try {
    process.kill(pid, sig);
    return 0;
  } catch (e) {
    if (e.code === 'ESRCH') return -esrch;
    if (e.code === 'EPERM') return -eperm;
    return -einval;
  }
});

EM_JS(void, mfstate_node_hostname, (char* out, int size), {
  stringToUTF8(require('os').hostname(), out, size);
});

}  // namespace

extern "C" {

pid_t getpid(void) { return mfstate_node_pid(); }

int kill(pid_t pid, int sig) {
  const int rc = mfstate_node_kill(pid, sig, ESRCH, EPERM, EINVAL);
  if (rc == 0) return 0;
  errno = -rc;
  return -1;
}

int gethostname(char* name, std::size_t len) {
  if (len == 0) {
    errno = EINVAL;
    return -1;
  }
  mfstate_node_hostname(name, static_cast<int>(len));
  return 0;
}

}  // extern "C"
