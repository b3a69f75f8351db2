#include "driver/postgres/preflight.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <pg_query.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <utility>

#include "core/sql_quote.h"
#include "driver/postgres/pg_handles.h"
#include "driver/postgres/statement_split.h"
#include "driver/sql_text.h"

namespace strata::pg {
namespace {

using pgtree::Arr;
using pgtree::Bool;
using pgtree::Get;
using pgtree::Int;
using pgtree::Node;
using pgtree::Str;

// The quoted name of a RangeVar-shaped object ({"schemaname": ..., "relname": ...}).
std::string RangeVarName(const Node& node) {
  std::string name = QuoteIdentifier(Str(node, "relname"));
  if (const Node* s = Get(node, "schemaname"); s != nullptr && s->is_string()) {
    name = QuoteIdentifier(std::string(s->str())) + "." + name;
  }
  return name;
}

// Every relation named in the tree: RangeVars appear both as {"RangeVar": {...}} and, in typed
// fields such as "relation" or "pktable", as the bare object; both carry "relname".
// Iterative: an expression such as `1+1+…+1` nests once per term.
void CollectRangeVars(const Node& root, std::vector<std::string>& out) {
  std::vector<const Node*> todo{&root};
  while (!todo.empty()) {
    const Node& node = *todo.back();
    todo.pop_back();
    if (const Node* rel = Get(node, "relname"); rel != nullptr && rel->is_string()) {
      out.push_back(RangeVarName(node));
    }
    // Reversed: children are visited in the order a recursive walk visits them.
    for (size_t i = node.size(); i-- > 0;) {
      if (node[i].is_structured()) todo.push_back(&node[i]);
    }
  }
}

// DROP's objects: lists of String nodes ("schema", "name").
void CollectDropObjects(const Node& drop, std::vector<std::string>& out) {
  for (const Node& object : Arr(drop, "objects")) {
    const Node* list = Get(object, "List");
    if (list == nullptr) continue;
    std::vector<std::string> parts;
    for (const Node& item : Arr(*list, "items")) {
      if (const Node* str = Get(item, "String"))
        parts.push_back(QuoteIdentifier(Str(*str, "sval")));
    }
    if (!parts.empty()) out.push_back(fmt::format("{}", fmt::join(parts, ".")));
  }
}

bool HasDefElem(const Node& list, std::string_view name) {
  for (const Node& e : list) {
    const Node* d = Get(e, "DefElem");
    if (d != nullptr && Str(*d, "defname") == name) return true;
  }
  return false;
}

// PostgreSQL's table lock modes, weakest first (their rank is the index + 1).
constexpr const char* kModes[] = {
    "AccessShareLock", "RowShareLock",          "RowExclusiveLock", "ShareUpdateExclusiveLock",
    "ShareLock",       "ShareRowExclusiveLock", "ExclusiveLock",    "AccessExclusiveLock"};
enum Mode : int {
  kAccessShare = 1,
  kRowShare,
  kRowExclusive,
  kShareUpdateExclusive,
  kShare,
  kShareRowExclusive,
  kExclusive,
  kAccessExclusive
};

// The modes that conflict with `mode` (PostgreSQL's table-level lock conflict table).
std::vector<std::string> ConflictingModes(int mode) {
  static const std::vector<int> kConflicts[] = {
      {},
      {kAccessExclusive},
      {kExclusive, kAccessExclusive},
      {kShare, kShareRowExclusive, kExclusive, kAccessExclusive},
      {kShareUpdateExclusive, kShare, kShareRowExclusive, kExclusive, kAccessExclusive},
      {kRowExclusive, kShareUpdateExclusive, kShareRowExclusive, kExclusive, kAccessExclusive},
      {kRowExclusive, kShareUpdateExclusive, kShare, kShareRowExclusive, kExclusive,
       kAccessExclusive},
      {kRowShare, kRowExclusive, kShareUpdateExclusive, kShare, kShareRowExclusive, kExclusive,
       kAccessExclusive},
      {kAccessShare, kRowShare, kRowExclusive, kShareUpdateExclusive, kShare, kShareRowExclusive,
       kExclusive, kAccessExclusive},
  };
  std::vector<std::string> out;
  if (mode < 1 || mode > kAccessExclusive) mode = kAccessExclusive;  // unknown: any lock
  for (int m : kConflicts[mode]) out.push_back(kModes[m - 1]);
  return out;
}

// ALTER TABLE takes ACCESS EXCLUSIVE unless every subcommand needs less.
int AlterTableMode(const Node& n) {
  static const std::set<std::string> kShareUpdateExclusiveCmds = {
      "AT_ValidateConstraint", "AT_SetStatistics",   "AT_ClusterOn",
      "AT_DropCluster",        "AT_AttachPartition", "AT_DetachPartitionFinalize"};
  int mode = 0;
  for (const Node& c : Arr(n, "cmds")) {
    const Node* cmd = Get(c, "AlterTableCmd");
    if (cmd == nullptr) continue;
    std::string subtype = Str(*cmd, "subtype");
    const Node* def = Get(*cmd, "def");
    const Node* con = def != nullptr ? Get(*def, "Constraint") : nullptr;
    int m = kAccessExclusive;
    if (kShareUpdateExclusiveCmds.count(subtype) != 0) {
      m = kShareUpdateExclusive;
    } else if (subtype == "AT_AddConstraint" && con != nullptr &&
               Str(*con, "contype") == "CONSTR_FOREIGN") {
      m = kShareRowExclusive;
    }
    mode = std::max(mode, m);
  }
  return mode == 0 ? kAccessExclusive : mode;
}

struct Rule {
  const char* kind = nullptr;  // null: takes no strong lock
  int main = 0;                // mode on the statement's own relation ("relation")
  int inherited = 0;           // on inhRelations (CREATE TABLE)
  int others = 0;              // on every other relation named (FK targets, ...)
};

Rule RuleFor(const std::string& type, const Node& n) {
  if (type == "AlterTableStmt") {
    return {"ALTER TABLE", AlterTableMode(n), 0, kShareRowExclusive};
  }
  if (type == "RenameStmt") return {"RENAME", kAccessExclusive, 0, kAccessExclusive};
  if (type == "AlterObjectSchemaStmt") return {"SET SCHEMA", kAccessExclusive, 0, 0};
  if (type == "TruncateStmt") return {"TRUNCATE", 0, 0, kAccessExclusive};
  if (type == "ClusterStmt") return {"CLUSTER", kAccessExclusive, 0, 0};
  if (type == "RuleStmt") return {"CREATE RULE", kAccessExclusive, 0, 0};
  if (type == "CreateTrigStmt") {
    return {"CREATE TRIGGER", kShareRowExclusive, 0, kShareRowExclusive};
  }
  if (type == "LockStmt") {
    return {"LOCK", 0, 0, static_cast<int>(Int(n, "mode", kAccessExclusive))};
  }
  if (type == "CreateStmt") {
    // Its own relation does not exist yet; a partition locks its parent, INHERITS less so, and
    // a foreign key locks the referenced table.
    return {"CREATE TABLE", 0,
            Get(n, "partbound") != nullptr ? kAccessExclusive : kShareUpdateExclusive,
            kShareRowExclusive};
  }
  if (type == "IndexStmt" && !Bool(n, "concurrent")) {
    return {"CREATE INDEX", kShare, 0, kShare};
  }
  if (type == "ReindexStmt" && !HasDefElem(Arr(n, "params"), "concurrently")) {
    return {"REINDEX", kShare, 0, 0};
  }
  if (type == "VacuumStmt" && HasDefElem(Arr(n, "options"), "full")) {
    return {"VACUUM FULL", 0, 0, kAccessExclusive};
  }
  if (type == "RefreshMatViewStmt" && !Bool(n, "concurrent")) {
    return {"REFRESH MATERIALIZED VIEW", kAccessExclusive, 0, 0};
  }
  return {};
}

// The strong locks one statement node takes ("" kind for none).
LockingStatement Classify(const std::string& type, const Node& n) {
  LockingStatement out;
  std::map<std::string, int> modes;  // relation -> strongest mode
  auto add = [&modes](const std::string& name, int mode) {
    if (mode > 0) modes[name] = std::max(modes[name], mode);
  };
  if (type == "DropStmt") {
    static const std::set<std::string> kRelationKinds = {"OBJECT_TABLE",    "OBJECT_INDEX",
                                                         "OBJECT_VIEW",     "OBJECT_MATVIEW",
                                                         "OBJECT_SEQUENCE", "OBJECT_FOREIGN_TABLE"};
    if (Bool(n, "concurrent") || kRelationKinds.count(Str(n, "removeType")) == 0) {
      return out;
    }
    out.kind = "DROP";
    std::vector<std::string> names;
    CollectDropObjects(n, names);
    for (const std::string& name : names) add(name, kAccessExclusive);
  } else {
    Rule rule = RuleFor(type, n);
    if (rule.kind == nullptr) return out;
    out.kind = rule.kind;
    std::string main;
    if (const Node* rel = Get(n, "relation"); rel != nullptr && Get(*rel, "relname") != nullptr) {
      main = RangeVarName(*rel);
    }
    std::vector<std::string> inherited;
    CollectRangeVars(Arr(n, "inhRelations"), inherited);
    std::vector<std::string> all;
    CollectRangeVars(n, all);
    for (const std::string& name : all) {
      if (name == main) {
        add(name, rule.main > 0 ? rule.main : rule.others);
      } else if (std::find(inherited.begin(), inherited.end(), name) != inherited.end()) {
        add(name, rule.inherited);
      } else {
        add(name, rule.others);
      }
    }
  }
  for (const auto& [name, mode] : modes) out.relations.push_back({name, kModes[mode - 1]});
  return out;
}

// Calls f(type, body) for each statement of `sql`: {"AlterTableStmt": {...}} gives
// ("AlterTableStmt", {...}).
template <typename F>
void ForEachStatement(std::string_view sql, F&& f) {
  const pgtree::ParsedSql parsed = ParseStatementTree(sql);
  for (const pgtree::ParsedStatement& st : parsed.statements()) {
    if (st.tree == nullptr) continue;
    auto [type, body] = pgtree::NodeOf(*st.tree);
    if (body != nullptr) f(std::string(type), *body);
  }
}

void SortUnique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// A PostgreSQL text[] literal: every element double-quoted, with \ and " escaped.
std::string TextArrayLiteral(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::string Seconds(double s) { return fmt::format("{:.1f} s", s); }

}  // namespace

std::vector<LockingStatement> StrongLockStatements(std::string_view sql) {
  size_t error_offset = 0;
  return StrongLockStatements(SplitStatements(sql, &error_offset));
}

std::vector<LockingStatement> StrongLockStatements(const Result<StatementList>& statements) {
  // The first words of the statements RuleFor and Classify know: any other statement (INSERT,
  // UPDATE, SELECT, COMMENT, GRANT, ...) takes no strong lock and is not parsed.
  static const std::set<std::string, std::less<>> kMayLock = {
      "ALTER", "CREATE", "DROP", "TRUNCATE", "CLUSTER", "LOCK", "VACUUM", "REINDEX", "REFRESH"};
  std::vector<LockingStatement> out;
  if (!statements.ok()) return out;
  for (size_t i = 0; i < statements->size(); ++i) {
    const SqlStatement statement = (*statements)[i];
    if (kMayLock.count(FirstWord(statement.text)) == 0) continue;
    ForEachStatement(statement.text, [&](const std::string& type, const Node& node) {
      LockingStatement s = Classify(type, node);
      if (!s.kind.empty()) out.push_back(std::move(s));
    });
  }
  return out;
}

std::vector<LockTarget> RelationsNamedBy(std::string_view statement) {
  std::vector<LockTarget> out;
  ForEachStatement(statement, [&](const std::string& type, const Node& node) {
    LockingStatement strong = Classify(type, node);
    if (!strong.kind.empty()) {
      out.insert(out.end(), strong.relations.begin(), strong.relations.end());
      return;
    }
    std::vector<std::string> names;
    if (type == "DropStmt") CollectDropObjects(node, names);
    CollectRangeVars(node, names);
    SortUnique(names);
    for (const std::string& name : names) out.push_back({name, ""});
  });
  return out;
}

Result<std::vector<Blocker>> FindBlockers(Session& session, const std::vector<LockTarget>& targets,
                                          std::chrono::milliseconds idle_threshold) {
  std::vector<std::string> names, conflicts;
  for (const LockTarget& t : targets) {
    int mode = 0;
    for (int m = 1; m <= kAccessExclusive; ++m) {
      if (t.mode == kModes[m - 1]) mode = m;
    }
    names.push_back(t.relation);
    // A lock we do not know the mode of ("") waits for any other lock on the table.
    conflicts.push_back(fmt::format("{}", fmt::join(ConflictingModes(mode), ",")));
  }
  // An index's lock conflicts show on its table too, so an index name also checks its table.
  // Relation oids are per database: pg_locks is filtered to ours.
  auto r = session.Exec(
      "looking for sessions that hold locks on the migration's tables",
      "WITH names AS (SELECT n, to_regclass(n) AS rel, string_to_array(c, ',') AS conflicts "
      "  FROM unnest($1::text[], $3::text[]) AS x(n, c)), "
      "targets AS (SELECT n, rel AS relid, conflicts FROM names WHERE rel IS NOT NULL "
      "  UNION SELECT n, i.indrelid, conflicts FROM names "
      "  JOIN pg_index i ON i.indexrelid = names.rel), "
      "held AS (SELECT l.pid, string_agg(DISTINCT format('%s on %s%s', l.mode, "
      "    l.relation::regclass, CASE WHEN l.granted THEN '' ELSE ' (waiting)' END), ', ') AS "
      "locks, "
      "    array_to_string(array_agg(DISTINCT t.n), E'\\n') AS names "
      "  FROM pg_locks l JOIN targets t ON l.relation = t.relid "
      "  WHERE l.locktype = 'relation' AND l.pid <> pg_backend_pid() "
      "    AND l.mode = ANY (t.conflicts) "
      "    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
      "  GROUP BY l.pid) "
      "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''), "
      "  coalesce(a.state, ''), "
      "  coalesce(extract(epoch FROM clock_timestamp() - a.xact_start)::float8, -1), "
      "  coalesce(extract(epoch FROM clock_timestamp() - a.state_change)::float8, -1), "
      "  coalesce(h.locks, ''), coalesce(h.names, ''), "
      "  left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 100) "
      "FROM pg_stat_activity a LEFT JOIN held h ON h.pid = a.pid "
      "WHERE a.pid <> pg_backend_pid() AND a.backend_type = 'client backend' "
      "  AND a.datname = current_database() "
      "  AND (h.pid IS NOT NULL OR ($2::float8 >= 0 AND a.state LIKE 'idle in transaction%' "
      "       AND clock_timestamp() - a.state_change > make_interval(secs => $2::float8))) "
      "ORDER BY a.pid",
      {TextArrayLiteral(names),
       fmt::format("{:.3f}", static_cast<double>(idle_threshold.count()) / 1000.0),
       TextArrayLiteral(conflicts)});
  if (!r.ok()) return r.status();
  std::vector<Blocker> out;
  const PGresult* res = r->get();
  for (int i = 0; i < PQntuples(res); ++i) {
    Blocker b;
    b.pid = std::atoi(CellText(res, i, 0).c_str());
    b.application_name = CellText(res, i, 1);
    b.user = CellText(res, i, 2);
    b.state = CellText(res, i, 3);
    b.transaction_age_s = std::atof(CellText(res, i, 4).c_str());
    b.state_age_s = std::atof(CellText(res, i, 5).c_str());
    b.locks = CellText(res, i, 6);
    for (std::string_view locked = PQgetvalue(res, i, 7); !locked.empty();) {
      size_t end = std::min(locked.find('\n'), locked.size());
      b.relations.emplace_back(locked.substr(0, end));
      locked.remove_prefix(std::min(end + 1, locked.size()));
    }
    b.query = CellText(res, i, 8);
    out.push_back(std::move(b));
  }
  return out;
}

std::string DescribeBlocker(const Blocker& b) {
  std::vector<std::string> parts;
  parts.push_back(fmt::format("application \"{}\"", b.application_name));
  if (!b.user.empty()) parts.push_back("user " + b.user);
  if (!b.state.empty()) {
    parts.push_back(b.state_age_s >= 0 ? fmt::format("{} for {}", b.state, Seconds(b.state_age_s))
                                       : b.state);
  }
  if (b.transaction_age_s >= 0) {
    parts.push_back("transaction open " + Seconds(b.transaction_age_s));
  }
  parts.push_back(b.locks.empty() ? "no lock on these tables" : "holds " + b.locks);
  std::string out = fmt::format("pid {} ({}", b.pid, fmt::join(parts, ", "));
  if (!b.query.empty()) out += fmt::format("; last query `{}`", StatementExcerpt(b.query, 80));
  return out + ")";
}

std::string DescribeBlockers(const std::vector<Blocker>& blockers) {
  if (blockers.empty()) return "no other session holds a lock on its tables now";
  std::vector<std::string> parts;
  for (const Blocker& b : blockers) parts.push_back(DescribeBlocker(b));
  return fmt::format("{}", fmt::join(parts, "; "));
}

Status RunPreflight(Session& session, const Plan& plan, const DriverOptions& options,
                    SplitCache& splits) {
  auto report = [&](const std::string& line) {
    if (options.on_wait) options.on_wait(line);
  };
  // No other client session on this database: nobody can hold a lock in the migration's way,
  // so its statements need not be parsed at all (the common case, and most of the client CPU
  // of a long upgrade). Sessions on other databases cannot lock this one's tables.
  auto others = session.Exec("counting the other sessions on the database",
                             "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                             "current_database() AND pid <> pg_backend_pid() "
                             "AND backend_type = 'client backend'");
  if (others.ok() && CellText(others->get(), 0, 0) == "0") return Status::Ok();
  // Which step and statement each relation is first locked by, for the report.
  std::map<std::string, std::string> first_use;
  std::vector<LockTarget> targets;
  bool any = false;
  for (const Step& step : plan.steps) {
    if (step.revision == nullptr) continue;
    const SqlSection& section = step.section();
    for (const LockingStatement& s : StrongLockStatements(splits.Keep(section.sql))) {
      any = true;
      for (const LockTarget& t : s.relations) {
        targets.push_back(t);
        first_use.emplace(
            t.relation,
            fmt::format("{} of {} {}", s.kind, DirectionName(step.direction), step.revision->id));
      }
    }
  }
  if (!any) return Status::Ok();
  auto found = FindBlockers(session, targets, options.idle_in_transaction_threshold);
  if (!found.ok()) {
    report("pre-flight skipped: " + found.status().message());
    return Status::Ok();
  }
  if (found->empty()) return Status::Ok();
  std::vector<std::string> lines;
  for (const Blocker& b : *found) {
    // Name what the session is in the way of: the first statement locking a table it locks.
    std::string what = "the migration (idle in transaction past the threshold)";
    for (const auto& [rel, use] : first_use) {
      if (std::find(b.relations.begin(), b.relations.end(), rel) != b.relations.end()) {
        what = use;
        break;
      }
    }
    lines.push_back(fmt::format("{} may wait for {}", what, DescribeBlocker(b)));
  }
  if (options.refuse_if_blocked) {
    return Status::LockTimeout(fmt::format("pre-flight: {} other session{} in the way, refusing "
                                           "(--refuse-if-blocked): {}; nothing was run",
                                           found->size(), found->size() == 1 ? " is" : "s are",
                                           fmt::join(lines, "; ")))
        .WithHint(
            "wait for those sessions to finish (or end them with SELECT "
            "pg_terminate_backend(PID)) and run strata again; without --refuse-if-blocked "
            "strata waits up to statement_lock_timeout and retries");
  }
  std::string then =
      options.statement_lock_timeout.count() > 0
          ? fmt::format("each statement waits up to statement_lock_timeout ({} ms), {} retr{}",
                        options.statement_lock_timeout.count(), options.retries,
                        options.retries == 1 ? "y" : "ies")
          : std::string(
                "statement_lock_timeout is unset, so a statement waits as long as they "
                "hold their locks");
  for (const std::string& line : lines) report("pre-flight: " + line);
  report("pre-flight: proceeding; " + then);
  return Status::Ok();
}

}  // namespace strata::pg
