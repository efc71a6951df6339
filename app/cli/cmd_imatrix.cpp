// quantscope-cli imatrix: llama.cpp importance matrices.
//   imatrix export MODEL --data TEXT --out FILE.gguf|.dat   one calibration pass, written for
//                                                          llama-quantize --imatrix
//   imatrix import FILE [--json]                           per-tensor summary of any imatrix
#include "cli_args.h"
#include "cli_common.h"
#include "commands.h"
#include "progress_printer.h"

#include "analysis/activation_stats.h"
#include "analysis/imatrix_io.h"
#include "core/text_file.h"
#include "tokenizer/tokenizer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace qs::cli {

namespace {

struct Summary {
    double meanSq = 0, maxSq = 0, minSq = 0; // of E[x_j^2] over channels
};

Summary summarize(const LinearInputStats& x) {
    Summary s;
    s.minSq = INFINITY;
    for (int64_t j = 0; j < x.channels; ++j) {
        const double v = x.meanSq(j);
        s.meanSq += v / double(x.channels);
        s.maxSq = std::max(s.maxSq, v);
        s.minSq = std::min(s.minSq, v);
    }
    return s;
}

void printOutliers(const ActivationStats& st) {
    for (const ResidualStats& r : st.residual) {
        std::fprintf(stderr, "residual blk.%d: median |x| %.4g, %zu outlier channel(s)\n", r.block,
                     r.medianAbs, r.outliers.size());
        for (const ResidualOutlier& o : r.outliers) {
            std::fprintf(stderr,
                         "  channel %4d  absmax %9.4g  x%-8.1f of median  |x|>thr at %lld "
                         "positions%s%s  top:",
                         o.channel, double(o.absMax), o.ratioToMedian,
                         (long long)o.countAboveThreshold, o.massive ? "  MASSIVE" : "",
                         o.int8Outlier ? "  INT8-OUTLIER" : "");
            for (const TokenHit& h : o.top)
                std::fprintf(stderr, " %+.3g@%lld(tok %d)", double(h.value), (long long)h.position,
                             h.token);
            std::fprintf(stderr, "\n");
        }
    }
}

int runExport(const CliArgs& args) {
    const std::string dataPath = args.value("data");
    if (dataPath.empty()) throw UsageError("missing --data TEXT");
    const std::string out = args.value("out");
    if (out.empty()) throw UsageError("missing --out FILE.gguf|FILE.dat");
    ActivationStatsOptions opt;
    opt.ctx = int(args.intValue("ctx", 512));
    opt.maxTokens = args.intValue("max-tokens", 0);
    if (opt.maxTokens < 0) throw UsageError("--max-tokens must be >= 0");
    auto threads = limitThreads(args);
    auto model = loadModelFromArgs(args, /*requireTokenizer=*/true);
    const std::vector<int32_t> tokens =
        model->tokenizer()->encode(readTextFile(dataPath), /*addBos=*/true);
    Feedback fb;
    attachProgressPrinter(fb, args.flag("quiet"));
    ActivationStats st = collectActivationStats(*model, tokens, opt, &fb);
    st.datasets = {dataPath};
    writeImatrix(st, out);
    if (!args.flag("quiet")) printOutliers(st);
    std::printf("wrote %s: %zu tensors, %lld chunks of %d tokens (%s format)\n", out.c_str(),
                st.byTensor.size(), (long long)st.windows, st.ctx,
                imatrixFormatForPath(out) == ImatrixFormat::Gguf ? "GGUF" : "legacy .dat");
    return 0;
}

int runImport(const CliArgs& args) {
    const std::string path = args.positional(1, "imatrix FILE");
    ImatrixReadOptions ro;
    ro.legacyChunkSize = int(args.intValue("chunk-size", 512));
    const ActivationStats st = readImatrix(path, ro);
    if (args.flag("json")) {
        nlohmann::json tensors = nlohmann::json::array();
        for (const auto& [name, index] : st.byTensor) {
            const LinearInputStats& x = st.inputs[index];
            const Summary s = summarize(x);
            tensors.push_back({{"name", name},
                               {"channels", x.channels},
                               {"count", x.count},
                               {"mean_sq_avg", s.meanSq},
                               {"mean_sq_min", s.minSq},
                               {"mean_sq_max", s.maxSq}});
        }
        nlohmann::json j = {
            {"file", path},         {"datasets", st.datasets}, {"chunk_count", st.windows},
            {"chunk_size", st.ctx}, {"tokens", st.tokens},     {"tensors", tensors}};
        std::cout << j.dump(2) << '\n';
        return 0;
    }
    std::printf("file      %s\n", path.c_str());
    std::string ds;
    for (const auto& d : st.datasets) ds += (ds.empty() ? "" : ", ") + d;
    std::printf("datasets  %s\nchunks    %lld x %d tokens\n", ds.empty() ? "(none)" : ds.c_str(),
                (long long)st.windows, st.ctx);
    std::printf("%-32s %8s %10s %12s %12s %12s\n", "tensor", "channels", "count", "E[x2] avg",
                "min", "max");
    for (const auto& [name, index] : st.byTensor) {
        const LinearInputStats& x = st.inputs[index];
        const Summary s = summarize(x);
        std::printf("%-32s %8lld %10lld %12.5g %12.5g %12.5g\n", name.c_str(),
                    (long long)x.channels, (long long)x.count, s.meanSq, s.minSq, s.maxSq);
    }
    return 0;
}

} // namespace

int runImatrix(int argc, char** argv) {
    CliArgs args(argv, argc,
                 {"data", "out", "ctx", "max-tokens", "threads", "tokenizer", "chunk-size"},
                 {"json", "quiet"});
    const std::string sub = args.positional(0, "subcommand (export or import)");
    if (sub != argv[0]) throw UsageError("the subcommand (export or import) comes first");
    if (sub == "export") {
        // loadModelFromArgs reads positional 0 as the model: drop the subcommand first.
        CliArgs rest(argv + 1, argc - 1,
                     {"data", "out", "ctx", "max-tokens", "threads", "tokenizer"}, {"quiet"});
        rest.expectAtMostPositionals(1);
        return runExport(rest);
    }
    if (sub == "import") {
        args.expectAtMostPositionals(2);
        return runImport(args);
    }
    throw UsageError("unknown subcommand '" + sub + "' (expected export or import)");
}

} // namespace qs::cli
