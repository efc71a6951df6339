// quantscope-cli report: a report for a paper from a session file — PDF, HTML or Markdown with
// the per-layer configuration table, the metrics table with confidence intervals, the Pareto
// plot, reliability diagram, saliency heatmaps and sensitivity chart, every figure also as SVG
// and PNG and every table as LaTeX and CSV, and a provenance block. The figures are drawn by
// the workbench's own views (offscreen), so they match what the GUI shows.
//
// Configurations are named on the command line: one saved in the session (by name), a config
// JSON file, or "uniform:FORMAT"; those not in the session are evaluated on the session's text
// with its protocol (and saved into it with --save).
#include "cli_args.h"
#include "cli_common.h"
#include "commands.h"
#include "progress_printer.h"
#include "session_evaluator.h"

#include "core/error.h"
#include "core/feedback.h"
#include "session/session.h"

#include "report/report_data.h"
#include "report/report_figures.h"
#include "report/report_writer.h"

#include <QApplication>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>

#include <clocale>
#include <cstdio>
#include <filesystem>
#include <optional>

namespace qs::cli {

namespace {

struct Requested {
    std::string spec; // as given
    std::string name; // shown in the report
    QuantConfig config;
    const SavedConfiguration* saved = nullptr;
};

std::string savedNames(const Session& s) {
    std::string names;
    for (const SavedConfiguration& c : s.configurations)
        names += (names.empty() ? "" : ", ") + c.name;
    return names.empty() ? "none" : names;
}

Requested resolveSpec(const Session& s, const std::string& spec, const std::string& fallback) {
    Requested r{spec, spec, {}, s.configuration(spec)};
    if (r.saved) {
        r.config = r.saved->config;
    } else if (spec.rfind("uniform:", 0) == 0) {
        r.config = QuantConfig::uniform(spec.substr(8));
        r.config.fallbackFormat = fallback.empty() ? "f16" : fallback;
        r.name = spec.substr(8);
    } else if (std::filesystem::is_regular_file(spec)) {
        r.config = QuantConfig::load(spec);
        if (!fallback.empty()) r.config.fallbackFormat = fallback;
        r.name = std::filesystem::path(spec).stem().string();
    } else {
        throw Error(spec + ": neither a configuration saved in the session (saved: " +
                    savedNames(s) + "), a config file, nor uniform:FORMAT");
    }
    // Saved earlier with --save under its derived name: reuse it rather than evaluate again.
    if (const SavedConfiguration* same = s.configuration(r.name);
        !r.saved && same && same->config == r.config)
        r.saved = same;
    return r;
}

// Widgets need an application object; reports never need a display.
std::unique_ptr<QApplication> offscreenApplication() {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    static int argc = 1;
    static char name[] = "quantscope-cli";
    static char* argv[] = {name, nullptr};
    auto app = std::make_unique<QApplication>(argc, argv);
    QApplication::setApplicationVersion(QStringLiteral(QS_VERSION));
    // QApplication adopts the environment's locale; this command's printf output stays "1.5".
    std::setlocale(LC_NUMERIC, "C");
    return app;
}

} // namespace

int runReport(int argc, char** argv) {
    CliArgs args(argv, argc,
                 {"out", "config", "fallback", "title", "threads", "tokenizer", "budget-mb"},
                 {"quiet", "save"});
    args.expectAtMostPositionals(1);
    const std::string sessionPath = args.positional(0, "SESSION.h5");
    const std::string outPath = args.value("out");
    if (outPath.empty()) throw UsageError("missing --out REPORT.pdf|.html|.md");
    if (!reportFormatForPath(QString::fromStdString(outPath)))
        throw UsageError(outPath + ": unknown report type (use .pdf, .html or .md)");
    const QFileInfo outInfo(QString::fromStdString(outPath));
    if (!outInfo.absoluteDir().exists()) throw Error(outPath + ": the folder does not exist");
    const bool quiet = args.flag("quiet");
    auto threads = limitThreads(args);

    Session session = loadSession(sessionPath);
    if (session.readOnly) throw Error(sessionPath + ": " + session.warning);
    std::vector<Requested> requested;
    for (const std::string& spec : args.listValue("config"))
        requested.push_back(resolveSpec(session, spec, args.value("fallback")));
    if (requested.empty()) {
        for (const SavedConfiguration& c : session.configurations)
            requested.push_back(resolveSpec(session, c.name, {}));
        if (requested.empty())
            throw UsageError(sessionPath +
                             ": the session has no saved configurations; name some with --config "
                             "CFG.json,uniform:q4_0,...");
    }

    // Evaluate what the session does not have, on its text with its protocol.
    QList<ReportConfiguration> configurations;
    std::shared_ptr<Model> model;
    std::optional<SessionEvaluation> opened;
    for (Requested& r : requested) {
        ReportConfiguration c;
        c.name = QString::fromStdString(r.name);
        c.config = r.config;
        if (r.saved) {
            c.metrics = r.saved->metrics;
            c.bitsPerWeight = r.saved->bitsPerWeight;
            c.modelBytes = r.saved->modelBytes;
        } else {
            if (!opened) opened = openSessionEvaluation(session, sessionPath, args, quiet);
            Feedback fb;
            attachProgressPrinter(fb, quiet);
            const EvalResult result = opened->evaluator->evaluate(r.config, &fb);
            c.metrics = result.metrics;
            c.bitsPerWeight = result.averageBitsPerWeight;
            c.modelBytes = result.modelBytes;
            if (!quiet)
                std::fprintf(stderr, "evaluated %s: PPL %.4f, KLD %.5f\n", r.name.c_str(),
                             result.metrics.ppl, result.metrics.klMean);
            if (args.flag("save"))
                session.putConfiguration(
                    {r.name, r.config, result.metrics, c.bitsPerWeight, c.modelBytes});
        }
        configurations << c;
    }
    if (opened) {
        model = opened->model;
        if (args.flag("save")) saveSession(session, sessionPath);
    } else {
        LoadOptions lopt;
        lopt.tokenizerPath = args.value("tokenizer");
        model = loadModel(session.model.path, lopt);
    }

    auto app = offscreenApplication();
    ReportData data = reportDataFromSession(session, QString::fromStdString(sessionPath),
                                            model->desc(), configurations);
    if (args.has("title")) data.title = QString::fromStdString(args.value("title"));
    data.provenance.appVersion = QStringLiteral(QS_VERSION);
    data.provenance.generator = QStringLiteral("quantscope-cli report");
    data.provenance.createdUtc = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
    const ReportDocument doc = reportDocument(data, reportFigures(data));
    const QString error = writeReport(doc, QString::fromStdString(outPath));
    if (!error.isEmpty()) throw Error(error.toStdString());

    std::printf("report   %s\n", outPath.c_str());
    std::printf("assets   %s (%lld figures as SVG and PNG, %lld tables as LaTeX and CSV)\n",
                reportAssetsPath(QString::fromStdString(outPath)).toUtf8().constData(),
                (long long)doc.figures.size(), (long long)doc.tables.size());
    for (const ReportConfiguration& c : configurations)
        std::printf("  %-24s %6.3f bpw  PPL %.4f [%.4f, %.4f]  KLD %.5f\n",
                    c.name.toUtf8().constData(), c.bitsPerWeight, c.metrics.ppl, c.metrics.pplLow,
                    c.metrics.pplHigh, c.metrics.klMean);
    return 0;
}

} // namespace qs::cli
