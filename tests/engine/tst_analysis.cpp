// qs_analysis: the activation-statistics pass against sums recomputed from the forward pass's
// own intermediates, weight statistics against direct formulas, predicted error against brute
// force on the calibration inputs, saliency pooling, llama.cpp imatrix round trips and
// malformed files, and a sanity pass over stories260K.
#include "shared_data.h"

#include "analysis/activation_stats.h"
#include "analysis/imatrix_io.h"
#include "analysis/predicted_error.h"
#include "analysis/saliency.h"
#include "analysis/weight_stats.h"
#include "core/error.h"
#include "core/feedback.h"
#include "core/text_file.h"
#include "model/gguf_writer.h"
#include "quant/quant_format.h"
#include "synth/synth_model.h"
#include "tokenizer/tokenizer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <tbb/global_control.h>

#include <cmath>
#include <fstream>
#include <map>
#include <random>

using namespace qs;

namespace {

// Per-window partial sums in double merged in window order vs one running double sum: the
// orders differ, so the sums differ by a few ulps of double (~1e-16 relative per add).
constexpr double kDoubleSumRel = 1e-12;
// Gram: each window's XᵀX is a float GEMM over <= 64 rows, so each entry carries ~64 float
// roundings (~64 * 6e-8); relative to the diagonal scale sqrt(Gii Gjj) that stays below 1e-5.
constexpr double kGramRel = 1e-5;
// tr(ΔW H ΔWᵀ) uses a float GEMM of ΔW (entries ~1e-2) with H; 1e-4 relative covers the float
// accumulation over the input dimension (<= 172 terms) with a wide margin.
constexpr double kTraceRel = 1e-4;
// Legacy .dat stores float(sumSq / count * ncall) and reading divides by ncall: two float
// roundings, so 3 ulps (3 * 6e-8) is enough.
constexpr double kDatRel = 2e-7;
constexpr int kSynthSeed = 7;

struct TinyModel {
    QTemporaryDir dir;
    std::shared_ptr<Model> model;
    std::vector<int32_t> tokens;
};

// synth260K: stories260K's shape (dim 64, hidden 172, 5 layers, GQA 8/4) with seeded weights,
// and seeded random tokens.
TinyModel& tinyModel() {
    static TinyModel* t = [] {
        auto* m = new TinyModel;
        const std::string path = m->dir.filePath("synth260K.bin").toStdString();
        writeSynthModel(synthShape("synth260K"), kSynthSeed, SynthFormat::Llama2c, path);
        m->model = loadModel(path);
        std::mt19937 rng(11);
        std::uniform_int_distribution<int32_t> id(3, m->model->hp().vocabSize - 1);
        m->tokens.resize(640);
        for (auto& t : m->tokens) t = id(rng);
        return m;
    }();
    return *t;
}

// Everything the observer sees, summed directly (one running double sum per channel) and, for
// one chosen input, every row kept.
struct DirectSums : ActivationObserver {
    std::map<std::string, std::vector<double>> sumSq, sum, gram;
    std::map<std::string, std::vector<float>> absMax;
    std::map<std::string, int64_t> rows;
    std::string keepName;
    std::vector<float> kept; // rows x cols of keepName
    void observe(int block, Intermediate what, const float* x, int64_t T, int64_t n) override {
        const std::string name = intermediateName(block, what);
        auto& sq = sumSq[name];
        auto& s = sum[name];
        auto& mx = absMax[name];
        auto& g = gram[name];
        if (sq.empty())
            sq.assign(size_t(n), 0), s.assign(size_t(n), 0), mx.assign(size_t(n), 0),
                g.assign(size_t(n * n), 0);
        for (int64_t r = 0; r < T; ++r)
            for (int64_t j = 0; j < n; ++j) {
                const double v = x[r * n + j];
                sq[size_t(j)] += v * v;
                s[size_t(j)] += v;
                mx[size_t(j)] = std::max(mx[size_t(j)], std::fabs(x[r * n + j]));
                for (int64_t k = 0; k < n; ++k) g[size_t(j * n + k)] += v * double(x[r * n + k]);
            }
        rows[name] += T;
        if (name == keepName) kept.insert(kept.end(), x, x + T * n);
    }
};

DirectSums directSums(const Model& m, std::span<const int32_t> tokens, int ctx,
                      PplProtocol protocol, const std::string& keep = {}) {
    PerplexityOptions popt;
    popt.ctx = ctx;
    popt.protocol = protocol;
    const WindowPlan plan = planWindows(int64_t(tokens.size()), popt);
    LlamaForward fwd(m.hp(), m.weights());
    ForwardScratch s;
    DirectSums d;
    d.keepName = keep;
    std::vector<float> x(size_t(ctx * m.hp().dim));
    for (int64_t w = 0; w < plan.windows; ++w) {
        const auto win = plan.windowTokens(tokens, w, m.hp().bosId);
        fwd.embed(win, x.data());
        for (int b = 0; b < m.hp().nLayers; ++b) fwd.block(b, x.data(), ctx, s, &d);
    }
    return d;
}

bool relClose(double a, double b, double rel, double scale = 0) {
    return std::fabs(a - b) <= rel * std::max({std::fabs(a), std::fabs(b), scale}) + 1e-300;
}

std::string writeBytes(const QTemporaryDir& dir, const char* name, const std::string& bytes) {
    const std::string p = dir.filePath(name).toStdString();
    std::ofstream(p, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
    return p;
}

std::string readBytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

} // namespace

class TestAnalysis : public QObject {
    Q_OBJECT
private slots:
    void histogramBins_data();
    void histogramBins();
    void statisticsMatchDirectSums_data();
    void statisticsMatchDirectSums();
    void statisticsAreDeterministic();
    void residualTopHits();
    void gramBudgetIsEnforced();
    void cancellationStops();
    void weightStatistics_data();
    void weightStatistics();
    void predictedErrorMatchesBruteForce_data();
    void predictedErrorMatchesBruteForce();
    void predictedErrorTableUsesFallback();
    void saliencyPoolsMaxima_data();
    void saliencyPoolsMaxima();
    void imatrixRoundTrip_data();
    void imatrixRoundTrip();
    void corruptImatrixRejected_data();
    void corruptImatrixRejected();
    void corruptGgufImatrixRejected();
    void stories260KSanity();
};

void TestAnalysis::histogramBins_data() {
    QTest::addColumn<float>("x");
    QTest::addColumn<int>("bin");
    // Regular bin i holds 2^(-20 + (i-1)/4) <= |x| < 2^(-20 + i/4).
    QTest::newRow("zero") << 0.0f << 0;
    QTest::newRow("tiny") << 1e-7f << 0;
    QTest::newRow("first edge") << 0x1p-20f << 1;
    QTest::newRow("one") << 1.0f << 1 + 20 * 4;
    QTest::newRow("minus one") << -1.0f << 1 + 20 * 4;
    QTest::newRow("1.2 (> 2^0.25)") << 1.2f << 2 + 20 * 4;
    QTest::newRow("1.45 (> 2^0.5)") << 1.45f << 3 + 20 * 4;
    QTest::newRow("1.7 (> 2^0.75)") << 1.7f << 4 + 20 * 4;
    QTest::newRow("6") << 6.0f << 1 + 22 * 4 + 2; // 2^2.585: third quarter of octave 2
    QTest::newRow("just below 4096") << 4095.0f << AbsHistogram::kBins - 2;
    QTest::newRow("4096") << 4096.0f << AbsHistogram::kBins - 1;
    QTest::newRow("inf") << INFINITY << AbsHistogram::kBins - 1;
    QTest::newRow("nan") << NAN << AbsHistogram::kBins - 1;
}

void TestAnalysis::histogramBins() {
    QFETCH(float, x);
    QFETCH(int, bin);
    QCOMPARE(AbsHistogram::binOf(x), bin);
    if (std::isfinite(x) && bin > 0 && bin < AbsHistogram::kBins - 1) {
        QVERIFY(std::fabs(x) >= AbsHistogram::lowerEdge(bin));
        QVERIFY(std::fabs(x) < AbsHistogram::upperEdge(bin));
    }
}

void TestAnalysis::statisticsMatchDirectSums_data() {
    QTest::addColumn<int>("ctx");
    QTest::addColumn<QString>("protocol");
    QTest::addColumn<int>("maxLive");
    QTest::newRow("ctx64 half") << 64 << "half" << 0;
    QTest::newRow("ctx64 full") << 64 << "full" << 0;
    QTest::newRow("ctx32 half, one window in flight") << 32 << "half" << 1;
}

void TestAnalysis::statisticsMatchDirectSums() {
    QFETCH(int, ctx);
    QFETCH(QString, protocol);
    QFETCH(int, maxLive);
    TinyModel& t = tinyModel();
    ActivationStatsOptions opt;
    opt.ctx = ctx;
    opt.protocol = parseProtocol(protocol.toStdString());
    opt.gram = true;
    opt.maxLiveWindows = maxLive;
    const ActivationStats st = collectActivationStats(*t.model, t.tokens, opt);
    const DirectSums d = directSums(*t.model, t.tokens, ctx, opt.protocol);
    const HParams& hp = t.model->hp();
    QCOMPARE(st.windows, int64_t(t.tokens.size()) / ctx);
    QCOMPARE(st.tokens, st.windows * ctx);
    QCOMPARE(int(st.inputs.size()), hp.nLayers * 4);
    QCOMPARE(int(st.byTensor.size()), hp.nLayers * kLinearSlots);
    // q/k/v share one input, gate/up another.
    QCOMPARE(st.forTensor("blk.2.attn_q.weight"), st.forTensor("blk.2.attn_v.weight"));
    QCOMPARE(st.forTensor("blk.2.ffn_gate.weight"), st.forTensor("blk.2.ffn_up.weight"));
    QCOMPARE(st.forTensor("blk.2.ffn_down.weight")->name, std::string("blk.2.ffn_act"));
    for (const LinearInputStats& x : st.inputs) {
        QCOMPARE(x.count, d.rows.at(x.name));
        const auto& sq = d.sumSq.at(x.name);
        const auto& s = d.sum.at(x.name);
        const auto& g = d.gram.at(x.name);
        QCOMPARE(x.histogram.total(), uint64_t(x.count * x.channels));
        for (int64_t j = 0; j < x.channels; ++j) {
            QVERIFY2(relClose(x.sumSq[size_t(j)], sq[size_t(j)], kDoubleSumRel),
                     qPrintable(QString::fromStdString(x.name)));
            QVERIFY(
                relClose(x.sum[size_t(j)], s[size_t(j)], kDoubleSumRel, std::sqrt(sq[size_t(j)])));
            QCOMPARE(x.absMax[size_t(j)], d.absMax.at(x.name)[size_t(j)]);
            for (int64_t k = 0; k < x.channels; ++k) {
                const double scale =
                    std::sqrt(g[size_t(j * x.channels + j)] * g[size_t(k * x.channels + k)]);
                QVERIFY2(relClose(x.gram[size_t(j * x.channels + k)], g[size_t(j * x.channels + k)],
                                  kGramRel, scale),
                         qPrintable(QString::fromStdString(x.name)));
            }
        }
    }
    for (const ResidualStats& r : st.residual) {
        const std::string name = intermediateName(r.block, Intermediate::BlockOutput);
        for (int64_t j = 0; j < r.channels; ++j)
            QCOMPARE(r.absMax[size_t(j)], d.absMax.at(name)[size_t(j)]);
        QCOMPARE(r.histogram.total(), uint64_t(st.tokens * r.channels));
    }
}

void TestAnalysis::statisticsAreDeterministic() {
    TinyModel& t = tinyModel();
    ActivationStatsOptions opt;
    opt.ctx = 32;
    opt.gram = true;
    auto run = [&](size_t threads, int live) {
        tbb::global_control gc(tbb::global_control::max_allowed_parallelism, threads);
        opt.maxLiveWindows = live;
        return collectActivationStats(*t.model, t.tokens, opt);
    };
    const ActivationStats a = run(1, 1), b = run(2, 7);
    for (size_t i = 0; i < a.inputs.size(); ++i) {
        QVERIFY(a.inputs[i].sumSq == b.inputs[i].sumSq); // bit-identical, not just close
        QVERIFY(a.inputs[i].sum == b.inputs[i].sum);
        QVERIFY(a.inputs[i].gram == b.inputs[i].gram);
    }
}

void TestAnalysis::residualTopHits() {
    TinyModel& t = tinyModel();
    ActivationStatsOptions opt;
    opt.ctx = 64;
    opt.topK = 3;
    opt.outlierThreshold = 0.5f; // low enough that the random model has "outliers" to check
    const ActivationStats st = collectActivationStats(*t.model, t.tokens, opt);
    // Recompute the residual of the last block and the largest values of channel 5 by brute force.
    const int block = t.model->hp().nLayers - 1;
    const DirectSums d = directSums(*t.model, t.tokens, 64, PplProtocol::Half,
                                    intermediateName(block, Intermediate::BlockOutput));
    const int64_t dim = t.model->hp().dim;
    for (int64_t channel : {int64_t(0), int64_t(5), dim - 1}) {
        std::vector<std::pair<float, int64_t>> all;
        int64_t above = 0;
        for (int64_t r = 0; r < st.tokens; ++r) {
            const float v = d.kept[size_t(r * dim + channel)];
            all.push_back({std::fabs(v), r});
            above += std::fabs(v) > opt.outlierThreshold;
        }
        std::stable_sort(all.begin(), all.end(),
                         [](auto& a, auto& b) { return a.first > b.first; });
        const ResidualStats& r = st.residual[size_t(block)];
        QCOMPARE(r.countAboveThreshold[size_t(channel)], above);
        QCOMPARE(int(r.top[size_t(channel)].size()), 3);
        for (int k = 0; k < 3; ++k) {
            QCOMPARE(std::fabs(r.top[size_t(channel)][size_t(k)].value), all[size_t(k)].first);
            QCOMPARE(r.top[size_t(channel)][size_t(k)].position, all[size_t(k)].second);
        }
    }
    // Every flagged channel satisfies its criterion; the median is within one bin of the truth.
    for (const ResidualStats& r : st.residual)
        for (const ResidualOutlier& o : r.outliers)
            QVERIFY(o.absMax > opt.outlierThreshold || o.absMax > opt.massiveRatio * r.medianAbs);
}

void TestAnalysis::gramBudgetIsEnforced() {
    TinyModel& t = tinyModel();
    ActivationStatsOptions opt;
    opt.ctx = 64;
    opt.gram = true;
    opt.gramBudgetBytes = gramBytes(t.model->hp()); // no room for a window in flight
    try {
        collectActivationStats(*t.model, t.tokens, opt);
        QFAIL("expected an Error");
    } catch (const Error& e) {
        QVERIFY2(std::string(e.what()).find("Gram matrices need") != std::string::npos, e.what());
    }
}

void TestAnalysis::cancellationStops() {
    TinyModel& t = tinyModel();
    Feedback fb;
    fb.cancel();
    ActivationStatsOptions opt;
    opt.ctx = 64;
    QVERIFY_THROWS_EXCEPTION(Canceled, collectActivationStats(*t.model, t.tokens, opt, &fb));
}

void TestAnalysis::weightStatistics_data() {
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<double>("outlier"); // 0: none; else one element set to this
    QTest::newRow("gaussian 33x17") << 33 << 17 << 0.0;
    QTest::newRow("gaussian 64x64 + outlier") << 64 << 64 << 9.0;
    QTest::newRow("odd count 5x7 + negative outlier") << 5 << 7 << -4.0;
}

void TestAnalysis::weightStatistics() {
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(double, outlier);
    std::mt19937 rng(3);
    std::normal_distribution<float> g(0.1f, 0.5f);
    std::vector<float> w(size_t(rows * cols));
    for (auto& v : w) v = g(rng);
    if (outlier != 0) w[size_t(rows * cols / 2)] = float(outlier);
    const WeightStats s = computeWeightStats({w.data(), rows, cols}, "t");
    const double n = double(w.size());
    double mean = 0;
    for (float v : w) mean += v;
    mean /= n;
    double m2 = 0, m4 = 0, absMax = 0;
    int64_t b3 = 0, b6 = 0;
    for (float v : w)
        m2 += (v - mean) * (v - mean), m4 += std::pow(v - mean, 4),
            absMax = std::max(absMax, double(std::fabs(v)));
    m2 /= n, m4 /= n;
    const double sd = std::sqrt(m2);
    for (float v : w) b3 += std::fabs(v - mean) > 3 * sd, b6 += std::fabs(v - mean) > 6 * sd;
    std::vector<float> a;
    for (float v : w) a.push_back(std::fabs(v));
    std::sort(a.begin(), a.end());
    const double median =
        a.size() % 2 ? a[a.size() / 2] : 0.5 * (double(a[a.size() / 2 - 1]) + a[a.size() / 2]);
    constexpr double kRel = 1e-12; // double accumulation of the same values in the same order
    QVERIFY(relClose(s.mean, mean, kRel, sd));
    QVERIFY(relClose(s.std, sd, kRel));
    QVERIFY(relClose(s.excessKurtosis, m4 / (m2 * m2) - 3, 1e-10, 1.0));
    QCOMPARE(s.absMax, absMax);
    QCOMPARE(s.fracBeyond3Sigma, double(b3) / n);
    QCOMPARE(s.fracBeyond6Sigma, double(b6) / n);
    QCOMPARE(s.medianAbs, median);
    QVERIFY(relClose(s.absMaxToMedian, absMax / median, kRel));
    for (int r = 0; r < rows; ++r) {
        float mx = 0;
        for (int c = 0; c < cols; ++c) mx = std::max(mx, std::fabs(w[size_t(r * cols + c)]));
        QCOMPARE(s.rowAbsMax[size_t(r)], mx);
    }
    for (int c = 0; c < cols; ++c) {
        float mx = 0;
        for (int r = 0; r < rows; ++r) mx = std::max(mx, std::fabs(w[size_t(r * cols + c)]));
        QCOMPARE(s.colAbsMax[size_t(c)], mx);
    }
    QCOMPARE(s.histogram.total(), uint64_t(rows * cols));
}

void TestAnalysis::predictedErrorMatchesBruteForce_data() {
    QTest::addColumn<QString>("tensor");
    QTest::addColumn<QString>("format");
    QTest::newRow("attn_q q4_0") << "blk.1.attn_q.weight"
                                 << "q4_0";
    QTest::newRow("ffn_gate int4_g32_sym") << "blk.3.ffn_gate.weight"
                                           << "int4_g32_sym";
    QTest::newRow("attn_output int3_g32_sym") << "blk.0.attn_output.weight"
                                              << "int3_g32_sym";
    QTest::newRow("ffn_down int3_c_sym (rows of 172)") << "blk.4.ffn_down.weight"
                                                       << "int3_c_sym";
}

void TestAnalysis::predictedErrorMatchesBruteForce() {
    QFETCH(QString, tensor);
    QFETCH(QString, format);
    TinyModel& t = tinyModel();
    const Model& m = *t.model;
    ActivationStatsOptions opt;
    opt.ctx = 64;
    opt.gram = true;
    const ActivationStats st = collectActivationStats(m, t.tokens, opt);
    const LinearInputStats* x = st.forTensor(tensor.toStdString());
    QVERIFY(x);
    const DirectSums d = directSums(m, t.tokens, 64, PplProtocol::Half, x->name);
    const TensorDesc& td = m.desc().tensors[*m.desc().find(tensor.toStdString())];
    const WeightView& w = *m.weights().find(td.role, td.block);
    const QuantFormat& f = quantFormat(format.toStdString());
    const PredictedError e = predictError(w, td.name, *x, f);

    std::vector<float> q(size_t(w.rows * w.cols));
    f.quantizeDequantize(w.data, q.data(), w.rows, w.cols, {});
    const int64_t n = x->count;
    double act = 0, measured = 0, wsq = 0;
    for (int64_t j = 0; j < w.cols; ++j) {
        double ex2 = 0, col = 0;
        for (int64_t r = 0; r < n; ++r)
            ex2 += double(d.kept[size_t(r * w.cols + j)]) * d.kept[size_t(r * w.cols + j)];
        for (int64_t i = 0; i < w.rows; ++i)
            col += std::pow(double(q[size_t(i * w.cols + j)]) - w.data[i * w.cols + j], 2);
        act += ex2 / double(n) * col;
        wsq += col;
    }
    // ‖ΔW Xᵀ‖² / n: the output error actually measured on the calibration rows.
    for (int64_t r = 0; r < n; ++r)
        for (int64_t i = 0; i < w.rows; ++i) {
            double y = 0;
            for (int64_t j = 0; j < w.cols; ++j)
                y += (double(q[size_t(i * w.cols + j)]) - w.data[i * w.cols + j]) *
                     d.kept[size_t(r * w.cols + j)];
            measured += y * y;
        }
    measured /= double(n);
    QVERIFY(wsq > 0);
    QVERIFY2(relClose(e.weightSqError, wsq, 1e-9),
             qPrintable(QString::number(e.weightSqError - wsq)));
    QVERIFY2(relClose(e.activationWeighted, act, 1e-9),
             qPrintable(QString("%1 vs %2").arg(e.activationWeighted).arg(act)));
    QVERIFY2(relClose(e.hessianWeighted, measured, kTraceRel),
             qPrintable(QString("%1 vs %2").arg(e.hessianWeighted).arg(measured)));
    QVERIFY(e.relative > 0 && e.relative < 1);
}

void TestAnalysis::predictedErrorTableUsesFallback() {
    TinyModel& t = tinyModel();
    ActivationStatsOptions opt;
    opt.ctx = 64;
    const ActivationStats st = collectActivationStats(*t.model, t.tokens, opt);
    PredictedErrorOptions popt;
    const auto skipped = predictErrorTable(*t.model, st, {"int3_g32_sym"}, popt);
    QCOMPARE(int(skipped.size()), t.model->hp().nLayers * kLinearSlots);
    for (const PredictedError& e : skipped) {
        const bool down = e.role == TensorRole::FfnDown;
        QCOMPARE(e.skipped.empty(), !down);
        QVERIFY(std::isnan(e.hessianWeighted)); // no Gram collected
    }
    popt.fallbackFormat = "int3_c_sym";
    const auto table = predictErrorTable(*t.model, st, {"int3_g32_sym", "q8_0"}, popt);
    QCOMPARE(table.size(), skipped.size() * 2);
    for (const PredictedError& e : table) {
        QVERIFY(e.skipped.empty());
        if (e.requestedFormat == "int3_g32_sym")
            QCOMPARE(e.usedFallback, e.role == TensorRole::FfnDown);
    }
    // q8_0 is far more accurate than int3: compare layer by layer.
    for (size_t i = 0; i + 1 < table.size(); i += 2)
        if (table[i].role != TensorRole::FfnDown)
            QVERIFY(table[i + 1].activationWeighted < table[i].activationWeighted);
}

void TestAnalysis::saliencyPoolsMaxima_data() {
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("maxRows");
    QTest::addColumn<int>("maxCols");
    QTest::newRow("wanda full size") << int(SaliencyKind::ActivationMagnitude) << 1000 << 1000;
    QTest::newRow("wanda 16x10") << int(SaliencyKind::ActivationMagnitude) << 16 << 10;
    QTest::newRow("hessian diag 7x5") << int(SaliencyKind::HessianDiagError) << 7 << 5;
}

void TestAnalysis::saliencyPoolsMaxima() {
    QFETCH(int, kind);
    QFETCH(int, maxRows);
    QFETCH(int, maxCols);
    TinyModel& t = tinyModel();
    ActivationStatsOptions opt;
    opt.ctx = 64;
    const ActivationStats st = collectActivationStats(*t.model, t.tokens, opt);
    const WeightView& w = t.model->weights().blocks[2].down; // {64, 172}
    const LinearInputStats& x = *st.forTensor("blk.2.ffn_down.weight");
    const QuantFormat& f = quantFormat("int4_c_sym");
    const SaliencyMap m = computeSaliency(w, x, SaliencyKind(kind), &f, maxRows, maxCols);
    QVERIFY(m.rows <= maxRows && m.cols <= maxCols);
    std::vector<float> q(size_t(w.rows * w.cols));
    f.quantizeDequantize(w.data, q.data(), w.rows, w.cols, {});
    std::vector<float> expect(size_t(m.rows * m.cols), 0.0f);
    for (int64_t i = 0; i < w.rows; ++i)
        for (int64_t j = 0; j < w.cols; ++j) {
            const float v = w.data[i * w.cols + j];
            const float s = SaliencyKind(kind) == SaliencyKind::ActivationMagnitude
                                ? std::fabs(v) * float(std::sqrt(x.sumSq[size_t(j)]))
                                : (q[size_t(i * w.cols + j)] - v) *
                                      (q[size_t(i * w.cols + j)] - v) * float(x.meanSq(j));
            float& cell = expect[size_t((i / m.blockRows) * m.cols + j / m.blockCols)];
            cell = std::max(cell, s);
        }
    QVERIFY(m.values == expect);
}

void TestAnalysis::imatrixRoundTrip_data() {
    QTest::addColumn<QString>("file");
    QTest::newRow("gguf") << "im.gguf";
    QTest::newRow("legacy dat") << "im.dat";
}

void TestAnalysis::imatrixRoundTrip() {
    QFETCH(QString, file);
    TinyModel& t = tinyModel();
    ActivationStatsOptions opt;
    opt.ctx = 64;
    ActivationStats st = collectActivationStats(*t.model, t.tokens, opt);
    st.datasets = {"tokens.txt"};
    QTemporaryDir dir;
    const std::string path = dir.filePath(file).toStdString();
    writeImatrix(st, path);
    ImatrixReadOptions ro;
    ro.legacyChunkSize = opt.ctx;
    std::vector<std::string> unmatched;
    ro.model = &t.model->desc();
    ro.unmatched = &unmatched;
    const ActivationStats back = readImatrix(path, ro);
    QVERIFY(unmatched.empty());
    QCOMPARE(back.byTensor.size(), st.byTensor.size());
    QCOMPARE(back.datasets, st.datasets);
    QCOMPARE(back.windows, st.windows);
    QCOMPARE(back.ctx, st.ctx);
    const bool gguf = imatrixFormatForPath(path) == ImatrixFormat::Gguf;
    for (const auto& [name, index] : st.byTensor) {
        const LinearInputStats& a = st.inputs[index];
        const LinearInputStats* b = back.forTensor(name);
        QVERIFY2(b, name.c_str());
        QCOMPARE(b->count, a.count);
        QCOMPARE(b->channels, a.channels);
        for (int64_t j = 0; j < a.channels; ++j) {
            if (gguf) // the file holds float(sumSq): exactly that comes back
                QCOMPARE(b->sumSq[size_t(j)], double(float(a.sumSq[size_t(j)])));
            else
                QVERIFY(relClose(b->meanSq(j), a.meanSq(j), kDatRel));
        }
    }
    // Writing what was read gives the same file, byte for byte.
    const std::string again = dir.filePath("again" + file).toStdString();
    writeImatrix(back, again);
    QCOMPARE(readBytes(again), readBytes(path));
}

void TestAnalysis::corruptImatrixRejected_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("problem");
    // A valid legacy file: one entry "blk.0.attn_q.weight", ncall 2, 3 values, chunk trailer.
    auto dat = [](int32_t n, int32_t len, const std::string& name, int32_t ncall, int32_t nval,
                  std::vector<float> vals, bool trailer) {
        std::string s;
        auto put = [&](auto v) { s.append(reinterpret_cast<const char*>(&v), sizeof(v)); };
        put(n), put(len), s += name, put(ncall), put(nval);
        for (float v : vals) put(v);
        if (trailer) put(int32_t(2)), put(int32_t(4)), s += "data";
        return QByteArray::fromStdString(s);
    };
    const std::string name = "blk.0.attn_q.weight";
    const int32_t len = int32_t(name.size());
    const QByteArray good = dat(1, len, name, 2, 3, {1, 2, 3}, true);
    for (int cut : {2, 6, 10, 20, 27, 33, int(good.size()) - 3})
        QTest::addRow("dat truncated at %d", cut) << good.left(cut) << "truncated";
    QTest::newRow("dat entry count 0") << dat(0, len, name, 2, 3, {1, 2, 3}, true) << "entry count";
    QTest::newRow("dat entry count huge")
        << dat(1 << 30, len, name, 2, 3, {1, 2, 3}, true) << "entries need";
    QTest::newRow("dat negative name length")
        << dat(1, -5, name, 2, 3, {1, 2, 3}, true) << "name length";
    QTest::newRow("dat zero values") << dat(1, len, name, 2, 0, {}, false) << "value count";
    QTest::newRow("dat negative ncall") << dat(1, len, name, -1, 3, {1, 2, 3}, false) << "ncall";
    QTest::newRow("dat NaN value") << dat(1, len, name, 2, 3, {1, NAN, 3}, false) << "finite";
    QTest::newRow("dat negative value") << dat(1, len, name, 2, 3, {1, -2, 3}, false) << "finite";
    QTest::newRow("gguf magic only") << QByteArray("GGUF\x03\0\0\0", 8) << "";
    QTest::newRow("gguf truncated header") << QByteArray("GGUF\x03\0\0\0\x01\0\0\0", 12) << "";
}

