#include "driver/postgres/session.h"

#include <cstdlib>
#include <utility>

#include "driver/postgres/pg_error.h"

namespace strata::pg {
namespace {

void IgnoreNotice(void* /*arg*/, const char* /*message*/) {}

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
  PQsetNoticeProcessor(conn.get(), IgnoreNotice, nullptr);
  return std::unique_ptr<Session>(new Session(std::move(conn), std::move(url)));
}

Session::Session(ConnPtr conn, std::string url)
    : conn_(std::move(conn)), cancel_(PQgetCancel(conn_.get())), url_(std::move(url)) {}

ResultPtr Session::ExecRaw(const std::string& sql, const Params& params) {
  ParamArrays arrays(params);
  return Synthesise(conn_.get(),
                    PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(params.size()), nullptr,
                                 arrays.values.data(), nullptr, nullptr, 0));
}

ResultPtr Session::ExecScriptRaw(const std::string& sql) {
  return Synthesise(conn_.get(), PQexec(conn_.get(), sql.c_str()));
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
  if (cancel_ == nullptr) return;
  char errbuf[256];
  // Best effort: a failed cancel request leaves the statement running, as if never asked.
  (void)PQcancel(cancel_.get(), errbuf, sizeof errbuf);
}

}  // namespace strata::pg
