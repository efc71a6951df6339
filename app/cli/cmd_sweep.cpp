// quantscope-cli sweep: the measured sensitivity of every layer (or block) to each format,
// stored in the session file. Model and text come from the session and must still match its
// hashes; finished cells are kept, so an interrupted sweep (Ctrl-C, or a kill — the session is
// saved every 30 s) resumes where it stopped.
#include "cli_args.h"
#include "cli_common.h"
#include "commands.h"
#include "progress_printer.h"
#include "session_evaluator.h"

#include "analysis/rank_correlation.h"
#include "analysis/sensitivity_sweep.h"
#include "core/error.h"
#include "eval/incremental_evaluator.h"
#include "session/session.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <sstream>

namespace qs::cli {

namespace {

std::atomic<Feedback*> g_interruptTarget{nullptr};

extern "C" void onInterrupt(int) {
    if (Feedback* fb = g_interruptTarget.load()) fb->cancel(); // an atomic store: signal-safe
}

std::string shortPart(const std::string& p) {
    return p.size() > 7 && p.ends_with(".weight") ? p.substr(0, p.size() - 7) : p;
}

void printTable(const SweepResult& r) {
    for (const std::string& format : r.formats) {
        std::vector<const SweepCell*> cells = r.column(format);
        std::sort(cells.begin(), cells.end(), [](auto a, auto b) { return a->klMean > b->klMean; });
        std::printf("\n%s — %zu measured, most sensitive first\n", format.c_str(), cells.size());
        std::printf("  %-24s %6s %22s %24s %8s %5s\n", "part", "bpw", "dPPL +/- se", "KLD +/- se",
                    "top-1", "from");
        for (const SweepCell* c : cells)
            std::printf("  %-24s %6.3f %+11.5f +/- %7.5f %12.6f +/- %8.6f %8.4f %5d%s\n",
                        shortPart(c->part).c_str(), c->bitsPerWeight, c->deltaPpl,
                        c->deltaPplStdError, c->klMean, c->klStdError, c->top1Agreement,
                        c->startBlock, c->note.empty() ? "" : "  *");
        for (const std::string& part : r.parts)
            if (const SweepCell* c = r.find(part, format);
                c && c->status == SweepCellStatus::Skipped)
                std::printf("  %-24s skipped: %s\n", shortPart(part).c_str(), c->note.c_str());
        for (const SweepCell* c : cells)
            if (!c->note.empty()) std::printf("  * %s\n", c->note.c_str());
    }
}

// Predicted error (activation-weighted, relative) per layer × format from `analyze`.
PredictedErrors predictedFromSession(const Session& s) {
    PredictedErrors p;
    for (const PredictedError& e : s.predictedErrors)
        if (e.skipped.empty()) p[e.requestedFormat][e.tensor] = e.activationWeighted;
    return p;
}

} // namespace

int runSweep(int argc, char** argv) {
    CliArgs args(argv, argc,
                 {"formats", "by", "fallback", "max-tokens", "threads", "tokenizer", "budget-mb"},
                 {"quiet", "json", "restart"});
    args.expectAtMostPositionals(1);
    const std::string sessionPath = args.positional(0, "SESSION.h5");
    const std::vector<std::string> formats = args.listValue("formats");
    if (formats.empty()) throw UsageError("missing --formats F1,F2,...");
    const SweepUnit unit = parseSweepUnit(args.value("by", "layer"));
    const bool quiet = args.flag("quiet") || args.flag("json");
    auto threads = limitThreads(args);

    Session session = loadSession(sessionPath);
    SessionEvaluation opened = openSessionEvaluation(session, sessionPath, args, quiet);
    IncrementalEvaluator& ev = *opened.evaluator;
    const std::shared_ptr<Model>& model = opened.model;

    SweepResult& result = session.sweepFor(unit);
    if (args.flag("restart")) result = SweepResult{unit};
    SensitivitySweep sweep(ev, model->desc(), {unit, formats, args.value("fallback")});

    Feedback sweepFb;
    attachProgressPrinter(sweepFb, quiet);
    g_interruptTarget = &sweepFb;
    auto previous = std::signal(SIGINT, onInterrupt);
    auto lastSave = std::chrono::steady_clock::now();
    SweepRunStats stats;
    bool canceled = false;
    try {
        stats = sweep.run(result, &sweepFb, [&](const SweepCell&) {
            if (std::chrono::steady_clock::now() - lastSave < std::chrono::seconds(30)) return;
            saveSession(session, sessionPath); // a kill loses at most 30 s of cells
            lastSave = std::chrono::steady_clock::now();
        });
    } catch (const Canceled&) {
        canceled = true;
    }
    std::signal(SIGINT, previous);
    g_interruptTarget = nullptr;
    saveSession(session, sessionPath);
    if (canceled) {
        std::fprintf(stderr,
                     "sweep interrupted: %zu cells saved to %s; run the same command to resume\n",
                     result.cells.size(), sessionPath.c_str());
        return 130;
    }

    const std::vector<RankCorrelation> rho =
        unit == SweepUnit::Layer ? rankCorrelationByFormat(result, predictedFromSession(session))
                                 : std::vector<RankCorrelation>{};
    if (args.flag("json")) {
        nlohmann::json j;
        j["session"] = sessionPath;
        j["unit"] = std::string(sweepUnitName(unit));
        j["setup"] = result.setup.describe();
        j["evaluated"] = stats.evaluated;
        j["already_done"] = stats.alreadyDone;
        j["skipped"] = stats.skipped;
        j["seconds"] = stats.seconds;
        j["flops"] = stats.flops;
        j["scratch_flops"] = stats.scratchFlops;
        j["cells"] = nlohmann::json::array();
        for (const SweepCell& c : result.cells)
            j["cells"].push_back(
                {{"part", c.part},
                 {"format", c.format},
                 {"status", c.status == SweepCellStatus::Done ? "done" : "skipped"},
                 {"note", c.note},
                 {"bits_per_weight", c.bitsPerWeight},
                 {"delta_ppl", c.deltaPpl},
                 {"delta_ppl_std_error", c.deltaPplStdError},
                 {"kld_mean", c.klMean},
                 {"kld_std_error", c.klStdError},
                 {"top1_agreement", c.top1Agreement},
                 {"start_block", c.startBlock}});
        for (const RankCorrelation& r : rho)
            j["spearman_predicted_vs_kld"][r.format] = {
                {"n", r.n}, {"rho", std::isnan(r.rho) ? nlohmann::json() : nlohmann::json(r.rho)}};
        std::cout << j.dump(2) << '\n';
        return 0;
    }
    std::printf("session   %s (%s sweep)\n", sessionPath.c_str(),
                std::string(sweepUnitName(unit)).c_str());
    std::printf("setup     %s\n", result.setup.describe().c_str());
    printTable(result);
    std::printf("\n%lld cells evaluated, %lld already in the session, %lld skipped, %.2f s (%.3f s "
                "per cell)\n",
                (long long)stats.evaluated, (long long)stats.alreadyDone, (long long)stats.skipped,
                stats.seconds, stats.evaluated ? stats.seconds / double(stats.evaluated) : 0.0);
    if (stats.evaluated)
        std::printf("work      %.3g GFLOP restarting at each part's block vs %.3g GFLOP from block "
                    "0 (%.2fx less; "
                    "estimated from the shapes, quantization time not included)\n",
                    stats.flops * 1e-9, stats.scratchFlops * 1e-9,
                    stats.scratchFlops / stats.flops);
    for (const RankCorrelation& r : rho)
        std::printf("spearman  predicted activation-weighted error vs measured KLD, %s: rho = %.3f "
                    "over %lld layers\n",
                    r.format.c_str(), r.rho, (long long)r.n);
    return 0;
}

} // namespace qs::cli
