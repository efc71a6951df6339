// The workbench window with every analysis dock fed by a real run: stories260K on the first
// 4096 tokens of valid.txt, offscreen. Waits for the live result, the token context, the layer
// analysis (saliency, outliers, sensitivity) and the uniform Pareto sweep, then saves the whole
// window and every dock's widget as PNGs next to the test binary (the build folder) and checks
// that none is blank. Also: a heatmap click selects the tensor in the editor and the outliers
// view, and a Pareto click loads that configuration as one undoable step.

#include "analysis_docks.h"
#include "analysis_feed.h"
#include "bit_width_editor.h"
#include "charts/generation_preview.h"
#include "charts/logit_distortion_view.h"
#include "charts/outliers_view.h"
#include "charts/pareto_view.h"
#include "charts/saliency_view.h"
#include "dock_layout.h"
#include "evaluation_controller.h"
#include "live_editing.h"
#include "main_window.h"
#include "metrics_model.h"
#include "quant_config_model.h"
#include "workbench_session.h"

#include "image_checks.h"
#include "memory_limit.h"
#include "shared_data.h"

#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QImage>
#include <QItemSelectionModel>
#include <QSet>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>
#include <QUndoStack>

namespace {

const char* const kModel = "models/stories260K/model.bin";
const char* const kText = "data/tinystories/valid.txt";
constexpr int kTimeoutMs = 60000;

using qs::test::shared;

using qs::test::distinctColours;

// Fraction of sampled pixels that differ from the most common colour (the background).
double foregroundFraction(const QImage& image) {
    QHash<QRgb, int> counts;
    int total = 0;
    for (int y = 0; y < image.height(); y += 2)
        for (int x = 0; x < image.width(); x += 2, ++total) ++counts[image.pixel(x, y)];
    int most = 0;
    for (int c : counts) most = std::max(most, c);
    return total > 0 ? 1.0 - double(most) / total : 0.0;
}

bool saveAndCheck(QWidget* widget, const QString& name, int minColours) {
    const QImage image = widget->grab().toImage();
    const QString png = QDir(QCoreApplication::applicationDirPath())
                            .filePath(QStringLiteral("workbench_%1.png").arg(name));
    if (!image.save(png)) return false;
    const int colours = distinctColours(image);
    const double fg = foregroundFraction(image);
    qInfo("%s: %dx%d, %d colours, %.1f%% foreground", qPrintable(png), image.width(),
          image.height(), colours, 100 * fg);
    return colours >= minColours && fg > 0.02;
}

} // namespace

class TestWorkbenchScreenshots : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true); // QSettings go to a scratch location
        QCoreApplication::setOrganizationName(QStringLiteral("QuantScopeTests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_workbench_screenshots"));
        QS_REQUIRE_SHARED(kModel);
        QS_REQUIRE_SHARED(kText);
        qs::test::limitAddressSpace();
    }

    void analysisDocksFedAndRendered() {
        WorkbenchSession session;
        EvaluationSettings perplexity;
        perplexity.maxTokens = 4096;
        session.setEvaluationSettings(perplexity);
        MainWindow window(&session);
        LiveEvaluationSettings live = window.liveEditing()->controller()->settings();
        live.maxTokens = 4096;
        window.liveEditing()->controller()->setSettings(live);
        window.resize(1600, 1000);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        AnalysisDocks* analysis = window.analysisDocks();
        AnalysisFeed* feed = analysis->feed();
        for (const char* name :
             {"logitDock", "paretoDock", "generationDock", "saliencyDock", "outliersDock"}) {
            QDockWidget* dock = window.docks()->dock(QString::fromLatin1(name));
            QVERIFY2(dock, name);
            QVERIFY(window.docks()->toggleActions().contains(dock->toggleViewAction()));
        }

        session.setTextPath(shared(kText));
        session.openModel(shared(kModel));
        QTRY_VERIFY_WITH_TIMEOUT(window.liveEditing()->hasExactResult(), kTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(feed->hasLayerAnalysis(), kTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(feed->hasTokenContext(), kTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(!feed->isSweepRunning(), kTimeoutMs);
        QVERIFY(feed->uniformPoints() >= 8);

        // Every view got its data.
        QVERIFY(!analysis->logitView()->distortionData().isEmpty());
        QVERIFY(analysis->paretoView()->points().size() >= 10); // FP + uniform + current
        QVERIFY(analysis->saliencyView()->grids().size() == 2);
        QVERIFY(!analysis->outliersView()->outlierData().isEmpty());

        // Linked selection: a heatmap click selects the tensor everywhere.
        LayerHeatmap* heat = analysis->saliencyView()->heatmap();
        window.docks()->dock(QStringLiteral("saliencyDock"))->raise();
        QTest::mouseClick(heat, Qt::LeftButton, {},
                          heat->cellRect(QRectF(heat->rect()), 1, 6).center().toPoint());
        const QString tensor = QStringLiteral("blk.1.ffn_down.weight");
        QCOMPARE(analysis->outliersView()->selectedTensor(), tensor);
        QCOMPARE(window.bitWidthEditor()
                     ->selectionModel()
                     ->currentIndex()
                     .data(QuantConfigModel::TensorNameRole)
                     .toString(),
                 tensor);

        // A generation for the preview's screenshot.
        QSignalSpy generated(analysis->generationPreview(), &GenerationPreview::comparisonReady);
        analysis->generationPreview()->setMaxNewTokens(40);
        analysis->generationPreview()->generate();
        QVERIFY(generated.wait(kTimeoutMs));

        QTest::qWait(200); // let layouts settle before grabbing
        QVERIFY(saveAndCheck(&window, QStringLiteral("window"), 60));
        struct Shot {
            const char* dock;
            const char* name;
        };
        for (const Shot& s : {Shot{"logitDock", "logit_distortion"}, Shot{"paretoDock", "pareto"},
                              Shot{"generationDock", "generation_preview"},
                              Shot{"saliencyDock", "saliency"}, Shot{"outliersDock", "outliers"}}) {
            QDockWidget* dock = window.docks()->dock(QString::fromLatin1(s.dock));
            dock->raise();
            QTest::qWait(50);
            QVERIFY2(saveAndCheck(dock->widget(), QString::fromLatin1(s.name), 8), s.name);
        }

        // A Pareto point loads its configuration, undoably.
        ParetoView* pareto = analysis->paretoView();
        int uniform = -1;
        const QList<ParetoPoint> points = pareto->points();
        for (int i = 0; i < points.size(); ++i)
            if (points[i].kind == ParetoPoint::Kind::Uniform &&
                points[i].label == QLatin1String("q8_0"))
                uniform = i;
        QVERIFY(uniform >= 0);
        QuantConfigModel* config = window.liveEditing()->configModel();
        QUndoStack* undo = config->undoStack();
        const qs::QuantConfig original = config->config();
        const int before = undo->count();
        pareto->requestPoint(uniform);
        QCOMPARE(undo->count(), before + 1);
        QVERIFY(!(config->config() == original));
        undo->undo();
        QVERIFY(config->config() == original);
    }
};

QTEST_MAIN(TestWorkbenchScreenshots)
#include "tst_workbench_screenshots.moc"
