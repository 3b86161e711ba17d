// The `mfstate` command-line tool: what each command file offers main.cpp.
#pragma once

#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "mfstate/registry.hpp"
#include "mfstate/value.hpp"

namespace CLI {
class App;
}

namespace mfstate::cli {

/// Exit statuses: CI scripts tell "the contract breaks" (1) from "the tool could not run" (2).
constexpr int exit_ok = 0;
constexpr int exit_breaks = 1;
constexpr int exit_error = 2;

/// Options every command shares.
struct Common {
  bool json = false;  ///< one JSON document on stdout instead of text for people
};

struct DiffArgs {
  std::string old_file, new_file, role = "producer";
};
struct CheckArgs {
  std::string manifest, registry;
};
struct PublishArgs {
  std::string manifest, registry;
};
struct DeployArgs {
  std::string app, version, environment, registry;
};
struct ServeArgs {
  std::string listen = "127.0.0.1:8080", registry;
  std::string tokens;  ///< the token file; empty: reads open, no writes (unless `open`)
  bool open = false;   ///< anyone who can connect may publish and deploy
  /// RegistryServerOptions' limits as given on the command line (signed, so that a negative
  /// number is refused by range, not wrapped); add_serve_limits sets their defaults.
  struct Limits {
    std::int64_t max_connections = 0, request_timeout_ms = 0, response_timeout_ms = 0, min_response_rate = 0;
    std::int64_t max_head_bytes = 0, max_body_bytes = 0, max_buffered_body_bytes = 0,
                 max_pending_answer_bytes = 0;
    std::int64_t answer_cache_bytes = 0, max_answer_bytes = 0, listing_cache_time_ms = 0;
  } limits;
};
struct TokenArgs {
  std::string name;
  std::vector<std::string> apps;
  bool admin = false;
};
struct ListArgs {
  std::string registry;
};
struct KeyArgs {
  std::string url, method = "GET";
  std::vector<std::string> params;
};

int contracts_diff(const DiffArgs& args, const Common& common);
int contracts_check(const CheckArgs& args, const Common& common);
int contracts_publish(const PublishArgs& args, const Common& common);
int contracts_can_deploy(const DeployArgs& args, const Common& common);
int contracts_deploy(const DeployArgs& args, const Common& common);
int registry_list(const ListArgs& args, const Common& common);
int registry_serve(const ServeArgs& args, const Common& common);  // serve_cmd.cpp, native only
/// The options of `registry serve` that set the server's limits (serve_cmd.cpp, native only).
void add_serve_limits(CLI::App& serve, ServeArgs& args);
int registry_token(const TokenArgs& args, const Common& common);  // serve_cmd.cpp, native only
int key(const KeyArgs& args, const Common& common);

/// Opens the registry a command names, with the access token of MFSTATE_REGISTRY_TOKEN (warning on
/// stderr when it would cross a network unencrypted).
std::unique_ptr<Registry> open_cli_registry(const std::string& location, bool create);

/// Prints `v` as one line of JSON on stdout.
inline void print_json(const Value& v) { std::cout << v.to_json() << '\n'; }

/// A list of strings as a Value array.
inline Value string_array(const std::vector<std::string>& list) {
  std::vector<Value> out;
  out.reserve(list.size());
  for (const auto& s : list) out.emplace_back(s);
  return Value::array(std::move(out));
}

}  // namespace mfstate::cli
