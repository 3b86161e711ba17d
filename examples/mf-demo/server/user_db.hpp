// The demo API's data: the signed-in user, kept in a SQLite database file so that a rename
// survives a restart of the server, as it would with a real backend.
#pragma once

#include <optional>
#include <string>

struct sqlite3;

namespace mfdemo {

/// One row of the users table, as the API answers it.
struct User {
  std::string user_id;
  std::string name;
  std::optional<std::string> avatar_url;  ///< absent until someone sets one
};

/// What a PATCH may change; an empty optional leaves that column alone. `avatar_url` holding an
/// empty optional inside clears the column (JSON null).
struct UserPatch {
  std::optional<std::string> name;
  std::optional<std::optional<std::string>> avatar_url;
};

/// The user every fresh database starts with (the article's John Doe).
User seed_user();

/// The SQLite file holding the users table. Not thread-safe: the server serialises calls.
class UserDb {
 public:
  /// Opens the database file at `path`, creating it, its table and the seed user when missing.
  /// Throws std::runtime_error naming the path and SQLite's message when it cannot. Allocates.
  explicit UserDb(const std::string& path);
  ~UserDb();
  UserDb(const UserDb&) = delete;
  UserDb& operator=(const UserDb&) = delete;

  /// The signed-in user. Throws std::runtime_error when the row is gone or SQLite fails. One query.
  User me();
  /// Applies `patch` to the signed-in user in one transaction and returns the row as stored.
  /// Throws std::runtime_error (and changes nothing) when SQLite fails.
  User update_me(const UserPatch& patch);
  /// Puts the seed user back (the tests' and the demo's "start over"). One transaction.
  void reset();

  /// The file this database lives in.
  const std::string& path() const noexcept { return path_; }

 private:
  void exec(const char* sql);
  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace mfdemo
