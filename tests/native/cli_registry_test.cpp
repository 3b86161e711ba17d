// The `mfstate` tool run as many CI jobs run it at once, and as a hostile team or file would
// feed it: concurrent publishers and deployers counting what was lost (nothing), names that
// would break the store, schema references to devices and FIFOs, another team's control
// characters, and a served registry with per-team tokens, on one machine or two servers sharing
// one PostgreSQL database.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <atomic>
#include <thread>

#include "mfstate/value.hpp"
#include "native/cli_process.hpp"
#include "native/postgres_cluster.hpp"

#ifndef MFSTATE_CLI_PATH
TEST(CliRegistry, NeedsTheToolBuilt) {
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
const std::string profile_v2 = examples + "/profile/v2/mfstate.json";
const std::string home_v1 = examples + "/home/mfstate.json";

Outcome tool(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
  return cli_test::run(MFSTATE_CLI_PATH, args, env);
}

#define EXPECT_STATUS(run, expected) \
  EXPECT_EQ((run).status, expected) << "stdout:\n" << (run).out << "\nstderr:\n" << (run).err

// Writes a manifest for name@version (with `extra` members) under dir and returns its path.
std::string manifest_file(const TempDir& dir, const std::string& name, const std::string& version,
                          const std::string& extra = "") {
  const std::string path =
      dir / ("m/" + name + "-" + version + "-" + std::to_string(std::hash<std::string>{}(extra)) + ".json");
  cli_test::write_file(path, "{\"name\": \"" + name + "\", \"version\": \"" + version + "\"" + extra + "}");
  return path;
}

// Runs `jobs` at once, each a list of tool invocations run one after the other; the outcomes.
std::vector<std::vector<Outcome>> in_parallel(const std::vector<std::vector<std::vector<std::string>>>& jobs,
                                              const std::vector<std::string>& env = {}) {
  std::vector<std::vector<Outcome>> results(jobs.size());
  std::vector<std::thread> threads;
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    threads.emplace_back([&, j] {
      for (const auto& args : jobs[j]) results[j].push_back(tool(args, env));
    });
  }
  for (auto& t : threads) t.join();
  return results;
}

}  // namespace

// ---- concurrent CI jobs on one registry ----

class CliStorm : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres") {
      MFSTATE_FRESH_POSTGRES_URL(registry);
    } else {
      registry = GetParam() == "folder" ? dir / "registry" : dir / "registry.sqlite";
    }
  }
  TempDir dir;
  std::string registry;
};

// Four CI jobs, each publishing and deploying its own app round after round, into shared
// environments: every deploy that exited 0 is there at the end.
TEST_P(CliStorm, ConcurrentPublishAndDeployLoseNothing) {
  constexpr int jobs = 4, rounds = 12;
  std::vector<std::vector<std::vector<std::string>>> work(jobs);
  for (int j = 0; j < jobs; ++j) {
    const std::string app = "app" + std::to_string(j);
    for (int r = 0; r < rounds; ++r) {
      const std::string version = "1.0." + std::to_string(r);
      work[j].push_back(
          {"contracts", "publish", manifest_file(dir, app, version), "--registry", registry, "--json"});
      work[j].push_back({"contracts", "deploy", app, version, "--to", "env" + std::to_string(r % 3),
                         "--registry", registry});
      work[j].push_back({"contracts", "deploy", app, version, "--to", "production", "--registry", registry});
    }
  }
  int failed = 0;
  for (const auto& job : in_parallel(work)) {
    for (const Outcome& o : job) {
      if (o.status != 0) {
        ++failed;
        ADD_FAILURE() << o.err;
      }
    }
  }
  EXPECT_EQ(failed, 0);
  Outcome list = tool({"registry", "list", "--registry", registry, "--json"});
  ASSERT_EQ(list.status, 0) << list.err;
  const Value state = parse_json(list.out);
  int lost = 0;
  for (int j = 0; j < jobs; ++j) {
    const std::string app = "app" + std::to_string(j);
    const Value* versions = state.get("apps").find(app);
    lost += rounds - static_cast<int>(versions ? versions->size() : 0);
    const Value* live = state.get("environments").get("production").find(app);
    if (!live || live->as_string() != "1.0." + std::to_string(rounds - 1)) ++lost;
    for (int e = 0; e < 3; ++e)
      lost += state.get("environments").get("env" + std::to_string(e)).find(app) ? 0 : 1;
  }
  EXPECT_EQ(lost, 0) << list.out;
}

