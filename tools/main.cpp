// `mfstate`: contracts between micro-frontends in CI (diff, check, publish, can-deploy, deploy),
// the contract registry server, and query keys. Exit status: 0 fine, 1 a contract breaks,
// 2 the tool could not do its job (missing file, malformed JSON, invalid manifest, unreachable
// registry, bad arguments). Errors go to stderr; with --json, also as {"error": …} on stdout.
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "commands.hpp"
#include "mfstate/error.hpp"

using namespace mfstate;
using namespace mfstate::cli;

int main(int argc, char** argv) {
  CLI::App app{"mfstate: contracts between micro-frontends, checked in CI; query keys"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "mfstate 0.1.0");
  Common common;
  std::function<int()> run;
  auto json_flag = [&](CLI::App* cmd) {
    cmd->add_flag("--json", common.json, "Print one JSON document for machines instead of text");
  };

  // ---- contracts ----
  CLI::App* contracts = app.add_subcommand("contracts", "Check, publish and deploy app contracts");
  contracts->require_subcommand(1);

  DiffArgs diff;
  CLI::App* diff_cmd = contracts->add_subcommand(
      "diff", "Every change from OLD to NEW (two schemas or two manifests); exit 1 when one breaks");
  diff_cmd->add_option("OLD", diff.old_file, "The old schema or manifest (JSON file)")->required();
  diff_cmd->add_option("NEW", diff.new_file, "The new schema or manifest (JSON file)")->required();
  diff_cmd->add_option("--role", diff.role, "For two schemas: whose side they describe")
      ->check(CLI::IsMember({"producer", "consumer"}))
      ->capture_default_str();
  json_flag(diff_cmd);
  diff_cmd->callback([&] { run = [&] { return contracts_diff(diff, common); }; });

  CheckArgs check;
  CLI::App* check_cmd = contracts->add_subcommand(
      "check", "Check a new manifest against its consumers and producers in the registry; exit 1 on a break");
  check_cmd->add_option("MANIFEST", check.manifest, "The app's mfstate.json")->required();
  check_cmd
      ->add_option("--registry,-r", check.registry,
                   "Folder, .sqlite/.db file, postgresql:// or http(s):// URL")
      ->required();
  json_flag(check_cmd);
  check_cmd->callback([&] { run = [&] { return contracts_check(check, common); }; });

  PublishArgs publish;
  CLI::App* publish_cmd = contracts->add_subcommand("publish", "Publish a manifest version to the registry");
  publish_cmd->add_option("MANIFEST", publish.manifest, "The app's mfstate.json")->required();
  publish_cmd
      ->add_option("--registry,-r", publish.registry,
                   "Folder, .sqlite/.db file, postgresql:// or http(s):// URL")
      ->required();
  json_flag(publish_cmd);
  publish_cmd->callback([&] { run = [&] { return contracts_publish(publish, common); }; });

  DeployArgs can_deploy;
  CLI::App* can_cmd = contracts->add_subcommand(
      "can-deploy", "Is APP VERSION compatible, both ways, with what runs in ENV? exit 1 when not");
  can_cmd->add_option("APP", can_deploy.app, "The app")->required();
  can_cmd->add_option("VERSION", can_deploy.version, "Its published version")->required();
  can_cmd->add_option("--to", can_deploy.environment, "The environment (production, staging, …)")->required();
  can_cmd
      ->add_option("--registry,-r", can_deploy.registry,
                   "Folder, .sqlite/.db file, postgresql:// or http(s):// URL")
      ->required();
  json_flag(can_cmd);
  can_cmd->callback([&] { run = [&] { return contracts_can_deploy(can_deploy, common); }; });

  DeployArgs deploy;
  CLI::App* deploy_cmd = contracts->add_subcommand("deploy", "Record that APP VERSION now runs in ENV");
  deploy_cmd->add_option("APP", deploy.app, "The app")->required();
  deploy_cmd->add_option("VERSION", deploy.version, "Its published version")->required();
  deploy_cmd->add_option("--to", deploy.environment, "The environment")->required();
  deploy_cmd
      ->add_option("--registry,-r", deploy.registry,
                   "Folder, .sqlite/.db file, postgresql:// or http(s):// URL")
      ->required();
  json_flag(deploy_cmd);
  deploy_cmd->callback([&] { run = [&] { return contracts_deploy(deploy, common); }; });

  // ---- registry ----
  CLI::App* registry = app.add_subcommand("registry", "Serve or inspect a contract registry");
  registry->require_subcommand(1);

  // The server side (serve and token, in serve_cmd.cpp) is native only: the WebAssembly build
  // (npm's `mfstate`) knows the two commands and says where they are, instead of "no such command".
#ifdef __EMSCRIPTEN__
  for (const char* name : {"serve", "token"}) {
    CLI::App* native_only = registry->add_subcommand(name, "Native tool only");
    native_only->allow_extras();
    native_only->callback([&run, name] {
      run = [name]() -> int {
        throw Error(ErrorCode::invalid_argument,
                    std::string("`mfstate registry ") + name +
                        "` needs the native mfstate tool (docs/contracts-ci.md); this build is a client "
                        "of folder and http(s):// registries");
      };
    });
  }
#else
  ServeArgs serve;
  CLI::App* serve_cmd =
      registry->add_subcommand("serve", "Serve a registry over HTTP until SIGINT or SIGTERM");
  serve_cmd->add_option("--listen", serve.listen, "HOST:PORT to listen on (port 0 picks a free one)")
      ->capture_default_str();
  serve_cmd
      ->add_option("--registry,-r,--db", serve.registry,
                   "The folder, .sqlite/.db file or postgresql:// database to serve")
      ->required();
  CLI::Option* tokens_option = serve_cmd->add_option(
      "--tokens", serve.tokens, "Token file: who may publish and deploy which apps (without it: reads only)");
  serve_cmd
      ->add_flag("--open", serve.open,
                 "Anyone who can connect may publish and deploy anything (a private test instance)")
      ->excludes(tokens_option);
  add_serve_limits(*serve_cmd, serve);
  json_flag(serve_cmd);
  serve_cmd->callback([&] { run = [&] { return registry_serve(serve, common); }; });
#endif

  ListArgs list;
  CLI::App* list_cmd = registry->add_subcommand("list", "Every app, its versions and what is deployed where");
  list_cmd
      ->add_option("--registry,-r", list.registry,
                   "Folder, .sqlite/.db file, postgresql:// or http(s):// URL")
      ->required();
  json_flag(list_cmd);
  list_cmd->callback([&] { run = [&] { return registry_list(list, common); }; });

#ifndef __EMSCRIPTEN__
  TokenArgs token;
  CLI::App* token_cmd = registry->add_subcommand(
      "token", "Make an access token for a team's CI and the line for the server's --tokens file");
  token_cmd->add_option("--name", token.name, "What logs and refusals call it (e.g. profile-ci)")->required();
  token_cmd->add_option("--app", token.apps, "An app it may publish and deploy (repeatable)");
  token_cmd->add_flag("--admin", token.admin, "It may publish and deploy every app");
  json_flag(token_cmd);
  token_cmd->callback([&] { run = [&] { return registry_token(token, common); }; });
#endif

  // ---- key ----
  KeyArgs key_args;
  CLI::App* key_cmd = app.add_subcommand("key", "Print the canonical query key of a request and its hash");
  key_cmd->add_option("URL", key_args.url, "Absolute (https://host/path?q) or origin-relative (/path?q)")
      ->required();
  key_cmd->add_option("--method,-X", key_args.method, "HTTP method")->capture_default_str();
  key_cmd->add_option("--param,-p", key_args.params, "A parameter name=value (repeatable)");
  json_flag(key_cmd);
  key_cmd->callback([&] { run = [&] { return key(key_args, common); }; });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? exit_ok : exit_error;
  }
  try {
    return run ? run() : exit_error;
  } catch (const Error& e) {
    // The message may carry another team's text or a server's answer: printable() it.
    std::cerr << "mfstate: error (" << to_string(e.code()) << "): " << printable(e.what()) << '\n';
    if (common.json) {
      print_json(Value::object(
          {{"error", Value::object({{"code", Value(to_string(e.code()))}, {"message", Value(e.what())}})}}));
    }
    return exit_error;
  } catch (const std::exception& e) {
    std::cerr << "mfstate: error: " << printable(e.what()) << '\n';
    return exit_error;
  }
}
