#include "cli/format.h"

#include <fmt/format.h>

#include <cstdio>

namespace strata::cli {
namespace {

std::string JoinComma(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

std::string FormatParents(const Revision& rev) {
  return rev.parents.empty() ? "<base>" : JoinComma(rev.parents);
}

std::vector<std::string> ChildIds(const RevisionGraph& graph, const Revision& rev) {
  std::vector<std::string> ids;
  for (const Revision* c : graph.Children(rev.id)) ids.push_back(c->id);
  return ids;
}

}  // namespace

std::string RevisionLine(const RevisionGraph& graph, const Revision& rev, bool include_parents,
                         const CurrentSet& current) {
  std::string text = rev.id;
  if (include_parents) {
    if (rev.depends_on.empty()) {
      text = fmt::format("{} -> {}", FormatParents(rev), rev.id);
    } else {
      text = fmt::format("{} ({}) -> {}", FormatParents(rev), JoinComma(rev.depends_on), rev.id);
    }
  }
  if (!rev.branch_labels.empty()) text += fmt::format(" ({})", JoinComma(rev.branch_labels));
  size_t children = graph.Children(rev.id).size();
  if (children == 0) text += " (head)";
  if (current.count(rev.id)) text += " (current)";
  if (children > 1) text += " (branchpoint)";
  if (rev.parents.size() > 1) text += " (mergepoint)";
  text += ", ";
  text += rev.message;
  return text;
}

std::string RevisionVerbose(const RevisionGraph& graph, const Revision& rev,
                            const CurrentSet& current) {
  std::vector<std::string> children = ChildIds(graph, rev);
  std::string out = fmt::format("Rev: {}{}{}{}{}\n", rev.id, children.empty() ? " (head)" : "",
                                children.size() > 1 ? " (branchpoint)" : "",
                                rev.parents.size() > 1 ? " (mergepoint)" : "",
                                current.count(rev.id) ? " (current)" : "");
  out += fmt::format("{}: {}\n", rev.parents.size() > 1 ? "Merges" : "Parent", FormatParents(rev));
  if (!rev.depends_on.empty())
    out += fmt::format("Also depends on: {}\n", JoinComma(rev.depends_on));
  if (children.size() > 1) out += fmt::format("Branches into: {}\n", JoinComma(children));
  if (!rev.branch_labels.empty())
    out += fmt::format("Branch names: {}\n", JoinComma(rev.branch_labels));
  if (!rev.transactional) out += "Transactional: false\n";
  out += fmt::format("Path: {}\n\n", rev.path);
  std::vector<std::string> lines = {rev.message, "", "Revision ID: " + rev.id,
                                    "Revises: " + JoinComma(rev.parents)};
  if (!rev.create_date.empty()) lines.push_back("Create Date: " + rev.create_date);
  if (!rev.explanation.empty()) {
    lines.push_back("");
    size_t start = 0;
    while (start <= rev.explanation.size()) {
      size_t nl = rev.explanation.find('\n', start);
      if (nl == std::string::npos) nl = rev.explanation.size();
      lines.push_back(rev.explanation.substr(start, nl - start));
      start = nl + 1;
    }
  }
  for (const std::string& l : lines) out += l.empty() ? "\n" : "    " + l + "\n";
  return out;
}

std::string DifferenceLines(const std::vector<ObjectDifference>& differences,
                            std::string_view first_label, std::string_view second_label) {
  std::string out;
  for (const ObjectDifference& d : differences) {
    out += "  " + DescribeDifference(d, first_label, second_label) + "\n";
  }
  return out;
}

namespace {
bool g_json_printed = false;
}  // namespace

bool JsonPrinted() { return g_json_printed; }

void PrintJsonLine(const nlohmann::json& doc) {
  g_json_printed = true;
  std::string s = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  s += '\n';
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fflush(stdout);
}

void PrintJson(const nlohmann::json& doc) {
  g_json_printed = true;
  // Replaced rather than thrown on: schema definitions read from a database may hold bytes that
  // are not UTF-8 (SQLite stores whatever text it was given).
  std::string s = doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  s += '\n';
  std::fwrite(s.data(), 1, s.size(), stdout);
}

nlohmann::json ErrorJson(const Status& status) {
  nlohmann::json e = {{"kind", ErrorKindName(status.kind())},
                      {"exit_code", status.exit_code()},
                      {"message", status.message()}};
  if (!status.file().empty()) e["file"] = status.file();
  if (status.line() > 0) e["line"] = status.line();
  if (!status.revision().empty()) e["revision"] = status.revision();
  if (!status.hint().empty()) e["hint"] = status.hint();
  return {{"error", e}};
}

}  // namespace strata::cli
