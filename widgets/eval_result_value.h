#pragma once
// One evaluation result of a quantization configuration as an immutable Qt value: what the
// metrics panel, snapshots and charts show, without engine headers. Built on the worker thread
// (fromEngine) and shared as QSharedPointer<const EvalResultValue>, so passing it around the
// GUI thread copies nothing.
//
//   connect(controller, &EvaluationController::resultUpdated, this,
//           [](quint64 gen, QSharedPointer<const EvalResultValue> r, bool final) {
//               label->setText(QString::number(r->ppl));
//           });
//
// `engine` keeps the full engine result (per-token statistics in a final result) for model-layer
// consumers such as chart adapters; views read only the plain fields.

#include <QMetaType>
#include <QSharedPointer>
#include <QVector>

#include <memory>

namespace qs {
struct EvalResult;
}

struct ReliabilityBinValue {
    double confidenceLow = 0, confidenceHigh = 0, meanConfidence = 0, accuracy = 0;
    qint64 count = 0;
};

struct EvalResultValue {
    quint64 generation = 0; // 0 for the reference
    bool isReference = false;
    qint64 windowsDone = 0, windowsTotal = 0;
    bool exact() const { return windowsTotal > 0 && windowsDone == windowsTotal; }
    qint64 tokens = 0;
    double seconds = 0;
    int startBlock = 0;

    double ppl = 0, pplLow = 0, pplHigh = 0;
    double pplRef = 0, pplRefLow = 0, pplRefHigh = 0;
    double deltaPpl = 0, pplRatio = 0;
    double klMean = 0, klStdError = 0, klP99 = 0, klMax = 0;
    double top1Agreement = 0, top1AgreementStdError = 0;
    double ece = 0, adaptiveEce = 0, brier = 0;
    double eceRef = 0, brierRef = 0;
    double optimalTemperature = 1, eceAtOptimalTemperature = 0;
    QVector<ReliabilityBinValue> reliability, reliabilityRef;

    double averageBitsPerWeight = 0;
    quint64 modelBytes = 0;

    std::shared_ptr<const qs::EvalResult> engine;

    static QSharedPointer<const EvalResultValue> fromEngine(const qs::EvalResult& result,
                                                            quint64 generation, bool keepEngine);
};

using EvalResultPtr = QSharedPointer<const EvalResultValue>;
Q_DECLARE_METATYPE(EvalResultPtr)
