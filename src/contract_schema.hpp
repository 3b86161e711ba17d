// The compiled form of a contract schema, shared by compilation, validation, diff and check.
// Internal: nothing outside src/contract*.cpp includes it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mfstate/contract.hpp"
#include "mfstate/value.hpp"

namespace mfstate::detail {

/// One bit per JSON type. `integer` and `fraction` split JSON's numbers so that "number" is
/// integer|fraction and "integer" is a subset of it, which makes narrowing a mask comparison.
enum TypeBit : std::uint8_t {
  type_null = 1u << 0,
  type_boolean = 1u << 1,
  type_integer = 1u << 2,
  type_fraction = 1u << 3,  ///< a number with a fractional part
  type_string = 1u << 4,
  type_array = 1u << 5,
  type_object = 1u << 6,
};
using TypeMask = std::uint8_t;
inline constexpr TypeMask type_number = type_integer | type_fraction;
inline constexpr TypeMask all_types = 0x7f;

/// The bit of a JSON Schema type name ("number" gives two bits); 0 for an unknown name.
TypeMask type_mask_from_name(std::string_view name) noexcept;
/// The bit a value belongs to: 2.0 counts as an integer, as JSON Schema says.
TypeMask type_mask_of(const Value& v) noexcept;
/// "string", "integer or null", … for messages ("number" when both number bits are set).
std::string describe_types(TypeMask mask);

/// A numeric bound: minimum/maximum with whether it is exclusive.
struct Bound {
  Value limit;  ///< an integer or a double
  bool exclusive = false;
};

/// Exact comparison of two numbers (int64 or double), without rounding an int64 to a double.
/// Returns <0, 0, >0. NaN never reaches here: schemas come from JSON.
int compare_numbers(const Value& a, const Value& b) noexcept;

/// Unicode code points in a UTF-8 string (Values hold valid UTF-8).
std::size_t code_points(std::string_view s) noexcept;

/// Short JSON for messages (at most 60 characters), so a reason stays readable even when the
/// value is huge; "a non-finite number" for what JSON cannot spell. Allocates.
std::string preview(const Value& v);

struct SchemaNode {
  std::string location;      ///< JSON Pointer of this schema inside the document, for messages
  bool rejects_all = false;  ///< the `false` schema
  bool has_type = false;
  TypeMask types = all_types;  ///< as declared by "type" (all when absent)
  std::vector<std::pair<std::string, const SchemaNode*>> properties;  ///< declaration order
  std::vector<std::string> required;
  bool has_items = false;
  const SchemaNode* items = nullptr;  ///< null when absent (any element)
  bool has_additional = false;
  const SchemaNode* additional = nullptr;  ///< null when absent (any undeclared member)
  std::optional<std::vector<Value>> enum_values;
  std::optional<Value> const_value;
  std::optional<Bound> lower;  ///< the stricter of minimum / exclusiveMinimum
  std::optional<Bound> upper;  ///< the stricter of maximum / exclusiveMaximum
  std::optional<std::uint64_t> min_length;
  std::optional<std::uint64_t> max_length;
  std::vector<const SchemaNode*> one_of;
  std::string ref;  ///< the "$ref" text, empty when none
  const SchemaNode* ref_target = nullptr;
  bool only_ref = false;  ///< "$ref" is its only constraining keyword: the node *is* its target

  const SchemaNode* property(std::string_view name) const noexcept {
    for (const auto& [key, node] : properties) {
      if (key == name) return node;
    }
    return nullptr;
  }
  bool is_required(std::string_view name) const noexcept {
    for (const auto& r : required) {
      if (r == name) return true;
    }
    return false;
  }
  /// True when the node constrains nothing (the `true` schema or only annotations).
  bool accepts_all() const noexcept {
    return !rejects_all && !has_type && properties.empty() && required.empty() && !has_items &&
           !has_additional && !enum_values && !const_value && !lower && !upper && !min_length &&
           !max_length && one_of.empty() && ref.empty();
  }
  /// The types this node's own keywords allow: "type" narrowed by enum/const when present.
  TypeMask own_types() const noexcept;
};

/// Every node of one compiled document. Nodes point at each other (refs may form cycles), so
/// they are owned here and Schema keeps the arena alive through an aliasing shared_ptr.
struct SchemaArena {
  std::vector<std::unique_ptr<SchemaNode>> nodes;
};

/// Follows bare "$ref" nodes to the schema that constrains (cycles are rejected at compile time).
inline const SchemaNode* deref(const SchemaNode* node) noexcept {
  while (node && node->only_ref && node->ref_target) node = node->ref_target;
  return node;
}

/// The shared `true` schema node.
const SchemaNode& accept_all_node() noexcept;

/// Validity only (no report): memoised on (schema node, value node) so that oneOf over
/// recursive schemas stays polynomial. Defined in contract_validate.cpp.
bool is_valid(const SchemaNode& node, const Value& value);

/// The compiled root of a Schema, for the contract module's own files (validate, diff, check).
struct SchemaAccess {
  static const SchemaNode& root(const Schema& schema) noexcept { return *schema.root_; }
};

}  // namespace mfstate::detail
