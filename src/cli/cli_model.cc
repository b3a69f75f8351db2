// ReadCliModel: the CLI11 definition as plain data for the man page and completion scripts.
#include "cli/cli_model.h"

#include <algorithm>

namespace strata::cli {
namespace {

// Positionals whose values are revisions (upgrade TARGET, show REV, merge REVISIONS, ...).
bool TakesRevisions(const std::string& name) {
  return name == "TARGET" || name == "REV" || name == "REVISIONS";
}

// CLI11 writes a membership check into the type name as "TEXT:{text,json}".
std::vector<std::string> Choices(const std::string& type_name) {
  std::vector<std::string> out;
  size_t open = type_name.find('{');
  size_t close = type_name.find('}', open == std::string::npos ? 0 : open);
  if (open == std::string::npos || close == std::string::npos) return out;
  std::string list = type_name.substr(open + 1, close - open - 1);
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    if (comma > start) out.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// "TEXT" for "TEXT:{text,json}"; "VALUE" when CLI11 has no name for it.
std::string ValueName(const CLI::Option& o) {
  std::string type = o.get_type_name();
  std::string name = type.substr(0, type.find(':'));
  return name.empty() ? "VALUE" : name;
}

void ReadOptions(const CLI::App& app, std::vector<CliOption>* options,
                 std::vector<CliPositional>* positionals) {
  for (const CLI::Option* o : app.get_options()) {
    if (o == app.get_help_ptr() || o == app.get_version_ptr()) continue;
    if (o->get_group().empty()) continue;  // hidden
    if (o->nonpositional()) {
      CliOption opt;
      for (const std::string& s : o->get_snames()) opt.names.push_back("-" + s);
      for (const std::string& l : o->get_lnames()) opt.names.push_back("--" + l);
      // A flag takes no value: CLI11 gives flags an expected count of 0.
      if (o->get_items_expected_max() > 0) opt.value = ValueName(*o);
      opt.choices = Choices(o->get_type_name());
      opt.help = o->get_description();
      options->push_back(std::move(opt));
    } else if (positionals != nullptr) {
      CliPositional p;
      p.name = o->get_name(true);
      p.help = o->get_description();
      p.required = o->get_required();
      p.many = o->get_items_expected_max() > 1;
      p.revisions = TakesRevisions(p.name);
      positionals->push_back(std::move(p));
    }
  }
}

}  // namespace

CliModel ReadCliModel(const CLI::App& app) {
  CliModel model;
  model.help = app.get_description();
  ReadOptions(app, &model.globals, nullptr);
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_group().empty()) continue;  // hidden (__man, __revisions)
    CliCommand cmd;
    cmd.name = sub->get_name();
    cmd.help = sub->get_description();
    ReadOptions(*sub, &cmd.options, &cmd.positionals);
    model.commands.push_back(std::move(cmd));
  }
  return model;
}

}  // namespace strata::cli
