#include "main_window.h"

#include "analysis_docks.h"
#include "analysis_feed.h"
#include "bit_width_editor.h"
#include "charts/saliency_view.h"
#include "dock_layout.h"
#include "formatting.h"
#include "job_progress_widget.h"
#include "live_editing.h"
#include "live_metrics_panel.h"
#include "main_window_actions.h"
#include "message_bar.h"
#include "metrics_model.h"
#include "model_structure_model.h"
#include "model_structure_view.h"
#include "model_summary_model.h"
#include "perplexity_panel.h"
#include "quant_config_model.h"
#include "recent_files.h"
#include "snapshot_view.h"
#include "tensor_selection_link.h"
#include "workbench_session.h"

#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QHeaderView>
#include <QMimeData>
#include <QStatusBar>
#include <QTreeView>
#include <QUndoView>
#include <QVBoxLayout>

#include <algorithm>

namespace {

// The tensor tree shows the configuration being edited (every edit, in place) and the analysis
// results: the saliency measure chosen in the Saliency view, the weights' outlier scores and,
// when a layer sweep measured it, the KLD of each layer.
void feedStructureModel(ModelStructureModel* structure, QuantConfigModel* config,
                        AnalysisDocks* analysis) {
    QObject::connect(config, &QuantConfigModel::configChanged, structure,
                     &ModelStructureModel::setConfig);
    AnalysisFeed* feed = analysis->feed();
    SaliencyView* saliency = analysis->saliencyView();
    QObject::connect(feed, &AnalysisFeed::cleared, structure, &ModelStructureModel::clearAnalysis);
    QObject::connect(saliency, &SaliencyView::currentGridChanged, structure,
                     &ModelStructureModel::setSaliencyGrid);
    QObject::connect(feed, &AnalysisFeed::saliencyGridsReady, structure,
                     [structure](const QList<LayerGrid>& grids) {
                         LayerGrid measured;
                         for (const LayerGrid& g : grids)
                             if (g.measure == LayerGrid::Measure::MeasuredKld) {
                                 measured = g;
                                 break;
                             }
                         structure->setSensitivityGrid(measured);
                     });
    QObject::connect(feed, &AnalysisFeed::outlierDataReady, structure,
                     &ModelStructureModel::setOutlierData);
}

} // namespace

MainWindow::MainWindow(WorkbenchSession* session, QWidget* parent)
    : QMainWindow(parent), m_session(session), m_live(new LiveEditing(session, this)) {
    setAcceptDrops(true);
    createWidgets();
    createDocks();
    m_analysis = new AnalysisDocks(this, m_session, m_live, m_docks, m_editor);
    m_actions = new MainWindowActions(this, m_session, m_live, m_docks);
    feedStructureModel(m_session->structureModel(), m_live->configModel(), m_analysis);
    connectSession();
    connectLiveEditing();
    if (!m_docks->restore()) resize(1280, 800);
    updateActions();
    updateTitle();
    statusBar()->showMessage(tr("Open a model to begin (File → Open Model…, or drop it here)"));
}

void MainWindow::createWidgets() {
    m_editor = new BitWidthEditor(this);
    m_editor->setModel(m_live->configModel());
    m_messages = new MessageBar(this);
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->addWidget(m_messages);
    layout->addWidget(m_editor, 1);
    setCentralWidget(central);

    m_metrics = new LiveMetricsPanel(this);
    m_metrics->setModel(m_live->metricsModel());
    m_structure = new ModelStructureView(this);
    m_structure->setSourceModel(m_session->structureModel());
    m_summary = new QTreeView(this);
    m_summary->setObjectName(QStringLiteral("summaryView"));
    m_summary->setModel(m_session->summaryModel());
    m_summary->setRootIsDecorated(false);
    m_summary->setAlternatingRowColors(true);
    m_summary->setHeaderHidden(true);
    m_summary->setSelectionMode(QAbstractItemView::NoSelection);
    m_summary->setFocusPolicy(Qt::NoFocus);
    m_summary->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_perplexity = new PerplexityPanel(this);
    m_snapshots = new SnapshotView(this);
    m_snapshots->setSnapshotModel(m_live->snapshotModel());
    m_history = new QUndoView(m_live->configModel()->undoStack(), this);
    m_history->setObjectName(QStringLiteral("historyView"));
    m_history->setEmptyLabel(tr("<loaded configuration>"));

    // Selecting a bar selects its tensor in the tree, and the other way round.
    new TensorSelectionLink(m_editor->selectionModel(), QuantConfigModel::TensorNameRole,
                            m_structure->treeView()->selectionModel(),
                            ModelStructureModel::TensorNameRole, this);

    m_progress = new JobProgressWidget(this);
    statusBar()->addPermanentWidget(m_progress);
}

void MainWindow::createDocks() {
    m_docks = new DockLayout(this);
    QDockWidget* metrics = m_docks->addDock(QStringLiteral("metricsDock"), tr("Live Metrics"),
                                            m_metrics, Qt::RightDockWidgetArea);
    m_docks->addDock(QStringLiteral("perplexityDock"), tr("Perplexity"), m_perplexity,
                     Qt::RightDockWidgetArea, metrics);
    QDockWidget* structure = m_docks->addDock(QStringLiteral("structureDock"), tr("Tensors"),
                                              m_structure, Qt::LeftDockWidgetArea);
    m_docks->addDock(QStringLiteral("summaryDock"), tr("Model"), m_summary, Qt::LeftDockWidgetArea,
                     structure);
    QDockWidget* snapshots = m_docks->addDock(QStringLiteral("snapshotsDock"), tr("Snapshots"),
                                              m_snapshots, Qt::BottomDockWidgetArea);
    m_docks->addDock(QStringLiteral("historyDock"), tr("History"), m_history,
                     Qt::BottomDockWidgetArea, snapshots);
    metrics->raise();
    structure->raise();
    snapshots->raise();
    resizeDocks({metrics, structure}, {430, 300}, Qt::Horizontal);
    resizeDocks({snapshots}, {150}, Qt::Vertical);
}

