// The live editing loop in the real window, offscreen, on stories260K: dragging bars, block
// headers and shift-paint strokes with the mouse, keyboard steps, undo bringing the previous
// metrics back, snapshots, linked selection, cancel and errors, the GUI thread's longest stall
// while evaluations run and while a drag is under way, and a screenshot.

#include "analysis_docks.h"
#include "analysis_feed.h"
#include "bit_width_editor.h"
#include "charts/saliency_view.h"
#include "charts/sensitivity_chart.h"
#include "configuration_export.h"
#include "evaluation_controller.h"
#include "latency_probe.h"
#include "live_editing.h"
#include "live_metrics_panel.h"
#include "main_window.h"
#include "main_window_actions.h"
#include "message_bar.h"
#include "metrics_model.h"
#include "model_structure_model.h"
#include "model_structure_view.h"
#include "plugin_manager.h"
#include "quant_config_model.h"
#include "snapshot_model.h"
#include "snapshot_view.h"
#include "workbench_session.h"

#include "memory_limit.h"
#include "shared_data.h"

#include <QAction>
#include <QDir>
#include <QElapsedTimer>
#include <QImage>
#include <QItemSelectionModel>
#include <QMouseEvent>
#include <QSet>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTreeView>
#include <QUndoStack>

#include <cmath>
#include <memory>

namespace {

const char* const kModel = "models/stories260K/model.bin";
const char* const kText = "data/tinystories/valid.txt";
constexpr int kTimeoutMs = 120000;
constexpr double kMaxStallMs = 50.0;

using qs::test::shared;

// A drag step as the window system delivers it: a move with the left button held.
void dragMove(QWidget* widget, QPoint pos, Qt::KeyboardModifiers modifiers = Qt::NoModifier) {
    QMouseEvent move(QEvent::MouseMove, QPointF(pos), QPointF(widget->mapToGlobal(pos)),
                     Qt::NoButton, Qt::LeftButton, modifiers);
    QCoreApplication::sendEvent(widget, &move);
}

double loadAverage() {
    QFile file(QStringLiteral("/proc/loadavg"));
    if (!file.open(QIODevice::ReadOnly)) return 0.0;
    return file.readAll().split(' ').value(0).toDouble();
}

bool machineOverloaded() {
    return loadAverage() > QThread::idealThreadCount();
}

} // namespace

