// The manifest model: parsing and validating mfstate.json, semantic versions. WebAssembly-safe:
// schema files are read through the caller's loader (the native file loader is in src/native/).
#include "mfstate/manifest.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

namespace mfstate {

namespace {

// Kept byte-for-byte identical to schemas/manifest.schema.json (a test compares them).
constexpr std::string_view manifest_schema_text = R"mfjson(
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://mfstate.dev/schemas/manifest.schema.json",
  "title": "mfstate app manifest (mfstate.json)",
  "description": "One app's contract with the others: what it exports, the commands it accepts, the topics it publishes and subscribes to, and what it reads from other apps. See docs/manifest.md.",
  "type": "object",
  "required": ["name", "version"],
  "additionalProperties": false,
  "properties": {
    "$schema": {"type": "string"},
    "name": {
      "description": "The app's name: 1 to 100 of A-Z a-z 0-9 . _ -, starting with a letter or a digit.",
      "type": "string", "minLength": 1, "maxLength": 100
    },
    "version": {
      "description": "The manifest's version, a semantic version (semver.org 2.0.0), e.g. 1.4.0 or 2.0.0-rc.1.",
      "type": "string", "minLength": 5, "maxLength": 256
    },
    "description": {"type": "string"},
    "exports": {
      "description": "Export name -> schema of the exported value: a path to a schema file relative to this manifest, or the schema itself.",
      "type": "object",
      "additionalProperties": {"type": ["string", "object", "boolean"]}
    },
    "commands": {
      "description": "Command type accepted -> payload schema (a file path or the schema itself).",
      "type": "object",
      "additionalProperties": {"type": ["string", "object", "boolean"]}
    },
    "topics": {
      "description": "Topics this app publishes and subscribes to, each with its payload schema.",
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "publishes": {
          "type": "object",
          "additionalProperties": {"type": ["string", "object", "boolean"]}
        },
        "subscribes": {
          "type": "object",
          "additionalProperties": {"type": ["string", "object", "boolean"]}
        }
      }
    },
    "reads": {
      "description": "\"app/export\" -> what this app expects there: {\"/json/pointer\": \"type\"} or [{\"path\": ..., \"type\": ..., \"required\": ...}].",
      "type": "object",
      "additionalProperties": {"type": ["object", "array"]}
    }
  }
}
)mfjson";

}  // namespace

std::string_view manifest_schema_json() noexcept { return manifest_schema_text; }

// manifest_schema() is in manifest_schema.cpp: the WebAssembly module of @mfstate/core links its
// own, which leaves the JSON text parser out of the module (js/packages/core/wasm).

// ---- names and semantic versions ----

bool is_app_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 100) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(name.front())) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return alnum(c) || c == '.' || c == '_' || c == '-'; });
}

namespace {

struct SemverParts {
  std::string_view major, minor, patch;
  std::vector<std::string_view> pre;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool all_digits(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_digit); }

bool is_identifier(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
  });
}

