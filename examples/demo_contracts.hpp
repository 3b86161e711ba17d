// The contract part of the console demo: the article's `name` -> `firstName`/`lastName` break,
// caught in the producer's build by check() and diff(), without running the consumer.
// Header-only so examples/demo.cpp can call demo_contract_check() from its own main.
#pragma once

#include <iostream>
#include <string>

#include "mfstate/contract.hpp"

namespace mfstate::demo {

/// Prints the schemas, the consumer's expectations and what check() and diff() find.
inline void demo_contract_check(std::ostream& out = std::cout) {
  const char* v1_text = R"({"type":"object","properties":{"userId":{"type":"string"},
    "name":{"type":"string"}},"required":["userId","name"]})";
  const char* v2_text = R"({"type":"object","properties":{"userId":{"type":"string"},
    "firstName":{"type":"string"},"lastName":{"type":"string"}},"required":["userId","firstName","lastName"]})";
  Schema v1 = Schema::parse_json(v1_text);
  Schema v2 = Schema::parse_json(v2_text);
  // App B (home) declares what it reads from app A's (profile) export "user".
  Expectations home_reads = Expectations::from_value(parse_json(R"({"/userId":"string","/name":"string"})"));

  out << "== Contracts: profile's export \"user\" and what home reads from it ==\n";
  out << "home expects:   " << home_reads.to_value().to_json() << "\n";
  out << "profile v1:     " << v1.document().to_json() << "\n";
  auto v1_breaks = check(v1, home_reads);
  out << "check(v1):      " << (v1_breaks.empty() ? "all expectations hold" : "BROKEN") << "\n";

  out << "profile v2 splits name into firstName/lastName: " << v2.document().to_json() << "\n";
  auto breaks = check(v2, home_reads);
  for (const auto& b : breaks) {
    out << "check(v2):      BREAKS " << b.expectation.path << " (" << b.expectation.type << "): " << b.reason
        << "\n";
  }
  auto changes = diff(v1, v2, SchemaRole::producer);
  out << "diff(v1, v2) as a producer: " << (has_breaking(changes) ? "breaking" : "compatible") << "\n";
  for (const auto& c : changes) {
    out << "  " << (c.kind == ChangeKind::breaking ? "BREAKING   " : "compatible ")
        << (c.path.empty() ? "/" : c.path) << "  " << c.rule << ": " << c.reason << "\n";
  }
  // The run-time counterpart: the value v2 produces, checked against home's expectations.
  Value user = parse_json(R"({"userId":"u1","firstName":"Ada","lastName":"Lovelace"})");
  require_valid(v2, user, "export profile/user");
  for (const auto& b : check_value(user, home_reads)) {
    out << "check_value:    " << b.expectation.path << ": " << b.reason << "\n";
  }
  out << "=> profile's CI fails before home ever shows \"undefined\".\n";
}

}  // namespace mfstate::demo