// Four jobs publish different content under one version, round after round: one is told it
// published, the others fail with already_published, and the registry holds the winner's.
TEST_P(CliStorm, RacingPublishesOfOneVersionHaveOneWinner) {
  constexpr int jobs = 4, rounds = 6;
  for (int r = 0; r < rounds; ++r) {
    const std::string version = "2.0." + std::to_string(r);
    std::vector<std::vector<std::vector<std::string>>> work(jobs);
    for (int j = 0; j < jobs; ++j) {
      const std::string extra = ", \"description\": \"job " + std::to_string(j) + "\"";
      work[j].push_back({"contracts", "publish", manifest_file(dir, "race", version, extra), "--registry",
                         registry, "--json"});
    }
    const auto results = in_parallel(work);
    int winners = 0, refused = 0, winner = -1;
    for (int j = 0; j < jobs; ++j) {
      const Outcome& o = results[j][0];
      if (o.status == 0 && parse_json(o.out).get("published").as_bool()) {
        ++winners;
        winner = j;
      } else if (o.status == 2 && o.err.find("already_published") != std::string::npos) {
        ++refused;
      } else {
        ADD_FAILURE() << o.out << o.err;
      }
    }
    ASSERT_EQ(winners, 1) << "round " << r;
    EXPECT_EQ(refused, jobs - 1);
    // What is stored is the winner's: republishing it is a no-op, another's content is refused.
    const std::string again =
        manifest_file(dir, "race", version, ", \"description\": \"job " + std::to_string(winner) + "\"");
    Outcome o = tool({"contracts", "publish", again, "--registry", registry, "--json"});
    EXPECT_STATUS(o, 0);
    EXPECT_FALSE(parse_json(o.out).get("published").as_bool());
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, CliStorm, ::testing::Values("folder", "sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

// ---- names ----

TEST(CliNames, TheRegistrysOwnFileNameIsRefusedEverywhereAndTheRegistryKeepsWorking) {
  TempDir dir;
  const std::string registry = dir / "registry";
  ASSERT_EQ(tool({"contracts", "publish", home_v1, "--registry", registry}).status, 0);
  Outcome taken =
      tool({"contracts", "publish", manifest_file(dir, "deployments.json", "1.0.0"), "--registry", registry});
  EXPECT_STATUS(taken, 2);
  EXPECT_NE(taken.err.find("reserved"), std::string::npos) << taken.err;
  EXPECT_FALSE(std::filesystem::is_directory(dir.path() / "registry" / "deployments.json"));
  // Look-alikes are ordinary names and break nothing.
  ASSERT_EQ(tool({"contracts", "publish", manifest_file(dir, "deployments.json.tmp", "1.0.0"), "--registry",
                  registry})
                .status,
            0);
  EXPECT_STATUS(tool({"contracts", "deploy", "deployments.json.tmp", "1.0.0", "--to", "production",
                      "--registry", registry}),
                0);
  EXPECT_STATUS(tool({"contracts", "deploy", "home", "1.0.0", "--to", "production", "--registry", registry}),
                0);
  EXPECT_STATUS(tool({"registry", "list", "--registry", registry}), 0);
  EXPECT_STATUS(tool({"contracts", "check", profile_v2, "--registry", registry}), 1);
}

TEST(CliNames, CanDeployRefusesAnEnvironmentDeployWouldRefuse) {
  TempDir dir;
  const std::string registry = dir / "registry";
  ASSERT_EQ(tool({"contracts", "publish", home_v1, "--registry", registry}).status, 0);
  for (const char* bad : {"../../x", "a/b", ".x", "deployments.json"}) {
    Outcome can = tool({"contracts", "can-deploy", "home", "1.0.0", "--to", bad, "--registry", registry});
    Outcome deploy = tool({"contracts", "deploy", "home", "1.0.0", "--to", bad, "--registry", registry});
    EXPECT_STATUS(can, 2);
    EXPECT_STATUS(deploy, 2);
    EXPECT_NE(can.err.find("invalid_argument"), std::string::npos) << can.err;
  }
  EXPECT_STATUS(
      tool({"contracts", "can-deploy", "../home", "1.0.0", "--to", "production", "--registry", registry}), 2);
}

// ---- schema references to things that are not files ----

TEST(CliSchemaFiles, ADeviceOrAFifoIsRefusedAtOnceAndAHugeFileAtTheLimit) {
  TempDir dir;
  ASSERT_EQ(mkfifo((dir / "fifo.json").c_str(), 0600), 0);
  {
    // A sparse file one byte past the 64 MiB limit: refused once the limit is read, not after.
    std::FILE* f = std::fopen((dir / "huge.json").c_str(), "w");
    ASSERT_EQ(ftruncate(fileno(f), (64 << 20) + 1), 0);
    std::fclose(f);
  }
  for (const std::string target : {std::string("/dev/zero"), dir / "fifo.json", dir / "huge.json"}) {
    cli_test::write_file(
        dir / "m.json", R"({"name": "profile", "version": "3.0.0", "exports": {"user": ")" + target + "\"}}");
    Outcome r =
        cli_test::run(MFSTATE_CLI_PATH, {"contracts", "publish", dir / "m.json", "--registry", dir / "reg"},
                      {}, std::chrono::seconds(20));
    EXPECT_STATUS(r, 2);
    EXPECT_TRUE(r.err.find("not a regular file") != std::string::npos ||
                r.err.find("larger than the limit") != std::string::npos)
        << target << ": " << r.err;
  }
}

// ---- another team's text on our terminal ----

TEST(CliEscaping, AnotherTeamsControlCharactersNeverReachTheTerminalRaw) {
  TempDir dir;
  const std::string registry = dir / "registry";
  // Home's (hostile) manifest reads a path whose name clears the screen and rewrites the line.
  cli_test::write_file(
      dir / "home.json",
      "{\"name\": \"home\", \"version\": \"1.0.0\", \"description\": \"\\u001b]0;owned\\u0007\","
      " \"reads\": {\"profile/user\": {\"/name\\u001b[2J\\r\\u009bOK\\u202e\": \"string\"}}}");
  ASSERT_EQ(tool({"contracts", "publish", dir / "home.json", "--registry", registry}).status, 0);
  ASSERT_EQ(tool({"contracts", "publish", profile_v1, "--registry", registry}).status, 0);
  Outcome check = tool({"contracts", "check", profile_v2, "--registry", registry});
  EXPECT_STATUS(check, 1);
  Outcome diff = tool({"contracts", "diff", dir / "home.json", dir / "home.json"});
  for (const Outcome* o : {&check, &diff}) {
    for (const std::string& text : {o->out, o->err}) {
      EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
      EXPECT_EQ(text.find('\r'), std::string::npos) << text;
      EXPECT_EQ(text.find('\x07'), std::string::npos) << text;
      EXPECT_EQ(text.find("\xc2\x9b"), std::string::npos) << text;
      EXPECT_EQ(text.find("\xe2\x80\xae"), std::string::npos) << text;
    }
  }
  EXPECT_NE(check.out.find("\\x1b[2J\\r\\u009bOK\\u202e"), std::string::npos) << check.out;
}

// ---- a served registry with tokens ----

class CliServedWithTokens : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* team : {"home", "profile"}) {
      Outcome t = tool({"registry", "token", "--name", std::string(team) + "-ci", "--app", team, "--json"});
      ASSERT_EQ(t.status, 0) << t.err;
      const Value v = parse_json(t.out);
      tokens[team] = std::string(v.get("token").as_string());
      entries.push_back(v.get("entry"));
    }
    cli_test::write_file(
        dir / "tokens.json",
        Value::object({{"read", Value("open")}, {"tokens", Value::array(entries)}}).to_json());
    server = std::make_unique<cli_test::Server>(MFSTATE_CLI_PATH, dir / "served",
                                                std::vector<std::string>{"--tokens", dir / "tokens.json"});
  }
  Outcome as(const std::string& team, std::vector<std::string> args) {
    args.push_back("--registry");
    args.push_back(server->url());
    return tool(args, team.empty() ? std::vector<std::string>{}
                                   : std::vector<std::string>{"MFSTATE_REGISTRY_TOKEN=" + tokens[team]});
  }
  TempDir dir;
  std::map<std::string, std::string> tokens;
  std::vector<Value> entries;
  std::unique_ptr<cli_test::Server> server;
};

