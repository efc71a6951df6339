#include "cli_args.h"
#include "cli_common.h"
#include "commands.h"
#include "progress_printer.h"

#include "core/text_file.h"
#include "eval/perplexity.h"
#include "kernels/kernels.h"
#include "tokenizer/tokenizer.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>

namespace qs::cli {

int runEval(int argc, char** argv) {
    CliArgs args(argv, argc,
                 {"data", "ctx", "protocol", "max-tokens", "max-bytes", "threads", "tokenizer"},
                 {"json", "quiet"});
    args.expectAtMostPositionals(1);
    const std::string dataPath = args.value("data");
    if (dataPath.empty()) throw UsageError("missing --data TEXT");
    PerplexityOptions opt;
    opt.ctx = int(args.intValue("ctx", 256));
    opt.protocol = parseProtocol(args.value("protocol", "half"));
    opt.maxTokens = args.intValue("max-tokens", 0);
    const int64_t maxBytes = args.intValue("max-bytes", 0);
    if (opt.maxTokens < 0 || maxBytes < 0) throw UsageError("--max-tokens/--max-bytes must be >= 0");
    auto threads = limitThreads(args);

    auto t0 = std::chrono::steady_clock::now();
    auto model = loadModelFromArgs(args, /*requireTokenizer=*/true);
    const double loadSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (opt.ctx > model->hp().maxSeqLen && model->hp().maxSeqLen > 0)
        std::fprintf(stderr, "warning: --ctx %d exceeds the model's trained context of %d\n", opt.ctx,
                     model->hp().maxSeqLen);

    const std::string text = readTextFile(dataPath, uint64_t(maxBytes));
    t0 = std::chrono::steady_clock::now();
    const std::vector<int32_t> tokens = model->tokenizer()->encode(text, /*addBos=*/true);
    const double tokenizeSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    Feedback fb;
    attachProgressPrinter(fb, args.flag("quiet") || args.flag("json"));
    const PerplexityResult r = evaluatePerplexity(*model, tokens, opt, &fb);

    if (args.flag("json")) {
        nlohmann::json j = {
            {"model", model->desc().path}, {"data", dataPath},
            {"ctx", opt.ctx}, {"protocol", std::string(protocolName(opt.protocol))},
            {"text_tokens", tokens.size()}, {"windows", r.windows},
            {"scored_tokens", r.scoredTokens}, {"processed_tokens", r.processedTokens},
            {"mean_nll", r.meanNll}, {"nll_std_error", r.nllStdError},
            {"ppl", r.ppl}, {"ppl_ci95", {r.pplLow, r.pplHigh}},
            {"seconds", r.seconds}, {"tokens_per_second", r.tokensPerSecond},
            {"load_seconds", loadSeconds}, {"tokenize_seconds", tokenizeSeconds},
            {"threads", activeThreads()}, {"simd", kernels::simdTargetName()}};
        std::cout << j.dump(2) << '\n';
        return 0;
    }
    std::printf("model            %s\n", model->desc().path.c_str());
    std::printf("data             %s (%zu tokens with BOS)\n", dataPath.c_str(), tokens.size());
    std::printf("protocol         %s, ctx %d, %lld windows, %lld scored tokens\n",
                std::string(protocolName(opt.protocol)).c_str(), opt.ctx, (long long)r.windows,
                (long long)r.scoredTokens);
    std::printf("mean NLL         %.8f +/- %.8f\n", r.meanNll, r.nllStdError);
    std::printf("perplexity       %.6f  (95%% CI %.6f .. %.6f)\n", r.ppl, r.pplLow, r.pplHigh);
    std::printf("speed            %.1f tokens/s (%.3f s, %d threads, %s)\n", r.tokensPerSecond,
                r.seconds, activeThreads(), kernels::simdTargetName());
    std::printf("load / tokenize  %.3f s / %.3f s\n", loadSeconds, tokenizeSeconds);
    return 0;
}

} // namespace qs::cli
