// A plain description of the command line (commands, options, positionals) read from the CLI11
// definition, shared by the man page and the completion scripts.
#ifndef STRATA_CLI_CLI_MODEL_H_
#define STRATA_CLI_CLI_MODEL_H_

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace strata::cli {

struct CliOption {
  std::vector<std::string> names;    // "-d", "--dir" (with dashes), short names first
  std::string value;                 // "" for a flag, else the value's name ("URL", "TEXT", ...)
  std::vector<std::string> choices;  // allowed values when the option checks membership
  std::string help;
};

struct CliPositional {
  std::string name;  // "TARGET", "REV", ...
  std::string help;
  bool required = false;
  bool many = false;
  bool revisions = false;  // completed with revision ids
};

struct CliCommand {
  std::string name;
  std::string help;
  std::vector<CliOption> options;
  std::vector<CliPositional> positionals;
};

struct CliModel {
  std::string help;                  // the program's description
  std::vector<CliOption> globals;    // options before (or, with fallthrough, after) the command
  std::vector<CliCommand> commands;  // visible commands, in definition order
};

// Hidden commands (group "") and --help/--version are left out.
CliModel ReadCliModel(const CLI::App& app);

}  // namespace strata::cli

#endif  // STRATA_CLI_CLI_MODEL_H_