void TestAnalysis::corruptImatrixRejected() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, problem);
    QTemporaryDir dir;
    const std::string path = writeBytes(dir, "bad.imatrix", bytes.toStdString());
    try {
        readImatrix(path);
        QFAIL("expected a FileError");
    } catch (const FileError& e) {
        QVERIFY2(std::string(e.what()).find(path) != std::string::npos, e.what());
        QVERIFY2(e.problem().find(problem.toStdString()) != std::string::npos, e.what());
    }
}

void TestAnalysis::corruptGgufImatrixRejected() {
    QTemporaryDir dir;
    const std::vector<float> sums = {1, 2, 3}, one = {64}, nan = {NAN, 1, 1};
    struct Case {
        const char* what;
        const char* type;
        bool withSums, withCounts;
        std::vector<float> values;
        const char* problem;
    };
    const Case cases[] = {{"counts missing", "imatrix", true, false, sums, ".counts is missing"},
                          {"sums missing", "imatrix", false, true, sums, ".in_sum2 is missing"},
                          {"a model, not an imatrix", "model", true, true, sums, "general.type"},
                          {"NaN sum", "imatrix", true, true, nan, "finite"}};
    for (const Case& c : cases) {
        GgufWriter w;
        w.setKv("general.type", GgufValue::string(c.type));
        if (c.withSums) w.addTensor("blk.0.attn_q.weight.in_sum2", {3}, DType::F32, c.values);
        if (c.withCounts) w.addTensor("blk.0.attn_q.weight.counts", {1}, DType::F32, one);
        const std::string path = dir.filePath(QString(c.what) + ".gguf").toStdString();
        w.write(path);
        try {
            readImatrix(path);
            QFAIL(c.what);
        } catch (const FileError& e) {
            QVERIFY2(std::string(e.what()).find(c.problem) != std::string::npos, e.what());
        }
    }
}

