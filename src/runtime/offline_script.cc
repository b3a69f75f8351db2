// Offline SQL (offline.h): plans from a FROM given on the command line and renders the script a
// live run would execute, statement for statement where the text is strata's own.
#include <fmt/format.h>

#include <cctype>
#include <string>
#include <vector>

#include "core/bookkeeping_sql.h"
#include "core/sql_quote.h"
#include "strata/driver.h"
#include "strata/migrator.h"
#include "strata/offline.h"

namespace strata {
namespace {

// Comment text on one line: a revision message never spans lines, but be sure.
std::string OneLine(std::string_view text) {
  std::string out;
  for (char c : text) out += (c == '\n' || c == '\r') ? ' ' : c;
  return out;
}

// True when the last statement of `sql` is not terminated by ';' (blanks and comments after
// it ignored), so that the script's own statements cannot be glued onto it. Skips string
// literals, quoted identifiers, dollar-quoted bodies and comments, where a ';' means nothing.
bool NeedsTerminator(std::string_view sql) {
  char last = 0;
  size_t i = 0;
  const size_t n = sql.size();
  while (i < n) {
    char c = sql[i];
    if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      size_t eol = sql.find('\n', i);
      i = eol == std::string_view::npos ? n : eol + 1;
      continue;
    }
    if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      int depth = 0;  // PostgreSQL nests block comments
      while (i < n) {
        if (sql[i] == '/' && i + 1 < n && sql[i + 1] == '*') {
          ++depth;
          i += 2;
        } else if (sql[i] == '*' && i + 1 < n && sql[i + 1] == '/') {
          i += 2;
          if (--depth == 0) break;
        } else {
          ++i;
        }
      }
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (c == '\'' || c == '"') {
      size_t close = sql.find(c, i + 1);
      i = close == std::string_view::npos ? n : close + 1;
      last = c;
      continue;
    }
    if (c == '$') {
      size_t j = i + 1;
      while (j < n && (std::isalnum(static_cast<unsigned char>(sql[j])) || sql[j] == '_')) ++j;
      bool is_tag = j < n && sql[j] == '$' &&
                    (j == i + 1 || !std::isdigit(static_cast<unsigned char>(sql[i + 1])));
      if (is_tag) {
        std::string_view tag = sql.substr(i, j + 1 - i);
        size_t close = sql.find(tag, j + 1);
        i = close == std::string_view::npos ? n : close + tag.size();
        last = '$';
        continue;
      }
    }
    last = c;
    ++i;
  }
  return last != 0 && last != ';';
}

class ScriptWriter {
 public:
  explicit ScriptWriter(const OfflineOptions& o)
      : o_(o),
        pg_(o.dialect == SqlDialect::kPostgres),
        table_(Qualified(o.version_table)),
        log_(Qualified("strata_log")),
        lock_key_(MigrationLockKey(o.version_schema.empty() ? "public" : o.version_schema,
                                   o.version_table)) {}

  std::string Render(const Plan& plan) {
    const char* direction =
        !plan.steps.empty() && plan.steps.front().direction == Direction::kDowngrade ? "downgrade"
                                                                                     : "upgrade";
    Line(fmt::format("-- {} script from strata {} for {}: {} -> {}", direction, StrataVersion(),
                     pg_ ? "PostgreSQL" : "SQLite", RevisionList(plan.heads_before),
                     RevisionList(plan.heads_after)));
    Line(pg_ ? "-- Run with: psql -X -v ON_ERROR_STOP=1 -f FILE"
             : "-- Run with: sqlite3 -bail DATABASE < FILE");
    Line("");
    if (pg_) {
      // The lock a live run takes, so a script and `strata upgrade` never run at once.
      Line(fmt::format("-- strata's migration lock on {}{}", table_,
                       o_.version_schema.empty()
                           ? " (key for schema public; a live run uses current_schema())"
                           : ""));
      // In a DO block, so that psql prints no result table in the middle of its output.
      Line(fmt::format("DO $$ BEGIN PERFORM pg_advisory_lock({}); END $$;", lock_key_));
      Line("");
      if (!o_.version_schema.empty()) {
        Line(fmt::format("CREATE SCHEMA IF NOT EXISTS {};", QuoteIdentifier(o_.version_schema)));
      }
    }
    Line(VersionTableDdl(table_, QuoteIdentifier(o_.version_table + "_pkc")));
    Line(pg_ ? PostgresLogTableDdl(log_) : SqliteLogTableDdl(log_));
    for (const Step& step : plan.steps) StepSql(step);
    if (pg_) {
      Line("");
      Line(fmt::format("DO $$ BEGIN PERFORM pg_advisory_unlock({}); END $$;", lock_key_));
    }
    return std::move(out_);
  }

 private:
  std::string Qualified(std::string_view name) const {
    return QualifiedName(o_.dialect == SqlDialect::kPostgres ? o_.version_schema : "", name);
  }

  void Line(std::string_view text) {
    out_ += text;
    out_ += '\n';
  }

  void Begin() { Line(pg_ ? "BEGIN;" : "BEGIN IMMEDIATE;"); }

