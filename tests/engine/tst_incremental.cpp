// The incremental evaluator: restarting from cached block inputs gives the from-scratch result,
// partial results converge to the exact one, cancellation leaves no mixed caches, and the
// scheduler never delivers a superseded configuration.
#include "shared_data.h"

#include "core/error.h"
#include "core/feedback.h"
#include "core/text_file.h"
#include "eval/eval_scheduler.h"
#include "eval/incremental_evaluator.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

#include <QtTest>

#include <atomic>
#include <cmath>

using namespace qs;

namespace {

// The restart reads fp32 copies of exactly the values a from-scratch pass computes, and every
// kernel is deterministic for a given shape, so the two agree to rounding of the aggregation.
constexpr double kIncrementalRelTolerance = 1e-6;

std::shared_ptr<Model> g_model;
std::vector<int32_t> g_tokens;

EvalSetup smallSetup() {
    EvalSetup s;
    s.windows.ctx = 128;
    s.windows.protocol = PplProtocol::Full;
    s.seed = 3;
    return s;
}

QuantConfig lastBlockChanged() {
    QuantConfig c = QuantConfig::uniform("bf16");
    c.setBlockFormat(4, "f16");
    return c;
}

bool close(double a, double b) {
    return std::abs(a - b) <= kIncrementalRelTolerance * std::max(1e-12, std::abs(b));
}

void compareMetrics(const Metrics& a, const Metrics& b) {
    QVERIFY2(close(a.meanNll, b.meanNll),
             qPrintable(QString("%1 vs %2").arg(a.meanNll, 0, 'g', 12).arg(b.meanNll, 0, 'g', 12)));
    QVERIFY(close(a.klMean, b.klMean));
    QVERIFY(close(a.kl.p99, b.kl.p99));
    QVERIFY(close(a.top1Agreement, b.top1Agreement));
    QVERIFY(close(a.calibration.ece, b.calibration.ece));
    QVERIFY(close(a.deltaPRms, b.deltaPRms));
}

} // namespace

class TestIncremental : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void referenceMatchesPerplexity();
    void fullPrecisionConfigHasNoDistortion();
    void incrementalEqualsFromScratch_data();
    void incrementalEqualsFromScratch();
    void partialResultsConverge();
    void cancellationLeavesConsistentCaches();
    void schedulerDeliversOnlyTheNewest();
    void budgetTooSmallIsRefused();
    void invalidConfigIsAnError();
};

void TestIncremental::initTestCase() {
    QS_REQUIRE_SHARED("models/stories260K/model.bin");
    g_model = loadModel(test::sharedPath("models/stories260K/model.bin"));
    g_tokens = g_model->tokenizer()->encode(
        readTextFile(test::sharedPath("data/tinystories/valid.txt"), 12000), true);
}

void TestIncremental::referenceMatchesPerplexity() {
    IncrementalEvaluator ev(g_model, g_tokens, smallSetup());
    ev.buildReference();
    const auto ppl = evaluatePerplexity(*g_model, g_tokens, smallSetup().windows);
    QVERIFY(std::abs(ev.referenceResult().metrics.meanNll - ppl.meanNll) <
            1e-9 * ppl.meanNll + 1e-7);
    QCOMPARE(ev.referenceResult().metrics.tokens, ppl.scoredTokens);
    QVERIFY(ev.memoryPlan().referenceTopK == 512); // small vocabulary: stored exactly
}

void TestIncremental::fullPrecisionConfigHasNoDistortion() {
    IncrementalEvaluator ev(g_model, g_tokens, smallSetup());
    ev.buildReference();
    const EvalResult r = ev.evaluate(QuantConfig::uniform("f32"));
    QCOMPARE(r.metrics.top1Agreement, 1.0);
    // The evaluated side normalises with fp32 lane sums (one exp pass for all temperatures),
    // the reference with a separate log-sum-exp: they differ by ~vocab x fp32 epsilon.
    constexpr double kSameModelNoise = 1e-6;
    qInfo("f32 vs reference: KL %.3g, ln PPL ratio %.3g", r.metrics.klMean, r.metrics.lnPplRatio);
    QVERIFY(r.metrics.klMean < kSameModelNoise);
    QVERIFY(std::abs(r.metrics.lnPplRatio) < kSameModelNoise);
    QCOMPARE(r.averageBitsPerWeight, 32.0);
    const EvalResult q = ev.evaluate(QuantConfig::uniform("bf16"));
    QVERIFY(q.metrics.klMean > 0); // a real change is measured
    QCOMPARE(q.averageBitsPerWeight, 16.0);
}

void TestIncremental::incrementalEqualsFromScratch_data() {
    QTest::addColumn<bool>("keepFpCache");
    QTest::newRow("with full-precision cache") << true;
    QTest::newRow("work cache only") << false;
}

