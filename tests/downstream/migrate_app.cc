// migrate_app URL DIR: upgrades the database at URL to head with the revisions in DIR through
// strata's C++ API, then prints the library's version and the heads, one line each.
#include <cstdio>
#include <memory>
#include <string>

#include "strata/driver.h"
#include "strata/migrator.h"
#include "strata/script.h"
#include "strata/url.h"
#include "strata/version.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: migrate_app URL DIR\n");
    return 2;
  }
  auto fail = [](const strata::Status& status) {
    std::fprintf(stderr, "migrate_app: %s\n", status.ToString().c_str());
    return status.exit_code();
  };
  strata::Result<strata::RevisionGraph> graph = strata::LoadScriptDirectory(argv[2]);
  if (!graph.ok()) return fail(graph.status());
  strata::Result<strata::DatabaseUrl> url = strata::ParseDatabaseUrl(argv[1]);
  if (!url.ok()) return fail(url.status());
  strata::Result<std::unique_ptr<strata::Driver>> driver =
      strata::OpenDriver(*url, strata::DriverOptions{});
  if (!driver.ok()) return fail(driver.status());
  strata::Migrator migrator(**driver, *graph, nullptr);
  strata::Result<strata::RunResult> run = migrator.Upgrade("head");
  if (!run.ok()) return fail(run.status());
  std::printf("library %s (headers %s)\n", strata_library_version(), STRATA_VERSION_STRING);
  for (const std::string& head : run->heads_after) std::printf("at %s\n", head.c_str());
  std::printf("applied %d\n", run->steps_applied);
  return 0;
}
