// Validation: every violation of a compiled schema by a value, each with the JSON Pointer of the
// offending part of the value. oneOf branches are decided by a memoised validity check so that
// recursive schemas cost polynomial, not exponential, time.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "contract_schema.hpp"
#include "mfstate/contract.hpp"

namespace mfstate {

namespace detail {
namespace {

std::string bound_text(const Bound& b, bool lower) {
  return std::string(lower ? (b.exclusive ? "greater than " : "at least ")
                           : (b.exclusive ? "less than " : "at most ")) +
         preview(b.limit);
}

void append_token(std::string& path, std::string_view token) { Path::append_pointer_token(path, token); }

// Validation recurses once per level of the value, and a Value nests at most
// detail::max_nesting containers: that bounds the stack. The frames of one level were measured
// at under 512 bytes at -O2, so 4096 levels take at most 2 MiB: within the WebAssembly build's
// 8 MiB stack (cmake/Emscripten.cmake) and a native main thread's.
static_assert(detail::max_nesting <= 4096, "validation's stack use was sized for 4096 levels");

struct MemoKeyHash {
  std::size_t operator()(const std::pair<const SchemaNode*, const void*>& k) const noexcept {
    auto a = reinterpret_cast<std::uintptr_t>(k.first);
    auto b = reinterpret_cast<std::uintptr_t>(k.second);
    return static_cast<std::size_t>((a * 0x9E3779B97F4A7C15ull) ^ (b + (a << 6) + (a >> 2)));
  }
};

/// Verdicts of oneOf branches per (schema node, value): hashed, as it grows with the value.
using Memo = std::unordered_map<std::pair<const SchemaNode*, const void*>, bool, MemoKeyHash>;

/// Walks a value and a schema together. With `out` null it stops at the first violation and
/// only answers "valid?" (the mode oneOf uses); with `out` set it collects every violation.
///
/// The recursion goes run -> check -> check_object/check_array -> run, one round per level of the
/// value. Everything that builds a message lives in separate non-inlined functions so that the
/// frames of that round stay small: a value nested max_nesting (4096) levels deep must fit the 8 MiB
/// stack of the WebAssembly build.
class Validator {
 public:
  Validator(std::vector<Violation>* out, Memo& memo) : out_(out), memo_(memo) {}

  bool run(const SchemaNode& start, const Value& value, std::string& path) {
    const SchemaNode& node = *deref(&start);
    if (!out_) {
      // Nodes identify strings, arrays and objects; a scalar is identified by where it lives,
      // which stays put for the whole validation (every value visited is part of the input).
      const void* identity =
          value.node() ? static_cast<const void*>(value.node()) : static_cast<const void*>(&value);
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

  [[gnu::noinline]] bool fail_false(const SchemaNode& node, const std::string& path) {
    return fail(path, "no value is allowed here (the schema at " +
                          (node.location.empty() ? std::string("the root") : node.location) + " is false)");
  }

  [[gnu::noinline]] bool fail_type(const SchemaNode& node, const Value& value, const std::string& path) {
    return fail(path,
                "expected " + describe_types(node.types) + ", got " + std::string(to_string(value.type())));
  }

  [[gnu::noinline]] bool check_enum(const SchemaNode& node, const Value& value, const std::string& path) {
    for (const auto& candidate : *node.enum_values) {
      if (candidate == value) return true;
    }
    std::string list;
    for (std::size_t i = 0; i < node.enum_values->size() && i < 8; ++i) {
      if (i) list += ", ";
      list += preview((*node.enum_values)[i]);
    }
    if (node.enum_values->size() > 8) list += ", ...";
    return fail(path, "expected one of [" + list + "], got " + preview(value));
  }

  [[gnu::noinline]] bool fail_const(const SchemaNode& node, const Value& value, const std::string& path) {
    return fail(path, "expected the constant " + preview(*node.const_value) + ", got " + preview(value));
  }

  [[gnu::noinline]] bool check_number(const SchemaNode& node, const Value& value, const std::string& path) {
    bool ok = true;
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
      }
    }
    return ok;
  }

  [[gnu::noinline]] bool check_string(const SchemaNode& node, const Value& value, const std::string& path) {
    std::size_t n = code_points(value.as_string());
    bool ok = true;
    if (node.min_length && n < *node.min_length) {
      ok = fail(path, "string of " + std::to_string(n) + " characters is shorter than minLength " +
                          std::to_string(*node.min_length));
      if (!out_) return false;
    }
    if (node.max_length && n > *node.max_length) {
      ok = fail(path, "string of " + std::to_string(n) + " characters is longer than maxLength " +
                          std::to_string(*node.max_length));
    }
    return ok;
  }

  [[gnu::noinline]] bool fail_missing(const std::string& name, const std::string& path) {
    return fail(path, "missing required property \"" + name + "\"");
  }

  [[gnu::noinline]] bool fail_additional(std::string_view key, const std::string& path) {
    return fail(path, "property \"" + std::string(key) + "\" is not allowed (additionalProperties is false)");
  }

