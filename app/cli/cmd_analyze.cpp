// quantscope-cli analyze: starts a session file for a model and an evaluation text — the
// fingerprints of both, the full-precision reference pass, activation and weight statistics
// and the predicted error per layer × format — so later commands (sweep) can build on it.
#include "cli_args.h"
#include "cli_common.h"
#include "commands.h"
#include "progress_printer.h"

#include "analysis/activation_stats.h"
#include "analysis/predicted_error.h"
#include "analysis/weight_stats.h"
#include "core/text_file.h"
#include "eval/incremental_evaluator.h"
#include "session/session.h"
#include "tokenizer/tokenizer.h"

#include <cstdio>
#include <sstream>

namespace qs::cli {

int runAnalyze(int argc, char** argv) {
    CliArgs args(argv, argc,
                 {"data", "out", "ctx", "protocol", "max-tokens", "seed", "threads", "tokenizer",
                  "budget-mb", "calibration", "stats-ctx", "formats", "fallback"},
                 {"gram", "quiet", "no-stats"});
    args.expectAtMostPositionals(1);
    const std::string dataPath = args.value("data"), outPath = args.value("out");
    if (dataPath.empty()) throw UsageError("missing --data TEXT");
    if (outPath.empty()) throw UsageError("missing --out SESSION.h5");
    const bool quiet = args.flag("quiet");
    auto threads = limitThreads(args);
    auto model = loadModelFromArgs(args, /*requireTokenizer=*/true);

    Session s;
    s.model = FileFingerprint::of(args.positional(0, "MODEL"));
    s.evalText = FileFingerprint::of(dataPath);
    const std::string calibPath = args.value("calibration", dataPath);
    s.calibrationText = FileFingerprint::of(calibPath);

    EvalSetup setup;
    setup.windows.ctx = int(args.intValue("ctx", 256));
    setup.windows.protocol = parseProtocol(args.value("protocol", "half"));
    setup.windows.maxTokens = args.intValue("max-tokens", 0);
    setup.seed = uint64_t(args.intValue("seed", 0));
    setup.memoryBudgetBytes = uint64_t(args.intValue("budget-mb", 4096)) << 20;
    const std::vector<int32_t> tokens = model->tokenizer()->encode(readTextFile(dataPath), true);
    IncrementalEvaluator ev(model, tokens, setup);
    Feedback fb;
    attachProgressPrinter(fb, quiet);
    ev.buildReference(&fb);
    s.evaluation = {setup.windows.ctx,       std::string(protocolName(setup.windows.protocol)),
                    setup.windows.maxTokens, setup.seed,
                    int64_t(tokens.size()),  ev.windowPlan().windows,
                    ev.scoredTokens(),       ev.memoryPlan().referenceTopK};
    s.hasReference = true;
    s.reference = ev.referenceResult().metrics;
    s.referenceSeconds = ev.referenceResult().seconds;

    if (!args.flag("no-stats")) {
        ActivationStatsOptions opt;
        opt.ctx = int(args.intValue("stats-ctx", setup.windows.ctx));
        opt.maxTokens = setup.windows.maxTokens;
        opt.gram = args.flag("gram");
        const std::vector<int32_t> calib =
            calibPath == dataPath ? tokens
                                  : model->tokenizer()->encode(readTextFile(calibPath), true);
        Feedback f2;
        attachProgressPrinter(f2, quiet);
        s.activations = collectActivationStats(*model, calib, opt, &f2);
        s.activations->datasets = {calibPath};
        s.weightStats = computeAllWeightStats(*model);
        PredictedErrorOptions popt;
        popt.fallbackFormat = args.value("fallback");
        Feedback f3;
        attachProgressPrinter(f3, quiet);
        s.predictedErrors = predictErrorTable(
            *model, *s.activations,
            args.listValue("formats", "q8_0,q4_0,int4_g128_sym,int3_g32_sym"), popt, &f3);
    }
    saveSession(s, outPath);

    const Metrics& m = s.reference;
    std::printf("session          %s\n", outPath.c_str());
    std::printf("model            %s (%s bytes, sha256 %s)\n", s.model.path.c_str(),
                withThousands(s.model.size).c_str(), s.model.sha256.c_str());
    std::printf("evaluation text  %s (%s bytes, sha256 %s)\n", s.evalText.path.c_str(),
                withThousands(s.evalText.size).c_str(), s.evalText.sha256.c_str());
    std::printf("setup            ctx %d, protocol %s, %lld windows, %lld scored of %zu tokens\n",
                s.evaluation.ctx, s.evaluation.protocol.c_str(), (long long)s.evaluation.windows,
                (long long)s.evaluation.scoredTokens, tokens.size());
    std::printf(
        "reference        PPL %.6f (95%% CI %.6f .. %.6f), entropy %.4f nats, top-1 accuracy %.4f, "
        "ECE %.4f, %.2f s\n",
        m.ppl, m.pplLow, m.pplHigh, m.entropyMean, m.accuracy, m.calibration.ece,
        s.referenceSeconds);
    if (s.activations)
        std::printf("statistics       %zu layer inputs over %lld tokens%s, %zu weight matrices, "
                    "%zu predicted-error "
                    "rows\n",
                    s.activations->inputs.size(), (long long)s.activations->tokens,
                    args.flag("gram") ? " (with Gram matrices)" : "", s.weightStats.size(),
                    s.predictedErrors.size());
    return 0;
}

} // namespace qs::cli
