// mmcheck: the command-line entry point. Subcommands live in their own files.
#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "model/profile.h"

int main(int argc, char** argv) {
  CLI::App app{
      "mmcheck: a model checker for Linux device-private and device-exclusive memory semantics"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "mmcheck 0.1.0");
  int status = mmcheck::cli::kExitOk;
  mmcheck::cli::AddListCommands(app, &status);
  mmcheck::cli::AddScenariosCommand(app, &status);
  mmcheck::cli::AddExploreCommand(app, &status);
  mmcheck::cli::AddProveCommand(app, &status);
  mmcheck::cli::AddCampaignCommands(app, &status);
  mmcheck::cli::AddTraceCommands(app, &status);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "mmcheck: error: %s\n", e.what());
    return mmcheck::cli::kExitUsage;
  } catch (const mmcheck::cli::UsageError& e) {
    std::fprintf(stderr, "mmcheck: error: %s\n", e.what());
    return mmcheck::cli::kExitUsage;
  } catch (const mmcheck::model::ModelInputError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return mmcheck::cli::kExitUsage;
  }
  return status;
}
