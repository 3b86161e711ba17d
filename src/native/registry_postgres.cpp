// The PostgreSQL registry: the SQLite registry's content in a database any number of
// `registry serve` processes share (behind a load balancer). The guarantees rest on the
// database, not on the processes:
//   mfstate_manifests(app, version, document, published_at)     PRIMARY KEY (app, version)
//   mfstate_deployments(environment, app, version, deployed_at) PRIMARY KEY (environment, app),
//       FOREIGN KEY (app, version) REFERENCES mfstate_manifests
// A publish is one INSERT … ON CONFLICT DO NOTHING: of concurrent publishers of one version the
// primary key lets exactly one insert; the others then read the winner's document and compare.
// A deploy is one upsert whose foreign key refuses a version that is not published. Each
// statement is its own transaction, so a failure changes nothing.
#include <libpq-fe.h>

#include <algorithm>
#include <memory>

#include "mfstate/registry.hpp"
#include "registry_detail.hpp"

namespace mfstate {

namespace {

// "postgresql://user:secret@host/db?password=x&sslmode=require" ->
// "postgresql://user@host/db?sslmode=require": what messages show.
std::string without_password(const std::string& url) {
  const std::size_t question = url.find('?');
  std::string base = url.substr(0, question);
  const std::size_t start = base.find("://") == std::string::npos ? 0 : base.find("://") + 3;
  const std::size_t at = base.find('@', start);
  if (at != std::string::npos) {
    const std::size_t colon = base.find(':', start);
    if (colon != std::string::npos && colon < at) base.erase(colon, at - colon);
  }
  if (question == std::string::npos) return base;
  std::string kept;
  std::size_t from = question + 1;
  while (from <= url.size()) {
    std::size_t amp = url.find('&', from);
    if (amp == std::string::npos) amp = url.size();
    const std::string param = url.substr(from, amp - from);
    if (!param.empty() && param.rfind("password=", 0) != 0) kept += (kept.empty() ? "" : "&") + param;
    from = amp + 1;
  }
  return kept.empty() ? base : base + "?" + kept;
}

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

constexpr const char* schema_sql =
    "SELECT pg_advisory_xact_lock(7193145127163812001);"  // two servers starting at once
    "CREATE TABLE IF NOT EXISTS mfstate_manifests ("
    " app text NOT NULL, version text NOT NULL, document text NOT NULL,"
    " published_at timestamptz NOT NULL DEFAULT now(),"
    " PRIMARY KEY (app, version));"
    "CREATE TABLE IF NOT EXISTS mfstate_deployments ("
    " environment text NOT NULL, app text NOT NULL, version text NOT NULL,"
    " deployed_at timestamptz NOT NULL DEFAULT now(),"
    " PRIMARY KEY (environment, app),"
    " FOREIGN KEY (app, version) REFERENCES mfstate_manifests (app, version));";

class PostgresRegistry final : public Registry {
 public:
  PostgresRegistry(const std::string& url, const RegistryOptions& options)
      : location_(without_password(url)), timeout_ms_(options.timeout_ms) {
    // The URL's own parameters come last, so they win over these defaults.
    const std::string timeout_s = std::to_string(std::max(1, (options.timeout_ms + 999) / 1000));
    const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
    const char* values[] = {timeout_s.c_str(), "mfstate-registry", url.c_str(), nullptr};
    conn_ = PQconnectdbParams(keys, values, 1);
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
      const std::string message = conn_ ? PQerrorMessage(conn_) : "out of memory";
      PQfinish(conn_);
      throw Error(ErrorCode::io_error, "registry " + location_ + ": cannot connect: " + trimmed(message));
    }
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);  // "already exists, skipping"
    try {
      set_timeouts();
      if (options.create) {
        Result r(PQexec(conn_, ("BEGIN;" + std::string(schema_sql) + "COMMIT;").c_str()));
        if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
          const std::string message = PQresultErrorMessage(r.get());
          Result rollback(PQexec(conn_, "ROLLBACK"));
          throw failure("cannot create the tables", message);
        }
      } else {
        Result r = query(
            "SELECT to_regclass('mfstate_manifests') IS NOT NULL AND "
            "to_regclass('mfstate_deployments') IS NOT NULL",
            {});
        if (std::string(PQgetvalue(r.get(), 0, 0)) != "t") {
          throw Error(ErrorCode::io_error,
                      "registry " + location_ +
                          ": the database has no mfstate tables (publish or registry serve "
                          "creates them; check the --registry URL)");
        }
      }
    } catch (...) {
      PQfinish(conn_);
      throw;
    }
  }
  ~PostgresRegistry() override { PQfinish(conn_); }

  std::string location() const override { return location_; }

  bool publish(const Manifest& manifest) override {
    detail::require_app_version(manifest.name, manifest.version);
    const Value document = manifest.to_value();
    const std::string text = document.to_json();
    detail::require_storable(text.size(), location_, manifest.name, manifest.version);
    Result inserted = query(
        "INSERT INTO mfstate_manifests (app, version, document) VALUES ($1, $2, $3)"
        " ON CONFLICT (app, version) DO NOTHING RETURNING 1",
        {manifest.name, manifest.version, text});
    if (PQntuples(inserted.get()) == 1) return true;
    auto existing = stored(manifest.name, manifest.version);
    if (existing &&
        detail::parse_stored_document(*existing, location_, manifest.name, manifest.version) == document)
      return false;
    throw detail::already_published(location_, manifest.name, manifest.version);
  }

  std::vector<std::string> apps() const override {
    Result r = query("SELECT DISTINCT app FROM mfstate_manifests", {});
    return sorted_column(r.get());
  }

  std::vector<std::string> versions(std::string_view app) const override {
    detail::require_app_name(app);
    Result r = query("SELECT version FROM mfstate_manifests WHERE app = $1", {std::string(app)});
    std::vector<std::string> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      std::string v = PQgetvalue(r.get(), i, 0);
      if (is_semver(v)) out.push_back(std::move(v));
    }
    detail::sort_by_semver(out);
    return out;
  }

  std::optional<Manifest> manifest(std::string_view app, std::string_view version) const override {
    detail::require_app_version(app, version);
    auto text = stored(app, version);
    if (!text) return std::nullopt;
    return detail::stored_manifest(detail::parse_stored_document(*text, location_, app, version), location_,
                                   app, version);
  }

  void deploy(std::string_view app, std::string_view version, std::string_view environment) override {
    detail::require_app_version(app, version);
    detail::require_environment_name(environment);
    try {
      query(
          "INSERT INTO mfstate_deployments (environment, app, version) VALUES ($1, $2, $3)"
          " ON CONFLICT (environment, app) DO UPDATE SET version = excluded.version, deployed_at = now()",
          {std::string(environment), std::string(app), std::string(version)});
    } catch (const ForeignKeyViolation&) {
      throw detail::not_published(location_, app, version);
    }
  }

  std::map<std::string, std::string> deployed(std::string_view environment) const override {
    detail::require_environment_name(environment);
    Result r = query("SELECT app, version FROM mfstate_deployments WHERE environment = $1",
                     {std::string(environment)});
    std::map<std::string, std::string> out;
    for (int i = 0; i < PQntuples(r.get()); ++i)
      out.emplace(PQgetvalue(r.get(), i, 0), PQgetvalue(r.get(), i, 1));
    return out;
  }

  std::vector<std::string> environments() const override {
    Result r = query("SELECT DISTINCT environment FROM mfstate_deployments", {});
    return sorted_column(r.get());
  }

 private:
  struct ForeignKeyViolation {};

  // No statement waits on a lock or runs longer than the registry's timeout: a stuck database
  // becomes an error, not a hung pipeline. Set again after every reconnection.
  void set_timeouts() const {
    const std::string ms = std::to_string(timeout_ms_);
    Result r(PQexec(conn_, ("SET statement_timeout = " + ms + "; SET lock_timeout = " + ms).c_str()));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
      throw failure("cannot set its timeouts", PQresultErrorMessage(r.get()));
  }

  static std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }

  Error failure(const std::string& doing, const std::string& message) const {
    return Error(ErrorCode::io_error, "registry " + location_ + ": " + doing + ": " + trimmed(message));
  }

  // Runs one parameterised statement (its own transaction). A connection the server dropped is
  // re-opened once and the statement retried: each is idempotent or reports what it found.
  Result query(const char* sql, const std::vector<std::string>& params) const {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p.c_str());
    for (int attempt = 0;; ++attempt) {
      if (PQstatus(conn_) != CONNECTION_OK) {
        PQreset(conn_);
        if (PQstatus(conn_) == CONNECTION_OK) set_timeouts();
      }
      Result r(PQexecParams(conn_, sql, static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                            nullptr, 0));
      const ExecStatusType status = PQresultStatus(r.get());
      if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) return r;
      const char* state = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE);
      if (state && std::string_view(state) == "23503") throw ForeignKeyViolation{};
      if (attempt == 0 && PQstatus(conn_) != CONNECTION_OK) continue;
      throw failure("PostgreSQL", r ? PQresultErrorMessage(r.get()) : PQerrorMessage(conn_));
    }
  }

  std::optional<std::string> stored(std::string_view app, std::string_view version) const {
    Result r = query("SELECT document FROM mfstate_manifests WHERE app = $1 AND version = $2",
                     {std::string(app), std::string(version)});
    if (PQntuples(r.get()) == 0) return std::nullopt;
    return std::string(PQgetvalue(r.get(), 0, 0), static_cast<std::size_t>(PQgetlength(r.get(), 0, 0)));
  }

  // Sorted here, not by ORDER BY, so the order is bytewise whatever the database's collation.
  static std::vector<std::string> sorted_column(PGresult* r) {
    std::vector<std::string> out;
    for (int i = 0; i < PQntuples(r); ++i) out.emplace_back(PQgetvalue(r, i, 0));
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string location_;
  int timeout_ms_;
  PGconn* conn_ = nullptr;
};

}  // namespace

std::unique_ptr<Registry> open_postgres_registry(const std::string& url, const RegistryOptions& options) {
  return std::make_unique<PostgresRegistry>(url, options);
}

}  // namespace mfstate
