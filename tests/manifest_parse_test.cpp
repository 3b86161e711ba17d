// The manifest model: parsing, validation against the manifest's own schema, file references
// through a loader, semantic versions, and the self-contained form a registry stores.
#include <gtest/gtest.h>

#include <map>

#include "mfstate/manifest.hpp"

using namespace mfstate;

namespace {

ErrorCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "no error thrown";
  return ErrorCode::io_error;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error thrown";
  return {};
}

const char* full_manifest = R"({
  "name": "profile",
  "version": "2.1.0-rc.1",
  "description": "the profile page",
  "exports": {"user": "schemas/user.json", "settings": {"type": "object"}},
  "commands": {"profile/rename": {"type": "object", "required": ["name"]}},
  "topics": {"publishes": {"profile/renamed": true}, "subscribes": {"auth/logout": {"type": "null"}}},
  "reads": {"auth/session": {"/token": "string"}, "auth/account": [{"path": "/id", "type": "integer"}]}
})";

SchemaLoader files(std::map<std::string, std::string> contents) {
  return [contents](std::string_view path) {
    auto it = contents.find(std::string(path));
    if (it == contents.end()) throw Error(ErrorCode::io_error, std::string(path) + ": no such file");
    return parse_json(it->second);
  };
}

}  // namespace

TEST(ManifestParse, ReadsEverySectionAndLoadsSchemaFilesThroughTheLoader) {
  Manifest m = parse_manifest_json(
      full_manifest, files({{"schemas/user.json", R"({"type": "object", "required": ["id"]})"}}));
  EXPECT_EQ(m.name, "profile");
  EXPECT_EQ(m.version, "2.1.0-rc.1");
  EXPECT_EQ(m.id(), "profile@2.1.0-rc.1");
  EXPECT_EQ(m.description, "the profile page");
  ASSERT_EQ(m.exports.size(), 2u);
  EXPECT_EQ(m.exports.at("user").document(), parse_json(R"({"type": "object", "required": ["id"]})"));
  EXPECT_TRUE(validate(m.exports.at("user"), parse_json(R"({"id": 1})")).empty());
  EXPECT_FALSE(validate(m.exports.at("user"), parse_json(R"({})")).empty());
  ASSERT_EQ(m.commands.size(), 1u);
  EXPECT_EQ(m.publishes.count("profile/renamed"), 1u);
  EXPECT_EQ(m.subscribes.count("auth/logout"), 1u);
  ASSERT_EQ(m.reads.size(), 2u);
  EXPECT_EQ(m.reads[0].app, "auth");  // sorted by app, then export
  EXPECT_EQ(m.reads[0].export_name, "account");
  EXPECT_EQ(m.reads[1].export_name, "session");
  ASSERT_EQ(m.reads[1].expectations.list().size(), 1u);
  EXPECT_EQ(m.reads[1].expectations.list()[0].path, "/token");
  EXPECT_EQ(m.reads[1].expectations.list()[0].type, "string");
}

TEST(ManifestParse, ToValueIsSelfContainedAndParsesBackWithoutALoader) {
  Manifest m = parse_manifest_json(full_manifest, files({{"schemas/user.json", R"({"type": "string"})"}}));
  Value stored = m.to_value();
  EXPECT_EQ(stored.get("exports").get("user"), parse_json(R"({"type": "string"})"));
  Manifest again = parse_manifest(stored);
  EXPECT_EQ(again.to_value(), stored);
  EXPECT_EQ(again.reads.size(), 2u);
}

TEST(ManifestParse, AMinimalManifestHasOnlyNameAndVersion) {
  Manifest m = parse_manifest_json(R"({"name": "home", "version": "1.0.0"})");
  EXPECT_TRUE(m.exports.empty());
  EXPECT_TRUE(m.reads.empty());
  EXPECT_EQ(m.to_value(), parse_json(R"({"name": "home", "version": "1.0.0"})"));
}

TEST(ManifestParse, ShapeErrorsAreSchemaViolationsListingEveryPath) {
  const std::string msg = message_of(
      [] { (void)parse_manifest_json(R"({"name": 3, "version": "1.0.0", "exprots": {}, "exports": {"u": 4}})"); });
  EXPECT_NE(msg.find("/name"), std::string::npos) << msg;
  EXPECT_NE(msg.find("exprots"), std::string::npos) << msg;
  EXPECT_NE(msg.find("/exports/u"), std::string::npos) << msg;
  EXPECT_EQ(code_of([] { (void)parse_manifest_json(R"({"name": "home"})"); }), ErrorCode::schema_violation);
  EXPECT_EQ(code_of([] { (void)parse_manifest_json(R"([1])"); }), ErrorCode::schema_violation);
  EXPECT_EQ(code_of([] { (void)parse_manifest_json(R"({"name": "a", "version": "1.0.0", "reads": {"b/c": 1}})"); }),
            ErrorCode::schema_violation);
}

