// Renders every analysis view populated with real stories260K data (an IncrementalEvaluator run
// on 8k tokens of TinyStories at uniform q4_0 with f16 fallback, the uniform-format sweep,
// activation and weight statistics, a layer sensitivity sweep) to PNG (and SVG) files in
// QS_SCREENSHOT_DIR (or the working folder), and checks that none is blank.

#include "charts/eval_token_context.h"
#include "charts/generation_preview.h"
#include "charts/layer_analysis_data.h"
#include "charts/logit_distortion_view.h"
#include "charts/outliers_view.h"
#include "charts/pareto_view.h"
#include "charts/saliency_view.h"
#include "charts/sensitivity_chart.h"

#include "analysis/activation_stats.h"
#include "analysis/predicted_error.h"
#include "analysis/sensitivity_sweep.h"
#include "analysis/weight_stats.h"
#include "core/text_file.h"
#include "eval/incremental_evaluator.h"
#include "memory_limit.h"
#include "model/model.h"
#include "shared_data.h"
#include "tokenizer/tokenizer.h"

#include <QDir>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

namespace {

const char* const kModel = "models/stories260K/model.bin";
const char* const kText = "data/tinystories/valid.txt";
constexpr int kTimeoutMs = 240000;
constexpr int64_t kTokens = 8192;

QString outputDir() {
    const QByteArray env = qgetenv("QS_SCREENSHOT_DIR");
    QDir dir(env.isEmpty() ? QDir::currentPath() : QString::fromLocal8Bit(env));
    dir.mkpath(QStringLiteral("."));
    return dir.absolutePath();
}

// Distinct colours and the share of pixels that differ from the corner (background) colour.
void inspect(const QImage& image, int* colours, double* foreground) {
    QSet<QRgb> seen;
    const QRgb background = image.pixel(0, 0);
    qint64 other = 0, total = 0;
    for (int y = 0; y < image.height(); y += 2)
        for (int x = 0; x < image.width(); x += 2) {
            const QRgb p = image.pixel(x, y);
            seen.insert(p);
            other += p != background;
            ++total;
        }
    *colours = int(seen.size());
    *foreground = double(other) / double(std::max<qint64>(1, total));
}

bool saveAndCheck(FigureWidget& figure, const QString& name, QSize size = {}) {
    const QString dir = outputDir();
    const QString png = QDir(dir).filePath(name + QStringLiteral(".png"));
    if (!figure.savePng(png, size, 1.5)) return false;
    if (!figure.saveSvg(QDir(dir).filePath(name + QStringLiteral(".svg")), size)) return false;
    const QImage image(png);
    int colours = 0;
    double foreground = 0;
    inspect(image, &colours, &foreground);
    qInfo("%s: %dx%d, %d colours, %.1f%% non-background", qPrintable(png), image.width(),
          image.height(), colours, 100 * foreground);
    return colours > 24 && foreground > 0.03;
}

bool grabAndCheck(QWidget& widget, const QString& name) {
    const QString png = QDir(outputDir()).filePath(name + QStringLiteral(".png"));
    const QImage image = widget.grab().toImage();
    if (!image.save(png)) return false;
    int colours = 0;
    double foreground = 0;
    inspect(image, &colours, &foreground);
    qInfo("%s: %dx%d, %d colours, %.1f%% non-background", qPrintable(png), image.width(),
          image.height(), colours, 100 * foreground);
    return colours > 24 && foreground > 0.03;
}

} // namespace

class TestViewScreenshots : public QObject {
    Q_OBJECT

    std::shared_ptr<qs::Model> m_model;
    std::vector<int32_t> m_tokens;
    std::shared_ptr<qs::IncrementalEvaluator> m_evaluator;
    std::shared_ptr<const qs::EvalResult> m_result;
    qs::QuantConfig m_config;

private slots:
    void initTestCase() {
        QS_REQUIRE_SHARED(kModel);
        QS_REQUIRE_SHARED(kText);
        qs::test::limitAddressSpace();
        m_model = qs::loadModel(qs::test::sharedPath(kModel));
        const std::string text = qs::readTextFile(qs::test::sharedPath(kText), 32 * kTokens);
        m_tokens = m_model->tokenizer()->encode(text, true);
        qs::EvalSetup setup;
        setup.windows.ctx = 256;
        setup.windows.maxTokens = kTokens;
        m_evaluator = std::make_shared<qs::IncrementalEvaluator>(m_model, m_tokens, setup);
        m_evaluator->buildReference();
        m_config = qs::QuantConfig::uniform("q4_0");
        m_config.fallbackFormat = "f16";
        m_result = std::make_shared<const qs::EvalResult>(m_evaluator->evaluate(m_config));
        QVERIFY(!m_result->tokens.empty());
    }

    void logitDistortion() {
        LogitDistortionView view;
        view.resize(1400, 900);
        view.setResult(m_result);
        view.setTokenContext(
            prepareEvalTokenContext(m_tokens, m_evaluator->windowPlan(), *m_model->tokenizer()));
        view.topTokensView()->selectRow(0);
        view.showTokenAtRow(0);
        QVERIFY(!view.contextText().isEmpty());
        QVERIFY(saveAndCheck(view, QStringLiteral("logit_distortion")));
        QVERIFY(grabAndCheck(view, QStringLiteral("logit_distortion_widget")));
    }

