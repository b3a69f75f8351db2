// Splitting a section into statements with PostgreSQL's own parser (libpg_query's
// pg_query_split_with_parser, PostgreSQL 15 grammar), so dollar-quoted bodies, strings,
// comments and CREATE RULE's parenthesised lists are never cut at an inner ';'. No hand-written
// splitter: a wrong cut in a non-transactional revision would run half a statement.
//
// Also maps the positions PostgreSQL reports inside a statement back to bytes of the section.
// Pure; thread-safe (libpg_query keeps its memory per thread).
#ifndef STRATA_DRIVER_POSTGRES_STATEMENT_SPLIT_H_
#define STRATA_DRIVER_POSTGRES_STATEMENT_SPLIT_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "strata/status.h"

namespace strata::pg {

// One statement of a section: its text (leading comments included, the terminating ';' not)
// and the byte offset of that text in the section.
struct SqlStatement {
  std::string text;
  size_t offset = 0;
};

// Statements holding only comments or blanks are dropped. kMigrationFailed on a syntax error
// (libpg_query's message); `error_offset` then receives the byte offset of the error in `sql`.
Result<std::vector<SqlStatement>> SplitStatements(const std::string& sql, size_t* error_offset);

// Byte offset in `text` of the 1-based character position PostgreSQL reports
// (PG_DIAG_STATEMENT_POSITION counts characters; strata's connections use UTF-8).
size_t CharPositionToOffset(std::string_view text, int position);

// True for CREATE [UNIQUE] INDEX CONCURRENTLY and REINDEX ... CONCURRENTLY, which leave an
// INVALID index behind when they fail.
bool IsConcurrentIndexBuild(std::string_view statement);

// Best effort when `sql` does not parse (PostgreSQL's scanner-based split): for checks that
// must still look at every statement, such as IsTransactionControl. Never fails; a section the
// scanner cannot split either comes back as one statement.
std::vector<SqlStatement> SplitStatementsLoosely(const std::string& sql);

// True for statements that begin or end the transaction (BEGIN, START TRANSACTION, COMMIT, END,
// ROLLBACK, ABORT, PREPARE TRANSACTION, COMMIT/ROLLBACK PREPARED). SAVEPOINT, RELEASE and
// ROLLBACK TO stay inside the transaction and are not.
bool IsTransactionControl(std::string_view statement);

// True for COPY ... FROM STDIN and COPY ... TO STDOUT (by PostgreSQL's parser): they exchange
// their rows with the client, and strata has none to send and no use for any received (it is
// psql's \copy that feeds them). False for COPY with a server file or PROGRAM, and for anything
// the parser does not take (the server has the last word on it).
bool IsClientCopy(std::string_view statement);

}  // namespace strata::pg

#endif  // STRATA_DRIVER_POSTGRES_STATEMENT_SPLIT_H_
