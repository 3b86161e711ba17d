// mfstate-bench: the workloads of WORKLOADS.md on mfstate's public API, timed by a plain harness
// so that each figure is one warm-up pass plus one timed pass, exactly as the JS peer harness
// (bench/js/peers.mjs) measures its peers. scripts/bench.mjs runs both, alternating, and reports
// the ratios.
//
// Beside mfstate's loop, every workload has a floor (impl "floor", WORKLOADS.md "The floor"): the
// least hand-written C++20 doing the same observable work with no library, run in the same
// process, the two alternating which goes first. mfstate / floor is how close the library is to
// the limit. The floors' shared pieces are in floor.hpp.
//
// Every workload lives in its own file and registers itself with MFSTATE_BENCH_WORKLOAD; it
// checks what it computed (a failed check aborts the run with status 1) and folds what it read
// into a sink, so no timed loop is dead code. Each timed pass is bracketed by pass_begin and
// pass_end, which under callgrind (scripts/bench-profile.sh) count its instructions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mfstate::bench {

/// One measured figure: one line of `--json` output.
struct Figure {
  std::string workload;          ///< "W3a", "S1-invalidate", ...
  std::string impl = "mfstate";  ///< "mfstate" or "floor"
  std::uint64_t n = 0;           ///< timed operations
  double ns_per_op = 0;
  std::optional<std::uint64_t> entries;  ///< S1 only: cache size
  double bytes_per_entry = 0;            ///< S1 only: measured live heap bytes per entry
  // Extra detail for the human table (not in the JSON lines, which match the JS harness).
  double allocations_per_entry = 0;  ///< S1 only: live operator-new blocks per entry
};

/// What a workload is given: its sizes, what was selected, and where figures go.
class Context {
 public:
  Context(bool quick, std::function<bool(const std::string&)> wanted, std::function<void(const Figure&)> emit)
      : quick_(quick), wanted_(std::move(wanted)), emit_(std::move(emit)) {}

  /// `full` for a full run, a tenth of it with --quick.
  std::uint64_t size(std::uint64_t full) const { return quick_ ? full / 10 : full; }
  bool quick() const noexcept { return quick_; }
  /// Whether the figure `id` (e.g. "W3b", "S1-get") was selected.
  bool wants(const std::string& id) const { return wanted_(id); }
  void emit(const Figure& f) const { emit_(f); }

 private:
  bool quick_;
  std::function<bool(const std::string&)> wanted_;
  std::function<void(const Figure&)> emit_;
};

struct Workload {
  std::string id;                    ///< what --workload selects ("W3" selects W3a, W3b, W3c)
  std::vector<std::string> figures;  ///< the figure ids it emits
  int order;                         ///< position in WORKLOADS.md
  void (*run)(Context&);             ///< mfstate's loop: emits impl "mfstate" figures
  void (*floor)(Context&);           ///< the floor's loop: emits the same figures, impl "floor"
};

/// Registers a workload (called from static initialisers, one per workload file).
bool register_workload(Workload w);
/// Every registered workload, in WORKLOADS.md order.
std::vector<Workload> workloads();

#define MFSTATE_BENCH_WORKLOAD(var, ...) \
  [[maybe_unused]] static const bool var = ::mfstate::bench::register_workload({__VA_ARGS__})

/// Throws when a workload computed something wrong; main() reports it and exits 1.
struct CheckFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};
inline void check(bool ok, const char* what) {
  if (!ok) throw CheckFailed(std::string("check failed: ") + what);
}

/// Keeps a value alive as far as the optimiser can tell.
template <class T>
inline void keep(const T& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}
/// Everything a workload read, summed; printed with the table so no loop is dead code.
std::uint64_t& sink();

/// A reading of the harness clock, in nanoseconds.
using Instant = std::int64_t;
/// Starts a timed pass: the clock now. Under callgrind (scripts/bench-profile.sh) it also starts
/// counting instructions, which the rest of the run does not.
Instant pass_begin();
/// Ends the timed pass of `n` operations measured for figure `workload` by `impl` ("mfstate" or
/// "floor"; `entries` is S1's cache size): the clock now. Under callgrind it stops counting and
/// dumps the count labelled with the figure, so the profile script can divide it by n.
Instant pass_end(const char* workload, const char* impl, std::uint64_t n, std::uint64_t entries = 0);
/// Which clock times the passes: wall time (CLOCK_MONOTONIC, the default, as WORKLOADS.md) or the
/// process's CPU time (CLOCK_PROCESS_CPUTIME_ID: time spent waiting for a core on a loaded
/// machine is left out).
enum class ClockKind { wall, cpu };
void use_clock(ClockKind kind);
/// The harness clock now.
Instant now();
inline double ns_between(Instant a, Instant b) { return static_cast<double>(b - a); }

/// Heap accounting for the S1 memory figure (memory.cpp).
struct HeapReading {
  std::uint64_t live_bytes;  ///< malloc's bytes in use (mallinfo2: uordblks + hblkhd), chunk
                             ///< headers and size rounding included
  std::int64_t allocations;  ///< operator new calls minus operator delete calls while counting
};
/// Turns operator new/delete counting on or off (off costs one predictable branch per call).
void count_allocations(bool on);
/// The heap now (after returning free memory at the top of the heap to the system).
HeapReading read_heap();

}  // namespace mfstate::bench
