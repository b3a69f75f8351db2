// PostgresDriver's schema snapshots (postgres_driver.h): reading them from the catalogs, recording
// their hash in the strata_log row of each step and stamp, and the scratch databases that
// `verify` and `diff` replay the migrations in.
#include <fmt/format.h>

#include <string>
#include <utility>
#include <vector>

#include "core/bookkeeping_sql.h"
#include "core/sql_quote.h"
#include "driver/postgres/catalog_snapshot.h"
#include "driver/postgres/pg_error.h"
#include "driver/postgres/pg_handles.h"
#include "driver/postgres/postgres_driver.h"
#include "strata/url.h"

namespace strata::pg {
namespace {

// Prepared once per connection, next to postgres_driver.cc's statements.
constexpr const char* kInsertLogWithHash = "strata_log_insert_with_hash";

// Set before the snapshot statements run, in their transaction (catalog_snapshot.h).
constexpr const char* kCatalogSearchPath = "SET LOCAL search_path = pg_catalog";

// A value of a libpq keyword string: single-quoted, with ' and \ escaped by a backslash.
std::string ConninfoValue(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// A keyword string that opens database `name` on the server `url` names, with everything else
// `url` sets (user, password, host, port, sslmode, ...) kept.
Result<std::string> ConninfoWithDatabase(const std::string& url, const std::string& name) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    std::string why = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    return Status::Usage(fmt::format("cannot read the connection settings of {}: {}",
                                     RedactUrl(url), RedactSecrets(why, url)));
  }
  std::string out;
  for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || std::string_view(o->keyword) == "dbname") continue;
    out += fmt::format("{}={} ", o->keyword, ConninfoValue(o->val));
  }
  PQconninfoFree(options);
  return out + "dbname=" + ConninfoValue(name);
}

}  // namespace

Params PostgresDriver::SnapshotSettings() const {
  return {resolved_version_table_.empty() ? version_table_ : resolved_version_table_,
          resolved_log_table_.empty() ? log_table_ : resolved_log_table_, options_.version_schema};
}

Status PostgresDriver::ReadCatalog(Pipeline& pipeline, const std::vector<const std::string*>& sqls,
                                   std::vector<int>* items) {
  // One transaction, so that several statements see one state of the catalogs; read-only, so
  // that looking can never change anything (and works on a standby).
  pipeline.Query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", {}, kControl);
  pipeline.Query(SnapshotSettingsSql(), SnapshotSettings(), kControl);
  pipeline.Query(kCatalogSearchPath, {}, kControl);
  for (const std::string* sql : sqls) {
    items->push_back(pipeline.Query(*sql, {}, kControl));
    pipeline.KeepResult(items->back());
  }
  pipeline.Query("COMMIT", {}, kControl);
  Status sent = pipeline.Run();
  if (sent.ok() && pipeline.failed_item() < 0) return Status::Ok();
  session_->RollbackIfOpen();
  if (!sent.ok()) return sent;
  return QueryFailed("reading the schema from the catalogs", pipeline.failed_result(),
                     session_->conn(), session_->url());
}

Result<SchemaSnapshot> PostgresDriver::Snapshot() {
  // The server's hash is the one steps record. When the database and the connection are both
  // UTF-8 (the usual case) it is exactly the one computed here from the rows, and reading the
  // catalogs once is enough; otherwise the server computes it too, so that `schema` shows what
  // strata_log holds.
  auto utf8 = [this](const char* setting) {
    const char* value = PQparameterStatus(session_->conn(), setting);
    return value != nullptr && (std::string_view(value) == "UTF8");
  };
  const bool server_hash = !utf8("server_encoding") || !utf8("client_encoding");
  Pipeline pipeline(*session_);
  std::vector<int> items;
  std::vector<const std::string*> sqls = {&SnapshotObjectsSql()};
  if (server_hash) sqls.push_back(&SnapshotHashSql());
  STRATA_RETURN_IF_ERROR(ReadCatalog(pipeline, sqls, &items));
  ResultPtr kept = pipeline.TakeResult(items[0]);
  const PGresult* rows = kept.get();
  std::vector<SchemaObject> objects;
  objects.reserve(static_cast<size_t>(PQntuples(rows)));
  for (int i = 0; i < PQntuples(rows); ++i) {
    objects.push_back({CellText(rows, i, 0), CellText(rows, i, 1), CellText(rows, i, 2)});
  }
  SchemaSnapshot snapshot = MakeSnapshot(dialect(), std::move(objects));
  if (server_hash) snapshot.hash = CellText(pipeline.TakeResult(items[1]).get(), 0, 0);
  return snapshot;
}

Result<std::string> PostgresDriver::SchemaHash() {
  Pipeline pipeline(*session_);
  std::vector<int> items;
  STRATA_RETURN_IF_ERROR(ReadCatalog(pipeline, {&SnapshotHashSql()}, &items));
  return CellText(pipeline.TakeResult(items[0]).get(), 0, 0);
}

Status PostgresDriver::EnsureTables() {
  STRATA_RETURN_IF_ERROR(CreateMissingTables());
  return PrepareSchemaHash();
}

