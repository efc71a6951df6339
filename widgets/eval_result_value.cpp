#include "eval_result_value.h"

#include "eval/incremental_evaluator.h"

namespace {

QVector<ReliabilityBinValue> toBins(const std::vector<qs::ReliabilityBin>& bins) {
    QVector<ReliabilityBinValue> out;
    out.reserve(qsizetype(bins.size()));
    for (const qs::ReliabilityBin& b : bins)
        out.push_back({b.confidenceLow, b.confidenceHigh, b.meanConfidence, b.accuracy, b.count});
    return out;
}

} // namespace

QSharedPointer<const EvalResultValue>
EvalResultValue::fromEngine(const qs::EvalResult& r, quint64 generation, bool keepEngine) {
    auto v = QSharedPointer<EvalResultValue>::create();
    const qs::Metrics& m = r.metrics;
    v->generation = generation;
    v->windowsDone = r.windowsDone;
    v->windowsTotal = r.windowsTotal;
    v->tokens = m.tokens;
    v->seconds = r.seconds;
    v->startBlock = r.startBlock;
    v->ppl = m.ppl;
    v->pplLow = m.pplLow;
    v->pplHigh = m.pplHigh;
    v->pplRef = m.pplRef;
    v->pplRefLow = m.pplRefLow;
    v->pplRefHigh = m.pplRefHigh;
    v->deltaPpl = m.deltaPpl;
    v->pplRatio = m.pplRatio;
    v->klMean = m.klMean;
    v->klStdError = m.klStdError;
    v->klP99 = m.kl.p99;
    v->klMax = m.kl.max;
    v->top1Agreement = m.top1Agreement;
    v->top1AgreementStdError = m.top1AgreementStdError;
    v->ece = m.calibration.ece;
    v->adaptiveEce = m.calibration.adaptiveEce;
    v->brier = m.calibration.brier;
    v->eceRef = m.calibrationRef.ece;
    v->brierRef = m.calibrationRef.brier;
    v->optimalTemperature = m.optimalTemperature;
    v->eceAtOptimalTemperature = m.eceAtOptimalTemperature;
    v->reliability = toBins(m.calibration.bins);
    v->reliabilityRef = toBins(m.calibrationRef.bins);
    v->averageBitsPerWeight = r.averageBitsPerWeight;
    v->modelBytes = r.modelBytes;
    if (keepEngine) v->engine = std::make_shared<const qs::EvalResult>(r);
    return v;
}
