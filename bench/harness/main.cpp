// mfstate-bench [--json] [--quick] [--workload ID[,ID...]] [--impl mfstate|floor|both] [--floor-first]
//
// Runs the workloads of WORKLOADS.md natively on mfstate's public API, and beside each its floor
// (the least hand-written C++ doing the same work). The CLI and the output match the JS peer
// harness (bench/js/peers.mjs), so scripts/bench.mjs can read both.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <set>
#include <string>
#include <vector>

#include "harness.hpp"

// Instruction counts per pass under callgrind (scripts/bench-profile.sh). Without valgrind's
// header the client requests are left out and pass_begin/pass_end only read the clock.
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define MFSTATE_BENCH_CALLGRIND 1
#endif

namespace mfstate::bench {

namespace {
std::vector<Workload>& registry() {
  static std::vector<Workload> all;
  return all;
}
}  // namespace

bool register_workload(Workload w) {
  registry().push_back(std::move(w));
  return true;
}

std::vector<Workload> workloads() {
  auto all = registry();
  std::sort(all.begin(), all.end(), [](const Workload& a, const Workload& b) { return a.order < b.order; });
  return all;
}

namespace {
clockid_t g_clock = CLOCK_MONOTONIC;
}

void use_clock(ClockKind kind) {
  g_clock = kind == ClockKind::cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC;
}

Instant now() {
  timespec ts{};
  clock_gettime(g_clock, &ts);
  return static_cast<Instant>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

Instant pass_begin() {
#ifdef MFSTATE_BENCH_CALLGRIND
  // Outside callgrind these are a few no-op instructions. Counting is off at start
  // (--collect-atstart=no) and between passes, so each dump holds exactly one pass.
  CALLGRIND_ZERO_STATS;
  CALLGRIND_TOGGLE_COLLECT;
#endif
  return now();
}

Instant pass_end(const char* workload, const char* impl, std::uint64_t n, std::uint64_t entries) {
  const Instant t = now();
#ifdef MFSTATE_BENCH_CALLGRIND
  CALLGRIND_TOGGLE_COLLECT;
  if (RUNNING_ON_VALGRIND) {
    char label[160];
    std::snprintf(label, sizeof label, "pass %s %s n=%llu entries=%llu", workload, impl,
                  static_cast<unsigned long long>(n), static_cast<unsigned long long>(entries));
    CALLGRIND_DUMP_STATS_AT(label);
  }
#else
  (void)workload, (void)impl, (void)n, (void)entries;
#endif
  return t;
}

std::uint64_t& sink() {
  static std::uint64_t value = 0;
  return value;
}

}  // namespace mfstate::bench

namespace {

using mfstate::bench::Figure;

constexpr const char* kUsage =
    "usage: mfstate-bench [--json] [--quick] [--clock wall|cpu] [--workload ID[,ID...]]\n"
    "                     [--impl mfstate|floor|both] [--floor-first]\n"
    "  IDs: W1 W1b W2 W3a W3b W3b-builder W3c W4 W5 W5-builder W6 S1 (S1-invalidate, S1-get,\n"
    "       S1-get-builder select one S1 figure)\n"
    "  --json         one JSON object per line, as in WORKLOADS.md (impl \"mfstate\" or \"floor\")\n"
    "  --quick        every workload at a tenth of its size (S1 at 1e3, 1e4, 1e5 entries, 20 invalidations)\n"
    "  --clock        wall (default): elapsed time; cpu: the process's CPU time (for a loaded machine)\n"
    "  --impl         run mfstate's loops, the floors (hand-written C++), or both (default)\n"
    "  --floor-first  the floor runs before mfstate in the first workload (they alternate after)\n";

// The figure ids, in WORKLOADS.md order: what a selection may name.
const std::vector<std::string> kIds = {
    "W1", "W1b", "W2",         "W3a", "W3b",           "W3b-builder", "W3c",
    "W4", "W5",  "W5-builder", "W6",  "S1-invalidate", "S1-get",      "S1-get-builder"};

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "mfstate-bench: %s\n%s", message.c_str(), kUsage);
  std::exit(2);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::set<std::string> select(const std::vector<std::string>& names) {
  if (names.empty()) return {kIds.begin(), kIds.end()};
  std::set<std::string> picked;
  for (const auto& raw : names) {
    const std::string id = lower(raw);
    std::vector<std::string> hits;
    if (id == "s1") {
      hits = {"S1-invalidate", "S1-get", "S1-get-builder"};
    } else if (id == "w3") {
      hits = {"W3a", "W3b", "W3b-builder", "W3c"};
    } else {
      for (const auto& known : kIds)
        if (lower(known) == id) hits.push_back(known);
    }
    if (hits.empty()) usage_error("unknown workload '" + raw + "'");
    picked.insert(hits.begin(), hits.end());
  }
  return picked;
}

std::string fixed1(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", x);
  return buf;
}

std::string human(double ns) {
  char buf[64];
  if (ns >= 1e6)
    std::snprintf(buf, sizeof buf, "%.2f ms", ns / 1e6);
  else if (ns >= 1e3)
    std::snprintf(buf, sizeof buf, "%.2f us", ns / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.1f ns", ns);
  return buf;
}

void print_json(const Figure& f) {
  std::string line = "{\"workload\":\"" + f.workload + "\",\"impl\":\"" + f.impl +
                     "\",\"n\":" + std::to_string(f.n) + ",\"ns_per_op\":" + fixed1(f.ns_per_op);
  if (f.entries) {
    line +=
        ",\"entries\":" + std::to_string(*f.entries) + ",\"bytes_per_entry\":" + fixed1(f.bytes_per_entry);
  }
  line += "}";
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

void print_row(const Figure& f, bool first) {
  if (first) {
    std::printf("%-16s%-10s%10s%14s%12s%10s%13s%14s\n", "workload", "impl", "n", "ns/op", "per op", "entries",
                "bytes/entry", "allocs/entry");
    std::printf("%s\n", std::string(99, '-').c_str());
  }
  std::printf("%-16s%-10s%10llu%14s%12s", f.workload.c_str(), f.impl.c_str(),
              static_cast<unsigned long long>(f.n), fixed1(f.ns_per_op).c_str(), human(f.ns_per_op).c_str());
  if (f.entries) {
    std::printf("%10llu%13s%14s", static_cast<unsigned long long>(*f.entries),
                fixed1(f.bytes_per_entry).c_str(), fixed1(f.allocations_per_entry).c_str());
  }
  std::printf("\n");
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  bool json = false;
  bool quick = false;
  bool cpu_clock = false;
  bool floor_first = false;
  bool run_mfstate = true;
  bool run_floor = true;
  std::vector<std::string> names;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--json") {
      json = true;
    } else if (a == "--quick") {
      quick = true;
    } else if (a == "--workload" || a.rfind("--workload=", 0) == 0) {
      std::string v;
      if (a == "--workload") {
        if (i + 1 >= argc) usage_error("--workload needs an ID");
        v = argv[++i];
      } else {
        v = a.substr(std::strlen("--workload="));
      }
      std::size_t start = 0;
      while (start <= v.size()) {
        std::size_t comma = v.find(',', start);
        if (comma == std::string::npos) comma = v.size();
        if (comma > start) names.push_back(v.substr(start, comma - start));
        start = comma + 1;
      }
      if (names.empty()) usage_error("--workload needs an ID");
    } else if (a == "--clock" || a.rfind("--clock=", 0) == 0) {
      std::string v;
      if (a == "--clock") {
        if (i + 1 >= argc) usage_error("--clock needs wall or cpu");
        v = argv[++i];
      } else {
        v = a.substr(std::strlen("--clock="));
      }
      if (v == "wall") {
        cpu_clock = false;
      } else if (v == "cpu") {
        cpu_clock = true;
      } else {
        usage_error("--clock must be wall or cpu, not '" + v + "'");
      }
    } else if (a == "--floor-first") {
      floor_first = true;
    } else if (a == "--impl" || a.rfind("--impl=", 0) == 0) {
      std::string v;
      if (a == "--impl") {
        if (i + 1 >= argc) usage_error("--impl needs mfstate, floor or both");
        v = argv[++i];
      } else {
        v = a.substr(std::strlen("--impl="));
      }
      if (v != "mfstate" && v != "floor" && v != "both") {
        usage_error("--impl must be mfstate, floor or both, not '" + v + "'");
      }
      run_mfstate = v != "floor";
      run_floor = v != "mfstate";
    } else if (a == "--help" || a == "-h") {
      std::printf("%s", kUsage);
      return 0;
    } else {
      usage_error("unknown argument '" + a + "'");
    }
  }

  const std::set<std::string> picked = select(names);
  mfstate::bench::use_clock(cpu_clock ? mfstate::bench::ClockKind::cpu : mfstate::bench::ClockKind::wall);
  bool first = true;
  mfstate::bench::Context ctx(
      quick, [&](const std::string& id) { return picked.count(id) > 0; },
      [&](const Figure& f) {
        if (json) {
          print_json(f);
        } else {
          print_row(f, first);
          first = false;
        }
      });

  if (!json)
    std::printf("mfstate-bench, native%s%s\n", quick ? ", --quick" : "", cpu_clock ? ", CPU time" : "");
  std::set<std::string> covered;
  try {
    // mfstate and its floor run in the same process; which goes first alternates from one
    // workload to the next (and, with --floor-first, from one run to the next), so neither
    // always runs on the warmer caches or the tidier heap.
    bool floor_now = floor_first;
    for (const auto& w : mfstate::bench::workloads()) {
      bool selected = false;
      for (const auto& f : w.figures) {
        covered.insert(f);
        if (picked.count(f)) selected = true;
      }
      if (!selected) continue;
      for (int side = 0; side < 2; ++side) {
        const bool floor_turn = (side == 0) == floor_now;
        if (floor_turn && run_floor) w.floor(ctx);
        if (!floor_turn && run_mfstate) w.run(ctx);
      }
      floor_now = !floor_now;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mfstate-bench: %s\n", e.what());
    return 1;
  }
  // A selected figure no workload provides is a build that lacks it: say so, do not hide it.
  int missing = 0;
  for (const auto& id : picked) {
    if (!covered.count(id)) {
      std::fprintf(stderr, "mfstate-bench: no workload in this build measures %s\n", id.c_str());
      ++missing;
    }
  }
  if (!json) std::printf("(sink %llu)\n", static_cast<unsigned long long>(mfstate::bench::sink()));
  return missing ? 3 : 0;
}
