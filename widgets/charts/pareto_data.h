#pragma once
// Points of the size/quality trade-off (ParetoView) and the adapter that produces the uniform
// ones in the background.
//
//   auto* sweep = new UniformParetoSweep(this);
//   connect(sweep, &UniformParetoSweep::pointReady, paretoView, &ParetoView::addUniformPoint);
//   sweep->start(evaluator, UniformParetoSweep::defaultFormats(), "f16");  // returns at once
//   paretoView->setCurrent(paretoPointFromResult(tr("current"), ParetoPoint::Kind::Current,
//                                                result, config));
//
// A uniform point is QuantConfig::uniform(format) with the fallback for tensors the format
// cannot represent, evaluated by the shared IncrementalEvaluator (evaluations are serialized
// by the evaluator, so the sweep may run while nothing else evaluates).

#include "quant/quant_config.h"

#include <QFutureWatcher>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QPointF>
#include <QString>
#include <QStringList>

#include <memory>

namespace qs {
class QThreadPool;
class Feedback;
class IncrementalEvaluator;
class Model;
struct EvalResult;
} // namespace qs

struct ParetoPoint {
    enum class Kind { FullPrecision, Uniform, Snapshot, Current };
    Kind kind = Kind::Uniform;
    QString label;          // "q4_0", "snapshot 3", "current"
    qs::QuantConfig config; // what clicking the point requests
    bool hasConfig = false;
    double bitsPerWeight = 0; // linear weights of the blocks
    quint64 modelBytes = 0;
    double ppl = 0, pplLow = 0, pplHigh = 0;
    double klMean = 0; // nats
    bool exact = true; // false while only part of the windows were evaluated
};
Q_DECLARE_METATYPE(ParetoPoint)
Q_DECLARE_METATYPE(qs::QuantConfig)

// Engine adapters (cheap, any thread).
ParetoPoint paretoPointFromResult(const QString& label, ParetoPoint::Kind kind,
                                  const qs::EvalResult& result, const qs::QuantConfig& config);
// Full precision: PPL of the reference, KLD 0, f32 bits and bytes of `model`.
ParetoPoint paretoReferencePoint(const qs::Model& model, const qs::EvalResult& reference);

// Indices of the points on the lower-left Pareto frontier (no other point has x <= and y <=
// with one strictly smaller), sorted by increasing x. Non-finite points are ignored.
QList<int> paretoFrontier(const QList<QPointF>& points);

class UniformParetoSweep : public QObject {
    Q_OBJECT

public:
    explicit UniformParetoSweep(QObject* parent = nullptr);
    ~UniformParetoSweep() override;

    // f16, q8_0, q5_1, q4_0, int4_g128_sym, int3_g32_sym, int2_g32_asym, nf4_g64, mxfp4,
    // ternary_c.
    static QStringList defaultFormats();

    // Evaluates the formats one after another on a worker thread; the evaluator's reference is
    // built first if it has none. Supersedes a running sweep (its late results are dropped).
    // Returns the sweep's generation id.
    // Runs on `pool` (not owned) instead of the global pool when set.
    void setThreadPool(QThreadPool* pool) { m_pool = pool; }
    quint64 start(std::shared_ptr<qs::IncrementalEvaluator> evaluator, const QStringList& formats,
                  const QString& fallbackFormat = QStringLiteral("f16"));
    void cancel();
    bool isRunning() const { return m_watcher != nullptr; }
    // Blocks until the worker has returned (tests and shutdown).
    void waitForFinished();

signals:
    void pointReady(const ParetoPoint& point);
    void pointFailed(const QString& format, const QString& message);
    void progressChanged(double fraction, const QString& stage);
    void finished();
    void canceled();

private:
    struct Item;
    quint64 m_generation = 0;
    std::shared_ptr<qs::Feedback> m_feedback;
    QFutureWatcher<Item>* m_watcher = nullptr;
    QThreadPool* m_pool = nullptr;
};
