// libFuzzer target: target expressions. The first line of the input is a revision target
// (`head`, `+2`, `LABEL@-1`, `REV-N`, a prefix...) planned as upgrade, downgrade and stamp from
// several places of a small history with a branch and a merge; the whole input is also a fleet
// target list (fleet.h). Neither may crash; every refusal is a usage or invalid-scripts error.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "strata/fleet.h"
#include "strata/graph.h"
#include "strata/plan.h"
#include "strata/revision.h"

namespace {

const strata::RevisionGraph& Graph() {
  static const strata::RevisionGraph graph = [] {
    const char* files[][3] = {
        {"aaaa1111", "", ""},
        {"bbbb2222", "aaaa1111", ""},
        {"cccc3333", "bbbb2222", "feature"},
        {"dddd4444", "bbbb2222", ""},
        {"eeee5555", "cccc3333, dddd4444", ""},
    };
    std::vector<strata::Revision> revisions;
    for (const auto& f : files) {
      std::string text = std::string("-- r\n--\n-- Revision ID: ") + f[0] +
                         "\n-- Revises: " + f[1] + "\n" +
                         (*f[2] ? std::string("-- Branch Labels: ") + f[2] + "\n" : "") +
                         "\n-- migrate:upgrade\nSELECT 1;\n-- migrate:downgrade\nSELECT 1;\n";
      revisions.push_back(*strata::ParseRevisionFile(text, std::string(f[0]) + ".sql"));
    }
    strata::Result<strata::RevisionGraph> built =
        strata::RevisionGraph::Build(std::move(revisions));
    return std::move(built).value();
  }();
  return graph;
}

void Expect(const strata::Status& s) {
  if (s.ok()) return;
  strata::ErrorKind k = s.kind();
  if (k != strata::ErrorKind::kUsage && k != strata::ErrorKind::kInvalidScripts) {
    std::fprintf(stderr, "unexpected kind: %s\n", s.ToString().c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  std::string target = input.substr(0, input.find('\n'));
  const std::vector<std::vector<std::string>> places = {
      {}, {"aaaa1111"}, {"cccc3333", "dddd4444"}, {"eeee5555"}};
  for (const auto& current : places) {
    Expect(strata::PlanUpgrade(Graph(), current, target).status());
    Expect(strata::PlanDowngrade(Graph(), current, target).status());
    Expect(strata::PlanStamp(Graph(), current, target, false).status());
  }
  (void)strata::ParseTargetList(input, "fuzz");
  return 0;
}
