// Splitting a section into statements and parsing them with libpg_query (the PostgreSQL 15
// grammar), and finding each statement's first token and its `-- strata:allow` comments.
//
// Parsing: the whole text is parsed at once (the fast path). When that fails, it is split with
// libpg_query's scanner (which copes with $$ bodies and comments) and each statement is parsed
// alone, so one bad statement is reported at its own file:line and the rest are still checked.
#ifndef STRATA_LINT_STATEMENT_PARSE_H_
#define STRATA_LINT_STATEMENT_PARSE_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lint/tree.h"
#include "pgtree/parse.h"

namespace strata::lint {

// One statement of a section: its parse tree, or the parser's error.
struct Statement {
  const Node* tree = nullptr;  // {"AlterTableStmt": {...}}; null when it did not parse
  std::string error;           // the parser's message
  size_t location = 0;         // where the statement's text starts (after the previous `;`)
  size_t length = 0;           // 0 = to the end of the section
  size_t start = 0;            // first token
  size_t error_at = 0;         // offset of the parse error
  size_t too_large = 0;        // non-blank characters, when more than the parser is given
  std::vector<std::string> allow;
};

// `pos` at a comment's start (`--` or `/*`): the offset just after that comment (a `--` comment
// ends before its newline; block comments nest, as in PostgreSQL). `pos` itself otherwise.
size_t SkipComment(std::string_view s, size_t pos);

// Skips blanks, comments and `;` from `pos`. Records `--` comments as [begin, end) offsets.
size_t SkipBlanksAndComments(std::string_view s, size_t pos,
                             std::vector<std::pair<size_t, size_t>>* comments);

// Rule ids named by a `-- strata:allow a, b` comment; empty for any other comment.
std::vector<std::string> AllowedBy(std::string_view comment);

// Splits and parses a section (or a window of one). Never fails: problems become statements
// carrying an error. A deep statement needs a large stack (core/large_stack.h): the linter runs
// big sections on one. A statement too large to parse even so comes back marked `too_large`.
// With `ends_early` given, a text whose parse runs out of input inside a statement (a window cut
// inside a BEGIN ATOMIC body) sets it and returns nothing.
struct ParsedStatements {
  std::vector<pgtree::ParsedSql> parses;  // own the trees
  std::vector<Statement> statements;
};
ParsedStatements ParseSection(const std::string& sql, bool* ends_early = nullptr);

// Finds each statement's first token and attaches `-- strata:allow` comments: those on the
// lines before a statement belong to it; one on the same line as the end of the previous
// statement (`...; -- strata:allow x`) belongs to that previous statement. Returns the ids named
// before the first statement (file-level allows for rules such as missing-downgrade).
std::vector<std::string> LocateStatements(std::string_view sql, std::vector<Statement>& stmts);

}  // namespace strata::lint

#endif  // STRATA_LINT_STATEMENT_PARSE_H_
