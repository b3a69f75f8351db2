// Commands that read the migrations folder only: heads, branches, history, show.
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/format.h"
#include "strata/history.h"

namespace strata::cli {

Status RunHeads(const Context& ctx, const HeadsOptions& o) {
  Result<RevisionGraph> graph = ctx.LoadGraph();
  if (!graph.ok()) return graph.status();
  std::vector<const Revision*> heads = graph->Heads();
  if (ctx.json()) {
    nlohmann::json list = nlohmann::json::array();
    for (const Revision* h : heads) list.push_back(RevisionJson(*graph, *h, o.verbose));
    PrintJson({{"heads", list}});
  } else {
    for (const Revision* h : heads) {
      Print(o.verbose ? RevisionVerbose(*graph, *h) + "\n"
                      : RevisionLine(*graph, *h, false) + "\n");
    }
  }
  if (o.single && heads.size() > 1) {
    std::string ids;
    for (const Revision* h : heads) ids += (ids.empty() ? "" : ", ") + h->id;
    return Status::Pending(fmt::format("the revision files have {} heads ({})", heads.size(), ids))
        .WithHint("join them with `strata merge heads -m \"merge\"` before deploying");
  }
  return Status::Ok();
}

Status RunBranches(const Context& ctx, const BranchesOptions& o) {
  Result<RevisionGraph> graph = ctx.LoadGraph();
  if (!graph.ok()) return graph.status();
  std::vector<const Revision*> points = graph->BranchPoints();
  if (ctx.json()) {
    nlohmann::json list = nlohmann::json::array();
    for (const Revision* b : points) {
      nlohmann::json j = RevisionJson(*graph, *b, o.verbose);
      j["children"] = nlohmann::json::array();
      for (const Revision* c : graph->Children(b->id)) j["children"].push_back(c->id);
      list.push_back(j);
    }
    PrintJson({{"branchpoints", list}});
    return Status::Ok();
  }
  for (const Revision* b : points) {
    std::string out =
        o.verbose ? RevisionVerbose(*graph, *b) : RevisionLine(*graph, *b, false) + "\n";
    // Alembic's layout: each child on its own line, aligned under the branch point.
    std::string pad(b->id.size(), ' ');
    for (const Revision* c : graph->Children(b->id)) {
      out += fmt::format("{} -> {}\n", pad, RevisionLine(*graph, *c, false));
    }
    Print(out);
  }
  return Status::Ok();
}

Status RunHistory(const Context& ctx, const HistoryOptions& o) {
  Result<RevisionGraph> graph = ctx.LoadGraph();
  if (!graph.ok()) return graph.status();

  // "current" in a range needs the database; everything else works from the files alone.
  std::vector<std::string> current;
  bool need_db = o.range.find("current") != std::string::npos;
  if (need_db) {
    Result<std::unique_ptr<Driver>> db = ctx.OpenDatabase();
    if (!db.ok()) return db.status();
    Result<std::vector<std::string>> versions = (*db)->ReadVersions();
    if (!versions.ok()) return versions.status();
    current = *versions;
  }
  Result<std::vector<const Revision*>> revs =
      o.range.empty() ? Result<std::vector<const Revision*>>(graph->NewestFirst())
                      : RevisionRange(*graph, o.range, need_db ? &current : nullptr);
  if (!revs.ok()) return revs.status();
  CurrentSet cur(current.begin(), current.end());

  if (ctx.json()) {
    nlohmann::json list = nlohmann::json::array();
    for (const Revision* r : *revs) list.push_back(RevisionJson(*graph, *r, o.verbose, cur));
    PrintJson({{"revisions", list}});
    return Status::Ok();
  }
  std::string out;
  out.reserve(revs->size() * 64);
  for (const Revision* r : *revs) {
    if (o.verbose) {
      out += RevisionVerbose(*graph, *r, cur);
      out += '\n';
    } else {
      out += RevisionLine(*graph, *r, true, cur);
      out += '\n';
    }
  }
  Print(out);
  return Status::Ok();
}

Status RunShow(const Context& ctx, const ShowOptions& o) {
  Result<RevisionGraph> graph = ctx.LoadGraph();
  if (!graph.ok()) return graph.status();
  const Revision* rev = nullptr;
  if (o.revision == "head") {
    auto heads = graph->Heads();
    if (heads.size() != 1) {
      return Status::Usage(fmt::format("'head' is ambiguous: there are {} heads", heads.size()))
          .WithHint("name a revision; `strata heads` lists them");
    }
    rev = heads.front();
  } else {
    Result<const Revision*> r = graph->Resolve(o.revision);
    if (!r.ok()) return r.status();
    rev = *r;
  }
  if (ctx.json()) {
    nlohmann::json j = RevisionJson(*graph, *rev, true);
    j["upgrade_sql"] = rev->upgrade.sql;
    j["downgrade_sql"] = rev->downgrade ? nlohmann::json(rev->downgrade->sql) : nlohmann::json();
    PrintJson(j);
    return Status::Ok();
  }
  std::string out = RevisionVerbose(*graph, *rev);
  out += "\n-- migrate:upgrade\n" + rev->upgrade.sql;
  if (!out.empty() && out.back() != '\n') out += '\n';
  if (rev->downgrade) {
    out += "\n-- migrate:downgrade\n" + rev->downgrade->sql;
    if (out.back() != '\n') out += '\n';
  } else {
    out += "\n(no downgrade section: this revision cannot be downgraded)\n";
  }
  Print(out);
  return Status::Ok();
}

}  // namespace strata::cli
