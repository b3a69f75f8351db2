// How revisions are shown: Alembic's one-line and verbose formats, and JSON.
#ifndef STRATA_CLI_FORMAT_H_
#define STRATA_CLI_FORMAT_H_

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "strata/graph.h"
#include "strata/inspect.h"
#include "strata/json_report.h"
#include "strata/revision.h"
#include "strata/snapshot.h"
#include "strata/status.h"

namespace strata::cli {

// RevisionJson, ChangedRevisionJson, DifferenceJson: strata/json_report.h (shared with the
// Python module).

// "1975ea83b712 -> 3f2a9c1b7d4e (head), Add email" (Alembic's history line). With
// `include_parents` false: "3f2a9c1b7d4e (head), Add email".
std::string RevisionLine(const RevisionGraph& graph, const Revision& rev, bool include_parents,
                         const CurrentSet& current = {});

// Alembic's verbose entry: Rev/Parent/Merges/Branches into/Path and the indented header text.
std::string RevisionVerbose(const RevisionGraph& graph, const Revision& rev,
                            const CurrentSet& current = {});

// Differences as text, one DescribeDifference line each, indented by two spaces.
std::string DifferenceLines(const std::vector<ObjectDifference>& differences,
                            std::string_view first_label, std::string_view second_label);

// Prints a JSON document and a newline on stdout.
void PrintJson(const nlohmann::json& doc);
// Prints a JSON document on one line of stdout, flushed (JSON lines: fleet runs, one per target).
void PrintJsonLine(const nlohmann::json& doc);
// Whether a command already printed its document (then an error adds none: one per command).
bool JsonPrinted();

// The JSON document printed on stdout for a failed command in --format json.
nlohmann::json ErrorJson(const Status& status);

}  // namespace strata::cli

#endif  // STRATA_CLI_FORMAT_H_
