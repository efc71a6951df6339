// Analysis views and their adapters: series built from hand-made evaluation results (KLD bins,
// reliability bins, top-KLD order, Pareto frontier), clicks that request configurations, the
// generation preview on stories260K, and views that get no data at all.

#include "charts/chart_style.h"
#include "charts/eval_token_context.h"
#include "charts/generation_preview.h"
#include "charts/logit_distortion_view.h"
#include "charts/pareto_view.h"

#include "eval/incremental_evaluator.h"
#include "eval/perplexity.h"
#include "memory_limit.h"
#include "model/model.h"
#include "shared_data.h"
#include "tokenizer/tokenizer.h"

#include <QChart>
#include <QChartView>
#include <QLineSeries>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QXYSeries>

#include <cmath>

namespace {

const char* const kModel = "models/stories260K/model.bin";
constexpr int kTimeoutMs = 120000;

qs::TokenStats token(float kl, float conf = 0.5f, bool correct = false, float confRef = 0.5f,
                     bool correctRef = false) {
    qs::TokenStats t;
    t.kl = kl;
    t.nll = 1.0f + kl;
    t.nllRef = 1.0f;
    t.confidence = conf;
    t.confidenceRef = confRef;
    t.correct = correct;
    t.correctRef = correctRef;
    t.pCorrect = t.pCorrectRef = 0.3f;
    t.entropy = 1.0f + kl;
    t.entropyRef = 1.0f;
    t.top1Agree = kl < 0.1f;
    t.nllAtT.fill(1.0f);
    t.confidenceAtT.fill(conf);
    return t;
}

std::shared_ptr<qs::EvalResult> resultOf(std::vector<qs::TokenStats> tokens) {
    auto r = std::make_shared<qs::EvalResult>();
    r->windowsDone = r->windowsTotal = 1;
    r->metrics = qs::aggregateMetrics(tokens);
    r->tokens = std::move(tokens);
    return r;
}

ParetoPoint point(const QString& label, double bits, double ppl, double kl,
                  ParetoPoint::Kind kind = ParetoPoint::Kind::Uniform) {
    ParetoPoint p;
    p.kind = kind;
    p.label = label;
    p.bitsPerWeight = bits;
    p.modelBytes = quint64(bits * 1000);
    p.ppl = ppl;
    p.pplLow = ppl * 0.99;
    p.pplHigh = ppl * 1.01;
    p.klMean = kl;
    p.config = qs::QuantConfig::uniform(label.toStdString());
    p.hasConfig = true;
    return p;
}

// Counts the paint events a widget receives.
class PaintCounter : public QObject {
public:
    explicit PaintCounter(QWidget* widget) { widget->installEventFilter(this); }
    int paints = 0;

protected:
    bool eventFilter(QObject*, QEvent* event) override {
        if (event->type() == QEvent::Paint) ++paints;
        return false;
    }
};

bool notBlank(const QImage& image) {
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 3)
        for (int x = 0; x < image.width(); x += 3) colours.insert(image.pixel(x, y));
    return colours.size() > 8;
}

} // namespace

