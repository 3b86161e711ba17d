// The registry's four backends behind one interface, held to the same tests: the folder, the
// SQLite file, a PostgreSQL database (a throw-away cluster), and the HTTP client talking to an
// in-process RegistryServer (which itself serves a folder registry). Beside what each call does:
// one rule for names everywhere, and writers racing from several threads, each with its own
// registry object, losing nothing and publishing one winner per version.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "mfstate/registry.hpp"
#include "mfstate/registry_server.hpp"
#include "native/cli_process.hpp"
#include "native/postgres_cluster.hpp"

using namespace mfstate;
using cli_test::TempDir;

namespace {

Manifest app(const std::string& name, const std::string& version, const char* extra = "") {
  return parse_manifest_json("{\"name\": \"" + name + "\", \"version\": \"" + version + "\"" + extra + "}");
}

ErrorCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "no error thrown";
  return ErrorCode::invalid_json;
}

enum class Kind { folder, sqlite, postgres, http };

class RegistryBackend : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override {
    switch (GetParam()) {
      case Kind::folder: location = dir / "reg"; break;
      case Kind::sqlite: location = dir / "reg.sqlite"; break;
      case Kind::postgres: MFSTATE_FRESH_POSTGRES_URL(location); break;
      case Kind::http: {
        served = open_registry(dir / "served", {.create = true});
        server =
            std::make_unique<RegistryServer>(*served, RegistryServerOptions{.access = AccessPolicy::open()});
        const int port = server->bind("127.0.0.1", 0);
        listener = std::thread([this] { server->listen(); });
        location = "http://127.0.0.1:" + std::to_string(port);
        break;
      }
    }
    registry = open_registry(location, {.create = true});
  }
  void TearDown() override {
    if (server) {
      server->stop();
      listener.join();
    }
  }
  // Another client of the same registry, as another process would open it.
  std::unique_ptr<Registry> another() const { return open_registry(location, {.create = true}); }

  TempDir dir;
  std::string location;
  std::unique_ptr<Registry> served;
  std::unique_ptr<RegistryServer> server;
  std::thread listener;
  std::unique_ptr<Registry> registry;
};

}  // namespace

TEST_P(RegistryBackend, StartsEmpty) {
  EXPECT_TRUE(registry->apps().empty());
  EXPECT_TRUE(registry->versions("home").empty());
  EXPECT_FALSE(registry->manifest("home", "1.0.0").has_value());
  EXPECT_TRUE(registry->environments().empty());
  EXPECT_TRUE(registry->deployed("production").empty());
}

TEST_P(RegistryBackend, KeepsEveryVersionInSemverOrder) {
  for (const char* v : {"1.10.0", "1.2.0", "1.0.0-rc.1", "1.0.0"})
    EXPECT_TRUE(registry->publish(app("cart", v)));
  EXPECT_TRUE(registry->publish(app("home", "0.1.0")));
  EXPECT_EQ(registry->apps(), (std::vector<std::string>{"cart", "home"}));
  EXPECT_EQ(registry->versions("cart"), (std::vector<std::string>{"1.0.0-rc.1", "1.0.0", "1.2.0", "1.10.0"}));
}

TEST_P(RegistryBackend, ReturnsTheManifestWithItsSchemasInline) {
  Manifest m = app("profile", "1.0.0",
                   R"(, "exports": {"user": {"type": "object", "required": ["name"]}},
                      "reads": {"auth/session": {"/token": "string"}})");
  ASSERT_TRUE(registry->publish(m));
  auto back = registry->manifest("profile", "1.0.0");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->to_value(), m.to_value());
  EXPECT_EQ(back->exports.at("user").document(), parse_json(R"({"type": "object", "required": ["name"]})"));
}

TEST_P(RegistryBackend, PublishedVersionsAreImmutable) {
  ASSERT_TRUE(registry->publish(app("home", "1.0.0", R"(, "exports": {"a": {"type": "string"}})")));
  EXPECT_FALSE(registry->publish(app("home", "1.0.0", R"(, "exports": {"a": {"type": "string"}})")));
  EXPECT_EQ(
      code_of([&] { registry->publish(app("home", "1.0.0", R"(, "exports": {"a": {"type": "integer"}})")); }),
      ErrorCode::already_published);
  EXPECT_EQ(registry->manifest("home", "1.0.0")->exports.at("a").document(),
            parse_json(R"({"type": "string"})"));
}

