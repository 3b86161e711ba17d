// diff(before, after, role): every change between two schemas, found by walking both compiled
// schemas together. Each change is first classified by what it does to the set of valid values
// — it *widens* (after accepts values before rejected), *narrows* (before accepted values after
// rejects), or both — and only then by role: widening breaks a producer's readers, narrowing
// breaks a consumer's senders. docs/contracts.md explains every rule.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "contract_schema.hpp"
#include "mfstate/contract.hpp"

namespace mfstate {

namespace detail {
namespace {

struct RawChange {
  std::string path;
  std::string rule;
  std::string reason;
  bool widens = false;
  bool narrows = false;
};

std::string child(const std::string& path, std::string_view token) {
  std::string out = path;
  Path::append_pointer_token(out, token);
  return out;
}

std::string bound_text(const std::optional<Bound>& b, bool lower) {
  if (!b) return "none";
  return std::string(lower ? (b->exclusive ? "> " : ">= ") : (b->exclusive ? "< " : "<= ")) +
         preview(b->limit);
}

/// <0 when bound `x` admits less than `y` (is stricter), >0 when it admits more, 0 when equal.
int compare_lower(const std::optional<Bound>& x, const std::optional<Bound>& y) {
  if (!x && !y) return 0;
  if (!x) return 1;
  if (!y) return -1;
  int c = compare_numbers(x->limit, y->limit);
  if (c != 0) return c > 0 ? -1 : 1;  // a higher minimum admits less
  if (x->exclusive == y->exclusive) return 0;
  return x->exclusive ? -1 : 1;
}

int compare_upper(const std::optional<Bound>& x, const std::optional<Bound>& y) {
  if (!x && !y) return 0;
  if (!x) return 1;
  if (!y) return -1;
  int c = compare_numbers(x->limit, y->limit);
  if (c != 0) return c < 0 ? -1 : 1;  // a lower maximum admits less
  if (x->exclusive == y->exclusive) return 0;
  return x->exclusive ? -1 : 1;
}

/// The values an enum/const pair admits, or nothing when neither keyword is present.
std::optional<std::vector<Value>> allowed_values(const SchemaNode& n) {
  if (n.const_value) {
    if (n.enum_values) {
      for (const auto& v : *n.enum_values) {
        if (v == *n.const_value) return std::vector<Value>{*n.const_value};
      }
      return std::vector<Value>{};
    }
    return std::vector<Value>{*n.const_value};
  }
  return n.enum_values;
}

bool contains_value(const std::vector<Value>& list, const Value& v) {
  for (const auto& x : list) {
    if (x == v) return true;
  }
  return false;
}

std::string list_values(const std::vector<Value>& list) {
  std::string out;
  for (std::size_t i = 0; i < list.size() && i < 6; ++i) {
    if (i) out += ", ";
    out += preview(list[i]);
  }
  if (list.size() > 6) out += ", ...";
  return out;
}

/// What replacing one schema with another does overall, for the rules that summarise a subtree.
struct Summary {
  bool changed = false;
  bool widens = false;
  bool narrows = false;
};

/// Deepest nesting of comparisons (schema levels, plus the summaries they open). Schemas compile
/// to at most 128 levels; recursive ones can pair up deeper, and the bound keeps the stack small.
constexpr std::size_t max_diff_depth = 256;

using PairKey = std::pair<const SchemaNode*, const SchemaNode*>;

/// Summaries shared by every Differ of one diff() call. A pair still being summarised counts as
/// unchanged: recursive schemas then terminate, and two recursive schemas that differ nowhere
/// else are rightly found equal (the same reasoning as checking a bisimulation).
using SummaryMemo = std::map<PairKey, std::optional<Summary>>;

class Differ {
 public:
  explicit Differ(SummaryMemo& memo) : memo_(memo) {}

  std::vector<RawChange> changes;

  void node(const SchemaNode* before, const SchemaNode* after, const std::string& path) {
    if (depth_ >= max_diff_depth) {
      // Conservative: what lies deeper is not compared, so it counts as breaking for both roles.
      if (!too_deep_reported_) {
        too_deep_reported_ = true;
        add(path, "too_deep",
            "schemas nested deeper than " + std::to_string(max_diff_depth) +
                " levels are not compared further",
            true, true);
      }
      return;
    }
    ++depth_;
    compare_nodes(before, after, path);
    --depth_;
  }

