// SPDX-License-Identifier: GPL-2.0
// mmcheck ops | knobs | profiles | properties: listings generated from the
// one table that defines each.
#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.h"
#include "model/operations.h"
#include "model/profile.h"
#include "properties/properties.h"

namespace mmcheck::cli {

void AddListCommands(CLI::App& app, int* status) {
  auto* ops = app.add_subcommand("ops", "List the model's operations (the one op table)");
  ops->callback([] {
    for (const model::OpInfo& o : model::OpTable()) {
      fmt::print("{}{}\n    kernel: {}\n    trigger: {}\n    {}\n", o.name, model::OpSyntax(o),
                 o.kernel_entry, o.trigger, o.doc);
    }
  });

  auto* knobs = app.add_subcommand("knobs", "List the semantic knobs (the one knob table)");
  knobs->callback([] {
    model::Knobs defaults;
    for (const model::KnobInfo& k : model::KnobTable()) {
      std::string values;
      for (std::string_view v : k.values) values += (values.empty() ? "" : "|") + std::string(v);
      fmt::print("{} = {}  (default {})\n    {}\n    kernel: {}\n", k.name, values,
                 model::KnobValueName(k, defaults), k.doc, k.kernel_ref);
    }
  });

  auto* profiles = app.add_subcommand("profiles", "List the built-in profiles");
  static bool verbose = false;
  profiles->add_flag("-v,--verbose", verbose, "also print every knob value");
  profiles->callback([] {
    for (const model::Profile& p : model::ProfileSet::Builtin().All()) {
      fmt::print("{:<22} {}\n", p.name, p.doc);
      if (!p.needs.empty()) fmt::print("    min_universe: {}\n", p.needs.ToString());
      for (const model::ExpectedViolation& e : p.expect)
        fmt::print("    expect violation: {:<28} fixed by {}\n", e.property, e.fixed_by);
      if (verbose)
        for (const model::KnobInfo& k : model::KnobTable())
          fmt::print("    {} = {}\n", k.name, model::KnobValueName(k, p.knobs));
    }
  });

  auto* props = app.add_subcommand("properties", "List the properties (named invariants)");
  props->callback([] {
    for (const properties::PropertyInfo& p : properties::PropertyTable())
      fmt::print("{}{}\n    {}\n    source: {}\n", p.name,
                 p.severity == properties::Severity::kAdvisory ? " (advisory)" : "", p.rule,
                 p.source);
  });
  (void)status;
}

}  // namespace mmcheck::cli
