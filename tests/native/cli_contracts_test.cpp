// The `mfstate` tool run as a process, as a CI job runs it: the article's break caught by
// `contracts check`, compatible changes passing, publish / deploy / can-deploy against the
// folder registry, the SQLite registry and `registry serve`, and clear errors.
#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdio>

#include "mfstate/key.hpp"
#include "mfstate/value.hpp"
#include "native/cli_process.hpp"
#include "native/postgres_cluster.hpp"

#ifndef MFSTATE_CLI_PATH
TEST(Cli, NeedsTheToolBuilt) {
  GTEST_SKIP() << "configure with -DMFSTATE_BUILD_TOOLS=ON to test the mfstate tool";
}
#else

using cli_test::Outcome;
using cli_test::TempDir;
using mfstate::parse_json;
using mfstate::Value;

namespace {

const std::string examples = std::string(MFSTATE_SOURCE_DIR) + "/examples/contracts";
const std::string profile_v1 = examples + "/profile/v1/mfstate.json";
const std::string profile_v1_1 = examples + "/profile/v1.1/mfstate.json";
const std::string profile_v2 = examples + "/profile/v2/mfstate.json";
const std::string home_v1 = examples + "/home/mfstate.json";

Outcome tool(const std::vector<std::string>& args) { return cli_test::run(MFSTATE_CLI_PATH, args); }

// Expects `run` to have exited with `status`, showing its output when it did not.
#define EXPECT_STATUS(run, expected) \
  EXPECT_EQ((run).status, expected) << "stdout:\n" << (run).out << "\nstderr:\n" << (run).err

// Home 2.0.0 reads the split name: it needs profile 2.0.0 and breaks against profile 1.0.0.
const char* home_v2_manifest = R"({
  "name": "home", "version": "2.0.0",
  "reads": {"profile/user": {"/userId": "string", "/firstName": "string", "/lastName": "string"}}
})";

}  // namespace

// ---- the article's break, against the folder registry ----

class CliCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    registry = dir / "registry";
    ASSERT_EQ(tool({"contracts", "publish", profile_v1, "--registry", registry}).status, 0);
    ASSERT_EQ(tool({"contracts", "publish", home_v1, "--registry", registry}).status, 0);
  }
  TempDir dir;
  std::string registry;
};

