// How an app mounted from a manifest is held to it (used by src/host.cpp). Each function takes
// the app's manifest (null for an app mounted by name: then it changes nothing) and throws when
// the app steps outside what its manifest declares, so the file CI checked is what runs.
#pragma once

#include <optional>
#include <string_view>

#include "mfstate/bus.hpp"
#include "mfstate/contract.hpp"
#include "mfstate/manifest.hpp"

namespace mfstate::detail {

/// The schema an export gets: the manifest's. Throws not_exported for an export the manifest does
/// not declare, invalid_argument for an explicit schema other than the manifest's.
std::optional<Schema> manifest_export_schema(const Manifest* m, std::string_view export_name,
                                             std::optional<Schema> given);
/// The payload schema of an accepted command: the manifest's. Throws command_not_accepted for a
/// type the manifest does not list, invalid_argument for an explicit schema other than its own.
std::optional<Schema> manifest_command_schema(const Manifest* m, std::string_view type,
                                              std::optional<Schema> given);
/// Throws invalid_argument: accept_all would give up the commands the manifest declares.
void manifest_refuse_accept_all(const Manifest* m);
/// Throws unknown_topic unless the manifest publishes `topic`, and (when `validate`)
/// schema_violation when `payload` breaks the manifest's schema for it — also on a topic the app
/// does not declare itself (a shared one), so what it publishes is what its CI checked.
void manifest_check_emit(const Manifest* m, std::string_view topic, const Value& payload, bool validate);
/// Whether manifest_check_emit passes every payload on `topic`: no manifest, or one that publishes
/// the topic when nothing is validated.
bool manifest_checks_nothing_on_emit(const Manifest* m, std::string_view topic, bool validate);
/// Throws unknown_topic unless the manifest publishes `topic`, invalid_argument when `options`
/// carry a schema other than the manifest's.
void manifest_check_declare(const Manifest* m, std::string_view topic, const TopicOptions& options);
/// Throws unknown_topic unless `pattern` is, or matches, a topic the manifest subscribes to.
void manifest_check_on(const Manifest* m, std::string_view pattern);
/// Throws not_exported unless the manifest declares that it reads app/export (a read, which
/// needs no expectations: nothing is copied).
void manifest_check_read(const Manifest* m, std::string_view app, std::string_view export_name);
/// The expectations a watch of app/export runs with: the manifest's `reads` entry (merged with
/// any given). Throws not_exported when the manifest does not declare that it reads app/export.
Expectations manifest_read_expectations(const Manifest* m, std::string_view app, std::string_view export_name,
                                        Expectations given);

}  // namespace mfstate::detail
