// ScratchDatabase (scratch.h): a temporary SQLite file in a folder of its own, or a temporary
// PostgreSQL database made through a connection to the scratch server.
#include "verify/scratch.h"

#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>
#include <system_error>
#include <utility>

#include "strata/url.h"

namespace strata {
namespace {

constexpr const char* kScratchHint =
    "pass --scratch-url postgresql://USER@HOST/DB naming a server where USER may CREATE DATABASE "
    "(a throwaway server in CI); the databases strata makes there are dropped afterwards";

// Puts what failed in the scratch database's terms, keeping the kind (the exit code), with the
// driver's hint and the way to another scratch server.
Status ScratchFailed(const Status& status, std::string_view what, bool explicit_url) {
  std::string hint = status.hint();
  if (explicit_url) {
    hint = "check --scratch-url" + (hint.empty() ? std::string() : ": " + hint);
  } else {
    hint += (hint.empty() ? "" : "; or ") + std::string(kScratchHint);
  }
  return Status::Error(status.kind(), fmt::format("{}: {}", what, status.message()))
      .WithHint(std::move(hint));
}

}  // namespace

Result<std::unique_ptr<ScratchDatabase>> ScratchDatabase::Create(const ScratchOptions& options,
                                                                 std::string_view purpose) {
  namespace fs = std::filesystem;
  const bool explicit_url = !options.scratch_url.empty();
  const std::string& where = explicit_url ? options.scratch_url : options.database_url;
  Result<DatabaseUrl> url = ParseDatabaseUrl(where);
  if (!url.ok()) {
    return explicit_url ? Status::Usage("--scratch-url: " + url.status().message())
                              .WithHint(url.status().hint())
                        : url.status();
  }
  std::unique_ptr<ScratchDatabase> scratch(new ScratchDatabase());
  scratch->keep_ = options.keep;
  // Nothing reads a scratch database's strata_log: the snapshots verify compares are its own.
  DriverOptions driver_options = options.driver;
  driver_options.record_schema_hash = false;
  if (url->kind == DatabaseKind::kSqlite) {
    if (explicit_url) {
      return Status::Usage(
                 fmt::format("--scratch-url {} is a SQLite URL; it names the PostgreSQL server "
                             "to make scratch databases on",
                             RedactUrl(where)))
          .WithHint(
              "leave --scratch-url out: SQLite scratch databases are temporary files (--keep "
              "keeps them)");
    }
    std::error_code ec;
    fs::path base = fs::temp_directory_path(ec);
    if (ec) base = "/tmp";
    std::string folder = (base / fmt::format("strata-{}-XXXXXX", purpose)).string();
    if (mkdtemp(folder.data()) == nullptr) {
      return Status::Connection(fmt::format("cannot make a folder for a scratch database in {}: {}",
                                            base.string(), std::strerror(errno)))
          .WithHint("set TMPDIR to a writable folder");
    }
    scratch->temp_dir_ = folder;
    DatabaseUrl file;
    file.kind = DatabaseKind::kSqlite;
    file.sqlite_path = folder + "/scratch.db";
    file.original = "sqlite://" + file.sqlite_path;
    scratch->display_ = file.original;
    scratch->url_ = file.original;
    Result<std::unique_ptr<Driver>> driver = OpenDriver(file, driver_options);
    if (!driver.ok())
      return ScratchFailed(driver.status(), "cannot open a scratch database", explicit_url);
    scratch->driver_ = std::move(driver).value();
    return scratch;
  }

  DriverOptions admin_options = driver_options;
  admin_options.on_wait = nullptr;
  Result<std::unique_ptr<Driver>> admin = OpenDriver(*url, admin_options);
  if (!admin.ok()) {
    return ScratchFailed(admin.status(),
                         fmt::format("cannot reach the scratch server {}", RedactUrl(where)),
                         explicit_url);
  }
  std::random_device random;
  std::string name =
      fmt::format("strata_{}_{}_{:08x}", purpose, static_cast<int>(getpid()), random());
  Result<std::string> conninfo = (*admin)->CreateScratchDatabase(name);
  if (!conninfo.ok()) {
    return ScratchFailed(
        conninfo.status(),
        fmt::format("cannot create scratch database {} on {}", name, RedactUrl(where)),
        explicit_url);
  }
  // From here on the destructor drops the database, whatever fails next.
  scratch->admin_ = std::move(admin).value();
  scratch->name_ = name;
  scratch->display_ = RedactUrl(*conninfo);
  scratch->url_ = *conninfo;
  Result<DatabaseUrl> scratch_url = ParseDatabaseUrl(*conninfo);
  if (!scratch_url.ok()) return scratch_url.status();
  Result<std::unique_ptr<Driver>> driver = OpenDriver(*scratch_url, driver_options);
  if (!driver.ok()) {
    return ScratchFailed(driver.status(), "cannot connect to scratch database " + name,
                         explicit_url);
  }
  scratch->driver_ = std::move(driver).value();
  return scratch;
}

ScratchDatabase::~ScratchDatabase() {
  driver_.reset();  // its session must be gone before the database can be dropped
  if (keep_) return;
  if (admin_ != nullptr && !name_.empty()) (void)admin_->DropScratchDatabase(name_);
  if (!temp_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(temp_dir_, ec);
  }
}

}  // namespace strata