TEST_F(CliCheck, CatchesTheRenameOfNameWithExitOneNamingTheConsumer) {
  Outcome r = tool({"contracts", "check", profile_v2, "--registry", registry});
  EXPECT_STATUS(r, 1);
  EXPECT_NE(r.out.find("BREAK  home 1.0.0 reads export profile/user at /name"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAILED"), std::string::npos) << r.out;
}

TEST_F(CliCheck, JsonNamesConsumerAppVersionExportAndPath) {
  Outcome r = tool({"contracts", "check", profile_v2, "--registry", registry, "--json"});
  EXPECT_STATUS(r, 1);
  Value out = parse_json(r.out);
  EXPECT_FALSE(out.get("ok").as_bool());
  ASSERT_EQ(out.get("breaks").size(), 1u);
  const Value& b = out.get("breaks").at(0);
  EXPECT_EQ(b.get("consumer").as_string(), "home");
  EXPECT_EQ(b.get("consumer_version").as_string(), "1.0.0");
  EXPECT_EQ(b.get("producer").as_string(), "profile");
  EXPECT_EQ(b.get("section").as_string(), "export");
  EXPECT_EQ(b.get("name").as_string(), "user");
  EXPECT_EQ(b.get("path").as_string(), "/name");
  EXPECT_EQ(out.get("checked").at(0).get("app").as_string(), "home");
}

TEST_F(CliCheck, AddingAnOptionalFieldPasses) {
  Outcome r = tool({"contracts", "check", profile_v1_1, "--registry", registry});
  EXPECT_STATUS(r, 0);
  EXPECT_NE(r.out.find("OK: profile 1.1.0 is compatible with 1 app version"), std::string::npos) << r.out;
}

TEST_F(CliCheck, ChecksTheNewManifestAgainstTheProducersItReads) {
  cli_test::write_file(dir.path() / "home2" / "mfstate.json", home_v2_manifest);
  Outcome r = tool({"contracts", "check", dir / "home2/mfstate.json", "--registry", registry, "--json"});
  EXPECT_STATUS(r, 1);
  Value out = parse_json(r.out);
  ASSERT_EQ(out.get("breaks").size(), 2u);  // /firstName and /lastName
  EXPECT_EQ(out.get("breaks").at(0).get("producer").as_string(), "profile");
  EXPECT_EQ(out.get("breaks").at(0).get("producer_version").as_string(), "1.0.0");
  EXPECT_EQ(out.get("breaks").at(0).get("consumer_version").as_string(), "2.0.0");
}

TEST_F(CliCheck, ChecksEveryDeployedVersionNotOnlyTheLatest) {
  // profile 2.0.0 is fine for home 2.0.0 (latest) but home 1.0.0 still runs in production.
  cli_test::write_file(dir.path() / "home2" / "mfstate.json", home_v2_manifest);
  ASSERT_EQ(
      tool({"contracts", "deploy", "home", "1.0.0", "--to", "production", "--registry", registry}).status, 0);
  ASSERT_EQ(tool({"contracts", "publish", dir / "home2/mfstate.json", "--registry", registry}).status, 0);
  Outcome r = tool({"contracts", "check", profile_v2, "--registry", registry, "--json"});
  EXPECT_STATUS(r, 1);
  Value out = parse_json(r.out);
  ASSERT_EQ(out.get("checked").size(), 2u);
  ASSERT_EQ(out.get("breaks").size(), 1u);
  EXPECT_EQ(out.get("breaks").at(0).get("consumer_version").as_string(), "1.0.0");
}

TEST_F(CliCheck, NotesReadsWhoseProducerIsNotInTheRegistry) {
  cli_test::write_file(
      dir.path() / "cart" / "mfstate.json",
      R"({"name": "cart", "version": "1.0.0", "reads": {"catalog/items": {"/0/id": "integer"}}})");
  Outcome r = tool({"contracts", "check", dir / "cart/mfstate.json", "--registry", registry});
  EXPECT_STATUS(r, 0);
  EXPECT_NE(r.out.find("note: cart reads catalog/items"), std::string::npos) << r.out;
}

// ---- publish / deploy / can-deploy on every backend ----

enum class Backend { folder, sqlite, postgres, http };

class CliRegistry : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    switch (GetParam()) {
      case Backend::folder: registry = dir / "registry"; break;
      case Backend::sqlite: registry = dir / "registry.sqlite"; break;
      case Backend::postgres: MFSTATE_FRESH_POSTGRES_URL(registry); break;
      case Backend::http:
        server = std::make_unique<cli_test::Server>(MFSTATE_CLI_PATH, dir / "served.sqlite");
        registry = server->url();
        break;
    }
  }
  Outcome contracts(std::vector<std::string> args) {
    args.insert(args.begin(), "contracts");
    args.push_back("--registry");
    args.push_back(registry);
    return tool(args);
  }
  TempDir dir;
  std::unique_ptr<cli_test::Server> server;
  std::string registry;
};

TEST_P(CliRegistry, CanDeployRefusesTheBreakThatWouldReachProduction) {
  ASSERT_EQ(contracts({"publish", profile_v1}).status, 0);
  ASSERT_EQ(contracts({"publish", home_v1}).status, 0);
  ASSERT_EQ(contracts({"deploy", "profile", "1.0.0", "--to", "production"}).status, 0);
  ASSERT_EQ(contracts({"deploy", "home", "1.0.0", "--to", "production"}).status, 0);
  ASSERT_EQ(contracts({"publish", profile_v2}).status, 0);
  ASSERT_EQ(contracts({"publish", profile_v1_1}).status, 0);

  Outcome broken = contracts({"can-deploy", "profile", "2.0.0", "--to", "production"});
  EXPECT_STATUS(broken, 1);
  EXPECT_NE(broken.out.find("BREAK  home 1.0.0 reads export profile/user at /name"), std::string::npos)
      << broken.out;
  EXPECT_NE(broken.out.find("currently in production: profile 1.0.0"), std::string::npos) << broken.out;

  EXPECT_STATUS(contracts({"can-deploy", "profile", "1.1.0", "--to", "production"}), 0);
  // Nothing runs in staging yet: nothing to break there.
  EXPECT_STATUS(contracts({"can-deploy", "profile", "2.0.0", "--to", "staging"}), 0);
}

