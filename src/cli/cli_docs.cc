// strata.1 and the bash, zsh and fish completion scripts, from the CLI11 definition (cli_model.h).
#include "cli/cli_docs.h"

#include <fmt/format.h>

#include <map>
#include <set>

#include "cli/cli_model.h"
#include "strata/migrator.h"

namespace strata::cli {
namespace {

// ---- man page ------------------------------------------------------------------------------

// Text for roff: backslashes and hyphens escaped, no line starting with a control character.
std::string Roff(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

std::string OptionHeading(const CliOption& o) {
  std::string out;
  for (const std::string& name : o.names) {
    if (!out.empty()) out += ", ";
    out += "\\fB" + Roff(name) + "\\fR";
  }
  if (!o.value.empty()) out += " \\fI" + Roff(o.value) + "\\fR";
  return out;
}

void ManOptions(const std::vector<CliOption>& options, std::string* out) {
  for (const CliOption& o : options) {
    *out += ".TP\n" + OptionHeading(o) + "\n" + Roff(o.help);
    if (!o.choices.empty()) {
      std::string list;
      for (const std::string& c : o.choices) list += (list.empty() ? "" : ", ") + c;
      *out += " (one of: " + Roff(list) + ")";
    }
    *out += "\n";
  }
}

std::string Synopsis(const CliCommand& c) {
  std::string out = "\\fBstrata\\fR [\\fIOPTIONS\\fR] \\fB" + Roff(c.name) + "\\fR";
  if (!c.options.empty()) out += " [\\fICOMMAND OPTIONS\\fR]";
  for (const CliPositional& p : c.positionals) {
    std::string arg = "\\fI" + Roff(p.name) + "\\fR" + (p.many ? "..." : "");
    out += p.required ? " " + arg : " [" + arg + "]";
  }
  return out;
}

// ---- completion ----------------------------------------------------------------------------

std::string Join(const std::vector<std::string>& words, const char* sep = " ") {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : sep) + w;
  return out;
}

std::vector<std::string> Names(const std::vector<CliOption>& options) {
  std::vector<std::string> out;
  for (const CliOption& o : options) out.insert(out.end(), o.names.begin(), o.names.end());
  return out;
}

bool TakesRevisions(const CliCommand& c) {
  for (const CliPositional& p : c.positionals) {
    if (p.revisions) return true;
  }
  return false;
}

// Options whose value is a file or folder.
bool IsPathOption(const CliOption& o) {
  for (const std::string& n : o.names) {
    if (n == "--dir" || n == "--config" || n == "--out") return true;
  }
  return false;
}

std::string BashScript(const CliModel& m) {
  std::vector<std::string> commands;
  for (const CliCommand& c : m.commands) commands.push_back(c.name);
  // Every option that takes a value, by its completion: choices, paths, or free text.
  std::set<std::string> free_values, path_values;
  // Options with a fixed set of values, matched on "COMMAND:OPTION": a command's own option
  // first, then the global one of the same name (globals are accepted after the command too).
  std::string choice_cases;
  auto note = [&](const std::vector<CliOption>& options, const std::string& command) {
    for (const CliOption& o : options) {
      if (o.value.empty()) continue;
      for (const std::string& n : o.names) (IsPathOption(o) ? path_values : free_values).insert(n);
      if (o.choices.empty()) continue;
      std::vector<std::string> patterns;
      for (const std::string& n : o.names) patterns.push_back(command + ":" + n);
      choice_cases += fmt::format("    {}) COMPREPLY=($(compgen -W '{}' -- \"$cur\")); return ;;\n",
                                  Join(patterns, "|"), Join(o.choices));
    }
  };
  for (const CliCommand& c : m.commands) note(c.options, c.name);
  note(m.globals, "*");
  std::string skip_values = Join({free_values.begin(), free_values.end()}, "|");
  std::string paths = Join({path_values.begin(), path_values.end()}, "|");

  std::string per_command;
  std::string positionals;
  for (const CliCommand& c : m.commands) {
    per_command += fmt::format("      {}) opts='{}' ;;\n", c.name, Join(Names(c.options)));
    if (TakesRevisions(c)) {
      positionals += fmt::format(
          "    {}) COMPREPLY=($(compgen -W \"$(strata \"${{pass[@]}}\" __revisions 2>/dev/null)\" "
          "-- \"$cur\")) ;;\n",
          c.name);
    } else if (c.name == "completion") {
      positionals += "    completion) COMPREPLY=($(compgen -W 'bash zsh fish' -- \"$cur\")) ;;\n";
    } else if (!c.positionals.empty()) {
      positionals += fmt::format("    {}) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n", c.name);
    }
  }

  return fmt::format(R"sh(# bash completion for strata (written by `strata completion bash`)
_strata() {{
  local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}}
  local cmd="" i opts
  local -a pass=()
  # The command is the first word that is neither an option nor an option's value; -d and -c
  # are passed on to `strata __revisions` so that it reads the same migrations folder.
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${{COMP_WORDS[i]}} in
      {paths}) pass+=("${{COMP_WORDS[i]}}" "${{COMP_WORDS[i+1]}}"); ((i++)) ;;
      {skip}) ((i++)) ;;
      -*) ;;
      *) [[ -z $cmd ]] && cmd=${{COMP_WORDS[i]}} ;;
    esac
  done
  case $cmd:$prev in
{choices}  esac
  case $prev in
    {paths}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    {skip}) return ;;
  esac
  if [[ -z $cmd ]]; then
    COMPREPLY=($(compgen -W '{commands} {globals}' -- "$cur"))
    return
  fi
  if [[ $cur == -* ]]; then
    case $cmd in
{per_command}      *) opts='' ;;
    esac
    COMPREPLY=($(compgen -W "$opts {globals}" -- "$cur"))
    return
  fi
  case $cmd in
{positionals}  esac
}}
complete -F _strata strata
)sh",
                     fmt::arg("paths", paths), fmt::arg("skip", skip_values),
                     fmt::arg("choices", choice_cases), fmt::arg("commands", Join(commands)),
                     fmt::arg("globals", Join(Names(m.globals))),
                     fmt::arg("per_command", per_command), fmt::arg("positionals", positionals));
}

