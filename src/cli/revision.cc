// `strata revision` and `strata merge`: write new revision files (Alembic's `revision`/`merge`).
#include <fmt/format.h>

#include <set>

#include "cli/commands.h"
#include "cli/format.h"
#include "strata/script.h"

namespace strata::cli {
namespace {

std::string HeadList(const RevisionGraph& graph) {
  std::string out;
  for (const Revision* h : graph.Heads()) out += (out.empty() ? "" : ", ") + h->id;
  return out;
}

// Resolves a --head / merge argument to a revision id; "base" gives an empty id.
Result<std::string> ResolveParent(const RevisionGraph& graph, const std::string& arg) {
  if (arg == "base") return std::string();
  if (arg == "head") {
    auto heads = graph.Heads();
    if (heads.size() != 1) {
      return Status::Usage(fmt::format("'head' is ambiguous: the files have {} heads ({})",
                                       heads.size(), HeadList(graph)))
          .WithHint("name one with --head REV");
    }
    return heads.front()->id;
  }
  if (auto at = arg.find('@'); at != std::string::npos) {
    std::string label = arg.substr(0, at);
    const Revision* labelled = graph.FindLabel(label);
    if (labelled == nullptr || arg.substr(at + 1) != "head") {
      return Status::Usage(fmt::format("cannot resolve '{}'", arg))
          .WithHint("use LABEL@head with a branch label from `strata branches`");
    }
    std::vector<std::string> heads;
    std::set<const Revision*> desc;
    for (const Revision* r : graph.DescendantsOf({labelled->id})) desc.insert(r);
    for (const Revision* h : graph.Heads()) {
      if (desc.count(h)) heads.push_back(h->id);
    }
    if (heads.size() != 1) {
      return Status::Usage(fmt::format("branch '{}' has {} heads", label, heads.size()));
    }
    return heads.front();
  }
  Result<const Revision*> rev = graph.Resolve(arg);
  if (!rev.ok()) return rev.status();
  return (*rev)->id;
}

Status CheckNewLabelsAndId(const RevisionGraph& graph, const std::vector<std::string>& labels,
                           const std::string& rev_id) {
  for (const std::string& label : labels) {
    if (!IsValidRevisionId(label)) {
      return Status::Usage(fmt::format("invalid branch label '{}': use [0-9A-Za-z_]", label));
    }
    if (const Revision* r = graph.FindLabel(label)) {
      return Status::Usage(
          fmt::format("branch label '{}' is already used by revision {}", label, r->id));
    }
    if (graph.Find(label) != nullptr) {
      return Status::Usage(fmt::format("branch label '{}' is a revision id", label));
    }
  }
  if (!rev_id.empty()) {
    if (!IsValidRevisionId(rev_id)) {
      return Status::Usage(
          fmt::format("invalid --rev-id '{}': use 1-32 characters of [0-9A-Za-z_]", rev_id));
    }
    if (const Revision* r = graph.Find(rev_id)) {
      return Status::Usage(fmt::format("revision id '{}' already exists in {}", rev_id, r->path));
    }
  }
  return Status::Ok();
}

Status Report(const Context& ctx, const std::string& id, const std::string& path) {
  if (ctx.json()) {
    PrintJson({{"revision", id}, {"path", path}});
  } else {
    Print(path + "\n");
  }
  return Status::Ok();
}

}  // namespace

Status RunRevision(const Context& ctx, const RevisionOptions& o) {
  if (o.message.empty())
    return Status::Usage("a message is required: strata revision -m \"add users\"");
  Result<RevisionGraph> graph = ctx.LoadGraph();
  if (!graph.ok()) return graph.status();
  STRATA_RETURN_IF_ERROR(CheckNewLabelsAndId(*graph, o.branch_labels, o.rev_id));

  NewRevision spec;
  spec.message = o.message;
  spec.rev_id = o.rev_id;
  spec.branch_labels = o.branch_labels;
  spec.transactional = !o.no_transaction;
  if (o.heads.empty()) {
    auto heads = graph->Heads();
    if (heads.size() > 1) {
      return Status::Usage(fmt::format("multiple heads are present ({})", HeadList(*graph)))
          .WithHint(
              "pick one with --head REV, or join them first with `strata merge heads -m MESSAGE`");
    }
    if (heads.size() == 1) spec.parents.push_back(heads.front()->id);
  } else {
    for (const std::string& h : o.heads) {
      Result<std::string> id = ResolveParent(*graph, h);
      if (!id.ok()) return id.status();
      if (id->empty()) continue;  // base
      if (!graph->Children(*id).empty() && !o.splice) {
        return Status::Usage(fmt::format("revision {} is not a head", *id))
            .WithHint("pass --splice to start a new branch from it");
      }
      spec.parents.push_back(*id);
    }
  }
  for (const std::string& d : o.depends_on) {
    Result<std::string> id = ResolveParent(*graph, d);
    if (!id.ok()) return id.status();
    if (!id->empty()) spec.depends_on.push_back(*id);
  }
  Result<WrittenRevision> written = WriteRevisionFile(ctx.settings().dir, spec);
  if (!written.ok()) return written.status();
  return Report(ctx, written->id, written->path.string());
}

Status RunMerge(const Context& ctx, const MergeOptions& o) {
  if (o.message.empty())
    return Status::Usage("a message is required: strata merge heads -m \"merge\"");
  Result<RevisionGraph> graph = ctx.LoadGraph();
  if (!graph.ok()) return graph.status();
  STRATA_RETURN_IF_ERROR(CheckNewLabelsAndId(*graph, o.branch_labels, o.rev_id));

  std::vector<std::string> parents;
  for (const std::string& arg : o.revisions) {
    if (arg == "heads") {
      for (const Revision* h : graph->Heads()) parents.push_back(h->id);
      continue;
    }
    Result<std::string> id = ResolveParent(*graph, arg);
    if (!id.ok()) return id.status();
    if (id->empty()) return Status::Usage("cannot merge 'base'");
    parents.push_back(*id);
  }
  // Drop duplicates, keeping order.
  std::vector<std::string> unique;
  for (const std::string& p : parents) {
    if (std::find(unique.begin(), unique.end(), p) == unique.end()) unique.push_back(p);
  }
  if (unique.size() < 2) {
    return Status::Usage(fmt::format("a merge needs at least two revisions, got {}", unique.size()))
        .WithHint("`strata heads` lists what there is to merge");
  }
  // A parent that is an ancestor of another parent makes no sense to merge (Alembic refuses).
  for (const std::string& a : unique) {
    for (const std::string& b : unique) {
      if (a == b) continue;
      for (const Revision* anc : graph->AncestorsOf({b})) {
        if (anc->id == a) {
          return Status::Usage(
              fmt::format("revision {} is an ancestor of {}; nothing to merge", a, b));
        }
      }
    }
  }
  NewRevision spec;
  spec.message = o.message;
  spec.parents = unique;
  spec.rev_id = o.rev_id;
  spec.branch_labels = o.branch_labels;
  Result<WrittenRevision> written = WriteRevisionFile(ctx.settings().dir, spec);
  if (!written.ok()) return written.status();
  return Report(ctx, written->id, written->path.string());
}

}  // namespace strata::cli
