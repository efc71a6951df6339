#include "workbench_report.h"

#include "evaluation_controller.h"
#include "live_editing.h"
#include "metrics_model.h"
#include "quant_config_model.h"
#include "report_writer.h"
#include "snapshot_model.h"
#include "workbench_session.h"

#include "core/error.h"
#include "eval/incremental_evaluator.h"
#include "model/model.h"
#include "session/session.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFileInfo>
#include <QtConcurrent/QtConcurrentRun>

namespace {

std::optional<ReportConfiguration>
configurationOf(const QString& name, const qs::QuantConfig& config, const EvalResultPtr& result) {
    if (!result || !result->exact() || !result->engine) return std::nullopt;
    ReportConfiguration c;
    c.name = name;
    c.config = config;
    c.metrics = result->engine->metrics;
    c.bitsPerWeight = result->averageBitsPerWeight;
    c.modelBytes = result->modelBytes;
    return c;
}

// The provenance hashes: the only slow part of collecting a report's data.
void fingerprint(ReportProvenance& p) {
    const qs::FileFingerprint model = qs::FileFingerprint::of(p.modelPath.toStdString());
    p.modelBytes = model.size;
    p.modelSha256 = QString::fromStdString(model.sha256);
    const qs::FileFingerprint text = qs::FileFingerprint::of(p.dataPath.toStdString());
    p.dataBytes = text.size;
    p.dataSha256 = QString::fromStdString(text.sha256);
}

} // namespace

ReportData workbenchReportData(const WorkbenchSession& session, const LiveEditing& live,
                               const QList<LayerGrid>& saliencyGrids,
                               const QList<LayerGrid>& sensitivityGrids, QString* why) {
    ReportData d;
    const std::shared_ptr<const qs::Model> model = session.model();
    const std::shared_ptr<qs::IncrementalEvaluator> evaluator = live.controller()->evaluator();
    if (!model || !evaluator || !evaluator->hasReference()) {
        if (why) *why = QObject::tr("Nothing to report yet: open a model and a text first.");
        return d;
    }
    const qs::ModelDesc& desc = model->desc();
    d.title = QObject::tr("Quantization report: %1").arg(QFileInfo(session.modelPath()).fileName());
    d.modelSummary = reportModelSummary(desc);
    ReportProvenance& p = d.provenance;
    p.modelPath = QFileInfo(session.modelPath()).absoluteFilePath();
    p.dataPath = QFileInfo(session.textPath()).absoluteFilePath();
    // What the live evaluator (whose numbers these are) was set up with.
    const LiveEvaluationSettings settings = live.controller()->settings();
    p.protocol = settings.protocol;
    p.ctx = evaluator->windowPlan().ctx;
    p.maxTokens = settings.maxTokens;
    p.seed = settings.seed;
    p.textTokens = qint64(evaluator->tokens().size());
    p.windows = evaluator->windowPlan().windows;
    p.scoredTokens = evaluator->scoredTokens();
    d.hasReference = true;
    d.reference = evaluator->referenceResult().metrics;
    d.referenceBytes = qs::QuantConfig::uniform("f32").resolve(desc).modelBytes();

    if (auto c = configurationOf(QObject::tr("current"), live.configModel()->config(),
                                 live.metricsModel()->current()))
        d.configurations << *c;
    const SnapshotModel* snapshots = live.snapshotModel();
    for (int row = 0; row < snapshots->rowCount(); ++row)
        if (auto c = configurationOf(snapshots->name(row), snapshots->config(row),
                                     snapshots->result(row)))
            d.configurations << *c;
    if (d.configurations.isEmpty()) {
        if (why)
            *why = QObject::tr("Nothing to report yet: wait for the current configuration's exact "
                               "result, or save a snapshot.");
        return d;
    }
    d.saliencyGrids = saliencyGrids;
    d.sensitivityGrids = sensitivityGrids;
    d.layers = reportLayerRows(desc, d.configurations.front().config,
                               sensitivityGrids.isEmpty() ? nullptr : &sensitivityGrids.front());
    p.appVersion = QCoreApplication::applicationVersion();
    p.generator = QStringLiteral("QuantScope workbench");
    p.createdUtc = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
    return d;
}

ReportExporter::ReportExporter(QObject* parent) : QObject(parent) {
    connect(&m_watcher, &QFutureWatcher<QString>::finished, this, [this] {
        const QString error = m_watcher.result();
        if (error.isEmpty())
            emit finished(m_path);
        else
            emit failed(error);
    });
}

ReportExporter::~ReportExporter() {
    m_watcher.waitForFinished();
}

void ReportExporter::start(ReportData data, QList<ReportFigure> figures, const QString& path) {
    if (m_watcher.isRunning()) {
        emit failed(
            tr("%1: another report is still being written; try again when it is done.").arg(path));
        return;
    }
    m_path = path;
    m_watcher.setFuture(QtConcurrent::run(
        [data = std::move(data), figures = std::move(figures), path]() mutable -> QString {
            try {
                fingerprint(data.provenance);
                return writeReport(reportDocument(data, std::move(figures)), path);
            } catch (const std::exception& e) { // unreadable model or text, out of memory
                return path + QStringLiteral(": ") + QString::fromStdString(e.what());
            }
        }));
}