    void pareto() {
        ParetoView view;
        view.resize(1000, 700);
        view.setReference(paretoReferencePoint(*m_model, m_evaluator->referenceResult()));
        UniformParetoSweep sweep;
        connect(&sweep, &UniformParetoSweep::pointReady, &view, &ParetoView::addUniformPoint);
        QSignalSpy done(&sweep, &UniformParetoSweep::finished);
        QSignalSpy failed(&sweep, &UniformParetoSweep::pointFailed);
        sweep.start(m_evaluator, UniformParetoSweep::defaultFormats(), QStringLiteral("f16"));
        QVERIFY(done.wait(kTimeoutMs));
        for (const auto& f : failed)
            qWarning("uniform %s failed: %s", qPrintable(f[0].toString()),
                     qPrintable(f[1].toString()));
        QVERIFY(view.points().size() >= 8);
        // A snapshot: q4_0 with the first block at q8_0.
        qs::QuantConfig mixed = m_config;
        mixed.setBlockFormat(0, "q8_0");
        view.setSnapshots(
            {paretoPointFromResult(QStringLiteral("snapshot 1"), ParetoPoint::Kind::Snapshot,
                                   m_evaluator->evaluate(mixed), mixed)});
        view.setCurrent(paretoPointFromResult(QStringLiteral("current"), ParetoPoint::Kind::Current,
                                              *m_result, m_config));
        QVERIFY(view.frontier().size() >= 3);
        QVERIFY(saveAndCheck(view, QStringLiteral("pareto_ppl")));
        view.setYMeasure(ParetoView::YMeasure::MeanKld);
        view.setXMeasure(ParetoView::XMeasure::ModelSize);
        QVERIFY(saveAndCheck(view, QStringLiteral("pareto_kld_size")));
    }

    void generationPreview() {
        GenerationPreview view;
        view.resize(1200, 500);
        qs::QuantConfig harsh = qs::QuantConfig::uniform("int3_g32_sym");
        harsh.fallbackFormat = "f16";
        view.setModel(m_model);
        view.setConfiguration(harsh, QStringLiteral("int3_g32_sym + f16 fallback"));
        view.setPrompt(QStringLiteral("Once upon a time, there was a little"));
        view.setMaxNewTokens(60);
        QSignalSpy ready(&view, &GenerationPreview::comparisonReady);
        view.generate();
        QVERIFY(ready.wait(kTimeoutMs));
        QVERIFY(saveAndCheck(view, QStringLiteral("generation_preview")));
        QVERIFY(grabAndCheck(view, QStringLiteral("generation_preview_widget")));
    }

    void saliencyAndOutliers() {
        qs::ActivationStatsOptions opt;
        opt.ctx = 256;
        opt.maxTokens = kTokens;
        const qs::ActivationStats stats = qs::collectActivationStats(*m_model, m_tokens, opt);
        qs::PredictedErrorOptions popt;
        popt.fallbackFormat = "f16";
        const auto table = qs::predictErrorTable(*m_model, stats, {"q4_0"}, popt);
        qs::SweepOptions sopt;
        sopt.unit = qs::SweepUnit::Layer;
        sopt.formats = {"q4_0"};
        sopt.fallbackFormat = "f16";
        qs::SensitivitySweep sweep(*m_evaluator, m_model->desc(), sopt);
        qs::SweepResult swept;
        sweep.run(swept);

        SaliencyView saliency;
        saliency.resize(800, 700);
        saliency.setGrids({activationEnergyGrid(m_model->desc(), stats),
                           predictedErrorGrid(m_model->desc(), table, "q4_0"),
                           measuredKldGrid(m_model->desc(), swept, "q4_0")});
        QSignalSpy selected(&saliency, &SaliencyView::tensorSelected);
        saliency.show();
        QVERIFY(QTest::qWaitForWindowExposed(&saliency));
        LayerHeatmap* heat = saliency.heatmap();
        QTest::mouseClick(heat, Qt::LeftButton, {},
                          heat->cellRect(QRectF(heat->rect()), 2, 6).center().toPoint());
        QCOMPARE(selected.count(), 1);
        QCOMPARE(selected[0][0].toString(), QStringLiteral("blk.2.ffn_down.weight"));
        QVERIFY(saveAndCheck(saliency, QStringLiteral("saliency_energy")));
        saliency.setCurrentGrid(1);
        QVERIFY(saveAndCheck(saliency, QStringLiteral("saliency_predicted_q4_0")));
        saliency.setCurrentGrid(2);
        QVERIFY(saveAndCheck(saliency, QStringLiteral("saliency_measured_kld_q4_0")));

        // Sensitivity bars: measured KLD and predicted error side by side are different units,
        // so the chart gets the measured grid; a click on a bar selects its tensor.
        SensitivityChart sensitivity;
        sensitivity.resize(1200, 520);
        sensitivity.setGrids({measuredKldGrid(m_model->desc(), swept, "q4_0")});
        QCOMPARE(sensitivity.barCount(), m_model->hp().nLayers * LayerGrid::kSlots);
        QVERIFY(saveAndCheck(sensitivity, QStringLiteral("sensitivity_measured_kld_q4_0")));
        sensitivity.setGrids({});
        QCOMPARE(sensitivity.barCount(), 0);

        OutliersView outliers;
        outliers.resize(1500, 900);
        outliers.setData(outlierData(m_model->desc(), qs::computeAllWeightStats(*m_model), &stats));
        QCOMPARE(outliers.outlierData().tensors.size(), m_model->hp().nLayers * 7);
        outliers.setSelectedTensor(selected[0][0].toString());
        QCOMPARE(outliers.selectedTensor(), QStringLiteral("blk.2.ffn_down.weight"));
        QVERIFY(saveAndCheck(outliers, QStringLiteral("outliers")));
    }
};

QTEST_MAIN(TestViewScreenshots)
#include "tst_view_screenshots.moc"