  void StepSql(const Step& step) {
    if (step.revision == nullptr) return;
    const Revision& rev = *step.revision;
    const SqlSection& section = step.section();
    const char* direction = step.direction == Direction::kUpgrade ? "upgrade" : "downgrade";
    Line("");
    Line(fmt::format("-- Running {} {} -> {}, {}", direction, RevisionList(step.from_ids),
                     RevisionList(step.to_ids), OneLine(rev.message)));
    if (!rev.path.empty()) {
      Line(section.first_line > 0 ? fmt::format("-- {}:{}", rev.path, section.first_line)
                                  : fmt::format("-- {}", rev.path));
    }
    const std::vector<RevisionSetting> settings =
        pg_ ? RevisionSettings(o_.statement_lock_timeout, o_.statement_timeout)
            : std::vector<RevisionSetting>();
    if (rev.transactional) {
      Line("");
      Begin();
      for (const RevisionSetting& s : settings) {
        Line(fmt::format("SET LOCAL {} = {};", s.name, s.ms));
      }
    } else {
      Line("-- Transactional: false; its statements run one by one outside a transaction");
      for (const RevisionSetting& s : settings) Line(fmt::format("SET {} = {};", s.name, s.ms));
    }
    if (SkipBlank(section.sql)) {
      Line("");
      out_ += section.sql;
      if (out_.back() != '\n') out_ += '\n';
      if (NeedsTerminator(section.sql)) Line(";");
    }
    if (!rev.transactional) {
      for (const RevisionSetting& s : settings) Line(fmt::format("RESET {};", s.name));
      Line("");
      Begin();
    }
    Line("");
    for (const VersionChange& c : step.version_changes) {
      switch (c.kind) {
        case VersionChange::Kind::kInsert:
          Line(
              fmt::format("INSERT INTO {} (version_num) VALUES ({});", table_, QuoteLiteral(c.to)));
          break;
        case VersionChange::Kind::kDelete:
          Line(fmt::format("DELETE FROM {} WHERE version_num = {};", table_, QuoteLiteral(c.from)));
          break;
        case VersionChange::Kind::kUpdate:
          Line(fmt::format("UPDATE {} SET version_num = {} WHERE version_num = {};", table_,
                           QuoteLiteral(c.to), QuoteLiteral(c.from)));
          break;
      }
    }
    // The same row a live run writes, so `status` can later tell whether the file changed.
    std::string started = pg_ ? "now()" : "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')";
    std::string duration =
        pg_ ? "(extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint" : "0";
    std::string applied_by = pg_ ? "current_user || ' (offline script)'" : "'offline script'";
    Line(fmt::format(
        "INSERT INTO {} (revision, direction, status, checksum, started_at, duration_ms, "
        "applied_by, strata_version, error) VALUES ({}, '{}', 'done', '{}', {}, {}, {}, {}, NULL);",
        log_, QuoteLiteral(rev.id), direction, SectionChecksum(section.sql), started, duration,
        applied_by, QuoteLiteral(StrataVersion())));
    Line("");
    Line("COMMIT;");
  }

  // True when the section holds anything but blanks (comments alone still go out: a reviewer
  // reads them).
  static bool SkipBlank(std::string_view sql) {
    for (char c : sql) {
      if (!std::isspace(static_cast<unsigned char>(c))) return true;
    }
    return false;
  }

  const OfflineOptions& o_;
  bool pg_;
  std::string table_;
  std::string log_;
  int64_t lock_key_;
  std::string out_;
};

Result<std::vector<std::string>> StartingHeads(const RevisionGraph& graph, std::string_view from) {
  std::vector<std::string> heads;
  if (from == "base" || from.empty()) return heads;
  if (from == "head" || from == "heads") {
    std::vector<const Revision*> all = graph.Heads();
    if (from == "head" && all.size() > 1) {
      std::string names;
      for (const Revision* r : all) names += (names.empty() ? "" : ", ") + r->id;
      return Status::Usage("'head' is ambiguous as a starting point: the files have " +
                           std::to_string(all.size()) + " heads (" + names + ")")
          .WithHint("start from 'heads' or name a revision: FROM:TO");
    }
    for (const Revision* r : all) heads.push_back(r->id);
    return heads;
  }
  Result<const Revision*> rev = graph.Resolve(from);
  if (!rev.ok()) return rev.status();
  heads.push_back((*rev)->id);
  return heads;
}

}  // namespace

Result<SqlDialect> ParseSqlDialect(std::string_view name) {
  if (name == "postgresql" || name == "postgres") return SqlDialect::kPostgres;
  if (name == "sqlite") return SqlDialect::kSqlite;
  return Status::Usage(fmt::format("unknown dialect '{}'", name))
      .WithHint("use --dialect postgresql or --dialect sqlite");
}

Result<Plan> PlanOffline(const RevisionGraph& graph, Direction direction, std::string_view range) {
  size_t colon = range.find(':');
  std::string_view from = colon == std::string_view::npos ? "" : range.substr(0, colon);
  std::string_view to = colon == std::string_view::npos ? range : range.substr(colon + 1);
  if (direction == Direction::kDowngrade && colon == std::string_view::npos) {
    return Status::Usage(
               fmt::format(
                   "downgrade --sql needs a starting point, since no database is read: FROM:{}",
                   to))
        .WithHint(fmt::format("e.g. `strata downgrade head:{} --sql`", to));
  }
  if (to.empty()) to = direction == Direction::kUpgrade ? "head" : "base";
  Result<std::vector<std::string>> start = StartingHeads(graph, from);
  if (!start.ok()) return start.status();
  return direction == Direction::kUpgrade ? PlanUpgrade(graph, *start, to)
                                          : PlanDowngrade(graph, *start, to);
}

std::string RenderOfflineScript(const Plan& plan, const OfflineOptions& options) {
  return ScriptWriter(options).Render(plan);
}

}  // namespace strata