TEST_F(CliServedWithTokens, AnotherTeamCannotPublishOrDeployAnAppThatIsNotItsOwn) {
  ASSERT_EQ(as("home", {"contracts", "publish", home_v1}).status, 0);
  ASSERT_EQ(as("home", {"contracts", "deploy", "home", "1.0.0", "--to", "production"}).status, 0);
  ASSERT_EQ(as("profile", {"contracts", "publish", profile_v1}).status, 0);
  ASSERT_EQ(as("profile", {"contracts", "deploy", "profile", "1.0.0", "--to", "production"}).status, 0);

  // The issue's attack: a home 99.0.0 without its reads, deployed to production, would let
  // profile's breaking change pass. Neither another team nor an anonymous client can do it.
  const std::string fake_home = manifest_file(dir, "home", "99.0.0");
  Outcome forged = as("profile", {"contracts", "publish", fake_home});
  EXPECT_STATUS(forged, 2);
  EXPECT_NE(forged.err.find("error (forbidden)"), std::string::npos) << forged.err;
  EXPECT_NE(forged.err.find("token \"profile-ci\" may publish and deploy profile only, not home"),
            std::string::npos)
      << forged.err;
  Outcome anonymous = as("", {"contracts", "publish", fake_home});
  EXPECT_STATUS(anonymous, 2);
  EXPECT_NE(anonymous.err.find("error (unauthorized)"), std::string::npos) << anonymous.err;
  EXPECT_STATUS(as("profile", {"contracts", "deploy", "home", "1.0.0", "--to", "staging"}), 2);
  EXPECT_STATUS(as("", {"contracts", "deploy", "profile", "1.0.0", "--to", "staging"}), 2);

  // The break is still caught, by anyone who may read.
  EXPECT_STATUS(as("", {"contracts", "check", profile_v2}), 1);
  EXPECT_STATUS(as("profile", {"contracts", "publish", profile_v2}), 0);
  EXPECT_STATUS(as("profile", {"contracts", "can-deploy", "profile", "2.0.0", "--to", "production"}), 1);
  Outcome list = as("", {"registry", "list", "--json"});
  EXPECT_EQ(parse_json(list.out).get("environments"),
            parse_json(R"({"production": {"home": "1.0.0", "profile": "1.0.0"}})"));

  server->stop();
  const std::string log = server->log();
  EXPECT_NE(log.find("403 profile-ci"), std::string::npos) << log;
  for (const auto& [team, token] : tokens) EXPECT_EQ(log.find(token), std::string::npos) << log;
}

