// mmcheck replay | render | export: placeholder until the trace commands land.
#include "cli/commands.h"
namespace mmcheck::cli {
void AddTraceCommands(CLI::App& app, int* status) {}
}  // namespace mmcheck::cli
