// The SQLite registry: the same content as the folder registry, in one file.
//   manifests(app, version, document, published_at)   document: the manifest, schemas inline
//   deployments(environment, app, version, deployed_at)
// Each write is one transaction, so a failure leaves the database as it was; the busy timeout
// lets several pipelines share the file.
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>

#include "mfstate/registry.hpp"
#include "registry_detail.hpp"

namespace mfstate {

namespace {

class Statement {
 public:
  Statement(sqlite3* db, const char* sql, const std::string& location) : db_(db), location_(location) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) fail("prepare");
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, std::string_view text) {
    if (sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT) !=
        SQLITE_OK)
      fail("bind");
    return *this;
  }
  /// True while there is a row.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail("step");
  }
  std::string text(int column) const {
    const unsigned char* p = sqlite3_column_text(stmt_, column);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
             : std::string();
  }

 private:
  [[noreturn]] void fail(const char* what) const {
    throw Error(ErrorCode::io_error,
                "registry " + location_ + ": SQLite " + what + " failed: " + sqlite3_errmsg(db_));
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string location_;
};

class SqliteRegistry final : public Registry {
 public:
  SqliteRegistry(std::string file, const RegistryOptions& options) : file_(std::move(file)) {
    std::error_code ec;
    if (!options.create && !std::filesystem::exists(file_, ec)) {
      throw Error(ErrorCode::io_error,
                  "registry " + file_ + ": no such file (publish creates it; check the --registry path)");
    }
    int flags = SQLITE_OPEN_READWRITE | (options.create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_FULLMUTEX;
    if (sqlite3_open_v2(file_.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw Error(ErrorCode::io_error, "registry " + file_ + ": cannot open: " + message);
    }
    sqlite3_busy_timeout(db_, options.timeout_ms);
    try {
      exec(
          "CREATE TABLE IF NOT EXISTS manifests ("
          " app TEXT NOT NULL, version TEXT NOT NULL, document TEXT NOT NULL,"
          " published_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
          " PRIMARY KEY (app, version));"
          "CREATE TABLE IF NOT EXISTS deployments ("
          " environment TEXT NOT NULL, app TEXT NOT NULL, version TEXT NOT NULL,"
          " deployed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
          " PRIMARY KEY (environment, app));");
    } catch (...) {
      sqlite3_close(db_);
      throw;
    }
  }
  ~SqliteRegistry() override { sqlite3_close(db_); }

  std::string location() const override { return file_; }

  bool publish(const Manifest& manifest) override {
    detail::require_app_version(manifest.name, manifest.version);
    const Value document = manifest.to_value();
    const std::string text = document.to_json();
    detail::require_storable(text.size(), file_, manifest.name, manifest.version);
    Transaction tx(*this);
    if (auto existing = stored(manifest.name, manifest.version)) {
      if (detail::parse_stored_document(*existing, file_, manifest.name, manifest.version) == document)
        return false;
      throw detail::already_published(file_, manifest.name, manifest.version);
    }
    Statement(db_, "INSERT INTO manifests (app, version, document) VALUES (?1, ?2, ?3)", file_)
        .bind(1, manifest.name)
        .bind(2, manifest.version)
        .bind(3, text)
        .step();
    tx.commit();
    return true;
  }

  std::vector<std::string> apps() const override {
    std::vector<std::string> out;
    Statement s(db_, "SELECT DISTINCT app FROM manifests ORDER BY app", file_);
    while (s.step()) out.push_back(s.text(0));
    return out;
  }

  std::vector<std::string> versions(std::string_view app) const override {
    detail::require_app_name(app);
    std::vector<std::string> out;
    Statement s(db_, "SELECT version FROM manifests WHERE app = ?1", file_);
    s.bind(1, app);
    while (s.step()) {
      std::string v = s.text(0);
      if (is_semver(v)) out.push_back(std::move(v));
    }
    detail::sort_by_semver(out);
    return out;
  }

  std::optional<Manifest> manifest(std::string_view app, std::string_view version) const override {
    detail::require_app_version(app, version);
    auto text = stored(app, version);
    if (!text) return std::nullopt;
    return detail::stored_manifest(detail::parse_stored_document(*text, file_, app, version), file_, app,
                                   version);
  }

  void deploy(std::string_view app, std::string_view version, std::string_view environment) override {
    detail::require_app_version(app, version);
    detail::require_environment_name(environment);
    Transaction tx(*this);
    if (!stored(app, version)) throw detail::not_published(file_, app, version);
    Statement(db_,
              "INSERT INTO deployments (environment, app, version) VALUES (?1, ?2, ?3)"
              " ON CONFLICT (environment, app) DO UPDATE SET version = excluded.version,"
              " deployed_at = excluded.deployed_at",
              file_)
        .bind(1, environment)
        .bind(2, app)
        .bind(3, version)
        .step();
    tx.commit();
  }

  std::map<std::string, std::string> deployed(std::string_view environment) const override {
    detail::require_environment_name(environment);
    std::map<std::string, std::string> out;
    Statement s(db_, "SELECT app, version FROM deployments WHERE environment = ?1", file_);
    s.bind(1, environment);
    while (s.step()) out.emplace(s.text(0), s.text(1));
    return out;
  }

  std::vector<std::string> environments() const override {
    std::vector<std::string> out;
    Statement s(db_, "SELECT DISTINCT environment FROM deployments ORDER BY environment", file_);
    while (s.step()) out.push_back(s.text(0));
    return out;
  }

 private:
  // BEGIN IMMEDIATE takes the write lock up front, so check-then-insert cannot race another writer.
  class Transaction {
   public:
    explicit Transaction(SqliteRegistry& r) : r_(r) { r_.exec("BEGIN IMMEDIATE"); }
    ~Transaction() {
      if (!done_) sqlite3_exec(r_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    void commit() {
      r_.exec("COMMIT");
      done_ = true;
    }

   private:
    SqliteRegistry& r_;
    bool done_ = false;
  };

  void exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message ? message : sqlite3_errmsg(db_);
      sqlite3_free(message);
      throw Error(ErrorCode::io_error, "registry " + file_ + ": " + text);
    }
  }

  std::optional<std::string> stored(std::string_view app, std::string_view version) const {
    Statement s(db_, "SELECT document FROM manifests WHERE app = ?1 AND version = ?2", file_);
    s.bind(1, app).bind(2, version);
    if (!s.step()) return std::nullopt;
    return s.text(0);
  }

  std::string file_;
  sqlite3* db_ = nullptr;
};

}  // namespace

std::unique_ptr<Registry> open_sqlite_registry(const std::string& file, const RegistryOptions& options) {
  return std::make_unique<SqliteRegistry>(file, options);
}

}  // namespace mfstate
