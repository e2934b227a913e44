// mmcheck campaign | merge | shrink: placeholder until the campaign work lands.
#include "cli/commands.h"
namespace mmcheck::cli {
void AddCampaignCommands(CLI::App& app, int* status) {}
}  // namespace mmcheck::cli
