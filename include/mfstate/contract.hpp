// Contracts on every boundary between apps: a JSON Schema subset, validation with JSON Pointer
// paths, a compatibility diff by role, and the expectations a consumer declares about what it reads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mfstate/value.hpp"

namespace mfstate {

namespace detail {
struct SchemaNode;
struct SchemaAccess;
}

/// A compiled schema (JSON Schema 2020-12 subset: type — including unions and "null" —,
/// properties, required, items, enum, const, additionalProperties, minimum, maximum,
/// exclusiveMinimum, exclusiveMaximum, minLength, maxLength (in code points), oneOf, $defs and
/// local $ref ("#", "#/$defs/x"); annotations such as title, description, $schema, $comment,
/// default, examples, format, and $id at the root, are accepted and ignored). Immutable; copies
/// are O(1). docs/contracts.md describes the subset.
class Schema {
 public:
  /// The schema that accepts everything (`true`).
  Schema();
  /// Compiles a schema document. Throws Error(unsupported_schema) naming the first keyword outside
  /// the subset (and its JSON Pointer; also a remote or anchor $ref, or $id below the root),
  /// Error(invalid_schema) for a keyword of the wrong shape, an unresolvable $ref or a $ref cycle
  /// that never descends into the data. Allocates; O(size of the document).
  static Schema parse(const Value& document);
  /// parse(parse_json(text)); also throws parse_json's errors (invalid_json, …).
  static Schema parse_json(std::string_view text);

  /// The document it was compiled from.
  const Value& document() const noexcept;

 private:
  friend struct detail::SchemaAccess;  // the compiled root, for validate, diff and check
  std::shared_ptr<const detail::SchemaNode> root_;
  Value document_;
};

/// One reason a value does not satisfy a schema.
struct Violation {
  std::string path;    ///< JSON Pointer into the value ("" is the root)
  std::string reason;  ///< e.g. "expected string, got integer", "missing required property \"id\""
};

/// Every violation of `schema` by `value` (empty when valid). Does not throw (beyond bad_alloc).
/// Cost: O(size of value × schema nodes reached); oneOf branches are memoised per value node.
std::vector<Violation> validate(const Schema& schema, const Value& value);
/// Throws Error(schema_violation) listing the violations, with `context` (e.g. "export
/// profile/user") leading the message.
void require_valid(const Schema& schema, const Value& value, std::string_view context);

/// Whose side of a boundary a schema describes, which decides what a change breaks.
enum class SchemaRole {
  producer,  ///< data a producer emits to readers (exports, query data, topics): narrowing is safe
  consumer,  ///< payloads a consumer accepts (commands): widening is safe
};

enum class ChangeKind { breaking, compatible };

/// One difference between two schemas.
struct SchemaChange {
  ChangeKind kind;
  std::string path;    ///< JSON Pointer into the *data* the schemas describe ("/user/name");
                       ///< "*" stands for every array element / every undeclared member
  std::string rule;    ///< stable id of the rule, e.g. "property_removed", "type_narrowed"
                       ///< (the full list is in docs/contracts.md)
  std::string reason;  ///< for people: what changed and why it breaks or not for this role
};

/// Every change from `before` to `after`, each classified for `role`: widening (after accepts
/// more) breaks a producer, narrowing (after accepts less) breaks a consumer. Does not throw.
std::vector<SchemaChange> diff(const Schema& before, const Schema& after, SchemaRole role);
/// True when any change is breaking. O(n), no allocation.
bool has_breaking(const std::vector<SchemaChange>& changes);

/// What a consumer reads from an export: JSON Pointer paths with the JSON type it expects there.
struct Expectation {
  std::string path;      ///< "/name"
  std::string type;      ///< "string", "integer", "number", "boolean", "object", "array", "null", "any",
                         ///< or a union joined by '|' ("string|null"; an array of names in JSON)
  bool required = true;  ///< false: the consumer copes with the path being absent
};

class Expectations {
 public:
  /// No expectations.
  Expectations() = default;
  /// These expectations, as given (check() validates their types and paths).
  explicit Expectations(std::vector<Expectation> list) : list_(std::move(list)) {}
  /// Loads `{"/name": "string", "/id": {"type": "integer", "required": false}}` or
  /// `[{"path": "/name", "type": "string"}]`; a type may be an array (`["string", "null"]`).
  /// Throws invalid_argument for anything else (bad pointer, unknown type or field). Allocates.
  static Expectations from_value(const Value& v);
  /// The object form (the array form when two expectations share a path). Allocates.
  Value to_value() const;
  /// The expectations in declaration order. O(1).
  const std::vector<Expectation>& list() const noexcept { return list_; }
  /// True when there are none. O(1).
  bool empty() const noexcept { return list_.empty(); }

 private:
  std::vector<Expectation> list_;
};

/// One expectation the schema no longer meets.
struct ExpectationBreak {
  Expectation expectation;
  std::string reason;  ///< e.g. "the schema has no property \"name\" at /name"
};

/// Each expectation `schema` does not guarantee (empty when all hold): the path must be declared
/// in `properties` (required along the way when the expectation is required) and every type the
/// schema allows there must be one the expectation accepts. Throws invalid_argument for an
/// expectation with an unknown type or a malformed pointer. Cost: O(path length × nodes).
std::vector<ExpectationBreak> check(const Schema& schema, const Expectations& expectations);

/// Each expectation a concrete value does not meet (the run-time counterpart of check()): a
/// required path missing, or a value of another type. Throws like check().
std::vector<ExpectationBreak> check_value(const Value& value, const Expectations& expectations);

}  // namespace mfstate
