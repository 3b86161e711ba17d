#include "user_db.hpp"

#include <sqlite3.h>

#include <memory>
#include <stdexcept>

namespace mfdemo {

namespace {

constexpr const char* me_id = "S6nRz7bZ8Cv1dfTm";

using Statement = std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)>;

[[noreturn]] void fail(sqlite3* db, const std::string& path, const std::string& what) {
  throw std::runtime_error("user database " + path + ": " + what + ": " +
                           (db ? sqlite3_errmsg(db) : "out of memory"));
}

Statement prepare(sqlite3* db, const std::string& path, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) fail(db, path, "cannot prepare");
  return Statement(raw, &sqlite3_finalize);
}

void bind_text(sqlite3_stmt* st, int index, const std::optional<std::string>& text) {
  if (text)
    sqlite3_bind_text(st, index, text->data(), static_cast<int>(text->size()), SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(st, index);
}

std::string column_text(sqlite3_stmt* st, int index) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, index));
  return text ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(st, index))) : std::string();
}

}  // namespace

User seed_user() { return User{me_id, "John Doe", std::nullopt}; }

UserDb::UserDb(const std::string& path) : path_(path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("user database " + path + ": cannot open: " + message);
  }
  // A second server on the same file waits for the lock instead of failing at once.
  sqlite3_busy_timeout(db_, 2000);
  try {
    exec(
        "CREATE TABLE IF NOT EXISTS users ("
        "  user_id TEXT PRIMARY KEY NOT NULL,"
        "  name TEXT NOT NULL,"
        "  avatar_url TEXT)");
    exec("INSERT OR IGNORE INTO users (user_id, name) VALUES ('S6nRz7bZ8Cv1dfTm', 'John Doe')");
  } catch (...) {
    sqlite3_close(db_);
    throw;
  }
}

UserDb::~UserDb() { sqlite3_close(db_); }

void UserDb::exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    throw std::runtime_error("user database " + path_ + ": " + text);
  }
}

User UserDb::me() {
  Statement st = prepare(db_, path_, "SELECT user_id, name, avatar_url FROM users WHERE user_id = ?1");
  sqlite3_bind_text(st.get(), 1, me_id, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st.get());
  if (rc == SQLITE_DONE)
    throw std::runtime_error("user database " + path_ + ": the user " + me_id + " is gone");
  if (rc != SQLITE_ROW) fail(db_, path_, "cannot read the user");
  User user{column_text(st.get(), 0), column_text(st.get(), 1), std::nullopt};
  if (sqlite3_column_type(st.get(), 2) != SQLITE_NULL) user.avatar_url = column_text(st.get(), 2);
  return user;
}

User UserDb::update_me(const UserPatch& patch) {
  exec("BEGIN IMMEDIATE");
  try {
    // COALESCE keeps a column the patch does not name; ?3 says whether avatar_url is named at all.
    Statement st = prepare(db_, path_,
                           "UPDATE users SET name = COALESCE(?1, name),"
                           " avatar_url = CASE WHEN ?3 THEN ?2 ELSE avatar_url END"
                           " WHERE user_id = ?4");
    bind_text(st.get(), 1, patch.name);
    bind_text(st.get(), 2, patch.avatar_url.value_or(std::nullopt));
    sqlite3_bind_int(st.get(), 3, patch.avatar_url.has_value() ? 1 : 0);
    sqlite3_bind_text(st.get(), 4, me_id, -1, SQLITE_STATIC);
    if (sqlite3_step(st.get()) != SQLITE_DONE) fail(db_, path_, "cannot update the user");
    User user = me();
    exec("COMMIT");
    return user;
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void UserDb::reset() {
  exec("BEGIN IMMEDIATE");
  try {
    exec("DELETE FROM users");
    exec("INSERT INTO users (user_id, name) VALUES ('S6nRz7bZ8Cv1dfTm', 'John Doe')");
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

}  // namespace mfdemo
