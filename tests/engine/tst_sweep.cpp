// The measured sensitivity sweep on stories260K: each cell equals a direct evaluation of its
// single-layer configuration, finished cells are never evaluated again, a canceled sweep
// resumes to the same table, misfit shapes are skipped with their reason; Spearman's ρ against
// hand-computed values (ties included) and the additivity check.
#include "shared_data.h"

#include "analysis/rank_correlation.h"
#include "analysis/sensitivity_sweep.h"
#include "core/error.h"
#include "core/feedback.h"
#include "core/text_file.h"
#include "eval/incremental_evaluator.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

#include <QtTest>

#include <cmath>

using namespace qs;

namespace {

// A sweep cell is an ordinary evaluation restarted from cached block inputs, which are exact
// fp32 copies: it agrees with a fresh evaluator to the rounding of the aggregation.
constexpr double kRelTolerance = 1e-6;

std::shared_ptr<Model> g_model;
std::vector<int32_t> g_tokens;

EvalSetup smallSetup() {
    EvalSetup s;
    s.windows.ctx = 128;
    s.windows.protocol = PplProtocol::Half;
    s.seed = 5;
    return s;
}

std::unique_ptr<IncrementalEvaluator> freshEvaluator() {
    auto ev = std::make_unique<IncrementalEvaluator>(g_model, g_tokens, smallSetup());
    ev->buildReference();
    return ev;
}

bool close(double a, double b) {
    return std::abs(a - b) <= kRelTolerance * std::max(1e-12, std::abs(b));
}

void compareCells(const SweepCell& a, const SweepCell& b) {
    QCOMPARE(a.status, b.status);
    QCOMPARE(a.note, b.note);
    QVERIFY2(close(a.klMean, b.klMean), qPrintable(QString("%1: %2 vs %3")
                                                       .arg(QString::fromStdString(a.part))
                                                       .arg(a.klMean)
                                                       .arg(b.klMean)));
    QVERIFY(close(a.deltaPpl, b.deltaPpl));
    QVERIFY(close(a.top1Agreement, b.top1Agreement));
    QVERIFY(close(a.klStdError, b.klStdError));
    QCOMPARE(a.bitsPerWeight, b.bitsPerWeight);
}

void compareTables(const SweepResult& a, const SweepResult& b) {
    QCOMPARE(a.parts, b.parts);
    QCOMPARE(a.formats, b.formats);
    QCOMPARE(a.cells.size(), b.cells.size());
    for (const SweepCell& c : a.cells) {
        const SweepCell* d = b.find(c.part, c.format);
        QVERIFY(d);
        compareCells(c, *d);
    }
}

} // namespace

class TestSweep : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void partsOfTheModel();
    void cellsEqualDirectEvaluation();
    void misfitShapesAreSkippedOrFallBack();
    void resumeSkipsFinishedCells();
    void cancelThenResumeGivesTheSameTable();
    void cancelInsideACell();
    void mismatchedSetupIsRefused();
    void blockSweep();
    void averageRanksWithTies();
    void spearmanHandComputed_data();
    void spearmanHandComputed();
    void correlationByFormat();
    void additivity();
};

void TestSweep::initTestCase() {
    QS_REQUIRE_SHARED("models/stories260K/model.bin");
    g_model = loadModel(test::sharedPath("models/stories260K/model.bin"));
    g_tokens = g_model->tokenizer()->encode(
        readTextFile(test::sharedPath("data/tinystories/valid.txt"), 8000), true);
}

void TestSweep::partsOfTheModel() {
    const auto layers = SensitivitySweep::parts(g_model->desc(), SweepUnit::Layer);
    QCOMPARE(layers.size(), size_t(5 * 7));
    QCOMPARE(layers.front(), std::string("blk.0.attn_q.weight"));
    QVERIFY(std::find(layers.begin(), layers.end(), "blk.4.ffn_down.weight") != layers.end());
    const auto blocks = SensitivitySweep::parts(g_model->desc(), SweepUnit::Block);
    QCOMPARE(blocks, (std::vector<std::string>{"blk.0", "blk.1", "blk.2", "blk.3", "blk.4"}));
}

