// Demo chapter: the article's first failure caught in the producer's CI. Profile 2.0.0 splits
// `name` into `firstName`/`lastName`; Home 1.0.0, deployed in production, reads `/name`. The same
// steps as `mfstate contracts publish / deploy / check` (docs/contracts-ci.md), run in-process
// on a throw-away folder registry. Header-only: examples/demo.cpp calls show_contracts_in_ci().
#pragma once

#include <filesystem>
#include <ostream>
#include <random>
#include <string>

#include "mfstate/compat.hpp"
#include "mfstate/registry.hpp"

namespace mfstate::demo {

namespace detail {

// The manifests of examples/contracts/, inline so the demo runs from any folder.
inline const char* home_manifest = R"({
  "name": "home", "version": "1.0.0",
  "reads": {"profile/user": {"/userId": "string", "/name": "string"}}
})";

inline std::string profile_manifest(const char* version, const char* user_properties, const char* required) {
  return std::string(R"({"name": "profile", "version": ")") + version +
         R"(", "exports": {"user": {"type": "object", "required": )" + required + R"(, "properties": )" +
         user_properties + "}}}";
}

inline void print_breaks(std::ostream& out, const std::vector<ContractBreak>& breaks) {
  for (const ContractBreak& b : breaks) {
    out << "    BREAK  " << b.consumer << ' ' << b.consumer_version << " reads " << b.section << ' '
        << b.producer << '/' << b.name << " at " << b.path << ": " << b.reason << '\n';
  }
}

}  // namespace detail

/// Publishes Profile 1.0.0 and Home 1.0.0 to a temporary folder registry, records both as deployed
/// in production, then checks Profile 2.0.0 (the rename: one break, naming Home) and Profile 1.1.0
/// (an optional field added: compatible), printing each step. Returns the number of breaks found
/// for 2.0.0 (1). Throws mfstate::Error if the registry cannot be written.
inline std::size_t show_contracts_in_ci(std::ostream& out) {
  namespace fs = std::filesystem;
  const Manifest home = parse_manifest_json(detail::home_manifest);
  const Manifest profile_v1 = parse_manifest_json(detail::profile_manifest(
      "1.0.0", R"({"userId": {"type": "string"}, "name": {"type": "string"}})", R"(["userId", "name"])"));
  const Manifest profile_v1_1 = parse_manifest_json(detail::profile_manifest(
      "1.1.0",
      R"({"userId": {"type": "string"}, "name": {"type": "string"}, "avatarUrl": {"type": "string"}})",
      R"(["userId", "name"])"));
  const Manifest profile_v2 = parse_manifest_json(detail::profile_manifest(
      "2.0.0",
      R"({"userId": {"type": "string"}, "firstName": {"type": "string"}, "lastName": {"type": "string"}})",
      R"(["userId", "firstName", "lastName"])"));

  const fs::path root =
      fs::temp_directory_path() / ("mfstate-demo-registry-" + std::to_string(std::random_device{}()));
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } cleanup{root};

  out << "== Contracts in CI: the producer learns it breaks a consumer, without running it ==\n";
  auto registry = open_registry(root.string(), {.create = true});
  registry->publish(profile_v1);
  registry->publish(home);
  registry->deploy("profile", "1.0.0", "production");
  registry->deploy("home", "1.0.0", "production");
  out << "  registry: profile 1.0.0 exports user {userId, name}; home 1.0.0 reads profile/user /name;\n"
      << "            both deployed in production\n";

  std::size_t v2_breaks = 0;
  for (const Manifest* candidate : {&profile_v2, &profile_v1_1}) {
    out << "  $ mfstate contracts check profile/" << candidate->version << "/mfstate.json --registry R\n";
    std::vector<ContractBreak> breaks;
    for (const Counterpart& c : check_counterparts(*registry, candidate->name)) {
      auto found = check_pair(*candidate, c.manifest);
      breaks.insert(breaks.end(), found.begin(), found.end());
    }
    detail::print_breaks(out, breaks);
    if (breaks.empty()) {
      out << "    OK: profile " << candidate->version << " is compatible (exit 0)\n";
    } else {
      out << "    FAILED: profile " << candidate->version << " breaks " << breaks.front().consumer << ' '
          << breaks.front().consumer_version << " (exit 1) -- caught in profile's CI, home never built\n";
    }
    if (candidate == &profile_v2) v2_breaks = breaks.size();
  }
  return v2_breaks;
}

}  // namespace mfstate::demo
