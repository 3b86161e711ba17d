// The official JSON Schema Test Suite (draft 2020-12, copied under tests/data with its LICENSE):
// every group whose schema stays inside the contract subset must pass; groups using other
// keywords are skipped, and the runner prints how many ran and why the others were skipped.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

#include "mfstate/contract.hpp"

namespace mfstate {
namespace {

const char* const suite_files[] = {
    "type",
    "properties",
    "required",
    "items",
    "enum",
    "const",
    "additionalProperties",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "oneOf",
    "ref",
    "defs",
    "boolean_schema",
    "default",
    "format",
    "optional/bignum",  // big integers arrive as doubles: still integers, bounds still exact
};

Value load(const std::string& name) {
  std::string path =
      std::string(MFSTATE_TEST_DATA_DIR) + "/JSON-Schema-Test-Suite/tests/draft2020-12/" + name + ".json";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::stringstream text;
  text << in.rdbuf();
  return parse_json(text.str());
}

/// The keyword named in an unsupported_schema message: `unsupported JSON Schema keyword "x" ...`.
std::string keyword_of(const std::string& message) {
  auto open = message.find('"');
  auto close = message.find('"', open + 1);
  if (open == std::string::npos || close == std::string::npos) return message;
  std::string keyword = message.substr(open + 1, close - open - 1);
  if (keyword == "$ref") keyword += message.find("anchor") != std::string::npos ? " (anchor)" : " (remote)";
  return keyword;
}

struct Tally {
  int groups_run = 0;
  int groups_skipped = 0;
  int tests_run = 0;
  std::map<std::string, int> skipped_because;
};

std::map<std::string, Tally>& tallies() {
  static std::map<std::string, Tally> t;
  return t;
}

class JsonSchemaTestSuite : public ::testing::TestWithParam<const char*> {};

TEST_P(JsonSchemaTestSuite, SupportedGroupsPass) {
  std::string name = GetParam();
  Value groups = load(name);
  Tally& tally = tallies()[name];
  for (const auto& group : groups.as_array()) {
    std::string description(group.get("description").as_string());
    Schema schema;
    try {
      schema = Schema::parse(group.get("schema"));
    } catch (const Error& e) {
      if (e.code() == ErrorCode::unsupported_schema) {
        ++tally.groups_skipped;
        ++tally.skipped_because[keyword_of(e.what())];
        continue;
      }
      ADD_FAILURE() << name << ": \"" << description << "\": schema rejected: " << e.what();
      continue;
    }
    ++tally.groups_run;
    for (const auto& test : group.get("tests").as_array()) {
      ++tally.tests_run;
      bool expected = test.get("valid").as_bool();
      auto violations = validate(schema, test.get("data"));
      std::string first = violations.empty() ? "" : violations[0].path + ": " + violations[0].reason;
      EXPECT_EQ(violations.empty(), expected) << name << ": \"" << description << "\" / \""
                                              << test.get("description").as_string() << "\" " << first;
    }
  }
  // Every keyword file has groups inside the subset, except "defs": it only validates against
  // the remote meta-schema.
  if (name != "defs") EXPECT_GT(tally.groups_run, 0) << name;
  std::cout << "[ suite    ] " << name << ": " << tally.groups_run << " groups ran (" << tally.tests_run
            << " tests), " << tally.groups_skipped << " skipped";
  for (const auto& [why, n] : tally.skipped_because) std::cout << "; " << n << " use " << why;
  std::cout << "\n";
}

INSTANTIATE_TEST_SUITE_P(Draft2020_12, JsonSchemaTestSuite, ::testing::ValuesIn(suite_files),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '/') c = '_';  // "optional/bignum" -> "optional_bignum"
                           }
                           return name;
                         });

/// Prints the totals over every file once all tests ran.
class TotalsPrinter : public ::testing::Environment {
 public:
  void TearDown() override {
    int run = 0;
    int skipped = 0;
    int tests = 0;
    for (const auto& [name, tally] : tallies()) {
      run += tally.groups_run;
      skipped += tally.groups_skipped;
      tests += tally.tests_run;
    }
    std::cout << "[ suite    ] total: " << run << " groups ran (" << tests << " tests), " << skipped
              << " skipped\n";
  }
};

[[maybe_unused]] ::testing::Environment* const totals =
    ::testing::AddGlobalTestEnvironment(new TotalsPrinter);

}  // namespace
}  // namespace mfstate
