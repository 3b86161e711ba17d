// The folder registry against what can be planted in its folder (symbolic links, FIFOs, devices,
// files where folders belong) and against writers that die holding its lock.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "mfstate/registry.hpp"
#include "native/cli_process.hpp"

using namespace mfstate;
using cli_test::TempDir;
namespace fs = std::filesystem;

namespace {

Manifest app(const std::string& name, const std::string& version) {
  return parse_manifest_json("{\"name\": \"" + name + "\", \"version\": \"" + version + "\"}");
}

Error error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no error thrown";
  return Error(ErrorCode::invalid_json, "none");
}

// A registry with home@1.0.0 published, and a file outside it that an attacker wants written.
class FolderAttack : public ::testing::Test {
 protected:
  void SetUp() override {
    registry = open_registry(root.string(), {.create = true, .timeout_ms = 300});
    registry->publish(app("home", "1.0.0"));
    cli_test::write_file(victim, "precious\n");
  }
  TempDir dir;
  fs::path root = dir.path() / "reg";
  fs::path victim = dir.path() / "victim.txt";
  std::unique_ptr<Registry> registry;
};

// The number of processes that no longer exist: a child that has exited and been reaped.
pid_t dead_pid() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  cli_test::wait_for(child);
  return child;
}

std::string host_name() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

}  // namespace

TEST_F(FolderAttack, ALinkPlantedWhereATemporaryFileMayGoIsNeverFollowed) {
  // The names the old code used for its temporary files, and a guess at new ones.
  fs::create_symlink(victim, root / "deployments.json.tmp");
  fs::create_symlink(victim, root / ".deployments.json.tmp");
  registry->deploy("home", "1.0.0", "production");
  registry->publish(app("home", "1.1.0"));
  EXPECT_EQ(cli_test::read_file(victim), "precious\n");
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(root / "deployments.json")));
  EXPECT_EQ(registry->deployed("production"), (std::map<std::string, std::string>{{"home", "1.0.0"}}));
}

TEST_F(FolderAttack, ALinkInPlaceOfTheRegistrysOwnFilesIsRefusedAndNothingOutsideChanges) {
  fs::create_symlink(victim, root / "deployments.json");
  Error e = error_of([&] { registry->deploy("home", "1.0.0", "production"); });
  EXPECT_EQ(e.code(), ErrorCode::io_error);
  EXPECT_NE(std::string(e.what()).find("symbolic link"), std::string::npos) << e.what();
  EXPECT_EQ(error_of([&] { registry->environments(); }).code(), ErrorCode::io_error);
  EXPECT_EQ(cli_test::read_file(victim), "precious\n");

  // A manifest file that is a link to something outside is not read either.
  fs::create_directories(root / "profile");
  fs::create_symlink(victim, root / "profile" / "1.0.0.json");
  EXPECT_EQ(error_of([&] { registry->manifest("profile", "1.0.0"); }).code(), ErrorCode::io_error);
  EXPECT_EQ(error_of([&] { registry->versions("profile"); }).code(), ErrorCode::io_error);
}

TEST_F(FolderAttack, AnAppFolderThatIsALinkIsRefusedLoudlyNotSkipped) {
  fs::create_directories(dir.path() / "elsewhere");
  fs::create_symlink(dir.path() / "elsewhere", root / "profile");
  // Skipping it would make `check` pass against a registry without profile: refuse instead.
  EXPECT_EQ(error_of([&] { registry->apps(); }).code(), ErrorCode::io_error);
  EXPECT_EQ(error_of([&] { registry->publish(app("profile", "1.0.0")); }).code(), ErrorCode::io_error);
  EXPECT_TRUE(fs::is_empty(dir.path() / "elsewhere"));
}

