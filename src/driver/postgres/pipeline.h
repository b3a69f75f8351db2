// Pipeline: a batch of statements sent to PostgreSQL in one round trip (libpq pipeline mode,
// extended protocol) and read back in order. A step's BEGIN, its statements, the version-table
// changes, the strata_log row and COMMIT travel together, so strata's cost per revision is one
// round trip for any ordinary revision; a revision of very many statements is sent as several
// such batches inside its one transaction (postgres_driver.cc), so that what is in flight stays
// bounded.
//
// After the first failing item the server skips the rest up to the batch's Sync (libpq reports
// them as PGRES_PIPELINE_ABORTED); an explicit transaction is then left in the failed state and
// the caller rolls it back.
//
// Results are read and freed one by one; only the first failure's is kept. Statement() items
// borrow their text, so a batch costs about a hundred bytes per item besides libpq's buffers.
//
// Borrows the Session; not thread-safe. Single use: add items, Run() once.
#ifndef STRATA_DRIVER_POSTGRES_PIPELINE_H_
#define STRATA_DRIVER_POSTGRES_PIPELINE_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "driver/postgres/pg_handles.h"
#include "driver/postgres/session.h"
#include "strata/status.h"

namespace strata::pg {

class Pipeline {
 public:
  explicit Pipeline(Session& session) : session_(session) {}

  // Each returns the item's index. `tag` is the caller's label for mapping a failure back to
  // what it was (a statement number, the version table, ...).
  int Query(std::string sql, Params params, int tag);
  // A statement without parameters whose text `sql` views: it must stay alive until Run()
  // returns (a revision's statement, a view into its section).
  int Statement(std::string_view sql, int tag);
  int Prepare(std::string name, std::string sql, int tag);
  int Prepared(std::string name, Params params, int tag);
  // Keeps `item`'s result (its rows) for TakeResult after Run(), instead of freeing it.
  void KeepResult(int item) { kept_.emplace_back(item, nullptr); }
  // The kept result of a successful item (null otherwise), handed over to the caller.
  ResultPtr TakeResult(int item);

  // Sends the batch with one Sync and reads every result. Returns ok when every item
  // succeeded. Otherwise failed_item() names the first failing item and failed_result() holds
  // its error; a Status is returned only for a failure outside the server's answers (connection
  // lost: kConnection), in which case failed_item() may be -1.
  Status Run();

  int size() const { return static_cast<int>(items_.size()); }
  int failed_item() const { return failed_item_; }
  int tag(int item) const { return items_[item].tag; }
  const PGresult* failed_result() const { return failed_result_.get(); }
  bool succeeded(int item) const { return items_[item].ok; }
  // The item whose results Run() is reading now (-1 outside Run): the server's notices about a
  // statement arrive while its results are read.
  int reading() const { return reading_; }

 private:
  enum class Kind { kQuery, kStatement, kPrepare, kPrepared };
  struct Item {
    Kind kind;
    std::string sql_or_name;
    std::string prepare_sql;
    Params params;
    int tag = 0;
    bool ok = false;
    std::string_view borrowed;  // kStatement's text
  };
  bool Send(const Item& item);
  void ReadItem(Item& item, int index);

  Session& session_;
  std::vector<Item> items_;
  std::string scratch_;  // a borrowed statement, NUL-terminated for libpq
  int failed_item_ = -1;
  int reading_ = -1;
  ResultPtr failed_result_;
  std::vector<std::pair<int, ResultPtr>> kept_;  // KeepResult's items and their results
};

}  // namespace strata::pg

#endif  // STRATA_DRIVER_POSTGRES_PIPELINE_H_
