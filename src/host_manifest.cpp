// Mounting an app from its manifest: exports, accepted commands and topics are declared from it
// and enforced at run time (see src/host_manifest.hpp for each rule).
#include "host_manifest.hpp"

#include <algorithm>

#include "mfstate/bus.hpp"
#include "mfstate/host.hpp"

namespace mfstate {

namespace detail {

namespace {

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string who(const Manifest& m) { return "app \"" + m.name + "\" (mounted from manifest " + m.id() + ")"; }

}  // namespace

std::optional<Schema> manifest_export_schema(const Manifest* m, std::string_view export_name,
                                             std::optional<Schema> given) {
  if (m == nullptr) return given;
  auto it = m->exports.find(std::string(export_name));
  if (it == m->exports.end()) {
    throw Error(ErrorCode::not_exported, who(*m) + " exposes " + quoted(export_name) +
                                             ", which its manifest does not export; add it to \"exports\"");
  }
  if (given && !(given->document() == it->second.document())) {
    throw Error(ErrorCode::invalid_argument,
                who(*m) + " exposes " + quoted(export_name) + " with a schema other than its manifest's");
  }
  return it->second;
}

std::optional<Schema> manifest_command_schema(const Manifest* m, std::string_view type,
                                              std::optional<Schema> given) {
  if (m == nullptr) return given;
  auto it = m->commands.find(std::string(type));
  if (it == m->commands.end()) {
    throw Error(
        ErrorCode::command_not_accepted,
        who(*m) + " accepts " + quoted(type) + ", which its manifest does not list; add it to \"commands\"");
  }
  if (given && !(given->document() == it->second.document())) {
    throw Error(ErrorCode::invalid_argument,
                who(*m) + " accepts " + quoted(type) + " with a payload schema other than its manifest's");
  }
  return it->second;
}

void manifest_refuse_accept_all(const Manifest* m) {
  if (m == nullptr) return;
  throw Error(
      ErrorCode::invalid_argument,
      who(*m) + " cannot accept every command: it accepts what its manifest lists under \"commands\"");
}

void manifest_check_emit(const Manifest* m, std::string_view topic, const Value& payload, bool validate) {
  if (m == nullptr) return;
  auto it = m->publishes.find(std::string(topic));
  if (it == m->publishes.end()) {
    throw Error(ErrorCode::unknown_topic,
                who(*m) + " publishes on " + quoted(topic) +
                    ", which its manifest does not list under \"topics\".\"publishes\"");
  }
  if (validate) require_valid(it->second, payload, who(*m) + " publishing on " + quoted(topic));
}

bool manifest_checks_nothing_on_emit(const Manifest* m, std::string_view topic, bool validate) {
  return m == nullptr || (!validate && m->publishes.find(std::string(topic)) != m->publishes.end());
}

void manifest_check_declare(const Manifest* m, std::string_view topic, const TopicOptions& options) {
  if (m == nullptr) return;
  auto it = m->publishes.find(std::string(topic));
  if (it == m->publishes.end()) {
    throw Error(ErrorCode::unknown_topic,
                who(*m) + " declares " + quoted(topic) +
                    ", which its manifest does not list under \"topics\".\"publishes\"");
  }
  if (!options.schema || !(options.schema->document() == it->second.document())) {
    throw Error(ErrorCode::invalid_argument,
                who(*m) + " declares " + quoted(topic) + " with a schema other than its manifest's");
  }
}

void manifest_check_on(const Manifest* m, std::string_view pattern) {
  if (m == nullptr) return;
  const bool declared = std::any_of(m->subscribes.begin(), m->subscribes.end(), [&](const auto& entry) {
    return entry.first == pattern || Bus::matches(pattern, entry.first);
  });
  if (!declared) {
    throw Error(ErrorCode::unknown_topic,
                who(*m) + " subscribes to " + quoted(pattern) +
                    ", which matches no topic its manifest lists under \"topics\".\"subscribes\"");
  }
}

namespace {
// The manifest's `reads` entry for app/export; not_exported when it has none.
const ManifestRead& declared_read(const Manifest& m, std::string_view app, std::string_view export_name) {
  auto it = std::find_if(m.reads.begin(), m.reads.end(),
                         [&](const ManifestRead& r) { return r.app == app && r.export_name == export_name; });
  if (it == m.reads.end()) {
    throw Error(ErrorCode::not_exported, who(m) + " reads " + std::string(app) + "/" + std::string(export_name) +
                                             ", which its manifest does not list under \"reads\"");
  }
  return *it;
}
}  // namespace

void manifest_check_read(const Manifest* m, std::string_view app, std::string_view export_name) {
  if (m != nullptr) declared_read(*m, app, export_name);
}

Expectations manifest_read_expectations(const Manifest* m, std::string_view app, std::string_view export_name,
                                        Expectations given) {
  if (m == nullptr) return given;
  const ManifestRead& read = declared_read(*m, app, export_name);
  if (given.empty()) return read.expectations;
  std::vector<Expectation> merged = read.expectations.list();
  merged.insert(merged.end(), given.list().begin(), given.list().end());
  return Expectations(std::move(merged));
}

}  // namespace detail

}  // namespace mfstate
