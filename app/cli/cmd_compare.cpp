#include "cli_args.h"
#include "cli_common.h"
#include "commands.h"
#include "progress_printer.h"

#include "core/text_file.h"
#include "eval/incremental_evaluator.h"
#include "quant/quant_config.h"
#include "tokenizer/tokenizer.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <sstream>

namespace qs::cli {

// Uniform configurations side by side against one shared full-precision reference pass.
int runCompare(int argc, char** argv) {
    CliArgs args(argv, argc,
                 {"data", "formats", "ctx", "protocol", "max-tokens", "max-bytes", "threads",
                  "tokenizer", "fallback", "act-quant", "budget-mb"},
                 {"json", "csv", "quiet"});
    args.expectAtMostPositionals(1);
    if (!args.has("data")) throw UsageError("missing --data TEXT");
    const auto formats = args.listValue("formats", "f16,q8_0,q4_0");
    if (formats.empty()) throw UsageError("--formats needs at least one format");
    auto threads = limitThreads(args);
    auto model = loadModelFromArgs(args, /*requireTokenizer=*/true);
    auto tokens = model->tokenizer()->encode(
        readTextFile(args.value("data"), uint64_t(args.intValue("max-bytes", 0))), true);

    std::vector<QuantConfig> configs;
    for (const auto& f : formats) {
        QuantConfig c = QuantConfig::uniform(f);
        c.fallbackFormat = args.value("fallback", "f16");
        c.activations = args.value("act-quant", "none");
        c.resolve(model->desc()); // fail early on an unknown or misfit format
        configs.push_back(c);
    }
    EvalSetup setup;
    setup.windows.ctx = int(args.intValue("ctx", 256));
    setup.windows.protocol = parseProtocol(args.value("protocol", "half"));
    setup.windows.maxTokens = args.intValue("max-tokens", 0);
    setup.memoryBudgetBytes = uint64_t(args.intValue("budget-mb", 4096)) << 20;
    IncrementalEvaluator ev(model, tokens, setup);
    const bool quiet = args.flag("quiet") || args.flag("json") || args.flag("csv");
    Feedback fb;
    attachProgressPrinter(fb, quiet);
    ev.buildReference(&fb);

    nlohmann::json rows = nlohmann::json::array();
    const Metrics& ref = ev.referenceResult().metrics;
    if (args.flag("csv"))
        std::printf("format,bpw,ppl,ppl_low,ppl_high,kld_mean,kld_p99,top1_agreement,top1_err,ece,"
                    "ece_temp,temperature\n");
    else if (!args.flag("json")) {
        std::printf(
            "%lld scored tokens, ctx %d, %s protocol; FP PPL %.4f [%.4f, %.4f], ECE %.4f\n\n",
            (long long)ref.tokens, setup.windows.ctx,
            std::string(protocolName(setup.windows.protocol)).c_str(), ref.ppl, ref.pplLow,
            ref.pplHigh, ref.calibration.ece);
        std::printf("%-16s %6s %21s %9s %9s %15s %7s %7s %6s\n", "format", "bpw", "PPL [95% CI]",
                    "KLD mean", "KLD p99", "top-1 agree", "ECE", "ECE@T*", "T*");
    }
    for (size_t i = 0; i < configs.size(); ++i) {
        Feedback f2;
        attachProgressPrinter(f2, quiet);
        const EvalResult r = ev.evaluate(configs[i], &f2);
        const Metrics& m = r.metrics;
        rows.push_back({{"format", formats[i]},
                        {"bits_per_weight", r.averageBitsPerWeight},
                        {"ppl", m.ppl},
                        {"ppl_ci95", {m.pplLow, m.pplHigh}},
                        {"kld_mean", m.klMean},
                        {"kld_p99", m.kl.p99},
                        {"top1_agreement", m.top1Agreement},
                        {"top1_agreement_err", m.top1AgreementStdError},
                        {"ece", m.calibration.ece},
                        {"ece_at_temperature", m.eceAtOptimalTemperature},
                        {"temperature", m.optimalTemperature}});
        if (args.flag("csv"))
            std::printf("%s,%.4f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.4f\n",
                        formats[i].c_str(), r.averageBitsPerWeight, m.ppl, m.pplLow, m.pplHigh,
                        m.klMean, m.kl.p99, m.top1Agreement, m.top1AgreementStdError,
                        m.calibration.ece, m.eceAtOptimalTemperature, m.optimalTemperature);
        else if (!args.flag("json"))
            std::printf(
                "%-16s %6.3f %8.4f [%.3f,%.3f] %9.5f %9.4f %7.2f%%±%.2f %7.4f %7.4f %6.3f\n",
                formats[i].c_str(), r.averageBitsPerWeight, m.ppl, m.pplLow, m.pplHigh, m.klMean,
                m.kl.p99, 100 * m.top1Agreement, 100 * m.top1AgreementStdError, m.calibration.ece,
                m.eceAtOptimalTemperature, m.optimalTemperature);
    }
    if (args.flag("json"))
        std::cout << nlohmann::json{{"reference",
                                     {{"ppl", ref.ppl},
                                      {"ppl_ci95", {ref.pplLow, ref.pplHigh}},
                                      {"ece", ref.calibration.ece},
                                      {"tokens", ref.tokens}}},
                                    {"configurations", rows}}
                         .dump(2)
                  << '\n';
    return 0;
}

} // namespace qs::cli