Status PostgresDriver::PrepareSchemaHash() {
  if (hash_checked_ || !options_.record_schema_hash) return Status::Ok();
  auto found = session_->Exec(
      "looking for strata_log.schema_hash",
      "SELECT (SELECT pg_catalog.quote_ident(n.nspname) || '.' || "
      "pg_catalog.quote_ident(c.relname) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace "
      "n ON n.oid = c.relnamespace WHERE c.oid = pg_catalog.to_regclass($1)), "
      "(SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) "
      "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.oid = pg_catalog.to_regclass($2)), EXISTS (SELECT 1 FROM pg_catalog.pg_attribute "
      "WHERE attrelid = pg_catalog.to_regclass($2) AND attname = 'schema_hash' AND NOT "
      "attisdropped), (" +
          UnreadableCatalogsSql() + ")",
      {version_table_, log_table_});
  if (!found.ok()) return found.status();
  if (PQgetisnull(found->get(), 0, 1)) return Status::Ok();  // no strata_log (yet)
  hash_checked_ = true;
  resolved_version_table_ = CellText(found->get(), 0, 0);
  resolved_log_table_ = CellText(found->get(), 0, 1);
  const bool has_column = CellText(found->get(), 0, 2) == "t";
  // A strata_log made before the column existed gets it in place, nullable: its rows, and
  // Alembic, are unaffected. A role that may migrate but does not own strata_log cannot add it;
  // that must not stop a deploy, so the steps then go unrecorded and the user is told why.
  auto go_on_without = [this](const std::string& why) {
    if (options_.on_wait) {
      options_.on_wait(fmt::format(
          "strata: not recording schema hashes in {}: {}; `strata status` cannot report schema "
          "drift until the table's owner runs `{};`",
          resolved_log_table_, why, PostgresAddSchemaHashDdl(resolved_log_table_)));
    }
    return Status::Ok();
  };
  // A step whose bookkeeping cannot read a catalog would fail: better no hash than no deploy.
  if (std::string catalogs = CellText(found->get(), 0, 3); !catalogs.empty()) {
    return go_on_without("this role may not read the catalogs " + catalogs);
  }
  if (!has_column) {
    ResultPtr r = session_->ExecRaw(PostgresAddSchemaHashDdl(resolved_log_table_));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      PgError error = ReadPgError(r.get(), session_->conn());
      if (KindOfPgError(error, session_->conn()) == ErrorKind::kConnection) {
        return QueryFailed("adding strata_log.schema_hash", r.get(), session_->conn(),
                           session_->url());
      }
      return go_on_without("adding its schema_hash column failed: " +
                           RedactSecrets(FormatPgError(error), session_->url()));
    }
  }
  // Fully qualified: the statement runs after search_path was set to pg_catalog.
  Pipeline pipeline(*session_);
  pipeline.Prepare(kInsertLogWithHash, LogInsertSql(resolved_log_table_, SnapshotHashSql()),
                   kPrepare);
  STRATA_RETURN_IF_ERROR(pipeline.Run());
  if (pipeline.failed_item() >= 0) {
    // A server too old for the catalog statement (before PostgreSQL 12) or one that refuses it.
    return go_on_without(
        "this server cannot run strata's catalog query: " +
        RedactSecrets(FormatPgError(ReadPgError(pipeline.failed_result(), session_->conn())),
                      session_->url()));
  }
  record_hash_ = true;
  return Status::Ok();
}

void PostgresDriver::AddDoneLogRow(Pipeline& pipeline, const LogRow& row, bool with_hash) {
  if (!record_hash_ || !with_hash) {
    AddLogRow(pipeline, row);
    return;
  }
  // Last in the step's transaction, after its statements and version changes: SET LOCAL ends
  // with the transaction, and only fully qualified statements run after it.
  pipeline.Query(SnapshotSettingsSql(), SnapshotSettings(), kLogRow);
  pipeline.Query(kCatalogSearchPath, {}, kLogRow);
  pipeline.Prepared(kInsertLogWithHash, LogRowParams(row), kLogRow);
}

Result<std::optional<RecordedSchema>> PostgresDriver::LastRecordedSchema() {
  auto found =
      session_->Exec("looking for strata_log.schema_hash",
                     "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute WHERE attrelid = "
                     "pg_catalog.to_regclass($1) AND attname = 'schema_hash' AND NOT attisdropped)",
                     {log_table_});
  if (!found.ok()) return found.status();
  if (CellText(found->get(), 0, 0) != "t") return std::optional<RecordedSchema>();
  // The newest step that left the schema as it should be now: later rows are accepts (which
  // change nothing) and failures (which are drift until resolved).
  auto r = session_->Exec(
      "reading strata_log",
      fmt::format("SELECT id, revision, direction, to_char(started_at AT TIME ZONE 'UTC', "
                  "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), coalesce(schema_hash, '') FROM {} WHERE "
                  "status = 'done' AND direction IN ('upgrade', 'downgrade', 'stamp') ORDER BY "
                  "id DESC LIMIT 1",
                  log_table_));
  if (!r.ok()) return r.status();
  if (PQntuples(r->get()) == 0) return std::optional<RecordedSchema>();
  const PGresult* row = r->get();
  return std::optional<RecordedSchema>(RecordedSchema{std::stoll(CellText(row, 0, 0)),
                                                      CellText(row, 0, 1), CellText(row, 0, 2),
                                                      CellText(row, 0, 3), CellText(row, 0, 4)});
}

Result<std::string> PostgresDriver::CreateScratchDatabase(const std::string& name) {
  auto created = session_->Exec(fmt::format("creating scratch database {}", name),
                                "CREATE DATABASE " + QuoteIdentifier(name));
  if (!created.ok()) {
    return Status(created.status())
        .WithHint(
            "the role of the scratch URL needs the CREATEDB privilege; pass --scratch-url with "
            "one that has it (e.g. a throwaway server's postgres user)");
  }
  return ConninfoWithDatabase(session_->url(), name);
}

Status PostgresDriver::DropScratchDatabase(const std::string& name) {
  auto dropped =
      session_->Exec(fmt::format("dropping scratch database {}", name),
                     "DROP DATABASE IF EXISTS " + QuoteIdentifier(name) + " WITH (FORCE)");
  return dropped.ok() ? Status::Ok() : dropped.status();
}

}  // namespace strata::pg
