#include "eval_report.h"

#include <cstdio>

namespace qs::cli {

namespace {

nlohmann::json percentilesJson(const Percentiles& p) {
    return {{"p50", p.p50}, {"p90", p.p90},    {"p95", p.p95},
            {"p99", p.p99}, {"p99.9", p.p999}, {"max", p.max}};
}

nlohmann::json calibrationJson(const Calibration& c) {
    nlohmann::json bins = nlohmann::json::array();
    for (const auto& b : c.bins)
        bins.push_back({{"low", b.confidenceLow},
                        {"high", b.confidenceHigh},
                        {"confidence", b.meanConfidence},
                        {"accuracy", b.accuracy},
                        {"count", b.count}});
    return {
        {"ece", c.ece}, {"adaptive_ece", c.adaptiveEce}, {"brier", c.brier}, {"reliability", bins}};
}

} // namespace

nlohmann::json quantReportJson(const EvalResult& fp, const EvalResult& q) {
    const Metrics& m = q.metrics;
    return {
        {"tokens", m.tokens},
        {"bits_per_weight", q.averageBitsPerWeight},
        {"model_bytes", q.modelBytes},
        {"ppl",
         {{"value", m.ppl},
          {"ci95", {m.pplLow, m.pplHigh}},
          {"mean_nll", m.meanNll},
          {"nll_std_error", m.nllStdError}}},
        {"ppl_fp",
         {{"value", m.pplRef}, {"ci95", {m.pplRefLow, m.pplRefHigh}}, {"mean_nll", m.meanNllRef}}},
        {"ppl_ratio", m.pplRatio},
        {"ln_ppl_ratio", {{"mean", m.lnPplRatio}, {"std_error", m.lnPplRatioStdError}}},
        {"delta_ppl", m.deltaPpl},
        {"kld",
         {{"mean", m.klMean}, {"std_error", m.klStdError}, {"percentiles", percentilesJson(m.kl)}}},
        {"top1_agreement", {{"value", m.top1Agreement}, {"std_error", m.top1AgreementStdError}}},
        {"delta_p",
         {{"mean", m.deltaPMean},
          {"rms", m.deltaPRms},
          {"percentiles", percentilesJson(m.deltaP)}}},
        {"entropy", {{"mean", m.entropyMean}, {"fp_mean", m.entropyRefMean}}},
        {"accuracy", {{"value", m.accuracy}, {"fp", m.accuracyRef}}},
        {"calibration", calibrationJson(m.calibration)},
        {"calibration_fp", calibrationJson(m.calibrationRef)},
        {"temperature",
         {{"optimal", m.optimalTemperature},
          {"nll", m.nllAtOptimalTemperature},
          {"ece", m.eceAtOptimalTemperature}}},
        {"seconds", q.seconds},
        {"reference_seconds", fp.seconds},
    };
}

void printQuantReport(const std::string& label, const EvalResult& fp, const EvalResult& q) {
    const Metrics& m = q.metrics;
    std::printf("configuration    %s\n", label.c_str());
    std::printf("size             %.4f bits/weight (linear layers), model %.3f MiB\n",
                q.averageBitsPerWeight, double(q.modelBytes) / (1 << 20));
    std::printf("scored tokens    %lld\n", (long long)m.tokens);
    std::printf("\n====== Perplexity statistics ======\n");
    std::printf("PPL(Q)                     : %10.6f  (95%% CI %.6f .. %.6f)\n", m.ppl, m.pplLow,
                m.pplHigh);
    std::printf("PPL(base)                  : %10.6f  (95%% CI %.6f .. %.6f)\n", m.pplRef,
                m.pplRefLow, m.pplRefHigh);
    std::printf("Mean ln(PPL(Q)/PPL(base))  : %10.6f ± %.6f\n", m.lnPplRatio, m.lnPplRatioStdError);
    std::printf("Mean PPL(Q)/PPL(base)      : %10.6f\n", m.pplRatio);
    std::printf("Mean PPL(Q)-PPL(base)      : %10.6f\n", m.deltaPpl);
    std::printf("\n====== KL divergence statistics ======\n");
    std::printf("Mean    KLD: %10.6f ± %.6f\n", m.klMean, m.klStdError);
    std::printf(
        "Maximum KLD: %10.6f\n99.9%%   KLD: %10.6f\n99.0%%   KLD: %10.6f\n95.0%%   KLD: %10.6f\n"
        "90.0%%   KLD: %10.6f\nMedian  KLD: %10.6f\n",
        m.kl.max, m.kl.p999, m.kl.p99, m.kl.p95, m.kl.p90, m.kl.p50);
    std::printf("\n====== Token probability statistics ======\n");
    std::printf(
        "Mean    Δp: %8.4f%%\nRMS     Δp: %8.4f%%\n99.0%%   Δp: %8.4f%%\nMedian  Δp: %8.4f%%\n",
        100 * m.deltaPMean, 100 * m.deltaPRms, 100 * m.deltaP.p99, 100 * m.deltaP.p50);
    std::printf("Same top p: %8.4f ± %.4f %%\n", 100 * m.top1Agreement,
                100 * m.top1AgreementStdError);
    std::printf("\n====== Calibration ======\n");
    std::printf("                  %12s %12s\n", "base", "Q");
    std::printf("accuracy (top-1)  %12.4f %12.4f\n", m.accuracyRef, m.accuracy);
    std::printf("mean entropy      %12.4f %12.4f\n", m.entropyRefMean, m.entropyMean);
    std::printf("ECE (15 bins)     %12.4f %12.4f\n", m.calibrationRef.ece, m.calibration.ece);
    std::printf("adaptive ECE      %12.4f %12.4f\n", m.calibrationRef.adaptiveEce,
                m.calibration.adaptiveEce);
    std::printf("Brier             %12.4f %12.4f\n", m.calibrationRef.brier, m.calibration.brier);
    std::printf("temperature T*    %25.3f  (NLL %.6f, ECE %.4f)\n", m.optimalTemperature,
                m.nllAtOptimalTemperature, m.eceAtOptimalTemperature);
    std::printf("\nreference pass %.2f s, evaluation %.2f s\n", fp.seconds, q.seconds);
}

} // namespace qs::cli
