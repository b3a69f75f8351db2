// _strata: the C++ half of the Python module `strata` (src/python/strata/__init__.py is the
// other half: exception classes, logging, the documented signatures). A thin client of the
// library, as the CLI is: settings resolved by LoadSettings exactly as the CLI resolves them,
// results as the same JSON documents (json_report.h) turned into dicts and lists.
//
// Every function that touches a database runs it on a worker thread with the GIL released,
// while the calling thread waits and, on the main thread, checks for signals: Ctrl-C
// (KeyboardInterrupt) interrupts the running statement through Migrator::Interrupt, its
// transaction rolls back, and the KeyboardInterrupt is raised once the worker has stopped.
// Progress goes to a Python callable `log(level, message)` (the `strata` logger), called with
// the GIL held.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "strata/backup.h"
#include "strata/config.h"
#include "strata/driver.h"
#include "strata/history.h"
#include "strata/inspect.h"
#include "strata/json_report.h"
#include "strata/lint_run.h"
#include "strata/migrator.h"
#include "strata/plan.h"
#include "strata/script.h"
#include "strata/url.h"
#include "strata/verify.h"

namespace py = pybind11;

namespace strata::python {
namespace {

constexpr int kDebug = 10, kInfo = 20, kWarning = 30;

// A failed Status on its way to Python; the translator turns it into a strata.Error subclass
// made by the factory __init__.py registers.
struct StatusException {
  Status status;
};

py::object& ErrorFactory() {
  static py::object* factory = new py::object();  // leaked: outlives interpreter teardown
  return *factory;
}

[[noreturn]] void Raise(const Status& status) { throw StatusException{status}; }

template <typename T>
T Take(Result<T> result) {
  if (!result.ok()) Raise(result.status());
  return std::move(result).value();
}

// nlohmann::json -> dict/list/str/int/float/bool/None. The documents are strata's own, a few
// levels deep.
py::object ToPython(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      return py::none();
    case nlohmann::json::value_t::boolean:
      return py::bool_(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
      return py::int_(j.get<int64_t>());
    case nlohmann::json::value_t::number_unsigned:
      return py::int_(j.get<uint64_t>());
    case nlohmann::json::value_t::number_float:
      return py::float_(j.get<double>());
    case nlohmann::json::value_t::string:
      return py::str(j.get_ref<const std::string&>());
    case nlohmann::json::value_t::array: {
      py::list list;
      for (const auto& v : j) list.append(ToPython(v));
      return list;
    }
    case nlohmann::json::value_t::object: {
      py::dict dict;
      for (auto it = j.begin(); it != j.end(); ++it) dict[py::str(it.key())] = ToPython(it.value());
      return dict;
    }
    default:
      return py::none();
  }
}

// Where a call's settings come from: the arguments, then the environment and strata.toml, as
// the CLI's --url, --dir and --config.
Settings Load(const std::optional<std::string>& url, const std::optional<std::string>& directory,
              const std::optional<std::string>& config) {
  SettingsOverrides overrides;
  overrides.url = url;
  overrides.dir = directory;
  overrides.config = config;
  return Take(LoadSettings(overrides));
}

// Calls log(level, message) with the GIL; a logging error is reported as unraisable rather than
// breaking the migration.
class Logger {
 public:
  explicit Logger(const py::object& log) : log_(log) {}
  void operator()(int level, const std::string& message) const {
    py::gil_scoped_acquire gil;
    try {
      log_(level, message);
    } catch (py::error_already_set& e) {
      e.discard_as_unraisable("strata logging");
    }
  }