TEST_F(FolderAttack, AFifoOrADeviceInPlaceOfAFileIsRefusedWithoutBlocking) {
  ASSERT_EQ(mkfifo((root / "deployments.json").c_str(), 0600), 0);
  EXPECT_EQ(error_of([&] { registry->deployed("production"); }).code(), ErrorCode::io_error);
  fs::remove(root / "deployments.json");
  fs::create_directories(root / "cart");
  ASSERT_EQ(mkfifo((root / "cart" / "1.0.0.json").c_str(), 0600), 0);
  EXPECT_EQ(error_of([&] { registry->manifest("cart", "1.0.0"); }).code(), ErrorCode::io_error);
}

// deploy rewrites an environment whole: one that reads refuse as corrupt is refused with the
// same message (deployments.json named), and the file is left as it was. Before, a non-object
// was a bare type_error naming no file, and a bad entry was carried into the rewritten file.
TEST_F(FolderAttack, DeployIntoACorruptEnvironmentIsRefusedNamingTheFileAndChangesNothing) {
  for (const std::string env : {"\"x\"", "[1]", "{\"../x\": \"1.0.0\"}", "{\"home\": 7}"}) {
    const std::string text = "{\"environments\": {\"production\": " + env + "}}";
    cli_test::write_file(root / "deployments.json", text);
    const Error e = error_of([&] { registry->deploy("home", "1.0.0", "production"); });
    EXPECT_EQ(e.code(), ErrorCode::io_error) << env;
    EXPECT_NE(std::string(e.what()).find("deployments.json: environment \"production\" "), std::string::npos)
        << e.what();
    EXPECT_EQ(cli_test::read_file(root / "deployments.json"), text);
  }
  // Another environment's entries are not this deploy's to judge: it goes ahead.
  cli_test::write_file(root / "deployments.json", R"({"environments": {"staging": {"home": 7}}})");
  registry->deploy("home", "1.0.0", "production");
  EXPECT_EQ(registry->deployed("production").at("home"), "1.0.0");
}

TEST_F(FolderAttack, TheReservedNameCannotTakeOverTheDeploymentsFile) {
  EXPECT_EQ(error_of([&] { registry->publish(app("deployments.json", "1.0.0")); }).code(),
            ErrorCode::invalid_argument);
  registry->deploy("home", "1.0.0", "production");
  EXPECT_TRUE(fs::is_regular_file(root / "deployments.json"));
  EXPECT_EQ(registry->deployed("production").size(), 1u);
}

TEST_F(FolderAttack, NoTemporaryOrLockFileIsLeftBehind) {
  registry->publish(app("home", "1.1.0"));
  registry->deploy("home", "1.1.0", "production");
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const std::string name = entry.path().filename().string();
    EXPECT_NE(name.front(), '.') << entry.path();
  }
}

TEST_F(FolderAttack, ALockLeftByAWriterThatDiedOnThisHostIsBrokenAtOnce) {
  cli_test::write_file(root / ".lock",
                       std::to_string(dead_pid()) + " " + host_name() + " 0123456789abcdef\n");
  registry->deploy("home", "1.0.0", "production");
  EXPECT_EQ(registry->deployed("production").size(), 1u);
  EXPECT_FALSE(fs::exists(root / ".lock"));
}

TEST_F(FolderAttack, ALockHeldByALiveWriterMakesOthersWaitThenFailNamingIt) {
  cli_test::write_file(root / ".lock", std::to_string(getpid()) + " " + host_name() + " 0123456789abcdef\n");
  const auto started = std::chrono::steady_clock::now();
  Error e = error_of([&] { registry->deploy("home", "1.0.0", "production"); });
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(300));
  EXPECT_EQ(e.code(), ErrorCode::io_error);
  EXPECT_NE(std::string(e.what()).find("locked by another writer (process " + std::to_string(getpid())),
            std::string::npos)
      << e.what();
  EXPECT_TRUE(registry->deployed("production").empty());  // nothing written
  EXPECT_TRUE(fs::exists(root / ".lock"));                // and the live writer's lock kept
}

