// libFuzzer target: schema compilation, validation, diff and expectation checks on hostile input.
// The input is "<schema JSON>\0<value JSON>" (no NUL: the whole input is the schema and the
// value is `null`). Anything may throw mfstate::Error; nothing may crash, hang or leak, and two
// compilations of the same document must diff to no change at all.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "mfstate/contract.hpp"

namespace {

std::optional<mfstate::Value> parse(std::string_view text) {
  try {
    mfstate::ParseOptions options;
    options.max_depth = 64;  // deep enough for every keyword, shallow enough to keep runs fast
    return mfstate::parse_json(text, options);
  } catch (const mfstate::Error&) {
    return std::nullopt;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t cut = input.find('\0');
  std::string_view schema_text = input.substr(0, cut);
  std::string_view value_text = cut == std::string_view::npos ? std::string_view("null") : input.substr(cut + 1);

  auto document = parse(schema_text);
  auto value = parse(value_text);
  if (!document) return 0;
  mfstate::Schema schema;
  try {
    schema = mfstate::Schema::parse(*document);
  } catch (const mfstate::Error&) {
    return 0;
  }
  if (value) {
    auto violations = mfstate::validate(schema, *value);
    try {
      mfstate::require_valid(schema, *value, "fuzz");
      if (!violations.empty()) std::abort();  // require_valid must agree with validate
    } catch (const mfstate::Error& e) {
      if (violations.empty() || e.code() != mfstate::ErrorCode::schema_violation) std::abort();
    }
    (void)mfstate::check_value(*value, mfstate::Expectations({{"/a/0", "string|null", true}}));
    try {
      auto expectations = mfstate::Expectations::from_value(*value);
      (void)mfstate::check(schema, expectations);
      (void)mfstate::check_value(*value, expectations);
      (void)mfstate::Expectations::from_value(expectations.to_value());
    } catch (const mfstate::Error&) {
    }
    try {
      auto other = mfstate::Schema::parse(*value);
      (void)mfstate::diff(schema, other, mfstate::SchemaRole::producer);
      (void)mfstate::diff(other, schema, mfstate::SchemaRole::consumer);
    } catch (const mfstate::Error&) {
    }
  }
  // A document compiled twice must not differ from itself.
  auto again = mfstate::Schema::parse(*document);
  if (!mfstate::diff(schema, again, mfstate::SchemaRole::producer).empty()) std::abort();
  (void)mfstate::diff(mfstate::Schema(), schema, mfstate::SchemaRole::consumer);
  (void)mfstate::diff(schema, mfstate::Schema(), mfstate::SchemaRole::producer);
  (void)mfstate::check(schema, mfstate::Expectations({{"/a/0", "string|null", true}, {"", "object", false}}));
  return 0;
}
