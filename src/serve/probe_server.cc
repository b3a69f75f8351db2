// ProbeServer (serve.h) over cpp-httplib in strata_http.so (serve/http_module.h): a bounded
// thread pool answers requests from one cached reading of the database, refreshed by whichever
// request finds it stale (the others wait for that refresh rather than open connections of their
// own).
#include <dlfcn.h>
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>

#include "driver/module_path.h"
#include "serve/http_module.h"
#include "strata/backup.h"
#include "strata/migrator.h"
#include "strata/serve.h"
#include "strata/url.h"

namespace strata {
namespace {

using SteadyClock = std::chrono::steady_clock;

// One reading of the database, shared by every request within cache_ttl.
struct Reading {
  bool up = false;
  std::string error;  // why not up (redacted)
  Readiness readiness;
  std::optional<double> last_backup_unix;
  std::vector<MetricFamily> extra;
};

nlohmann::json ReadinessJson(const Reading& reading) {
  const Readiness& r = reading.readiness;
  nlohmann::json lock = nullptr;
  if (r.lock_holder) {
    lock = {{"pid", r.lock_holder->pid},
            {"application_name", r.lock_holder->application_name},
            {"held_seconds", r.lock_holder->held_seconds}};
  }
  return {{"ready", r.ready()},
          {"state", r.state()},
          {"reason", r.reason()},
          {"current", r.current},
          {"heads", r.heads},
          {"pending", r.pending},
          {"ahead", r.ahead},
          {"dirty", r.dirty},
          {"unknown", r.unknown_heads},
          {"lock_holder", lock},
          {"lock_held_too_long", r.lock_held_too_long}};
}

MetricFamily Gauge(std::string name, std::string help, std::optional<double> value,
                   std::string labels = "") {
  MetricFamily f{std::move(name), std::move(help), "gauge", {}};
  if (value) f.samples.push_back({std::move(labels), *value});
  return f;
}

struct HttpModule {
  strata_http_new_fn create = nullptr;
  strata_http_bind_fn bind = nullptr;
  strata_http_run_fn run = nullptr;
  strata_http_stop_fn stop = nullptr;
  strata_http_free_fn destroy = nullptr;
  Status error;
};

// Loaded once, never unloaded. Looked for as the PostgreSQL module is (module_path.h);
// STRATA_HTTP_MODULE, when set, is the only place looked in.
const HttpModule& LoadHttpModule() {
  static HttpModule module = [] {
    HttpModule m;
    std::vector<std::string> candidates =
        ModuleCandidates(serve::kHttpModuleName, "STRATA_HTTP_MODULE");
    for (const std::string& path : candidates) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(path, ec)) continue;
      void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (h == nullptr) {
        const char* why = dlerror();
        m.error = Status::Usage(fmt::format("cannot load the HTTP module {}: {}", path,
                                            why ? why : "unknown error"))
                      .WithHint("install cpp-httplib (Debian: libcpp-httplib0.11)");
        return m;
      }
      m.create = reinterpret_cast<strata_http_new_fn>(dlsym(h, "strata_http_new"));
      m.bind = reinterpret_cast<strata_http_bind_fn>(dlsym(h, "strata_http_bind"));
      m.run = reinterpret_cast<strata_http_run_fn>(dlsym(h, "strata_http_run"));
      m.stop = reinterpret_cast<strata_http_stop_fn>(dlsym(h, "strata_http_stop"));
      m.destroy = reinterpret_cast<strata_http_free_fn>(dlsym(h, "strata_http_free"));
      if (!m.create || !m.bind || !m.run || !m.stop || !m.destroy) {
        m.create = nullptr;
        m.error = Status::Usage("the HTTP module " + path + " lacks the strata_http_* functions");
      }
      return m;
    }
    m.error = Status::Usage(fmt::format("the HTTP module {} was not found (looked in: {})",
                                        serve::kHttpModuleName, CandidateList(candidates)))
                  .WithHint(
                      "install it next to the strata executable or in ../lib/strata/, or "
                      "set STRATA_HTTP_MODULE to its path");
    return m;
  }();
  return module;
}

}  // namespace