TEST_P(CliRegistry, CanDeployChecksTheConsumerSideToo) {
  ASSERT_EQ(contracts({"publish", profile_v1}).status, 0);
  ASSERT_EQ(contracts({"deploy", "profile", "1.0.0", "--to", "production"}).status, 0);
  cli_test::write_file(dir.path() / "home2" / "mfstate.json", home_v2_manifest);
  ASSERT_EQ(contracts({"publish", dir / "home2/mfstate.json"}).status, 0);
  Outcome r = contracts({"can-deploy", "home", "2.0.0", "--to", "production", "--json"});
  EXPECT_STATUS(r, 1);
  Value out = parse_json(r.out);
  ASSERT_EQ(out.get("breaks").size(), 2u);
  EXPECT_EQ(out.get("breaks").at(0).get("producer").as_string(), "profile");
  EXPECT_EQ(out.get("environment").as_string(), "production");
  // Once profile 2.0.0 runs there, home 2.0.0 fits.
  ASSERT_EQ(contracts({"publish", profile_v2}).status, 0);
  ASSERT_EQ(contracts({"deploy", "profile", "2.0.0", "--to", "production"}).status, 0);
  EXPECT_STATUS(contracts({"can-deploy", "home", "2.0.0", "--to", "production"}), 0);
}

TEST_P(CliRegistry, RepublishingTheSameManifestIsANoOpAndOtherContentIsRefused) {
  Outcome first = contracts({"publish", profile_v1, "--json"});
  EXPECT_STATUS(first, 0);
  EXPECT_TRUE(parse_json(first.out).get("published").as_bool());
  Outcome again = contracts({"publish", profile_v1, "--json"});
  EXPECT_STATUS(again, 0);
  EXPECT_FALSE(parse_json(again.out).get("published").as_bool());

  // Same version, different content: versions are immutable.
  std::string text = cli_test::read_file(profile_v2);
  text.replace(text.find("\"2.0.0\""), 7, "\"1.0.0\"");
  cli_test::write_file(dir.path() / "p" / "mfstate.json", text);
  std::filesystem::copy(examples + "/profile/v2/schemas", dir.path() / "p" / "schemas");
  Outcome conflict = contracts({"publish", dir / "p/mfstate.json"});
  EXPECT_STATUS(conflict, 2);
  EXPECT_NE(conflict.err.find("already_published"), std::string::npos) << conflict.err;
  // The stored 1.0.0 is unchanged: the article's break is still caught against it.
  ASSERT_EQ(contracts({"publish", home_v1}).status, 0);
  EXPECT_STATUS(contracts({"check", profile_v1_1}), 0);
}

TEST_P(CliRegistry, DeployingAnUnpublishedVersionFailsAndListShowsWhatRunsWhere) {
  ASSERT_EQ(contracts({"publish", profile_v1}).status, 0);
  Outcome missing = contracts({"deploy", "profile", "9.9.9", "--to", "production"});
  EXPECT_STATUS(missing, 2);
  EXPECT_NE(missing.err.find("not_found"), std::string::npos) << missing.err;
  EXPECT_STATUS(contracts({"can-deploy", "profile", "9.9.9", "--to", "production"}), 2);

  ASSERT_EQ(contracts({"deploy", "profile", "1.0.0", "--to", "staging"}).status, 0);
  Outcome list = tool({"registry", "list", "--registry", registry, "--json"});
  EXPECT_STATUS(list, 0);
  EXPECT_EQ(
      parse_json(list.out),
      parse_json(R"({"apps": {"profile": ["1.0.0"]}, "environments": {"staging": {"profile": "1.0.0"}}})"));
}