TEST(CliServe, ABadTokenFileStopsTheServerFromStartingWithTheReason) {
  TempDir dir;
  cli_test::write_file(dir / "tokens.json", R"({"tokens": [{"name": "x", "sha256": "not-hex"}]})");
  Outcome r = tool({"registry", "serve", "--listen", "127.0.0.1:0", "--registry", dir / "reg", "--tokens",
                    dir / "tokens.json"});
  EXPECT_STATUS(r, 2);
  EXPECT_NE(r.err.find("tokens.json: token file: tokens[0].sha256 is not 64 hex digits"), std::string::npos)
      << r.err;
  EXPECT_STATUS(
      tool({"registry", "serve", "--registry", dir / "reg", "--tokens", dir / "tokens.json", "--open"}), 2);
}

TEST(CliServe, WithoutTokensAServerIsReadOnly) {
  TempDir dir;
  ASSERT_EQ(tool({"contracts", "publish", home_v1, "--registry", dir / "reg"}).status, 0);
  cli_test::Server server(MFSTATE_CLI_PATH, dir / "reg", {});
  EXPECT_STATUS(tool({"registry", "list", "--registry", server.url()}), 0);
  Outcome w = tool({"contracts", "publish", profile_v1, "--registry", server.url()});
  EXPECT_STATUS(w, 2);
  EXPECT_NE(w.err.find("unauthorized"), std::string::npos) << w.err;
}

// ---- the server's limits on the command line ----