std::vector<std::string_view> split_dots(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = s.find('.', start);
    out.push_back(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

bool numeric_ok(std::string_view s) { return all_digits(s) && (s.size() == 1 || s.front() != '0'); }

bool parse_semver(std::string_view v, SemverParts& out) {
  std::size_t plus = v.find('+');
  if (plus != std::string_view::npos) {
    for (auto id : split_dots(v.substr(plus + 1))) {
      if (!is_identifier(id)) return false;
    }
    v = v.substr(0, plus);
  }
  std::size_t dash = v.find('-');
  if (dash != std::string_view::npos) {
    out.pre = split_dots(v.substr(dash + 1));
    for (auto id : out.pre) {
      if (!is_identifier(id) || (all_digits(id) && !numeric_ok(id))) return false;
    }
    v = v.substr(0, dash);
  }
  auto core = split_dots(v);
  if (core.size() != 3) return false;
  for (auto n : core) {
    if (!numeric_ok(n)) return false;
  }
  out.major = core[0];
  out.minor = core[1];
  out.patch = core[2];
  return true;
}

// Numeric identifiers compared without converting, so no size overflows.
int compare_numeric(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

}  // namespace

bool is_semver(std::string_view version) noexcept {
  SemverParts parts;
  return parse_semver(version, parts);
}

int compare_semver(std::string_view a, std::string_view b) {
  SemverParts pa, pb;
  if (!parse_semver(a, pa))
    throw Error(ErrorCode::invalid_argument, "\"" + std::string(a) + "\" is not a semantic version");
  if (!parse_semver(b, pb))
    throw Error(ErrorCode::invalid_argument, "\"" + std::string(b) + "\" is not a semantic version");
  if (int c = compare_numeric(pa.major, pb.major)) return c;
  if (int c = compare_numeric(pa.minor, pb.minor)) return c;
  if (int c = compare_numeric(pa.patch, pb.patch)) return c;
  // A pre-release orders before its release.
  if (pa.pre.empty() || pb.pre.empty())
    return pa.pre.empty() == pb.pre.empty() ? 0 : (pa.pre.empty() ? 1 : -1);
  for (std::size_t i = 0; i < pa.pre.size() && i < pb.pre.size(); ++i) {
    bool na = all_digits(pa.pre[i]), nb = all_digits(pb.pre[i]);
    int c;
    if (na && nb) {
      c = compare_numeric(pa.pre[i], pb.pre[i]);
    } else if (na != nb) {
      c = na ? -1 : 1;  // numeric identifiers order before alphanumeric ones
    } else {
      int r = pa.pre[i].compare(pb.pre[i]);
      c = r < 0 ? -1 : (r > 0 ? 1 : 0);
    }
    if (c) return c;
  }
  if (pa.pre.size() == pb.pre.size()) return 0;
  return pa.pre.size() < pb.pre.size() ? -1 : 1;
}

// ---- parsing ----

namespace {

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Rethrows with `context` leading the message, keeping the code (and offset) callers branch on.
[[noreturn]] void rethrow_in(const Error& e, const std::string& context) {
  throw Error(e.code(), context + ": " + e.what(), e.offset());
}

Schema compile_schema(const Value& ref, const SchemaLoader& loader, const std::string& what) {
  if (ref.is_string()) {
    if (!loader) {
      throw Error(ErrorCode::invalid_argument, what + ": the schema is a file reference (" +
                                                   quoted(ref.as_string()) +
                                                   ") but no loader was given to read it");
    }
    std::string context = what + " (schema file " + std::string(ref.as_string()) + ")";
    Value document;
    try {
      document = loader(ref.as_string());
    } catch (const Error& e) {
      rethrow_in(e, context);
    }
    try {
      return Schema::parse(document);
    } catch (const Error& e) {
      rethrow_in(e, context);
    }
  }
  try {
    return Schema::parse(ref);
  } catch (const Error& e) {
    rethrow_in(e, what);
  }
}

std::map<std::string, Schema> compile_section(const Value* section, const SchemaLoader& loader,
                                              std::string_view kind) {
  std::map<std::string, Schema> out;
  if (section == nullptr) return out;
  for (const Member& m : section->as_object()) {
    if (m.key.empty()) {
      throw Error(ErrorCode::schema_violation, "manifest: " + std::string(kind) + " with an empty name");
    }
    out.emplace(m.key, compile_schema(m.value, loader, std::string(kind) + " " + quoted(m.key)));
  }
  return out;
}

Value section_value(const std::map<std::string, Schema>& section) {
  std::vector<Member> members;
  members.reserve(section.size());
  for (const auto& [name, schema] : section) members.push_back(Member{name, schema.document()});
  return Value::object(std::move(members));
}

}  // namespace

Manifest parse_manifest(const Value& document, const SchemaLoader& loader) {
  const auto violations = validate(manifest_schema(), document);
  if (!violations.empty()) {
    std::string message = "manifest does not match the manifest schema:";
    for (const auto& v : violations) {
      message += "\n  " + (v.path.empty() ? std::string("(root)") : v.path) + ": " + v.reason;
    }
    throw Error(ErrorCode::schema_violation, message);
  }
  Manifest m;
  m.name = std::string(document.get("name").as_string());
  m.version = std::string(document.get("version").as_string());
  if (!is_app_name(m.name)) {
    throw Error(ErrorCode::schema_violation,
                "manifest: /name: " + quoted(m.name) +
                    " is not an app name (1 to 100 of A-Z a-z 0-9 . _ -, starting with a letter or digit)");
  }
  if (!is_semver(m.version)) {
    throw Error(ErrorCode::schema_violation,
                "manifest: /version: " + quoted(m.version) + " is not a semantic version (e.g. 1.4.0)");
  }
  const std::string who = "manifest " + m.id();
  if (const Value* d = document.find("description")) m.description = std::string(d->as_string());
  try {
    m.exports = compile_section(document.find("exports"), loader, "export");
    m.commands = compile_section(document.find("commands"), loader, "command");
    if (const Value* topics = document.find("topics")) {
      m.publishes = compile_section(topics->find("publishes"), loader, "published topic");
      m.subscribes = compile_section(topics->find("subscribes"), loader, "subscribed topic");
    }
  } catch (const Error& e) {
    rethrow_in(e, who);
  }
  if (const Value* reads = document.find("reads")) {
    for (const Member& r : reads->as_object()) {
      const std::string_view name = r.key;
      std::size_t slash = name.find('/');
      if (slash == std::string::npos || slash == 0 || slash + 1 == name.size()) {
        throw Error(ErrorCode::schema_violation,
                    who + ": /reads: " + quoted(r.key) + " is not \"app/export\"");
      }
      ManifestRead read;
      read.app = name.substr(0, slash);
      read.export_name = name.substr(slash + 1);
      if (!is_app_name(read.app)) {
        throw Error(ErrorCode::schema_violation,
                    who + ": /reads: " + quoted(read.app) + " is not an app name");
      }
      try {
        read.expectations = Expectations::from_value(r.value);
      } catch (const Error& e) {
        rethrow_in(e, who + ": reads " + quoted(r.key));
      }
      m.reads.push_back(std::move(read));
    }
    std::sort(m.reads.begin(), m.reads.end(), [](const ManifestRead& a, const ManifestRead& b) {
      return std::tie(a.app, a.export_name) < std::tie(b.app, b.export_name);
    });
  }
  return m;
}

Manifest parse_manifest_json(std::string_view text, const SchemaLoader& loader) {
  return parse_manifest(parse_json(text), loader);
}

Value Manifest::to_value() const {
  std::vector<Member> members;
  members.push_back(Member{"name", Value(name)});
  members.push_back(Member{"version", Value(version)});
  if (!description.empty()) members.push_back(Member{"description", Value(description)});
  if (!exports.empty()) members.push_back(Member{"exports", section_value(exports)});
  if (!commands.empty()) members.push_back(Member{"commands", section_value(commands)});
  if (!publishes.empty() || !subscribes.empty()) {
    std::vector<Member> topics;
    if (!publishes.empty()) topics.push_back(Member{"publishes", section_value(publishes)});
    if (!subscribes.empty()) topics.push_back(Member{"subscribes", section_value(subscribes)});
    members.push_back(Member{"topics", Value::object(std::move(topics))});
  }
  if (!reads.empty()) {
    std::vector<Member> list;
    for (const auto& r : reads)
      list.push_back(Member{r.app + "/" + r.export_name, r.expectations.to_value()});
    members.push_back(Member{"reads", Value::object(std::move(list))});
  }
  return Value::object(std::move(members));
}

}  // namespace mfstate