  void compare_nodes(const SchemaNode* before, const SchemaNode* after, const std::string& path) {
    const SchemaNode* b = deref(before ? before : &accept_all_node());
    const SchemaNode* a = deref(after ? after : &accept_all_node());
    if (b == a) return;
    // Recursive schemas meet the same pair again one level down: its changes are already listed.
    if (!seen_.insert({b, a}).second) return;

    if (b->rejects_all || a->rejects_all) {
      if (b->rejects_all && a->rejects_all) return;
      if (b->rejects_all) {
        add(path, "schema_opened", "the schema allowed no value here and now allows some", true, false);
      } else {
        add(path, "schema_closed", "the schema now allows no value here (false)", false, true);
      }
      return;
    }

    TypeMask tb = b->own_types();
    TypeMask ta = a->own_types();
    compare_types(tb, ta, path);
    compare_values(*b, *a, path);
    TypeMask common = tb & ta;
    if (common & type_number) compare_bounds(*b, *a, path);
    if (common & type_string) compare_lengths(*b, *a, path);
    if (common & type_object) compare_objects(*b, *a, path);
    if (common & type_array) {
      node(b->items, a->items, path + "/*");
    }
    compare_one_of(*b, *a, path);
    if (b->ref_target || a->ref_target) node(b->ref_target, a->ref_target, path);
  }

  void add(const std::string& path, std::string rule, std::string reason, bool widens, bool narrows) {
    changes.push_back(RawChange{path, std::move(rule), context_ + std::move(reason), widens, narrows});
  }

 private:
  /// Whether replacing `before` with `after` changes anything, widens and/or narrows.
  Summary summary(const SchemaNode* before, const SchemaNode* after) {
    const SchemaNode* b = deref(before ? before : &accept_all_node());
    const SchemaNode* a = deref(after ? after : &accept_all_node());
    if (b == a) return {};
    auto [it, fresh] = memo_.try_emplace(PairKey{b, a});
    if (!fresh) return it->second.value_or(Summary{});
    Differ sub(memo_);
    sub.depth_ = depth_;
    sub.node(b, a, "");
    Summary result;
    for (const auto& c : sub.changes) {
      result.changed = true;
      result.widens |= c.widens;
      result.narrows |= c.narrows;
    }
    memo_[PairKey{b, a}] = result;  // re-find: the sub-walk may have grown the map
    return result;
  }

  std::pair<bool, bool> direction(const SchemaNode* before, const SchemaNode* after) {
    auto s = summary(before, after);
    return {s.widens, s.narrows};
  }

  void compare_types(TypeMask tb, TypeMask ta, const std::string& path) {
    TypeMask added = ta & ~tb;
    TypeMask removed = tb & ~ta;
    if (added && removed) {
      add(path, "type_changed", "type changed from " + describe_types(tb) + " to " + describe_types(ta), true,
          true);
    } else if (added) {
      add(path, "type_widened",
          "type widened from " + describe_types(tb) + " to " + describe_types(ta) + " (now also " +
              describe_types(added) + ")",
          true, false);
    } else if (removed) {
      add(path, "type_narrowed",
          "type narrowed from " + describe_types(tb) + " to " + describe_types(ta) + " (no longer " +
              describe_types(removed) + ")",
          false, true);
    }
  }

  void compare_values(const SchemaNode& b, const SchemaNode& a, const std::string& path) {
    auto vb = allowed_values(b);
    auto va = allowed_values(a);
    if (!vb && !va) return;
    bool uses_const = b.const_value || a.const_value;
    if (!vb) {
      add(path, uses_const ? "const_added" : "enum_added", "values restricted to [" + list_values(*va) + "]",
          false, true);
      return;
    }
    if (!va) {
      add(path, uses_const ? "const_removed" : "enum_removed",
          "values no longer restricted to [" + list_values(*vb) + "]", true, false);
      return;
    }
    std::vector<Value> added;
    std::vector<Value> removed;
    for (const auto& v : *va) {
      if (!contains_value(*vb, v)) added.push_back(v);
    }
    for (const auto& v : *vb) {
      if (!contains_value(*va, v)) removed.push_back(v);
    }
    if (added.empty() && removed.empty()) return;
    std::string detail;
    if (!added.empty()) detail += "added [" + list_values(added) + "]";
    if (!removed.empty())
      detail += std::string(detail.empty() ? "" : ", ") + "removed [" + list_values(removed) + "]";
    std::string rule;
    if (uses_const) {
      rule = "const_changed";
    } else {
      rule = !removed.empty() && !added.empty() ? "enum_changed"
                                                : (removed.empty() ? "enum_widened" : "enum_narrowed");
    }
    add(path, rule, (uses_const ? "allowed constant values changed: " : "enum values changed: ") + detail,
        !added.empty(), !removed.empty());
  }

