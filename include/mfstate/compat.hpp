// Compatibility between app manifests: what a new version of one app breaks in the apps it talks
// to (checked from the manifests alone, without building or running those apps), and the
// difference between two versions of one manifest.
#pragma once

#include <string>
#include <vector>

#include "mfstate/contract.hpp"
#include "mfstate/manifest.hpp"

namespace mfstate {

/// One expectation of a consumer that a producer's manifest does not meet.
struct ContractBreak {
  std::string producer;  ///< the app whose export or topic is read ("profile")
  std::string producer_version;
  std::string consumer;  ///< the app whose expectation breaks ("home")
  std::string consumer_version;
  std::string section;  ///< "export" or "topic"
  std::string name;     ///< the export name or the topic
  std::string path;     ///< JSON Pointer into the data ("/name"); "" for the whole value
  std::string reason;   ///< for people
};

/// Every break between `app` and `other`, both ways: other's reads of app's exports, app's reads
/// of other's exports, and each topic one publishes and the other subscribes to (the published
/// schema must admit nothing the subscriber's schema rejects). Allocates; O(expectations +
/// size of the topic schemas).
std::vector<ContractBreak> check_pair(const Manifest& app, const Manifest& other);

/// Every break between `app` and each of `others` (apps named like `app` are skipped).
std::vector<ContractBreak> check_against(const Manifest& app, const std::vector<Manifest>& others);

/// One change between two versions of a manifest.
struct ManifestChange {
  std::string section;  ///< "export", "command", "published topic", "subscribed topic"
  std::string name;     ///< the export, command type or topic
  SchemaChange change;  ///< path, rule, kind and reason
};

/// Every change from `before` to `after`: each export and published topic diffed as a producer,
/// each command and subscribed topic as a consumer; a removed export, command or published topic
/// is breaking, an added one compatible. Allocates; O(size of the schemas).
std::vector<ManifestChange> diff_manifests(const Manifest& before, const Manifest& after);

}  // namespace mfstate
