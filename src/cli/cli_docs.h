// The man page and the shell completion scripts, written from the command line's own CLI11
// definition (main.cc), so that neither can drift from the options the binary accepts.
#ifndef STRATA_CLI_CLI_DOCS_H_
#define STRATA_CLI_CLI_DOCS_H_

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

namespace strata::cli {

// strata.1 in man(7) roff. No date in it, so that builds are reproducible.
std::string ManPage(const CLI::App& app);

// The completion script for "bash", "zsh" or "fish" (empty for another shell). Revision ids are
// completed by running `strata __revisions`, which reads the migrations folder only.
std::string CompletionScript(const CLI::App& app, std::string_view shell);

}  // namespace strata::cli

#endif  // STRATA_CLI_CLI_DOCS_H_
