#include "strata/config.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace strata {
namespace {

// PostgreSQL's largest timeout setting (an int of milliseconds).
constexpr std::chrono::milliseconds kMaxPostgresTimeout{2147483647};

// A key's location for messages: "strata.toml:4".
int LineOf(const toml::node& node) { return static_cast<int>(node.source().begin.line); }

Status BadValue(const std::string& file, const toml::node& node, std::string_view key,
                std::string_view expected) {
  return Status::InvalidScripts(fmt::format("setting '{}' must be {}", key, expected))
      .WithLocation(file, LineOf(node));
}

Status ReadString(const std::string& file, const toml::node& node, std::string_view key,
                  std::string& out) {
  if (auto v = node.value<std::string>(); v && node.is_string()) {
    out = *v;
    return Status::Ok();
  }
  return BadValue(file, node, key, "a string");
}

Status ReadNonNegativeInt(const std::string& file, const toml::node& node, std::string_view key,
                          int64_t& out) {
  if (node.is_integer()) {
    int64_t v = *node.value<int64_t>();
    if (v >= 0) {
      out = v;
      return Status::Ok();
    }
  }
  return BadValue(file, node, key, "a whole number >= 0");
}

// Durations are seconds: an integer, a float ("0.5"), or a string with a unit ("500ms", "2s").
Status ReadDuration(const std::string& file, const toml::node& node, std::string_view key,
                    std::chrono::milliseconds& out) {
  double seconds = -1;
  if (node.is_integer()) {
    seconds = static_cast<double>(*node.value<int64_t>());
  } else if (node.is_floating_point()) {
    seconds = *node.value<double>();
  } else if (node.is_string()) {
    if (auto d = ParseDuration(*node.value<std::string>())) {
      out = *d;
      return Status::Ok();
    }
  }
  if (!(seconds >= 0) || std::isinf(seconds)) {
    return BadValue(file, node, key, "a duration in seconds (e.g. 60, 0.5, \"500ms\", \"2s\")");
  }
  out = std::chrono::milliseconds(static_cast<int64_t>(std::llround(seconds * 1000.0)));
  return Status::Ok();
}

// Sizes are bytes: an integer, or a string with a unit ("64MB"). At least 1 MB: a limit below
// that would refuse ordinary revisions.
Status ReadSize(const std::string& file, const toml::node& node, std::string_view key,
                uint64_t& out) {
  std::optional<uint64_t> size;
  if (node.is_integer() && *node.value<int64_t>() >= 0) {
    size = static_cast<uint64_t>(*node.value<int64_t>());
  } else if (node.is_string()) {
    size = ParseSize(*node.value<std::string>());
  }
  if (!size || *size < (uint64_t{1} << 20)) {
    return BadValue(file, node, key, "a size of at least 1MB (e.g. \"256MB\", \"1GB\")");
  }
  out = *size;
  return Status::Ok();
}

Status ReadBool(const std::string& file, const toml::node& node, std::string_view key, bool& out) {
  if (node.is_boolean()) {
    out = *node.value<bool>();
    return Status::Ok();
  }
  return BadValue(file, node, key, "true or false");
}

// The line of the first non-ASCII byte outside a string or comment, 0 when there is none. TOML
// allows such characters only there, and toml++ 3.3's whitespace check reaches an "unreachable"
// branch (undefined behaviour) on some code points where a token is expected (found by
// config_fuzz): such files are refused here, before toml++ reads them.
int NonAsciiOutsideStrings(std::string_view text) {
  enum class In { kCode, kComment, kBasic, kLiteral, kMultiBasic, kMultiLiteral } in = In::kCode;
  int line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') ++line;
    auto starts = [&](std::string_view s) { return text.substr(i, s.size()) == s; };
    switch (in) {
      case In::kCode:
        if (static_cast<unsigned char>(c) >= 0x80) return line;
        if (c == '#') {
          in = In::kComment;
        } else if (starts("\"\"\"")) {
          in = In::kMultiBasic, i += 2;
        } else if (starts("'''")) {
          in = In::kMultiLiteral, i += 2;
        } else if (c == '"') {
          in = In::kBasic;
        } else if (c == '\'') {
          in = In::kLiteral;
        }
        break;
      case In::kComment:
        if (c == '\n') in = In::kCode;
        break;
      case In::kBasic:
        if (static_cast<unsigned char>(c) >= 0x80) return line;
        if (c == '\\') {
          ++i;
        } else if (c == '"' || c == '\n') {
          in = In::kCode;
        }
        break;
      case In::kLiteral:
        if (static_cast<unsigned char>(c) >= 0x80) return line;
        if (c == '\'' || c == '\n') in = In::kCode;
        break;
      case In::kMultiBasic:
        if (static_cast<unsigned char>(c) >= 0x80) return line;
        if (c == '\\') {
          ++i;
        } else if (starts("\"\"\"")) {
          in = In::kCode, i += 2;
        }
        break;
      case In::kMultiLiteral:
        if (static_cast<unsigned char>(c) >= 0x80) return line;
        if (starts("'''")) in = In::kCode, i += 2;
        break;
    }
  }
  return 0;
}

