#pragma once
// The model-layer side of the analysis docks: follows one LiveEditing loop and turns what it
// produces into the plain values the chart views show, running every long computation off the
// GUI thread. Views connect to its signals and never call the engine.
//
//   auto* feed = new AnalysisFeed(&session, &live, this);
//   connect(feed, &AnalysisFeed::finalResultReady, logitView, &LogitDistortionView::setResult);
//   connect(feed, &AnalysisFeed::uniformPointReady, pareto, &ParetoView::addUniformPoint);
//   connect(pareto, &ParetoView::configurationRequested, feed, &AnalysisFeed::loadConfiguration);
//
// After each reference pass (a new model or text) it starts, in the background:
//  - the token context of the evaluation text (for the top-KLD tokens' text),
//  - a UniformParetoSweep over UniformParetoSweep::defaultFormats() on the shared evaluator,
//  - the activation-statistics pass, the weight statistics and the predicted-error table for
//    the configuration model's default format, giving the saliency grids, the outlier data and
//    the per-tensor sensitivity (relative predicted error) of the bit-width editor.
// A new preparation (model or text change) cancels all three; their late results are dropped
// (JobRunner and sweep generation ids). Every final live result updates the logit distortion
// and the current Pareto point; every change of the snapshots updates the snapshot points.

#include "charts/eval_token_context.h"
#include "charts/layer_analysis_data.h"
#include "charts/pareto_data.h"
#include "evaluation_jobs.h" // ModelHandle and its metatype

#include <QHash>
#include <QList>
#include <QObject>
#include <QString>

#include <memory>

class QThreadPool;
namespace qs {
class Model;
struct EvalResult;
} // namespace qs
class JobRunner;
class LiveEditing;
class WorkbenchSession;

class AnalysisFeed : public QObject {
    Q_OBJECT

public:
    AnalysisFeed(WorkbenchSession* session, LiveEditing* live, QObject* parent = nullptr);
    ~AnalysisFeed() override;

    // State of the background work of the current reference (for tests and the status bar).
    bool hasLayerAnalysis() const { return m_hasLayerAnalysis; }
    bool hasTokenContext() const { return m_hasTokenContext; }
    int uniformPoints() const { return m_uniformPoints; }
    bool isSweepRunning() const;
    UniformParetoSweep* sweep() const { return m_sweep; }

public slots:
    // Loads `config` into the configuration model as one undoable step.
    void loadConfiguration(const qs::QuantConfig& config);
    // Measured sensitivity: a layer sweep on the shared evaluator (every linear layer alone at
    // `format`, the rest at full precision; f16 where the format does not fit). Runs in the
    // background between live evaluations; the mean-KLD grid then joins the saliency grids
    // (saliencyGridsReady), so the heatmap, the sensitivity bars and the tensor tree show it.
    void measureSensitivity(const QString& format);
    void cancel();

signals:
    // A new preparation started: every view should drop what it shows.
    void cleared();
    void modelChanged(ModelHandle model);
    void referencePointReady(const ParetoPoint& point);
    void uniformPointReady(const ParetoPoint& point);
    void currentPointChanged(const ParetoPoint& point);
    void snapshotPointsChanged(const QList<ParetoPoint>& points);
    void finalResultReady(std::shared_ptr<const qs::EvalResult> result);
    void tokenContextReady(std::shared_ptr<const EvalTokenContext> context);
    void configurationChanged(const qs::QuantConfig& config, const QString& label);
    void saliencyGridsReady(const QList<LayerGrid>& grids);
    void outlierDataReady(const OutlierData& data);
    void sensitivityReady(const QHash<QString, double>& relativeError);
    void statusMessage(const QString& message);
    void errorOccurred(const QString& message);
    void sensitivityProgress(double fraction, const QString& stage);

private:
    void onPreparing();
    void publishGrid(const LayerGrid& grid);
    void onReference();
    void onFinalResult(const std::shared_ptr<const qs::EvalResult>& result);
    void updateSnapshots();

    WorkbenchSession* m_session;
    LiveEditing* m_live;
    // One worker for all background analysis, apart from the global pool that loading and the
    // live evaluation use: analysis may be slow, but it never makes the user wait.
    QThreadPool* m_pool;
    JobRunner* m_layerRunner;
    JobRunner* m_contextRunner;
    JobRunner* m_sensitivityRunner;
    QList<LayerGrid> m_grids;
    UniformParetoSweep* m_sweep;
    quint64 m_layerJob = 0, m_contextJob = 0, m_sensitivityJob = 0;
    bool m_hasLayerAnalysis = false, m_hasTokenContext = false;
    int m_uniformPoints = 0;
};
