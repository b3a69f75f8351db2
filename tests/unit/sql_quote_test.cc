// Quoting of the identifiers and literals strata puts into SQL it writes itself.
#include "core/sql_quote.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

TEST(SqlQuoteTest, IdentifiersAreAlwaysQuotedWithQuotesDoubled) {
  EXPECT_EQ(QuoteIdentifier("alembic_version"), "\"alembic_version\"");
  EXPECT_EQ(QuoteIdentifier("Deploy Meta"), "\"Deploy Meta\"");  // case and spaces kept
  EXPECT_EQ(QuoteIdentifier("select"), "\"select\"");            // keywords usable
  EXPECT_EQ(QuoteIdentifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(QuoteIdentifier("\""), "\"\"\"\"");
  EXPECT_EQ(QuoteIdentifier("it's"), "\"it's\"");  // only double quotes are doubled
  EXPECT_EQ(QuoteIdentifier(""), "\"\"");
}

TEST(SqlQuoteTest, QualifiedNameOmitsAnEmptySchema) {
  EXPECT_EQ(QualifiedName("", "strata_log"), "\"strata_log\"");
  EXPECT_EQ(QualifiedName("meta", "strata_log"), "\"meta\".\"strata_log\"");
  EXPECT_EQ(QualifiedName("a.b", "c\"d"), "\"a.b\".\"c\"\"d\"");  // a dot in a name stays inside
}

TEST(SqlQuoteTest, LiteralsDoubleSingleQuotes) {
  EXPECT_EQ(QuoteLiteral("aaaa0001"), "'aaaa0001'");
  EXPECT_EQ(QuoteLiteral("it's"), "'it''s'");
  EXPECT_EQ(QuoteLiteral("''"), "''''''");
  EXPECT_EQ(QuoteLiteral("a\"b\\c"), "'a\"b\\c'");  // standard strings: backslash is literal
  EXPECT_EQ(QuoteLiteral(""), "''");
}

}  // namespace
}  // namespace strata
