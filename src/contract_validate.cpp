// Validation: every violation of a compiled schema by a value, each with the JSON Pointer of the
// offending part of the value. oneOf branches are decided by a memoised validity check so that
// recursive schemas cost polynomial, not exponential, time.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "contract_schema.hpp"
#include "mfstate/contract.hpp"

namespace mfstate {

namespace detail {
namespace {

/// Short JSON for messages: values in a reason stay readable even when the value is huge.
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

std::string bound_text(const Bound& b, bool lower) {
  return std::string(lower ? (b.exclusive ? "greater than " : "at least ")
                           : (b.exclusive ? "less than " : "at most ")) +
         preview(b.limit);
}

void append_token(std::string& path, std::string_view token) {
  path += '/';
  for (char c : token) {
    if (c == '~') {
      path += "~0";
    } else if (c == '/') {
      path += "~1";
    } else {
      path += c;
    }
  }
}

using Memo = std::map<std::pair<const SchemaNode*, const void*>, bool>;

/// Walks a value and a schema together. With `out` null it stops at the first violation and
/// only answers "valid?" (the mode oneOf uses); with `out` set it collects every violation.
class Validator {
 public:
  Validator(std::vector<Violation>* out, Memo& memo) : out_(out), memo_(memo) {}

  bool run(const SchemaNode& node, const Value& value, std::string& path) {
    if (!out_) {
      // Nodes identify strings, arrays and objects; a scalar is identified by where it lives,
      // which stays put for the whole validation (every value visited is part of the input).
      const void* identity = value.node() ? static_cast<const void*>(value.node()) : static_cast<const void*>(&value);
      auto key = std::make_pair(&node, identity);
      auto it = memo_.find(key);
      if (it != memo_.end()) return it->second;
      bool ok = check(node, value, path);
      memo_[key] = ok;
      return ok;
    }
    return check(node, value, path);
  }

 private:
  // Returns false on a violation; in reporting mode it records it and goes on.
  bool fail(const std::string& path, std::string reason) {
    if (out_) out_->push_back(Violation{path, std::move(reason)});
    return false;
  }