TEST_F(FolderAttack, ALockOlderThanTheStaleAgeIsBrokenWhoeverHeldIt) {
  cli_test::write_file(root / ".lock", "4242 another-host 0123456789abcdef\n");
  // Its modification time an hour back: older than any write under the lock could take.
  const auto an_hour_ago = fs::file_time_type::clock::now() - std::chrono::hours(1);
  fs::last_write_time(root / ".lock", an_hour_ago);
  registry->deploy("home", "1.0.0", "production");
  EXPECT_EQ(registry->deployed("production").size(), 1u);
}

TEST(FolderLayout, FilesOtherThanAppFoldersAreIgnored) {
  TempDir dir;
  auto registry = open_registry(dir / "reg", {.create = true});
  registry->publish(app("home", "1.0.0"));
  cli_test::write_file(dir.path() / "reg" / "README.md", "# our registry\n");
  fs::create_directories(dir.path() / "reg" / ".git");
  EXPECT_EQ(registry->apps(), (std::vector<std::string>{"home"}));
}

// A manifest's stored file against what indentation and number spelling can make of a small body.
namespace {

// home@1.0.0 whose one export carries `examples` (any JSON) of the given text.
Manifest app_with_examples(const std::string& examples) {
  return parse_manifest_json(R"({"name": "home", "version": "1.0.0", "exports": {"n": {"type": "number", "examples": )" +
                             examples + "}}}");
}

std::uintmax_t stored_size(const fs::path& root) { return fs::file_size(root / "home" / "1.0.0.json"); }

}  // namespace

TEST(FolderStoredText, ADeeplyNestedManifestIsStoredCompactNotIndentedAHundredfold) {
  TempDir dir;
  const fs::path root = dir.path() / "reg";
  auto registry = open_registry(root.string(), {.create = true});
  // 100 KB of zeros a hundred levels down: indented, every one of them would take a line of about
  // 200 spaces (10 MB).
  std::string nested = std::string(100, '[') + "0";
  for (int i = 0; i < 50'000; ++i) nested += ",0";
  nested += std::string(100, ']');
  const Manifest m = app_with_examples("[" + nested + "]");
  ASSERT_TRUE(registry->publish(m));
  const std::size_t compact = m.to_value().to_json().size();
  EXPECT_LE(stored_size(root), 2 * compact + (64u << 10) + 1);
  EXPECT_EQ(registry->manifest("home", "1.0.0")->to_value(), m.to_value());
}

TEST(FolderStoredText, AShallowManifestIsStoredIndentedForItsReaders) {
  TempDir dir;
  const fs::path root = dir.path() / "reg";
  auto registry = open_registry(root.string(), {.create = true});
  ASSERT_TRUE(registry->publish(app_with_examples("[1, 2, 3]")));
  const std::string text = cli_test::read_file(root / "home" / "1.0.0.json");
  EXPECT_NE(text.find("\n  \"exports\": {\n"), std::string::npos) << text;
}

TEST(FolderStoredText, AManifestWhoseStoredTextWouldPassTheFileLimitIsRefusedAndNothingIsStored) {
  TempDir dir;
  const fs::path root = dir.path() / "reg";
  auto registry = open_registry(root.string(), {.create = true});
  // 16 MiB of `1e20`: each is spelled 100000000000000000000.0 when stored, past 64 MiB in all.
  std::string numbers = "[1e20";
  numbers.reserve(16u << 20);
  while (numbers.size() < (16u << 20) - 8) numbers += ",1e20";
  numbers += "]";
  const Manifest m = app_with_examples(numbers);
  const Error e = error_of([&] { registry->publish(m); });
  EXPECT_EQ(e.code(), ErrorCode::size_limit);
  EXPECT_NE(std::string(e.what()).find("a stored manifest may be read back as; nothing stored"), std::string::npos) << e.what();
  EXPECT_FALSE(fs::exists(root / "home" / "1.0.0.json"));
  EXPECT_FALSE(registry->manifest("home", "1.0.0").has_value());
}
