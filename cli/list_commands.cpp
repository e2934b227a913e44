// SPDX-License-Identifier: GPL-2.0
// mmcheck ops | knobs | profiles | properties: listings generated from the
// one table that defines each.
#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "model/operations.h"
#include "model/profile.h"
#include "properties/properties.h"

namespace mmcheck::cli {
namespace {

bool wide = false;  // --wide: one line per entry field, as long as it is

// Prints `text` line by line; unless --wide, a line longer than 75 columns is broken at spaces,
// its continuation indented two more than the line (a word longer than a line stays whole).
void Print(const std::string& text) {
  if (wide) {
    fmt::print("{}", text);
    return;
  }
  constexpr size_t kWidth = 75;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    const size_t indent =
        line.find_first_not_of(' ') == std::string::npos ? 0 : line.find_first_not_of(' ');
    while (line.size() > kWidth) {
      size_t cut = line.rfind(' ', kWidth);
      if (cut == std::string::npos || cut <= indent) cut = line.find(' ', kWidth);
      if (cut == std::string::npos) break;
      const size_t head_end = line.find_last_not_of(' ', cut);
      const size_t rest = line.find_first_not_of(' ', cut);
      if (rest == std::string::npos) break;
      fmt::print("{}\n", line.substr(0, head_end + 1));
      line = std::string(indent + 2, ' ') + line.substr(rest);
    }
    fmt::print("{}\n", line);
  }
}

}  // namespace

void AddListCommands(CLI::App& app, int* status) {
  auto* ops = app.add_subcommand("ops", "List the model's operations (the one op table)");
  ops->add_flag("--wide", wide, "do not wrap lines at 75 columns (for a terminal)");
  ops->callback([] {
    for (const model::OpInfo& o : model::OpTable()) {
      Print(fmt::format("{}{}\n    kernel: {}\n    trigger: {}\n    {}\n", o.name,
                        model::OpSyntax(o), o.kernel_entry, o.trigger, o.doc));
    }
  });

  auto* knobs = app.add_subcommand("knobs", "List the semantic knobs (the one knob table)");
  knobs->add_flag("--wide", wide, "do not wrap lines at 75 columns (for a terminal)");
  knobs->callback([] {
    for (const model::KnobInfo& k : model::KnobTable()) {
      std::string values;
      for (std::string_view v : k.values) values += (values.empty() ? "" : "|") + std::string(v);
      Print(fmt::format("{} = {}  (default {})\n    {}\n    kernel: {}\n", k.name, values,
                        k.values[static_cast<size_t>(k.default_value)], k.doc, k.kernel_ref));
    }
  });

  auto* profiles = app.add_subcommand("profiles", "List the built-in profiles");
  static bool verbose = false;
  AddVerboseFlag(profiles, &verbose, "also print every knob value");
  profiles->add_flag("--wide", wide, "do not wrap lines at 75 columns (for a terminal)");
  profiles->callback([] {
    for (const model::Profile& p : model::ProfileSet::Builtin().All()) {
      Print(fmt::format("{:<22} {}\n", p.name, p.doc));
      if (!p.needs.empty()) Print(fmt::format("    min_universe: {}\n", p.needs.ToString()));
      for (const model::ExpectedViolation& e : p.expect)
        Print(fmt::format("    expect violation: {:<28} fixed by {}\n", e.property, e.fixed_by));
      if (verbose)
        for (const model::KnobInfo& k : model::KnobTable())
          Print(fmt::format("    {} = {}\n", k.name, model::KnobValueName(k, p.knobs)));
    }
  });

  auto* props = app.add_subcommand("properties", "List the properties (named invariants)");
  props->add_flag("--wide", wide, "do not wrap lines at 75 columns (for a terminal)");
  props->callback([] {
    for (const properties::PropertyInfo& p : properties::PropertyTable())
      Print(fmt::format("{}{}\n    {}\n    source: {}\n", p.name,
                        p.severity == properties::Severity::kAdvisory ? " (advisory)" : "", p.rule,
                        p.source));
  });
  (void)status;
}

}  // namespace mmcheck::cli
