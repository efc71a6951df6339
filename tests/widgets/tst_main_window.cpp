// The workbench window offscreen: stories260K loaded and evaluated, rendered to a PNG in the
// build folder; drag and drop, the filter, errors in the message bar; and the real binary's
// --screenshot mode.

#include "analysis_docks.h"
#include "analysis_feed.h"
#include "charts/saliency_view.h"
#include "formatting.h"
#include "live_editing.h"
#include "main_window.h"
#include "message_bar.h"
#include "model_structure_model.h"
#include "model_structure_view.h"
#include "perplexity_panel.h"
#include "plugin_list_model.h"
#include "plugins_dialog.h"
#include "quant_config_model.h"
#include "workbench_session.h"

#include "image_checks.h"
#include "memory_limit.h"
#include "shared_data.h"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QLineEdit>
#include <QMenuBar>
#include <QMimeData>
#include <QProcess>
#include <QProgressBar>
#include <QSet>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QTreeView>
#include <QUndoStack>
#include <QUrl>

namespace {

const char* const kModel = "models/stories260K/model.bin";
const char* const kText = "data/tinystories/valid.txt";
constexpr int kTimeoutMs = 120000;

using qs::test::shared;

using qs::test::distinctColours;

void dropUrls(QWidget* target, const QList<QUrl>& urls) {
    QMimeData mime;
    mime.setUrls(urls);
    const QPoint pos = target->rect().center();
    QDragEnterEvent enter(pos, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(target, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(pos), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(target, &drop);
    QVERIFY(drop.isAccepted());
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true); // QSettings go to a scratch location
        QCoreApplication::setOrganizationName(QStringLiteral("QuantScopeTests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_main_window"));
        QS_REQUIRE_SHARED(kModel);
        QS_REQUIRE_SHARED(kText);
        qs::test::limitAddressSpace();
    }

    void screenshotShowsModelAndPerplexity() {
        WorkbenchSession session;
        MainWindow window(&session);
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const QImage empty = window.grab().toImage();

        session.setTextPath(shared(kText));
        session.openModel(shared(kModel));
        QTRY_VERIFY_WITH_TIMEOUT(!window.perplexityPanel()->headline().isEmpty(), kTimeoutMs);
        QTRY_VERIFY(!session.isBusy());
        QCOMPARE(window.perplexityPanel()->headline(),
                 displayLocale().toString(session.report().ppl, 'f', 4));
        QVERIFY(window.windowTitle().contains(QStringLiteral("model.bin")));
        QTreeView* tree = window.structureView()->treeView();
        QCOMPARE(tree->model()->rowCount(), 6);
        QVERIFY(tree->isExpanded(tree->model()->index(0, 0)));
        QVERIFY(window.messageBar()->isHidden());

        QTest::qWait(100); // let layouts settle before grabbing
        const QImage shot = window.grab().toImage();
        const QString png =
            QDir(QStringLiteral(QS_TEST_OUTPUT_DIR)).filePath(QStringLiteral("main_window.png"));
        QVERIFY(shot.save(png));
        qInfo("screenshot: %s (%dx%d)", qPrintable(png), shot.width(), shot.height());
        QVERIFY(shot.width() >= 1000 && shot.height() >= 600);
        const int colours = distinctColours(shot);
        QVERIFY2(colours > 40, qPrintable(QString::number(colours)));
        QVERIFY(shot != empty);
    }

    void actionsFollowState() {
        WorkbenchSession session;
        MainWindow window(&session);
        QAction* run = nullptr;
        QAction* cancel = nullptr;
        for (QAction* action : window.findChildren<QAction*>()) {
            if (action->text() == QLatin1String("&Run Perplexity")) run = action;
            if (action->text() == QLatin1String("&Cancel")) cancel = action;
        }
        QVERIFY(run && cancel);
        QVERIFY(!run->isEnabled());
        QVERIFY(!cancel->isEnabled());
        session.openModel(shared(kModel));
        QVERIFY(cancel->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(session.hasModel() && !session.isBusy(), kTimeoutMs);
        QVERIFY(!run->isEnabled()); // no text yet
        session.setAutoEvaluate(false);
        session.setTextPath(shared(kText));
        QVERIFY(run->isEnabled());
    }

    void dropOpensModelAndText() {
        WorkbenchSession session;
        MainWindow window(&session);
        EvaluationSettings settings;
        settings.maxTokens = 4096;
        session.setEvaluationSettings(settings);
        QSignalSpy modelChanged(&session, &WorkbenchSession::modelChanged);
        dropUrls(&window,
                 {QUrl::fromLocalFile(shared(kModel)), QUrl::fromLocalFile(shared(kText))});
        QCOMPARE(session.textPath(), QFileInfo(shared(kText)).absoluteFilePath());
        QTRY_VERIFY_WITH_TIMEOUT(window.perplexityPanel()->report().isValid(), kTimeoutMs);
        QCOMPARE(modelChanged.count(), 1);
        QCOMPARE(window.perplexityPanel()->report().windows, 4096 / 256);
    }

    void helpPluginsListsTheBundledPlugins() {
        WorkbenchSession session;
        session.setAutoEvaluate(false);
        MainWindow window(&session);
        QAction* plugins = nullptr;
        for (QAction* a : window.findChildren<QAction*>())
            if (a->text() == QStringLiteral("&Plugins…")) plugins = a;
        QVERIFY(plugins);
        plugins->trigger();
        PluginsDialog* dialog = window.findChild<PluginsDialog*>();
        QVERIFY(dialog);
        QVERIFY(dialog->isVisible());
        QVERIFY(!dialog->isModal());
        QVERIFY(dialog->model()->rowCount() >= 5); // four exporters and the llama2.c loader
    }

    void filterLineNarrowsTree() {
        WorkbenchSession session;
        MainWindow window(&session);
        session.setAutoEvaluate(false);
        session.openModel(shared(kModel));
        QTRY_VERIFY_WITH_TIMEOUT(session.hasModel(), kTimeoutMs);
        ModelStructureView* view = window.structureView();
        QTest::keyClicks(view->filterEdit(), QStringLiteral("attn_q"));
        QCOMPARE(view->proxyModel()->rowCount(), 5);
        QVERIFY(view->treeView()->isExpanded(view->proxyModel()->index(4, 0)));
        view->filterEdit()->clear();
        QCOMPARE(view->proxyModel()->rowCount(), 6);
    }

    // The tensor tree follows the edited configuration and the background analysis.
    void structureDockShowsLiveValues() {
        WorkbenchSession session;
        MainWindow window(&session);
        session.setTextPath(shared(kText));
        session.openModel(shared(kModel));
        AnalysisFeed* feed = window.analysisDocks()->feed();
        QTRY_VERIFY_WITH_TIMEOUT(feed->hasLayerAnalysis(), kTimeoutMs);
        const QAbstractItemModel* tree = session.structureModel();
        const QModelIndex block0 = tree->index(1, 0);
        const QModelIndex wq = tree->index(1, 0, block0); // blk.0.attn_q (after attn_norm)
        QCOMPARE(wq.data(ModelStructureModel::TensorNameRole).toString(),
                 QStringLiteral("blk.0.attn_q.weight"));
        auto cell = [](const QModelIndex& index, int column) {
            return index.sibling(index.row(), column).data().toString();
        };
        QuantConfigModel* config = window.liveEditing()->configModel();
        QCOMPARE(cell(wq, ModelStructureModel::FormatColumn), config->defaultLinearFormat());

        QSignalSpy reset(tree, &QAbstractItemModel::modelAboutToBeReset);
        QVERIFY(
            config->setTensorFormat(QStringLiteral("blk.0.attn_q.weight"), QStringLiteral("q4_0")));
        QCOMPARE(cell(wq, ModelStructureModel::FormatColumn), QStringLiteral("q4_0"));
        QCOMPARE(cell(wq, ModelStructureModel::BitsPerWeightColumn), QStringLiteral("4.500"));
        config->undoStack()->undo();
        QCOMPARE(cell(wq, ModelStructureModel::FormatColumn), config->defaultLinearFormat());
        QCOMPARE(reset.count(), 0);

        // Saliency: the measure the Saliency view shows, also after switching it.
        SaliencyView* saliency = window.analysisDocks()->saliencyView();
        QVERIFY(saliency->grids().size() >= 2);
        for (int measure : {1, 0}) {
            saliency->setCurrentGrid(measure);
            QCOMPARE(wq.siblingAtColumn(ModelStructureModel::SaliencyColumn)
                         .data(ModelStructureModel::SaliencyRole)
                         .toDouble(),
                     saliency->grids()[measure].at(0, 0));
        }
        QVERIFY(!cell(wq, ModelStructureModel::OutlierColumn).isEmpty());
        const QModelIndex norm = tree->index(0, 0, block0);
        QCOMPARE(cell(norm, ModelStructureModel::SaliencyColumn), QString());
        QCOMPARE(cell(norm, ModelStructureModel::OutlierColumn), QString());

        // Measured sensitivity: blank until a layer sweep's grid arrives.
        QCOMPARE(cell(wq, ModelStructureModel::SensitivityColumn), QString());
        LayerGrid measured = LayerGrid::empty(5, QStringLiteral("Measured mean KLD at q4_0"),
                                              QStringLiteral("nats"));
        measured.measure = LayerGrid::Measure::MeasuredKld;
        measured.values[0] = 0.125; // blk.0 q
        emit feed->saliencyGridsReady(saliency->grids() << measured);
        QCOMPARE(wq.siblingAtColumn(ModelStructureModel::SensitivityColumn)
                     .data(ModelStructureModel::SensitivityRole)
                     .toDouble(),
                 0.125);
        feed->cancel();
    }

    void progressAndCancelInStatusBar() {
        WorkbenchSession session;
        MainWindow window(&session);
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        session.setAutoEvaluate(false);
        session.openModel(shared(kModel));
        QTRY_VERIFY_WITH_TIMEOUT(session.hasModel() && !session.isBusy(), kTimeoutMs);
        auto* bar = window.findChild<QProgressBar*>(QStringLiteral("jobProgressBar"));
        auto* cancel = window.findChild<QToolButton*>(QStringLiteral("jobCancelButton"));
        QVERIFY(bar && cancel);
        QVERIFY(!bar->isVisible());

        EvaluationSettings settings;
        settings.maxTokens = 0; // the whole text: long enough to watch
        session.setEvaluationSettings(settings);
        session.setTextPath(shared(kText));
        session.runPerplexity();
        QTRY_VERIFY_WITH_TIMEOUT(bar->isVisible() && bar->maximum() > 0 && bar->value() > 0,
                                 kTimeoutMs);
        if (!session.isBusy()) QSKIP("evaluation finished before it could be watched");
        const QImage busy = window.grab().toImage();
        QVERIFY(busy.save(QDir(QStringLiteral(QS_TEST_OUTPUT_DIR))
                              .filePath(QStringLiteral("main_window_busy.png"))));
        QSignalSpy canceled(&session, &WorkbenchSession::canceled);
        QTest::mouseClick(cancel, Qt::LeftButton);
        QCOMPARE(canceled.count(), 1);
        QVERIFY(!session.isBusy());
        QTRY_VERIFY(!bar->isVisible());
        QVERIFY(!window.perplexityPanel()->report().isValid());
        QVERIFY(window.messageBar()->isHidden()); // canceling is not an error
    }

    void brokenModelShowsMessageAndKeepsResults() {
        WorkbenchSession session;
        MainWindow window(&session);
        EvaluationSettings settings;
        settings.maxTokens = 4096;
        session.setEvaluationSettings(settings);
        session.setTextPath(shared(kText));
        session.openModel(shared(kModel));
        QTRY_VERIFY_WITH_TIMEOUT(window.perplexityPanel()->report().isValid(), kTimeoutMs);
        const QString headline = window.perplexityPanel()->headline();

        QTemporaryDir dir;
        const QString broken = dir.filePath(QStringLiteral("broken.bin"));
        QFile file(broken);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray(300, '\x7f'));
        file.close();
        session.openModel(broken);
        QTRY_VERIFY_WITH_TIMEOUT(!window.messageBar()->isHidden(), kTimeoutMs);
        QVERIFY2(window.messageBar()->text().contains(broken),
                 qPrintable(window.messageBar()->text()));
        QCOMPARE(window.perplexityPanel()->headline(), headline);
        QCOMPARE(window.structureView()->treeView()->model()->rowCount(), 6);
        QVERIFY(window.windowTitle().contains(QStringLiteral("model.bin")));
    }

    void binaryTakesScreenshot() {
        QTemporaryDir dir;
        const QString png = dir.filePath(QStringLiteral("shot.png"));
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), dir.path()); // keep user settings untouched
        process.setProcessEnvironment(env);
        process.start(QStringLiteral(QS_QUANTSCOPE_BINARY),
                      {shared(kModel), QStringLiteral("--data"), shared(kText),
                       QStringLiteral("--screenshot"), png});
        QVERIFY(process.waitForFinished(kTimeoutMs));
        QVERIFY2(process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0,
                 process.readAllStandardError().constData());
        const QImage image(png);
        QVERIFY(!image.isNull());
        QCOMPARE(image.size(), QSize(1280, 800));
        QVERIFY(distinctColours(image) > 40);
    }

    void binaryReportsBrokenModel() {
        QTemporaryDir dir;
        const QString broken = dir.filePath(QStringLiteral("broken.gguf"));
        QFile file(broken);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("GGUF and then nonsense");
        file.close();
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), dir.path());
        process.setProcessEnvironment(env);
        process.start(
            QStringLiteral(QS_QUANTSCOPE_BINARY),
            {broken, QStringLiteral("--screenshot"), dir.filePath(QStringLiteral("e.png"))});
        QVERIFY(process.waitForFinished(kTimeoutMs));
        QCOMPARE(process.exitCode(), 1);
        QVERIFY(QFileInfo::exists(dir.filePath(QStringLiteral("e.png"))));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