TEST(CliServe, HelpShowsEveryLimitWithItsDefault) {
  Outcome help = tool({"registry", "serve", "--help"});
  EXPECT_STATUS(help, 0);
  for (const char* shown : {"--max-connections INT:INT in [1 - 1000000]=256",
                            "--request-timeout-ms INT:INT in [1 - 3600000]=10000",
                            "--response-timeout-ms INT:INT in [1 - 3600000]=10000",
                            "--min-response-rate INT:INT in [0 - 1073741824]=65536",
                            "--max-head-bytes INT:INT in [1024 - 1048576]=16384",
                            "--max-body-bytes INT:INT in [1 - 1073741824]=16777216",
                            "--max-buffered-body-bytes INT:INT in [1 - 68719476736]=67108864",
                            "--max-pending-answer-bytes INT:INT in [1 - 68719476736]=67108864",
                            "--answer-cache-bytes INT:INT in [0 - 68719476736]=67108864",
                            "--max-answer-bytes INT:INT in [1 - 68719476736]=25165824",
                            "--listing-cache-time-ms INT:INT in [0 - 3600000]=1000"}) {
    EXPECT_NE(help.out.find(shown), std::string::npos) << shown << "\n" << help.out;
  }
}

TEST(CliServe, ALimitThatMeansNothingIsRefusedBeforeAnythingStarts) {
  TempDir dir;
  const std::vector<std::pair<std::vector<std::string>, std::string>> refused = {
      {{"--max-connections", "0"}, "--max-connections: Value 0 not in range 1 to 1000000"},
      {{"--max-connections", "-5"}, "--max-connections: Value -5 not in range 1 to 1000000"},
      {{"--request-timeout-ms", "0"}, "--request-timeout-ms: Value 0 not in range"},
      {{"--response-timeout-ms", "36000000"},
       "--response-timeout-ms: Value 36000000 not in range 1 to 3600000"},
      {{"--min-response-rate", "-1"}, "--min-response-rate: Value -1 not in range 0 to"},
      {{"--max-head-bytes", "10"}, "--max-head-bytes: Value 10 not in range 1024 to 1048576"},
      {{"--max-body-bytes", "0"}, "--max-body-bytes: Value 0 not in range"},
      {{"--max-pending-answer-bytes", "99999999999999999999"},
       "--max-pending-answer-bytes: Value 99999999999999999999 not in range"},
      {{"--answer-cache-bytes", "lots"}, "--answer-cache-bytes: Value lots not in range"},
      {{"--listing-cache-time-ms", "-1"}, "--listing-cache-time-ms: Value -1 not in range 0 to 3600000"},
      {{"--max-body-bytes", "1000000", "--max-buffered-body-bytes", "999999"},
       "error (invalid_argument): --max-buffered-body-bytes 999999 is below --max-body-bytes 1000000: a "
       "manifest "
       "of that size could never be published"},
      {{"--max-pending-answer-bytes", "1000"},
       "error (invalid_argument): --max-pending-answer-bytes 1000 is below --max-answer-bytes 25165824: a "
       "manifest with an answer of that size could never be read"},
      // A manifest's answer can be several times its body: each budget that must hold the
      // largest answer is checked against --max-answer-bytes, and that against the body.
      {{"--max-answer-bytes", "0"}, "--max-answer-bytes: Value 0 not in range"},
      {{"--max-body-bytes", "30000000"},
       "error (invalid_argument): --max-answer-bytes 25165824 is below --max-body-bytes 30000000: a "
       "manifest of that size, answered as it was sent, could never be published"},
      {{"--max-answer-bytes", "70000000"},
       "error (invalid_argument): --max-pending-answer-bytes 67108864 is below --max-answer-bytes 70000000"},
      {{"--answer-cache-bytes", "25166847"},
       "error (invalid_argument): --answer-cache-bytes 25166847 is below --max-answer-bytes 25165824 plus "
       "1024 for its entry: the largest answer could never be kept, and would be rebuilt on every read"},
  };
  for (const auto& [flags, message] : refused) {
    std::vector<std::string> args{"registry", "serve", "--listen", "127.0.0.1:0", "--registry", dir / "reg"};
    args.insert(args.end(), flags.begin(), flags.end());
    Outcome r = tool(args);
    EXPECT_STATUS(r, 2);
    EXPECT_NE(r.err.find(message), std::string::npos) << flags.front() << "\n" << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "reg"));  // refused before the registry was opened
}

TEST(CliServe, TheLimitsGivenReachTheServer) {
  TempDir dir;
  cli_test::Server server(MFSTATE_CLI_PATH, dir / "reg", {"--open", "--max-body-bytes", "200"});
  EXPECT_STATUS(
      tool({"contracts", "publish", manifest_file(dir, "home", "1.0.0"), "--registry", server.url()}), 0);
  Outcome big =
      tool({"contracts", "publish",
            manifest_file(dir, "home", "2.0.0", ", \"description\": \"" + std::string(300, 'x') + "\""),
            "--registry", server.url()});
  EXPECT_STATUS(big, 2);
  EXPECT_NE(big.err.find("size_limit"), std::string::npos) << big.err;
}

