// plan_probe: runs the planner on cases read from stdin, one per line, for
// tests/alembic/oracle_test.py to compare with the real Alembic.
//
//   GRAPH | CURRENT HEADS (space separated, may be empty) | COMMAND TARGET
//   a; b<a; c<b | a | upgrade head
//
// COMMAND is upgrade, downgrade, stamp or stamp-purge. Prints one line per case:
// "ok HEAD HEAD..." (the heads after, sorted; "ok" alone for base) or "error <kind number>".
#include <cstdlib>
#include <iostream>
#include <string>

#include "strata/graph.h"
#include "strata/plan.h"
#include "unit/graph_spec.h"

namespace {

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

std::string RunCase(const std::string& line) {
  size_t p1 = line.find('|');
  size_t p2 = line.find('|', p1 + 1);
  if (p1 == std::string::npos || p2 == std::string::npos) return "bad-case";
  auto graph = strata::RevisionGraph::Build(strata::testing::ParseGraphSpec(line.substr(0, p1)));
  if (!graph.ok()) return "error " + std::to_string(graph.status().exit_code());
  std::vector<std::string> current =
      strata::testing::SplitOn(line.substr(p1 + 1, p2 - p1 - 1), ' ');
  std::string cmd = Trim(line.substr(p2 + 1));
  size_t sp = cmd.find(' ');
  std::string verb = cmd.substr(0, sp);
  std::string target = sp == std::string::npos ? "" : Trim(cmd.substr(sp + 1));
  strata::Result<strata::Plan> plan = strata::Status::Usage("unknown command " + verb);
  if (verb == "upgrade") plan = strata::PlanUpgrade(*graph, current, target);
  if (verb == "downgrade") plan = strata::PlanDowngrade(*graph, current, target);
  if (verb == "stamp") plan = strata::PlanStamp(*graph, current, target, false);
  if (verb == "stamp-purge") plan = strata::PlanStamp(*graph, current, target, true);
  if (!plan.ok()) {
    if (std::getenv("PLAN_PROBE_VERBOSE")) std::cerr << plan.status().ToString() << "\n";
    return "error " + std::to_string(plan.status().exit_code());
  }
  std::string out = "ok";
  for (const std::string& h : plan->heads_after) out += " " + h;
  if (std::getenv("PLAN_PROBE_VERBOSE")) {
    for (const strata::Step& s : plan->steps) {
      std::cerr << (s.revision ? s.revision->id : "<stamp>") << " "
                << strata::DirectionName(s.direction) << ":";
      for (const auto& c : s.version_changes) {
        std::cerr << " [" << static_cast<int>(c.kind) << " " << c.from << "->" << c.to << "]";
      }
      std::cerr << "\n";
    }
  }
  return out;
}

}  // namespace

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    if (Trim(line).empty() || Trim(line)[0] == '#') continue;
    std::cout << RunCase(line) << "\n";
  }
  return 0;
}
