// SPDX-License-Identifier: GPL-2.0
#include "bench/devexcl/expected_verdicts.h"

#include <stdexcept>

#include <toml++/toml.h>

namespace mmcheck::bench {
namespace {

[[noreturn]] void Malformed(const std::string& what) {
  throw std::runtime_error("bench/devexcl/expected.toml: " + what);
}

// bench/devexcl/expected.toml, compiled into the binary.
toml::table ParseExpected() {
  try {
    return toml::parse(DevexclExpectedVerdictsToml());
  } catch (const toml::parse_error& e) {
    Malformed(std::string(e.description()));
  }
}

}  // namespace

ExpectedVerdicts DevexclExpectedVerdicts(DevexclSemantics semantics) {
  const char* section = semantics == DevexclSemantics::kOld ? "old" : "new";
  const toml::table data = ParseExpected();
  const toml::table* verdicts = data[section].as_table();
  if (verdicts == nullptr) Malformed(std::string("no [") + section + "] table");
  ExpectedVerdicts out;
  const std::optional<std::string> liveness = (*verdicts)["liveness"].value<std::string>();
  if (!liveness || (*liveness != "holds" && *liveness != "violated"))
    Malformed(std::string(section) + ".liveness must be \"holds\" or \"violated\"");
  out.liveness_violated = *liveness == "violated";
  if (const toml::array* violated = (*verdicts)["violated"].as_array()) {
    for (const toml::node& node : *violated) {
      const toml::table* entry = node.as_table();
      if (entry == nullptr) Malformed(std::string(section) + ".violated: expected tables");
      ExpectedViolation v;
      v.label = (*entry)["label"].value_or(std::string());
      const toml::array* ops = (*entry)["counterexample"].as_array();
      if (v.label.empty() || ops == nullptr)
        Malformed(std::string(section) + ".violated: each needs a label and a counterexample");
      for (const toml::node& op : *ops) {
        const std::optional<std::string> name = op.value<std::string>();
        if (!name) Malformed(v.label + ": counterexample ops are strings");
        v.ops.push_back(*name);
      }
      out.violations.push_back(std::move(v));
    }
  }
  return out;
}

ExpectedCounts DevexclExpectedCounts(std::string_view bench, DevexclSemantics semantics) {
  const char* section = semantics == DevexclSemantics::kOld ? "old" : "new";
  const toml::table data = ParseExpected();
  ExpectedCounts out;
  const toml::table* counts = data["counts"][bench][section].as_table();
  if (counts == nullptr) return out;
  for (const auto& [key, node] : *counts) {
    std::optional<std::uint64_t>* field = key == "states"       ? &out.states
                                          : key == "edges"      ? &out.edges
                                          : key == "self_loops" ? &out.self_loops
                                          : key == "diameter"   ? &out.diameter
                                                                : nullptr;
    const std::optional<std::int64_t> value = node.value<std::int64_t>();
    if (field == nullptr || !value || *value < 0) {
      Malformed("counts." + std::string(bench) + "." + section + "." + std::string(key.str()) +
                ": expected states, edges, self_loops or diameter, a whole number");
    }
    *field = static_cast<std::uint64_t>(*value);
  }
  return out;
}

}  // namespace mmcheck::bench
