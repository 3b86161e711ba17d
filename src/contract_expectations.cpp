// Consumer expectations: loading them from JSON, checking a schema guarantees them (check) and
// checking a concrete value meets them (check_value).

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "contract_schema.hpp"
#include "mfstate/contract.hpp"

namespace mfstate {

namespace detail {
namespace {

/// The mask an expectation's type admits: "string", "integer|null", "any"; 0 when malformed.
TypeMask expected_mask(std::string_view type) {
  if (type == "any") return all_types;
  TypeMask mask = 0;
  std::size_t pos = 0;
  while (pos <= type.size()) {
    std::size_t bar = type.find('|', pos);
    std::string_view name =
        type.substr(pos, bar == std::string_view::npos ? std::string_view::npos : bar - pos);
    TypeMask bit = type_mask_from_name(name);
    if (bit == 0) return 0;
    mask |= bit;
    if (bar == std::string_view::npos) break;
    pos = bar + 1;
  }
  return mask;
}

TypeMask checked_mask(const Expectation& e) {
  TypeMask mask = expected_mask(e.type);
  if (mask == 0) {
    throw Error(ErrorCode::invalid_argument,
                "expectation at \"" + e.path + "\": unknown type \"" + e.type +
                    "\" (use string, integer, number, boolean, object, array, null or any, or several "
                    "joined by '|')");
  }
  return mask;
}

/// Longest expectation path check() walks (each step is a level of recursion).
constexpr std::size_t max_expectation_depth = 256;

std::vector<std::string> tokens_of(const std::string& pointer) {
  std::vector<std::string> tokens;
  Path path = Path::from_pointer(pointer);  // throws invalid_argument for a malformed pointer
  if (path.size() > max_expectation_depth) {
    throw Error(ErrorCode::invalid_argument, "expectation path \"" + pointer.substr(0, 64) +
                                                 "...\" has more than " +
                                                 std::to_string(max_expectation_depth) + " steps");
  }
  for (const auto& e : path.elements()) tokens.push_back(std::get<std::string>(e.base()));
  return tokens;
}

bool is_index(std::string_view token) {
  if (token.empty() || token.size() > 18) return false;
  if (token.size() > 1 && token[0] == '0') return false;
  for (char c : token) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string pointer_of(const std::vector<std::string>& tokens, std::size_t n) {
  Path path;
  for (std::size_t i = 0; i < n; ++i) path = path.child(tokens[i]);
  std::string out = path.to_pointer();
  return out.empty() ? std::string("the root") : out;
}

/// What a schema guarantees about the value at a path: the types it may have when present,
/// and whether it may be absent — with the first reason for each, for the break message.
struct Outcome {
  TypeMask types = all_types;
  bool may_be_absent = false;
  std::string absent_note;
  std::string type_note;  ///< why the types are unconstrained (an undeclared property)
};

/// Either of two outcomes may hold (oneOf branches, object-or-array containers).
Outcome either(Outcome x, const Outcome& y) {
  x.types |= y.types;
  if (!x.may_be_absent && y.may_be_absent) x.absent_note = y.absent_note;
  x.may_be_absent = x.may_be_absent || y.may_be_absent;
  if (x.type_note.empty()) x.type_note = y.type_note;
  return x;
}

/// Both hold (a node's own keywords and its $ref, or its oneOf).
Outcome both(Outcome x, const Outcome& y) {
  x.types &= y.types;
  x.may_be_absent = x.may_be_absent && y.may_be_absent;
  if (!x.may_be_absent) x.absent_note.clear();
  if (x.types != all_types) {
    x.type_note.clear();
  } else if (x.type_note.empty()) {
    x.type_note = y.type_note;
  }
  return x;
}

class Walker {
 public:
  explicit Walker(const std::vector<std::string>& tokens) : tokens_(tokens) {}

  Outcome walk(const SchemaNode* start, std::size_t i) {
    const SchemaNode* n = deref(start ? start : &accept_all_node());
    // oneOf and $ref can reach one node along many routes: each (node, depth) is walked once.
    auto key = std::make_pair(n, i);
    auto found = memo_.find(key);
    if (found != memo_.end()) return found->second;
    Outcome result = walk_uncached(*n, i);
    memo_.emplace(key, result);
    return result;
  }

 private:
  Outcome walk_uncached(const SchemaNode& node, std::size_t i) {
    const SchemaNode* n = &node;
    if (n->rejects_all) {
      return Outcome{0, true, "the schema allows no value at " + pointer_of(tokens_, i), ""};
    }
    Outcome own = i == tokens_.size() ? Outcome{n->own_types(), false, "", ""} : step(*n, i);
    if (!n->one_of.empty()) {
      Outcome branches = walk(n->one_of[0], i);
      for (std::size_t k = 1; k < n->one_of.size(); ++k) branches = either(branches, walk(n->one_of[k], i));
      own = both(own, branches);
    }
    if (n->ref_target) own = both(own, walk(n->ref_target, i));
    return own;
  }

  Outcome step(const SchemaNode& n, std::size_t i) {
    const std::string& token = tokens_[i];
    std::string here = pointer_of(tokens_, i);
    TypeMask container = n.own_types();
    if (container == all_types && !n.has_type && n.one_of.empty() && n.ref_target == nullptr &&
        n.properties.empty() && !n.has_items && !n.has_additional) {
      // Nothing is declared at all: no promise about anything below.
      std::string note = "the schema declares nothing at " + here + ", so " + pointer_of(tokens_, i + 1) +
                         " is not guaranteed";
      return Outcome{all_types, true, note, note};
    }
    Outcome result{0, false, "", ""};
    bool reached = false;
    TypeMask traversable = 0;
    if (container & type_object) {
      traversable |= type_object;
      result = member(n, token, i);
      reached = true;
    }
    if ((container & type_array) && is_index(token)) {
      traversable |= type_array;
      Outcome element = walk(n.items, i + 1);
      result = reached ? either(result, element) : element;
      reached = true;
    }
    TypeMask other = container & ~traversable;
    if (other) {
      // The container may be something a path cannot enter: then the path is absent.
      if (!result.may_be_absent) {
        result.absent_note = here + " may be " + describe_types(other) + ", so " +
                             pointer_of(tokens_, i + 1) + " may be absent";
        if (!n.has_type && (container & type_object)) result.absent_note += " (declare \"type\": \"object\")";
      }
      result.may_be_absent = true;
      if (!reached) result.types = 0;
    }
    return result;
  }

  Outcome member(const SchemaNode& n, const std::string& token, std::size_t i) {
    std::string at = pointer_of(tokens_, i + 1);
    if (const SchemaNode* prop = n.property(token)) {
      Outcome sub = walk(prop, i + 1);
      if (!n.is_required(token) && !sub.may_be_absent) {
        sub.may_be_absent = true;
        sub.absent_note = "property \"" + token + "\" at " + at + " is not required";
      }
      return sub;
    }
    if (n.additional && deref(n.additional)->rejects_all) {
      return Outcome{
          0, true,
          "the schema has no property \"" + token + "\" at " + at + " (additionalProperties is false)", ""};
    }
    std::string note = "the schema has no property \"" + token + "\" at " + at;
    if (n.additional) {
      // Only additionalProperties covers it: its type is known, its presence never promised.
      Outcome sub = walk(n.additional, i + 1);
      sub.may_be_absent = true;
      sub.absent_note = note + " (only additionalProperties covers it)";
      return sub;
    }
    return Outcome{all_types, true, note, note};
  }

  const std::vector<std::string>& tokens_;
  std::map<std::pair<const SchemaNode*, std::size_t>, Outcome> memo_;
};

std::string type_reason(const Expectation& e, TypeMask found, TypeMask expected) {
  return "expected " + e.type + " at " + (e.path.empty() ? std::string("the root") : e.path) +
         ", but the schema also allows " + describe_types(found & ~expected);
}

}  // namespace
}  // namespace detail

Expectations Expectations::from_value(const Value& v) {
  auto bad = [](const std::string& what) {
    throw Error(ErrorCode::invalid_argument, "invalid expectations: " + what);
  };
  auto type_text = [&](const Value& t, const std::string& path) {
    std::string out;
    if (t.is_string()) {
      out = std::string(t.as_string());
    } else if (t.is_array() && t.size() > 0) {
      for (const auto& name : t.as_array()) {
        if (!name.is_string()) bad("the type of \"" + path + "\" lists something other than a type name");
        if (!out.empty()) out += '|';
        out += name.as_string();
      }
    } else {
      bad("the type of \"" + path + "\" must be a type name or an array of type names");
    }
    if (detail::expected_mask(out) == 0) {
      bad("unknown type \"" + out + "\" at \"" + path +
          "\" (use string, integer, number, boolean, object, array, null or any)");
    }
    return out;
  };
  auto check_path = [&](const std::string& path) {
    try {
      (void)detail::tokens_of(path);
    } catch (const Error& e) {
      bad(e.what());
    }
  };
  std::vector<Expectation> list;
  if (v.is_object()) {
    for (const auto& [name, spec] : v.as_object()) {
      const std::string path(name);
      check_path(path);
      Expectation e{path, "", true};
      if (spec.is_object()) {
        const Value* type = spec.find("type");
        if (!type) bad("\"" + path + "\" has no \"type\"");
        e.type = type_text(*type, path);
        if (const Value* required = spec.find("required")) {
          if (!required->is_bool()) bad("\"required\" of \"" + path + "\" must be a boolean");
          e.required = required->as_bool();
        }
        for (const auto& m : spec.as_object()) {
          if (m.key != "type" && m.key != "required")
            bad("unknown field \"" + m.key.str() + "\" at \"" + path + "\"");
        }
      } else {
        e.type = type_text(spec, path);
      }
      list.push_back(std::move(e));
    }
  } else if (v.is_array()) {
    for (const auto& item : v.as_array()) {
      if (!item.is_object()) bad("each expectation in the array form is an object {path, type, required}");
      const Value* path = item.find("path");
      if (!path || !path->is_string()) bad("an expectation has no string \"path\"");
      Expectation e{std::string(path->as_string()), "", true};
      check_path(e.path);
      const Value* type = item.find("type");
      if (!type) bad("\"" + e.path + "\" has no \"type\"");
      e.type = type_text(*type, e.path);
      if (const Value* required = item.find("required")) {
        if (!required->is_bool()) bad("\"required\" of \"" + e.path + "\" must be a boolean");
        e.required = required->as_bool();
      }
      for (const auto& m : item.as_object()) {
        if (m.key != "path" && m.key != "type" && m.key != "required") {
          bad("unknown field \"" + m.key.str() + "\" at \"" + e.path + "\"");
        }
      }
      list.push_back(std::move(e));
    }
  } else {
    bad("expected an object {\"/path\": \"type\"} or an array [{\"path\", \"type\"}], got " +
        std::string(to_string(v.type())));
  }
  return Expectations(std::move(list));
}

Value Expectations::to_value() const {
  std::set<std::string> paths;
  bool unique = true;
  for (const auto& e : list_) unique = unique && paths.insert(e.path).second;
  auto type_value = [](const std::string& type) {
    if (type.find('|') == std::string::npos) return Value(type);
    std::vector<Value> names;
    std::size_t pos = 0;
    for (;;) {
      std::size_t bar = type.find('|', pos);
      names.emplace_back(type.substr(pos, bar == std::string::npos ? std::string::npos : bar - pos));
      if (bar == std::string::npos) break;
      pos = bar + 1;
    }
    return Value::array(std::move(names));
  };
  if (unique) {
    std::vector<Member> members;
    for (const auto& e : list_) {
      Value spec = e.required ? type_value(e.type)
                              : Value::object({{"type", type_value(e.type)}, {"required", false}});
      members.push_back(Member{e.path, std::move(spec)});
    }
    return Value::object(std::move(members));
  }
  std::vector<Value> items;
  for (const auto& e : list_) {
    items.push_back(
        Value::object({{"path", e.path}, {"type", type_value(e.type)}, {"required", e.required}}));
  }
  return Value::array(std::move(items));
}

std::vector<ExpectationBreak> check(const Schema& schema, const Expectations& expectations) {
  std::vector<ExpectationBreak> out;
  for (const auto& e : expectations.list()) {
    detail::TypeMask expected = detail::checked_mask(e);
    auto tokens = detail::tokens_of(e.path);
    detail::Outcome o = detail::Walker(tokens).walk(&detail::SchemaAccess::root(schema), 0);
    std::string where = e.path.empty() ? std::string("the root") : e.path;
    if (e.required && o.may_be_absent) {
      out.push_back({e, o.absent_note.empty() ? where + " may be absent" : o.absent_note});
    } else if (o.types == 0) {
      out.push_back({e, o.absent_note.empty() ? "the schema never allows a value at " + where
                                              : o.absent_note + "; no value can ever be there"});
    } else if (o.types == detail::all_types && !o.type_note.empty()) {
      // Undeclared: even an optional "any" expectation reads something the producer never promised.
      out.push_back({e, o.type_note + ", so nothing guarantees it is " + e.type});
    } else if (o.types & ~expected) {
      out.push_back({e, detail::type_reason(e, o.types, expected)});
    }
  }
  return out;
}

std::vector<ExpectationBreak> check_value(const Value& value, const Expectations& expectations) {
  std::vector<ExpectationBreak> out;
  for (const auto& e : expectations.list()) {
    detail::TypeMask expected = detail::checked_mask(e);
    const Value* found = value.find_in(Path::from_pointer(e.path));
    std::string where = e.path.empty() ? std::string("the root") : e.path;
    if (!found) {
      if (e.required) out.push_back({e, "nothing at " + where});
      continue;
    }
    if (!(detail::type_mask_of(*found) & expected)) {
      out.push_back(
          {e, "expected " + e.type + " at " + where + ", got " + std::string(to_string(found->type()))});
    }
  }
  return out;
}

}  // namespace mfstate
