// `strata verify`: every revision upgraded, downgraded and upgraded again on a scratch database,
// the schema compared at each turn (verify.h, DESIGN §8). Exit 6 when a downgrade does not
// restore the schema.
#include "strata/verify.h"

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/replay_progress.h"

namespace strata::cli {
namespace {

std::string ReportText(const VerifyReport& r) {
  std::string out;
  for (const VerifyFinding& f : r.findings) {
    out += f.path.empty() ? f.message + "\n" : fmt::format("{}: {}\n", f.path, f.message);
    out += DifferenceLines(f.differences, f.first_label, f.second_label);
  }
  if (!r.irreversible.empty()) {
    out += fmt::format("Not checked, no downgrade section: {}\n", RevisionList(r.irreversible));
  }
  for (const std::string& url : r.kept) out += fmt::format("Kept scratch database {}\n", url);
  if (r.findings.empty()) {
    out += fmt::format(
        "OK: {} revision{} upgraded, downgraded and upgraded again on {}, each downgrade "
        "restoring the schema; the heads match a straight upgrade (sha256 {})\n",
        r.checked.size(), r.checked.size() == 1 ? "" : "s", r.dialect, r.heads_hash.substr(0, 12));
  }
  return out;
}

}  // namespace

ScratchOptions ScratchOptionsFor(const Context& ctx, const std::string& scratch_url, bool keep) {
  ScratchOptions options;
  options.scratch_url = scratch_url;
  options.database_url = ctx.settings().url;
  options.driver = ctx.driver_options();
  options.keep = keep;
  return options;
}

Status RunVerify(const Context& ctx, const VerifyOptions& o) {
  Result<RevisionGraph> graph = ctx.LoadGraph();
  if (!graph.ok()) return graph.status();
  ReplayProgress progress(ctx);
  Result<VerifyReport> report =
      Verify(*graph, o.range, ScratchOptionsFor(ctx, o.scratch_url, o.keep), &progress);
  if (!report.ok()) return report.status();
  const VerifyReport& r = *report;
  if (ctx.json()) {
    PrintJson(VerifyJson(r, o.range));
  } else if (!ctx.quiet() || !r.findings.empty()) {
    Print(ReportText(r));
  }
  return VerifyStatus(r);
}

}  // namespace strata::cli