TEST(ManifestParse, NamesVersionsAndReadKeysAreChecked) {
  EXPECT_EQ(code_of([] { (void)parse_manifest_json(R"({"name": "home", "version": "1.0"})"); }),
            ErrorCode::schema_violation);
  EXPECT_EQ(code_of([] { (void)parse_manifest_json(R"({"name": "home", "version": "01.0.0"})"); }),
            ErrorCode::schema_violation);
  EXPECT_EQ(code_of([] { (void)parse_manifest_json(R"({"name": "../etc", "version": "1.0.0"})"); }),
            ErrorCode::schema_violation);
  EXPECT_EQ(code_of([] { (void)parse_manifest_json(R"({"name": "a b", "version": "1.0.0"})"); }),
            ErrorCode::schema_violation);
  const std::string msg = message_of([] {
    (void)parse_manifest_json(R"({"name": "home", "version": "1.0.0", "reads": {"profile": {"/name": "string"}}})");
  });
  EXPECT_NE(msg.find("\"profile\" is not \"app/export\""), std::string::npos) << msg;
}

TEST(ManifestParse, BadSchemasAndExpectationsKeepTheirCodeAndNameTheirPlace) {
  const std::string msg = message_of([] {
    (void)parse_manifest_json(
        R"({"name": "p", "version": "1.0.0", "exports": {"user": {"type": "object", "if": {}}}})");
  });
  EXPECT_NE(msg.find("export \"user\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("p@1.0.0"), std::string::npos) << msg;
  EXPECT_EQ(code_of([] {
              (void)parse_manifest_json(R"({"name": "p", "version": "1.0.0", "commands": {"c": {"type": 7}}})");
            }),
            ErrorCode::invalid_schema);
  EXPECT_EQ(code_of([] {
              (void)parse_manifest_json(R"({"name": "p", "version": "1.0.0", "reads": {"a/b": {"/x": 5}}})");
            }),
            ErrorCode::invalid_argument);
}

TEST(ManifestParse, FileReferencesNeedALoaderAndLoaderErrorsNameTheFile) {
  const char* text = R"({"name": "p", "version": "1.0.0", "exports": {"user": "schemas/user.json"}})";
  EXPECT_EQ(code_of([&] { (void)parse_manifest_json(text); }), ErrorCode::invalid_argument);
  const std::string msg = message_of([&] { (void)parse_manifest_json(text, files({})); });
  EXPECT_NE(msg.find("schemas/user.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("export \"user\""), std::string::npos) << msg;
  EXPECT_EQ(code_of([&] { (void)parse_manifest_json(text, files({})); }), ErrorCode::io_error);
  EXPECT_EQ(code_of([&] {
              (void)parse_manifest_json(text, files({{"schemas/user.json", R"({"type": "strin"})"}}));
            }),
            ErrorCode::invalid_schema);
}

TEST(ManifestSchema, IsValidatedWithMfstatesOwnValidator) {
  const Schema& s = manifest_schema();
  EXPECT_TRUE(validate(s, parse_json(full_manifest)).empty());
  EXPECT_FALSE(
      validate(s, parse_json(R"({"name": "x", "version": "1.0.0", "topics": {"sends": {}}})")).empty());
  EXPECT_EQ(parse_json(manifest_schema_json()), s.document());
}

TEST(Semver, RecognisesSemanticVersionsOnly) {
  for (const char* good : {"0.0.0", "1.2.3", "10.20.30", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-0.3.7",
                           "1.0.0-x.7.z.92", "1.0.0+20130313144700", "1.0.0-beta+exp.sha.5114f85"}) {
    EXPECT_TRUE(is_semver(good)) << good;
  }
  for (const char* bad : {"", "1", "1.2", "1.2.3.4", "01.2.3", "1.02.3", "1.2.3-", "1.2.3-01", "1.2.3+",
                          "v1.2.3", "1.2.3-a..b", "1.2.3 ", "-1.2.3"}) {
    EXPECT_FALSE(is_semver(bad)) << bad;
  }
}

TEST(Semver, OrdersByPrecedenceAsSemverOrgDefinesIt) {
  // The example chain of semver.org 2.0.0, section 11, plus numeric (not text) comparison.
  const char* chain[] = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
                         "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
                         "1.0.0-rc.1",  "1.0.0",         "1.9.0",
                         "1.10.0",      "2.0.0",         "10.0.0"};
  for (std::size_t i = 0; i + 1 < std::size(chain); ++i) {
    EXPECT_LT(compare_semver(chain[i], chain[i + 1]), 0) << chain[i] << " < " << chain[i + 1];
    EXPECT_GT(compare_semver(chain[i + 1], chain[i]), 0) << chain[i + 1] << " > " << chain[i];
  }
  EXPECT_EQ(compare_semver("1.0.0+build.1", "1.0.0+build.2"), 0);
  EXPECT_EQ(compare_semver("99999999999999999999.0.0", "99999999999999999999.0.0"), 0);
  EXPECT_LT(compare_semver("9999999999999999999.0.0", "99999999999999999999.0.0"), 0);
  EXPECT_EQ(code_of([] { (void)compare_semver("1.0", "1.0.0"); }), ErrorCode::invalid_argument);
}

TEST(AppName, AllowsSafeFolderNamesOnly) {
  EXPECT_TRUE(is_app_name("profile"));
  EXPECT_TRUE(is_app_name("Cart-2_beta.x"));
  EXPECT_FALSE(is_app_name(""));
  EXPECT_FALSE(is_app_name(".hidden"));
  EXPECT_FALSE(is_app_name("a/b"));
  EXPECT_FALSE(is_app_name(".."));
  EXPECT_FALSE(is_app_name(std::string(101, 'a')));
}