Status ApplyConfigFile(const std::string& file, Settings& s, bool url_from_file,
                       bool dir_from_file) {
  toml::table root;
  try {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open the file");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (int line = NonAsciiOutsideStrings(text); line > 0) {
      return Status::InvalidScripts("cannot parse config: a non-ASCII character outside a comment")
          .WithLocation(file, line)
          .WithHint(
              "strata.toml takes ASCII only outside comments (toml++ 3.3 misreads some other "
              "characters)");
    }
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    return Status::InvalidScripts(fmt::format("cannot parse config: {}", e.description()))
        .WithLocation(file, static_cast<int>(e.source().begin.line));
  } catch (const std::exception& e) {
    return Status::InvalidScripts(fmt::format("cannot read config: {}", e.what()))
        .WithLocation(file);
  }

  std::vector<Status> problems;
  for (auto&& [k, node] : root) {
    const std::string key(k.str());
    Status st;
    int64_t n = 0;
    std::chrono::milliseconds d{0};
    if (key == "url") {
      std::string v;
      st = ReadString(file, node, key, v);
      if (st.ok() && url_from_file) {
        s.url = v;
        s.url_source = file;
      }
    } else if (key == "dir") {
      std::string v;
      st = ReadString(file, node, key, v);
      if (st.ok() && dir_from_file) s.dir = v;
    } else if (key == "version_table") {
      st = ReadString(file, node, key, s.version_table);
    } else if (key == "version_schema") {
      st = ReadString(file, node, key, s.version_schema);
    } else if (key == "backup_dir") {
      st = ReadString(file, node, key, s.backup_dir);
    } else if (key == "lock_timeout") {
      st = ReadDuration(file, node, key, d);
      if (st.ok()) s.lock_timeout = std::chrono::duration_cast<std::chrono::seconds>(d);
    } else if (key == "statement_lock_timeout") {
      st = ReadDuration(file, node, key, s.statement_lock_timeout);
    } else if (key == "statement_timeout") {
      st = ReadDuration(file, node, key, s.statement_timeout);
      if (st.ok() && s.statement_timeout > kMaxPostgresTimeout) {
        st = BadValue(file, node, key, "at most 2147483647ms (PostgreSQL's limit, about 24 days)");
      }
    } else if (key == "retries") {
      st = ReadNonNegativeInt(file, node, key, n);
      if (st.ok()) s.retries = static_cast<int>(n);
    } else if (key == "idle_in_transaction_threshold") {
      st = ReadDuration(file, node, key, d);
      if (st.ok()) {
        s.idle_in_transaction_threshold = std::chrono::duration_cast<std::chrono::seconds>(d);
      }
    } else if (key == "refuse_if_blocked") {
      st = ReadBool(file, node, key, s.refuse_if_blocked);
    } else if (key == "max_revision_size") {
      st = ReadSize(file, node, key, s.max_revision_size);
    } else if (key == "backup_keep_days") {
      st = ReadNonNegativeInt(file, node, key, n);
      if (st.ok()) s.backup_keep_days = static_cast<int>(n);
    } else if (key == "wait_replicas") {
      st = ReadDuration(file, node, key, s.wait_replicas);
    } else if (key == "backup_before_upgrade") {
      st = ReadBool(file, node, key, s.backup_before_upgrade);
    } else if (key == "pg_dump_path") {
      st = ReadString(file, node, key, s.pg_dump_path);
    } else if (key == "lint") {
      const toml::table* lint = node.as_table();
      if (!lint) {
        st = BadValue(file, node, key, "a table ([lint])");
      } else {
        for (auto&& [lk, lnode] : *lint) {
          if (lk.str() != "allow" && lk.str() != "enable") {
            problems.push_back(
                Status::InvalidScripts(fmt::format("unknown setting 'lint.{}'; "
                                                   "the [lint] table takes 'allow' and 'enable'",
                                                   lk.str()))
                    .WithLocation(file, LineOf(lnode)));
            continue;
          }
          std::vector<std::string>& into = lk.str() == "allow" ? s.lint_allow : s.lint_enable;
          const toml::array* arr = lnode.as_array();
          bool good = arr != nullptr;
          if (arr) {
            for (auto&& el : *arr) {
              if (!el.is_string())
                good = false;
              else
                into.push_back(*el.value<std::string>());
            }
          }
          if (!good) {
            problems.push_back(
                BadValue(file, lnode, "lint." + std::string(lk.str()), "a list of rule ids"));
          }
        }
      }
    } else {
      st = Status::InvalidScripts(
               fmt::format(
                   "unknown setting '{}'; known settings: url, dir, version_table, "
                   "version_schema, lock_timeout, statement_lock_timeout, "
                   "statement_timeout, retries, idle_in_transaction_threshold, refuse_if_blocked, "
                   "max_revision_size, backup_dir, backup_keep_days, "
                   "backup_before_upgrade, pg_dump_path, wait_replicas, [lint] allow",
                   key))
               .WithLocation(file, LineOf(node));
    }
    if (!st.ok()) problems.push_back(std::move(st));
  }
  if (!s.version_table.empty() && s.version_table.size() > 63) {
    problems.push_back(
        Status::InvalidScripts("setting 'version_table' is longer than 63 characters")
            .WithLocation(file));
  }
  if (s.version_table.empty()) {
    problems.push_back(
        Status::InvalidScripts("setting 'version_table' must not be empty").WithLocation(file));
  }
  return Combine(problems);
}

}  // namespace