INSTANTIATE_TEST_SUITE_P(Backends, CliRegistry,
                         ::testing::Values(Backend::folder, Backend::sqlite, Backend::postgres,
                                           Backend::http),
                         [](const auto& info) {
                           switch (info.param) {
                             case Backend::folder: return std::string("folder");
                             case Backend::sqlite: return std::string("sqlite");
                             case Backend::postgres: return std::string("postgres");
                             default: return std::string("http");
                           }
                         });

TEST(CliServe, StopsCleanlyOnSigtermAndServesWhatWasPublished) {
  TempDir dir;
  cli_test::Server server(MFSTATE_CLI_PATH, dir / "registry");
  ASSERT_EQ(tool({"contracts", "publish", profile_v1, "--registry", server.url()}).status, 0);
  // What the server stored is the plain folder registry: another tool can read it directly.
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "registry" / "profile" / "1.0.0.json"));
  EXPECT_EQ(server.stop(), 0);
  EXPECT_EQ(parse_json(server.output().substr(0, server.output().find('\n'))).get("registry").as_string(),
            dir / "registry");
  Outcome gone = tool({"contracts", "check", profile_v2, "--registry", server.url()});
  EXPECT_STATUS(gone, 2);
  EXPECT_NE(gone.err.find("unreachable"), std::string::npos) << gone.err;
}

// ---- diff ----

TEST(CliDiff, ManifestsExitOneAndListTheRemovedProperty) {
  Outcome r = tool({"contracts", "diff", profile_v1, profile_v2, "--json"});
  EXPECT_STATUS(r, 1);
  Value out = parse_json(r.out);
  EXPECT_TRUE(out.get("breaking").as_bool());
  bool found = false;
  for (const Value& c : out.get("changes").as_array()) {
    if (c.get("kind").as_string() == "breaking") {
      EXPECT_EQ(c.get("section").as_string(), "export");
      EXPECT_EQ(c.get("name").as_string(), "user");
      EXPECT_EQ(c.get("path").as_string(), "/name");
      found = true;
    }
  }
  EXPECT_TRUE(found) << r.out;
}

