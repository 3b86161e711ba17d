// Reading the option objects JavaScript passes (plain objects staged as Values).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bridge.hpp"
#include "mfstate/error.hpp"
#include "mfstate/value.hpp"

namespace mfweb::opt {

/// The member `key` of options object `o`, or nullptr when absent or null.
inline const Value* field(const Value& o, std::string_view key) {
  if (!o.is_object()) return nullptr;
  const Value* v = o.find(key);
  return (v && !v->is_null()) ? v : nullptr;
}

[[noreturn]] inline void wrong(std::string_view key, std::string_view expected) {
  throw mfstate::Error(mfstate::ErrorCode::invalid_argument,
                       "option " + std::string(key) + " must be " + std::string(expected));
}

inline std::optional<bool> boolean(const Value& o, std::string_view key) {
  const Value* v = field(o, key);
  if (!v) return std::nullopt;
  if (!v->is_bool()) wrong(key, "a boolean");
  return v->as_bool();
}

inline std::optional<double> number(const Value& o, std::string_view key) {
  const Value* v = field(o, key);
  if (!v) return std::nullopt;
  if (!v->is_number()) wrong(key, "a number");
  return v->as_double();
}

inline std::optional<std::int64_t> integer(const Value& o, std::string_view key) {
  const Value* v = field(o, key);
  if (!v) return std::nullopt;
  if (!v->is_int()) wrong(key, "an integer");
  return v->as_int();
}

inline std::optional<std::string> string(const Value& o, std::string_view key) {
  const Value* v = field(o, key);
  if (!v) return std::nullopt;
  if (!v->is_string()) wrong(key, "a string");
  return std::string(v->as_string());
}

/// A JavaScript function the options name by its id (the package registers functions and puts
/// their ids in the object it stages).
inline JsFunction function(const Value& o, std::string_view key) {
  auto id = integer(o, key);
  return id ? JsFunction(static_cast<std::uint32_t>(*id)) : JsFunction();
}

}  // namespace mfweb::opt