struct ProbeServer::Impl {
  ServeOptions options;
  RevisionGraph graph;
  const HttpModule* module = nullptr;
  void* http = nullptr;
  bool bound = false;
  int port = 0;

  std::mutex mu;  // guards everything below; held during a refresh
  std::unique_ptr<Driver> driver;
  std::shared_ptr<const Reading> reading;
  SteadyClock::time_point read_at;

  Impl(ServeOptions o, RevisionGraph g) : options(std::move(o)), graph(std::move(g)) {}

  std::shared_ptr<const Reading> Get() {
    std::lock_guard<std::mutex> lock(mu);
    if (reading && SteadyClock::now() - read_at < options.cache_ttl) return reading;
    auto fresh = std::make_shared<Reading>(Refresh());
    reading = fresh;
    read_at = SteadyClock::now();
    return reading;
  }

  // Called with mu held. A failure drops the connection, so the next refresh reconnects: the
  // database may have restarted.
  Reading Refresh() {
    Reading r;
    if (!driver) {
      Result<DatabaseUrl> url = ParseDatabaseUrl(options.url);
      if (!url.ok()) {
        r.error = url.status().message();
        return r;
      }
      Result<std::unique_ptr<Driver>> opened = OpenDriver(*url, options.driver_options);
      if (!opened.ok()) {
        r.error = RedactSecrets(opened.status().message(), options.url);
        return r;
      }
      driver = std::move(opened).value();
    }
    Result<Readiness> readiness =
        ReadReadiness(*driver, graph, options.driver_options.version_table,
                      options.driver_options.version_schema, options.lock_threshold);
    if (!readiness.ok()) {
      r.error = RedactSecrets(readiness.status().message(), options.url);
      driver.reset();
      return r;
    }
    r.up = true;
    r.readiness = std::move(readiness).value();
    if (!options.backup_dir.empty()) {
      Result<std::vector<BackupManifest>> backups = ListBackups(options.backup_dir);
      if (backups.ok() && !backups->empty()) {
        const BackupManifest& last = backups->back();
        r.last_backup_unix =
            static_cast<double>(last.created_unix) + static_cast<double>(last.duration_ms) / 1000.0;
      }
    }
    // Standbys' replay lag (none on SQLite or a server without standbys); a role that may not
    // read pg_stat_replication only loses these series.
    Result<std::vector<StandbyState>> standbys = driver->Standbys("");
    if (standbys.ok()) {
      std::vector<MetricFamily> lag = StandbyMetrics(*standbys);
      r.extra.insert(r.extra.end(), lag.begin(), lag.end());
    }
    for (const auto& provider : options.extra_metrics) {
      std::vector<MetricFamily> more = provider(driver.get());
      r.extra.insert(r.extra.end(), more.begin(), more.end());
    }
    return r;
  }
};

ProbeServer::ProbeServer(ServeOptions options, RevisionGraph graph)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(graph))) {}

ProbeServer::~ProbeServer() {
  if (impl_->http) impl_->module->destroy(impl_->http);
}

namespace {

// Called by the module's worker threads.
int HandleRequest(void* ctx, const char* path, char** body, size_t* body_len,
                  const char** content_type) {
  auto* server = static_cast<ProbeServer*>(ctx);
  ProbeServer::Response r;
  if (std::strcmp(path, "/health") == 0) {
    r = server->Health();
  } else if (std::strcmp(path, "/ready") == 0) {
    r = server->Ready();
  } else if (std::strcmp(path, "/metrics") == 0) {
    r = server->Metrics();
  } else {
    r = {404, "application/json", "{\"error\":\"not found; try /health, /ready or /metrics\"}\n"};
  }
  *content_type = r.content_type.find("text/plain") == 0
                      ? "text/plain; version=0.0.4; charset=utf-8"
                      : "application/json";
  *body = static_cast<char*>(std::malloc(r.body.size() + 1));
  if (*body) {
    std::memcpy(*body, r.body.data(), r.body.size());
    *body_len = r.body.size();
  }
  return r.status;
}

}  // namespace