void TestIncremental::incrementalEqualsFromScratch() {
    QFETCH(bool, keepFpCache);
    EvalSetup setup = smallSetup();
    if (!keepFpCache) { // a budget that fits one cache but not both
        IncrementalEvaluator probe(g_model, g_tokens, setup);
        const MemoryPlan p = probe.memoryPlan();
        setup.memoryBudgetBytes = p.total() - p.fullPrecisionCacheBytes / 2;
        setup.weightCacheBytes = p.weightCacheBytes;
    }
    IncrementalEvaluator inc(g_model, g_tokens, setup);
    QCOMPARE(inc.memoryPlan().keepFullPrecisionCache, keepFpCache);
    inc.buildReference();
    inc.evaluate(QuantConfig::uniform("bf16"));
    const EvalResult incremental = inc.evaluate(lastBlockChanged());
    QCOMPARE(incremental.startBlock, 4); // only the last block and the head were recomputed

    IncrementalEvaluator scratch(g_model, g_tokens, setup);
    scratch.buildReference();
    const EvalResult fresh = scratch.evaluate(lastBlockChanged());
    compareMetrics(incremental.metrics, fresh.metrics);

    // Back to an earlier configuration: the stored per-window cache is rebuilt from block 4.
    const EvalResult back = inc.evaluate(QuantConfig::uniform("bf16"));
    const EvalResult backFresh = scratch.evaluate(QuantConfig::uniform("bf16"));
    compareMetrics(back.metrics, backFresh.metrics);
}

void TestIncremental::partialResultsConverge() {
    IncrementalEvaluator ev(g_model, g_tokens, smallSetup());
    ev.buildReference();
    std::vector<EvalResult> partials;
    const EvalResult final = ev.evaluate(QuantConfig::uniform("bf16"), nullptr,
                                         [&](const EvalResult& r) { partials.push_back(r); });
    QVERIFY(partials.size() >= 3);
    QCOMPARE(partials.front().windowsDone, int64_t(1));
    for (size_t i = 1; i < partials.size(); ++i)
        QVERIFY(partials[i].windowsDone > partials[i - 1].windowsDone);
    QVERIFY(partials.back().exact());
    QVERIFY(final.exact());
    QCOMPARE(partials.back().metrics.meanNll, final.metrics.meanNll);
    QVERIFY(!final.tokens.empty());
    QVERIFY(partials.front().tokens.empty()); // per-token arrays only with the exact result
    // The first estimate's CI is wider than the final one.
    QVERIFY(partials.front().metrics.nllStdError > final.metrics.nllStdError);
}

void TestIncremental::cancellationLeavesConsistentCaches() {
    IncrementalEvaluator ev(g_model, g_tokens, smallSetup());
    ev.buildReference();
    ev.evaluate(QuantConfig::uniform("bf16"));
    Feedback fb;
    int calls = 0;
    QVERIFY_THROWS_EXCEPTION(Canceled, ev.evaluate(lastBlockChanged(), &fb, [&](const EvalResult&) {
        if (++calls == 2) fb.cancel();
    }));
    // Some windows hold the new configuration, others the old one: each must still be exact.
    const EvalResult r = ev.evaluate(lastBlockChanged());
    IncrementalEvaluator fresh(g_model, g_tokens, smallSetup());
    fresh.buildReference();
    compareMetrics(r.metrics, fresh.evaluate(lastBlockChanged()).metrics);
}

void TestIncremental::schedulerDeliversOnlyTheNewest() {
    auto ev = std::make_shared<IncrementalEvaluator>(g_model, g_tokens, smallSetup());
    EvaluationScheduler sched(ev);
    std::mutex m;
    std::vector<EvaluationScheduler::Update> updates;
    std::atomic<uint64_t> newestSubmitted{0};
    std::atomic<bool> staleSeen{false};
    sched.setListeners(
        [&](const EvaluationScheduler::Update& u) {
            if (u.generation < newestSubmitted) staleSeen = true;
            std::lock_guard lock(m);
            updates.push_back(u);
        },
        [](uint64_t, const std::string&) {});
    for (const char* f : {"bf16", "f16", "bf16"}) {
        QuantConfig c = QuantConfig::uniform(f);
        c.setBlockFormat(2, "f32");
        newestSubmitted = sched.submit(c);
    }
    const uint64_t last = sched.submit(lastBlockChanged());
    newestSubmitted = last;
    sched.waitIdle();
    QVERIFY(!staleSeen);
    QVERIFY(!updates.empty());
    QCOMPARE(updates.back().generation, last);
    QVERIFY(updates.back().final);
    QVERIFY(updates.back().result.exact());
}

void TestIncremental::budgetTooSmallIsRefused() {
    EvalSetup s = smallSetup();
    s.memoryBudgetBytes = 1 << 20;
    try {
        IncrementalEvaluator ev(g_model, g_tokens, s);
        QFAIL("expected Error");
    } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains("MiB"), e.what());
    }
}

void TestIncremental::invalidConfigIsAnError() {
    IncrementalEvaluator ev(g_model, g_tokens, smallSetup());
    ev.buildReference();
    QuantConfig c = QuantConfig::uniform("no_such_format");
    QVERIFY_THROWS_EXCEPTION(Error, ev.evaluate(c));
    QuantConfig o;
    o.setTensorFormat("blk.99.attn_q.weight", "f16");
    QVERIFY_THROWS_EXCEPTION(Error, ev.evaluate(o));
}

QTEST_GUILESS_MAIN(TestIncremental)
#include "tst_incremental.moc"
