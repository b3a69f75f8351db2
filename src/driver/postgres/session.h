// Session: one libpq connection to PostgreSQL, owned for the driver's lifetime, with the
// helpers the driver runs its own queries through.
//
// The connection sets application_name=strata unless the URL sets one (libpq's
// fallback_application_name), and connect_timeout=10 unless the URL or PGCONNECT_TIMEOUT set
// one. Notices (IF NOT EXISTS skips, a revision's RAISE NOTICE) are not printed.
//
// Not thread-safe, except Cancel(). Every failing call returns a Status built by pg_error.h.
#ifndef STRATA_DRIVER_POSTGRES_SESSION_H_
#define STRATA_DRIVER_POSTGRES_SESSION_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "driver/postgres/pg_handles.h"
#include "strata/status.h"

namespace strata::pg {

// Text parameters of a query ($1, $2, ...); nullopt sends NULL.
using Params = std::vector<std::optional<std::string>>;

class Session {
 public:
  // kConnection when the server cannot be reached or refuses the login.
  static Result<std::unique_ptr<Session>> Connect(std::string url);

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session() = default;

  PGconn* conn() const { return conn_.get(); }
  // The URL as given (with its password): pass it only to RedactUrl/RedactSecrets.
  const std::string& url() const { return url_; }

  // Runs one statement (extended protocol, text results). On failure: QueryFailed(doing, ...).
  Result<ResultPtr> Exec(std::string_view doing, const std::string& sql, const Params& params = {});

  // Like Exec, but returns the result whatever its status, for callers that map errors
  // themselves (a revision's SQL). Never null (an out-of-memory result is synthesised).
  ResultPtr ExecRaw(const std::string& sql, const Params& params = {});

  // Runs a string of several statements with the simple query protocol (one round trip).
  ResultPtr ExecScriptRaw(const std::string& sql);

  // After an error: rolls back an open or failed transaction. Best effort (the connection may
  // be gone, which then shows at the next call).
  void RollbackIfOpen();

  // Asks the server to cancel the statement running on this connection. Thread-safe.
  void Cancel();

 private:
  Session(ConnPtr conn, std::string url);

  ConnPtr conn_;
  CancelPtr cancel_;
  std::string url_;
};

}  // namespace strata::pg

#endif  // STRATA_DRIVER_POSTGRES_SESSION_H_
