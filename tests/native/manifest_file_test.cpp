// Manifests on disk: schema files resolved relative to the manifest, errors naming the files,
// and the embedded manifest schema kept identical to schemas/manifest.schema.json.
#include <gtest/gtest.h>

#include "mfstate/manifest.hpp"
#include "native/cli_process.hpp"

using namespace mfstate;

namespace {

const std::filesystem::path source_root = MFSTATE_SOURCE_DIR;

std::string error_of(const std::function<void()>& f, ErrorCode expected) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), expected) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error thrown";
  return {};
}

}  // namespace

TEST(ManifestFile, TheEmbeddedSchemaIsTheFileInSchemas) {
  EXPECT_EQ(read_json_file((source_root / "schemas" / "manifest.schema.json").string()),
            parse_json(manifest_schema_json()));
}

TEST(ManifestFile, LoadsTheExampleAppsWithSchemaFilesBesideThem) {
  Manifest v1 = load_manifest((source_root / "examples/contracts/profile/v1/mfstate.json").string());
  EXPECT_EQ(v1.id(), "profile@1.0.0");
  EXPECT_TRUE(
      validate(v1.exports.at("user"), parse_json(R"({"userId": "S6nRz7bZ8Cv1dfTm", "name": "John Doe"})"))
          .empty());
  Manifest v2 = load_manifest((source_root / "examples/contracts/profile/v2/mfstate.json").string());
  EXPECT_FALSE(
      validate(v2.exports.at("user"), parse_json(R"({"userId": "S6nRz7bZ8Cv1dfTm", "name": "John Doe"})"))
          .empty());
  Manifest home = load_manifest((source_root / "examples/contracts/home/mfstate.json").string());
  EXPECT_EQ(home.commands.count("home/refresh"), 1u);
  ASSERT_EQ(home.reads.size(), 1u);
  EXPECT_EQ(home.reads[0].app, "profile");
}

TEST(ManifestFile, ErrorsNameTheManifestAndTheSchemaFile) {
  cli_test::TempDir dir;
  const std::string file = dir / "mfstate.json";
  std::string msg = error_of([&] { (void)load_manifest(file); }, ErrorCode::io_error);
  EXPECT_NE(msg.find(file + ": no such file"), std::string::npos) << msg;

  cli_test::write_file(file, "{\"name\": \"a\",\n \"version\": 1.0.0}");
  msg = error_of([&] { (void)load_manifest(file); }, ErrorCode::invalid_json);
  EXPECT_NE(msg.find(file + " (line 2, column"), std::string::npos) << msg;

  cli_test::write_file(file, R"({"name": "a", "version": "1.0.0", "exports": {"u": "s/u.json"}})");
  msg = error_of([&] { (void)load_manifest(file); }, ErrorCode::io_error);
  EXPECT_NE(msg.find(file), std::string::npos) << msg;
  EXPECT_NE(msg.find((dir.path() / "s/u.json").string()), std::string::npos) << msg;

  cli_test::write_file(dir.path() / "s" / "u.json", R"({"type": "object", "patternProperties": {}})");
  msg = error_of([&] { (void)load_manifest(file); }, ErrorCode::unsupported_schema);
  EXPECT_NE(msg.find("s/u.json"), std::string::npos) << msg;

  msg = error_of([&] { (void)read_json_file(dir.path().string()); }, ErrorCode::io_error);
  EXPECT_NE(msg.find("is a folder"), std::string::npos) << msg;
}

// Each file is bounded by itself; the manifest and the schema files it names share one bound
// too, or a manifest naming one large file again and again reads (and holds) every copy: 40
// references to an 8 MB schema file took the tool to 5 GB before this bound.
TEST(ManifestFile, TheManifestAndItsSchemaFilesShareOneSizeBound) {
  cli_test::TempDir dir;
  const std::string file = dir / "mfstate.json";
  cli_test::write_file(dir.path() / "big.json",
                       R"({"type": "string", "description": ")" + std::string(1 << 20, 'x') + "\"}");
  auto manifest_naming = [&](int times) {
    std::string exports;
    for (int i = 0; i < times; ++i)
      exports += (i ? ", " : "") + ("\"e" + std::to_string(i) + "\": \"big.json\"");
    cli_test::write_file(file, R"({"name": "a", "version": "1.0.0", "exports": {)" + exports + "}}");
  };
  manifest_naming(60);  // 60 MiB and a little: within 64 MiB
  EXPECT_EQ(load_manifest(file).exports.size(), 60u);
  manifest_naming(80);
  const std::string msg = error_of([&] { (void)load_manifest(file); }, ErrorCode::size_limit);
  EXPECT_EQ(msg.find(file + ": "), 0u) << msg;
  EXPECT_NE(
      msg.find("the manifest and the schema files it names come to more than the limit of 67108864 bytes"),
      std::string::npos)
      << msg;
}