void TestSweep::cellsEqualDirectEvaluation() {
    auto ev = freshEvaluator();
    SensitivitySweep sweep(*ev, g_model->desc(),
                           {SweepUnit::Layer, {"q4_0", "int3_g32_sym"}, "int3_c_sym"});
    SweepResult result;
    const SweepRunStats stats = sweep.run(result);
    QCOMPARE(stats.cellsTotal, int64_t(70));
    QCOMPARE(stats.evaluated, int64_t(70));
    QVERIFY(stats.flops < stats.scratchFlops);
    QVERIFY(stats.blocksRun < stats.scratchBlocksRun);
    for (const char* part : {"blk.0.attn_q.weight", "blk.2.ffn_gate.weight",
                             "blk.4.attn_output.weight", "blk.3.ffn_down.weight"})
        for (const char* format : {"q4_0", "int3_g32_sym"}) {
            const SweepCell* c = result.find(part, format);
            QVERIFY(c);
            QCOMPARE(c->status, SweepCellStatus::Done);
            QCOMPARE(c->startBlock, c->block); // restarted at its own block
            auto direct = freshEvaluator();
            const EvalResult r = direct->evaluate(
                SensitivitySweep::cellConfig(part, format, SweepUnit::Layer, "int3_c_sym"));
            QVERIFY(close(c->klMean, r.metrics.klMean));
            QVERIFY(close(c->deltaPpl, r.metrics.deltaPpl));
            QVERIFY(close(c->top1Agreement, r.metrics.top1Agreement));
            QVERIFY(close(c->lnPplRatioStdError, r.metrics.lnPplRatioStdError));
            QVERIFY(c->klMean > 0);
        }
}

void TestSweep::misfitShapesAreSkippedOrFallBack() {
    auto ev = freshEvaluator();
    SweepResult skipped;
    SensitivitySweep(*ev, g_model->desc(), {SweepUnit::Layer, {"q4_0"}, ""}).run(skipped);
    const SweepCell* c = skipped.find("blk.1.ffn_down.weight", "q4_0");
    QVERIFY(c);
    QCOMPARE(c->status, SweepCellStatus::Skipped);
    QVERIFY2(QString::fromStdString(c->note).contains("172"), c->note.c_str());
    QCOMPARE(skipped.column("q4_0").size(), size_t(30)); // ffn_down of 5 blocks left out

    SweepResult fallback;
    SensitivitySweep(*ev, g_model->desc(), {SweepUnit::Layer, {"q4_0"}, "int4_c_sym"})
        .run(fallback);
    const SweepCell* f = fallback.find("blk.1.ffn_down.weight", "q4_0");
    QCOMPARE(f->status, SweepCellStatus::Done);
    QVERIFY2(QString::fromStdString(f->note).contains("fallback int4_c_sym"), f->note.c_str());
    QVERIFY(f->klMean > 0);
    QCOMPARE(fallback.find("blk.1.attn_q.weight", "q4_0")->note, std::string());
}

void TestSweep::resumeSkipsFinishedCells() {
    auto ev = freshEvaluator();
    SweepResult result;
    int evaluations = 0;
    auto count = [&](const SweepCell& c) { evaluations += c.status == SweepCellStatus::Done; };
    SensitivitySweep first(*ev, g_model->desc(), {SweepUnit::Layer, {"q8_0"}, "f16"});
    first.run(result, nullptr, count);
    QCOMPARE(evaluations, 35);
    const SweepResult before = result;

    evaluations = 0;
    const SweepRunStats again = first.run(result, nullptr, count);
    QCOMPARE(evaluations, 0);
    QCOMPARE(again.evaluated, int64_t(0));
    QCOMPARE(again.alreadyDone, int64_t(35));
    QVERIFY(result == before);

    SensitivitySweep wider(*ev, g_model->desc(), {SweepUnit::Layer, {"q8_0", "q4_0"}, "f16"});
    const SweepRunStats more = wider.run(result, nullptr, count);
    QCOMPARE(evaluations, 35); // only the new format
    QCOMPARE(more.alreadyDone, int64_t(35));
    QCOMPARE(result.formats, (std::vector<std::string>{"q8_0", "q4_0"}));
    QCOMPARE(result.column("q4_0").size(), size_t(35));
}

void TestSweep::cancelThenResumeGivesTheSameTable() {
    const SweepOptions opt{SweepUnit::Layer, {"q4_0", "int3_g32_sym"}, "int3_c_sym"};
    SweepResult whole;
    {
        auto ev = freshEvaluator();
        SensitivitySweep(*ev, g_model->desc(), opt).run(whole);
    }
    auto ev = freshEvaluator();
    SensitivitySweep sweep(*ev, g_model->desc(), opt);
    SweepResult partial;
    Feedback fb;
    int cells = 0;
    QVERIFY_THROWS_EXCEPTION(Canceled, sweep.run(partial, &fb, [&](const SweepCell&) {
        if (++cells == 23) fb.cancel(); // between two cells
    }));
    QCOMPARE(partial.cells.size(), size_t(23));
    Feedback fb2;
    std::vector<std::string> stages;
    fb2.setProgressCallback([&](double, const std::string& s) { stages.push_back(s); },
                            std::chrono::milliseconds(0));
    const SweepRunStats rest = sweep.run(partial, &fb2);
    QCOMPARE(rest.alreadyDone, int64_t(23));
    QCOMPARE(rest.evaluated, int64_t(70 - 23));
    QVERIFY(std::find(stages.begin(), stages.end(), "blk.4.ffn_up @ int3_g32_sym") != stages.end());
    QCOMPARE(fb2.progress(), 1.0);
    compareTables(partial, whole);
}