// zsh's _arguments spec text: brackets and colons would end the description early.
std::string ZshText(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '[' || c == ']' || c == ':' || c == '\\') out += '\\';
    if (c == '\'') {
      out += "'\\''";
      continue;
    }
    out += c;
  }
  return out;
}

std::string ZshSpecs(const std::vector<CliOption>& options) {
  std::string out;
  for (const CliOption& o : options) {
    std::string names = o.names.size() == 1 ? o.names[0] : "{" + Join(o.names, ",") + "}";
    std::string action;
    if (!o.value.empty()) {
      action = ":" + ZshText(o.value) + ":";
      if (!o.choices.empty()) {
        action += "(" + Join(o.choices) + ")";
      } else if (IsPathOption(o)) {
        action += "_files";
      }
    }
    std::string prefix = o.names.size() == 1 ? "" : "'(" + Join(o.names) + ")'";
    out += " \\\n    " + prefix + names + "'[" + ZshText(o.help) + "]" + action + "'";
  }
  return out;
}

std::string ZshScript(const CliModel& m) {
  std::string commands;
  for (const CliCommand& c : m.commands) {
    commands += "    '" + c.name + ":" + ZshText(c.help) + "'\n";
  }
  std::string cases;
  for (const CliCommand& c : m.commands) {
    std::string specs = ZshSpecs(c.options);
    for (const CliPositional& p : c.positionals) {
      std::string action = p.revisions              ? "_strata_revisions"
                           : c.name == "completion" ? "(bash zsh fish)"
                                                    : "_files";
      specs += std::string(" \\\n    '") + (p.many ? "*" : "1") + ":" + ZshText(p.name) + ":" +
               action + "'";
    }
    cases += "      " + c.name + ")\n        _arguments" + specs + "\n        ;;\n";
  }
  return fmt::format(R"sh(#compdef strata
# zsh completion for strata (written by `strata completion zsh`)
_strata_revisions() {{
  local -a revs
  revs=(${{(f)"$(strata __revisions 2>/dev/null)"}})
  compadd -a revs
}}
_strata() {{
  local curcontext=$curcontext state line
  local -a commands
  commands=(
{commands}  )
  _arguments -C{globals} \
    '1:command:->command' \
    '*::argument:->argument'
  case $state in
    command) _describe -t commands 'strata command' commands ;;
    argument)
      case $line[1] in
{cases}      esac
      ;;
  esac
}}
_strata "$@"
)sh",
                     fmt::arg("commands", commands), fmt::arg("globals", ZshSpecs(m.globals)),
                     fmt::arg("cases", cases));
}

