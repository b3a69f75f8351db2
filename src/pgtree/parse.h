// ParseSql: one call to libpg_query's parser (PostgreSQL 15's grammar), its output read into a
// tree of Nodes (node.h) in an arena.
//
// Why not a JSON DOM: reading libpg_query's JSON into nlohmann::json cost about four fifths of the
// linter's time (its lexer, then a map and a string per key, a malloc per node). Nodes are filled
// from RapidJSON's SAX events instead, in place in the JSON text. (libpg_query's protobuf output
// was tried and is slower still: protobuf-c packs each node through the 240-way oneof of its Node
// message.) The SAX reader and the builder are iterative, so a deep expression (`1+1+…+1`) costs
// heap, not stack, here; the parser itself recurses once per nesting level, so callers run large
// texts on a large stack (core/large_stack.h).
#ifndef STRATA_PGTREE_PARSE_H_
#define STRATA_PGTREE_PARSE_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "pgtree/node.h"

namespace strata::pgtree {

class Arena;

// One statement of the text: its tree ({"AlterTableStmt": {...}}) and where it is.
struct ParsedStatement {
  const Node* tree = nullptr;
  size_t location = 0;  // bytes from the start of the text (after the previous `;`)
  size_t length = 0;    // 0 = to the end of the text
};

// The outcome of a parse. Move-only; its nodes live as long as it does.
class ParsedSql {
 public:
  ParsedSql();
  ~ParsedSql();
  ParsedSql(ParsedSql&&) noexcept;
  ParsedSql& operator=(ParsedSql&&) noexcept;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }  // the parser's message
  int error_cursor() const { return error_cursor_; }   // 1-based character position; 0 unknown
  const std::vector<ParsedStatement>& statements() const { return statements_; }

 private:
  friend ParsedSql ParseSql(const char* sql);
  std::unique_ptr<Arena> arena_;
  std::unique_ptr<char, void (*)(char*)> json_{nullptr, nullptr};  // libpg_query's output
  std::vector<ParsedStatement> statements_;
  std::string error_;
  int error_cursor_ = 0;
};

// Parses a NUL-terminated text of any number of statements.
ParsedSql ParseSql(const char* sql);

}  // namespace strata::pgtree

#endif  // STRATA_PGTREE_PARSE_H_