Status ProbeServer::Bind(const std::string& host, int port) {
  const HttpModule& module = LoadHttpModule();
  if (!module.create) return module.error;
  impl_->module = &module;
  if (!impl_->http) {
    impl_->http = module.create(std::max(1, impl_->options.threads), HandleRequest, this);
  }
  int bound = module.bind(impl_->http, host.c_str(), port);
  if (bound <= 0) {
    return Status::Usage(
               fmt::format("cannot listen on {}:{} (in use, or not an address here)", host, port))
        .WithHint("choose another --listen ADDR:PORT");
  }
  impl_->bound = true;
  impl_->port = bound;
  return Status::Ok();
}

int ProbeServer::port() const { return impl_->port; }

Status ProbeServer::Run() {
  if (!impl_->bound) return Status::Usage("ProbeServer::Run before Bind");
  impl_->module->run(impl_->http);
  return Status::Ok();
}

void ProbeServer::Stop() {
  if (impl_->http) impl_->module->stop(impl_->http);
}

ProbeServer::Response ProbeServer::Health() {
  std::shared_ptr<const Reading> r = impl_->Get();
  nlohmann::json body = {{"status", r->up ? "up" : "down"}};
  if (!r->up) body["error"] = r->error;
  return {r->up ? 200 : 503, "application/json", body.dump() + "\n"};
}

ProbeServer::Response ProbeServer::Ready() {
  std::shared_ptr<const Reading> r = impl_->Get();
  if (!r->up) {
    nlohmann::json body = {{"ready", false}, {"state", "down"}, {"reason", r->error}};
    return {503, "application/json", body.dump() + "\n"};
  }
  return {r->readiness.ready() ? 200 : 503, "application/json", ReadinessJson(*r).dump() + "\n"};
}

ProbeServer::Response ProbeServer::Metrics() {
  std::shared_ptr<const Reading> reading = impl_->Get();
  const Readiness& r = reading->readiness;
  const bool up = reading->up;
  auto when_up = [up](double v) { return up ? std::optional<double>(v) : std::nullopt; };
  std::string version = StrataVersion();
  std::vector<MetricFamily> families = {
      Gauge("strata_up", "1 when the database answered the last reading, else 0", up ? 1 : 0),
      Gauge("strata_info", "strata's version", 1,
            fmt::format("version=\"{}\"", EscapeLabelValue(version))),
      Gauge("strata_pending_revisions", "revisions in the files not applied to the database",
            when_up(static_cast<double>(r.pending.size()))),
      Gauge("strata_at_head",
            "1 when every revision in the files is applied (or the database "
            "is ahead), else 0",
            when_up(r.pending.empty() && (r.unknown_heads.empty() || r.ahead) ? 1 : 0)),
      Gauge("strata_dirty", "1 when a non-transactional revision failed part way, else 0",
            when_up(r.dirty.empty() ? 0 : 1)),
      Gauge("strata_last_migration_timestamp_seconds",
            "when the newest upgrade or downgrade step ended, Unix time",
            up ? r.last_migration_unix : std::nullopt),
      Gauge("strata_last_migration_duration_seconds", "how long the newest step took",
            up ? r.last_migration_duration_seconds : std::nullopt),
      Gauge("strata_migration_lock_held_seconds",
            "how long the migration lock has been held (0 when free; PostgreSQL)",
            when_up(r.lock_holder ? r.lock_holder->held_seconds : 0)),
      Gauge("strata_database_size_bytes", "the database's size",
            up && r.database_size_bytes
                ? std::optional<double>(static_cast<double>(*r.database_size_bytes))
                : std::nullopt),
      Gauge("strata_backup_last_success_timestamp_seconds",
            "when the newest backup in backup_dir finished, Unix time", reading->last_backup_unix),
  };
  families.insert(families.end(), reading->extra.begin(), reading->extra.end());
  return {200, "text/plain; version=0.0.4; charset=utf-8", RenderPrometheus(families)};
}

}  // namespace strata