std::string FishText(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string FishOptions(const std::vector<CliOption>& options, const std::string& condition) {
  std::string out;
  for (const CliOption& o : options) {
    std::string line = "complete -c strata" + condition;
    for (const std::string& n : o.names) {
      line += n.rfind("--", 0) == 0 ? " -l " + n.substr(2) : " -s " + n.substr(1);
    }
    if (!o.value.empty()) line += IsPathOption(o) ? " -r -F" : " -x";
    if (!o.choices.empty()) line += " -a '" + Join(o.choices) + "'";
    line += " -d '" + FishText(o.help) + "'";
    out += line + "\n";
  }
  return out;
}

std::string FishScript(const CliModel& m) {
  std::string out = "# fish completion for strata (written by `strata completion fish`)\n";
  out += "complete -c strata -f\n";
  out += FishOptions(m.globals, "");
  std::vector<std::string> names;
  for (const CliCommand& c : m.commands) names.push_back(c.name);
  for (const CliCommand& c : m.commands) {
    out += "complete -c strata -n '__fish_use_subcommand' -a " + c.name + " -d '" +
           FishText(c.help) + "'\n";
    std::string cond = " -n '__fish_seen_subcommand_from " + c.name + "'";
    out += FishOptions(c.options, cond);
    if (TakesRevisions(c)) {
      out += "complete -c strata" + cond + " -a '(strata __revisions 2>/dev/null)'\n";
    } else if (c.name == "completion") {
      out += "complete -c strata" + cond + " -a 'bash zsh fish'\n";
    } else if (!c.positionals.empty()) {
      out += "complete -c strata" + cond + " -F\n";
    }
  }
  return out;
}

}  // namespace

std::string ManPage(const CLI::App& app) {
  CliModel m = ReadCliModel(app);
  std::string out;
  out += fmt::format(".TH STRATA 1 \"\" \"strata {}\" \"User Commands\"\n", StrataVersion());
  out += ".SH NAME\nstrata \\- " + Roff(m.help.substr(m.help.find(':') + 2)) + "\n";
  out +=
      ".SH SYNOPSIS\n\\fBstrata\\fR [\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fICOMMAND OPTIONS\\fR] "
      "[\\fIARGUMENTS\\fR]\n";
  out +=
      ".SH DESCRIPTION\nstrata runs revision files with upgrade and downgrade parts, one "
      "transaction per "
      "revision unless a revision opts out, under a migration lock, and records them in "
      "Alembic's version table and in strata_log.\n";
  out += ".SH OPTIONS\nThese options go before the command; they are also accepted after it.\n";
  ManOptions(m.globals, &out);
  out += ".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nprint help (also after a command) and exit\n";
  out += ".TP\n\\fB\\-\\-version\\fR\nprint the version and exit\n";
  out += ".SH COMMANDS\n";
  for (const CliCommand& c : m.commands) {
    out += ".SS " + Roff(c.name) + "\n" + Synopsis(c) + "\n.PP\n" + Roff(c.help) + ".\n";
    for (const CliPositional& p : c.positionals) {
      out += ".TP\n\\fI" + Roff(p.name) + "\\fR\n" + Roff(p.help) + "\n";
    }
    ManOptions(c.options, &out);
  }
  out += R"roff(.SH EXIT STATUS
.TP
0
success
.TP
1
a migration failed in the database; its transaction was rolled back
.TP
2
usage error (unknown command or option, missing argument)
.TP
3
invalid revision files or config; nothing was run
.TP
4
cannot connect or authenticate
.TP
5
a lock was not had in time; nothing was changed, try again later
.TP
6
\fBcheck\fR found pending revisions, \fBlint\fR found problems, \fBverify\fR or \fBdiff\fR found differences
.TP
7
the database needs a person: a non-transactional revision failed part way, or the version table names a revision no file defines
.TP
8
a backup or restore failed (nothing was migrated), or standbys did not replay the migration in time
.SH ENVIRONMENT
.TP
\fBSTRATA_URL\fR, \fBDATABASE_URI\fR, \fBDATABASE_URL\fR
the database URL when \fB\-\-url\fR is not given, first found wins
.TP
\fBSTRATA_CONFIG\fR
the config file when \fB\-\-config\fR is not given
.TP
\fBSTRATA_POSTGRES_MODULE\fR
the path of the PostgreSQL driver module, strata_postgres.so
.TP
\fBNO_COLOR\fR
no colours in messages
.SH FILES
.TP
\fIstrata.toml\fR
settings: url, dir, version_table, version_schema, lock_timeout, statement_lock_timeout, statement_timeout, retries, backup_dir, backup_keep_days, backup_before_upgrade, pg_dump_path, wait_replicas
.TP
\fImigrations/\fR
the revision files, one per revision
.SH NOTES
Passwords are never printed: every URL in a message shows \fB***\fR in place of the password.
.SH SEE ALSO
\fBalembic\fR(1), \fBpg_dump\fR(1), \fBpsql\fR(1)
)roff";
  return out;
}

std::string CompletionScript(const CLI::App& app, std::string_view shell) {
  CliModel m = ReadCliModel(app);
  if (shell == "bash") return BashScript(m);
  if (shell == "zsh") return ZshScript(m);
  if (shell == "fish") return FishScript(m);
  return "";
}

}  // namespace strata::cli