TEST(CliDiff, AnOptionalFieldAddedIsCompatible) {
  Outcome r = tool({"contracts", "diff", profile_v1, profile_v1_1});
  EXPECT_STATUS(r, 0);
  EXPECT_NE(r.out.find("0 breaking, 1 compatible"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/avatarUrl"), std::string::npos) << r.out;
}

TEST(CliDiff, SchemasAreJudgedByRole) {
  TempDir dir;
  cli_test::write_file(dir.path() / "old.json",
                       R"({"type": "object", "properties": {"n": {"type": "integer"}}})");
  cli_test::write_file(dir.path() / "new.json",
                       R"({"type": "object", "properties": {"n": {"type": "number"}}})");
  // Widening integer to number: a reader of produced data breaks, a command handler does not.
  EXPECT_STATUS(tool({"contracts", "diff", dir / "old.json", dir / "new.json", "--role", "producer"}), 1);
  EXPECT_STATUS(tool({"contracts", "diff", dir / "old.json", dir / "new.json", "--role", "consumer"}), 0);
  EXPECT_STATUS(tool({"contracts", "diff", dir / "old.json", profile_v1}), 2);
}

// ---- errors: non-zero exit, message naming the file ----

TEST(CliErrors, MissingFileIsNamed) {
  Outcome r = tool({"contracts", "diff", "/nonexistent/old.json", profile_v1});
  EXPECT_STATUS(r, 2);
  EXPECT_NE(r.err.find("/nonexistent/old.json: no such file"), std::string::npos) << r.err;
}

TEST(CliErrors, MalformedJsonIsNamedWithLineAndColumn) {
  TempDir dir;
  cli_test::write_file(dir.path() / "mfstate.json", "{\n  \"name\": \"x\",\n  \"version\": \n}\n");
  Outcome r = tool({"contracts", "check", dir / "mfstate.json", "--registry", dir / "reg", "--json"});
  EXPECT_STATUS(r, 2);
  EXPECT_NE(r.err.find(dir / "mfstate.json"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("line 4"), std::string::npos) << r.err;
  EXPECT_EQ(parse_json(r.out).get("error").get("code").as_string(), "invalid_json");
}

TEST(CliErrors, ManifestNotMatchingItsSchemaIsRefusedWithThePath) {
  TempDir dir;
  cli_test::write_file(dir.path() / "mfstate.json", R"({"name": "home", "version": 1, "exprots": {}})");
  Outcome r = tool({"contracts", "publish", dir / "mfstate.json", "--registry", dir / "reg"});
  EXPECT_STATUS(r, 2);
  EXPECT_NE(r.err.find("schema_violation"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/version"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("exprots"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "reg" / "home"));
}

TEST(CliErrors, MissingSchemaFileIsNamedWithTheManifest) {
  TempDir dir;
  cli_test::write_file(
      dir.path() / "mfstate.json",
      R"({"name": "profile", "version": "1.0.0", "exports": {"user": "schemas/nope.json"}})");
  Outcome r = tool({"contracts", "diff", dir / "mfstate.json", dir / "mfstate.json"});
  EXPECT_STATUS(r, 2);
  EXPECT_NE(r.err.find(dir / "mfstate.json"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("schemas/nope.json"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("export \"user\""), std::string::npos) << r.err;
}

TEST(CliErrors, UnreachableRegistryIsAnErrorNotAPass) {
  Outcome r = tool({"contracts", "check", profile_v2, "--registry",
                    "http://127.0.0.1:" + std::to_string(cli_test::free_port())});
  EXPECT_STATUS(r, 2);
  EXPECT_NE(r.err.find("unreachable"), std::string::npos) << r.err;
}

TEST(CliErrors, MissingRegistryFolderIsAnErrorNotAnEmptyRegistry) {
  TempDir dir;
  Outcome r = tool({"contracts", "check", profile_v2, "--registry", dir / "typo"});
  EXPECT_STATUS(r, 2);
  EXPECT_NE(r.err.find("no such folder"), std::string::npos) << r.err;
}

TEST(CliErrors, UnknownCommandIsAUsageError) {
  EXPECT_STATUS(tool({"contracts", "frobnicate"}), 2);
  EXPECT_STATUS(tool({"contracts", "check", profile_v2}), 2);  // --registry is required
  EXPECT_STATUS(tool({"--help"}), 0);
}

// ---- key ----

TEST(CliKey, TwoSpellingsOfOneRequestPrintTheSameKeyAndHash) {
  Outcome a = tool({"key", "HTTPS://Api.Example.com:443/users/./me?b=2&a=1", "--json"});
  Outcome b = tool({"key", "https://api.example.com/users/me", "--param", "a=1", "--param", "b=2", "--method",
                    "get", "--json"});
  EXPECT_STATUS(a, 0);
  EXPECT_STATUS(b, 0);
  Value ka = parse_json(a.out), kb = parse_json(b.out);
  EXPECT_EQ(ka, kb);
  // The hash is the library's, so both teams' programs agree with the tool.
  Value key = mfstate::key_from_url("GET", "https://api.example.com/users/me?a=1&b=2");
  char hex[19];
  std::snprintf(hex, sizeof hex, "%016" PRIx64, mfstate::hash_key(key));
  EXPECT_EQ(ka.get("hash").as_string(), hex);
  EXPECT_EQ(ka.get("canonical").as_string(), mfstate::key_string(key));
  EXPECT_EQ(ka.get("key"), key);
}

TEST(CliKey, RepeatedParamsAndBadUrlsAreHandled) {
  Outcome r = tool({"key", "/api/items", "-p", "tag=a", "-p", "tag=b"});
  EXPECT_STATUS(r, 0);
  EXPECT_NE(r.out.find(R"({"tag":["a","b"]})"), std::string::npos) << r.out;
  Outcome bad = tool({"key", "not a url"});
  EXPECT_STATUS(bad, 2);
  EXPECT_NE(bad.err.find("invalid_url"), std::string::npos) << bad.err;
  EXPECT_STATUS(tool({"key", "/x", "--param", "novalue"}), 2);
}

#endif
