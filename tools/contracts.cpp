// `mfstate contracts …`: diff, check, publish, can-deploy, deploy.
#include <algorithm>
#include <set>

#include "commands.hpp"
#include "mfstate/compat.hpp"
#include "mfstate/registry.hpp"

namespace mfstate::cli {

namespace {

const char* kind_name(ChangeKind k) { return k == ChangeKind::breaking ? "breaking" : "compatible"; }

// A manifest has members no schema has ("name", "version", …: not JSON Schema keywords).
bool looks_like_manifest(const Value& doc) {
  if (!doc.is_object()) return false;
  for (const char* member : {"name", "version", "exports", "commands", "topics", "reads"}) {
    if (doc.contains(member)) return true;
  }
  return false;
}

Schema load_schema(const std::string& file, const Value& doc) {
  try {
    return Schema::parse(doc);
  } catch (const Error& e) {
    throw Error(e.code(), file + ": " + e.what(), e.offset());
  }
}

Value change_value(const std::string& section, const std::string& name, const SchemaChange& c) {
  std::vector<Member> m;
  m.push_back({"kind", Value(kind_name(c.kind))});
  if (!section.empty()) {
    m.push_back({"section", Value(section)});
    m.push_back({"name", Value(name)});
  }
  m.push_back({"path", Value(c.path)});
  m.push_back({"rule", Value(c.rule)});
  m.push_back({"reason", Value(c.reason)});
  return Value::object(std::move(m));
}

Value break_value(const ContractBreak& b) {
  return Value::object({{"producer", Value(b.producer)},
                        {"producer_version", Value(b.producer_version)},
                        {"consumer", Value(b.consumer)},
                        {"consumer_version", Value(b.consumer_version)},
                        {"section", Value(b.section)},
                        {"name", Value(b.name)},
                        {"path", Value(b.path)},
                        {"reason", Value(b.reason)}});
}

// "BREAK  home 1.0.0 reads export profile/user at /name: … (profile 2.0.0)". Every piece comes
// from some team's manifest: printable() keeps its control characters off the terminal.
void print_break(const ContractBreak& b) {
  std::cout << "BREAK  " << printable(b.consumer) << ' ' << printable(b.consumer_version) << " reads "
            << printable(b.section) << ' ' << printable(b.producer) << '/' << printable(b.name);
  if (!b.path.empty()) std::cout << " at " << printable(b.path);
  std::cout << ": " << printable(b.reason) << "  [" << printable(b.producer) << ' '
            << printable(b.producer_version) << "]\n";
}

// Reads of `app` whose producer is not among `counterparts`: they could not be checked.
std::vector<std::string> unchecked_reads(const Manifest& app, const std::vector<Counterpart>& counterparts,
                                         const std::string& where) {
  std::vector<std::string> notes;
  for (const ManifestRead& r : app.reads) {
    bool found = std::any_of(counterparts.begin(), counterparts.end(),
                             [&](const Counterpart& c) { return c.manifest.name == r.app; });
    if (!found && r.app != app.name) {
      notes.push_back(app.name + " reads " + r.app + "/" + r.export_name + " but " + where + " has no " +
                      r.app + ": not checked");
    }
  }
  notes.erase(std::unique(notes.begin(), notes.end()), notes.end());
  return notes;
}

std::string join(const std::vector<std::string>& list, const char* sep) {
  std::string out;
  for (const auto& s : list) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

// Shared by check and can-deploy: runs the pairs, prints, and answers the exit status.
int report(const std::string& verb, const Manifest& app, const std::string& target,
           const std::vector<Counterpart>& counterparts, const std::vector<std::string>& notes,
           const Common& common, std::vector<Member> extra = {}) {
  std::vector<ContractBreak> breaks;
  for (const Counterpart& c : counterparts) {
    auto found = check_pair(app, c.manifest);
    breaks.insert(breaks.end(), found.begin(), found.end());
  }
  if (common.json) {
    std::vector<Value> checked, list;
    for (const Counterpart& c : counterparts) {
      checked.push_back(Value::object({{"app", Value(c.manifest.name)},
                                       {"version", Value(c.manifest.version)},
                                       {"because", string_array(c.because)}}));
    }
    for (const auto& b : breaks) list.push_back(break_value(b));
    std::vector<Member> out{{"app", Value(app.name)}, {"version", Value(app.version)}};
    for (auto& m : extra) out.push_back(std::move(m));
    out.push_back({"ok", Value(breaks.empty())});
    out.push_back({"checked", Value::array(std::move(checked))});
    out.push_back({"breaks", Value::array(std::move(list))});
    out.push_back({"notes", string_array(notes)});
    print_json(Value::object(std::move(out)));
  } else {
    std::cout << verb << ' ' << printable(app.name) << ' ' << printable(app.version) << ' '
              << printable(target) << '\n';
    if (counterparts.empty()) std::cout << "  no other app to check against\n";
    for (const Counterpart& c : counterparts) {
      std::cout << "  against " << printable(c.manifest.name) << ' ' << printable(c.manifest.version) << " ("
                << printable(join(c.because, ", ")) << ")\n";
    }
    for (const auto& n : notes) std::cout << "note: " << printable(n) << '\n';
    for (const auto& b : breaks) print_break(b);
    if (breaks.empty()) {
      std::cout << "OK: " << printable(app.name) << ' ' << printable(app.version) << " is compatible with "
                << counterparts.size() << " app version" << (counterparts.size() == 1 ? "" : "s") << '\n';
    } else {
      std::set<std::string> apps;
      for (const auto& b : breaks) {
        const bool app_is_producer = b.producer == app.name && b.producer_version == app.version;
        apps.insert(app_is_producer ? b.consumer + ' ' + b.consumer_version
                                    : b.producer + ' ' + b.producer_version);
      }
      std::cout << "FAILED: " << breaks.size() << " break" << (breaks.size() == 1 ? "" : "s") << " between "
                << printable(app.name) << ' ' << printable(app.version) << " and "
                << printable(join({apps.begin(), apps.end()}, ", ")) << '\n';
    }
  }
  return breaks.empty() ? exit_ok : exit_breaks;
}

}  // namespace

int contracts_diff(const DiffArgs& args, const Common& common) {
  const Value old_doc = read_json_file(args.old_file);
  const Value new_doc = read_json_file(args.new_file);
  const bool old_manifest = looks_like_manifest(old_doc), new_manifest = looks_like_manifest(new_doc);
  if (old_manifest != new_manifest) {
    throw Error(ErrorCode::invalid_argument,
                (old_manifest ? args.old_file : args.new_file) + " is a manifest but " +
                    (old_manifest ? args.new_file : args.old_file) + " is a schema: diff two of a kind");
  }
  std::vector<std::pair<std::pair<std::string, std::string>, SchemaChange>> changes;
  std::string title;
  if (old_manifest) {
    Manifest before = load_manifest(args.old_file), after = load_manifest(args.new_file);
    if (before.name != after.name) {
      std::cerr << "mfstate: warning: comparing manifests of two apps (" << printable(before.name) << ", "
                << printable(after.name) << ")\n";
    }
    for (auto& c : diff_manifests(before, after))
      changes.push_back({{c.section, c.name}, std::move(c.change)});
    title = before.name + ' ' + before.version + " -> " + after.name + ' ' + after.version;
  } else {
    Schema before = load_schema(args.old_file, old_doc), after = load_schema(args.new_file, new_doc);
    const SchemaRole role = args.role == "consumer" ? SchemaRole::consumer : SchemaRole::producer;
    for (auto& c : diff(before, after, role)) changes.push_back({{"", ""}, std::move(c)});
    title = args.old_file + " -> " + args.new_file + " (as " + args.role + ")";
  }
  const std::size_t breaking = static_cast<std::size_t>(std::count_if(
      changes.begin(), changes.end(), [](const auto& c) { return c.second.kind == ChangeKind::breaking; }));
  if (common.json) {
    std::vector<Value> list;
    for (const auto& [where, c] : changes) list.push_back(change_value(where.first, where.second, c));
    print_json(
        Value::object({{"breaking", Value(breaking > 0)}, {"changes", Value::array(std::move(list))}}));
  } else {
    std::cout << printable(title) << ": " << breaking << " breaking, " << changes.size() - breaking
              << " compatible\n";
    for (const auto& [where, c] : changes) {
      std::cout << (c.kind == ChangeKind::breaking ? "  BREAKING    " : "  compatible  ");
      if (!where.first.empty()) std::cout << printable(where.first) << ' ' << printable(where.second) << ' ';
      std::cout << (c.path.empty() ? "(root)" : printable(c.path)) << ": " << printable(c.rule) << " - "
                << printable(c.reason) << '\n';
    }
  }
  return breaking > 0 ? exit_breaks : exit_ok;
}

int contracts_check(const CheckArgs& args, const Common& common) {
  const Manifest app = load_manifest(args.manifest);
  auto registry = open_cli_registry(args.registry, false);
  auto counterparts = check_counterparts(*registry, app.name);
  auto notes = unchecked_reads(app, counterparts, "registry " + registry->location());
  return report("checking", app,
                "against registry " + registry->location() + " (latest and deployed versions)", counterparts,
                notes, common);
}

int contracts_publish(const PublishArgs& args, const Common& common) {
  const Manifest app = load_manifest(args.manifest);
  auto registry = open_cli_registry(args.registry, true);
  const bool stored = registry->publish(app);
  if (common.json) {
    print_json(
        Value::object({{"app", Value(app.name)}, {"version", Value(app.version)}, {"published", stored}}));
  } else if (stored) {
    std::cout << "published " << app.name << ' ' << app.version << " to " << printable(registry->location())
              << '\n';
  } else {
    std::cout << app.name << ' ' << app.version << " was already published to "
              << printable(registry->location()) << " with the same content; nothing to do\n";
  }
  return exit_ok;
}

int contracts_can_deploy(const DeployArgs& args, const Common& common) {
  auto registry = open_cli_registry(args.registry, false);
  auto app = registry->manifest(args.app, args.version);
  if (!app) {
    throw Error(ErrorCode::not_found, args.app + " " + args.version + " is not published in registry " +
                                          registry->location() + "; run `mfstate contracts publish` first");
  }
  auto deployed = registry->deployed(args.environment);
  auto counterparts = deployed_counterparts(*registry, app->name, args.environment);
  auto notes = unchecked_reads(*app, counterparts, "environment " + args.environment);
  std::vector<Member> extra{{"environment", Value(args.environment)}};
  if (auto it = deployed.find(app->name); it != deployed.end()) {
    extra.push_back({"replaces", Value(it->second)});
    if (!common.json)
      std::cout << "currently in " << printable(args.environment) << ": " << printable(app->name) << ' '
                << printable(it->second) << '\n';
  }
  return report("can-deploy", *app, "to " + args.environment, counterparts, notes, common, std::move(extra));
}

int contracts_deploy(const DeployArgs& args, const Common& common) {
  auto registry = open_cli_registry(args.registry, false);
  registry->deploy(args.app, args.version, args.environment);
  if (common.json) {
    print_json(Value::object({{"app", Value(args.app)},
                              {"version", Value(args.version)},
                              {"environment", Value(args.environment)},
                              {"deployed", true}}));
  } else {
    std::cout << "recorded " << args.app << ' ' << args.version << " as deployed in " << args.environment
              << " (" << printable(registry->location()) << ")\n";
  }
  return exit_ok;
}

}  // namespace mfstate::cli
