#include "cli_args.h"
#include "cli_common.h"
#include "commands.h"

#include "synth/synth_model.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

namespace qs::cli {

int runSynth(int argc, char** argv) {
    CliArgs args(argv, argc, {"shape", "out", "format", "seed", "tokenizer"}, {});
    args.expectAtMostPositionals(0);
    const std::string out = args.value("out");
    if (out.empty()) throw UsageError("missing --out FILE");
    const SynthShape& shape = synthShape(args.value("shape", "synth15M"));
    const std::string formatName =
        args.value("format", out.ends_with(".gguf") ? "gguf" : "llama2c");
    SynthFormat format;
    if (formatName == "gguf")
        format = SynthFormat::Gguf;
    else if (formatName == "llama2c")
        format = SynthFormat::Llama2c;
    else
        throw UsageError("--format must be llama2c or gguf");

    SynthVocab vocab;
    const std::string tokenizer = args.value("tokenizer");
    if (!tokenizer.empty()) vocab = synthVocabFromLlama2cTokenizer(tokenizer);

    const auto t0 = std::chrono::steady_clock::now();
    writeSynthModel(shape, uint64_t(args.intValue("seed", 1)), format, out,
                    tokenizer.empty() ? nullptr : &vocab);
    // A llama2.c checkpoint finds its tokenizer beside it.
    if (format == SynthFormat::Llama2c && !tokenizer.empty()) {
        const auto dst = std::filesystem::path(out).parent_path() / "tokenizer.bin";
        if (!std::filesystem::exists(dst)) std::filesystem::copy_file(tokenizer, dst);
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("wrote %s: %s, %s parameters, %s, %.1f s\n", out.c_str(), shape.name.c_str(),
                withThousands(shape.parameterCount()).c_str(),
                humanBytes(std::filesystem::file_size(out)).c_str(), secs);
    return 0;
}

} // namespace qs::cli
