// `strata serve`: /health, /ready, /metrics (serve.h) until SIGTERM or SIGINT.
#include "strata/serve.h"

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>

#include <cstdlib>
#include <thread>

#include "cli/commands.h"

namespace strata::cli {

Status RunServe(const Context& ctx, const ServeCommandOptions& o) {
  std::string host;
  int port = 0;
  STRATA_RETURN_IF_ERROR(ParseListenAddress(o.listen, &host, &port));
  std::optional<std::chrono::milliseconds> threshold = ParseDuration(o.lock_threshold);
  if (!threshold) {
    return Status::Usage(fmt::format("--lock-threshold '{}' is not a duration", o.lock_threshold));
  }
  Result<RevisionGraph> graph = ctx.LoadGraph();
  if (!graph.ok()) return graph.status();

  // A probe must answer within its own timeout: connect quickly or report the database down.
  // (libpq reads PGCONNECT_TIMEOUT; a URL's connect_timeout still wins.) Set before any thread.
  setenv("PGCONNECT_TIMEOUT", "3", 0);

  ServeOptions options;
  options.url = ctx.settings().url;
  options.driver_options = ctx.driver_options();
  options.driver_options.on_wait = nullptr;
  options.driver_options.on_notice = nullptr;
  options.driver_options.on_progress = nullptr;
  options.backup_dir = ctx.settings().backup_dir;
  options.lock_threshold = std::chrono::duration_cast<std::chrono::seconds>(*threshold);
  options.threads = o.threads;

  // SIGTERM and SIGINT go to one waiting thread (blocked everywhere else, so the server's
  // threads, which inherit this mask, never take them), which stops the server cleanly.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ProbeServer server(std::move(options), std::move(graph).value());
  STRATA_RETURN_IF_ERROR(server.Bind(host, port));
  std::thread waiter([&server, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    server.Stop();
  });
  ctx.Progress(fmt::format("Serving /health, /ready and /metrics on http://{}:{} for {}",
                           host.find(':') != std::string::npos ? "[" + host + "]" : host,
                           server.port(), ctx.redacted_url()));
  Status st = server.Run();
  // Run ended without a signal (an error): wake the waiter so it can be joined.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  if (st.ok()) ctx.Progress("Stopped.");
  return st;
}

}  // namespace strata::cli
