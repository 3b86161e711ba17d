// The user record in its SQLite file: seeded once, updated in transactions, kept across reopening.
#include "user_db.hpp"
#include "gtest/gtest.h"
#include "test_support.hpp"

using namespace mfdemo;

TEST(UserDb, AFreshFileHoldsTheSeedUser) {
  test_support::TempDir dir;
  UserDb db(dir.file("users.sqlite"));
  User me = db.me();
  EXPECT_EQ(me.user_id, "S6nRz7bZ8Cv1dfTm");
  EXPECT_EQ(me.name, "John Doe");
  EXPECT_FALSE(me.avatar_url.has_value());
}

TEST(UserDb, ARenameIsStoredInTheFileAndSurvivesReopening) {
  test_support::TempDir dir;
  {
    UserDb db(dir.file("users.sqlite"));
    User after = db.update_me({.name = "Jane Roe"});
    EXPECT_EQ(after.name, "Jane Roe");
  }
  UserDb reopened(dir.file("users.sqlite"));
  EXPECT_EQ(reopened.me().name, "Jane Roe");
}

TEST(UserDb, APatchChangesOnlyTheColumnsItNames) {
  test_support::TempDir dir;
  UserDb db(dir.file("users.sqlite"));
  db.update_me({.avatar_url = std::optional<std::string>("/avatars/john.png")});
  EXPECT_EQ(db.me().name, "John Doe");
  EXPECT_EQ(db.me().avatar_url, "/avatars/john.png");
  db.update_me({.name = "Jane Roe"});
  EXPECT_EQ(db.me().avatar_url, "/avatars/john.png");
  db.update_me({.avatar_url = std::optional<std::string>()});  // JSON null clears it
  EXPECT_FALSE(db.me().avatar_url.has_value());
  EXPECT_EQ(db.me().name, "Jane Roe");
}

TEST(UserDb, ResetPutsTheSeedUserBack) {
  test_support::TempDir dir;
  UserDb db(dir.file("users.sqlite"));
  db.update_me({.name = "Jane Roe", .avatar_url = std::optional<std::string>("/a.png")});
  db.reset();
  EXPECT_EQ(db.me().name, "John Doe");
  EXPECT_FALSE(db.me().avatar_url.has_value());
}

TEST(UserDb, AFileThatCannotBeOpenedIsAnErrorNamingIt) {
  test_support::TempDir dir;
  try {
    UserDb db(dir.file("no-such-folder/users.sqlite"));
    FAIL() << "opened a file in a folder that does not exist";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-folder/users.sqlite"), std::string::npos) << e.what();
  }
}

TEST(UserDb, AFileThatIsNotADatabaseIsAnError) {
  test_support::TempDir dir;
  {
    std::FILE* f = std::fopen(dir.file("junk.sqlite").c_str(), "w");
    std::fputs("this is not a SQLite database, just some text long enough to be read as a header", f);
    std::fclose(f);
  }
  EXPECT_THROW(UserDb(dir.file("junk.sqlite")), std::runtime_error);
}