// The mfstate tool sends a manifest as the server will answer it, so only another client can send
// a body that grows when it is answered: numbers written short, answered in full.
TEST(CliServe, TheAnswerLimitReachesTheServerAndTheCacheMayHoldExactlyOneAnswer) {
  TempDir dir;
  // The least cache that keeps an answer of the limit is accepted, as is no cache at all.
  for (const char* cache : {"1324", "0"}) {
    cli_test::Server server(
        MFSTATE_CLI_PATH, dir / "reg",
        {"--open", "--max-body-bytes", "200", "--max-answer-bytes", "300", "--answer-cache-bytes", cache});
    std::string examples;
    for (int i = 0; i < 20; ++i) examples += i == 0 ? "1e20" : ",1e20";
    const std::string body =
        std::string(R"({"name":"cart","version":"1.0.0","exports":{"n":{"type":"number",)") +
        R"("examples":[)" + examples + "]}}}";
    ASSERT_LE(body.size(), 200u);  // within --max-body-bytes: the answer is what is refused
    httplib::Client client(server.url());
    const auto put = client.Put("/v1/apps/cart/versions/1.0.0", body, "application/json");
    ASSERT_TRUE(put) << cache;
    EXPECT_EQ(put->status, 413) << put->body;
    EXPECT_NE(put->body.find("more than the limit of 300 bytes"), std::string::npos) << put->body;
    const auto get = client.Get("/v1/apps/cart/versions/1.0.0");
    ASSERT_TRUE(get) << cache;
    EXPECT_EQ(get->status, 404) << get->body;
  }
}

namespace {

// This process's soft limit of open files, lowered for the scope (what a child started in it inherits).
class SoftDescriptorLimit {
 public:
  explicit SoftDescriptorLimit(rlim_t soft) {
    getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit lowered = saved_;
    lowered.rlim_cur = soft;
    setrlimit(RLIMIT_NOFILE, &lowered);
  }
  ~SoftDescriptorLimit() { setrlimit(RLIMIT_NOFILE, &saved_); }
  SoftDescriptorLimit(const SoftDescriptorLimit&) = delete;
  SoftDescriptorLimit& operator=(const SoftDescriptorLimit&) = delete;

 private:
  rlimit saved_{};
};

// The soft "Max open files" of a running process, from /proc/<pid>/limits.
long soft_open_files(pid_t pid) {
  std::istringstream limits(cli_test::read_file("/proc/" + std::to_string(pid) + "/limits"));
  for (std::string line; std::getline(limits, line);) {
    if (line.rfind("Max open files", 0) == 0) return std::stol(line.substr(26));
  }
  return -1;
}

}  // namespace

// Started with `ulimit -n` below max_connections, the server would run out of descriptors before
// it reached its connection limit: it raises its soft limit to what it needs, and when the hard
// limit does not allow that, it says so and does not start.
TEST(CliServe, TheDescriptorLimitIsRaisedToWhatMaxConnectionsNeedsOrTheServerDoesNotStart) {
  TempDir dir;
  {
    SoftDescriptorLimit limit(100);
    cli_test::Server server(MFSTATE_CLI_PATH, dir / "reg", {"--open", "--max-connections", "300"});
    EXPECT_EQ(soft_open_files(server.pid()), 364);
    EXPECT_STATUS(tool({"registry", "list", "--registry", server.url()}), 0);
  }
  Outcome r = cli_test::run("/bin/sh",
                            {"-c", "ulimit -n 100 && exec \"$0\" \"$@\"", MFSTATE_CLI_PATH, "registry",
                             "serve", "--listen", "127.0.0.1:0", "--registry", dir / "reg2"},
                            {}, std::chrono::seconds(60));
  EXPECT_STATUS(r, 2);
  EXPECT_NE(
      r.err.find("--max-connections 256 needs 320 file descriptors (one per connection and 64 for the "
                 "server), and this process may open at most 100 (ulimit -Hn): lower --max-connections or "
                 "raise the limit"),
      std::string::npos)
      << r.err;
}