void TestSweep::cancelInsideACell() {
    auto ev = freshEvaluator();
    SensitivitySweep sweep(*ev, g_model->desc(), {SweepUnit::Layer, {"q4_0"}, "f16"});
    SweepResult result;
    Feedback fb;
    fb.setProgressCallback(
        [&](double, const std::string& stage) {
            if (stage == "blk.2.attn_v @ q4_0") fb.cancel();
        },
        std::chrono::milliseconds(0));
    QVERIFY_THROWS_EXCEPTION(Canceled, sweep.run(result, &fb));
    QVERIFY(result.find("blk.2.attn_k.weight", "q4_0"));
    QVERIFY(!result.find("blk.2.attn_v.weight", "q4_0")); // the interrupted cell is not kept
    sweep.run(result);
    SweepResult whole;
    SensitivitySweep(*freshEvaluator(), g_model->desc(), {SweepUnit::Layer, {"q4_0"}, "f16"})
        .run(whole);
    compareTables(result, whole);
}

void TestSweep::mismatchedSetupIsRefused() {
    auto ev = freshEvaluator();
    SweepResult result;
    SensitivitySweep(*ev, g_model->desc(), {SweepUnit::Layer, {"q8_0"}, "f16"}).run(result);
    EvalSetup other = smallSetup();
    other.windows.ctx = 64;
    IncrementalEvaluator ev2(g_model, g_tokens, other);
    ev2.buildReference();
    QVERIFY_THROWS_EXCEPTION(
        Error,
        SensitivitySweep(ev2, g_model->desc(), {SweepUnit::Layer, {"q8_0"}, "f16"}).run(result));
    QVERIFY_THROWS_EXCEPTION(
        Error,
        SensitivitySweep(*ev, g_model->desc(), {SweepUnit::Block, {"q8_0"}, "f16"}).run(result));
    QVERIFY_THROWS_EXCEPTION(
        Error, SensitivitySweep(*ev, g_model->desc(), {SweepUnit::Layer, {"q9_9"}, ""}));
}

void TestSweep::blockSweep() {
    auto ev = freshEvaluator();
    SweepResult result;
    SensitivitySweep(*ev, g_model->desc(), {SweepUnit::Block, {"q4_0"}, "f16"}).run(result);
    QCOMPARE(result.cells.size(), size_t(5));
    const SweepCell* c = result.find("blk.2", "q4_0");
    QVERIFY(c && c->status == SweepCellStatus::Done);
    QVERIFY(QString::fromStdString(c->note).contains("blk.2.ffn_down.weight uses fallback f16"));
    QuantConfig cfg;
    cfg.setBlockFormat(2, "q4_0");
    cfg.fallbackFormat = "f16";
    const EvalResult r = freshEvaluator()->evaluate(cfg);
    QVERIFY(close(c->klMean, r.metrics.klMean));
    QVERIFY(c->bitsPerWeight > 4.5 && c->bitsPerWeight < 16);
}

void TestSweep::averageRanksWithTies() {
    const std::vector<double> v = {10, 20, 10, 30, 20, 10};
    QCOMPARE(averageRanks(v), (std::vector<double>{2, 4.5, 2, 6, 4.5, 2}));
    QCOMPARE(averageRanks(std::vector<double>{}), std::vector<double>{});
}

