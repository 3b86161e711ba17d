// The ranges of RegistryServerOptions and the checks between them (check_options): one list, which
// the server's constructor and `registry serve` (its flags' ranges and messages) both hold options to.
#include <array>
#include <string>

#include "mfstate/error.hpp"
#include "mfstate/registry_server.hpp"

namespace mfstate {

namespace {

constexpr std::int64_t hour_ms = 3'600'000;
constexpr std::int64_t gib = std::int64_t{1} << 30;

constexpr std::array<OptionRange, 11> ranges{{
    {"max_connections", 1, 1'000'000, false},
    {"request_timeout", 1, hour_ms, true},
    {"response_timeout", 1, hour_ms, true},
    {"min_response_rate", 0, gib, false},
    // A client's ordinary head (request line, Host, Authorization with a token, Content-Length,
    // User-Agent) may not fit in less than a kilobyte: every request would be refused.
    {"max_head_bytes", 1024, 1 << 20, false},
    {"max_body_bytes", 1, gib, false},
    {"max_buffered_body_bytes", 1, 64 * gib, false},
    {"max_pending_answer_bytes", 1, 64 * gib, false},
    {"answer_cache_bytes", 0, 64 * gib, false},
    {"max_answer_bytes", 1, 64 * gib, false},
    {"listing_cache_time", 0, hour_ms, true},
}};

// The options' values in the order of `ranges`, as signed 64-bit numbers: a size past INT64_MAX
// reads as INT64_MAX, which is past every `most`.
std::array<std::int64_t, ranges.size()> values_of(const RegistryServerOptions& o) {
  auto size = [](std::size_t v) {
    return v > static_cast<std::size_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(v);
  };
  return {size(o.max_connections),         o.request_timeout.count(),        o.response_timeout.count(),
          size(o.min_response_rate),       size(o.max_head_bytes),           size(o.max_body_bytes),
          size(o.max_buffered_body_bytes), size(o.max_pending_answer_bytes), size(o.answer_cache_bytes),
          size(o.max_answer_bytes),        o.listing_cache_time.count()};
}

}  // namespace

std::span<const OptionRange> option_ranges() noexcept { return ranges; }

void check_options(const RegistryServerOptions& o,
                   const std::function<std::string(std::string_view field)>& spell) {
  auto name = [&](std::string_view field) { return spell ? spell(field) : std::string(field); };
  // Said by the library, a message says whose options these are; a caller's spelling is its own.
  auto refuse = [&](const std::string& message) {
    throw Error(ErrorCode::invalid_argument, spell ? message : "registry server: " + message);
  };
  const auto values = values_of(o);
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    const OptionRange& r = ranges[i];
    if (values[i] < r.least || values[i] > r.most) {
      const std::string unit = r.milliseconds ? " ms" : "";
      refuse(name(r.field) + " " + std::to_string(values[i]) + unit + " is out of its range, " +
             std::to_string(r.least) + unit + " to " + std::to_string(r.most) + unit);
    }
  }
  // Budgets below the largest manifest would refuse it forever (every upload of it, every read of
  // it, or every read but the first, rebuilt each time). A manifest's answer is bounded by
  // max_answer_bytes at publish, not by its body: the answer can be several times the body. (An
  // answer limit below the body limit is allowed here: a publish past it is refused at once, with
  // why. `registry serve` refuses that setting, where it is a mistake.)
  struct Budget {
    std::string_view field;
    std::size_t value;
    std::string_view below;  // the option it may not be below
    std::size_t least;
    const char* never;  // what could never happen to the largest manifest
  };
  for (const Budget& b :
       {Budget{"max_buffered_body_bytes", o.max_buffered_body_bytes, "max_body_bytes", o.max_body_bytes,
               "a manifest of that size could never be published"},
        Budget{"max_pending_answer_bytes", o.max_pending_answer_bytes, "max_answer_bytes", o.max_answer_bytes,
               "a manifest with an answer of that size could never be read"}}) {
    if (b.value < b.least) {
      refuse(name(b.field) + " " + std::to_string(b.value) + " is below " + name(b.below) + " " +
             std::to_string(b.least) + ": " + b.never);
    }
  }
  const std::size_t entry = RegistryServerOptions::answer_cache_entry_bytes;
  if (o.answer_cache_bytes > 0 && o.answer_cache_bytes < o.max_answer_bytes + entry) {
    refuse(
        name("answer_cache_bytes") + " " + std::to_string(o.answer_cache_bytes) + " is below " +
        name("max_answer_bytes") + " " + std::to_string(o.max_answer_bytes) + " plus " +
        std::to_string(entry) +
        " for its entry: the largest answer could never be kept, and would be rebuilt on every read (0 keeps "
        "none)");
  }
}

}  // namespace mfstate
