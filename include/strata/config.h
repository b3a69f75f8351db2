// Settings and where they come from (DESIGN §1). For every setting, first found wins:
//   1. command-line options (--url, --dir, --config)
//   2. environment: STRATA_URL, then DATABASE_URI, then DATABASE_URL (url only)
//   3. the config file: --config / STRATA_CONFIG, else ./strata.toml when present
//   4. defaults: url sqlite:strata.db, dir migrations
// Relative `dir` and sqlite paths from the config file are taken relative to the current folder,
// as Alembic does with alembic.ini's script_location.
#ifndef STRATA_CONFIG_H_
#define STRATA_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "strata/revision.h"
#include "strata/status.h"

namespace strata {

struct Settings {
  std::string url = "sqlite:strata.db";
  std::string url_source = "default";  // "--url", "STRATA_URL", "strata.toml", ... for messages
  std::string dir = "migrations";
  std::string config_file;  // the file read, or empty
  std::string version_table = "alembic_version";
  std::string version_schema;
  std::chrono::seconds lock_timeout{60};
  std::chrono::milliseconds statement_lock_timeout{0};
  // PostgreSQL `statement_timeout` for each revision's statements; 0 = unset (the server's,
  // role's or database's own setting applies).
  std::chrono::milliseconds statement_timeout{0};
  int retries = 0;
  std::chrono::seconds idle_in_transaction_threshold{60};  // pre-flight (PostgreSQL)
  bool refuse_if_blocked = false;  // stop when the pre-flight finds sessions in the way
  std::string backup_dir = "backups";
  int backup_keep_days = 7;
  bool backup_before_upgrade = false;    // `upgrade` behaves as `upgrade --backup`
  std::string pg_dump_path;              // a pg_dump executable, or the folder holding one
  std::vector<std::string> lint_allow;   // [lint] allow = [...]
  std::vector<std::string> lint_enable;  // [lint] enable = [...]: opt-in rules
  // Revision files larger than this many bytes are refused (a revision's SQL is held in memory).
  uint64_t max_revision_size = kDefaultMaxRevisionSize;
  // How long `upgrade` waits for standbys to replay the migration (replicas.h); 0 = not at all.
  std::chrono::milliseconds wait_replicas{0};
};

struct SettingsOverrides {
  std::optional<std::string> url;
  std::optional<std::string> dir;
  std::optional<std::string> config;
  // --statement-lock-timeout (a duration as in strata.toml: "2s", "500ms", "0.5"), --retries,
  // --refuse-if-blocked: override strata.toml. A bad duration is a kUsage error.
  std::optional<std::string> statement_lock_timeout;
  std::optional<int> retries;
  // --statement-timeout: a duration as in strata.toml; a bad one is a kUsage error.
  std::optional<std::string> statement_timeout;
  bool refuse_if_blocked = false;
  // --wait-replicas[=DURATION]: a duration as in strata.toml; a bad one is a kUsage error.
  std::optional<std::string> wait_replicas;
};

// `env` returns the value of an environment variable or nullopt (injected for tests).
using EnvLookup = std::optional<std::string> (*)(const char* name);
std::optional<std::string> ProcessEnv(const char* name);

// kInvalidScripts (exit 3) for an unreadable or malformed config file, an unknown key or a value
// of the wrong type, naming file:line and the key. A --config/STRATA_CONFIG file that does not
// exist is an error; a missing ./strata.toml is not.
Result<Settings> LoadSettings(const SettingsOverrides& overrides, EnvLookup env = ProcessEnv);

// A duration in seconds as strata.toml writes it: "60", "0.5", "500ms", "2s", "1min".
// nullopt when malformed or negative.
std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text);

// A size in bytes as strata.toml writes it: "64MB", "512kB", "1.5GB", "1048576" (kB, MB, GB and
// TB are 1024-based, as in postgresql.conf; case and a space before the unit do not matter).
// nullopt when malformed or negative.
std::optional<uint64_t> ParseSize(const std::string& text);

// The options a driver is opened with for these settings (version table, lock timeouts, ...);
// the callbacks are left empty for the caller (CLI, Python module) to fill.
struct DriverOptions;
DriverOptions DriverOptionsFor(const Settings& settings);

// The commented strata.toml that `init` writes.
std::string DefaultConfigFileText(const std::string& dir);

}  // namespace strata

#endif  // STRATA_CONFIG_H_
