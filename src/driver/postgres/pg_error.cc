#include "driver/postgres/pg_error.h"

#include <fmt/format.h>

#include <cstdlib>

#include "strata/url.h"

namespace strata::pg {
namespace {

std::string Field(const PGresult* result, int code) {
  if (result == nullptr) return "";
  const char* value = PQresultErrorField(result, code);
  return value == nullptr ? "" : value;
}

std::string TrimNewlines(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

PgError ReadPgError(const PGresult* result, const PGconn* conn) {
  PgError error;
  error.sqlstate = Field(result, PG_DIAG_SQLSTATE);
  error.message = Field(result, PG_DIAG_MESSAGE_PRIMARY);
  error.detail = Field(result, PG_DIAG_MESSAGE_DETAIL);
  error.hint = Field(result, PG_DIAG_MESSAGE_HINT);
  error.context = Field(result, PG_DIAG_CONTEXT);
  std::string position = Field(result, PG_DIAG_STATEMENT_POSITION);
  if (!position.empty()) error.position = std::atoi(position.c_str());
  if (error.message.empty()) {
    // No server error: libpq failed locally (lost connection, protocol error).
    const char* text = result != nullptr ? PQresultErrorMessage(result) : "";
    if ((text == nullptr || *text == '\0') && conn != nullptr) text = PQerrorMessage(conn);
    error.message = TrimNewlines(text == nullptr ? "" : text);
    if (error.message.empty()) error.message = "unknown error from libpq";
  }
  return error;
}

std::string FormatPgError(const PgError& error) {
  std::string out = error.message;
  if (!error.sqlstate.empty()) out += fmt::format(" [SQLSTATE {}]", error.sqlstate);
  if (!error.detail.empty()) out += "; detail: " + error.detail;
  if (!error.hint.empty()) out += "; hint: " + error.hint;
  if (!error.context.empty()) out += "; context: " + error.context;
  return out;
}

ErrorKind KindOfPgError(const PgError& error, const PGconn* conn) {
  const std::string& s = error.sqlstate;
  if (s == "55P03") return ErrorKind::kLockTimeout;
  if (s.starts_with("08") || s == "57P01" || s == "57P02" || s == "57P03") {
    return ErrorKind::kConnection;
  }
  if (s.empty() && conn != nullptr && PQstatus(conn) == CONNECTION_BAD) {
    return ErrorKind::kConnection;
  }
  return ErrorKind::kMigrationFailed;
}

Status ConnectFailed(const PGconn* conn, std::string_view url) {
  std::string text = conn != nullptr ? TrimNewlines(PQerrorMessage(conn)) : "out of memory";
  return Status::Connection(
             fmt::format("cannot connect to {}: {}", RedactUrl(url), RedactSecrets(text, url)))
      .WithHint(
          "check the URL, that the server is running and accepts connections from here, "
          "and the user name and password");
}

Status QueryFailed(std::string_view doing, const PGresult* result, const PGconn* conn,
                   std::string_view url) {
  PgError error = ReadPgError(result, conn);
  ErrorKind kind = KindOfPgError(error, conn);
  std::string text = RedactSecrets(FormatPgError(error), url);
  if (kind == ErrorKind::kConnection) {
    return Status::Connection(
        fmt::format("lost the connection to {} while {}: {}", RedactUrl(url), doing, text));
  }
  return Status::Error(kind, fmt::format("{}: {}", doing, text));
}

}  // namespace strata::pg
