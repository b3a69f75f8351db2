// The linter: parses each section (statement_parse.h), runs every rule file's check
// (rules/*.cc) on each statement, then applies the statement to the shared history model
// (history.h). It owns what is common to all rules: findings and their lines, allow comments
// and [lint] allow, which rules apply to the dialect, and findings withdrawn within a section.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <unordered_set>

#include "core/large_stack.h"
#include "lint/history.h"
#include "lint/parsed_windows.h"
#include "lint/revision_prefetch.h"
#include "lint/rule.h"
#include "lint/statement_parse.h"
#include "strata/lint.h"

namespace strata {
namespace {

using lint::Node;
using lint::Statement;

// Rules that a downgrade section is not checked for: it undoes its upgrade, so dropping what
// the upgrade added, renaming back or restoring an old type is the point.
bool ExemptInDowngrade(std::string_view rule) {
  static const std::unordered_set<std::string_view> kExempt = {
      "dropping-column",      "dropping-table", "renaming-column", "renaming-table",
      "changing-column-type", "prefer-jsonb",   "prefer-text",     "prefer-timestamptz",
      "avoid-char",           "avoid-money",    "prefer-identity", "dropping-not-null",
      "int-primary-key"};
  return kExempt.count(rule) > 0;
}

// Words that only grammars newer than PostgreSQL 15's use in DDL: a statement that does not
// parse and has one of them is taken for newer syntax when the target server is newer.
bool HasNewerSyntaxWord(std::string_view sql) {
  static const char* const kWords[] = {"VIRTUAL",  "OVERLAPS", "EXPRESSION", "STORAGE",
                                       "ENFORCED", "PERIOD",   "JSON_TABLE"};
  std::string upper(sql);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const char* w : kWords) {
    size_t n = std::string_view(w).size();
    for (size_t pos = upper.find(w); pos != std::string::npos; pos = upper.find(w, pos + 1)) {
      bool left = pos == 0 || !(std::isalnum(static_cast<unsigned char>(upper[pos - 1])) ||
                                upper[pos - 1] == '_');
      bool right =
          pos + n >= upper.size() ||
          !(std::isalnum(static_cast<unsigned char>(upper[pos + n])) || upper[pos + n] == '_');
      if (left && right) return true;
    }
  }
  return false;
}

}  // namespace

bool lint::RuleContext::IsNew(const std::string& table) const {
  if (section->created_here.count(table) > 0) return true;
  const Table* t = history->FindTable(table);
  if (t == nullptr || t->created_in.empty()) return false;
  if (t->created_in == rev->id) return true;
  return config->pending && config->pending->count(t->created_in) > 0;
}

struct Linter::Impl : lint::FindingSink {
  struct Deferred {
    std::string rule;
    std::string detail;
    int line;
    std::vector<std::string> allow;
  };

  LintConfig config;
  LintReport report;
  std::unordered_set<std::string> allow_everywhere;
  std::unordered_set<std::string> enabled;
  lint::History history;

  // State of the section being linted.
  const Revision* rev = nullptr;
  const SqlSection* section = nullptr;
  bool downgrade = false;
  bool reporting = true;
  lint::SectionState state;
  std::vector<std::pair<std::string, Deferred>> deferred;  // in the order deferred
  std::vector<size_t> line_starts;
  const Statement* stmt = nullptr;
  std::unique_ptr<lint::RevisionPrefetch> prefetch;  // Linter::Prefetch
  RevisionReader reader;                             // Linter::Prefetch

  int LineOf(size_t offset) const {
    auto it = std::upper_bound(line_starts.begin(), line_starts.end(), offset);
    return section->first_line + static_cast<int>(it - line_starts.begin()) - 1;
  }

  void Emit(std::string_view rule_id, std::string detail, int line,
            const std::vector<std::string>* allow) {
    if (!reporting) return;
    const LintRule* rule = FindLintRule(rule_id);
    if (rule == nullptr) return;
    if (config.dialect == LintDialect::kSqlite && rule->postgres_only) return;
    if (config.dialect == LintDialect::kPostgres && rule->sqlite_only) return;
    if (rule->opt_in && enabled.count(std::string(rule_id)) == 0) return;
    if (downgrade && ExemptInDowngrade(rule_id)) return;
    std::string id(rule_id);
    if (allow_everywhere.count(id) > 0 ||
        (allow != nullptr && std::find(allow->begin(), allow->end(), id) != allow->end())) {
      ++report.silenced;
      return;
    }
    LintFinding f;
    f.rule = id;
    f.severity = rule->severity;
    f.file = rev->path;
    f.line = line;
    f.revision = rev->id;
    f.section = section == nullptr ? "" : (downgrade ? "downgrade" : "upgrade");
    f.detail = std::move(detail);
    f.risk = std::string(rule->risk);
    f.safe_pattern = std::string(rule->safe_pattern);
    report.findings.push_back(std::move(f));
  }