 private:
  const py::object& log_;
};

DriverOptions DriverOptionsWithLog(const Settings& settings, const Logger& log) {
  DriverOptions options = DriverOptionsFor(settings);
  options.on_wait = [&log](const std::string& line) { log(kInfo, line); };
  options.on_notice = [&log](const std::string& severity, const std::string& line) {
    log(severity == "WARNING" ? kWarning : kDebug, line);
  };
  return options;
}

std::unique_ptr<Driver> Open(const Settings& settings, const DriverOptions& options) {
  DatabaseUrl url = Take(ParseDatabaseUrl(settings.url));
  return Take(OpenDriver(url, options));
}

// Runs `work` on a worker thread with the GIL released. On the main thread, a signal whose
// handler raises (Ctrl-C: KeyboardInterrupt) calls `interrupt` and, once `work` has returned,
// is raised in place of its result.
template <typename T>
T RunReleased(const std::function<T()>& work, const std::function<void()>& interrupt) {
  std::optional<T> result;
  std::exception_ptr failure;
  bool interrupted = false;
  {
    py::gil_scoped_release release;
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    std::thread worker([&] {
      try {
        result.emplace(work());
      } catch (...) {
        failure = std::current_exception();
      }
      std::lock_guard<std::mutex> lock(mu);
      done = true;
      cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(mu);
    while (!done) {
      cv.wait_for(lock, std::chrono::milliseconds(50));
      if (done) continue;
      lock.unlock();
      if (!interrupted) {
        py::gil_scoped_acquire gil;
        if (PyErr_CheckSignals() != 0) interrupted = true;  // the exception stays set
      }
      // Again at every turn until the work stops: a statement that had not started yet when
      // the first interrupt came is interrupted too.
      if (interrupted && interrupt) interrupt();
      lock.lock();
    }
    lock.unlock();
    worker.join();
  }
  if (interrupted) throw py::error_already_set();
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

// Collects the steps run (StepJson) and logs them as the CLI prints them.
class StepLog : public MigrationObserver {
 public:
  explicit StepLog(const Logger& log) : log_(log) {}
  void OnStepStart(const Step& step) override {
    log_(kInfo, "Running " + std::string(DirectionName(step.direction)) + " " +
                    RevisionList(step.from_ids) + " -> " + RevisionList(step.to_ids) + ", " +
                    step.revision->message);
  }
  void OnStepDone(const Step& step, int64_t duration_ms) override {
    steps_.push_back(StepJson(step, duration_ms));
    log_(kDebug, "  done in " + std::to_string(duration_ms) + " ms");
  }
  void OnInfo(const std::string& line) override { log_(kInfo, line); }
  const nlohmann::json& steps() const { return steps_; }

 private:
  const Logger& log_;
  nlohmann::json steps_ = nlohmann::json::array();
};

enum class Command { kUpgrade, kDowngrade, kStamp };

// `backup` (or backup_before_upgrade in the settings, as for `strata upgrade`): a backup first,
// when there is something to upgrade; a failed backup raises BackupFailed before anything runs.
py::object Migrate(Command command, const std::string& target, bool purge, bool allow_changed,
                   bool backup, const std::optional<std::string>& url,
                   const std::optional<std::string>& directory,
                   const std::optional<std::string>& config, const py::object& log) {
  Settings settings = Load(url, directory, config);
  Logger logger(log);
  DriverOptions options = DriverOptionsWithLog(settings, logger);
  std::atomic<Migrator*> running{nullptr};
  std::atomic<bool> stop{false};
  auto work = [&]() -> nlohmann::json {
    RevisionGraph graph = Take(LoadScriptDirectory(settings.dir, settings.max_revision_size));
    std::unique_ptr<Driver> db = Open(settings, options);
    nlohmann::json backup_json = nullptr;
    if (command == Command::kUpgrade && (backup || settings.backup_before_upgrade)) {
      std::optional<BackupResult> taken =
          Take(BackupBeforeUpgrade(*db, graph, target, settings,
                                   [&logger](const std::string& line) { logger(kInfo, line); }));
      if (taken) {
        for (const std::string& line : BackupSummaryLines(*taken, settings.backup_keep_days)) {
          logger(kInfo, line);
        }
        backup_json = BackupResultJson(*taken);
      }
    }
    StepLog steps(logger);
    Migrator migrator(*db, graph, &steps);
    migrator.set_allow_changed(allow_changed);
    running.store(&migrator);
    if (stop.load()) migrator.Interrupt();  // Ctrl-C before the migrator existed
    Result<RunResult> result = command == Command::kUpgrade     ? migrator.Upgrade(target)
                               : command == Command::kDowngrade ? migrator.Downgrade(target)
                                                                : migrator.Stamp(target, purge);
    running.store(nullptr);
    if (!result.ok()) Raise(result.status());
    const char* name = command == Command::kUpgrade     ? "upgrade"
                       : command == Command::kDowngrade ? "downgrade"
                                                        : "stamp";
    if (command != Command::kStamp && result->steps_applied == 0) {
      logger(kInfo, "Nothing to do: the database is at " + RevisionList(result->heads_after));
    }
    nlohmann::json doc = RunJson(name, target, RedactUrl(settings.url), *result, steps.steps());
    if (command == Command::kUpgrade) doc["backup"] = backup_json;  // as `strata upgrade`
    return doc;
  };
  // The migrator lives on the worker's stack; `running` is cleared before it goes.
  nlohmann::json doc = RunReleased<nlohmann::json>(work, [&] {
    stop.store(true);
    if (Migrator* m = running.load()) m->Interrupt();
  });
  return ToPython(doc);
}

py::object Current(const std::optional<std::string>& url,
                   const std::optional<std::string>& directory,
                   const std::optional<std::string>& config, bool verbose, const py::object& log) {
  Settings settings = Load(url, directory, config);
  Logger logger(log);
  DriverOptions options = DriverOptionsWithLog(settings, logger);
  nlohmann::json doc = RunReleased<nlohmann::json>(
      [&]() -> nlohmann::json {
        RevisionGraph graph = Take(LoadScriptDirectory(settings.dir, settings.max_revision_size));
        std::unique_ptr<Driver> db = Open(settings, options);
        Migrator migrator(*db, graph, nullptr);
        return CurrentJson(graph, RedactUrl(settings.url), Take(migrator.Current()), verbose);
      },
      nullptr);
  return ToPython(doc);
}

py::object Check(const std::optional<std::string>& url, const std::optional<std::string>& directory,
                 const std::optional<std::string>& config, const py::object& log) {
  Settings settings = Load(url, directory, config);
  Logger logger(log);
  DriverOptions options = DriverOptionsWithLog(settings, logger);
  nlohmann::json doc = RunReleased<nlohmann::json>(
      [&]() -> nlohmann::json {
        RevisionGraph graph = Take(LoadScriptDirectory(settings.dir, settings.max_revision_size));
        std::unique_ptr<Driver> db = Open(settings, options);
        Migrator migrator(*db, graph, nullptr);
        std::vector<std::string> current = Take(migrator.Current());
        std::vector<const Revision*> pending = Take(PendingRevisions(graph, current));
        return CheckJson(graph, RedactUrl(settings.url), current, pending);
      },
      nullptr);
  return ToPython(doc);
}

py::object Heads(const std::optional<std::string>& directory,
                 const std::optional<std::string>& config, bool verbose) {
  Settings settings = Load(std::nullopt, directory, config);
  RevisionGraph graph = Take(LoadScriptDirectory(settings.dir, settings.max_revision_size));
  nlohmann::json list = nlohmann::json::array();
  for (const Revision* h : graph.Heads()) list.push_back(RevisionJson(graph, *h, verbose));
  return ToPython({{"heads", list}});
}

py::object History(const std::string& range, const std::optional<std::string>& url,
                   const std::optional<std::string>& directory,
                   const std::optional<std::string>& config, bool verbose, const py::object& log) {
  Settings settings = Load(url, directory, config);
  Logger logger(log);
  DriverOptions options = DriverOptionsWithLog(settings, logger);
  nlohmann::json doc = RunReleased<nlohmann::json>(
      [&]() -> nlohmann::json {
        RevisionGraph graph = Take(LoadScriptDirectory(settings.dir, settings.max_revision_size));
        // "current" in a range needs the database, as in the CLI.
        std::vector<std::string> current;
        bool need_db = range.find("current") != std::string::npos;
        if (need_db) current = Take(Open(settings, options)->ReadVersions());
        std::vector<const Revision*> revs =
            range.empty() ? graph.NewestFirst()
                          : Take(RevisionRange(graph, range, need_db ? &current : nullptr));
        CurrentSet cur(current.begin(), current.end());
        nlohmann::json list = nlohmann::json::array();
        for (const Revision* r : revs) list.push_back(RevisionJson(graph, *r, verbose, cur));
        return {{"revisions", list}};
      },
      nullptr);
  return ToPython(doc);
}

py::object Status_(int runs, const std::optional<std::string>& url,
                   const std::optional<std::string>& directory,
                   const std::optional<std::string>& config, const py::object& log) {
  Settings settings = Load(url, directory, config);
  Logger logger(log);
  DriverOptions options = DriverOptionsWithLog(settings, logger);
  nlohmann::json doc = RunReleased<nlohmann::json>(
      [&]() -> nlohmann::json {
        RevisionGraph graph = Take(LoadScriptDirectory(settings.dir, settings.max_revision_size));
        std::unique_ptr<Driver> db = Open(settings, options);
        DatabaseStatus status = Take(InspectDatabase(*db, graph, runs));
        return StatusJson(status, RedactUrl(settings.url), db->dialect());
      },
      nullptr);
  return ToPython(doc);
}

py::object Lint(const std::vector<std::string>& paths, const std::string& dialect,
                const std::optional<std::string>& url, const std::optional<std::string>& directory,
                const std::optional<std::string>& config, int pg_version, const py::object& log) {
  LintRequest request;
  request.settings = Load(url, directory, config);
  request.paths = paths;
  request.dialect = dialect;
  request.pg_version = pg_version;  // 0: the server's, with url
  Logger logger(log);
  request.driver = DriverOptionsWithLog(request.settings, logger);
  // As `strata lint --url`: only a URL given to the call makes lint read the database.
  request.use_database = url.has_value();
  LintRun run = RunReleased<LintRun>([&] { return Take(LintFiles(request)); }, nullptr);
  nlohmann::json doc = LintJson(run);
  Status status = LintStatus(run);
  if (!status.ok()) {
    // strata.Pending carries the document too (__init__.py attaches it).
    py::gil_scoped_acquire gil;
    py::object error = ErrorFactory()(status.exit_code(), status.message(), status.revision(),
                                      status.file(), status.line(), status.hint());
    error.attr("document") = ToPython(doc);
    PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
    throw py::error_already_set();
  }
  return ToPython(doc);
}

// Progress of verify through the logger; Ctrl-C stops it between steps.
class VerifyLog : public ReplayObserver {
 public:
  VerifyLog(const Logger& log, const std::atomic<bool>& stop) : log_(log), stop_(stop) {}
  void OnProgress(const std::string& line) override { log_(kInfo, line); }
  bool Stopped() override { return stop_.load(); }

 private:
  const Logger& log_;
  const std::atomic<bool>& stop_;
};

py::object VerifyHistory(const std::string& range, const std::string& scratch_url, bool keep,
                         const std::optional<std::string>& url,
                         const std::optional<std::string>& directory,
                         const std::optional<std::string>& config, const py::object& log) {
  Settings settings = Load(url, directory, config);
  Logger logger(log);
  std::atomic<bool> stop{false};
  nlohmann::json doc = RunReleased<nlohmann::json>(
      [&]() -> nlohmann::json {
        RevisionGraph graph = Take(LoadScriptDirectory(settings.dir, settings.max_revision_size));
        ScratchOptions options;
        options.scratch_url = scratch_url;
        options.database_url = settings.url;
        options.driver = DriverOptionsWithLog(settings, logger);
        options.keep = keep;
        VerifyLog progress(logger, stop);
        VerifyReport report = Take(Verify(graph, range, options, &progress));
        return VerifyJson(report, range);
      },
      [&] { stop.store(true); });
  return ToPython(doc);
}

}  // namespace
}  // namespace strata::python

PYBIND11_MODULE(_strata, m) {
  using namespace strata::python;
  namespace s = strata;
  m.doc() = "C++ half of the strata module; use `import strata`.";
  m.attr("version") = s::StrataVersion();
  m.def("set_error_factory", [](py::object factory) { ErrorFactory() = std::move(factory); });
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const StatusException& e) {
      const s::Status& st = e.status;
      py::object error = ErrorFactory()(st.exit_code(), st.message(), st.revision(), st.file(),
                                        st.line(), st.hint());
      PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
    }
  });
  using Opt = std::optional<std::string>;
  m.def(
      "upgrade",
      [](const std::string& target, bool allow_changed, bool backup, Opt url, Opt directory,
         Opt config, py::object log) {
        return Migrate(Command::kUpgrade, target, false, allow_changed, backup, url, directory,
                       config, log);
      },
      py::arg("target"), py::arg("allow_changed"), py::arg("backup"), py::arg("url"),
      py::arg("directory"), py::arg("config"), py::arg("log"));
  m.def(
      "downgrade",
      [](const std::string& target, Opt url, Opt directory, Opt config, py::object log) {
        return Migrate(Command::kDowngrade, target, false, false, false, url, directory, config,
                       log);
      },
      py::arg("target"), py::arg("url"), py::arg("directory"), py::arg("config"), py::arg("log"));
  m.def(
      "stamp",
      [](const std::string& target, bool purge, Opt url, Opt directory, Opt config,
         py::object log) {
        return Migrate(Command::kStamp, target, purge, false, false, url, directory, config, log);
      },
      py::arg("target"), py::arg("purge"), py::arg("url"), py::arg("directory"), py::arg("config"),
      py::arg("log"));
  m.def("current", &Current, py::arg("url"), py::arg("directory"), py::arg("config"),
        py::arg("verbose"), py::arg("log"));
  m.def("check", &Check, py::arg("url"), py::arg("directory"), py::arg("config"), py::arg("log"));
  m.def("heads", &Heads, py::arg("directory"), py::arg("config"), py::arg("verbose"));
  m.def("history", &History, py::arg("rev_range"), py::arg("url"), py::arg("directory"),
        py::arg("config"), py::arg("verbose"), py::arg("log"));
  m.def("status", &Status_, py::arg("runs"), py::arg("url"), py::arg("directory"),
        py::arg("config"), py::arg("log"));
  m.def("lint", &Lint, py::arg("paths"), py::arg("dialect"), py::arg("url"), py::arg("directory"),
        py::arg("config"), py::arg("pg_version"), py::arg("log"));
  m.def("verify", &VerifyHistory, py::arg("rev_range"), py::arg("scratch_url"), py::arg("keep"),
        py::arg("url"), py::arg("directory"), py::arg("config"), py::arg("log"));
}
