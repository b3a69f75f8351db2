// Splitting a section into statements with PostgreSQL's own parser (libpg_query's
// pg_query_split_with_parser, PostgreSQL 15 grammar), so dollar-quoted bodies, strings,
// comments, CREATE RULE's parenthesised lists and BEGIN ATOMIC bodies are never cut at an inner
// ';'. No hand-written splitter: a wrong cut in a non-transactional revision would run half a
// statement.
//
// Memory stays bounded however large the section: it is split a window of whole statements at a
// time (sqlsplit/sql_windows.h), so libpg_query's parse trees exist for one window at once; the
// result is an index of offsets into the section (8 bytes per statement), not copies of the
// statements.
//
// Also maps the positions PostgreSQL reports inside a statement back to bytes of the section.
// Pure; thread-safe (libpg_query keeps its memory per thread).
#ifndef STRATA_DRIVER_POSTGRES_STATEMENT_SPLIT_H_
#define STRATA_DRIVER_POSTGRES_STATEMENT_SPLIT_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "pgtree/parse.h"
#include "strata/status.h"

namespace strata::pg {

// One statement of a section: its text (leading comments included, the terminating ';' not), a
// view into the section, and the byte offset of that text in the section.
struct SqlStatement {
  std::string_view text;
  size_t offset = 0;
};

// The statements of one section, in order, as offsets into its text, which must outlive the
// list (a revision's section does: the plan owns it for the whole run).
class StatementList {
 public:
  StatementList() = default;
  explicit StatementList(std::string_view sql) : sql_(sql) {}

  size_t size() const { return spans_.size(); }
  bool empty() const { return spans_.empty(); }
  SqlStatement operator[](size_t i) const {
    return {sql_.substr(spans_[i].offset, spans_[i].length), spans_[i].offset};
  }
  // Adds the statement at [offset, offset + length) of the section (both below 4 GiB).
  void Add(size_t offset, size_t length) {
    spans_.push_back({static_cast<uint32_t>(offset), static_cast<uint32_t>(length)});
  }

 private:
  struct Span {
    uint32_t offset;
    uint32_t length;
  };
  std::string_view sql_;
  // A deque, not a vector: it grows a block at a time, never holding the old and the new copy
  // of a million spans at once.
  std::deque<Span> spans_;
};

// Statements holding only comments or blanks are dropped. kMigrationFailed on a syntax error
// (libpg_query's message); `error_offset` then receives the byte offset of the error in `sql`.
// Also kMigrationFailed for a section of 4 GiB or more (the index's offsets are 32 bits).
Result<StatementList> SplitStatements(std::string_view sql, size_t* error_offset);

// Byte offset in `text` of the 1-based character position PostgreSQL reports
// (PG_DIAG_STATEMENT_POSITION counts characters; strata's connections use UTF-8).
size_t CharPositionToOffset(std::string_view text, int position);

// True for CREATE [UNIQUE] INDEX CONCURRENTLY and REINDEX ... CONCURRENTLY, which leave an
// INVALID index behind when they fail.
bool IsConcurrentIndexBuild(std::string_view statement);

// Best effort when `sql` does not parse (PostgreSQL's scanner-based split, a window at a time):
// for checks that must still look at every statement, such as IsTransactionControl. Never
// fails; from a token the scanner cannot read (an unterminated string), the rest of the section
// comes back as one statement.
StatementList SplitStatementsLoosely(std::string_view sql);

// True for statements that begin or end the transaction (BEGIN, START TRANSACTION, COMMIT, END,
// ROLLBACK, ABORT, PREPARE TRANSACTION, COMMIT/ROLLBACK PREPARED). SAVEPOINT, RELEASE and
// ROLLBACK TO stay inside the transaction and are not.
bool IsTransactionControl(std::string_view statement);

// True for COPY ... FROM STDIN and COPY ... TO STDOUT (by PostgreSQL's parser): they exchange
// their rows with the client, and strata has none to send and no use for any received (it is
// psql's \copy that feeds them). False for COPY with a server file or PROGRAM, and for anything
// the parser does not take (the server has the last word on it).
bool IsClientCopy(std::string_view statement);

// The statement's first word, upper-cased ("" when it starts with no word): a cheap test before
// parsing, e.g. only ALTER, CREATE, DROP, ... can take a strong table lock.
std::string FirstWord(std::string_view statement);

// libpg_query's parse tree of `sql` (pgtree/parse.h): no statements when it does not parse or is
// too large to parse safely (more than kMaxParseChars non-blank characters, core/large_stack.h).
// Big texts are parsed on a large stack: libpg_query recurses once per nesting level.
pgtree::ParsedSql ParseStatementTree(std::string_view sql);

}  // namespace strata::pg

#endif  // STRATA_DRIVER_POSTGRES_STATEMENT_SPLIT_H_
