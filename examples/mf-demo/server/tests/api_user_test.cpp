// GET and PATCH /api/users/me over a real socket: answers, validation, persistence, counts.
#include "gtest/gtest.h"
#include "mfstate/value.hpp"
#include "test_support.hpp"

using namespace mfdemo;
using mfstate::parse_json;
using mfstate::Value;

namespace {

class ApiUser : public test_support::ServerTest {
 protected:
  Value json(const httplib::Result& r) {
    EXPECT_TRUE(r) << "no answer: " << httplib::to_string(r.error());
    return r ? parse_json(r->body) : Value();
  }
  httplib::Result patch(const std::string& body) {
    return http.Patch("/api/users/me", body, "application/json");
  }
  long count(const std::string& route) {
    auto counts = running.server.request_counts();
    auto it = counts.find(route);
    return it == counts.end() ? 0 : it->second;
  }
};

TEST_F(ApiUser, GetAnswersTheSeedUserAsJsonThatNoCacheKeeps) {
  auto r = http.Get("/api/users/me");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(r->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(json(r), parse_json(R"({"userId": "S6nRz7bZ8Cv1dfTm", "name": "John Doe"})"));
}

TEST_F(ApiUser, PatchRenamesTheUserInTheDatabaseAndAnswersTheNewRecord) {
  auto r = patch(R"({"name": "Jane Roe"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json(r).get("name").as_string(), "Jane Roe");
  EXPECT_EQ(db.me().name, "Jane Roe");
  EXPECT_EQ(json(http.Get("/api/users/me")).get("name").as_string(), "Jane Roe");
}

TEST_F(ApiUser, PatchSetsAndClearsTheOptionalAvatar) {
  EXPECT_EQ(json(patch(R"({"avatarUrl": "/avatars/j.png"})")).get("avatarUrl").as_string(), "/avatars/j.png");
  EXPECT_FALSE(json(patch(R"({"avatarUrl": null})")).contains("avatarUrl"));
}

TEST_F(ApiUser, BadPatchesAreRefusedWithTheReasonAndChangeNothing) {
  struct Case {
    std::string body, content_type;
    int status;
    std::string code, mentions;
  };
  const std::vector<Case> cases = {
      {R"({"name": "Jane")", "application/json", 400, "invalid_json", "not JSON"},
      {R"({"name": 42})", "application/json", 400, "schema_violation", "/name"},
      {R"({"name": ""})", "application/json", 400, "schema_violation", "/name"},
      {R"({"name": "   "})", "application/json", 400, "invalid_argument", "blank"},
      {R"({"firstName": "Jane"})", "application/json", 400, "schema_violation", "firstName"},
      {R"({})", "application/json", 400, "invalid_argument", "nothing to change"},
      {R"([])", "application/json", 400, "schema_violation", "object"},
      {R"({"name": "Jane Roe"})", "text/plain", 415, "unsupported_media_type", "application/json"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body + " as " + c.content_type);
    auto r = http.Patch("/api/users/me", c.body, c.content_type.c_str());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, c.status);
    Value error = json(r).get("error");
    EXPECT_EQ(error.get("code").as_string(), c.code);
    EXPECT_NE(error.get("message").as_string().find(c.mentions), std::string_view::npos)
        << error.get("message").as_string();
    EXPECT_EQ(db.me().name, "John Doe");
  }
}

TEST_F(ApiUser, EveryApiRequestIsCountedByMethodAndPathRefusedOnesIncluded) {
  EXPECT_EQ(count("GET /api/users/me"), 0);
  http.Get("/api/users/me");
  http.Get("/api/users/me");
  patch(R"({"name": "Jane Roe"})");
  patch(R"({"name": 1})");
  http.Get("/api/nothing-here");
  EXPECT_EQ(count("GET /api/users/me"), 2);
  EXPECT_EQ(count("PATCH /api/users/me"), 2);
  EXPECT_EQ(count("GET /api/nothing-here"), 1);
  // The counts as the browser tests read them; control requests are not counted.
  Value stats = json(http.Get("/__control/stats"));
  EXPECT_EQ(stats.get("requests").get("GET /api/users/me").as_int(), 2);
  EXPECT_EQ(stats.get("total").as_int(), 5);
  EXPECT_EQ(json(http.Get("/__control/stats")).get("total").as_int(), 5);
}

TEST_F(ApiUser, AnUnknownRouteIsAJson404NamingIt) {
  auto r = http.Delete("/api/users/me");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_NE(json(r).get("error").get("message").as_string().find("DELETE /api/users/me"),
            std::string_view::npos);
}

TEST_F(ApiUser, ResetPutsTheSeedUserBackAndZeroesTheCounts) {
  patch(R"({"name": "Jane Roe"})");
  auto r = http.Post("/__control/reset", "", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(db.me().name, "John Doe");
  EXPECT_TRUE(running.server.request_counts().empty());
}

}  // namespace
