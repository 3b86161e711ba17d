// JSONTestSuite (https://github.com/nst/JSONTestSuite, MIT; copied to tests/data/JSONTestSuite):
// every y_ file parses, every n_ file is rejected with an mfstate::Error (never a crash), and each
// i_ file (implementation-defined) gets the decision documented in docs/value.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "mfstate/value.hpp"

using namespace mfstate;

namespace {

const std::string suite_dir = std::string(MFSTATE_TEST_DATA_DIR) + "/JSONTestSuite/test_parsing/";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The file names, read from the suite's index (tests/data/JSONTestSuite/test_parsing/INDEX):
// a plain list keeps the test free of directory listing, which the WebAssembly build under node
// may not offer.
std::vector<std::string> suite_files() {
  std::ifstream index(suite_dir + "INDEX");
  std::vector<std::string> names;
  for (std::string line; std::getline(index, line);) {
    if (!line.empty()) names.push_back(line);
  }
  return names;
}

// "accept" or the spelling of the ErrorCode parse_json throws.
std::string outcome(const std::string& text) {
  try {
    (void)parse_json(text);
    return "accept";
  } catch (const Error& e) {
    return std::string(to_string(e.code()));
  }
}

// The decisions for the implementation-defined files (docs/value.md explains each group).
const std::map<std::string, std::string> i_decisions = {
    // Numbers: tiny ones underflow to 0, integers beyond int64 become doubles; beyond double's
    // range there is no finite value to hold: rejected.
    {"i_number_double_huge_neg_exp.json", "accept"},
    {"i_number_real_underflow.json", "accept"},
    {"i_number_too_big_neg_int.json", "accept"},
    {"i_number_too_big_pos_int.json", "accept"},
    {"i_number_very_big_negative_int.json", "accept"},
    {"i_number_huge_exp.json", "invalid_json"},
    {"i_number_neg_int_huge_exp.json", "invalid_json"},
    {"i_number_pos_double_huge_exp.json", "invalid_json"},
    {"i_number_real_neg_overflow.json", "invalid_json"},
    {"i_number_real_pos_overflow.json", "invalid_json"},
    // Nesting: 500 is within the default limit of 512.
    {"i_structure_500_nested_arrays.json", "accept"},
    // Escaped lone or broken surrogates name no character: rejected as malformed escapes.
    {"i_object_key_lone_2nd_surrogate.json", "invalid_json"},
    {"i_string_1st_surrogate_but_2nd_missing.json", "invalid_json"},
    {"i_string_1st_valid_surrogate_2nd_invalid.json", "invalid_json"},
    {"i_string_incomplete_surrogate_and_escape_valid.json", "invalid_json"},
    {"i_string_incomplete_surrogate_pair.json", "invalid_json"},
    {"i_string_incomplete_surrogates_escape_valid.json", "invalid_json"},
    {"i_string_invalid_lonely_surrogate.json", "invalid_json"},
    {"i_string_invalid_surrogate.json", "invalid_json"},
    {"i_string_inverted_surrogates_U+1D11E.json", "invalid_json"},
    {"i_string_lone_second_surrogate.json", "invalid_json"},
    // Text must be UTF-8: other encodings and a byte order mark are rejected.
    {"i_string_utf16BE_no_BOM.json", "invalid_json"},
    {"i_string_utf16LE_no_BOM.json", "invalid_json"},
    {"i_structure_UTF-8_BOM_empty_object.json", "invalid_json"},
    {"i_string_UTF-16LE_with_BOM.json", "invalid_utf8"},
    // Invalid UTF-8 inside strings.
    {"i_string_UTF-8_invalid_sequence.json", "invalid_utf8"},
    {"i_string_UTF8_surrogate_U+D800.json", "invalid_utf8"},
    {"i_string_invalid_utf-8.json", "invalid_utf8"},
    {"i_string_iso_latin_1.json", "invalid_utf8"},
    {"i_string_lone_utf8_continuation_byte.json", "invalid_utf8"},
    {"i_string_not_in_unicode_range.json", "invalid_utf8"},
    {"i_string_overlong_sequence_2_bytes.json", "invalid_utf8"},
    {"i_string_overlong_sequence_6_bytes.json", "invalid_utf8"},
    {"i_string_overlong_sequence_6_bytes_null.json", "invalid_utf8"},
    {"i_string_truncated-utf-8.json", "invalid_utf8"},
};

}  // namespace

TEST(ValueConformance, JsonTestSuiteParsingFilesGetTheirExpectedOutcome) {
  std::vector<std::string> names = suite_files();
  ASSERT_EQ(names.size(), 318u) << "the INDEX lists every file of test_parsing";
  int y_ok = 0, n_ok = 0, i_accepted = 0, i_rejected = 0;
  std::map<std::string, int> n_codes;
  for (const std::string& name : names) {
    std::string text = read_file(suite_dir + name);
    std::string got = outcome(text);
    if (name.rfind("y_", 0) == 0) {
      EXPECT_EQ(got, "accept") << name;
      y_ok += got == "accept";
      if (got == "accept") {
        // What parses also round-trips through both serialisations.
        Value v = parse_json(text);
        EXPECT_EQ(parse_json(v.to_json()), v) << name;
        EXPECT_EQ(parse_json(v.to_canonical_json()).to_canonical_json(), v.to_canonical_json()) << name;
      }
    } else if (name.rfind("n_", 0) == 0) {
      EXPECT_NE(got, "accept") << name;
      n_ok += got != "accept";
      ++n_codes[got];
    } else {
      auto it = i_decisions.find(name);
      ASSERT_NE(it, i_decisions.end()) << "no decision for " << name;
      EXPECT_EQ(got, it->second) << name;
      (got == "accept" ? i_accepted : i_rejected) += 1;
    }
  }
  EXPECT_EQ(y_ok, 95);
  EXPECT_EQ(n_ok, 188);
  EXPECT_EQ(i_accepted + i_rejected, static_cast<int>(i_decisions.size()));
  std::printf("JSONTestSuite: y %d/95 accepted, n %d/188 rejected, i %d accepted + %d rejected\n", y_ok,
              n_ok, i_accepted, i_rejected);
  for (const auto& [code, count] : n_codes) std::printf("  n_ rejected as %s: %d\n", code.c_str(), count);
}

TEST(ValueConformance, HundredThousandOpeningArraysFileGivesDepthLimit) {
  std::string text = read_file(suite_dir + "n_structure_100000_opening_arrays.json");
  EXPECT_EQ(outcome(text), "depth_limit");
}