class TestCharts : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { qs::test::limitAddressSpace(); }

    void kldHistogramBins_data() {
        QTest::addColumn<QList<float>>("kl");
        QTest::addColumn<int>("binsPerDecade");
        QTest::addColumn<QList<qint64>>("counts");
        QTest::addColumn<qint64>("below");
        QTest::addColumn<double>("floor");
        QTest::newRow("one bin per decade, zeros below")
            << QList<float>{0.0f, 1e-7f, 0.0011f, 0.0015f, 0.011f, 0.5f, 2.0f} << 1
            << QList<qint64>{2, 1, 1, 1} << qint64(2) << 1e-3;
        QTest::newRow("two per decade") << QList<float>{0.012f, 0.02f, 0.05f, 0.09f} << 2
                                        << QList<qint64>{2, 2} << qint64(0) << 1e-2;
        QTest::newRow("all zero") << QList<float>{0.0f, 0.0f} << 5 << QList<qint64>{} << qint64(2)
                                  << 1e-6;
        QTest::newRow("single value")
            << QList<float>{0.3f} << 1 << QList<qint64>{1} << qint64(0) << 0.1;
    }
    void kldHistogramBins() {
        QFETCH(QList<float>, kl);
        QFETCH(int, binsPerDecade);
        QFETCH(QList<qint64>, counts);
        QFETCH(qint64, below);
        QFETCH(double, floor);
        std::vector<qs::TokenStats> tokens;
        for (float v : kl) tokens.push_back(token(v));
        LogitDistortionOptions opt;
        opt.binsPerDecade = binsPerDecade;
        const LogitDistortionData d = logitDistortionData(*resultOf(tokens), opt);
        QList<qint64> got;
        for (const HistogramBin& b : d.kld.bins) got.push_back(b.count);
        QCOMPARE(got, counts);
        QCOMPARE(d.kld.belowRange, below);
        QCOMPARE(d.kld.total, qint64(kl.size()));
        QVERIFY(std::abs(d.kld.floor - floor) < 1e-12 * std::max(1.0, floor));
        for (qsizetype i = 1; i < d.kld.bins.size(); ++i)
            QVERIFY(std::abs(d.kld.bins[i].low - d.kld.bins[i - 1].high) < 1e-12);
    }

    void reliabilityBinCounts() {
        // Current: four tokens at 0.95 (3 correct), one at 0.25 (correct). FP: all at 0.55.
        std::vector<qs::TokenStats> tokens = {
            token(0.1f, 0.95f, true, 0.55f, true), token(0.1f, 0.95f, true, 0.55f, false),
            token(0.1f, 0.95f, true, 0.55f, true), token(0.1f, 0.95f, false, 0.55f, false),
            token(0.1f, 0.25f, true, 0.55f, true)};
        const LogitDistortionData d = logitDistortionData(*resultOf(tokens));
        QCOMPARE(d.reliabilityCurrent.size(), 15);
        QCOMPARE(d.reliabilityReference.size(), 15);
        const auto binOf = [](double c) { return std::min(14, int(c * 15)); };
        QCOMPARE(d.reliabilityCurrent[binOf(0.95)].count, qint64(4));
        QCOMPARE(d.reliabilityCurrent[binOf(0.95)].accuracy, 0.75);
        QCOMPARE(d.reliabilityCurrent[binOf(0.25)].count, qint64(1));
        QCOMPARE(d.reliabilityReference[binOf(0.55)].count, qint64(5));
        QCOMPARE(d.reliabilityReference[binOf(0.55)].accuracy, 0.6);
        qint64 total = 0;
        for (const ReliabilityPoint& p : d.reliabilityCurrent) total += p.count;
        QCOMPARE(total, qint64(5));

        // The view draws a curve point per non-empty bin for each model.
        LogitDistortionView view;
        view.setResult(resultOf(tokens));
        int curvePoints = 0;
        for (QAbstractSeries* s : view.reliabilityChart()->series())
            if (s->name().startsWith(QLatin1String("FP (")) ||
                s->name().startsWith(QLatin1String("current (")))
                curvePoints += int(static_cast<QXYSeries*>(s)->count());
        QCOMPARE(curvePoints, 1 + 2);
    }

    void entropyScatterIsDownsampled() {
        std::vector<qs::TokenStats> tokens;
        for (int i = 0; i < 10000; ++i) tokens.push_back(token(float(i) * 1e-4f));
        LogitDistortionOptions opt;
        opt.maxScatterPoints = 3000;
        const LogitDistortionData d = logitDistortionData(*resultOf(tokens), opt);
        QCOMPARE(d.entropy.size(), 3000);
        QCOMPARE(d.entropyTotal, qint64(10000));
        for (const QPointF& p : d.entropy) QCOMPARE(p.x(), 1.0);
        // Deterministic.
        QCOMPARE(logitDistortionData(*resultOf(tokens), opt).entropy, d.entropy);
    }

    void topKldOrdering() {
        auto r = resultOf({token(0.1f), token(0.5f), token(0.5f), token(0.01f), token(2.0f)});
        TopKldTokensModel model;
        model.setResult(r, {}, 3);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.scoredIndex(0), qint64(4));
        QCOMPARE(model.scoredIndex(1), qint64(1)); // ties: earlier token first
        QCOMPARE(model.scoredIndex(2), qint64(2));
        QCOMPARE(model.scoredIndex(3), qint64(-1));
        QCOMPARE(model.data(model.index(0, TopKldTokensModel::Kld), Qt::EditRole).toDouble(), 2.0);
        QCOMPARE(model.data(model.index(0, TopKldTokensModel::Rank)).toInt(), 1);
        model.setResult(r, {}, 100);
        QCOMPARE(model.rowCount(), 5);
        QCOMPARE(model.scoredIndex(4), qint64(3));
    }

    void tokenContextOnStories() {
        QS_REQUIRE_SHARED(kModel);
        auto model = qs::loadModel(qs::test::sharedPath(kModel));
        const std::string text =
            "Once upon a time, there was a little girl named Lily. She loved to play outside. "
            "One day she saw a big red ball in the park and ran to get it.";
        std::vector<int32_t> tokens = model->tokenizer()->encode(text, true);
        qs::PerplexityOptions opt;
        opt.ctx = 16;
        opt.protocol = qs::PplProtocol::Full;
        const qs::WindowPlan plan = qs::planWindows(int64_t(tokens.size()), opt);
        auto ctx = prepareEvalTokenContext(tokens, plan, *model->tokenizer());
        QCOMPARE(ctx->scoredTokens(), plan.windows * plan.scoredPerWindow());
        QCOMPARE(ctx->targetPosition(0), qint64(1));
        QCOMPARE(ctx->targetPosition(plan.scoredPerWindow()), qint64(opt.ctx + 1));
        QCOMPARE(ctx->targetPosition(ctx->scoredTokens()), qint64(-1));
        const TokenContextText c = ctx->contextOf(plan.scoredPerWindow() + 3);
        QVERIFY(!c.target.isEmpty());
        QVERIFY(text.find((c.before + c.target + c.after).trimmed().toStdString()) !=
                std::string::npos);
        // The context never crosses into the previous window.
        QCOMPARE(c.position, qint64(opt.ctx + 4));
        QVERIFY(c.before.size() < 80);
    }

    void paretoFrontier_data() {
        QTest::addColumn<QList<QPointF>>("points");
        QTest::addColumn<QList<int>>("frontier");
        QTest::newRow("empty") << QList<QPointF>{} << QList<int>{};
        QTest::newRow("one") << QList<QPointF>{{4, 10}} << QList<int>{0};
        QTest::newRow("dominated dropped")
            << QList<QPointF>{{32, 5}, {8.5, 5.01}, {4.5, 5.5}, {5, 6}, {2.5, 30}, {16, 5}}
            << QList<int>{4, 2, 1, 5};
        QTest::newRow("equal x keeps the lower")
            << QList<QPointF>{{4, 7}, {4, 6}, {8, 6}} << QList<int>{1};
        QTest::newRow("non-finite ignored")
            << QList<QPointF>{{4, qQNaN()}, {8, 6}, {qInf(), 1}} << QList<int>{1};
    }
    void paretoFrontier() {
        QFETCH(QList<QPointF>, points);
        QFETCH(QList<int>, frontier);
        QCOMPARE(::paretoFrontier(points), frontier);
    }

    void paretoViewFrontierAndToggles() {
        ParetoView view;
        view.setReference(
            point(QStringLiteral("f32"), 32, 5.0, 0, ParetoPoint::Kind::FullPrecision));
        view.setUniformPoints({point("q8_0", 8.5, 5.01, 1e-4), point("q4_0", 4.5, 5.6, 0.05),
                               point("int3_g32_sym", 3.5, 9.0, 0.3)});
        view.setSnapshots({point("mixed", 5.0, 5.5, 0.04)}); // dominates q4_0 on KLD only
        view.setCurrent(point("current", 6.0, 5.8, 0.06, ParetoPoint::Kind::Current));
        QCOMPARE(view.points().size(), 6);
        // PPL: int3 (3.5), q4_0 (4.5), mixed (5.0), q8_0 (8.5), f32 (32).
        QCOMPARE(view.frontier(), (QList<int>{3, 2, 4, 1, 0}));
        view.setYMeasure(ParetoView::YMeasure::MeanKld);
        // KLD: f32's 0 sits on the log axis floor; the current point (6 bits, 0.06) is dominated.
        QCOMPARE(view.frontier(), (QList<int>{3, 2, 4, 1, 0}));
        QVERIFY(view.plotted()[0].y() > 0);
        view.setLogarithmicY(false);
        QCOMPARE(view.plotted()[0].y(), 0.0);
        view.setXMeasure(ParetoView::XMeasure::ModelSize);
        QCOMPARE(view.plotted()[2].x(), 4500.0 / (1024.0 * 1024.0));
        // Re-adding a uniform point replaces it.
        view.addUniformPoint(point("q4_0", 4.5, 5.2, 0.02));
        QCOMPARE(view.points().size(), 6);
        QVERIFY(!view.toImage(QSize(600, 400), 1).isNull());
    }

    // placePointLabels: every scenario keeps labels inside the bounds, off every marker and
    // off each other; `variants` says which form each label got (-1: left out).
    void paretoLabelPlacement_data() {
        QTest::addColumn<QList<QPointF>>("anchors");
        QTest::addColumn<QList<int>>("priorities");
        QTest::addColumn<QRectF>("bounds");
        QTest::addColumn<QList<int>>("variants");
        QTest::addColumn<QList<int>>("above"); // labels expected straight above their point
        const QRectF wide(0, 0, 400, 300);
        QTest::newRow("lone point: above") << QList<QPointF>{{200, 150}} << QList<int>{0} << wide
                                           << QList<int>{0} << QList<int>{0};
        QTest::newRow("far apart: both above")
            << QList<QPointF>{{100, 150}, {300, 150}} << QList<int>{0, 0} << wide
            << QList<int>{0, 0} << QList<int>{0, 1};
        QTest::newRow("close: second moves")
            << QList<QPointF>{{200, 150}, {210, 152}} << QList<int>{0, 0} << wide
            << QList<int>{0, 0} << QList<int>{0};
        QTest::newRow("priority takes the best spot")
            << QList<QPointF>{{200, 150}, {210, 152}} << QList<int>{0, 3} << wide
            << QList<int>{0, 0} << QList<int>{1};
        QTest::newRow("top edge: below instead")
            << QList<QPointF>{{200, 8}} << QList<int>{0} << wide << QList<int>{0} << QList<int>{};
        QTest::newRow("narrow: shortened")
            << QList<QPointF>{{50, 40}} << QList<int>{0} << QRectF(25, 0, 50, 80) << QList<int>{1}
            << QList<int>{0};
        // Nine points in a 3 x 3 cluster: the spots run out, the labels that fit nowhere are
        // left out (the middle row's middle, ...), never drawn over each other.
        QList<QPointF> cluster;
        for (int y = 0; y < 3; ++y)
            for (int x = 0; x < 3; ++x) cluster << QPointF(200 + 12 * x, 150 + 12 * y);
        QTest::newRow("cluster") << cluster << QList<int>(9, 0) << wide
                                 << QList<int>{0, -1, 0, 0, -1, 0, 0, -1, -1} << QList<int>{0};
        QTest::newRow("no room at all") << QList<QPointF>{{20, 20}} << QList<int>{0}
                                        << QRectF(10, 10, 20, 20) << QList<int>{-1} << QList<int>{};
    }
    void paretoLabelPlacement() {
        QFETCH(QList<QPointF>, anchors);
        QFETCH(QList<int>, priorities);
        QFETCH(QRectF, bounds);
        QFETCH(QList<int>, variants);
        QFETCH(QList<int>, above);
        QList<PointLabel> labels;
        for (int i = 0; i < anchors.size(); ++i) {
            PointLabel l;
            l.anchor = anchors[i];
            l.markerRadius = 5;
            l.priority = priorities[i];
            l.sizes = {QSizeF(60, 14), QSizeF(30, 14), QSizeF(14, 14)};
            labels << l;
        }
        const QList<LabelPlacement> placed = placePointLabels(labels, bounds);
        QCOMPARE(placed.size(), labels.size());
        QList<int> got;
        for (const LabelPlacement& p : placed) got << p.variant;
        QCOMPARE(got, variants);
        for (int i = 0; i < placed.size(); ++i) {
            if (placed[i].variant < 0) continue;
            const QRectF r = placed[i].rect;
            QCOMPARE(r.size(), labels[i].sizes[placed[i].variant]);
            QVERIFY(bounds.contains(r));
            for (int j = 0; j < labels.size(); ++j) {
                const QRectF marker(anchors[j] - QPointF(5, 5), QSizeF(10, 10));
                QVERIFY2(!r.intersects(marker),
                         qPrintable(QStringLiteral("%1 on marker %2").arg(i).arg(j)));
                if (j != i && placed[j].variant >= 0)
                    QVERIFY2(!r.intersects(placed[j].rect),
                             qPrintable(QStringLiteral("%1 over %2").arg(i).arg(j)));
            }
        }
        for (int i : above) {
            QCOMPARE(placed[i].rect.center().x(), anchors[i].x());
            QVERIFY(placed[i].rect.bottom() < anchors[i].y());
        }
    }

    // Close points in the view: every label shown, none over another, on screen and at the
    // size of an exported figure.
    void paretoLabelsDoNotOverlap() {
        ParetoView view;
        view.resize(700, 450);
        view.setReference(
            point(QStringLiteral("f32"), 32, 5.0, 0, ParetoPoint::Kind::FullPrecision));
        view.setUniformPoints(
            {point("q8_0", 8.5, 5.01, 1e-4), point("q5_1", 6.0, 5.05, 2e-3),
             point("q4_0", 4.5, 5.6, 0.05), point("int4_g128_sym", 4.25, 5.7, 0.06),
             point("nf4_g64", 4.5, 5.65, 0.055), point("mxfp4", 4.25, 5.8, 0.07)});
        view.setCurrent(point("current", 4.6, 5.62, 0.052, ParetoPoint::Kind::Current));
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        auto check = [&] {
            const QList<ParetoView::ShownLabel> shown = view.shownLabels();
            QVERIFY(shown.size() >= 5);
            bool current = false;
            for (int i = 0; i < shown.size(); ++i) {
                current |= shown[i].text == QStringLiteral("current");
                for (int j = i + 1; j < shown.size(); ++j)
                    QVERIFY2(!shown[i].rect.intersects(shown[j].rect),
                             qPrintable(shown[i].text + QStringLiteral(" / ") + shown[j].text));
            }
            QVERIFY(current); // the current configuration goes first and keeps its full label
        };
        check();
        // Placement follows the chart's size (an export lays it out at its own size).
        const QImage image = view.toImage(QSize(1000, 700), 1);
        QVERIFY(!image.isNull());
        check();
        const QList<ParetoView::ShownLabel> before = view.shownLabels();
        view.resize(420, 300);
        QTRY_VERIFY(view.shownLabels().size() != before.size() ||
                    view.shownLabels().first().rect != before.first().rect);
        check();
    }

    void paretoClickEmitsConfig() {
        ParetoView view;
        view.resize(900, 600);
        view.setReference(
            point(QStringLiteral("f32"), 32, 5.0, 0, ParetoPoint::Kind::FullPrecision));
        view.setUniformPoints({point("q8_0", 8.5, 5.01, 1e-4), point("q4_0", 4.5, 5.6, 0.05)});
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QSignalSpy spy(&view, &ParetoView::configurationRequested);
        const QPoint at = view.viewportPosition(2);
        QVERIFY(view.chartView()->viewport()->rect().contains(at));
        QTest::mouseClick(view.chartView()->viewport(), Qt::LeftButton, {}, at);
        QTRY_COMPARE(spy.count(), 1);
        QCOMPARE(spy[0][0].value<qs::QuantConfig>(), qs::QuantConfig::uniform("q4_0"));
        view.requestPoint(0);
        QCOMPARE(spy.count(), 2);
        QCOMPARE(spy[1][0].value<qs::QuantConfig>().defaultFormat, std::string("f32"));
        view.requestPoint(17); // out of range: nothing
        QCOMPARE(spy.count(), 2);
    }

    void firstDivergence_data() {
        QTest::addColumn<QList<qint32>>("a");
        QTest::addColumn<QList<qint32>>("b");
        QTest::addColumn<int>("index");
        QTest::newRow("equal") << QList<qint32>{1, 2, 3} << QList<qint32>{1, 2, 3} << -1;
        QTest::newRow("differs") << QList<qint32>{1, 2, 3} << QList<qint32>{1, 5, 3} << 1;
        QTest::newRow("prefix") << QList<qint32>{1, 2} << QList<qint32>{1, 2, 3} << 2;
        QTest::newRow("both empty") << QList<qint32>{} << QList<qint32>{} << -1;
    }
    void firstDivergence() {
        QFETCH(QList<qint32>, a);
        QFETCH(QList<qint32>, b);
        QFETCH(int, index);
        QCOMPARE(::firstDivergence(a, b), index);
        QCOMPARE(::firstDivergence(b, a), index);
    }

    void generationPreview_data() {
        QTest::addColumn<QString>("format");
        QTest::addColumn<bool>("identical");
        QTest::newRow("f32 is full precision") << "f32" << true;
        QTest::newRow("int2_g32_asym diverges") << "int2_g32_asym" << false;
    }
    void generationPreview() {
        QFETCH(QString, format);
        QFETCH(bool, identical);
        QS_REQUIRE_SHARED(kModel);
        std::shared_ptr<const qs::Model> model = qs::loadModel(qs::test::sharedPath(kModel));
        GenerationPreview preview;
        qs::QuantConfig config = qs::QuantConfig::uniform(format.toStdString());
        config.fallbackFormat = "f16";
        preview.setModel(model);
        preview.setConfiguration(config, format);
        preview.setPrompt(QStringLiteral("Once upon a time"));
        preview.setMaxNewTokens(48);
        QSignalSpy ready(&preview, &GenerationPreview::comparisonReady);
        preview.generate();
        QVERIFY(preview.isRunning());
        QVERIFY(ready.wait(kTimeoutMs));
        const GenerationComparison& c = preview.comparison();
        QVERIFY(!c.reference.ids.isEmpty());
        QCOMPARE(c.identical(), identical);
        const QString highlight = preview.palette().color(QPalette::Highlight).name();
        if (identical) {
            QCOMPARE(c.reference.ids, c.current.ids);
            QVERIFY(!preview.currentHtml().contains(highlight, Qt::CaseInsensitive));
            QVERIFY(preview.statusText().startsWith(QLatin1String("Identical")));
        } else {
            QVERIFY(c.firstDivergence >= 0);
            QCOMPARE(c.reference.ids.mid(0, c.firstDivergence),
                     c.current.ids.mid(0, c.firstDivergence));
            QVERIFY(preview.currentHtml().contains(highlight, Qt::CaseInsensitive));
            QVERIFY(preview.referenceHtml().contains(highlight, Qt::CaseInsensitive));
            QVERIFY(preview.statusText().contains(QLatin1String("diverge")));
        }
        QVERIFY(c.reference.text().size() > 20);
        QVERIFY(notBlank(preview.toImage(QSize(800, 400), 1)));
    }

    void generationCancel() {
        QS_REQUIRE_SHARED(kModel);
        std::shared_ptr<const qs::Model> model = qs::loadModel(qs::test::sharedPath(kModel));
        GenerationComparer comparer;
        comparer.setModel(model);
        QSignalSpy canceled(&comparer, &GenerationComparer::canceled);
        QSignalSpy finished(&comparer, &GenerationComparer::finished);
        comparer.start(QStringLiteral("Once"), 2000);
        comparer.cancel();
        QTRY_COMPARE_WITH_TIMEOUT(canceled.count(), 1, kTimeoutMs);
        QCOMPARE(finished.count(), 0);
        // Without a model: fails at once.
        GenerationComparer empty;
        QSignalSpy failed(&empty, &GenerationComparer::failed);
        QCOMPARE(empty.start(QStringLiteral("x")), quint64(0));
        QCOMPARE(failed.count(), 1);
    }

    void emptyViewsDoNotCrash() {
        LogitDistortionView logit;
        logit.setResult({});
        logit.setResult(std::make_shared<qs::EvalResult>());
        logit.setTokenContext({});
        logit.showTokenAtRow(0);
        QCOMPARE(logit.topTokensModel()->rowCount(), 0);
        QVERIFY(!logit.toImage(QSize(400, 300), 1).isNull());
        logit.resize(800, 600);
        logit.show();
        QVERIFY(QTest::qWaitForWindowExposed(&logit));

        ParetoView pareto;
        QVERIFY(pareto.frontier().isEmpty());
        pareto.setYMeasure(ParetoView::YMeasure::MeanKld);
        pareto.requestPoint(0);
        QVERIFY(!pareto.toImage(QSize(400, 300), 1).isNull());
        pareto.show();
        QVERIFY(QTest::qWaitForWindowExposed(&pareto));

        GenerationPreview preview;
        QSignalSpy ready(&preview, &GenerationPreview::comparisonReady);
        preview.generate(); // no model
        QVERIFY(preview.statusText().contains(QLatin1String("failed")));
        QVERIFY(!preview.toImage(QSize(400, 300), 1).isNull());

        // A partial result (no per-token statistics) still fills the reliability bins.
        auto partial = resultOf({token(0.1f, 0.9f, true)});
        partial->tokens.clear();
        logit.setResult(partial);
        QVERIFY(logit.distortionData().kld.bins.isEmpty());
        QVERIFY(!logit.distortionData().reliabilityCurrent.isEmpty());
    }

    // A chart's scene changes repaint its view one event-loop turn later, together with whatever
    // else is dirty, not synchronously inside the burst of posted events that a new result
    // causes (a plain QGraphicsView repaints its whole window there, once per changed scene).
    void chartViewRepaintsAfterTheEventLoopTurn() {
        QWidget window;
        window.resize(500, 400);
        QChart* chart = makeChart(QStringLiteral("deferred"));
        QChartView* view = makeChartView(chart, &window);
        view->resize(480, 380);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTest::qWait(50);
        PaintCounter counter(view->viewport());

        auto* series = new QLineSeries;
        for (int i = 0; i < 50; ++i) series->append(i, std::sin(0.2 * i));
        chart->addSeries(series);
        chart->createDefaultAxes();
        // Everything the change posted (layout, the scene's dirty-item processing) runs, yet
        // the viewport is not painted inside it ...
        for (int i = 0; i < 5; ++i) QCoreApplication::sendPostedEvents();
        QCOMPARE(counter.paints, 0);
        // ... but on the next turn of the event loop.
        QTRY_VERIFY(counter.paints > 0);
        const QImage shot = view->grab().toImage();
        QVERIFY(notBlank(shot));
    }

    void figuresExportPngAndSvg() {
        LogitDistortionView view;
        std::vector<qs::TokenStats> tokens;
        for (int i = 0; i < 500; ++i)
            tokens.push_back(token(float(std::pow(10.0, -5 + i / 100.0)), float(i % 100) / 100.0f,
                                   i % 3 == 0, float(i % 90) / 100.0f, i % 2 == 0));
        view.setResult(resultOf(tokens));
        QCOMPARE(view.topTokensModel()->rowCount(), 200);
        QTemporaryDir dir;
        QVERIFY(view.savePng(dir.filePath("kld.png"), QSize(900, 300), 1));
        QVERIFY(view.saveSvg(dir.filePath("kld.svg"), QSize(900, 300)));
        QImage png(dir.filePath("kld.png"));
        QCOMPARE(png.size(), QSize(900, 300));
        QVERIFY(notBlank(png));
        QFile svg(dir.filePath("kld.svg"));
        QVERIFY(svg.open(QIODevice::ReadOnly));
        const QByteArray s = svg.readAll();
        QVERIFY(s.contains("<svg"));
        QVERIFY(s.contains("Reliability diagram"));
        // Selecting a row shows its statistics (no context: a note instead of text).
        view.showTokenAtRow(0);
        QVERIFY(view.contextText().contains(QLatin1String("KLD")));
    }
};

QTEST_MAIN(TestCharts)
#include "tst_charts.moc"
