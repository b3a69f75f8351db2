#include "core/sql_quote.h"

namespace strata {
namespace {

std::string Enclose(std::string_view text, char quote) {
  std::string out(1, quote);
  for (char c : text) {
    if (c == quote) out += quote;
    out += c;
  }
  return out + quote;
}

}  // namespace

std::string QuoteIdentifier(std::string_view name) { return Enclose(name, '"'); }

std::string QualifiedName(std::string_view schema, std::string_view name) {
  if (schema.empty()) return QuoteIdentifier(name);
  return QuoteIdentifier(schema) + "." + QuoteIdentifier(name);
}

std::string QuoteLiteral(std::string_view text) { return Enclose(text, '\''); }

}  // namespace strata
