// Target resolution after Alembic 1.8.1's RevisionMap; see targets.h. Function names follow
// alembic/script/revision.py so the two can be read side by side. Where Alembic would fail with
// an assertion, these return a usage error that says what to type instead.
#include "core/targets.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace strata {

namespace {

constexpr int kOverwalk = -3;  // Alembic's _walk returning None

constexpr const char* kListHint = "run `strata heads` or `strata history` to list revisions";

bool IsWord(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

std::string Names(const RevisionGraph::Impl& g, const std::vector<int>& revs) {
  std::string out;
  for (int r : revs) {
    if (!out.empty()) out += ", ";
    out += r >= 0 ? g.revs[static_cast<size_t>(r)].id : std::string("base");
  }
  return out;
}

Status DidNotProduce(const RelativeTarget& rel) {
  return Status::Usage(fmt::format("relative revision {} didn't produce {} migrations",
                                   rel.steps_text, std::abs(rel.steps)))
      .WithHint(kListHint);
}

}  // namespace

std::optional<RelativeTarget> ParseRelative(std::string_view target) {
  // "[LABEL@][SYMBOL](+|-)DIGITS"; the label may itself contain '@' (the regex's lazy group
  // backtracks to the last '@' before a word).
  size_t digits = 0;
  while (digits < target.size() &&
         std::isdigit(static_cast<unsigned char>(target[target.size() - 1 - digits]))) {
    ++digits;
  }
  if (digits == 0 || digits == target.size() || digits > 9) return std::nullopt;
  const size_t sign = target.size() - 1 - digits;
  if (target[sign] != '+' && target[sign] != '-') return std::nullopt;
  std::string_view prefix = target.substr(0, sign);
  RelativeTarget rel;
  size_t at = prefix.rfind('@');
  std::string_view symbol = prefix;
  if (at != std::string_view::npos) {
    if (at == 0) return std::nullopt;
    rel.label = std::string(prefix.substr(0, at));
    symbol = prefix.substr(at + 1);
  }
  if (!IsWord(symbol)) return std::nullopt;
  if (!symbol.empty()) rel.symbol = std::string(symbol);
  rel.steps_text = std::string(target.substr(sign));
  rel.steps = std::stoi(std::string(target.substr(sign + 1)));
  if (target[sign] == '-') rel.steps = -rel.steps;
  return rel;
}

std::vector<char> TargetResolver::LineageMask(const std::vector<int>& of, bool include_deps) const {
  std::vector<char> mask(g_.revs.size(), 0);
  for (int r : of) {
    if (r < 0) continue;
    std::vector<char> a = g_.Ancestors({r}, include_deps);
    std::vector<char> d = g_.Descendants({r}, include_deps);
    for (size_t i = 0; i < mask.size(); ++i) mask[i] |= a[i] | d[i];
  }
  return mask;
}

Result<int> TargetResolver::ResolveBranch(std::string_view label) const {
  auto it = g_.by_label.find(std::string(label));
  if (it != g_.by_label.end()) return it->second;
  Result<const Revision*> rev = graph_.Resolve(label);
  if (rev.ok()) return g_.IndexOf((*rev)->id);
  if (rev.status().kind() == ErrorKind::kUsage) {
    return Status::Usage(fmt::format("no such branch or revision '{}'", label))
        .WithHint("run `strata branches` or `strata heads` to list branch labels and revisions");
  }
  return rev.status();
}

Result<int> TargetResolver::RevisionForIdent(std::string_view id,
                                             std::string_view check_branch) const {
  int branch_rev = kNoRevision;
  if (!check_branch.empty()) {
    Result<int> b = ResolveBranch(check_branch);
    if (!b.ok()) return b.status();
    branch_rev = *b;
  }
  int rev = g_.IndexOf(id);
  if (rev < 0) {
    // Alembic's map holds branch labels next to ids, so a label names its revision.
    auto it = g_.by_label.find(std::string(id));
    if (it != g_.by_label.end()) rev = it->second;
  }
  if (rev < 0 && branch_rev >= 0 && id.size() >= 4) {
    // A prefix within a branch: only candidates on the branch count (Alembic filters before
    // declaring ambiguity).
    std::vector<char> lineage = LineageMask({branch_rev}, /*include_deps=*/false);
    std::vector<int> candidates;
    for (size_t i = 0; i < g_.revs.size(); ++i) {
      if (lineage[i] && g_.revs[i].id.compare(0, id.size(), id) == 0) {
        candidates.push_back(static_cast<int>(i));
      }
    }
    if (candidates.size() > 1) {
      return Status::InvalidScripts(fmt::format("ambiguous revision prefix '{}' matches {}", id,
                                                Names(g_, candidates)))
          .WithHint("type more characters of the revision id");
    }
    if (candidates.size() == 1) rev = candidates[0];
  }
  if (rev < 0) {
    Result<const Revision*> r = graph_.Resolve(id);
    if (!r.ok()) return r.status();
    rev = g_.IndexOf((*r)->id);
  }
  if (branch_rev >= 0 && !g_.SharesLineage(rev, {branch_rev}, /*include_deps=*/false)) {
    return Status::Usage(fmt::format("revision {} is not a member of branch '{}'",
                                     g_.revs[static_cast<size_t>(rev)].id, check_branch))
        .WithHint(kListHint);
  }
  return rev;
}

Result<int> TargetResolver::CurrentHead(std::string_view label) const {
  std::vector<int> heads;
  for (size_t i = 0; i < g_.revs.size(); ++i) {
    if (g_.children[i].empty()) heads.push_back(static_cast<int>(i));
  }
  if (!label.empty()) {
    Result<std::vector<int>> filtered = FilterForLineage(heads, label, /*include_deps=*/false);
    if (!filtered.ok()) return filtered.status();
    heads = std::move(filtered).value();
  }
  if (heads.size() > 1) {
    std::string arg = label.empty() ? "head" : fmt::format("{}@head", label);
    return Status::Usage(fmt::format("multiple heads are present for '{}': {}; please specify a "
                                     "specific target revision, '<branchname>@head' to narrow to "
                                     "one branch, or use `heads`",
                                     arg, Names(g_, heads)))
        .WithHint("e.g. `strata upgrade heads`");
  }
  return heads.empty() ? kNoRevision : heads[0];
}

Result<std::vector<int>> TargetResolver::GetRevisions(std::string_view spec) const {
  std::string_view label, id = spec;
  if (size_t at = spec.find('@'); at != std::string_view::npos) {
    label = spec.substr(0, at);
    id = spec.substr(at + 1);
  }
  if (id.empty()) {
    return Status::Usage(fmt::format("empty revision in target '{}'", spec)).WithHint(kListHint);
  }
  if (id == "heads") {
    if (!label.empty()) {
      std::vector<int> heads;
      for (size_t i = 0; i < g_.revs.size(); ++i) {
        if (g_.children[i].empty()) heads.push_back(static_cast<int>(i));
      }
      return FilterForLineage(heads, label, /*include_deps=*/false);
    }
    // Alembic's _real_heads: no children and no dependents.
    std::vector<int> heads;
    for (size_t i = 0; i < g_.revs.size(); ++i) {
      if (g_.all_children[i].empty()) heads.push_back(static_cast<int>(i));
    }
    return heads;
  }
  if (id == "head") {
    Result<int> head = CurrentHead(label);
    if (!head.ok()) return head.status();
    if (*head < 0) return std::vector<int>{};
    return std::vector<int>{*head};
  }
  if (id == "base") return std::vector<int>{};
  Result<int> rev = RevisionForIdent(id, label);
  if (!rev.ok()) return rev.status();
  return std::vector<int>{*rev};
}

Result<int> TargetResolver::GetRevision(std::string_view spec) const {
  Result<std::vector<int>> revs = GetRevisions(spec);
  if (!revs.ok()) return revs.status();
  if (revs->size() > 1) {
    return Status::Usage(fmt::format("multiple heads are present for '{}': {}; please specify a "
                                     "single target revision",
                                     spec, Names(g_, *revs)))
        .WithHint(kListHint);
  }
  return revs->empty() ? kNoRevision : revs->front();
}

Result<std::vector<int>> TargetResolver::FilterForLineage(const std::vector<int>& revs,
                                                          std::string_view check_against,
                                                          bool include_deps) const {
  // Alembic's filter_for_lineage: what check_against names (its branch label and its
  // revisions) is the lineage; "base" names nothing and so keeps everything.
  std::string_view label, id = check_against;
  if (size_t at = check_against.find('@'); at != std::string_view::npos) {
    label = check_against.substr(0, at);
    id = check_against.substr(at + 1);
  }
  std::vector<int> shares;
  if (!label.empty()) {
    Result<int> l = ResolveBranch(label);
    if (!l.ok()) return l.status();
    shares.push_back(*l);
  }
  if (id == "heads" || id == "head" || id == "base") {
    Result<std::vector<int>> named = GetRevisions(check_against);
    if (!named.ok()) return named.status();
    shares.insert(shares.end(), named->begin(), named->end());
  } else if (!id.empty()) {
    Result<int> r = ResolveBranch(id);
    if (!r.ok()) return r.status();
    shares.push_back(*r);
  }
  if (shares.empty()) return revs;
  std::vector<char> mask = LineageMask(shares, include_deps);
  std::vector<int> out;
  for (int r : revs) {
    if (r >= 0 && mask[static_cast<size_t>(r)]) out.push_back(r);
  }
  return out;
}

Result<int> TargetResolver::Walk(int start, int steps,
                                 const std::optional<std::string>& label) const {
  int at = start;
  for (int i = 0; i < std::abs(steps); ++i) {
    std::vector<int> next;
    if (steps > 0) {
      if (at == kBaseRevision) return kOverwalk;
      if (at == kNoRevision) {
        for (size_t r = 0; r < g_.revs.size(); ++r) {
          if (g_.parents[r].empty()) next.push_back(static_cast<int>(r));
        }
      } else {
        next = g_.children[static_cast<size_t>(at)];
      }
      if (label) {
        Result<std::vector<int>> f = FilterForLineage(next, *label, /*include_deps=*/false);
        if (!f.ok()) return f.status();
        next = std::move(f).value();
      }
    } else {
      if (at == kBaseRevision) return kOverwalk;
      if (at == kNoRevision) {
        for (size_t r = 0; r < g_.revs.size(); ++r) {
          if (g_.children[r].empty()) next.push_back(static_cast<int>(r));
        }
      } else {
        next = g_.parents[static_cast<size_t>(at)];
      }
      if (next.empty()) next.push_back(kBaseRevision);
    }
    if (next.empty()) return kOverwalk;
    if (next.size() > 1) {
      std::string from = at >= 0 ? g_.revs[static_cast<size_t>(at)].id : std::string("base");
      return Status::Usage(fmt::format("ambiguous walk: {} has several {} ({}); name the "
                                       "revision, or narrow it with a branch label (LABEL@{}{})",
                                       from, steps > 0 ? "children" : "parents", Names(g_, next),
                                       steps > 0 ? "+" : "-", std::abs(steps)))
          .WithHint(kListHint);
    }
    at = next[0];
  }
  if (at == kNoRevision) return kOverwalk;
  return at;
}

Result<std::vector<int>> TargetResolver::ParseUpgradeTarget(const std::vector<int>& current,
                                                            std::string_view target) const {
  std::optional<RelativeTarget> rel = ParseRelative(target);
  if (!rel) return GetRevisions(target);
  if (rel->steps > 0) {
    int start = kNoRevision;
    if (!rel->symbol) {
      std::vector<int> start_revs = current;
      if (rel->label) {
        Result<std::vector<int>> f = FilterForLineage(current, *rel->label, false);
        if (!f.ok()) return f.status();
        start_revs = std::move(f).value();
        if (start_revs.empty()) {
          // The branch has no current head: start from its newest applied revisions.
          std::vector<char> anc = g_.Ancestors(current);
          std::vector<int> applied;
          for (size_t i = 0; i < anc.size(); ++i) {
            if (anc[i]) applied.push_back(static_cast<int>(i));
          }
          Result<std::vector<int>> active = FilterForLineage(applied, *rel->label, false);
          if (!active.ok()) return active.status();
          std::vector<char> below(g_.revs.size(), 0);
          for (int a : *active) {
            for (int d : g_.down[static_cast<size_t>(a)]) below[static_cast<size_t>(d)] = 1;
          }
          for (int a : *active) {
            if (!below[static_cast<size_t>(a)]) start_revs.push_back(a);
          }
        }
      }
      if (start_revs.size() > 1) {
        return Status::Usage(fmt::format("ambiguous upgrade {} from multiple current revisions "
                                         "({})",
                                         target, Names(g_, start_revs)))
            .WithHint("name the branch: `LABEL@+N` or `REV+N`");
      }
      if (!start_revs.empty()) start = start_revs[0];
    } else {
      Result<int> s = GetRevision(*rel->symbol);
      if (!s.ok()) return s.status();
      start = *s;
    }
    Result<int> rev = Walk(start, rel->steps, rel->label);
    if (!rev.ok()) return rev.status();
    if (*rev == kOverwalk) return DidNotProduce(*rel);
    if (*rev == kBaseRevision) return std::vector<int>{};
    return std::vector<int>{*rev};
  }
  if (!rel->symbol) {
    return DidNotProduce(*rel).WithHint("to go down, use `strata downgrade " + rel->steps_text +
                                        "`");
  }
  Result<int> s = GetRevision(rel->label ? *rel->label + "@" + *rel->symbol : *rel->symbol);
  if (!s.ok()) return s.status();
  Result<int> rev = Walk(*s, rel->steps, std::nullopt);
  if (!rev.ok()) return rev.status();
  if (*rev == kOverwalk) return DidNotProduce(*rel);
  if (*rev == kBaseRevision) {
    // Alembic fails here too (an assertion): base is not an upgrade target.
    return Status::Usage(fmt::format("'{}' is base, which is not an upgrade target", target))
        .WithHint(fmt::format("to go down, use `strata downgrade {}`", target));
  }
  return std::vector<int>{*rev};
}

Result<TargetResolver::DowngradeTarget> TargetResolver::ParseDowngradeTarget(
    const std::vector<int>& current, std::string_view target) const {
  std::optional<RelativeTarget> rel = ParseRelative(target);
  DowngradeTarget out;
  if (!rel) {
    // Absolute: "LABEL@REV" keeps the label to narrow the downgrade; the revision itself is
    // resolved without it, as Alembic does.
    std::string_view symbol = target;
    if (size_t at = target.rfind('@'); at != std::string_view::npos) {
      if (at > 0) out.label = std::string(target.substr(0, at));
      symbol = target.substr(at + 1);
    }
    Result<int> rev = GetRevision(symbol);
    if (!rev.ok()) return rev.status();
    out.revision = *rev;
    return out;
  }
  out.label = rel->label;
  if (rel->steps >= 0) {
    if (!rel->symbol) {
      return DidNotProduce(*rel).WithHint("to go up, use `strata upgrade " + rel->steps_text + "`");
    }
    Result<int> s = GetRevision(*rel->symbol);
    if (!s.ok()) return s.status();
    Result<int> rev = Walk(*s, rel->steps, rel->label);
    if (!rev.ok()) return rev.status();
    if (*rev == kOverwalk) {
      return Status::Usage(fmt::format("walked too far: {} is past the end of the history", target))
          .WithHint(kListHint);
    }
    out.revision = *rev == kBaseRevision ? kNoRevision : *rev;
    return out;
  }
  int start;
  if (!rel->symbol) {
    if (rel->label) {
      Result<std::vector<int>> on_branch = FilterForLineage(current, *rel->label, false);
      if (!on_branch.ok()) return on_branch.status();
      std::vector<int> symbols = std::move(on_branch).value();
      if (symbols.empty()) {
        // No current head on the branch: the tips of everything applied (which includes
        // revisions only depended upon) that are on it.
        std::vector<char> applied = g_.Ancestors(current);
        std::vector<int> tips;
        for (size_t i = 0; i < applied.size(); ++i) {
          if (!applied[i]) continue;
          bool tip = true;
          for (int c : g_.children[i]) tip = tip && !applied[static_cast<size_t>(c)];
          if (tip) tips.push_back(static_cast<int>(i));
        }
        Result<std::vector<int>> f = FilterForLineage(tips, *rel->label, false);
        if (!f.ok()) return f.status();
        symbols = std::move(f).value();
      }
      if (symbols.size() != 1) {
        return Status::Usage(
                   fmt::format("'{}' needs exactly one current revision on branch '{}', "
                               "found {}",
                               target, *rel->label,
                               symbols.empty() ? std::string("none") : Names(g_, symbols)))
            .WithHint("name the revision to go down to instead");
      }
      start = symbols[0];
    } else {
      if (current.empty()) return DidNotProduce(*rel).WithHint("the database is at base");
      if (current.size() > 1) {
        // Alembic warns that this is ambiguous and then downgrades whichever row its version
        // table returns first. A rollback must never guess which branch to undo. The hint names
        // HEAD@-N, not HEAD-N: the latter goes down to the parent and so undoes every branch
        // above it.
        std::vector<std::string> forms;
        for (int head : current) {
          forms.push_back(fmt::format("`strata downgrade {}@{}`",
                                      g_.revs[static_cast<size_t>(head)].id, rel->steps_text));
        }
        return Status::Usage(fmt::format("downgrade {} is ambiguous: the database has {} heads "
                                         "({}), and strata does not guess which branch to undo",
                                         target, current.size(), Names(g_, current)))
            .WithHint(fmt::format("say which: {} (a branch label works too: LABEL@{})",
                                  fmt::join(forms, " or "), rel->steps_text));
      }
      start = current[0];
      out.label = g_.revs[static_cast<size_t>(start)].id;
    }
  } else {
    Result<int> s = GetRevision(rel->label ? *rel->label + "@" + *rel->symbol : *rel->symbol);
    if (!s.ok()) return s.status();
    start = *s;
  }
  Result<int> rev = Walk(start, rel->steps, std::nullopt);
  if (!rev.ok()) return rev.status();
  if (*rev == kOverwalk) {
    if (!rel->symbol) return DidNotProduce(*rel);
    return Status::Usage(fmt::format("walked too far: {} is past the end of the history", target))
        .WithHint(kListHint);
  }
  out.revision = *rev == kBaseRevision ? kNoRevision : *rev;
  return out;
}

}  // namespace strata