class TestLiveEditing : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("QuantScopeTests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_live_editing"));
        QS_REQUIRE_SHARED(kModel);
        QS_REQUIRE_SHARED(kText);
        qs::test::limitAddressSpace();
        m_session = std::make_unique<WorkbenchSession>();
        m_session->setAutoEvaluate(false); // the live loop has its own reference pass
        m_window = std::make_unique<MainWindow>(m_session.get());
        LiveEvaluationSettings settings;
        settings.maxTokens = 8192; // 32 windows: quick, still several progressive batches
        live()->controller()->setSettings(settings);
        m_window->resize(1280, 800);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_session->setTextPath(shared(kText));
        m_session->openModel(shared(kModel));
        QTRY_VERIFY_WITH_TIMEOUT(live()->hasExactResult(), kTimeoutMs);
    }

    void init() {
        // Every test starts from the exact result of the default configuration.
        QTRY_VERIFY_WITH_TIMEOUT(live()->hasExactResult(), kTimeoutMs);
        config()->undoStack()->clear();
    }

    void dragBarSetsOneLayerAndUndoRestoresMetrics() {
        const QString tensor = QStringLiteral("blk.2.attn_q.weight");
        const int row = config()->rowOf(tensor);
        const qs::QuantConfig before = config()->config();
        const QString pplBefore = metrics()->currentText(MetricsModel::PplRow);
        const quint64 generationBefore = metrics()->currentGeneration();
        QSignalSpy submitted(live()->controller(), &EvaluationController::evaluationSubmitted);

        const QRect bar = editor()->barFillRect(row);
        QTest::mousePress(editor(), Qt::LeftButton, Qt::NoModifier, bar.center());
        // A continuous drag down to 3 bits, through 8..3.
        const int targetY = editor()->yForBits(3);
        for (int y = bar.center().y(); y <= targetY; y += 3)
            dragMove(editor(), QPoint(bar.center().x(), y));
        dragMove(editor(), QPoint(bar.center().x(), targetY));
        QTest::mouseRelease(editor(), Qt::LeftButton, Qt::NoModifier,
                            QPoint(bar.center().x(), targetY));

        QCOMPARE(config()->format(tensor), QStringLiteral("int3_g32_sym"));
        const qs::QuantConfig after = config()->config();
        for (const auto& [name, format] : after.overrides)
            if (name != tensor.toStdString()) QCOMPARE(format, before.overrides.at(name));
        QCOMPARE(config()->undoStack()->count(), 1);
        QVERIFY(!submitted.isEmpty());
        QVERIFY(metrics()->isStale() || metrics()->currentGeneration() > generationBefore);
        QTRY_VERIFY_WITH_TIMEOUT(live()->hasExactResult(), kTimeoutMs);
        QCOMPARE(metrics()->currentGeneration(), live()->controller()->latestGeneration());
        const QString pplAfter = metrics()->currentText(MetricsModel::PplRow);
        QVERIFY2(pplAfter != pplBefore, qPrintable(pplAfter));
        QVERIFY(panel()->statusText().startsWith(QStringLiteral("Exact")));

        config()->undoStack()->undo();
        QCOMPARE(config()->config(), before);
        QVERIFY(metrics()->isStale());
        QCOMPARE(panel()->statusText(), QStringLiteral("updating…"));
        QTRY_VERIFY_WITH_TIMEOUT(live()->hasExactResult(), kTimeoutMs);
        QCOMPARE(metrics()->currentText(MetricsModel::PplRow), pplBefore);
    }

    void blockHeaderDragSetsWholeBlock() {
        const QRect header = editor()->blockHeaderRect(1);
        QVERIFY(header.isValid());
        const double pxPerBit = (editor()->yForBits(0) - editor()->yForBits(8)) / 8.0;
        QTest::mousePress(editor(), Qt::LeftButton, Qt::NoModifier, header.center());
        for (int step = 1; step <= 4; ++step) // 8 bits down to 4, step by step
            dragMove(editor(), header.center() + QPoint(0, int(step * pxPerBit)));
        QTest::mouseRelease(editor(), Qt::LeftButton, Qt::NoModifier,
                            header.center() + QPoint(0, int(4 * pxPerBit)));
        for (const QString& tensor : config()->tensorsOfBlock(1))
            QCOMPARE(config()->format(tensor), QStringLiteral("int4_g32_sym"));
        QCOMPARE(config()->format(QStringLiteral("blk.0.attn_q.weight")),
                 QStringLiteral("int8_g32_sym"));
        QCOMPARE(config()->undoStack()->count(), 1);
        config()->undoStack()->undo();
        QCOMPARE(config()->format(QStringLiteral("blk.1.ffn_up.weight")),
                 QStringLiteral("int8_g32_sym"));
    }

    void shiftDragPaintsInOneCommand() {
        const int first = config()->rowOf(QStringLiteral("blk.3.attn_q.weight"));
        const int last = config()->rowOf(QStringLiteral("blk.3.attn_output.weight"));
        const int y = editor()->yForBits(5);
        QTest::mousePress(editor(), Qt::LeftButton, Qt::ShiftModifier,
                          QPoint(editor()->barRect(first).center().x(), y));
        const int x0 = editor()->barRect(first).center().x();
        const int x1 = editor()->barRect(last).center().x();
        for (int x = x0; x <= x1; x += 2) dragMove(editor(), QPoint(x, y), Qt::ShiftModifier);
        QTest::mouseRelease(editor(), Qt::LeftButton, Qt::ShiftModifier, QPoint(x1, y));
        for (int row = first; row <= last; ++row)
            QCOMPARE(config()->formatAt(row), QStringLiteral("int5_g32_sym"));
        QCOMPARE(config()->formatAt(last + 1), QStringLiteral("int8_g32_sym")); // gate untouched
        QCOMPARE(config()->undoStack()->count(), 1);
        QCOMPARE(config()->undoStack()->text(0), QStringLiteral("Paint 4 layers"));
        config()->undoStack()->undo();
        QCOMPARE(config()->formatAt(first), QStringLiteral("int8_g32_sym"));
    }

    void keyboardSteps_data() {
        QTest::addColumn<int>("key");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<int>("commands");
        QTest::newRow("minus") << int(Qt::Key_Minus) << "int7_g32_sym" << 1;
        QTest::newRow("down") << int(Qt::Key_Down) << "int7_g32_sym" << 1;
        QTest::newRow("plus at the top") << int(Qt::Key_Plus) << "int8_g32_sym" << 0;
    }
    void keyboardSteps() {
        QFETCH(int, key);
        QFETCH(QString, expected);
        QFETCH(int, commands);
        editor()->setFocus();
        const int row = config()->rowOf(QStringLiteral("blk.0.attn_k.weight"));
        QTest::mouseClick(editor(), Qt::LeftButton, Qt::NoModifier,
                          editor()->barRect(row - 1).center());
        QTest::keyClick(editor(), Qt::Key_Right); // arrows move the selection
        QCOMPARE(editor()->selectionModel()->currentIndex().row(), row);
        QCOMPARE(config()->undoStack()->count(), 0); // clicking alone changes nothing
        QTest::keyClick(editor(), Qt::Key(key));
        QCOMPARE(config()->formatAt(row), expected);
        QCOMPARE(config()->undoStack()->count(), commands);
        while (config()->undoStack()->canUndo()) config()->undoStack()->undo();
    }

    void selectionIsLinkedWithTheTensorTree() {
        const int row = config()->rowOf(QStringLiteral("blk.4.ffn_gate.weight"));
        QTest::mouseClick(editor(), Qt::LeftButton, Qt::NoModifier,
                          editor()->barRect(row).center());
        QTreeView* tree = m_window->structureView()->treeView();
        QModelIndex treeCurrent = tree->selectionModel()->currentIndex();
        QCOMPARE(treeCurrent.data(ModelStructureModel::TensorNameRole).toString(),
                 QStringLiteral("blk.4.ffn_gate.weight"));
        // And back: selecting a tensor in the tree selects its bar.
        QModelIndex target;
        const QAbstractItemModel* m = tree->model();
        for (int g = 0; g < m->rowCount() && !target.isValid(); ++g)
            for (int t = 0; t < m->rowCount(m->index(g, 0)); ++t)
                if (m->index(t, 0, m->index(g, 0)).data(ModelStructureModel::TensorNameRole) ==
                    QStringLiteral("blk.1.attn_v.weight"))
                    target = m->index(t, 0, m->index(g, 0));
        QVERIFY(target.isValid());
        tree->selectionModel()->setCurrentIndex(target, QItemSelectionModel::ClearAndSelect |
                                                            QItemSelectionModel::Rows);
        QCOMPARE(editor()->selectionModel()->currentIndex().row(),
                 config()->rowOf(QStringLiteral("blk.1.attn_v.weight")));
    }

    void lateStaleResultIsDropped() {
        EvaluationController* controller = live()->controller();
        const quint64 current = metrics()->currentGeneration();
        const QString ppl = metrics()->currentText(MetricsModel::PplRow);
        QSignalSpy updated(controller, &EvaluationController::resultUpdated);
        auto stale = QSharedPointer<EvalResultValue>::create();
        stale->ppl = 123.0;
        stale->windowsDone = stale->windowsTotal = 32;
        QVERIFY(current > 1);
        controller->deliverResult(current - 1, stale, true);
        QCOMPARE(updated.count(), 0);
        QCOMPARE(metrics()->currentText(MetricsModel::PplRow), ppl);
        QCOMPARE(metrics()->currentGeneration(), current);
    }

    void snapshotsCompareAndReload() {
        QVERIFY(live()->saveSnapshot(QStringLiteral("default")));
        const qs::QuantConfig saved = config()->config();
        config()->applyUniform(QStringLiteral("int3_g32_asym"));
        QVERIFY(!live()->hasExactResult());
        QTRY_VERIFY_WITH_TIMEOUT(live()->hasExactResult(), kTimeoutMs);
        QVERIFY(live()->saveSnapshot(QStringLiteral("int3 asym")));
        SnapshotModel* snapshots = live()->snapshotModel();
        QCOMPARE(snapshots->rowCount(), 2);
        QVERIFY(snapshots->result(1)->ppl > snapshots->result(0)->ppl);
        QTableView* table = m_window->snapshotView()->tableView();
        const QModelIndex first = table->model()->index(0, 0);
        const int commands = config()->undoStack()->count();
        QSignalSpy load(m_window->snapshotView(), &SnapshotView::loadRequested);
        // A real double-click starts with a press; QTest::mouseDClick only sends the second.
        QTest::mouseClick(table->viewport(), Qt::LeftButton, Qt::NoModifier,
                          table->visualRect(first).center());
        QTest::mouseDClick(table->viewport(), Qt::LeftButton, Qt::NoModifier,
                           table->visualRect(first).center());
        QCOMPARE(load.count(), 1);
        QCOMPARE(load.at(0).at(0).toInt(), 0);
        QCOMPARE(config()->config(), saved);
        QCOMPARE(config()->undoStack()->count(), commands + 1); // loading is undoable
        QTRY_VERIFY_WITH_TIMEOUT(live()->hasExactResult(), kTimeoutMs);
        snapshots->clear();
    }

    // File > Export Report: the choice of a path (the dialog's fileSelected) writes the report
    // of the live state in the background; the GUI keeps running and reports where it went.
    void exportReportFromTheWindow() {
        QVERIFY(m_window->actions()->exportReportAction()->isEnabled());
        QVERIFY(live()->saveSnapshot(QStringLiteral("saved for the report")));
        // The saliency and sensitivity figures need the background layer analysis.
        QTRY_VERIFY_WITH_TIMEOUT(m_window->analysisDocks()->feed()->hasLayerAnalysis(), kTimeoutMs);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("workbench.html"));
        QSignalSpy written(m_window->analysisDocks(), &AnalysisDocks::reportWritten);
        QSignalSpy failed(m_window->analysisDocks(), &AnalysisDocks::errorOccurred);
        QElapsedTimer guiThread;
        guiThread.start();
        emit m_window->actions()->reportRequested(path);
        qInfo("File > Export Report: %lld ms on the GUI thread (figures recorded), the rest on a "
              "worker",
              (long long)guiThread.elapsed());
        QTRY_COMPARE_WITH_TIMEOUT(written.count() + failed.count(), 1, kTimeoutMs);
        QVERIFY2(failed.isEmpty(), qPrintable(failed.value(0).value(0).toString()));
        QCOMPARE(written.at(0).at(0).toString(), path);
        QFile html(path);
        QVERIFY(html.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(html.readAll());
        QVERIFY(text.contains(QStringLiteral("saved for the report")));
        QVERIFY(text.contains(QStringLiteral("<td>current</td>")));
        // Provenance of the live evaluator's own setup (8192 tokens in this test).
        QVERIFY(text.contains(QStringLiteral("half (ctx 256, first 8192 tokens)")));
        QCOMPARE(text.count(QStringLiteral("<svg")),
                 4); // Pareto, reliability, saliency, sensitivity
        for (const char* f : {"pareto", "reliability"})
            QVERIFY(QFileInfo::exists(
                dir.filePath(QStringLiteral("workbench_files/figures/%1.svg").arg(f))));
        live()->snapshotModel()->clear();
    }

    // File > Export Configuration: the exporter plugins found at runtime fill the menu; choosing
    // GGUF writes the edited configuration as a quantized GGUF on a worker thread.
    void exportConfigurationThroughPlugins() {
        MainWindowActions* actions = m_window->actions();
        QStringList ids;
        for (const auto& e : actions->plugins()->exporters()) ids << e->id();
        for (const char* id : {"gguf", "llama-quantize", "hf-compressed-tensors", "json"})
            QVERIFY2(ids.contains(QString::fromUtf8(id)), qPrintable(ids.join(',')));
        config()->applyUniform(QStringLiteral("q8_0"));
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("edited.gguf"));
        QSignalSpy done(actions->configurationExport(), &ConfigurationExport::finished);
        QSignalSpy failed(actions->configurationExport(), &ConfigurationExport::failed);
        QSignalSpy status(actions, &MainWindowActions::statusMessage);
        actions->exportConfiguration(QStringLiteral("gguf"), path);
        QTRY_COMPARE_WITH_TIMEOUT(done.count() + failed.count(), 1, kTimeoutMs);
        QVERIFY2(failed.isEmpty(), qPrintable(failed.value(0).value(0).toString()));
        QFile gguf(path);
        QVERIFY(gguf.open(QIODevice::ReadOnly));
        QCOMPARE(gguf.read(4), QByteArray("GGUF"));
        QVERIFY(status.last().at(0).toString().contains(QStringLiteral("edited.gguf"))); // summary
        // An unwritable target: one error naming it, nothing written.
        const QString bad = dir.filePath(QStringLiteral("missing/dir/x.gguf"));
        actions->exportConfiguration(QStringLiteral("gguf"), bad);
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kTimeoutMs);
        QVERIFY2(failed.at(0).at(0).toString().contains(bad),
                 qPrintable(failed.at(0).at(0).toString()));
        QVERIFY(!QFileInfo::exists(bad));
        QVERIFY(m_window->messageBar()->isVisible()); // the error reached the message bar
        m_window->messageBar()->dismiss();            // later tests expect their own errors
        config()->undoStack()->undo();
    }

    // Evaluate > Measure Layer Sensitivity: a layer sweep in the background whose mean-KLD grid
    // reaches the heatmap, the sensitivity bars and the tensor tree's sensitivity column.
    void measuredSensitivityReachesTheViews() {
        AnalysisFeed* feed = m_window->analysisDocks()->feed();
        QTRY_VERIFY_WITH_TIMEOUT(feed->hasLayerAnalysis(), kTimeoutMs);
        QSignalSpy grids(feed, &AnalysisFeed::saliencyGridsReady);
        emit m_window->actions()->sensitivityRequested();
        const auto hasMeasured = [&grids] {
            return !grids.isEmpty() &&
                   grids.last().at(0).value<QList<LayerGrid>>().last().measure ==
                       LayerGrid::Measure::MeasuredKld;
        };
        QTRY_VERIFY_WITH_TIMEOUT(hasMeasured(), kTimeoutMs);
        const auto published = grids.last().at(0).value<QList<LayerGrid>>();
        const LayerGrid measured = published.last();
        int finite = 0;
        for (double v : measured.values) finite += std::isfinite(v) && v >= 0 ? 1 : 0;
        QCOMPARE(finite, measured.blocks * LayerGrid::kSlots); // every layer measured
        QCOMPARE(m_window->analysisDocks()->sensitivityChart()->grids().last().title,
                 measured.title);
        QCOMPARE(m_window->analysisDocks()->saliencyView()->grids().size(), published.size());
        // The tree: blk.0.attn_q's sensitivity cell shows the measured value.
        ModelStructureModel* tree = m_session->structureModel();
        const QModelIndexList hits =
            tree->match(tree->index(0, 0), ModelStructureModel::TensorNameRole,
                        QStringLiteral("blk.0.attn_q.weight"), 1, Qt::MatchRecursive);
        QVERIFY(!hits.isEmpty());
        const QModelIndex cell =
            hits.first().siblingAtColumn(ModelStructureModel::SensitivityColumn);
        QVERIFY2(!cell.data().toString().isEmpty(), "sensitivity column still blank");
        QTRY_VERIFY_WITH_TIMEOUT(live()->hasExactResult(), kTimeoutMs); // the live loop goes on
    }

    void latencyWhileEvaluatingAndDragging() {
        LatencyProbe probe;
        probe.start(5);
        // Evaluations running: a new reference pass and a configuration on top.
        live()->restart();
        config()->applyUniform(QStringLiteral("int4_g32_sym"));
        QTRY_VERIFY_WITH_TIMEOUT(live()->hasExactResult(), kTimeoutMs);
        const double evalStall = probe.maxStallMs();
        const double evalBusy = probe.maxBusyMs();
        const int evalTicks = probe.ticks();

        // A long continuous drag, each step triggering a new evaluation that cancels the last.
        probe.reset();
        const int row = config()->rowOf(QStringLiteral("blk.1.ffn_up.weight"));
        const QPoint start = editor()->barFillRect(row).center();
        QTest::mousePress(editor(), Qt::LeftButton, Qt::NoModifier, start);
        for (int i = 0; i < 400; ++i) {
            const int bits = 2 + (i / 10) % 7; // sweeps 2..8 bits and back
            dragMove(editor(), QPoint(start.x(), editor()->yForBits(bits)));
            QTest::qWait(1); // the window system's pace: the loop serves timers in between
        }
        QTest::mouseRelease(editor(), Qt::LeftButton, Qt::NoModifier,
                            QPoint(start.x(), editor()->yForBits(4)));
        QTRY_VERIFY_WITH_TIMEOUT(live()->hasExactResult(), kTimeoutMs);
        const double dragStall = probe.maxStallMs();
        const double dragBusy = probe.maxBusyMs();
        probe.stop();
        qInfo("GUI-thread max stall (wall): %.1f ms during evaluation (%d ticks), %.1f ms during "
              "a 400-step drag (%d ticks, mean lateness %.2f ms); GUI-thread CPU between two "
              "ticks at most %.1f / %.1f ms",
              evalStall, evalTicks, dragStall, probe.ticks(), probe.meanLatenessMs(), evalBusy,
              dragBusy);
        QCOMPARE(config()->undoStack()->count(), 2); // preset + one drag
        // What the GUI thread itself does between two ticks is always bounded.
        QVERIFY2(evalBusy < kMaxStallMs, qPrintable(QString::number(evalBusy)));
        QVERIFY2(dragBusy < kMaxStallMs, qPrintable(QString::number(dragBusy)));
        // The wall-clock stall also counts time the scheduler gave to other threads: asserted
        // unless the machine is busier than its cores (another heavy process running), where
        // it measures the machine rather than the workbench.
        if (machineOverloaded()) {
            qInfo("load average %.1f on %d cores: wall-clock stalls reported, not asserted",
                  loadAverage(), QThread::idealThreadCount());
        } else {
            QVERIFY2(evalStall < kMaxStallMs, qPrintable(QString::number(evalStall)));
            QVERIFY2(dragStall < kMaxStallMs, qPrintable(QString::number(dragStall)));
        }
        while (config()->undoStack()->canUndo()) config()->undoStack()->undo();
    }

    void screenshotOfEditedConfiguration() {
        config()->applyProtectFirstLast(QStringLiteral("int4_g32_sym"));
        editor()->setFocus();
        QTRY_VERIFY_WITH_TIMEOUT(live()->hasExactResult(), kTimeoutMs);
        QCOMPARE(config()->format(QStringLiteral("blk.0.attn_q.weight")),
                 QStringLiteral("int8_g32_sym"));
        QVERIFY(live()->saveSnapshot(QStringLiteral("int4 g32, protected ends")));
        QTest::qWait(100);
        const QImage shot = m_window->grab().toImage();
        const QString png =
            QDir(QStringLiteral(QS_TEST_OUTPUT_DIR)).filePath(QStringLiteral("live_editing.png"));
        QVERIFY(shot.save(png));
        qInfo("screenshot: %s (%dx%d), %s", qPrintable(png), shot.width(), shot.height(),
              qPrintable(panel()->statusText()));
        QSet<QRgb> colours;
        for (int y = 0; y < shot.height(); y += 2)
            for (int x = 0; x < shot.width(); x += 2) colours.insert(shot.pixel(x, y));
        QVERIFY2(colours.size() > 40, qPrintable(QString::number(colours.size())));
        while (config()->undoStack()->canUndo()) config()->undoStack()->undo();
        live()->snapshotModel()->clear();
    }

    void corruptModelKeepsSession() {
        const qs::QuantConfig before = config()->config();
        QTemporaryDir dir;
        const QString broken = dir.filePath(QStringLiteral("broken.bin"));
        QFile file(broken);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray(300, '\x7f'));
        file.close();
        m_session->openModel(broken);
        QTRY_VERIFY_WITH_TIMEOUT(!m_window->messageBar()->isHidden(), kTimeoutMs);
        QVERIFY(m_window->messageBar()->text().contains(broken));
        QCOMPARE(config()->config(), before);
        QVERIFY(live()->hasExactResult());
        QVERIFY(config()->setTensorFormat(QStringLiteral("blk.0.attn_q.weight"), "q4_0"));
        QTRY_VERIFY_WITH_TIMEOUT(live()->hasExactResult(), kTimeoutMs); // still live
        config()->undoStack()->undo();
        m_window->messageBar()->dismiss();
    }

    void cancelDuringLoadingLeavesAppUsable() {
        QAction* cancel = nullptr;
        for (QAction* action : m_window->findChildren<QAction*>())
            if (action->text() == QLatin1String("&Cancel")) cancel = action;
        QVERIFY(cancel);
        m_session->openModel(shared(kModel));
        QVERIFY(m_session->isBusy());
        cancel->trigger();
        QVERIFY(!m_session->isBusy());
        QVERIFY(m_window->messageBar()->isHidden());
        QCOMPARE(config()->rowCount(), 37); // the loaded model is still there
        // Load again: everything comes back.
        m_session->openModel(shared(kModel));
        QTRY_VERIFY_WITH_TIMEOUT(live()->hasExactResult(), kTimeoutMs);
        QCOMPARE(config()->rowCount(), 37);
    }

    void cleanupTestCase() {
        m_window.reset();
        m_session.reset();
    }

private:
    LiveEditing* live() const { return m_window->liveEditing(); }
    QuantConfigModel* config() const { return live()->configModel(); }
    MetricsModel* metrics() const { return live()->metricsModel(); }
    BitWidthEditor* editor() const { return m_window->bitWidthEditor(); }
    LiveMetricsPanel* panel() const { return m_window->metricsPanel(); }

    std::unique_ptr<WorkbenchSession> m_session;
    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(TestLiveEditing)
#include "tst_live_editing.moc"
