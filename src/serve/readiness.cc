// ReadReadiness (serve.h): compatible means every revision in the files is applied; the
// database may be ahead of them (a newer build's revisions, told apart from unknown ones by
// strata_log).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <ctime>
#include <set>
#include <thread>

#include "core/bookkeeping_sql.h"
#include "strata/backup.h"
#include "strata/plan.h"
#include "strata/serve.h"

namespace strata {
namespace {

std::optional<double> ParseUtc(const std::string& iso) {
  std::tm tm{};
  if (!strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return std::nullopt;
  return static_cast<double>(timegm(&tm));
}

// Who holds the migration lock (PostgreSQL's advisory lock, migration_lock.h), if anyone.
Result<std::optional<LockHolder>> ReadLockHolder(Driver& driver, const std::string& version_table,
                                                 const std::string& version_schema) {
  std::string schema = version_schema;
  if (schema.empty()) {
    Result<Driver::Rows> rows = driver.Query("SELECT current_schema()");
    if (!rows.ok()) return rows.status();
    schema = rows->at(0).at(0).value_or("public");
  }
  uint64_t key = static_cast<uint64_t>(MigrationLockKey(schema, version_table));
  // A bigint advisory key is stored as classid (high half), objid (low half), objsubid 1.
  Result<Driver::Rows> rows = driver.Query(fmt::format(
      "SELECT l.pid, coalesce(a.application_name, ''), "
      "extract(epoch FROM now() - coalesce(a.backend_start, now()))::float8 "
      "FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
      "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
      "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
      "AND l.classid::int8 = {} AND l.objid::int8 = {} LIMIT 1",
      key >> 32, key & 0xffffffffu));
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<LockHolder>();
  LockHolder h;
  h.pid = std::stoi(rows->at(0).at(0).value_or("0"));
  h.application_name = rows->at(0).at(1).value_or("");
  h.held_seconds = std::stod(rows->at(0).at(2).value_or("0"));
  return std::optional<LockHolder>(h);
}

}  // namespace

bool Readiness::ready() const { return state() == "ready"; }

std::string Readiness::state() const {
  if (!dirty.empty()) return "dirty";
  if (!unknown_heads.empty() && !ahead) return "unknown";
  if (lock_held_too_long) return "locked";
  if (!pending.empty()) return "pending";
  return "ready";
}

std::string Readiness::reason() const {
  std::string s = state();
  if (s == "dirty") {
    return fmt::format(
        "revision {} failed part way (non-transactional); repair by hand, then "
        "`strata stamp`",
        fmt::join(dirty, ", "));
  }
  if (s == "unknown") {
    return fmt::format(
        "the version table names {}, which no file defines and strata_log never "
        "applied",
        fmt::join(unknown_heads, ", "));
  }
  if (s == "locked") {
    return fmt::format("the migration lock is held by pid {} ({}) for up to {:.0f} s",
                       lock_holder->pid, lock_holder->application_name, lock_holder->held_seconds);
  }
  if (s == "pending") {
    return fmt::format("{} revision(s) pending: {}", pending.size(), fmt::join(pending, ", "));
  }
  return ahead ? "every revision in the files is applied; the database is ahead of them"
               : "every revision in the files is applied";
}

Result<Readiness> ReadReadiness(Driver& driver, const RevisionGraph& graph,
                                const std::string& version_table, const std::string& version_schema,
                                std::chrono::seconds lock_threshold) {
  Readiness r;
  Result<std::vector<std::string>> current = driver.ReadVersions();
  if (!current.ok()) return current.status();
  r.current = *current;
  for (const Revision* h : graph.Heads()) r.heads.push_back(h->id);

  std::vector<std::string> known;
  for (const std::string& id : r.current) {
    (graph.Find(id) ? known : r.unknown_heads).push_back(id);
  }
  Result<std::vector<const Revision*>> pending = PendingRevisions(graph, known);
  if (!pending.ok()) return pending.status();
  if (r.unknown_heads.empty()) {
    for (const Revision* p : *pending) r.pending.push_back(p->id);
  } else {
    // Ahead or unknown: strata_log tells. A revision strata applied (and did not undo) is one
    // from a newer build; the files' revisions must all be applied too.
    Result<std::vector<AppliedRevision>> applied = ReadAppliedRevisions(driver);
    if (!applied.ok()) return applied.status();
    std::set<std::string> applied_ids;
    for (const AppliedRevision& a : *applied) applied_ids.insert(a.revision);
    r.ahead = true;
    for (const std::string& u : r.unknown_heads) {
      if (!applied_ids.count(u)) r.ahead = false;
    }
    for (const Revision* p : *pending) {
      if (!applied_ids.count(p->id)) r.pending.push_back(p->id);
    }
  }

  Result<std::vector<LogEntry>> failures = driver.UnresolvedFailures();
  if (!failures.ok()) return failures.status();
  for (const LogEntry& f : *failures) r.dirty.push_back(f.revision);

  if (std::string(driver.dialect()) == "postgresql") {
    Result<std::optional<LockHolder>> holder =
        ReadLockHolder(driver, version_table, version_schema);
    if (!holder.ok()) return holder.status();
    r.lock_holder = *holder;
    r.lock_held_too_long =
        r.lock_holder && r.lock_holder->held_seconds >= static_cast<double>(lock_threshold.count());
  }

  Result<std::vector<LogEntry>> log = driver.ReadLog(50);
  if (!log.ok()) return log.status();
  for (const LogEntry& e : *log) {
    if (e.status != "done" || (e.direction != "upgrade" && e.direction != "downgrade")) continue;
    if (std::optional<double> started = ParseUtc(e.started_at)) {
      r.last_migration_unix = *started + static_cast<double>(e.duration_ms) / 1000.0;
      r.last_migration_duration_seconds = static_cast<double>(e.duration_ms) / 1000.0;
    }
    break;
  }
  Result<std::optional<int64_t>> size = driver.DatabaseSize();
  if (!size.ok()) return size.status();
  r.database_size_bytes = *size;
  return r;
}

WaitForHeadResult WaitForHead(const std::function<Result<std::unique_ptr<Driver>>()>& open,
                              const RevisionGraph& graph, const std::string& version_table,
                              const std::string& version_schema, std::chrono::milliseconds limit) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + limit;
  WaitForHeadResult result;
  std::unique_ptr<Driver> db;
  // The lock is not what `check` asks about: a threshold no lock reaches.
  const std::chrono::seconds no_lock_threshold(int64_t{1} << 40);
  while (true) {
    ++result.polls;
    if (!db) {
      Result<std::unique_ptr<Driver>> opened = open();
      if (opened.ok()) {
        db = std::move(opened).value();
      } else {
        result.last_error = opened.status();
      }
    }
    if (db) {
      Result<Readiness> r =
          ReadReadiness(*db, graph, version_table, version_schema, no_lock_threshold);
      if (r.ok()) {
        result.readiness = std::move(r).value();
        if (result.readiness->at_head()) return result;
      } else {
        result.last_error = r.status();
        db.reset();
      }
    }
    auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) return result;
    // Poll once a second, never past the deadline.
    std::this_thread::sleep_for(std::min<Clock::duration>(left, std::chrono::seconds(1)));
  }
}

std::string EscapeLabelValue(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string RenderPrometheus(const std::vector<MetricFamily>& families) {
  std::string out;
  for (const MetricFamily& f : families) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", f.name, f.help, f.name, f.type);
    for (const MetricSample& s : f.samples) {
      out += f.name;
      if (!s.labels.empty()) out += "{" + s.labels + "}";
      out += fmt::format(" {}\n", s.value);
    }
  }
  return out;
}

Status ParseListenAddress(const std::string& text, std::string* host, int* port) {
  size_t colon = text.rfind(':');
  auto bad = [&] {
    return Status::Usage(fmt::format("--listen '{}' is not ADDR:PORT", text))
        .WithHint("e.g. --listen 127.0.0.1:8080, --listen 0.0.0.0:9090, --listen [::1]:8080");
  };
  if (colon == std::string::npos) return bad();
  std::string h = text.substr(0, colon), p = text.substr(colon + 1);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h.empty()) h = "0.0.0.0";
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) {
    return bad();
  }
  int n = std::stoi(p);
  if (n > 65535) return bad();
  *host = h;
  *port = n;
  return Status::Ok();
}

}  // namespace strata