// Numbers are stored in full (`1e20` as 100000000000000000000.0): 16 MiB of them pass the 64 MiB
// a stored manifest may be read back as. Refused, nothing stored; stored, the version could never
// be read again (over HTTP the server refuses it before: its answer limit, or the body's size).
TEST_P(RegistryBackend, AManifestTooLargeToReadBackIsRefusedAndNothingIsStored) {
  std::string numbers = "[1e20";
  numbers.reserve(16u << 20);
  while (numbers.size() < (16u << 20) - 8) numbers += ",1e20";
  numbers += "]";
  const Manifest huge = app("home", "1.0.0", (R"(, "exports": {"n": {"type": "number", "examples": )" + numbers + "}}").c_str());
  EXPECT_EQ(code_of([&] { registry->publish(huge); }), ErrorCode::size_limit);
  EXPECT_FALSE(registry->manifest("home", "1.0.0").has_value());
  EXPECT_TRUE(registry->versions("home").empty());
  EXPECT_TRUE(registry->publish(app("home", "1.0.0")));  // the version is still free
}

TEST_P(RegistryBackend, RecordsDeploymentsPerEnvironment) {
  registry->publish(app("home", "1.0.0"));
  registry->publish(app("home", "1.1.0"));
  registry->publish(app("profile", "2.0.0"));
  registry->deploy("home", "1.0.0", "production");
  registry->deploy("profile", "2.0.0", "production");
  registry->deploy("home", "1.1.0", "staging");
  registry->deploy("home", "1.1.0", "production");  // replaces 1.0.0
  EXPECT_EQ(registry->environments(), (std::vector<std::string>{"production", "staging"}));
  EXPECT_EQ(registry->deployed("production"),
            (std::map<std::string, std::string>{{"home", "1.1.0"}, {"profile", "2.0.0"}}));
  EXPECT_EQ(registry->deployed("staging"), (std::map<std::string, std::string>{{"home", "1.1.0"}}));
  EXPECT_TRUE(registry->deployed("qa").empty());
}

TEST_P(RegistryBackend, RefusesToDeployWhatWasNotPublishedAndChangesNothing) {
  registry->publish(app("home", "1.0.0"));
  registry->deploy("home", "1.0.0", "production");
  EXPECT_EQ(code_of([&] { registry->deploy("home", "2.0.0", "production"); }), ErrorCode::not_found);
  EXPECT_EQ(code_of([&] { registry->deploy("home", "1.0.0", "prod/../x"); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { registry->deploy("../home", "1.0.0", "production"); }),
            ErrorCode::invalid_argument);
  EXPECT_EQ(registry->deployed("production"), (std::map<std::string, std::string>{{"home", "1.0.0"}}));
}

TEST_P(RegistryBackend, CheckCounterpartsAreTheLatestAndEveryDeployedVersionOfOtherApps) {
  registry->publish(app("home", "1.0.0"));
  registry->publish(app("home", "2.0.0"));
  registry->publish(app("home", "3.0.0"));
  registry->publish(app("profile", "1.0.0"));
  registry->deploy("home", "1.0.0", "production");
  registry->deploy("home", "3.0.0", "staging");
  auto c = check_counterparts(*registry, "profile");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].manifest.id(), "home@1.0.0");
  EXPECT_EQ(c[0].because, (std::vector<std::string>{"deployed in production"}));
  EXPECT_EQ(c[1].manifest.id(), "home@3.0.0");
  EXPECT_EQ(c[1].because, (std::vector<std::string>{"latest", "deployed in staging"}));
  auto d = deployed_counterparts(*registry, "profile", "production");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].manifest.id(), "home@1.0.0");
  EXPECT_TRUE(deployed_counterparts(*registry, "home", "production").empty());
}

