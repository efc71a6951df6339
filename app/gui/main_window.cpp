#include "main_window.h"

#include "formatting.h"
#include "job_progress_widget.h"
#include "message_bar.h"
#include "model_structure_model.h"
#include "model_structure_view.h"
#include "model_summary_model.h"
#include "perplexity_panel.h"
#include "recent_files.h"
#include "workbench_session.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGroupBox>
#include <QHeaderView>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>

MainWindow::MainWindow(WorkbenchSession* session, QWidget* parent)
    : QMainWindow(parent), m_session(session) {
    setAcceptDrops(true);
    createCentralWidget();
    createMenus();
    connectSession();
    restoreSettings();
    updateActions();
    updateTitle();
    statusBar()->showMessage(tr("Open a model to begin (File → Open Model…, or drop it here)"));
}

void MainWindow::createCentralWidget() {
    m_structure = new ModelStructureView(this);
    m_structure->setSourceModel(m_session->structureModel());

    auto* summaryBox = new QGroupBox(tr("Model"), this);
    m_summary = new QTreeView(summaryBox);
    m_summary->setObjectName(QStringLiteral("summaryView"));
    m_summary->setModel(m_session->summaryModel());
    m_summary->setRootIsDecorated(false);
    m_summary->setAlternatingRowColors(true);
    m_summary->setHeaderHidden(true);
    m_summary->setSelectionMode(QAbstractItemView::NoSelection);
    m_summary->setFocusPolicy(Qt::NoFocus);
    m_summary->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    // As tall as its rows, so the perplexity panel below gets the remaining space.
    m_summary->setSizeAdjustPolicy(QAbstractScrollArea::AdjustToContents);
    m_summary->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);
    auto* summaryLayout = new QVBoxLayout(summaryBox);
    summaryLayout->addWidget(m_summary);

    m_perplexity = new PerplexityPanel(this);
    auto* right = new QWidget(this);
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(summaryBox);
    rightLayout->addWidget(m_perplexity, 1);

    m_splitter = new QSplitter(Qt::Horizontal, this);
    m_splitter->addWidget(m_structure);
    m_splitter->addWidget(right);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);

    m_messages = new MessageBar(this);
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->addWidget(m_messages);
    layout->addWidget(m_splitter, 1);
    setCentralWidget(central);

    m_progress = new JobProgressWidget(this);
    statusBar()->addPermanentWidget(m_progress);
}

void MainWindow::createMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open Model…"), QKeySequence::Open, this, &MainWindow::chooseModelFile);
    file->addAction(tr("Open Model &Folder…"), this, &MainWindow::chooseModelFolder);
    file->addAction(tr("Open &Text…"), QKeySequence(tr("Ctrl+T")), this, &MainWindow::chooseText);
    m_recent = new RecentFiles(file->addMenu(tr("&Recent Files")), this);
    connect(m_recent, &RecentFiles::fileChosen, m_session, &WorkbenchSession::openPath);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* evaluate = menuBar()->addMenu(tr("&Evaluate"));
    m_runAction = evaluate->addAction(tr("&Run Perplexity"), QKeySequence(tr("Ctrl+R")), m_session,
                                      &WorkbenchSession::runPerplexity);
    m_cancelAction = evaluate->addAction(tr("&Cancel"), QKeySequence(Qt::Key_Escape), m_session,
                                         &WorkbenchSession::cancel);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About QuantScope"), this, &MainWindow::showAbout);
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
        m_recent->add(m_session->modelPath());
        m_summary->resizeColumnToContents(0);
        updateTitle();
    });
    connect(m_session, &WorkbenchSession::textPathChanged, this, [this](const QString& path) {
        m_recent->add(path);
        updateActions();
    });
    connect(m_session, &WorkbenchSession::busyChanged, this, &MainWindow::updateActions);
}

void MainWindow::restoreSettings() {
    QSettings settings;
    if (!restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray()))
        resize(1200, 760);
    if (!m_splitter->restoreState(settings.value(QStringLiteral("window/splitter")).toByteArray()))
        m_splitter->setSizes({width() * 52 / 100, width() * 48 / 100});
}

void MainWindow::closeEvent(QCloseEvent* event) {
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/splitter"), m_splitter->saveState());
    m_session->cancel();
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
    const bool busy = m_session->isBusy();
    m_runAction->setEnabled(!busy && m_session->hasModel() && !m_session->textPath().isEmpty());
    m_cancelAction->setEnabled(busy);
}

void MainWindow::updateTitle() {
    const QString path = m_session->modelPath();
    setWindowTitle(path.isEmpty() ? tr("QuantScope")
                                  : tr("%1 — QuantScope").arg(formatShortPath(path)));
    setWindowFilePath(path);
}

QFileDialog* MainWindow::makeFileDialog(const QString& title, const QString& settingsKey) {
    auto* dialog = new QFileDialog(this, title);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setDirectory(QSettings().value(settingsKey).toString());
    connect(dialog, &QFileDialog::fileSelected, this, [settingsKey](const QString& path) {
        QSettings().setValue(settingsKey, QFileInfo(path).absolutePath());
    });
    return dialog;
}

void MainWindow::chooseModelFile() {
    QFileDialog* dialog = makeFileDialog(tr("Open Model"), QStringLiteral("dialogs/modelDir"));
    dialog->setFileMode(QFileDialog::ExistingFile);
    dialog->setNameFilters(
        {tr("Models (*.bin *.gguf *.safetensors config.json)"), tr("All files (*)")});
    connect(dialog, &QFileDialog::fileSelected, m_session, [this](const QString& path) {
        // A safetensors shard stands for its Hugging Face folder (config.json is understood).
        const QFileInfo info(path);
        m_session->openModel(info.suffix() == QLatin1String("safetensors") ? info.absolutePath()
                                                                           : path);
    });
    dialog->open();
}

void MainWindow::chooseModelFolder() {
    QFileDialog* dialog =
        makeFileDialog(tr("Open Model Folder"), QStringLiteral("dialogs/modelDir"));
    dialog->setFileMode(QFileDialog::Directory);
    dialog->setOption(QFileDialog::ShowDirsOnly);
    connect(dialog, &QFileDialog::fileSelected, m_session, &WorkbenchSession::openModel);
    dialog->open();
}

void MainWindow::chooseText() {
    QFileDialog* dialog =
        makeFileDialog(tr("Open Evaluation Text"), QStringLiteral("dialogs/textDir"));
    dialog->setFileMode(QFileDialog::ExistingFile);
    dialog->setNameFilters({tr("Text (*.txt *.raw *.text *.md)"), tr("All files (*)")});
    connect(dialog, &QFileDialog::fileSelected, m_session, &WorkbenchSession::setTextPath);
    dialog->open();
}

void MainWindow::showAbout() {
    auto* box = new QMessageBox(
        QMessageBox::Information, tr("About QuantScope"),
        tr("<h3>QuantScope %1</h3><p>A workbench for mixed-precision "
           "quantization of LLMs: inspect a model's tensors and measure "
           "perplexity.</p><p>Qt %2</p>")
            .arg(QApplication::applicationVersion(), QString::fromLatin1(qVersion())),
        QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}