  void Flag(std::string_view rule, std::string detail) override {
    Emit(rule, std::move(detail), LineOf(stmt->start), &stmt->allow);
  }
  void Defer(std::string key, std::string_view rule, std::string detail) override {
    deferred.emplace_back(std::move(key), Deferred{std::string(rule), std::move(detail),
                                                   LineOf(stmt->start), stmt->allow});
  }
  void Withdraw(const std::string& key) override {
    std::erase_if(deferred, [&](const auto& d) { return d.first == key; });
  }

  // Returns the allow ids written before the first statement.
  std::vector<std::string> LintSection(const SqlSection& sec, bool is_downgrade,
                                       std::optional<std::vector<lint::ParsedWindow>> ahead) {
    section = &sec;
    downgrade = is_downgrade;
    state = lint::SectionState();
    deferred.clear();
    const size_t first_finding = report.findings.size();
    line_starts.assign(1, 0);
    for (size_t i = 0; i < sec.sql.size(); ++i) {
      if (sec.sql[i] == '\n') line_starts.push_back(i + 1);
    }
    // A window of whole statements at a time (parsed_windows.h), so that parse trees exist for
    // one window at once however large the section; parsed ahead on other threads when a
    // RevisionPrefetch did it.
    std::vector<std::string> leading;
    bool first = true;
    auto check_window = [&](lint::ParsedWindow& w) {
      if (first) leading = std::move(w.leading);
      first = false;
      for (size_t i = 0; i < w.checked; ++i) {
        const Statement& st = w.parsed.statements[i];
        size_t loc = std::min(st.location, w.length);  // relative to the window
        size_t len = st.length == 0 ? w.length - loc : std::min(st.length, w.length - loc);
        Check(st, std::string_view(sec.sql).substr(w.base + loc, len));
      }
    };
    if (ahead) {
      for (lint::ParsedWindow& w : *ahead) check_window(w);
    } else if (sec.sql.size() < kSmallSqlBytes) {
      lint::ForEachParsedWindow(sec.sql, check_window);
    } else {
      RunWithLargeStack([&] { lint::ForEachParsedWindow(sec.sql, check_window); });
    }
    // Findings no later statement withdrew, then every finding of the section in line order.
    for (auto& [key, d] : deferred) Emit(d.rule, std::move(d.detail), d.line, &d.allow);
    deferred.clear();
    std::stable_sort(report.findings.begin() + static_cast<std::ptrdiff_t>(first_finding),
                     report.findings.end(),
                     [](const LintFinding& a, const LintFinding& b) { return a.line < b.line; });
    stmt = nullptr;
    return leading;
  }

  lint::RuleContext Context(const Statement& st, std::string_view sql) {
    lint::RuleContext ctx;
    ctx.statement = &st;
    ctx.sql = sql;
    ctx.rev = rev;
    ctx.downgrade = downgrade;
    ctx.config = &config;
    ctx.history = &history;
    ctx.section = &state;
    ctx.sink = this;
    return ctx;
  }

  void Check(const Statement& st, std::string_view sql) {
    stmt = &st;
    if (st.too_large > 0) {
      if (!reporting) return;
      ++report.not_checked;
      report.notes.push_back(
          {rev->path, LineOf(st.error_at), rev->id,
           fmt::format("not checked: the statement has {} non-blank characters, more than the "
                       "linter parses ({})",
                       st.too_large, kMaxParseChars)});
      return;
    }
    if (!st.error.empty()) {
      if (!reporting) return;
      lint::RuleContext ctx = Context(st, sql);
      if (config.dialect == LintDialect::kSqlite) {
        for (const lint::RuleFamily* family : lint::RuleFamilies()) {
          if (family->check_unparsed != nullptr) family->check_unparsed(ctx);
        }
        ++report.not_checked;
        report.notes.push_back(
            {rev->path, LineOf(st.error_at), rev->id, "not checked (SQLite syntax): " + st.error});
      } else if (config.pg_version > 15 && HasNewerSyntaxWord(sql)) {
        ++report.not_checked;
        report.notes.push_back({rev->path, LineOf(st.error_at), rev->id,
                                fmt::format("not checked (newer PostgreSQL syntax): the linter "
                                            "reads PostgreSQL 15's grammar, the target is {}: {}",
                                            config.pg_version, st.error)});
      } else {
        Emit("parse-error", st.error, LineOf(st.error_at), &st.allow);
      }
      return;
    }
    if (reporting) ++report.statements;
    if (st.tree == nullptr) return;
    auto [type, body] = lint::NodeOf(*st.tree);
    if (body == nullptr) return;
    lint::RuleContext ctx = Context(st, sql);
    ctx.type = type;
    ctx.stmt = body;
    if (reporting) {
      for (const lint::RuleFamily* family : lint::RuleFamilies()) {
        if (family->check != nullptr) family->check(ctx);
      }
    }
    // What the statement did, for the statements after it.
    if (std::string created = lint::History::CreatedTable(type, *body); !created.empty()) {
      if (downgrade) state.created_here.insert(created);
    }
    if (!downgrade) history.Apply(*st.tree, rev->id);
  }
};

