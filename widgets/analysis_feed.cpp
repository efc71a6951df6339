#include "analysis_feed.h"

#include <QThreadPool>

#include "evaluation_controller.h"
#include "job_runner.h"
#include "live_editing.h"
#include "quant_config_model.h"
#include "snapshot_model.h"
#include "workbench_session.h"

#include "analysis/activation_stats.h"
#include "analysis/predicted_error.h"
#include "analysis/sensitivity_sweep.h"
#include "analysis/weight_stats.h"
#include "core/feedback.h"
#include "eval/incremental_evaluator.h"
#include "model/model.h"

namespace {

struct LayerAnalysis {
    QList<LayerGrid> grids;
    OutlierData outliers;
    QHash<QString, double> sensitivity;
};

using ContextHandle = std::shared_ptr<const EvalTokenContext>;

// Worker side: activation statistics on the evaluation tokens, weight statistics and the
// predicted error of `format` (f16 where it cannot represent a tensor).
LayerAnalysis analyzeLayers(const qs::Model& model, const std::vector<int32_t>& tokens, int ctx,
                            const std::string& format, qs::Feedback& feedback) {
    qs::ActivationStatsOptions opt;
    opt.ctx = ctx;
    feedback.setProgress(-1.0, "activation statistics");
    const qs::ActivationStats stats = qs::collectActivationStats(model, tokens, opt, &feedback);
    feedback.throwIfCanceled();
    feedback.setProgress(-1.0, "weight statistics");
    const std::vector<qs::WeightStats> weights = qs::computeAllWeightStats(model, &feedback);
    feedback.throwIfCanceled();
    feedback.setProgress(-1.0, "predicted error");
    qs::PredictedErrorOptions popt;
    popt.fallbackFormat = "f16";
    const std::vector<qs::PredictedError> table =
        qs::predictErrorTable(model, stats, {format}, popt, &feedback);

    LayerAnalysis out;
    out.grids = {activationEnergyGrid(model.desc(), stats),
                 predictedErrorGrid(model.desc(), table, format)};
    out.outliers = outlierData(model.desc(), weights, &stats);
    for (const qs::PredictedError& e : table)
        if (e.skipped.empty()) out.sensitivity.insert(QString::fromStdString(e.tensor), e.relative);
    return out;
}

ParetoPoint pointFromValue(const QString& label, const EvalResultValue& r,
                           const qs::QuantConfig& config) {
    ParetoPoint p;
    p.kind = ParetoPoint::Kind::Snapshot;
    p.label = label;
    p.config = config;
    p.hasConfig = true;
    p.bitsPerWeight = r.averageBitsPerWeight;
    p.modelBytes = r.modelBytes;
    p.ppl = r.ppl;
    p.pplLow = r.pplLow;
    p.pplHigh = r.pplHigh;
    p.klMean = r.klMean;
    p.exact = r.exact();
    return p;
}

} // namespace

Q_DECLARE_METATYPE(LayerAnalysis)
Q_DECLARE_METATYPE(ContextHandle)

