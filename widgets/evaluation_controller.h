#pragma once
// The live evaluation loop behind the bit-width editor: prepares an incremental evaluator for a
// loaded model and text (tokenize + full-precision reference pass, on a JobRunner worker, with
// progress and cancel), then evaluates every submitted configuration on the scheduler's worker
// thread, newest first. Results come back to the GUI thread as immutable values tagged with the
// generation id submit() returned; a result whose generation is no longer the newest when it
// arrives is dropped, so a stale configuration's numbers are never shown as current.
//
//   auto* controller = new EvaluationController(this);
//   connect(controller, &EvaluationController::resultUpdated, metrics, &MetricsModel::setResult);
//   controller->prepare(model, textPath);     // referenceReady() when the FP pass is done
//   controller->submit(config);               // any time; deferred until the reference is ready
//
// Nothing here blocks the GUI thread: the evaluator is built on a worker, a replaced scheduler
// is destroyed (joined) on the thread pool, and listeners only post values.

#include "eval_result_value.h"
#include "evaluation_jobs.h"

#include <QObject>
#include <QString>

#include <memory>
#include <optional>

namespace qs {
class EvaluationScheduler;
class IncrementalEvaluator;
class QuantConfig;
} // namespace qs
class JobRunner;

// How the live loop evaluates: small enough that an edit shows exact numbers in about a second
// on a laptop for stories260K-sized models.
struct LiveEvaluationSettings {
    int ctx = 256;
    QString protocol = QStringLiteral("half"); // "half" (llama.cpp) or "full"
    qint64 maxTokens = 32768;                  // 0: the whole text
    quint64 memoryBudgetMiB = 1024;            // evaluator caches + reference + weights
    quint64 seed = 0;                          // window order of the progressive estimate
};

class EvaluationController : public QObject {
    Q_OBJECT

public:
    explicit EvaluationController(QObject* parent = nullptr);
    ~EvaluationController() override; // cancels and joins (shutdown only)

    LiveEvaluationSettings settings() const { return m_settings; }
    // Takes effect at the next prepare().
    void setSettings(const LiveEvaluationSettings& settings) { m_settings = settings; }

    bool isPreparing() const;
    bool isReady() const { return m_scheduler != nullptr; }
    EvalResultPtr reference() const { return m_reference; }
    // The prepared evaluator (null until referenceReady), for background analyses that share
    // its tokens and reference (UniformParetoSweep, token context).
    std::shared_ptr<qs::IncrementalEvaluator> evaluator() const { return m_evaluator; }
    quint64 latestGeneration() const { return m_latest; }
    // Results that arrived after a newer submit() and were dropped (for tests and diagnostics).
    int droppedResults() const { return m_dropped; }

    // Drops the current evaluator and builds one for `model` on `textPath`.
    void prepare(ModelHandle model, const QString& textPath);
    void clear();
    // Returns the new generation id, or 0 while no evaluator is ready: the newest such config is
    // then submitted as soon as the reference is ready (evaluationSubmitted() tells its id).
    quint64 submit(const qs::QuantConfig& config);

public slots:
    // Cancels the preparation and the running evaluation; nothing older is delivered.
    void cancel();
    // Where the scheduler's updates land on the GUI thread (queued). Public so that tests can
    // deliver a late, stale result.
    void deliverResult(quint64 generation, EvalResultPtr result, bool final);
    void deliverError(quint64 generation, const QString& message);

signals:
    void preparingStarted(const QString& title);
    void progressChanged(double fraction, const QString& stage); // fraction < 0: unknown
    void busyChanged(bool preparing);
    void referenceReady(EvalResultPtr reference);
    void preparationFailed(const QString& message);
    void preparationCanceled();
    void evaluationSubmitted(quint64 generation);
    void resultUpdated(quint64 generation, EvalResultPtr result, bool final);
    void evaluationFailed(quint64 generation, const QString& message);

private:
    void onPrepared(quint64 job, const QVariant& result);
    void retireScheduler();

    LiveEvaluationSettings m_settings;
    JobRunner* m_runner;
    quint64 m_prepareJob = 0;
    std::shared_ptr<qs::IncrementalEvaluator> m_evaluator;
    std::shared_ptr<qs::EvaluationScheduler> m_scheduler;
    EvalResultPtr m_reference;
    std::unique_ptr<qs::QuantConfig> m_deferred;
    // Scheduler generations restart at 1 for every evaluator; adding the base keeps the
    // controller's ids increasing across models.
    quint64 m_base = 0;
    quint64 m_latest = 0;
    int m_dropped = 0;
};