Linter::Linter(LintConfig config) : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->allow_everywhere.insert(impl_->config.allow.begin(), impl_->config.allow.end());
  impl_->enabled.insert(impl_->config.enable.begin(), impl_->config.enable.end());
  for (const std::string& definition : impl_->config.catalog) {
    // One statement each; one that does not parse (newer server syntax) only leaves a gap.
    auto seed = [&] {
      for (const lint::Statement& st : lint::ParseSection(definition).statements) {
        if (st.tree != nullptr) impl_->history.Apply(*st.tree, "");
      }
    };
    if (definition.size() < kSmallSqlBytes) {
      seed();
    } else {
      RunWithLargeStack(seed);
    }
  }
  if (impl_->config.dialect == LintDialect::kSqlite) {
    for (const LintRule& r : LintRules()) {
      if (r.postgres_only) impl_->report.skipped_rules.emplace_back(r.id);
    }
  }
}
Linter::~Linter() = default;
Linter::Linter(Linter&&) noexcept = default;
Linter& Linter::operator=(Linter&&) noexcept = default;

void Linter::Add(const Revision& given, bool report) {
  Impl& m = *impl_;
  lint::RevisionPrefetch::Ahead ahead;
  if (m.prefetch != nullptr) ahead = m.prefetch->Take(&given);
  if (m.reader && !ahead.read) ahead.read = m.reader(given);
  if (report) ++m.report.revisions;
  if (ahead.read && !ahead.read->ok()) {
    // The file changed or went away since the folder was read.
    if (report) {
      ++m.report.not_checked;
      m.report.notes.push_back({given.path, given.id_line > 0 ? given.id_line : 1, given.id,
                                "not checked: " + ahead.read->status().message()});
    }
    return;
  }
  const Revision& revision = ahead.read ? ahead.read->value() : given;
  m.rev = &revision;
  m.reporting = report;
  std::vector<std::string> file_allow =
      m.LintSection(revision.upgrade, false, std::move(ahead.upgrade));
  if (revision.downgrade) {
    m.LintSection(*revision.downgrade, true, std::move(ahead.downgrade));
  } else if (report) {
    // File-level allows: in the header's explanation or before the first upgrade statement.
    for (std::string_view text :
         {std::string_view(revision.explanation), std::string_view(revision.message)}) {
      size_t pos = 0;
      while ((pos = text.find("strata:allow", pos)) != std::string_view::npos) {
        size_t eol = text.find('\n', pos);
        std::string line =
            "-- " + std::string(text.substr(
                        pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos));
        for (std::string& id : lint::AllowedBy(line)) file_allow.push_back(std::move(id));
        pos = eol == std::string_view::npos ? text.size() : eol;
      }
    }
    m.section = nullptr;
    m.downgrade = false;
    m.Emit("missing-downgrade", "", revision.id_line > 0 ? revision.id_line : 1, &file_allow);
  }
  m.rev = nullptr;
}

void Linter::Prefetch(const std::vector<const Revision*>& revisions, RevisionReader reader) {
  // One worker a core: the linter's own thread mostly waits for them.
  unsigned workers = std::max(1u, std::thread::hardware_concurrency());
  if (revisions.size() < 2) workers = 0;
  impl_->prefetch.reset();
  impl_->reader = reader;
  impl_->prefetch = std::make_unique<lint::RevisionPrefetch>(revisions, std::move(reader), workers);
}

const LintReport& Linter::report() const { return impl_->report; }

std::vector<const Revision*> UpgradeOrder(const RevisionGraph& graph) {
  std::vector<const Revision*> order = graph.NewestFirst();
  std::reverse(order.begin(), order.end());
  return order;
}

LintReport LintRevisions(const std::vector<const Revision*>& revisions, const LintConfig& config,
                         const std::set<std::string>* selected, RevisionReader reader) {
  Linter linter(config);
  linter.Prefetch(revisions, std::move(reader));
  for (const Revision* r : revisions) {
    linter.Add(*r, selected == nullptr || selected->count(r->id) > 0);
  }
  return linter.report();
}

}  // namespace strata
