#include "driver/postgres/pipeline.h"

#include <utility>

#include "driver/postgres/pg_error.h"

namespace strata::pg {

int Pipeline::Query(std::string sql, Params params, int tag) {
  items_.push_back({Kind::kQuery, std::move(sql), "", std::move(params), tag, false, {}});
  return static_cast<int>(items_.size()) - 1;
}

int Pipeline::Statement(std::string_view sql, int tag) {
  items_.push_back({Kind::kStatement, "", "", {}, tag, false, sql});
  return static_cast<int>(items_.size()) - 1;
}

int Pipeline::Prepare(std::string name, std::string sql, int tag) {
  items_.push_back({Kind::kPrepare, std::move(name), std::move(sql), {}, tag, false, {}});
  return static_cast<int>(items_.size()) - 1;
}

int Pipeline::Prepared(std::string name, Params params, int tag) {
  items_.push_back({Kind::kPrepared, std::move(name), "", std::move(params), tag, false, {}});
  return static_cast<int>(items_.size()) - 1;
}

bool Pipeline::Send(const Item& item) {
  PGconn* conn = session_.conn();
  std::vector<const char*> values;
  values.reserve(item.params.size());
  for (const auto& p : item.params) values.push_back(p ? p->c_str() : nullptr);
  int n = static_cast<int>(values.size());
  switch (item.kind) {
    case Kind::kQuery:
      return PQsendQueryParams(conn, item.sql_or_name.c_str(), n, nullptr, values.data(), nullptr,
                               nullptr, 0) == 1;
    case Kind::kStatement:
      // libpq copies the text into its output buffer (flushed every 64 KB in pipeline mode).
      scratch_.assign(item.borrowed);
      return PQsendQueryParams(conn, scratch_.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) ==
             1;
    case Kind::kPrepare:
      return PQsendPrepare(conn, item.sql_or_name.c_str(), item.prepare_sql.c_str(), 0, nullptr) ==
             1;
    case Kind::kPrepared:
      return PQsendQueryPrepared(conn, item.sql_or_name.c_str(), n, values.data(), nullptr, nullptr,
                                 0) == 1;
  }
  return false;
}

void Pipeline::ReadItem(Item& item, int index) {
  PGconn* conn = session_.conn();
  // An item's results end with a null result.
  for (;;) {
    session_.AwaitResult();
    PGresult* raw = PQgetResult(conn);
    if (raw == nullptr) break;
    ResultPtr result(raw);
    if (session_.EndCopy(raw)) continue;  // a revision's COPY: its own result follows
    ExecStatusType status = PQresultStatus(raw);
    bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK ||
              status == PGRES_EMPTY_QUERY || status == PGRES_SINGLE_TUPLE;
    if (status == PGRES_FATAL_ERROR && failed_item_ < 0) {
      failed_item_ = index;
      failed_result_ = std::move(result);
      item.ok = false;
      continue;
    }
    item.ok = ok && failed_item_ != index;
    for (auto& [kept_item, kept] : kept_) {
      if (kept_item == index && item.ok) kept = std::move(result);
    }
  }
}

ResultPtr Pipeline::TakeResult(int item) {
  for (auto& [kept_item, kept] : kept_) {
    if (kept_item == item) return std::move(kept);
  }
  return nullptr;
}

Status Pipeline::Run() {
  PGconn* conn = session_.conn();
  if (PQenterPipelineMode(conn) != 1) {
    return QueryFailed("starting a pipeline", nullptr, conn, session_.url());
  }
  size_t sent = 0;
  bool send_failed = false;
  for (; sent < items_.size(); ++sent) {
    if (!Send(items_[sent])) {
      send_failed = true;
      break;
    }
  }
  bool synced = !send_failed && PQpipelineSync(conn) == 1;
  for (size_t i = 0; i < sent; ++i) {
    reading_ = static_cast<int>(i);
    ReadItem(items_[i], reading_);
  }
  reading_ = -1;
  if (synced) {
    // The Sync's own result; then the connection is idle again.
    for (;;) {
      session_.AwaitResult();
      PGresult* raw = PQgetResult(conn);
      if (raw == nullptr) break;
      ResultPtr result(raw);
      if (PQresultStatus(raw) == PGRES_PIPELINE_SYNC) break;
    }
  }
  PQexitPipelineMode(conn);
  if (send_failed || !synced || PQstatus(conn) == CONNECTION_BAD) {
    if (failed_item_ >= 0 && PQstatus(conn) != CONNECTION_BAD) return Status::Ok();
    return QueryFailed("sending statements", failed_result_.get(), conn, session_.url());
  }
  return Status::Ok();
}

}  // namespace strata::pg
