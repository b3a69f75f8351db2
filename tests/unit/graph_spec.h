// Test helper: revision graphs in one line, e.g.
//   "a; b<a; c<b; d<b; m<c,d dep=x label=feature nodown; x"
// Items are separated by ';' or newlines: ID, then optionally "<PARENT,PARENT", "dep=ID,ID",
// "label=L,L" and "nodown" (no downgrade section). Header-only, used by the unit tests and by
// tests/alembic/plan_probe.
#ifndef STRATA_TESTS_UNIT_GRAPH_SPEC_H_
#define STRATA_TESTS_UNIT_GRAPH_SPEC_H_

#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "strata/graph.h"
#include "strata/revision.h"

namespace strata::testing {

inline std::vector<std::string> SplitOn(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else if (c != ' ' && c != '\t') {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

inline std::vector<Revision> ParseGraphSpec(std::string_view spec) {
  std::vector<Revision> revs;
  std::string items(spec);
  for (char& c : items) {
    if (c == '\n') c = ';';
  }
  std::stringstream all(items);
  std::string item;
  while (std::getline(all, item, ';')) {
    std::stringstream words(item);
    std::string word;
    if (!(words >> word)) continue;
    Revision r;
    size_t lt = word.find('<');
    r.id = word.substr(0, lt);
    if (lt != std::string::npos) r.parents = SplitOn(word.substr(lt + 1), ',');
    r.path = r.id + "_test.sql";
    r.upgrade.sql = "-- up " + r.id;
    r.downgrade = SqlSection{"-- down " + r.id, 0};
    while (words >> word) {
      if (word.rfind("dep=", 0) == 0) r.depends_on = SplitOn(word.substr(4), ',');
      if (word.rfind("label=", 0) == 0) r.branch_labels = SplitOn(word.substr(6), ',');
      if (word == "nodown") r.downgrade.reset();
    }
    revs.push_back(std::move(r));
  }
  return revs;
}

}  // namespace strata::testing

#endif  // STRATA_TESTS_UNIT_GRAPH_SPEC_H_