AnalysisFeed::AnalysisFeed(WorkbenchSession* session, LiveEditing* live, QObject* parent)
    : QObject(parent), m_session(session), m_live(live), m_pool(new QThreadPool(this)),
      m_layerRunner(new JobRunner(this, m_pool)), m_contextRunner(new JobRunner(this, m_pool)),
      m_sensitivityRunner(new JobRunner(this, m_pool)), m_sweep(new UniformParetoSweep(this)) {
    m_pool->setMaxThreadCount(1);
    m_sweep->setThreadPool(m_pool);
    EvaluationController* controller = live->controller();
    connect(controller, &EvaluationController::preparingStarted, this, &AnalysisFeed::onPreparing);
    connect(controller, &EvaluationController::referenceReady, this, &AnalysisFeed::onReference);
    connect(controller, &EvaluationController::resultUpdated, this,
            [this](quint64, EvalResultPtr result, bool final) {
                if (final && result && result->engine) onFinalResult(result->engine);
            });
    connect(session, &WorkbenchSession::modelChanged, this,
            [this] { emit modelChanged(m_session->model()); });

    QuantConfigModel* config = live->configModel();
    connect(config, &QuantConfigModel::configChanged, this, [this](const qs::QuantConfig& c) {
        // "q4_0 + 3 rules + 5 overrides": what the preview's column title shows.
        QString label = QString::fromStdString(c.defaultFormat);
        if (!c.rules.empty()) label += tr(" + %n rule(s)", nullptr, int(c.rules.size()));
        if (!c.overrides.empty())
            label += tr(" + %n override(s)", nullptr, int(c.overrides.size()));
        emit configurationChanged(c, label);
    });

    SnapshotModel* snapshots = live->snapshotModel();
    connect(snapshots, &QAbstractItemModel::rowsInserted, this, &AnalysisFeed::updateSnapshots);
    connect(snapshots, &QAbstractItemModel::rowsRemoved, this, &AnalysisFeed::updateSnapshots);
    connect(snapshots, &QAbstractItemModel::modelReset, this, &AnalysisFeed::updateSnapshots);
    connect(snapshots, &QAbstractItemModel::dataChanged, this, &AnalysisFeed::updateSnapshots);

    connect(m_sweep, &UniformParetoSweep::pointReady, this, [this](const ParetoPoint& p) {
        ++m_uniformPoints;
        emit uniformPointReady(p);
    });
    connect(m_sweep, &UniformParetoSweep::pointFailed, this,
            [](const QString& format, const QString& message) {
                qWarning("uniform Pareto point %s failed: %s", qPrintable(format),
                         qPrintable(message));
            });

    connect(m_layerRunner, &JobRunner::finished, this, [this](quint64 job, const QVariant& v) {
        if (job != m_layerJob) return;
        const auto analysis = v.value<LayerAnalysis>();
        m_hasLayerAnalysis = true;
        QList<LayerGrid> measured; // a sweep that finished first stays
        for (const LayerGrid& g : std::as_const(m_grids))
            if (g.measure == LayerGrid::Measure::MeasuredKld) measured << g;
        m_grids = analysis.grids + measured;
        emit saliencyGridsReady(m_grids);
        emit outlierDataReady(analysis.outliers);
        emit sensitivityReady(analysis.sensitivity);
    });
    connect(m_layerRunner, &JobRunner::failed, this, [this](quint64 job, const QString& message) {
        if (job == m_layerJob) emit errorOccurred(tr("Layer analysis failed: %1").arg(message));
    });
    connect(m_sensitivityRunner, &JobRunner::finished, this,
            [this](quint64 job, const QVariant& v) {
                if (job != m_sensitivityJob) return;
                publishGrid(v.value<LayerGrid>());
                emit statusMessage(tr("Layer sensitivity measured"));
            });
    connect(m_sensitivityRunner, &JobRunner::failed, this, [this](quint64 job, const QString& m) {
        if (job == m_sensitivityJob) emit errorOccurred(tr("Sensitivity sweep failed: %1").arg(m));
    });
    connect(m_sensitivityRunner, &JobRunner::progressChanged, this,
            &AnalysisFeed::sensitivityProgress);
    connect(m_contextRunner, &JobRunner::finished, this, [this](quint64 job, const QVariant& v) {
        if (job != m_contextJob) return;
        m_hasTokenContext = true;
        emit tokenContextReady(v.value<ContextHandle>());
    });
}

AnalysisFeed::~AnalysisFeed() {
    // The sweep's worker uses the shared evaluator; stop it before the evaluator's owner goes.
    m_sweep->cancel();
    m_sweep->waitForFinished();
}

bool AnalysisFeed::isSweepRunning() const {
    return m_sweep->isRunning();
}

void AnalysisFeed::publishGrid(const LayerGrid& grid) {
    QList<LayerGrid> grids;
    for (const LayerGrid& g : std::as_const(m_grids))
        if (g.title != grid.title) grids << g; // a new measurement replaces the old one
    m_grids = grids << grid;
    emit saliencyGridsReady(m_grids);
}

