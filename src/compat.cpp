// Compatibility between manifests, built on the contract module's check() and diff().
#include "mfstate/compat.hpp"

namespace mfstate {

namespace {

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// `consumer`'s reads of `producer`'s exports.
void check_reads(const Manifest& producer, const Manifest& consumer, std::vector<ContractBreak>& out) {
  for (const ManifestRead& read : consumer.reads) {
    if (read.app != producer.name) continue;
    ContractBreak base{.producer = producer.name,
                       .producer_version = producer.version,
                       .consumer = consumer.name,
                       .consumer_version = consumer.version,
                       .section = "export",
                       .name = read.export_name,
                       .path = "",
                       .reason = ""};
    auto it = producer.exports.find(read.export_name);
    if (it == producer.exports.end()) {
      base.reason = producer.id() + " does not export " + quoted(read.export_name);
      out.push_back(std::move(base));
      continue;
    }
    for (ExpectationBreak& b : check(it->second, read.expectations)) {
      ContractBreak brk = base;
      brk.path = b.expectation.path;
      brk.reason = std::move(b.reason);
      out.push_back(std::move(brk));
    }
  }
}

// Topics `publisher` publishes that `subscriber` subscribes to: going from the subscriber's
// schema to the publisher's must be a safe narrowing for a producer, or the subscriber will be
// handed payloads its schema rejects.
void check_topics(const Manifest& publisher, const Manifest& subscriber, std::vector<ContractBreak>& out) {
  for (const auto& [topic, published] : publisher.publishes) {
    auto it = subscriber.subscribes.find(topic);
    if (it == subscriber.subscribes.end()) continue;
    for (SchemaChange& c : diff(it->second, published, SchemaRole::producer)) {
      if (c.kind != ChangeKind::breaking) continue;
      out.push_back(ContractBreak{.producer = publisher.name,
                                  .producer_version = publisher.version,
                                  .consumer = subscriber.name,
                                  .consumer_version = subscriber.version,
                                  .section = "topic",
                                  .name = topic,
                                  .path = c.path,
                                  .reason = "what " + publisher.name + " publishes is wider than what " +
                                            subscriber.name + " subscribes with (" + c.rule +
                                            "): " + c.reason});
    }
  }
}

void diff_section(const std::map<std::string, Schema>& before, const std::map<std::string, Schema>& after,
                  const std::string& section, SchemaRole role, bool removal_breaks,
                  std::vector<ManifestChange>& out) {
  for (const auto& [name, schema] : before) {
    auto it = after.find(name);
    if (it == after.end()) {
      out.push_back(
          ManifestChange{section, name,
                         SchemaChange{.kind = removal_breaks ? ChangeKind::breaking : ChangeKind::compatible,
                                      .path = "",
                                      .rule = section == "export"    ? "export_removed"
                                              : section == "command" ? "command_removed"
                                                                     : "topic_removed",
                                      .reason = section + " " + quoted(name) + " removed" +
                                                (removal_breaks ? ": whoever relies on it breaks" : "")}});
      continue;
    }
    for (SchemaChange& c : diff(schema, it->second, role)) {
      out.push_back(ManifestChange{section, name, std::move(c)});
    }
  }
  for (const auto& [name, schema] : after) {
    if (before.count(name)) continue;
    out.push_back(ManifestChange{section, name,
                                 SchemaChange{.kind = ChangeKind::compatible,
                                              .path = "",
                                              .rule = section == "export"    ? "export_added"
                                                      : section == "command" ? "command_added"
                                                                             : "topic_added",
                                              .reason = section + " " + quoted(name) + " added"}});
  }
}

}  // namespace

std::vector<ContractBreak> check_pair(const Manifest& app, const Manifest& other) {
  std::vector<ContractBreak> out;
  check_reads(app, other, out);
  check_reads(other, app, out);
  check_topics(app, other, out);
  check_topics(other, app, out);
  return out;
}

std::vector<ContractBreak> check_against(const Manifest& app, const std::vector<Manifest>& others) {
  std::vector<ContractBreak> out;
  for (const Manifest& other : others) {
    if (other.name == app.name) continue;
    auto breaks = check_pair(app, other);
    out.insert(out.end(), std::make_move_iterator(breaks.begin()), std::make_move_iterator(breaks.end()));
  }
  return out;
}

std::vector<ManifestChange> diff_manifests(const Manifest& before, const Manifest& after) {
  std::vector<ManifestChange> out;
  diff_section(before.exports, after.exports, "export", SchemaRole::producer, true, out);
  diff_section(before.commands, after.commands, "command", SchemaRole::consumer, true, out);
  diff_section(before.publishes, after.publishes, "published topic", SchemaRole::producer, true, out);
  diff_section(before.subscribes, after.subscribes, "subscribed topic", SchemaRole::consumer, false, out);
  return out;
}

}  // namespace mfstate
