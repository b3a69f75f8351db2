#include "driver/postgres/session.h"

#include <poll.h>

#include <cerrno>
#include <cstdlib>
#include <utility>

#include "driver/postgres/pg_error.h"

namespace strata::pg {
namespace {

ResultPtr Synthesise(PGconn* conn, PGresult* result) {
  if (result == nullptr) result = PQmakeEmptyPGresult(conn, PGRES_FATAL_ERROR);
  return ResultPtr(result);
}

struct ParamArrays {
  std::vector<const char*> values;
  explicit ParamArrays(const Params& params) {
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  }
};

}  // namespace

Result<std::unique_ptr<Session>> Session::Connect(std::string url) {
  // With expand_dbname, the URL's settings override the keywords before it and are overridden
  // by those after it: connect_timeout is a default the URL may change; the fallback
  // application name only applies when the URL sets none.
  std::vector<const char*> keys;
  std::vector<const char*> values;
  if (std::getenv("PGCONNECT_TIMEOUT") == nullptr) {
    keys.push_back("connect_timeout");
    values.push_back("10");
  }
  keys.push_back("dbname");
  values.push_back(url.c_str());
  keys.push_back("fallback_application_name");
  values.push_back("strata");
  keys.push_back(nullptr);
  values.push_back(nullptr);
  ConnPtr conn(PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1));
  if (conn == nullptr || PQstatus(conn.get()) != CONNECTION_OK) {
    return ConnectFailed(conn.get(), url);
  }
  return std::unique_ptr<Session>(new Session(std::move(conn), std::move(url)));
}

Session::Session(ConnPtr conn, std::string url)
    : conn_(std::move(conn)), cancel_(PQgetCancel(conn_.get())), url_(std::move(url)) {
  PQsetNoticeReceiver(conn_.get(), &Session::ReceiveNotice, this);
}

void Session::ReceiveNotice(void* session, const PGresult* notice) {
  const NoticeHandler& handler = static_cast<Session*>(session)->notice_handler_;
  if (handler) handler(notice);
}

ResultPtr Session::ExecRaw(const std::string& sql, const Params& params) {
  ParamArrays arrays(params);
  if (PQsendQueryParams(conn_.get(), sql.c_str(), static_cast<int>(params.size()), nullptr,
                        arrays.values.data(), nullptr, nullptr, 0) != 1) {
    return Synthesise(conn_.get(), nullptr);
  }
  return CollectResults();
}

ResultPtr Session::ExecScriptRaw(const std::string& sql) {
  if (PQsendQuery(conn_.get(), sql.c_str()) != 1) return Synthesise(conn_.get(), nullptr);
  return CollectResults();
}

void Session::AwaitResult() {
  PGconn* conn = conn_.get();
  if (PQflush(conn) < 0) return;
  for (;;) {
    if (!PQisBusy(conn)) return;
    const bool wanted = cancel_wanted_.load();
    pollfd fd{PQsocket(conn), POLLIN, 0};
    if (fd.fd < 0) return;
    // Without a cancel wanted this could wait forever; it wakes now and then anyway, in case
    // Cancel() ran on another thread (a signal handler interrupts the poll itself).
    int ready = ::poll(&fd, 1, wanted ? 100 : 250);
    if (ready < 0 && errno != EINTR) return;
    if (ready > 0 && PQconsumeInput(conn) != 1) return;
    if (ready == 0 && wanted) SendCancel();
  }
}

bool Session::EndCopy(const PGresult* result) {
  switch (PQresultStatus(result)) {
    case PGRES_COPY_IN:
      PQputCopyEnd(conn_.get(),
                   "strata runs no COPY FROM STDIN; load data with INSERT or COPY FROM a file");
      return true;
    case PGRES_COPY_OUT: {
      char* buffer = nullptr;
      while (PQgetCopyData(conn_.get(), &buffer, 0) > 0) PQfreemem(buffer);
      return true;
    }
    default:
      return false;
  }
}

ResultPtr Session::CollectResults() {
  PGconn* conn = conn_.get();
  ResultPtr kept;
  for (;;) {
    AwaitResult();
    PGresult* raw = PQgetResult(conn);
    if (raw == nullptr) break;
    ResultPtr result(raw);
    if (EndCopy(raw)) continue;
    if (kept != nullptr && PQresultStatus(kept.get()) == PGRES_FATAL_ERROR) continue;
    kept = std::move(result);
  }
  return Synthesise(conn, kept.release());
}

Result<ResultPtr> Session::Exec(std::string_view doing, const std::string& sql,
                                const Params& params) {
  ResultPtr result = ExecRaw(sql, params);
  ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return QueryFailed(doing, result.get(), conn_.get(), url_);
  }
  return result;
}

void Session::RollbackIfOpen() {
  PGTransactionStatusType state = PQtransactionStatus(conn_.get());
  if (state == PQTRANS_INTRANS || state == PQTRANS_INERROR) {
    ResultPtr ignored(PQexec(conn_.get(), "ROLLBACK"));
  }
}

void Session::Cancel() {
  cancel_wanted_.store(true);
  SendCancel();
}

void Session::SendCancel() {
  if (cancel_ == nullptr) return;
  char errbuf[256];
  // Best effort: a failed cancel request leaves the statement running, as if never asked.
  (void)PQcancel(cancel_.get(), errbuf, sizeof errbuf);
}

}  // namespace strata::pg