TEST_P(RegistryBackend, OneRuleForNamesInEveryCall) {
  ASSERT_TRUE(registry->publish(app("home", "1.0.0")));
  // deployments.json is the folder registry's own file: no backend takes it as a name, so a
  // registry can move between backends.
  EXPECT_EQ(code_of([&] { registry->publish(app("deployments.json", "1.0.0")); }),
            ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { registry->deploy("home", "1.0.0", "deployments.json"); }),
            ErrorCode::invalid_argument);
  for (const char* bad : {"../../x", "..", "a/b", "", ".hidden", "deployments.json"}) {
    EXPECT_EQ(code_of([&] { registry->deployed(bad); }), ErrorCode::invalid_argument) << bad;
    EXPECT_EQ(code_of([&] { registry->versions(bad); }), ErrorCode::invalid_argument) << bad;
    EXPECT_EQ(code_of([&] { registry->manifest(bad, "1.0.0"); }), ErrorCode::invalid_argument) << bad;
    EXPECT_EQ(code_of([&] { registry->deploy("home", "1.0.0", bad); }), ErrorCode::invalid_argument) << bad;
    EXPECT_EQ(code_of([&] { deployed_counterparts(*registry, "home", bad); }), ErrorCode::invalid_argument)
        << bad;
  }
  EXPECT_EQ(code_of([&] { registry->manifest("home", "../1.0.0"); }), ErrorCode::invalid_argument);
  // Names that merely look like the registry's files are ordinary names.
  for (const char* fine : {"deployments.json.tmp", "deployments", "lock", "home.json"}) {
    EXPECT_TRUE(registry->publish(app(fine, "1.0.0"))) << fine;
    registry->deploy(fine, "1.0.0", fine);
    EXPECT_EQ(registry->deployed(fine), (std::map<std::string, std::string>{{fine, "1.0.0"}}));
  }
  EXPECT_EQ(registry->apps(),
            (std::vector<std::string>{"deployments", "deployments.json.tmp", "home", "home.json", "lock"}));
  registry->deploy("home", "1.0.0", "production");
  EXPECT_EQ(registry->deployed("production"), (std::map<std::string, std::string>{{"home", "1.0.0"}}));
}

// Four writers, each with its own registry object (its own connection, file handles or HTTP
// client), publish and deploy distinct things at once: every one of them is there afterwards.
TEST_P(RegistryBackend, ConcurrentWritersLoseNothing) {
  constexpr int writers = 4, rounds = 12;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      try {
        auto mine = another();
        const std::string name = "app" + std::to_string(w);
        for (int r = 0; r < rounds; ++r) {
          const std::string version = "1.0." + std::to_string(r);
          if (!mine->publish(app(name, version))) ++failures;
          mine->deploy(name, version, "env" + std::to_string(r % 3));
          mine->deploy(name, version, "production");
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  const auto production = registry->deployed("production");
  ASSERT_EQ(production.size(), static_cast<std::size_t>(writers)) << "deployments lost";
  for (int w = 0; w < writers; ++w) {
    const std::string name = "app" + std::to_string(w);
    EXPECT_EQ(registry->versions(name).size(), static_cast<std::size_t>(rounds)) << "versions lost";
    EXPECT_EQ(production.at(name), "1.0." + std::to_string(rounds - 1));
  }
  for (int e = 0; e < 3; ++e) EXPECT_EQ(registry->deployed("env" + std::to_string(e)).size(), 4u);
}

// Writers of different content race for one version, round after round: exactly one is told it
// published, the others already_published, and what is stored is the winner's.
TEST_P(RegistryBackend, RacingPublishersOfOneVersionHaveExactlyOneWinner) {
  constexpr int writers = 4, rounds = 8;
  std::vector<std::unique_ptr<Registry>> clients;
  for (int w = 0; w < writers; ++w) clients.push_back(another());
  for (int r = 0; r < rounds; ++r) {
    const std::string version = "2.0." + std::to_string(r);
    std::atomic<int> winners{0}, refused{0}, winner{-1};
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w) {
      threads.emplace_back([&, w] {
        const std::string extra = R"(, "description": "writer )" + std::to_string(w) + "\"";
        try {
          if (clients[static_cast<std::size_t>(w)]->publish(app("race", version, extra.c_str()))) {
            ++winners;
            winner = w;
          }
        } catch (const Error& e) {
          if (e.code() == ErrorCode::already_published)
            ++refused;
          else
            ADD_FAILURE() << e.what();
        }
      });
    }
    for (auto& t : threads) t.join();
    ASSERT_EQ(winners.load(), 1) << "round " << r;
    EXPECT_EQ(refused.load(), writers - 1) << "round " << r;
    EXPECT_EQ(registry->manifest("race", version)->description, "writer " + std::to_string(winner.load()));
  }
}

INSTANTIATE_TEST_SUITE_P(All, RegistryBackend,
                         ::testing::Values(Kind::folder, Kind::sqlite, Kind::postgres, Kind::http),
                         [](const auto& info) {
                           switch (info.param) {
                             case Kind::folder: return "folder";
                             case Kind::sqlite: return "sqlite";
                             case Kind::postgres: return "postgres";
                             default: return "http";
                           }
                         });