void MainWindow::connectSession() {
    connect(m_session, &WorkbenchSession::perplexityChanged, m_perplexity,
            &PerplexityPanel::setReport);
    connect(m_session, &WorkbenchSession::jobStarted, m_perplexity,
            &PerplexityPanel::setRunningJob);
    connect(m_session, &WorkbenchSession::busyChanged, m_perplexity, [this](bool busy) {
        if (!busy) m_perplexity->setRunningJob({});
    });
    connect(m_session, &WorkbenchSession::busyChanged, m_progress, &JobProgressWidget::setBusy);
    connect(m_session, &WorkbenchSession::jobStarted, m_progress, &JobProgressWidget::setTitle);
    connect(m_session, &WorkbenchSession::progressChanged, m_progress,
            &JobProgressWidget::setProgress);
    connect(m_progress, &JobProgressWidget::cancelRequested, m_session, &WorkbenchSession::cancel);
    connect(m_session, &WorkbenchSession::errorOccurred, m_messages, &MessageBar::showError);
    connect(m_session, &WorkbenchSession::errorOccurred, this,
            [this] { statusBar()->clearMessage(); });
    connect(m_session, &WorkbenchSession::statusMessage, this,
            [this](const QString& message) { statusBar()->showMessage(message); });
    // The progress strip names the job; an older message beside it would only confuse.
    connect(m_session, &WorkbenchSession::jobStarted, statusBar(), &QStatusBar::clearMessage);
    connect(m_session, &WorkbenchSession::modelChanged, this, [this] {
        m_messages->dismiss();
        m_actions->recentFiles()->add(m_session->modelPath());
        m_summary->resizeColumnToContents(0);
        updateTitle();
        updateActions();
    });
    connect(m_session, &WorkbenchSession::textPathChanged, this, [this](const QString& path) {
        m_actions->recentFiles()->add(path);
        updateActions();
    });
    connect(m_session, &WorkbenchSession::busyChanged, this, &MainWindow::updateActions);
}

void MainWindow::connectLiveEditing() {
    connect(m_live, &LiveEditing::errorOccurred, m_messages, &MessageBar::showError);
    connect(m_actions, &MainWindowActions::errorOccurred, m_messages, &MessageBar::showError);
    connect(m_live, &LiveEditing::statusMessage, this,
            [this](const QString& message) { statusBar()->showMessage(message); });
    connect(m_live, &LiveEditing::busyChanged, this, &MainWindow::updateActions);
    connect(m_snapshots, &SnapshotView::loadRequested, m_live, &LiveEditing::loadSnapshot);
    connect(m_analysis->feed(), &AnalysisFeed::errorOccurred, m_messages, &MessageBar::showError);
    connect(m_actions, &MainWindowActions::reportRequested, m_analysis,
            &AnalysisDocks::exportReport);
    connect(m_analysis, &AnalysisDocks::errorOccurred, m_messages, &MessageBar::showError);
    connect(m_analysis->feed(), &AnalysisFeed::statusMessage, this,
            [this](const QString& message) { statusBar()->showMessage(message); });
    connect(m_analysis->feed(), &AnalysisFeed::sensitivityProgress, this,
            [this](double fraction, const QString& stage) {
                if (fraction >= 0)
                    statusBar()->showMessage(
                        tr("Layer sensitivity: %1 (%2%)").arg(stage).arg(qRound(fraction * 100)));
            });
    connect(m_actions, &MainWindowActions::sensitivityRequested, this, [this] {
        m_analysis->feed()->measureSensitivity(m_live->configModel()->defaultLinearFormat());
    });
    connect(m_actions, &MainWindowActions::statusMessage, this,
            [this](const QString& message) { statusBar()->showMessage(message); });
    connect(m_analysis, &AnalysisDocks::reportWritten, this, [this](const QString& path) {
        statusBar()->showMessage(tr("Report written: %1").arg(QDir::toNativeSeparators(path)));
    });
}

void MainWindow::closeEvent(QCloseEvent* event) {
    m_docks->save();
    m_session->cancel();
    m_live->cancel();
    m_analysis->feed()->cancel();
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    const QList<QUrl> urls = event->mimeData()->urls();
    const bool local =
        !urls.isEmpty() &&
        std::all_of(urls.begin(), urls.end(), [](const QUrl& url) { return url.isLocalFile(); });
    if (local) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    QStringList models, texts;
    for (const QUrl& url : event->mimeData()->urls()) {
        const QString path = url.toLocalFile();
        (WorkbenchSession::isTextFile(path) ? texts : models) << path;
    }
    // Text first: with a model load following, the evaluation runs once, after the load.
    for (const QString& path : texts) m_session->setTextPath(path);
    if (!models.isEmpty()) m_session->openModel(models.constLast());
    event->acceptProposedAction();
}

void MainWindow::updateActions() {
    m_actions->updateStates();
}

void MainWindow::updateTitle() {
    const QString path = m_session->modelPath();
    setWindowTitle(path.isEmpty() ? tr("QuantScope")
                                  : tr("%1 — QuantScope").arg(formatShortPath(path)));
    setWindowFilePath(path);
}
