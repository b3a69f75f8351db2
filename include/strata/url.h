// Database URLs (DESIGN §1) and the one function that hides passwords in them.
//
// Accepted forms:
//   postgresql://user:pass@host:port/db?params, postgres://...   handed to libpq as is
//   sqlite:relative/path.db, sqlite:///absolute/path.db, sqlite::memory:
// Pure; thread-safe.
#ifndef STRATA_URL_H_
#define STRATA_URL_H_

#include <string>
#include <string_view>

#include "strata/status.h"

namespace strata {

enum class DatabaseKind { kSqlite, kPostgres };

struct DatabaseUrl {
  DatabaseKind kind = DatabaseKind::kSqlite;
  std::string original;     // as given (contains the password, never print it)
  std::string sqlite_path;  // kSqlite: the file path, or ":memory:"
};

// kUsage for an unknown scheme or an empty sqlite path, naming the redacted URL.
Result<DatabaseUrl> ParseDatabaseUrl(std::string_view url);

// The URL with any password replaced by "***": "postgresql://bob:***@db/app". Also masks
// `password=...` query parameters and libpq keyword strings. Every message and log line that
// shows a URL goes through this.
std::string RedactUrl(std::string_view url);

// Replaces every occurrence of the password found in `url` inside `text` with "***". For
// messages from libraries that may echo connection details back.
std::string RedactSecrets(std::string_view text, std::string_view url);

// A PostgreSQL URL or keyword string split for a child process (pg_dump, pg_restore, psql): the
// connection string without its password, safe to put on a command line that `ps` shows, and the
// password (percent-decoded or unquoted; empty when there is none) for the child's PGPASSWORD.
// Only the login password is taken out; other *password keys (sslpassword) stay.
struct UrlWithoutPassword {
  std::string url;
  std::string password;
};
UrlWithoutPassword SplitPassword(std::string_view url);

}  // namespace strata

#endif  // STRATA_URL_H_
