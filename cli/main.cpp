// SPDX-License-Identifier: GPL-2.0
// mmcheck: the command-line entry point. Subcommands live in their own files.
#include <cstdio>
#include <exception>
#include <string>

#include "cli/commands.h"
#include "model/input_file.h"
#include "model/profile.h"

namespace {

// Prints "mmcheck: error: <what>" (or <what> alone for input errors, which
// start with their file) on one line, with non-printable bytes escaped: the
// message may quote a file's or an argument's raw bytes.
int UsageFailure(const char* prefix, const std::string& what) {
  std::fprintf(stderr, "%s%s\n", prefix, mmcheck::model::Printable(what).c_str());
  return mmcheck::cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  // Named, so that help shows "Usage: mmcheck ..." rather than the path it was started by.
  CLI::App app{
      "mmcheck: a model checker for Linux device-private and device-exclusive memory semantics",
      "mmcheck"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "mmcheck 0.1.0");
  int status = mmcheck::cli::kExitOk;
  mmcheck::cli::AddListCommands(app, &status);
  mmcheck::cli::AddScenariosCommand(app, &status);
  mmcheck::cli::AddExploreCommand(app, &status);
  mmcheck::cli::AddProveCommand(app, &status);
  mmcheck::cli::AddCampaignCommands(app, &status);
  mmcheck::cli::AddTraceCommands(app, &status);
  mmcheck::cli::AddDiffCommand(app, &status);
  mmcheck::cli::AddSeriesCommand(app, &status);

  // The first argument that is not an option names the command. CLI11 would
  // answer an unknown one with "A subcommand is required"; say what is wrong.
  if (argc < 2 || argv[1][0] != '-') {
    std::string commands;
    bool known = false;
    for (const CLI::App* sub : app.get_subcommands({})) {
      commands += (commands.empty() ? "" : ", ") + sub->get_name();
      known = known || (argc >= 2 && sub->check_name(argv[1]));
    }
    if (argc < 2) return UsageFailure("mmcheck: error: ", "a command is required: " + commands);
    if (!known)
      return UsageFailure("mmcheck: error: ", "unknown command '" + std::string(argv[1]) +
                                                  "' (commands: " + commands + ")");
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return UsageFailure("mmcheck: error: ", e.what());
  } catch (const mmcheck::cli::UsageError& e) {
    return UsageFailure("mmcheck: error: ", e.what());
  } catch (const mmcheck::model::ModelInputError& e) {
    return UsageFailure("", e.what());
  }
  return status;
}
