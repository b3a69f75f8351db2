// examples/lint: the safe revision set lints clean, and each revision of the unsafe set is
// flagged for every rule its header lists after "Flags:"; together they show every rule.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "strata/lint.h"
#include "strata/script.h"

namespace strata {
namespace {

LintReport LintExamples(const std::string& folder) {
  Result<RevisionGraph> graph = LoadScriptDirectory(std::string(STRATA_SOURCE_DIR) + "/" + folder);
  EXPECT_TRUE(graph.ok()) << graph.status().ToString();
  if (!graph.ok()) return {};
  LintConfig config;  // PostgreSQL, no statement_lock_timeout: every rule applies
  return LintRevisions(UpgradeOrder(*graph), config);
}

// The rule ids after "Flags:" in a revision's explanation, up to the first '.'.
std::set<std::string> IntendedRules(const Revision& rev) {
  std::set<std::string> ids;
  size_t at = rev.explanation.find("Flags:");
  if (at == std::string::npos) return ids;
  std::string list = rev.explanation.substr(at + 6, rev.explanation.find('.', at) - at - 6);
  std::string id;
  for (char c : list + ",") {
    if (c == ',' || c == ' ' || c == '\n' || c == '(') {
      if (!id.empty() && FindLintRule(id) != nullptr) ids.insert(id);
      id.clear();
      if (c == '(') break;
    } else {
      id += c;
    }
  }
  return ids;
}

TEST(LintExamplesTest, SafeRewritesReportNothing) {
  LintReport r = LintExamples("examples/lint/safe");
  for (const LintFinding& f : r.findings) {
    ADD_FAILURE() << f.file << ":" << f.line << ": " << f.rule << ": " << f.detail;
  }
  EXPECT_EQ(r.revisions, 10);
  EXPECT_GT(r.statements, 20);
}

TEST(LintExamplesTest, UnsafeRevisionsAreFlaggedForEachIntendedRule) {
  std::string dir = std::string(STRATA_SOURCE_DIR) + "/examples/lint/unsafe";
  Result<RevisionGraph> graph = LoadScriptDirectory(dir);
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  LintConfig config;  // PostgreSQL, no timeouts configured, the opt-in rules on
  for (const LintRule& rule : LintRules()) {
    if (rule.opt_in) config.enable.emplace_back(rule.id);
  }
  LintReport r = LintRevisions(UpgradeOrder(*graph), config);
  std::set<std::string> all_flagged;
  for (const Revision* rev : graph->NewestFirst()) {
    std::set<std::string> flagged;
    for (const LintFinding& f : r.findings) {
      if (f.revision == rev->id) flagged.insert(f.rule);
    }
    std::set<std::string> intended = IntendedRules(*rev);
    EXPECT_FALSE(intended.empty()) << rev->id << " lists no rules after Flags:";
    for (const std::string& id : intended) {
      EXPECT_TRUE(flagged.count(id)) << rev->id << " should be flagged for " << id;
    }
    all_flagged.insert(flagged.begin(), flagged.end());
  }
  for (const LintRule& rule : LintRules()) {
    if (rule.sqlite_only) continue;  // the examples are PostgreSQL; the rule tests cover these
    EXPECT_TRUE(all_flagged.count(std::string(rule.id))) << "no unsafe example shows " << rule.id;
  }
}

TEST(LintDocsTest, EveryRuleIsDocumented) {
  std::ifstream in(std::string(STRATA_SOURCE_DIR) + "/docs/lint.md");
  std::string doc((std::istreambuf_iterator<char>(in)), {});
  ASSERT_FALSE(doc.empty());
  for (const LintRule& rule : LintRules()) {
    std::string id(rule.id);
    EXPECT_NE(doc.find("### `" + id + "` (" + LintSeverityName(rule.severity)), std::string::npos)
        << "docs/lint.md has no section for " << id << " with its severity";
    EXPECT_NE(doc.find(std::string(rule.safe_pattern.substr(0, 40))), std::string::npos)
        << "docs/lint.md does not give the safe pattern of " << id;
  }
}

}  // namespace
}  // namespace strata
