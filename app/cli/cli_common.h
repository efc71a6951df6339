#pragma once
// Pieces shared by the subcommands: loading the model named on the command line, and number
// formatting.

#include "cli_args.h"

#include "model/model.h"

#include <cstdint>
#include <memory>
#include <string>

namespace qs::cli {

// Positional 0 is the model; --tokenizer overrides the tokenizer found beside it.
std::shared_ptr<Model> loadModelFromArgs(const CliArgs& args, bool requireTokenizer = false);

// Applies --threads N (0 or absent: all cores) for the lifetime of the returned object.
std::shared_ptr<void> limitThreads(const CliArgs& args);
int activeThreads();

std::string withThousands(uint64_t v);
std::string humanBytes(uint64_t bytes);

} // namespace qs::cli