  bool check(const SchemaNode& node, const Value& value, std::string& path) {
    if (node.rejects_all) return fail(path, "no value is allowed here (the schema at " +
                                                (node.location.empty() ? std::string("the root") : node.location) +
                                                " is false)");
    bool ok = true;
    TypeMask mask = type_mask_of(value);
    if (node.has_type && !(node.types & mask)) {
      ok = fail(path, "expected " + describe_types(node.types) + ", got " + std::string(to_string(value.type())));
      if (!out_) return false;
    }
    if (node.enum_values) {
      bool found = false;
      for (const auto& candidate : *node.enum_values) {
        if (candidate == value) {
          found = true;
          break;
        }
      }
      if (!found) {
        std::string list;
        for (std::size_t i = 0; i < node.enum_values->size() && i < 8; ++i) {
          if (i) list += ", ";
          list += preview((*node.enum_values)[i]);
        }
        if (node.enum_values->size() > 8) list += ", ...";
        ok = fail(path, "expected one of [" + list + "], got " + preview(value));
        if (!out_) return false;
      }
    }
    if (node.const_value && !(*node.const_value == value)) {
      ok = fail(path, "expected the constant " + preview(*node.const_value) + ", got " + preview(value));
      if (!out_) return false;
    }
    if (value.is_number()) {
      if (node.lower) {
        int c = compare_numbers(value, node.lower->limit);
        if (c < 0 || (c == 0 && node.lower->exclusive)) {
          ok = fail(path, preview(value) + " is not " + bound_text(*node.lower, true));
          if (!out_) return false;
        }
      }
      if (node.upper) {
        int c = compare_numbers(value, node.upper->limit);
        if (c > 0 || (c == 0 && node.upper->exclusive)) {
          ok = fail(path, preview(value) + " is not " + bound_text(*node.upper, false));
          if (!out_) return false;
        }
      }
    } else if (value.is_string() && (node.min_length || node.max_length)) {
      std::size_t n = code_points(value.as_string());
      if (node.min_length && n < *node.min_length) {
        ok = fail(path, "string of " + std::to_string(n) + " characters is shorter than minLength " +
                            std::to_string(*node.min_length));
        if (!out_) return false;
      }
      if (node.max_length && n > *node.max_length) {
        ok = fail(path, "string of " + std::to_string(n) + " characters is longer than maxLength " +
                            std::to_string(*node.max_length));
        if (!out_) return false;
      }
    } else if (value.is_object()) {
      for (const auto& name : node.required) {
        if (!value.contains(name)) {
          ok = fail(path, "missing required property \"" + name + "\"");
          if (!out_) return false;
        }
      }
      if (!node.properties.empty() || node.additional) {
        for (const auto& member : value.as_object()) {
          const SchemaNode* sub = node.property(member.key);
          if (!sub) sub = node.additional;
          if (!sub) continue;
          std::size_t mark = path.size();
          append_token(path, member.key);
          bool member_ok;
          if (sub == node.additional && sub->rejects_all) {
            member_ok = fail(path, "property \"" + member.key + "\" is not allowed (additionalProperties is false)");
          } else {
            member_ok = run(*sub, member.value, path);
          }
          path.resize(mark);
          if (!member_ok) {
            ok = false;
            if (!out_) return false;
          }
        }
      }
    } else if (value.is_array() && node.items) {
      auto elements = value.as_array();
      for (std::size_t i = 0; i < elements.size(); ++i) {
        std::size_t mark = path.size();
        path += '/';
        path += std::to_string(i);
        bool element_ok = run(*node.items, elements[i], path);
        path.resize(mark);
        if (!element_ok) {
          ok = false;
          if (!out_) return false;
        }
      }
    }
    if (!node.one_of.empty()) {
      Validator probe(nullptr, memo_);
      std::vector<std::size_t> matched;
      for (std::size_t i = 0; i < node.one_of.size(); ++i) {
        if (probe.run(*node.one_of[i], value, path)) matched.push_back(i);
        if (!out_ && matched.size() > 1) break;
      }
      if (matched.empty()) {
        ok = fail(path, "matches none of the " + std::to_string(node.one_of.size()) + " oneOf branches");
      } else if (matched.size() > 1) {
        std::string list;
        for (std::size_t i = 0; i < matched.size(); ++i) {
          if (i) list += ", ";
          list += std::to_string(matched[i]);
        }
        ok = fail(path, "matches oneOf branches " + list + "; exactly one must match");
      }
      if (!ok && !out_) return false;
    }
    if (node.ref_target) {
      if (!run(*node.ref_target, value, path)) {
        ok = false;
      }
    }
    return ok;
  }

  std::vector<Violation>* out_;
  Memo& memo_;
};

}  // namespace

bool is_valid(const SchemaNode& node, const Value& value) {
  Memo memo;
  std::string path;
  return Validator(nullptr, memo).run(node, value, path);
}

}  // namespace detail

std::vector<Violation> validate(const Schema& schema, const Value& value) {
  std::vector<Violation> out;
  detail::Memo memo;
  std::string path;
  detail::Validator(&out, memo).run(schema.root(), value, path);
  return out;
}

void require_valid(const Schema& schema, const Value& value, std::string_view context) {
  auto violations = validate(schema, value);
  if (violations.empty()) return;
  std::string message(context);
  message += ": the value does not satisfy its schema (" + std::to_string(violations.size()) +
             (violations.size() == 1 ? " violation): " : " violations): ");
  constexpr std::size_t shown = 10;
  for (std::size_t i = 0; i < violations.size() && i < shown; ++i) {
    if (i) message += "; ";
    message += (violations[i].path.empty() ? std::string("(root)") : violations[i].path) + ": " + violations[i].reason;
  }
  if (violations.size() > shown) message += "; and " + std::to_string(violations.size() - shown) + " more";
  throw Error(ErrorCode::schema_violation, message);
}

}  // namespace mfstate
