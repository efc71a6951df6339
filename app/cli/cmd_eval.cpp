#include "cli_args.h"
#include "cli_common.h"
#include "commands.h"
#include "progress_printer.h"

#include "core/text_file.h"
#include "eval/incremental_evaluator.h"
#include "eval/perplexity.h"
#include "eval_report.h"
#include "kernels/kernels.h"
#include "quant/quant_config.h"
#include "tokenizer/tokenizer.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>

namespace qs::cli {

namespace {

bool wantsQuantized(const CliArgs& a) {
    for (const char* k : {"config", "uniform", "act-quant", "embedding", "output"})
        if (a.has(k)) return true;
    return false;
}

QuantConfig configFromArgs(const CliArgs& args, std::string& label) {
    if (args.has("config") && args.has("uniform"))
        throw UsageError("give --config or --uniform, not both");
    QuantConfig cfg;
    if (args.has("config")) {
        cfg = QuantConfig::load(args.value("config"));
        label = args.value("config");
    } else {
        cfg = QuantConfig::uniform(args.value("uniform", "f32"));
        label = "uniform " + cfg.defaultFormat;
    }
    if (args.has("embedding")) cfg.embeddingFormat = args.value("embedding");
    if (args.has("output")) cfg.outputFormat = args.value("output");
    if (args.has("act-quant")) cfg.activations = args.value("act-quant");
    if (args.has("fallback"))
        cfg.fallbackFormat = args.value("fallback");
    else if (!args.has("config"))
        cfg.fallbackFormat = "f16"; // llama.cpp's choice for misfit rows
    label += " (embedding " + cfg.embeddingFormat + ", output " + cfg.outputFormat +
             ", activations " + cfg.activations + ")";
    return cfg;
}

int runQuantizedEval(const CliArgs& args, const Model& model, std::shared_ptr<Model> shared,
                     std::vector<int32_t> tokens, const PerplexityOptions& opt) {
    std::string label;
    const QuantConfig cfg = configFromArgs(args, label);
    const ResolvedConfig resolved =
        cfg.resolve(model.desc()); // reject a bad config before the FP pass
    if (!resolved.fallbacks().empty() && !args.flag("json")) {
        std::string names;
        for (const auto& n : resolved.fallbacks()) names += (names.empty() ? "" : ", ") + n;
        std::fprintf(stderr, "note: %zu tensor(s) do not fit the chosen format and use %s: %s\n",
                     resolved.fallbacks().size(), cfg.fallbackFormat.c_str(), names.c_str());
    }
    EvalSetup setup;
    setup.windows = opt;
    setup.seed = uint64_t(args.intValue("seed", 0));
    setup.memoryBudgetBytes = uint64_t(args.intValue("budget-mb", 4096)) << 20;
    IncrementalEvaluator ev(std::move(shared), std::move(tokens), setup);
    Feedback fb;
    attachProgressPrinter(fb, args.flag("quiet") || args.flag("json"));
    ev.buildReference(&fb);
    Feedback fb2;
    attachProgressPrinter(fb2, args.flag("quiet") || args.flag("json"));
    const EvalResult r = ev.evaluate(cfg, &fb2);
    if (args.has("save-config")) cfg.save(args.value("save-config"));
    if (args.flag("json")) {
        nlohmann::json j = quantReportJson(ev.referenceResult(), r);
        j["model"] = model.desc().path;
        j["data"] = args.value("data");
        j["ctx"] = opt.ctx;
        j["protocol"] = std::string(protocolName(opt.protocol));
        j["config"] = cfg.toJson();
        j["reference_top_k"] = ev.memoryPlan().referenceTopK;
        j["fallback_tensors"] = resolved.fallbacks();
        std::cout << j.dump(2) << '\n';
    } else {
        std::printf("model            %s\n", model.desc().path.c_str());
        std::printf("data             %s, ctx %d, protocol %s\n", args.value("data").c_str(),
                    opt.ctx, std::string(protocolName(opt.protocol)).c_str());
        printQuantReport(label, ev.referenceResult(), r);
        if (ev.memoryPlan().referenceTopK < model.weights().output.rows)
            std::printf("(KLD from the reference's top-%d tokens plus tail mass)\n",
                        ev.memoryPlan().referenceTopK);
    }
    return 0;
}

} // namespace

int runEval(int argc, char** argv) {
    CliArgs args(argv, argc,
                 {"data", "ctx", "protocol", "max-tokens", "max-bytes", "threads", "tokenizer",
                  "config", "uniform", "act-quant", "embedding", "output", "budget-mb", "seed",
                  "save-config", "fallback"},
                 {"json", "quiet"});
    args.expectAtMostPositionals(1);
    const std::string dataPath = args.value("data");
    if (dataPath.empty()) throw UsageError("missing --data TEXT");
    PerplexityOptions opt;
    opt.ctx = int(args.intValue("ctx", 256));
    opt.protocol = parseProtocol(args.value("protocol", "half"));
    opt.maxTokens = args.intValue("max-tokens", 0);
    const int64_t maxBytes = args.intValue("max-bytes", 0);
    if (opt.maxTokens < 0 || maxBytes < 0)
        throw UsageError("--max-tokens/--max-bytes must be >= 0");
    auto threads = limitThreads(args);

    auto t0 = std::chrono::steady_clock::now();
    auto model = loadModelFromArgs(args, /*requireTokenizer=*/true);
    const double loadSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (opt.ctx > model->hp().maxSeqLen && model->hp().maxSeqLen > 0)
        std::fprintf(stderr, "warning: --ctx %d exceeds the model's trained context of %d\n",
                     opt.ctx, model->hp().maxSeqLen);

    const std::string text = readTextFile(dataPath, uint64_t(maxBytes));
    t0 = std::chrono::steady_clock::now();
    const std::vector<int32_t> tokens = model->tokenizer()->encode(text, /*addBos=*/true);
    const double tokenizeSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    if (wantsQuantized(args)) return runQuantizedEval(args, *model, model, tokens, opt);

    Feedback fb;
    attachProgressPrinter(fb, args.flag("quiet") || args.flag("json"));
    const PerplexityResult r = evaluatePerplexity(*model, tokens, opt, &fb);

    if (args.flag("json")) {
        nlohmann::json j = {{"model", model->desc().path},
                            {"data", dataPath},
                            {"ctx", opt.ctx},
                            {"protocol", std::string(protocolName(opt.protocol))},
                            {"text_tokens", tokens.size()},
                            {"windows", r.windows},
                            {"scored_tokens", r.scoredTokens},
                            {"processed_tokens", r.processedTokens},
                            {"mean_nll", r.meanNll},
                            {"nll_std_error", r.nllStdError},
                            {"ppl", r.ppl},
                            {"ppl_ci95", {r.pplLow, r.pplHigh}},
                            {"seconds", r.seconds},
                            {"tokens_per_second", r.tokensPerSecond},
                            {"load_seconds", loadSeconds},
                            {"tokenize_seconds", tokenizeSeconds},
                            {"threads", activeThreads()},
                            {"simd", kernels::simdTargetName()}};
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