void AnalysisFeed::measureSensitivity(const QString& format) {
    const std::shared_ptr<qs::IncrementalEvaluator> evaluator = m_live->controller()->evaluator();
    const std::shared_ptr<const qs::Model> model = m_session->model();
    if (!evaluator || !evaluator->hasReference() || !model) {
        emit errorOccurred(tr("Measuring sensitivity needs a model, a text and the reference "
                              "pass first."));
        return;
    }
    const std::string f = format.toStdString();
    m_sensitivityJob = m_sensitivityRunner->start(
        tr("Layer sensitivity (%1)").arg(format), [evaluator, model, f](qs::Feedback& feedback) {
            qs::SensitivitySweep sweep(*evaluator, model->desc(),
                                       {qs::SweepUnit::Layer, {f}, "f16"});
            qs::SweepResult result;
            sweep.run(result, &feedback);
            return QVariant::fromValue(measuredKldGrid(model->desc(), result, f));
        });
    emit statusMessage(
        tr("Measuring the sensitivity of every layer at %1 in the background").arg(format));
}

void AnalysisFeed::cancel() {
    m_sensitivityRunner->cancel();
    m_sweep->cancel();
    m_layerRunner->cancel();
    m_contextRunner->cancel();
}

void AnalysisFeed::onPreparing() {
    cancel();
    m_layerJob = m_contextJob = m_sensitivityJob = 0;
    m_grids.clear();
    m_hasLayerAnalysis = m_hasTokenContext = false;
    m_uniformPoints = 0;
    emit cleared();
}

void AnalysisFeed::onReference() {
    const std::shared_ptr<qs::IncrementalEvaluator> evaluator = m_live->controller()->evaluator();
    const std::shared_ptr<const qs::Model> model = m_session->model();
    if (!evaluator || !model) return;
    emit referencePointReady(paretoReferencePoint(*model, evaluator->referenceResult()));
    m_uniformPoints = 0;
    m_sweep->start(evaluator, UniformParetoSweep::defaultFormats(), QStringLiteral("f16"));

    m_contextJob = m_contextRunner->start(tr("Token context"), [evaluator, model](qs::Feedback&) {
        if (!model->tokenizer()) return QVariant();
        return QVariant::fromValue(ContextHandle(prepareEvalTokenContext(
            evaluator->tokens(), evaluator->windowPlan(), *model->tokenizer())));
    });

    const std::string format = m_live->configModel()->defaultLinearFormat().toStdString();
    const int ctx = m_live->controller()->settings().ctx;
    m_layerJob = m_layerRunner->start(tr("Layer analysis (%1)").arg(QString::fromStdString(format)),
                                      [evaluator, model, format, ctx](qs::Feedback& feedback) {
                                          return QVariant::fromValue(analyzeLayers(
                                              *model, evaluator->tokens(), ctx, format, feedback));
                                      });
    emit statusMessage(tr("Analyzing layers and sweeping uniform formats in the background"));
}

void AnalysisFeed::onFinalResult(const std::shared_ptr<const qs::EvalResult>& result) {
    emit finalResultReady(result);
    emit currentPointChanged(paretoPointFromResult(tr("current"), ParetoPoint::Kind::Current,
                                                   *result, m_live->configModel()->config()));
}

void AnalysisFeed::updateSnapshots() {
    const SnapshotModel* snapshots = m_live->snapshotModel();
    QList<ParetoPoint> points;
    for (int row = 0; row < snapshots->rowCount(); ++row) {
        const EvalResultPtr r = snapshots->result(row);
        if (r) points << pointFromValue(snapshots->name(row), *r, snapshots->config(row));
    }
    emit snapshotPointsChanged(points);
}

void AnalysisFeed::loadConfiguration(const qs::QuantConfig& config) {
    try {
        m_live->configModel()->setConfig(config, tr("Load configuration from the Pareto view"));
    } catch (const std::exception& e) {
        emit errorOccurred(
            tr("Could not load the configuration: %1").arg(QString::fromUtf8(e.what())));
    }
}
