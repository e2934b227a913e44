// SPDX-License-Identifier: GPL-2.0
// The mmcheck command line: one registration function per command family.
//
// Each Add*Command registers its subcommand(s) on `app`. When a subcommand
// runs, it stores its exit status in *status. Bad input is reported by
// throwing mmcheck::cli::UsageError (main prints it and exits 2).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>

namespace mmcheck::traces {
enum class Verdict : uint8_t;
}

namespace mmcheck::cli {

// Exit statuses, DESIGN.md §2.5.
enum ExitStatus : int {
  kExitOk = 0,            // every result is as expected
  kExitUnexpected = 1,    // an unexpected violation (or an expected one missing)
  kExitUsage = 2,         // bad usage or bad input
  kExitInconclusive = 3,  // budget or solver limit reached
};

// A campaign-style verdict (traces/report.h) as the exit status.
ExitStatus ExitOf(traces::Verdict v);

// Bad input: main prints "mmcheck: error: <what>" and exits with kExitUsage.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

void AddListCommands(CLI::App& app, int* status);      // ops, knobs, profiles, properties
void AddScenariosCommand(CLI::App& app, int* status);  // scenarios
void AddExploreCommand(CLI::App& app, int* status);    // explore (solver/explicit, bench/devexcl)
void AddProveCommand(CLI::App& app, int* status);      // prove (solver/smt)
void AddCampaignCommands(CLI::App& app, int* status);  // campaign, merge, shrink
void AddTraceCommands(CLI::App& app, int* status);     // replay, render, export
void AddDiffCommand(CLI::App& app, int* status);       // diff
void AddSeriesCommand(CLI::App& app, int* status);     // verify-series

}  // namespace mmcheck::cli