// ---- several servers on one PostgreSQL database ----

TEST(CliPostgres, TwoServersOnOneDatabaseKeepOneWinnerPerVersionAndLoseNoDeploy) {
  std::string db;
  MFSTATE_FRESH_POSTGRES_URL(db);
  TempDir dir;
  cli_test::Server a(MFSTATE_CLI_PATH, db), b(MFSTATE_CLI_PATH, db);
  constexpr int jobs = 4, rounds = 5;
  for (int r = 0; r < rounds; ++r) {
    const std::string version = "3.0." + std::to_string(r);
    std::vector<std::vector<std::vector<std::string>>> work(jobs);
    for (int j = 0; j < jobs; ++j) {
      const std::string url = j % 2 == 0 ? a.url() : b.url();
      const std::string extra = ", \"description\": \"job " + std::to_string(j) + "\"";
      work[j].push_back(
          {"contracts", "publish", manifest_file(dir, "race", version, extra), "--registry", url, "--json"});
      work[j].push_back({"contracts", "publish", manifest_file(dir, "app" + std::to_string(j), version),
                         "--registry", url});
      work[j].push_back({"contracts", "deploy", "app" + std::to_string(j), version, "--to", "production",
                         "--registry", url});
    }
    const auto results = in_parallel(work);
    int winners = 0;
    for (int j = 0; j < jobs; ++j) {
      const Outcome& publish = results[j][0];
      if (publish.status == 0 && parse_json(publish.out).get("published").as_bool())
        ++winners;
      else
        EXPECT_NE(publish.err.find("already_published"), std::string::npos) << publish.out << publish.err;
      EXPECT_STATUS(results[j][1], 0);
      EXPECT_STATUS(results[j][2], 0);
    }
    EXPECT_EQ(winners, 1) << "round " << r;
  }
  // Both servers see the same registry, and every deploy is in it.
  for (const cli_test::Server* s : {&a, &b}) {
    Outcome list = tool({"registry", "list", "--registry", s->url(), "--json"});
    ASSERT_EQ(list.status, 0) << list.err;
    const Value production = parse_json(list.out).get("environments").get("production");
    EXPECT_EQ(production.size(), static_cast<std::size_t>(jobs)) << list.out;
    for (int j = 0; j < jobs; ++j) {
      EXPECT_EQ(production.get("app" + std::to_string(j)).as_string(), "3.0." + std::to_string(rounds - 1));
    }
    EXPECT_EQ(parse_json(list.out).get("apps").get("race").size(), static_cast<std::size_t>(rounds));
  }
}

// ---- a hostile registry ----

// A registry URL that redirects (a hijacked or misconfigured server): the tool neither follows it
// nor sends the team's token to where it points; the run is a failed build, never a pass.
TEST(CliHostileRegistry, ARedirectIsExit2AndTheTokenStaysHome) {
  std::atomic<int> visits{0};
  httplib::Server elsewhere, redirecting;
  elsewhere.Get(".*", [&](const httplib::Request&, httplib::Response& res) {
    ++visits;
    res.set_content(R"({"apps": []})", "application/json");
  });
  const int elsewhere_port = elsewhere.bind_to_any_port("127.0.0.1");
  redirecting.Get(".*", [&](const httplib::Request& req, httplib::Response& res) {
    res.set_redirect("http://127.0.0.1:" + std::to_string(elsewhere_port) + req.path, 307);
  });
  const int port = redirecting.bind_to_any_port("127.0.0.1");
  std::thread a([&] { elsewhere.listen_after_bind(); }), b([&] { redirecting.listen_after_bind(); });
  while (!elsewhere.is_running() || !redirecting.is_running()) std::this_thread::yield();
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  Outcome check = tool({"contracts", "check", profile_v2, "--registry", url}, {"MFSTATE_REGISTRY_TOKEN=mfs_x"});
  Outcome publish =
      tool({"contracts", "publish", profile_v2, "--registry", url}, {"MFSTATE_REGISTRY_TOKEN=mfs_x"});
  redirecting.stop();
  elsewhere.stop();
  a.join();
  b.join();
  EXPECT_STATUS(check, 2);
  EXPECT_NE(check.err.find("answered HTTP 307"), std::string::npos) << check.err;
  EXPECT_EQ(publish.status, 2) << publish.err;
  EXPECT_EQ(visits.load(), 0);
}

#endif
