// Revisions for the driver-level suites (migrator_test.cc, verify_test.cc, snapshot tests),
// written in one line each and built into the Revision the parser would make.
#ifndef STRATA_TESTS_DRIVER_REVISION_SPEC_H_
#define STRATA_TESTS_DRIVER_REVISION_SPEC_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "strata/graph.h"
#include "strata/revision.h"
#include "strata/status.h"

namespace strata::testing {

struct RevSpec {
  std::string id;
  std::vector<std::string> parents;
  std::string upgrade;
  std::optional<std::string> downgrade = std::nullopt;
  std::vector<std::string> labels = {};
  bool transactional = true;
};

// The revision of `spec`, at "migrations/<id>_test.sql" (upgrade from line 12, downgrade 30).
inline Revision MakeRevision(const RevSpec& spec) {
  Revision r;
  r.id = spec.id;
  r.parents = spec.parents;
  r.branch_labels = spec.labels;
  r.transactional = spec.transactional;
  r.message = "revision " + spec.id;
  r.path = "migrations/" + spec.id + "_test.sql";
  r.upgrade = {spec.upgrade, 12};
  if (spec.downgrade) r.downgrade = SqlSection{*spec.downgrade, 30};
  return r;
}

// The graph of `specs`; fails as RevisionGraph::Build does.
inline Result<std::unique_ptr<RevisionGraph>> GraphOf(const std::vector<RevSpec>& specs) {
  std::vector<Revision> revisions;
  for (const RevSpec& spec : specs) revisions.push_back(MakeRevision(spec));
  Result<RevisionGraph> graph = RevisionGraph::Build(std::move(revisions));
  if (!graph.ok()) return graph.status();
  return std::make_unique<RevisionGraph>(std::move(graph).value());
}

// A revision creating table t_<id> and dropping it on downgrade.
inline RevSpec TableRev(const std::string& id, std::vector<std::string> parents,
                        std::vector<std::string> labels = {}) {
  return {id, std::move(parents), "CREATE TABLE t_" + id + " (x int);", "DROP TABLE t_" + id + ";",
          std::move(labels)};
}

}  // namespace strata::testing

#endif  // STRATA_TESTS_DRIVER_REVISION_SPEC_H_