  bool check(const SchemaNode& node, const Value& value, std::string& path) {
    if (node.rejects_all) return fail_false(node, path);
    bool ok = true;
    if (node.has_type && !(node.types & type_mask_of(value))) {
      ok = fail_type(node, value, path);
      if (!out_) return false;
    }
    if (node.enum_values && !check_enum(node, value, path)) {
      ok = false;
      if (!out_) return false;
    }
    if (node.const_value && !(*node.const_value == value)) {
      ok = fail_const(node, value, path);
      if (!out_) return false;
    }
    if (value.is_number()) {
      if ((node.lower || node.upper) && !check_number(node, value, path)) ok = false;
    } else if (value.is_string()) {
      if ((node.min_length || node.max_length) && !check_string(node, value, path)) ok = false;
    } else if (value.is_object()) {
      if (!check_object(node, value, path)) ok = false;
    } else if (value.is_array() && node.items) {
      if (!check_array(node, value, path)) ok = false;
    }
    if (!ok && !out_) return false;
    if (!node.one_of.empty() && !check_one_of(node, value, path)) {
      ok = false;
      if (!out_) return false;
    }
    if (node.ref_target && !run(*node.ref_target, value, path)) ok = false;
    return ok;
  }

  bool check_object(const SchemaNode& node, const Value& value, std::string& path) {
    bool ok = true;
    for (const auto& name : node.required) {
      if (!value.contains(name)) {
        ok = fail_missing(name, path);
        if (!out_) return false;
      }
    }
    if (node.properties.empty() && !node.additional) return ok;
    for (const auto& member : value.as_object()) {
      const SchemaNode* sub = node.property(member.key);
      if (!sub) sub = node.additional;
      if (!sub) continue;
      std::size_t mark = path.size();
      append_token(path, member.key);
      bool member_ok = sub == node.additional && deref(sub)->rejects_all ? fail_additional(member.key, path)
                                                                         : run(*sub, member.value, path);
      path.resize(mark);
      if (!member_ok) {
        ok = false;
        if (!out_) break;
      }
    }
    return ok;
  }

  bool check_array(const SchemaNode& node, const Value& value, std::string& path) {
    bool ok = true;
    auto elements = value.as_array();
    for (std::size_t i = 0; i < elements.size(); ++i) {
      std::size_t mark = path.size();
      path += '/';
      path += std::to_string(i);
      bool element_ok = run(*node.items, elements[i], path);
      path.resize(mark);
      if (!element_ok) {
        ok = false;
        if (!out_) break;
      }
    }
    return ok;
  }

  // On the recursion path: kept small. Messages are built by report_one_of.
  bool check_one_of(const SchemaNode& node, const Value& value, std::string& path) {
    Validator probe(nullptr, memo_);
    std::size_t matches = 0;
    for (const SchemaNode* branch : node.one_of) {
      if (probe.run(*branch, value, path) && ++matches > 1) break;
    }
    if (matches == 1) return true;
    return out_ ? report_one_of(node, value, path) : false;
  }

  [[gnu::noinline]] bool report_one_of(const SchemaNode& node, const Value& value, std::string& path) {
    Validator probe(nullptr, memo_);  // answers come from the memo filled by check_one_of
    std::vector<std::size_t> matched;
    for (std::size_t i = 0; i < node.one_of.size(); ++i) {
      if (probe.run(*node.one_of[i], value, path)) matched.push_back(i);
    }
    if (matched.size() > 1) {
      std::string list;
      for (std::size_t i = 0; i < matched.size(); ++i) {
        if (i) list += ", ";
        list += std::to_string(matched[i]);
      }
      return fail(path, "matches oneOf branches " + list + "; exactly one must match");
    }
    std::string reason = "matches none of the " + std::to_string(node.one_of.size()) + " oneOf branches";
    if (explain_branches_) {
      // Say why each branch failed (its first violation). Nested oneOfs inside a branch are
      // not explained again, which keeps the cost linear in the number of branches.
      for (std::size_t i = 0; i < node.one_of.size() && i < 8; ++i) {
        std::vector<Violation> branch;
        Validator explain(&branch, memo_);
        explain.explain_branches_ = false;
        explain.run(*node.one_of[i], value, path);
        if (branch.empty()) continue;
        reason += std::string(i == 0 ? ": " : "; ") + "branch " + std::to_string(i) + ": " +
                  (branch[0].path.empty() ? std::string("(root)") : branch[0].path) + " " + branch[0].reason;
      }
    }
    return fail(path, reason);
  }

  std::vector<Violation>* out_;
  Memo& memo_;
  bool explain_branches_ = true;
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
  detail::Validator(&out, memo).run(detail::SchemaAccess::root(schema), value, path);
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
    message += (violations[i].path.empty() ? std::string("(root)") : violations[i].path) + ": " +
               violations[i].reason;
  }
  if (violations.size() > shown) message += "; and " + std::to_string(violations.size() - shown) + " more";
  throw Error(ErrorCode::schema_violation, message);
}

}  // namespace mfstate