void TestAnalysis::stories260KSanity() {
    QS_REQUIRE_SHARED("models/stories260K/model.bin");
    QS_REQUIRE_SHARED("data/tinystories/valid.txt");
    auto model = loadModel(test::sharedPath("models/stories260K/model.bin"));
    const auto tokens = model->tokenizer()->encode(
        readTextFile(test::sharedPath("data/tinystories/valid.txt"), 30000), true);
    ActivationStatsOptions opt;
    opt.ctx = 256;
    const ActivationStats st = collectActivationStats(*model, tokens, opt);
    QCOMPARE(st.windows, int64_t(tokens.size()) / 256);
    QCOMPARE(st.tokens, st.windows * 256); // every position of every window is an input row
    QCOMPARE(int(st.byTensor.size()), 5 * kLinearSlots);
    for (const LinearInputStats& x : st.inputs) {
        QCOMPARE(x.count, st.tokens);
        for (int64_t j = 0; j < x.channels; ++j) {
            QVERIFY(x.sumSq[size_t(j)] > 0 && std::isfinite(x.sumSq[size_t(j)]));
            // E[x]^2 <= E[x^2] and |mean| <= absMax
            QVERIFY(x.mean(j) * x.mean(j) <= x.meanSq(j) * (1 + 1e-12));
            QVERIFY(std::fabs(x.mean(j)) <= x.absMax[size_t(j)]);
            QVERIFY(x.meanSq(j) <= double(x.absMax[size_t(j)]) * x.absMax[size_t(j)] * (1 + 1e-12));
        }
        // The normed inputs of q/k/v and gate/up are O(1); the histogram median sits in range.
        const double median = x.histogram.quantile(0.5);
        QVERIFY(median > 1e-4 && median < 10);
    }
    // The residual grows through the blocks of a trained model.
    QVERIFY(st.residual.back().medianAbs > st.residual.front().medianAbs * 0.5);
    const auto ws = computeAllWeightStats(*model);
    QCOMPARE(int(ws.size()), 5 * kLinearSlots + 1); // + the tied embedding
    for (const WeightStats& w : ws) QVERIFY(w.std > 0 && w.absMax >= w.medianAbs);
}

QTEST_GUILESS_MAIN(TestAnalysis)
#include "tst_analysis.moc"
