// ScratchDatabase: one fresh, empty database that `verify` and `diff` replay migrations in
// (verify.h's ScratchOptions says where), removed again when the object goes unless kept.
//
// Owns its connections. Not thread-safe.
#ifndef STRATA_VERIFY_SCRATCH_H_
#define STRATA_VERIFY_SCRATCH_H_

#include <memory>
#include <string>
#include <string_view>

#include "strata/driver.h"
#include "strata/status.h"
#include "strata/verify.h"

namespace strata {

class ScratchDatabase {
 public:
  // Makes a scratch database for `purpose` (a word that goes into its name: "verify", "diff").
  // kUsage for a scratch URL that cannot be used (SQLite, unparsable), kConnection when the
  // scratch server cannot be reached, kMigrationFailed (with a hint) when its role may not
  // create a database.
  static Result<std::unique_ptr<ScratchDatabase>> Create(const ScratchOptions& options,
                                                         std::string_view purpose);

  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;
  // Drops the database (PostgreSQL, WITH (FORCE)) or removes the file and its folder, unless
  // kept. Best effort: a failure leaves a database named strata_<purpose>_<pid>_<hex> behind.
  ~ScratchDatabase();

  Driver& driver() { return *driver_; }
  const char* dialect() const { return driver_->dialect(); }
  // The URL with the password masked: what a person types to look into a kept database.
  const std::string& display() const { return display_; }
  // The URL or libpq keyword string that opens it, credentials included: only for another
  // client of the same database (`import alembic --verify`'s Alembic), passed through its
  // environment, never printed.
  const std::string& url() const { return url_; }

 private:
  ScratchDatabase() = default;

  std::unique_ptr<Driver> admin_;   // PostgreSQL: the connection that created the database
  std::unique_ptr<Driver> driver_;  // the scratch database
  std::string name_;                // PostgreSQL: the database's name
  std::string temp_dir_;            // SQLite: the folder holding the file
  std::string display_;
  std::string url_;
  bool keep_ = false;
};

}  // namespace strata

#endif  // STRATA_VERIFY_SCRATCH_H_
