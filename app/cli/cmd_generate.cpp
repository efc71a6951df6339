#include "cli_args.h"
#include "cli_common.h"
#include "commands.h"

#include "llama/generate.h"
#include "tokenizer/tokenizer.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

namespace qs::cli {

int runGenerate(int argc, char** argv) {
    // Accept the conventional short form "-n N".
    std::vector<std::string> words(argv, argv + argc);
    for (auto& w : words)
        if (w == "-n") w = "--n";
    std::vector<char*> ptrs;
    for (auto& w : words) ptrs.push_back(w.data());
    CliArgs args(ptrs.data(), int(ptrs.size()),
                 {"prompt", "n", "temperature", "top-p", "seed", "tokenizer", "threads"}, {"json"});
    args.expectAtMostPositionals(1);
    auto threads = limitThreads(args);
    auto model = loadModelFromArgs(args, /*requireTokenizer=*/true);
    auto tok = model->tokenizer();

    GenerateOptions opt;
    opt.maxNewTokens = int(args.intValue("n", 64));
    opt.temperature = float(args.doubleValue("temperature", 0.0));
    opt.topP = float(args.doubleValue("top-p", 1.0));
    opt.seed = uint64_t(args.intValue("seed", 0));
    if (opt.maxNewTokens < 0) throw UsageError("-n must be >= 0");
    if (opt.topP <= 0 || opt.topP > 1) throw UsageError("--top-p must be in (0, 1]");

    const std::string prompt = args.value("prompt");
    std::vector<int32_t> ids = prompt.empty() ? std::vector<int32_t>{model->hp().bosId}
                                              : tok->encode(prompt, /*addBos=*/true);
    const bool json = args.flag("json");
    const size_t promptLen = ids.size();
    std::string text = tok->decode(ids);
    if (!json) {
        std::fputs(text.c_str(), stdout);
        std::fflush(stdout);
    }
    int32_t prev = ids.back();
    ids = generate(*model, ids, opt, [&](int32_t id) {
        const std::string piece = tok->decodePiece(prev, id);
        prev = id;
        text += piece;
        if (!json) {
            std::fputs(piece.c_str(), stdout);
            std::fflush(stdout);
        }
        return true;
    });
    if (json) {
        nlohmann::json j = {{"prompt", prompt},
                            {"ids", ids},
                            {"prompt_tokens", promptLen},
                            {"text", text},
                            {"temperature", opt.temperature},
                            {"seed", opt.seed}};
        std::cout << j.dump(2) << '\n';
    } else {
        std::fputc('\n', stdout);
    }
    return 0;
}

} // namespace qs::cli