  void compare_bounds(const SchemaNode& b, const SchemaNode& a, const std::string& path) {
    int lower = compare_lower(a.lower, b.lower);
    if (lower != 0) {
      add(path, lower < 0 ? "bounds_narrowed" : "bounds_widened",
          "lower bound (minimum/exclusiveMinimum) changed from " + bound_text(b.lower, true) + " to " +
              bound_text(a.lower, true),
          lower > 0, lower < 0);
    }
    int upper = compare_upper(a.upper, b.upper);
    if (upper != 0) {
      add(path, upper < 0 ? "bounds_narrowed" : "bounds_widened",
          "upper bound (maximum/exclusiveMaximum) changed from " + bound_text(b.upper, false) + " to " +
              bound_text(a.upper, false),
          upper > 0, upper < 0);
    }
  }

  void compare_lengths(const SchemaNode& b, const SchemaNode& a, const std::string& path) {
    auto text = [](const std::optional<std::uint64_t>& n) {
      return n ? std::to_string(*n) : std::string("none");
    };
    std::uint64_t min_b = b.min_length.value_or(0);
    std::uint64_t min_a = a.min_length.value_or(0);
    if (min_b != min_a) {
      add(path, min_a > min_b ? "bounds_narrowed" : "bounds_widened",
          "minLength changed from " + text(b.min_length) + " to " + text(a.min_length),
          min_a<min_b, min_a> min_b);
    }
    if (b.max_length != a.max_length) {
      // An absent maxLength admits every length: it is the loosest.
      bool narrows = a.max_length && (!b.max_length || *a.max_length < *b.max_length);
      add(path, narrows ? "bounds_narrowed" : "bounds_widened",
          "maxLength changed from " + text(b.max_length) + " to " + text(a.max_length), !narrows, narrows);
    }
  }

  void compare_objects(const SchemaNode& b, const SchemaNode& a, const std::string& path) {
    std::vector<std::string> names;
    for (const auto& [name, unused] : b.properties) names.push_back(name);
    for (const auto& [name, unused] : a.properties) {
      if (!b.property(name)) names.push_back(name);
    }
    for (const auto& name : b.required) {
      if (!b.property(name) && !a.property(name)) names.push_back(name);
    }
    for (const auto& name : a.required) {
      if (!b.property(name) && !a.property(name) && !b.is_required(name)) names.push_back(name);
    }
    for (const auto& name : names) {
      const SchemaNode* pb = b.property(name);
      const SchemaNode* pa = a.property(name);
      bool rb = b.is_required(name);
      bool ra = a.is_required(name);
      std::string at = child(path, name);
      if (pb && pa) {
        node(pb, pa, at);
      } else if (pb) {
        property_removed(name, *pb, a, rb, ra, at);
        continue;
      } else if (pa) {
        property_added(name, *pa, b, rb, ra, at);
        continue;
      }
      if (!rb && ra) {
        add(at, "optional_made_required", "property \"" + name + "\" was optional and is now required", false,
            true);
      } else if (rb && !ra) {
        add(at, "required_made_optional", "property \"" + name + "\" was required and is now optional", true,
            false);
      }
    }
    compare_additional(b, a, path);
  }

  static std::string model_text(const SchemaNode& n) {
    if (!n.additional) return "the object is open";
    if (deref(n.additional)->rejects_all) return "additionalProperties is false";
    return "additionalProperties constrains it";
  }

