// Schema compilation: a JSON Schema document (the supported 2020-12 subset) into SchemaNodes,
// with local "$ref" resolution and rejection of everything outside the subset.
// Validation lives in contract_validate.cpp, diff in contract_diff.cpp, expectations in
// contract_expectations.cpp.

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "contract_schema.hpp"
#include "mfstate/contract.hpp"

namespace mfstate {

namespace detail {

TypeMask type_mask_from_name(std::string_view name) noexcept {
  if (name == "null") return type_null;
  if (name == "boolean") return type_boolean;
  if (name == "integer") return type_integer;
  if (name == "number") return type_number;
  if (name == "string") return type_string;
  if (name == "array") return type_array;
  if (name == "object") return type_object;
  return 0;
}

TypeMask type_mask_of(const Value& v) noexcept {
  switch (v.type()) {
    case Type::null: return type_null;
    case Type::boolean: return type_boolean;
    case Type::integer: return type_integer;
    case Type::number: {
      double d = v.as_double();
      return std::isfinite(d) && std::floor(d) == d ? type_integer : type_fraction;
    }
    case Type::string: return type_string;
    case Type::array: return type_array;
    case Type::object: return type_object;
  }
  return 0;
}

std::string describe_types(TypeMask mask) {
  static constexpr std::pair<TypeMask, const char*> names[] = {
      {type_null, "null"},   {type_boolean, "boolean"}, {type_string, "string"},
      {type_array, "array"}, {type_object, "object"},
  };
  if (mask == all_types) return "any type";
  std::vector<std::string> parts;
  if ((mask & type_number) == type_number) {
    parts.emplace_back("number");
  } else if (mask & type_integer) {
    parts.emplace_back("integer");
  } else if (mask & type_fraction) {
    parts.emplace_back("non-integer number");
  }
  for (const auto& [bit, name] : names) {
    if (mask & bit) parts.emplace_back(name);
  }
  if (parts.empty()) return "nothing";
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += i + 1 == parts.size() ? " or " : ", ";
    out += parts[i];
  }
  return out;
}

int compare_numbers(const Value& a, const Value& b) noexcept {
  if (a.is_int() && b.is_int()) {
    auto x = a.as_int();
    auto y = b.as_int();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_double() && b.is_double()) {
    double x = a.as_double();
    double y = b.as_double();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  // One int64 and one double: compare without rounding the integer.
  bool flip = a.is_double();
  std::int64_t i = flip ? b.as_int() : a.as_int();
  double d = flip ? a.as_double() : b.as_double();
  int r;
  if (d >= 9223372036854775808.0) {
    r = -1;
  } else if (d < -9223372036854775808.0) {
    r = 1;
  } else {
    double fl = std::floor(d);
    auto whole = static_cast<std::int64_t>(fl);
    if (i < whole) {
      r = -1;
    } else if (i > whole) {
      r = 1;
    } else {
      r = fl == d ? 0 : -1;  // i == floor(d) < d when d has a fraction
    }
  }
  return flip ? -r : r;
}

std::string preview(const Value& v) {
  std::string text;
  try {
    text = v.to_json();
  } catch (const Error&) {
    return "a non-finite number";
  }
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

std::size_t code_points(std::string_view s) noexcept {
  std::size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;  // count every byte that is not a continuation byte
  }
  return n;
}

TypeMask SchemaNode::own_types() const noexcept {
  if (rejects_all) return 0;
  TypeMask mask = types;
  if (enum_values) {
    TypeMask of_values = 0;
    for (const auto& v : *enum_values) of_values |= type_mask_of(v);
    mask &= of_values;
  }
  if (const_value) mask &= type_mask_of(*const_value);
  return mask;
}

const SchemaNode& accept_all_node() noexcept {
  static const SchemaNode node{};
  return node;
}

namespace {

/// Deepest nesting of subschemas compiled. Real schemas stay far below; the bound keeps
/// compilation and diff recursion far within the WebAssembly build's 8 MiB stack.
constexpr std::size_t max_schema_depth = 128;

bool is_annotation(std::string_view key) {
  static constexpr std::string_view annotations[] = {
      "title",    "description", "$schema",  "$comment",  "default",
      "examples", "deprecated",  "readOnly", "writeOnly", "format",
  };
  return std::find(std::begin(annotations), std::end(annotations), key) != std::end(annotations);
}

/// The schema location of `key` under `location` ("/properties" + "a/b" -> "/properties/a~1b").
std::string child_pointer(const std::string& location, std::string_view key) {
  std::string out = location;
  Path::append_pointer_token(out, key);
  return out;
}

std::string where(const std::string& location) {
  return location.empty() ? std::string("the root") : location;
}

/// "#/$defs/a%20b" -> "/$defs/a b" (URI fragment percent-decoding); false when malformed.
bool decode_fragment(std::string_view fragment, std::string& out) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < fragment.size(); ++i) {
    if (fragment[i] == '%') {
      if (i + 2 >= fragment.size()) return false;
      int hi = hex(fragment[i + 1]);
      int lo = hex(fragment[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += fragment[i];
    }
  }
  return true;
}

class Compiler {
 public:
  Compiler(const Value& document, SchemaArena& arena) : document_(document), arena_(arena) {}

  SchemaNode* compile(const Value& schema, const std::string& location) {
    auto found = by_location_.find(location);
    if (found != by_location_.end()) return found->second;
    if (depth_ >= max_schema_depth) {
      throw Error(ErrorCode::depth_limit, "schema nested deeper than " + std::to_string(max_schema_depth) +
                                              " levels at " + where(location));
    }
    ++depth_;  // not restored on throw: a failed compilation is abandoned whole
    SchemaNode* node = compile_new(schema, location);
    --depth_;
    return node;
  }

  SchemaNode* compile_new(const Value& schema, const std::string& location) {
    arena_.nodes.push_back(std::make_unique<SchemaNode>());
    SchemaNode* node = arena_.nodes.back().get();
    node->location = location;
    by_location_.emplace(location, node);
    if (schema.is_bool()) {
      node->rejects_all = !schema.as_bool();
      return node;
    }
    if (!schema.is_object()) {
      throw Error(ErrorCode::invalid_schema, "a schema is an object or a boolean, but " + where(location) +
                                                 " is " + std::string(to_string(schema.type())));
    }
    bool constraining_besides_ref = false;
    for (const auto& [name, value] : schema.as_object()) {
      const std::string key(name);
      std::string at = child_pointer(location, key);
      if (is_annotation(key)) continue;
      if (key == "$id") {
        // A nested $id would start a new resource with its own base URI for $ref: outside the subset.
        if (!location.empty()) unsupported(key, location, "an $id below the root");
        continue;
      }
      if (key == "$ref") {
        if (!value.is_string()) shape(at, "\"$ref\" takes a string");
        node->ref = std::string(value.as_string());
        pending_refs_.push_back(node);
        continue;
      }
      if (key == "$defs" || key == "definitions") {
        if (!value.is_object()) shape(at, "\"" + key + "\" takes an object of schemas");
        for (const auto& def : value.as_object()) compile(def.value, child_pointer(at, def.key));
        continue;
      }
      constraining_besides_ref = true;
      if (key == "type") {
        compile_type(*node, value, at);
      } else if (key == "properties") {
        if (!value.is_object()) shape(at, "\"properties\" takes an object of schemas");
        for (const auto& prop : value.as_object()) {
          node->properties.emplace_back(prop.key, compile(prop.value, child_pointer(at, prop.key)));
        }
      } else if (key == "required") {
        if (!value.is_array()) shape(at, "\"required\" takes an array of property names");
        for (const auto& name : value.as_array()) {
          if (!name.is_string()) shape(at, "\"required\" takes an array of strings");
          if (node->is_required(name.as_string())) {
            shape(at, "\"required\" lists \"" + std::string(name.as_string()) + "\" twice");
          }
          node->required.emplace_back(name.as_string());
        }
      } else if (key == "items") {
        if (value.is_array()) {
          unsupported("items", at, "the array form of \"items\" (2020-12 spells tuples \"prefixItems\")");
        }
        node->has_items = true;
        node->items = compile(value, at);
      } else if (key == "additionalProperties") {
        node->has_additional = true;
        node->additional = compile(value, at);
      } else if (key == "enum") {
        if (!value.is_array()) shape(at, "\"enum\" takes an array of values");
        auto span = value.as_array();
        node->enum_values.emplace(span.begin(), span.end());
      } else if (key == "const") {
        node->const_value = value;
      } else if (key == "minimum" || key == "exclusiveMinimum") {
        tighten_lower(*node, number(value, key, at), key == "exclusiveMinimum");
      } else if (key == "maximum" || key == "exclusiveMaximum") {
        tighten_upper(*node, number(value, key, at), key == "exclusiveMaximum");
      } else if (key == "minLength") {
        node->min_length = length(value, key, at);
      } else if (key == "maxLength") {
        node->max_length = length(value, key, at);
      } else if (key == "oneOf") {
        if (!value.is_array() || value.size() == 0) shape(at, "\"oneOf\" takes a non-empty array of schemas");
        auto branches = value.as_array();
        for (std::size_t i = 0; i < branches.size(); ++i) {
          node->one_of.push_back(compile(branches[i], at + "/" + std::to_string(i)));
        }
      } else {
        unsupported(key, location, "");
      }
    }
    node->only_ref = !node->ref.empty() && !constraining_besides_ref;
    return node;
  }

  /// Resolves every "$ref" (compiling the schema it points at when no keyword reached it), then
  /// rejects reference cycles that never descend into the data (they would validate forever).
  void link() {
    while (!pending_refs_.empty()) {
      SchemaNode* node = pending_refs_.back();
      pending_refs_.pop_back();
      node->ref_target = resolve(*node);
    }
    std::map<const SchemaNode*, int> state;  // 1 = on the stack, 2 = done
    for (const auto& node : arena_.nodes) find_cycle(node.get(), state);
  }

 private:
  [[noreturn]] static void shape(const std::string& at, const std::string& what) {
    throw Error(ErrorCode::invalid_schema, "invalid schema at " + where(at) + ": " + what);
  }

  [[noreturn]] static void unsupported(const std::string& keyword, const std::string& location,
                                       const std::string& what) {
    throw Error(ErrorCode::unsupported_schema,
                "unsupported JSON Schema keyword \"" + keyword + "\" at " + where(location) +
                    (what.empty() ? std::string() : " (" + what + ")") +
                    "; the contract subset is type, properties, required, items, enum, const, "
                    "additionalProperties, minimum, maximum, exclusiveMinimum, exclusiveMaximum, "
                    "minLength, maxLength, oneOf, $defs and local $ref");
  }

  static void compile_type(SchemaNode& node, const Value& value, const std::string& at) {
    node.has_type = true;
    node.types = 0;
    auto add = [&](const Value& name) {
      if (!name.is_string()) shape(at, "\"type\" takes a type name or an array of type names");
      TypeMask bit = type_mask_from_name(name.as_string());
      if (bit == 0) shape(at, "unknown type \"" + std::string(name.as_string()) + "\"");
      if ((node.types & bit) == bit)
        shape(at, "\"type\" lists \"" + std::string(name.as_string()) + "\" twice");
      node.types |= bit;
    };
    if (value.is_array()) {
      for (const auto& name : value.as_array()) add(name);
    } else {
      add(value);
    }
  }

  static Value number(const Value& value, const std::string& key, const std::string& at) {
    if (!value.is_number()) shape(at, "\"" + key + "\" takes a number");
    return value;
  }

  static std::uint64_t length(const Value& value, const std::string& key, const std::string& at) {
    if (value.is_int() && value.as_int() >= 0) return static_cast<std::uint64_t>(value.as_int());
    if (value.is_double()) {
      double d = value.as_double();
      if (d >= 0 && std::floor(d) == d) {
        return d >= 1.8e19 ? UINT64_MAX : static_cast<std::uint64_t>(d);
      }
    }
    shape(at, "\"" + key + "\" takes a non-negative integer");
  }

  static void tighten_lower(SchemaNode& node, const Value& limit, bool exclusive) {
    if (node.lower) {
      int c = compare_numbers(limit, node.lower->limit);
      if (c < 0 || (c == 0 && !exclusive)) return;  // the existing bound is at least as strict
    }
    node.lower = Bound{limit, exclusive};
  }

  static void tighten_upper(SchemaNode& node, const Value& limit, bool exclusive) {
    if (node.upper) {
      int c = compare_numbers(limit, node.upper->limit);
      if (c > 0 || (c == 0 && !exclusive)) return;
    }
    node.upper = Bound{limit, exclusive};
  }

  const SchemaNode* resolve(const SchemaNode& node) {
    const std::string& ref = node.ref;
    if (ref.empty() || ref[0] != '#') {
      unsupported(
          "$ref", node.location,
          "\"" + ref + "\" is not a local reference; only \"#\" and \"#/...\" pointers are supported");
    }
    std::string pointer;
    if (!decode_fragment(std::string_view(ref).substr(1), pointer)) {
      shape(node.location + "/$ref", "malformed percent-encoding in \"" + ref + "\"");
    }
    if (!pointer.empty() && pointer[0] != '/') {
      unsupported("$ref", node.location,
                  "\"" + ref + "\" names an anchor; only JSON Pointer fragments are supported");
    }
    Path path;
    try {
      path = Path::from_pointer(pointer);
    } catch (const Error&) {
      shape(node.location + "/$ref", "\"" + ref + "\" is not a valid JSON Pointer fragment");
    }
    std::string canonical = path.to_pointer();
    auto found = by_location_.find(canonical);
    if (found != by_location_.end()) return found->second;
    const Value* target = document_.find_in(path);
    if (!target) shape(node.location + "/$ref", "\"" + ref + "\" points at nothing in the document");
    return compile(*target, canonical);
  }

  void find_cycle(const SchemaNode* node, std::map<const SchemaNode*, int>& state) {
    // Only edges that stay on the same value can loop forever: $ref and oneOf branches.
    auto& s = state[node];
    if (s == 2) return;
    if (s == 1) {
      throw Error(ErrorCode::invalid_schema,
                  "invalid schema at " + where(node->location) +
                      ": a $ref cycle that never descends into the data (validation would not end)");
    }
    s = 1;
    if (node->ref_target) find_cycle(node->ref_target, state);
    for (const auto* branch : node->one_of) find_cycle(branch, state);
    state[node] = 2;
  }

  const Value& document_;
  SchemaArena& arena_;
  std::map<std::string, SchemaNode*> by_location_;
  std::vector<SchemaNode*> pending_refs_;
  std::size_t depth_ = 0;
};

}  // namespace
}  // namespace detail

Schema::Schema()
    : root_(std::shared_ptr<const detail::SchemaNode>(std::shared_ptr<void>(), &detail::accept_all_node())),
      document_(true) {}

Schema Schema::parse(const Value& document) {
  auto arena = std::make_shared<detail::SchemaArena>();
  detail::Compiler compiler(document, *arena);
  const detail::SchemaNode* root = compiler.compile(document, "");
  compiler.link();
  Schema schema;
  schema.root_ = std::shared_ptr<const detail::SchemaNode>(arena, root);
  schema.document_ = document;
  return schema;
}

Schema Schema::parse_json(std::string_view text) { return parse(mfstate::parse_json(text)); }

const Value& Schema::document() const noexcept { return document_; }

}  // namespace mfstate
