// libFuzzer target: schema compilation, validation, diff and expectation checks on hostile input.
// The input is "<schema JSON>\0<value JSON>[\0<probe JSON>]" (no NUL: the whole input is the
// schema and the value is `null`). The value is validated, read as expectations and compiled as a
// second schema. Anything may throw mfstate::Error; nothing may crash, hang or leak. Invariants:
// require_valid agrees with validate; a document compiled twice diffs to no change; and diff is
// sound against a probe value — when the probe is valid under one schema and not the other, the
// diff must report the widening (producer: breaking) or narrowing (consumer: breaking) it shows.
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
  std::string_view value_text =
      cut == std::string_view::npos ? std::string_view("null") : input.substr(cut + 1);
  std::string_view probe_text;
  if (std::size_t second = value_text.find('\0'); second != std::string_view::npos) {
    probe_text = value_text.substr(second + 1);
    value_text = value_text.substr(0, second);
  }

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
    std::optional<mfstate::Schema> other;
    try {
      other = mfstate::Schema::parse(*value);
    } catch (const mfstate::Error&) {
    }
    if (other) {
      auto as_producer = mfstate::diff(schema, *other, mfstate::SchemaRole::producer);
      auto as_consumer = mfstate::diff(schema, *other, mfstate::SchemaRole::consumer);
      auto probe = probe_text.empty() ? std::nullopt : parse(probe_text);
      if (probe) {
        bool before_ok = mfstate::validate(schema, *probe).empty();
        bool after_ok = mfstate::validate(*other, *probe).empty();
        if (!before_ok && after_ok && !mfstate::has_breaking(as_producer)) std::abort();  // missed a widening
        if (before_ok && !after_ok && !mfstate::has_breaking(as_consumer))
          std::abort();  // missed a narrowing
      }
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