  void property_removed(const std::string& name, const SchemaNode& pb, const SchemaNode& a, bool rb, bool ra,
                        const std::string& at) {
    // Undeclared now, the member falls under additionalProperties: open -> any value (widens),
    // false -> never present (narrows), a schema -> whatever that schema differs by.
    auto [widens, narrows] = direction(&pb, a.additional);
    std::string reason = "property \"" + name + "\" removed (" + model_text(a) + ")";
    if (rb && !ra) {
      widens = true;  // objects without it are now valid
      reason += "; it was required";
    } else if (!rb && ra) {
      narrows = true;
    }
    add(at, rb && !ra ? "required_property_removed" : "property_removed", reason, widens, narrows);
  }

  void property_added(const std::string& name, const SchemaNode& pa, const SchemaNode& b, bool rb, bool ra,
                      const std::string& at) {
    auto [widens, narrows] = direction(b.additional, &pa);
    std::string reason = "property \"" + name + "\" added" + (ra && !rb ? " as required" : " as optional") +
                         " (before, " + model_text(b) + ")";
    if (ra && !rb) {
      narrows = true;  // objects without it were valid and are not any more
    } else if (rb && !ra) {
      widens = true;
    }
    add(at, ra && !rb ? "required_property_added" : "property_added", reason, widens, narrows);
  }

  void compare_additional(const SchemaNode& b, const SchemaNode& a, const std::string& path) {
    const SchemaNode* eb = deref(b.additional ? b.additional : &accept_all_node());
    const SchemaNode* ea = deref(a.additional ? a.additional : &accept_all_node());
    if (eb == ea) return;
    bool open_b = eb->accepts_all();
    bool open_a = ea->accepts_all();
    if (open_b && open_a) return;
    if (ea->rejects_all && !eb->rejects_all) {
      add(path, "additional_properties_closed",
          "additionalProperties is now false: undeclared properties are no longer allowed", false, true);
    } else if (eb->rejects_all && !ea->rejects_all) {
      add(path, "additional_properties_opened",
          std::string("additionalProperties was false and now ") +
              (open_a ? "allows any undeclared property" : "allows undeclared properties matching a schema"),
          true, false);
    } else if (!(eb->rejects_all && ea->rejects_all)) {
      node(eb, ea, path + "/*");
    }
  }

  void compare_one_of(const SchemaNode& b, const SchemaNode& a, const std::string& path) {
    if (b.one_of.empty() && a.one_of.empty()) return;
    if (b.one_of.empty()) {
      add(path, "one_of_added", "oneOf with " + std::to_string(a.one_of.size()) + " branches added", false,
          true);
      return;
    }
    if (a.one_of.empty()) {
      add(path, "one_of_removed", "oneOf with " + std::to_string(b.one_of.size()) + " branches removed", true,
          false);
      return;
    }
    // Pair identical branches first (wherever they moved), then the rest in order; what is left
    // over was added or removed.
    std::vector<bool> used_a(a.one_of.size(), false);
    std::vector<std::size_t> left_b;
    for (std::size_t i = 0; i < b.one_of.size(); ++i) {
      bool matched = false;
      for (std::size_t j = 0; j < a.one_of.size() && !matched; ++j) {
        if (used_a[j]) continue;
        if (!summary(b.one_of[i], a.one_of[j]).changed) {
          used_a[j] = true;
          matched = true;
        }
      }
      if (!matched) left_b.push_back(i);
    }
    std::vector<std::size_t> left_a;
    for (std::size_t j = 0; j < a.one_of.size(); ++j) {
      if (!used_a[j]) left_a.push_back(j);
    }
    // oneOf wants exactly one match, so a branch that changes can also change what *other*
    // branches accept: values it now shares with another branch fail (narrowing), values it no
    // longer shares pass (widening). Each such effect is added where the branches may overlap.
    std::size_t paired = std::min(left_b.size(), left_a.size());
    for (std::size_t k = 0; k < paired; ++k) {
      std::size_t i = left_b[k];
      std::size_t j = left_a[k];
      std::string saved = context_;
      context_ += "oneOf branch " + std::to_string(i) + " (now " + std::to_string(j) + "): ";
      node(b.one_of[i], a.one_of[j], path);
      Summary effect = summary(b.one_of[i], a.one_of[j]);
      bool shares_after = overlaps_another(a.one_of, j);
      bool shared_before = overlaps_another(b.one_of, i);
      if ((effect.widens && shares_after) || (effect.narrows && shared_before)) {
        add(path, "one_of_overlap_changed",
            "the changed branch may match values another branch matches, and oneOf needs exactly one",
            effect.narrows && shared_before, effect.widens && shares_after);
      }
      context_ = saved;
    }
    for (std::size_t k = paired; k < left_b.size(); ++k) {
      bool shared = overlaps_another(b.one_of, left_b[k]);
      add(path, "one_of_branch_removed",
          "oneOf branch " + std::to_string(left_b[k]) + " removed" +
              (shared ? " (values it shared with another branch, invalid before, become valid)" : ""),
          shared, true);
    }
    for (std::size_t k = paired; k < left_a.size(); ++k) {
      bool shares = overlaps_another(a.one_of, left_a[k]);
      add(path, "one_of_branch_added",
          "oneOf branch " + std::to_string(left_a[k]) + " added" +
              (shares ? " (values it shares with another branch, valid before, become invalid)" : ""),
          true, shares);
    }
  }