std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text) {
  char* end = nullptr;
  double n = std::strtod(text.c_str(), &end);
  if (end == text.c_str()) return std::nullopt;
  std::string unit = end ? std::string(end) : "";
  double seconds = -1;
  if (unit == "ms")
    seconds = n / 1000.0;
  else if (unit == "s" || unit.empty())
    seconds = n;
  else if (unit == "min")
    seconds = n * 60;
  if (!(seconds >= 0) || std::isinf(seconds)) return std::nullopt;
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(seconds * 1000.0)));
}

std::optional<uint64_t> ParseSize(const std::string& text) {
  char* end = nullptr;
  double n = std::strtod(text.c_str(), &end);
  if (end == text.c_str()) return std::nullopt;
  std::string unit;
  for (const char* c = end; *c != '\0'; ++c) {
    if (*c != ' ') unit += static_cast<char>(std::tolower(static_cast<unsigned char>(*c)));
  }
  double factor = -1;
  if (unit.empty() || unit == "b") {
    factor = 1;
  } else if (unit == "kb") {
    factor = 1024.0;
  } else if (unit == "mb") {
    factor = 1024.0 * 1024;
  } else if (unit == "gb") {
    factor = 1024.0 * 1024 * 1024;
  } else if (unit == "tb") {
    factor = 1024.0 * 1024 * 1024 * 1024;
  }
  const double bytes = n * factor;
  if (factor < 0 || !(bytes >= 0) || bytes >= 1.8e19) return std::nullopt;
  return static_cast<uint64_t>(std::round(bytes));
}

std::optional<std::string> ProcessEnv(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

Result<Settings> LoadSettings(const SettingsOverrides& overrides, EnvLookup env) {
  Settings s;

  // 1. and 2.: the URL from the command line, then the environment.
  bool url_found = false;
  if (overrides.url) {
    s.url = *overrides.url;
    s.url_source = "--url";
    url_found = true;
  } else {
    for (const char* name : {"STRATA_URL", "DATABASE_URI", "DATABASE_URL"}) {
      if (auto v = env(name)) {
        s.url = *v;
        s.url_source = name;
        url_found = true;
        break;
      }
    }
  }
  if (overrides.dir) s.dir = *overrides.dir;

  // 3. the config file.
  std::string file;
  bool must_exist = true;
  if (overrides.config) {
    file = *overrides.config;
  } else if (auto v = env("STRATA_CONFIG")) {
    file = *v;
  } else {
    file = "strata.toml";
    must_exist = false;
  }
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    s.config_file = file;
    STRATA_RETURN_IF_ERROR(ApplyConfigFile(file, s, !url_found, !overrides.dir));
  } else if (must_exist) {
    return Status::InvalidScripts(fmt::format("config file '{}' does not exist", file))
        .WithHint("check --config / STRATA_CONFIG, or run `strata init` to create strata.toml");
  }
  // Command-line overrides of the file's lock settings.
  if (overrides.statement_lock_timeout) {
    auto d = ParseDuration(*overrides.statement_lock_timeout);
    if (!d) {
      return Status::Usage(fmt::format(
          "--statement-lock-timeout must be a duration in seconds (e.g. 2, 0.5, 500ms, 2s), not "
          "'{}'",
          *overrides.statement_lock_timeout));
    }
    s.statement_lock_timeout = *d;
  }
  if (overrides.statement_timeout) {
    auto d = ParseDuration(*overrides.statement_timeout);
    if (!d || *d > kMaxPostgresTimeout) {
      return Status::Usage(fmt::format(
          "--statement-timeout must be a duration in seconds up to about 24 days (e.g. 300, 30s, "
          "5min), not '{}'",
          *overrides.statement_timeout));
    }
    s.statement_timeout = *d;
  }
  if (overrides.retries) {
    if (*overrides.retries < 0) return Status::Usage("--retries must be a whole number >= 0");
    s.retries = *overrides.retries;
  }
  if (overrides.refuse_if_blocked) s.refuse_if_blocked = true;
  if (overrides.wait_replicas) {
    auto d = ParseDuration(*overrides.wait_replicas);
    if (!d || d->count() <= 0) {
      return Status::Usage(fmt::format(
          "--wait-replicas must be a positive duration in seconds (e.g. 30, 500ms, 2min), not "
          "'{}'",
          *overrides.wait_replicas));
    }
    s.wait_replicas = *d;
  }
  if (s.dir.empty()) return Status::InvalidScripts("setting 'dir' must not be empty");
  if (s.url.empty())
    return Status::InvalidScripts(fmt::format("the database URL from {} is empty", s.url_source));
  return s;
}

