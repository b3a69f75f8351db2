// libFuzzer target: ParseRevisionFile must never crash on any input, and whatever it accepts
// must survive Render -> Parse unchanged (RenderRevisionFile's contract in revision.h), with a
// second Render byte-identical to the first. ParseOwnedRevisionFile (the folder loader's way
// with a large file) must read every input exactly as ParseRevisionFile does.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "strata/revision.h"

namespace {

void Check(bool ok, const char* what, const std::string& text) {
  if (ok) return;
  std::fprintf(stderr, "round trip broke: %s\n--- rendered ---\n%s\n", what, text.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  strata::Result<strata::Revision> first = strata::ParseRevisionFile(input, "fuzz.sql");
  strata::Result<strata::Revision> owned =
      strata::ParseOwnedRevisionFile(std::string(input), "fuzz.sql");
  Check(owned.ok() == first.ok(), "owned parse accepts differently", std::string(input));
  if (owned.ok()) {
    Check(owned->upgrade.sql == first->upgrade.sql, "owned upgrade", std::string(input));
    Check(owned->downgrade.has_value() == first->downgrade.has_value(), "owned downgrade presence",
          std::string(input));
    if (owned->downgrade && first->downgrade) {
      Check(owned->downgrade->sql == first->downgrade->sql, "owned downgrade", std::string(input));
    }
  } else {
    Check(owned.status().ToString() == first.status().ToString(), "owned error",
          std::string(input));
  }
  if (!first.ok()) {
    // Every refusal is an invalid-scripts error with a message.
    Check(first.status().kind() == strata::ErrorKind::kInvalidScripts, "error kind", "");
    Check(!first.status().message().empty(), "empty error message", "");
    return 0;
  }
  const strata::Revision& a = *first;
  std::string text = strata::RenderRevisionFile(a);
  strata::Result<strata::Revision> second = strata::ParseRevisionFile(text, "fuzz.sql");
  Check(second.ok(), second.ok() ? "" : second.status().ToString().c_str(), text);
  const strata::Revision& b = *second;
  Check(a.id == b.id, "id", text);
  Check(a.parents == b.parents, "parents", text);
  Check(a.branch_labels == b.branch_labels, "branch_labels", text);
  Check(a.depends_on == b.depends_on, "depends_on", text);
  Check(a.transactional == b.transactional, "transactional", text);
  Check(a.message == b.message, "message", text);
  Check(a.create_date == b.create_date, "create_date", text);
  Check(a.explanation == b.explanation, "explanation", text);
  Check(a.upgrade.sql == b.upgrade.sql, "upgrade", text);
  Check(a.downgrade.has_value() == b.downgrade.has_value(), "downgrade presence", text);
  if (a.downgrade && b.downgrade) Check(a.downgrade->sql == b.downgrade->sql, "downgrade", text);
  Check(strata::RenderRevisionFile(b) == text, "render is not stable", text);
  Check(strata::SectionChecksum(a.upgrade.sql).size() == 64, "checksum", text);
  return 0;
}