TEST(RegistryOpen, PicksTheBackendByTheLocationsForm) {
  TempDir dir;
  EXPECT_EQ(open_registry(dir / "r.sqlite", {.create = true})->location(), dir / "r.sqlite");
  EXPECT_TRUE(std::filesystem::is_regular_file(dir.path() / "r.sqlite"));
  open_registry(dir / "r.db", {.create = true});
  EXPECT_TRUE(std::filesystem::is_regular_file(dir.path() / "r.db"));
  open_registry(dir / "folder", {.create = true});
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() / "folder"));
}

TEST(RegistryOpen, AMissingRegistryIsAnErrorUnlessAskedToCreateIt) {
  TempDir dir;
  EXPECT_EQ(code_of([&] { open_registry(dir / "none"); }), ErrorCode::io_error);
  EXPECT_EQ(code_of([&] { open_registry(dir / "none.sqlite"); }), ErrorCode::io_error);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "none.sqlite"));
  EXPECT_EQ(code_of([&] { open_registry(""); }), ErrorCode::invalid_argument);
}

TEST(RegistryOpen, AFileThatIsNotSqliteIsAnIoError) {
  TempDir dir;
  cli_test::write_file(dir.path() / "bad.db", "this is not a database, just some text that is long enough");
  EXPECT_EQ(code_of([&] { open_registry(dir / "bad.db")->apps(); }), ErrorCode::io_error);
}

TEST(RegistryHttp, AnUnreachableServerIsAnIoErrorNamingTheUrl) {
  const std::string url = "http://127.0.0.1:" + std::to_string(cli_test::free_port());
  auto r = open_registry(url, {.timeout_ms = 2000});
  try {
    r->apps();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io_error);
    EXPECT_NE(std::string(e.what()).find(url), std::string::npos) << e.what();
  }
}

TEST(RegistryHttp, ServerErrorsComeBackWithTheirCode) {
  TempDir dir;
  auto served = open_registry(dir / "served", {.create = true});
  RegistryServer server(*served, {.access = AccessPolicy::open()});
  const int port = server.bind("127.0.0.1", 0);
  std::thread listener([&] { server.listen(); });
  auto client = open_registry("http://127.0.0.1:" + std::to_string(port) + "/");
  client->publish(app("home", "1.0.0"));
  EXPECT_EQ(code_of([&] { client->publish(app("home", "1.0.0", R"(, "exports": {"x": true})")); }),
            ErrorCode::already_published);
  EXPECT_EQ(code_of([&] { client->deploy("home", "9.0.0", "production"); }), ErrorCode::not_found);
  // The server stored into the folder it serves.
  EXPECT_EQ(served->versions("home"), (std::vector<std::string>{"1.0.0"}));
  server.stop();
  listener.join();
}

TEST(RegistryServerLifecycle, StopBeforeListenMakesListenReturn) {
  TempDir dir;
  auto served = open_registry(dir / "served", {.create = true});
  RegistryServer server(*served);
  server.bind("127.0.0.1", 0);
  server.stop();
  server.listen();  // returns at once instead of serving forever
  SUCCEED();
}

TEST(RegistryFolder, WritesPlainFilesPeopleCanCommit) {
  TempDir dir;
  auto r = open_registry(dir / "reg", {.create = true});
  r->publish(app("home", "1.0.0", R"(, "reads": {"profile/user": {"/name": "string"}})"));
  r->deploy("home", "1.0.0", "production");
  const auto stored = parse_json(cli_test::read_file(dir.path() / "reg" / "home" / "1.0.0.json"));
  EXPECT_EQ(stored.get("reads").get("profile/user"),
            Expectations::from_value(parse_json(R"({"/name": "string"})")).to_value());
  EXPECT_EQ(parse_json(cli_test::read_file(dir.path() / "reg" / "deployments.json")),
            parse_json(R"({"environments": {"production": {"home": "1.0.0"}}})"));
  // No temporary file is left behind.
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "reg" / "deployments.json.tmp"));
}

TEST(RegistryFolder, ACorruptFileIsReportedWithItsPath) {
  TempDir dir;
  auto r = open_registry(dir / "reg", {.create = true});
  cli_test::write_file(dir.path() / "reg" / "home" / "1.0.0.json", "{\"name\": ");
  try {
    r->manifest("home", "1.0.0");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_json);
    EXPECT_NE(std::string(e.what()).find("1.0.0.json"), std::string::npos) << e.what();
  }
  cli_test::write_file(dir.path() / "reg" / "deployments.json", "[1]");
  EXPECT_EQ(code_of([&] { r->environments(); }), ErrorCode::io_error);
}