std::string DefaultConfigFileText(const std::string& dir) {
  return fmt::format(
      R"(# strata configuration. Every setting can also come from the command line or the
# environment; first found wins: --url / --dir / --config, then STRATA_URL, DATABASE_URI,
# DATABASE_URL, then this file, then the defaults shown here.

# Database URL: sqlite:path.db, sqlite:///abs/path.db, postgresql://user@host:5432/db
# Prefer the STRATA_URL environment variable for URLs that carry a password.
url = "sqlite:strata.db"

# Folder holding the revision files.
dir = "{}"

# The version table, in Alembic's layout, so Alembic and strata can take turns.
# version_table = "alembic_version"
# version_schema = "public"          # PostgreSQL only; default: the search_path

# Seconds to wait for the migration lock before giving up (exit code 5).
# lock_timeout = 60
# PostgreSQL only. statement_lock_timeout: how long each migration statement may wait for a
# table lock (PostgreSQL's lock_timeout, set per revision); unset = wait indefinitely. When it
# expires the revision is rolled back and, up to `retries` times, run again after a growing,
# jittered pause, naming the sessions that held the lock; after that strata exits 5 with
# nothing changed. Also --statement-lock-timeout and --retries.
# statement_lock_timeout = "2s"
# retries = 3
# PostgreSQL only. statement_timeout: how long each migration statement may run (PostgreSQL's
# statement_timeout, set per revision); unset = the role's or database's own setting. A
# statement that runs longer fails its revision like any failing statement (exit 1, rolled
# back; exit 7 part way through a Transactional: false one); lint's missing-statement-timeout
# rule is quiet when it is set. Also --statement-timeout. A lock wait counts towards it and is
# not retried when it expires: keep it above statement_lock_timeout.
# statement_timeout = "5min"
# Before the first revision runs, strata names sessions holding locks on the tables the
# revisions lock, and sessions idle in a transaction longer than this. refuse_if_blocked (or
# --refuse-if-blocked) exits 5 instead of proceeding when it finds any.
# idle_in_transaction_threshold = 60
# refuse_if_blocked = false

# Revision files larger than this are refused (exit 3): strata holds a revision's SQL in
# memory while it checks and runs it. kB, MB, GB are 1024-based.
# max_revision_size = "64MB"

# Backups taken by `strata backup` and `strata upgrade --backup` (backup_before_upgrade makes
# every `upgrade` take one first). Backups older than backup_keep_days are removed, except the
# newest one taken before each applied revision. pg_dump_path: the pg_dump to use (or its
# folder); by default the newest fitting one in /usr/lib/postgresql/*/bin, then PATH.
# backup_dir = "backups"
# backup_keep_days = 7
# backup_before_upgrade = false
# pg_dump_path = "/usr/lib/postgresql/16/bin"

# PostgreSQL only. After the last revision commits, `upgrade` waits up to this long until every
# streaming standby has replayed it (exit 8 naming the standbys that lag when it runs out; the
# migration itself stays committed). Also --wait-replicas[=DURATION].
# wait_replicas = "60s"

# [lint]
# allow = ["drop-column"]
)",
      dir);
}

}  // namespace strata
