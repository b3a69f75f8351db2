// Session: one libpq connection to PostgreSQL, owned for the driver's lifetime, with the
// helpers the driver runs its own queries through.
//
// The connection sets application_name=strata unless the URL sets one (libpq's
// fallback_application_name), and connect_timeout=10 unless the URL or PGCONNECT_TIMEOUT set
// one. Notices and warnings (IF NOT EXISTS skips, a revision's RAISE NOTICE) go to the notice
// handler while one is set (step_notices.h sets it around a revision's statements), else nowhere.
//
// Not thread-safe, except Cancel(). Every failing call returns a Status built by pg_error.h.
//
// Every wait for the server goes through AwaitResult, so that a cancel is never lost: the server
// drops a cancel request that arrives while it waits for the client's next message (after
// "Running upgrade ..." was printed but before the statements reached it, say), so once Cancel()
// was called the request is sent again while a result is still outstanding.
#ifndef STRATA_DRIVER_POSTGRES_SESSION_H_
#define STRATA_DRIVER_POSTGRES_SESSION_H_

#include <atomic>
#include <functional>
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

  // Runs a string of several statements with the simple query protocol (one round trip). The
  // first error's result, else the last result. A COPY FROM STDIN is failed (strata has no data
  // to send it), a COPY TO STDOUT's data is read and dropped.
  ResultPtr ExecScriptRaw(const std::string& sql);

  // Blocks until PQgetResult will not block, re-sending the cancel request while one is wanted
  // (see above). Returns early when the connection failed: PQgetResult then reports it.
  void AwaitResult();

  // When `result` starts a COPY, which strata never feeds: fails a COPY FROM STDIN, reads and
  // drops a COPY TO STDOUT's data, and returns true (the statement's own result follows).
  bool EndCopy(const PGresult* result);

  // Reads the results of the query sent last: the first error's, else the last one; handles
  // COPY as ExecScriptRaw says. Never null.
  ResultPtr CollectResults();

  // After an error: rolls back an open or failed transaction. Best effort (the connection may
  // be gone, which then shows at the next call).
  void RollbackIfOpen();

  // Asks the server to cancel the statement running on this connection, now and, while this
  // session waits for a result, again until the statement ends. Thread-safe and
  // async-signal-safe (PQcancel and an atomic store).
  void Cancel();

  // Stops re-sending the cancel request, for the queries that record a failure after the
  // cancelled statement ended.
  void StopCancelling() { cancel_wanted_.store(false); }

  // Receives each notice or warning the server sends (a PGresult with its fields) while set;
  // an empty handler drops them. Called on this session's thread, inside its libpq calls.
  using NoticeHandler = std::function<void(const PGresult*)>;
  void SetNoticeHandler(NoticeHandler handler) { notice_handler_ = std::move(handler); }

 private:
  Session(ConnPtr conn, std::string url);
  static void ReceiveNotice(void* session, const PGresult* notice);

  // Sends the cancel request once.
  void SendCancel();

  ConnPtr conn_;
  CancelPtr cancel_;
  std::atomic<bool> cancel_wanted_{false};
  std::string url_;
  NoticeHandler notice_handler_;
};

}  // namespace strata::pg

#endif  // STRATA_DRIVER_POSTGRES_SESSION_H_