void TestSweep::spearmanHandComputed_data() {
    QTest::addColumn<std::vector<double>>("a");
    QTest::addColumn<std::vector<double>>("b");
    QTest::addColumn<double>("rho");
    QTest::newRow("identical order")
        << std::vector<double>{1, 2, 3, 4} << std::vector<double>{10, 20, 35, 100} << 1.0;
    QTest::newRow("reversed") << std::vector<double>{1, 2, 3, 4} << std::vector<double>{4, 3, 2, 1}
                              << -1.0;
    // Ranks of b: 1, 2, 3.5, 5, 3.5; Σdadb = 8, Σda² = 10, Σdb² = 9.5.
    QTest::newRow("tie in b") << std::vector<double>{1, 2, 3, 4, 5}
                              << std::vector<double>{5, 6, 7, 8, 7} << 8.0 / std::sqrt(95.0);
    // Ranks 1.5,1.5,3.5,3.5 vs 1.5,3.5,1.5,3.5: uncorrelated.
    QTest::newRow("ties on both sides")
        << std::vector<double>{1, 1, 2, 2} << std::vector<double>{1, 2, 1, 2} << 0.0;
    // IQ vs hours of TV (Wikipedia's worked example): Σd² = 194, ρ = 1 − 6·194/(10·99) = −29/165.
    QTest::newRow("worked example")
        << std::vector<double>{106, 86, 100, 101, 99, 103, 97, 113, 112, 110}
        << std::vector<double>{7, 0, 27, 50, 28, 29, 20, 12, 6, 17} << -29.0 / 165.0;
}

void TestSweep::spearmanHandComputed() {
    QFETCH(std::vector<double>, a);
    QFETCH(std::vector<double>, b);
    QFETCH(double, rho);
    QVERIFY2(std::abs(spearman(a, b) - rho) < 1e-12,
             qPrintable(QString::number(spearman(a, b), 'g', 15)));
    QVERIFY(std::abs(spearman(b, a) - rho) < 1e-12);
}

void TestSweep::correlationByFormat() {
    QVERIFY(std::isnan(spearman(std::vector<double>{1, 1, 1}, std::vector<double>{1, 2, 3})));
    QVERIFY(std::isnan(spearman(std::vector<double>{1}, std::vector<double>{2})));
    QVERIFY_THROWS_EXCEPTION(Error, spearman(std::vector<double>{1, 2}, std::vector<double>{1}));

    auto ev = freshEvaluator();
    SweepResult result;
    SensitivitySweep(*ev, g_model->desc(), {SweepUnit::Layer, {"q4_0"}, ""}).run(result);
    PredictedErrors exact, reversed;
    for (const SweepCell* c : result.column("q4_0")) {
        exact["q4_0"][c->part] = c->klMean * 3 + 1; // any increasing transform
        reversed["q4_0"][c->part] = -c->klMean;
    }
    auto r = rankCorrelationByFormat(result, exact);
    QCOMPARE(r.size(), size_t(1));
    QCOMPARE(r[0].n, int64_t(30)); // the skipped ffn_down cells are not counted
    QVERIFY(std::abs(r[0].rho - 1.0) < 1e-12);
    QVERIFY(std::abs(rankCorrelationByFormat(result, reversed)[0].rho + 1.0) < 1e-12);
    QVERIFY(rankCorrelationByFormat(result, {{"q8_0", {}}}).empty());
}

void TestSweep::additivity() {
    auto ev = freshEvaluator();
    SweepResult result;
    SensitivitySweep(*ev, g_model->desc(), {SweepUnit::Layer, {"q4_0", "int3_g32_sym"}, ""})
        .run(result);
    QuantConfig cfg;
    cfg.setTensorFormat("blk.0.attn_q.weight", "q4_0");
    cfg.setTensorFormat("blk.3.ffn_up.weight", "int3_g32_sym");
    cfg.setTensorFormat("blk.4.attn_v.weight", "int3_g32_sym");
    const AdditivityCheck a = checkAdditivity(*ev, g_model->desc(), result, cfg);
    QCOMPARE(a.parts, 3);
    QVERIFY(a.missing.empty());
    const double sum = result.find("blk.0.attn_q.weight", "q4_0")->klMean +
                       result.find("blk.3.ffn_up.weight", "int3_g32_sym")->klMean +
                       result.find("blk.4.attn_v.weight", "int3_g32_sym")->klMean;
    QCOMPARE(a.sumOfSingleKld, sum);
    QVERIFY(close(a.measuredKld, freshEvaluator()->evaluate(cfg).metrics.klMean));
    QVERIFY(a.ratio() > 0.3 && a.ratio() < 3); // roughly additive at this size of damage
    cfg.embeddingFormat = "q8_0";
    cfg.setTensorFormat("blk.1.ffn_down.weight", "f16"); // not swept at f16
    const AdditivityCheck b = checkAdditivity(*ev, g_model->desc(), result, cfg);
    QCOMPARE(b.parts, 3);
    QCOMPARE(b.missing.size(), size_t(2));
}

QTEST_GUILESS_MAIN(TestSweep)
#include "tst_sweep.moc"
