// Names: identifiers PostgreSQL would truncate, and (opt-in) tables named without a schema.
#include <cctype>
#include <unordered_set>

#include "lint/rule.h"

namespace strata::lint {
namespace {

constexpr size_t kMaxIdentifierBytes = 63;  // NAMEDATALEN - 1

// Every identifier over 63 bytes in the statement's text. The parse tree cannot tell: the
// scanner has already cut them. Skips comments, string literals and $$ bodies.
void CheckLength(const RuleContext& ctx) {
  std::string_view sql = ctx.sql;
  std::unordered_set<std::string> seen;
  auto ident_start = [](unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; };
  auto ident_char = [&](unsigned char c) { return ident_start(c) || std::isdigit(c) || c == '$'; };
  auto report = [&](const std::string& name) {
    if (name.size() > kMaxIdentifierBytes && seen.insert(name).second) {
      ctx.Flag("identifier-too-long", name + " (" + std::to_string(name.size()) +
                                          " bytes; PostgreSQL keeps " +
                                          name.substr(0, kMaxIdentifierBytes) + ")");
    }
  };
  size_t i = 0;
  while (i < sql.size()) {
    unsigned char c = static_cast<unsigned char>(sql[i]);
    if ((c == '-' && sql.substr(i, 2) == "--") || (c == '/' && sql.substr(i, 2) == "/*")) {
      i = SkipBlanksAndComments(sql, i, nullptr);  // always past the comment
    } else if (c == '\'') {
      bool backslashes = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e');
      for (++i; i < sql.size(); ++i) {
        if (backslashes && sql[i] == '\\') {
          ++i;
        } else if (sql[i] == '\'') {
          if (i + 1 < sql.size() && sql[i + 1] == '\'') {
            ++i;
          } else {
            break;
          }
        }
      }
      ++i;
    } else if (c == '"') {
      std::string name;
      for (++i; i < sql.size(); ++i) {
        if (sql[i] == '"') {
          if (i + 1 < sql.size() && sql[i + 1] == '"') {
            name += '"';
            ++i;
          } else {
            break;
          }
        } else {
          name += sql[i];
        }
      }
      ++i;
      report(name);
    } else if (c == '$' && (i == 0 || !ident_char(static_cast<unsigned char>(sql[i - 1])))) {
      // $tag$ ... $tag$ (a positional parameter $1 has no closing $).
      size_t end = i + 1;
      while (end < sql.size() && ident_char(static_cast<unsigned char>(sql[end])) &&
             sql[end] != '$') {
        ++end;
      }
      if (end < sql.size() && sql[end] == '$') {
        std::string_view tag = sql.substr(i, end - i + 1);
        size_t close = sql.find(tag, end + 1);
        i = close == std::string_view::npos ? sql.size() : close + tag.size();
      } else {
        i = end;
      }
    } else if (ident_start(c)) {
      size_t start = i;
      while (i < sql.size() && ident_char(static_cast<unsigned char>(sql[i]))) ++i;
      report(std::string(sql.substr(start, i - start)));
    } else if (std::isdigit(c)) {
      while (i < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '.'))
        ++i;
    } else {
      ++i;
    }
  }
}

void RequireSchema(const RuleContext& ctx, const Node* rv) {
  if (rv == nullptr || !Str(*rv, "schemaname").empty()) return;
  if (Str(*rv, "relpersistence") == "t") return;  // temporary tables have their own schema
  ctx.Flag("require-table-schema", Str(*rv, "relname"));
}

void CheckSchema(const RuleContext& ctx) {
  const Node& s = *ctx.stmt;
  std::string_view type = ctx.type;
  if (type == "CreateStmt" || type == "AlterTableStmt" || type == "IndexStmt" ||
      type == "RenameStmt" || type == "TruncateStmt" || type == "CreateTrigStmt") {
    if (type == "TruncateStmt") {
      for (const Node& r : Arr(s, "relations")) RequireSchema(ctx, Get(r, "RangeVar"));
    } else {
      RequireSchema(ctx, Get(s, "relation"));
    }
  } else if (type == "CreateTableAsStmt") {
    const Node* into = Get(s, "into");
    RequireSchema(ctx, into != nullptr ? Get(*into, "rel") : nullptr);
  } else if (type == "DropStmt") {
    std::string kind = Str(s, "removeType");
    if (kind != "OBJECT_TABLE" && kind != "OBJECT_INDEX" && kind != "OBJECT_VIEW") return;
    for (const Node& obj : Arr(s, "objects")) {
      const Node* list = Get(obj, "List");
      std::vector<std::string> names =
          list ? Names(Arr(*list, "items")) : std::vector<std::string>();
      if (names.size() == 1) ctx.Flag("require-table-schema", names[0]);
    }
  }
}

void Check(const RuleContext& ctx) {
  CheckLength(ctx);
  CheckSchema(ctx);
}

}  // namespace

const RuleFamily& NamingRules() {
  static const RuleFamily family{
      .rules =
          {
              {"identifier-too-long", LintSeverity::kError,
               "PostgreSQL silently truncates identifiers to 63 bytes: the object gets another "
               "name than the migration says, and two long names can collide",
               "names of at most 63 bytes (UTF-8)",
               "NAMEDATALEN is 64: a longer table, column, index or constraint name is cut with "
               "only a NOTICE. Later statements naming the full name still find it (they are cut "
               "too), but tools, ORMs and schema diffs see a different name, and two names "
               "sharing their first 63 bytes become one.",
               true, "all"},
              {"require-table-schema", LintSeverity::kWarning,
               "a table named without its schema goes to whatever schema search_path names "
               "first when the migration runs",
               "qualify table names (CREATE TABLE app.users, ALTER TABLE app.users, ...)",
               "Opt-in (`[lint] enable = [\"require-table-schema\"]`): for databases with several "
               "schemas, where the role running migrations may have a different search_path "
               "than the developer who wrote them.",
               true, "all", false, true},
          },
      .check = Check,
      .flagged =
          {
              {"identifier-too-long",
               "ALTER TABLE t ADD COLUMN "
               "a_column_name_that_goes_on_and_on_well_past_the_sixty_three_byte_limit int;"},
              {"identifier-too-long",
               "CREATE TABLE n (\"Mixed Case Name That Goes On And On Well Past The Sixty Three "
               "Bytes\" int);"},
              {"identifier-too-long",
               "CREATE TABLE n (id bigint, CONSTRAINT "
               "n_constraint_name_that_goes_on_and_on_well_past_the_sixty_three_bytes CHECK "
               "(id > 0));"},
              {"require-table-schema", "CREATE TABLE n (id bigint);"},
              {"require-table-schema", "ALTER TABLE t ADD COLUMN c int;"},
          },
      .safe =
          {
              {"identifier-too-long",
               "ALTER TABLE t ADD COLUMN a_column_name_of_exactly_sixty_three_bytes_is_fine_xxxxxx"
               "xxxxxx int;"},
              {"identifier-too-long",
               "COMMENT ON TABLE t IS 'a_comment_that_goes_on_and_on_well_past_the_sixty_three_"
               "byte_limit';\n-- "
               "a_comment_that_goes_on_and_on_well_past_the_sixty_three_byte_limit\n"
               "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$ SELECT "
               "a_column_name_that_goes_on_and_on_well_past_the_sixty_three_byte_limit $body$;"},
              {"require-table-schema", "CREATE TABLE public.n (id bigint);"},
              {"require-table-schema", "CREATE TEMP TABLE n (id bigint) ON COMMIT DROP;"},
          },
  };
  return family;
}

}  // namespace strata::lint
