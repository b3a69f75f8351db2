// `strata schema`: the database's normalised schema (DESIGN §8), as SQL-ish text or JSON.
#include "cli/commands.h"
#include "cli/format.h"
#include "strata/snapshot.h"

namespace strata::cli {

Status RunSchema(const Context& ctx, const SchemaOptions& o) {
  Result<std::unique_ptr<Driver>> db = ctx.OpenDatabase();
  if (!db.ok()) return db.status();
  Result<SchemaSnapshot> snapshot = (*db)->Snapshot();
  if (!snapshot.ok()) return snapshot.status();
  const bool json = o.format.empty() ? ctx.json() : o.format == "json";
  Print(json ? SnapshotJson(*snapshot) : SnapshotSql(*snapshot));
  return Status::Ok();
}

}  // namespace strata::cli