  static bool overlaps_another(const std::vector<const SchemaNode*>& branches, std::size_t index) {
    for (std::size_t k = 0; k < branches.size(); ++k) {
      if (k != index && may_overlap(branches[k], branches[index], 0)) return true;
    }
    return false;
  }

  /// False only when no value can satisfy both schemas: disjoint types, disjoint enum/const
  /// values, or (for objects) a property both require whose schemas cannot overlap — the
  /// discriminator of a tagged union. True whenever unsure.
  static bool may_overlap(const SchemaNode* x, const SchemaNode* y, int depth) {
    x = deref(x ? x : &accept_all_node());
    y = deref(y ? y : &accept_all_node());
    if (x->rejects_all || y->rejects_all) return false;
    TypeMask common = x->own_types() & y->own_types();
    if (common == 0) return false;
    auto vx = allowed_values(*x);
    auto vy = allowed_values(*y);
    if (vx && vy) {
      bool shared = false;
      for (const auto& v : *vx) shared = shared || contains_value(*vy, v);
      if (!shared) return false;
    }
    if (common == type_object && depth < 8) {
      for (const auto& name : x->required) {
        if (!y->is_required(name)) continue;
        const SchemaNode* px = x->property(name);
        const SchemaNode* py = y->property(name);
        if (!px && x->additional) px = x->additional;
        if (!py && y->additional) py = y->additional;
        if (px && py && !may_overlap(px, py, depth + 1)) return false;
      }
    }
    return true;
  }

  SummaryMemo& memo_;
  std::size_t depth_ = 0;  ///< nested comparisons, including those of enclosing summaries
  bool too_deep_reported_ = false;
  std::set<PairKey> seen_;
  std::string context_;
};

std::string role_text(const RawChange& c, SchemaRole role, bool breaking) {
  if (role == SchemaRole::producer) {
    if (breaking) return "breaks readers: they may now receive values the old schema ruled out";
    if (c.narrows) return "compatible for readers: everything emitted still satisfies the old schema";
    return "compatible: the set of valid values is unchanged";
  }
  if (breaking) return "breaks senders: payloads valid under the old schema may now be rejected";
  if (c.widens) return "compatible for senders: every payload accepted before is still accepted";
  return "compatible: the set of valid values is unchanged";
}

}  // namespace
}  // namespace detail

std::vector<SchemaChange> diff(const Schema& before, const Schema& after, SchemaRole role) {
  detail::SummaryMemo memo;
  detail::Differ differ(memo);
  differ.node(&detail::SchemaAccess::root(before), &detail::SchemaAccess::root(after), "");
  std::vector<SchemaChange> out;
  out.reserve(differ.changes.size());
  for (auto& c : differ.changes) {
    bool breaking = role == SchemaRole::producer ? c.widens : c.narrows;
    std::string reason = c.reason + " — " + detail::role_text(c, role, breaking);
    out.push_back(SchemaChange{breaking ? ChangeKind::breaking : ChangeKind::compatible, std::move(c.path),
                               std::move(c.rule), std::move(reason)});
  }
  return out;
}

bool has_breaking(const std::vector<SchemaChange>& changes) {
  for (const auto& c : changes) {
    if (c.kind == ChangeKind::breaking) return true;
  }
  return false;
}

}  // namespace mfstate
