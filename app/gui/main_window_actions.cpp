#include "main_window_actions.h"

#include "configuration_export.h"

#include "dock_layout.h"
#include "live_editing.h"
#include "plugin_manager.h"
#include "plugins_dialog.h"
#include "quant_config_model.h"
#include "recent_files.h"
#include "snapshot_model.h"
#include "workbench_session.h"

#include <QAction>
#include <QApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QMainWindow>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QUndoStack>

MainWindowActions::MainWindowActions(QMainWindow* window, WorkbenchSession* session,
                                     LiveEditing* live, DockLayout* docks)
    : QObject(window), m_window(window), m_session(session), m_live(live), m_docks(docks) {
    createFileMenu();
    createEditMenu();
    createEvaluateMenu();
    createViewMenu();
    createHelpMenu();
}

QStringList MainWindowActions::presetFormats() {
    return {QStringLiteral("int8_g32_sym"),  QStringLiteral("int6_g32_sym"),
            QStringLiteral("int4_g32_sym"),  QStringLiteral("int4_g32_asym"),
            QStringLiteral("int3_g32_asym"), QStringLiteral("int2_g32_asym"),
            QStringLiteral("q8_0"),          QStringLiteral("q6_k"),
            QStringLiteral("q5_k"),          QStringLiteral("q4_k"),
            QStringLiteral("q4_0"),          QStringLiteral("q3_k"),
            QStringLiteral("q2_k"),          QStringLiteral("nf4_g64"),
            QStringLiteral("mxfp4"),         QStringLiteral("f16")};
}

QAction* MainWindowActions::add(QMenu* menu, const QString& text, const QString& tip,
                                const QKeySequence& key) {
    // Parented to the window so that window-wide shortcuts work and tests can find them.
    auto* action = new QAction(text, m_window);
    action->setToolTip(tip);
    action->setStatusTip(tip);
    if (!key.isEmpty()) action->setShortcut(key);
    menu->addAction(action);
    return action;
}

void MainWindowActions::createFileMenu() {
    QMenu* file = m_window->menuBar()->addMenu(tr("&File"));
    connect(add(file, tr("&Open Model…"), tr("Open a llama2.c .bin, GGUF or safetensors model"),
                QKeySequence::Open),
            &QAction::triggered, this, &MainWindowActions::chooseModelFile);
    connect(add(file, tr("Open Model &Folder…"), tr("Open a Hugging Face model folder"), {}),
            &QAction::triggered, this, &MainWindowActions::chooseModelFolder);
    connect(
        add(file, tr("Open &Text…"), tr("Choose the evaluation text"), QKeySequence(tr("Ctrl+T"))),
        &QAction::triggered, this, &MainWindowActions::chooseText);
    m_recent = new RecentFiles(file->addMenu(tr("&Recent Files")), this);
    connect(m_recent, &RecentFiles::fileChosen, m_session, &WorkbenchSession::openPath);
    file->addSeparator();
    m_openConfig = add(file, tr("Open &Configuration…"),
                       tr("Load a quantization configuration (JSON); undoable"),
                       QKeySequence(tr("Ctrl+Shift+O")));
    connect(m_openConfig, &QAction::triggered, this, &MainWindowActions::chooseConfigToOpen);
    m_saveConfig =
        add(file, tr("&Save Configuration…"),
            tr("Save the current quantization configuration as JSON"), QKeySequence::Save);
    connect(m_saveConfig, &QAction::triggered, this, &MainWindowActions::chooseConfigToSave);
    m_exportMenu = file->addMenu(tr("&Export Configuration"));
    m_exportMenu->setToolTipsVisible(true);
    connect(m_exportMenu, &QMenu::aboutToShow, this, &MainWindowActions::fillExportMenu);
    m_export = new ConfigurationExport(this);
    connect(m_export, &ConfigurationExport::finished, this,
            [this](const QString& summary, const QStringList& notes) {
                emit statusMessage(notes.isEmpty() ? summary
                                                   : summary + QStringLiteral(" (") +
                                                         notes.join(QStringLiteral("; ")) +
                                                         QStringLiteral(")"));
            });
    connect(m_export, &ConfigurationExport::failed, this, &MainWindowActions::errorOccurred);
    m_exportReport = add(file, tr("Export &Report…"),
                         tr("Write a report for papers (PDF, HTML or Markdown) with tables, "
                            "figures as SVG/PNG, LaTeX/CSV and provenance"),
                         QKeySequence(tr("Ctrl+Shift+E")));
    connect(m_exportReport, &QAction::triggered, this, &MainWindowActions::chooseReportToSave);
    file->addSeparator();
    connect(add(file, tr("&Quit"), tr("Close QuantScope"), QKeySequence::Quit), &QAction::triggered,
            m_window, &QWidget::close);
}

void MainWindowActions::createEditMenu() {
    QMenu* edit = m_window->menuBar()->addMenu(tr("&Edit"));
    QUndoStack* stack = m_live->configModel()->undoStack();
    QAction* undo = stack->createUndoAction(m_window, tr("&Undo"));
    undo->setShortcuts({QKeySequence(tr("Ctrl+Z"))});
    undo->setToolTip(tr("Undo the last change to the configuration"));
    QAction* redo = stack->createRedoAction(m_window, tr("&Redo"));
    redo->setShortcuts({QKeySequence(tr("Ctrl+Shift+Z")), QKeySequence(tr("Ctrl+Y"))});
    redo->setToolTip(tr("Redo the last undone change"));
    edit->addAction(undo);
    edit->addAction(redo);
    edit->addSeparator();
    QMenu* uniform = edit->addMenu(tr("&Uniform"));
    uniform->setToolTipsVisible(true);
    QMenu* protect = edit->addMenu(tr("&Protect First/Last Blocks"));
    protect->setToolTipsVisible(true);
    QuantConfigModel* config = m_live->configModel();
    for (const QString& format : presetFormats()) {
        QAction* u = add(uniform, format, tr("Every linear layer at %1").arg(format), {});
        connect(u, &QAction::triggered, config, [config, format] { config->applyUniform(format); });
        QAction* p = add(protect, format,
                         tr("First and last block at %1, the others at %2")
                             .arg(QuantConfigModel::eightBitSibling(format), format),
                         {});
        connect(p, &QAction::triggered, config,
                [config, format] { config->applyProtectFirstLast(format); });
        m_presetActions << u << p;
    }
}

void MainWindowActions::createEvaluateMenu() {
    QMenu* evaluate = m_window->menuBar()->addMenu(tr("E&valuate"));
    m_run =
        add(evaluate, tr("&Run Perplexity"),
            tr("Full-precision perplexity of the model on the text"), QKeySequence(tr("Ctrl+R")));
    connect(m_run, &QAction::triggered, m_session, &WorkbenchSession::runPerplexity);
    m_restart = add(evaluate, tr("Restart &Live Evaluation"),
                    tr("Rebuild the reference and evaluate the current configuration"),
                    QKeySequence(Qt::Key_F5));
    connect(m_restart, &QAction::triggered, m_live, &LiveEditing::restart);
    m_cancel = add(evaluate, tr("&Cancel"), tr("Stop the running job and evaluation"),
                   QKeySequence(Qt::Key_Escape));
    connect(m_cancel, &QAction::triggered, m_session, &WorkbenchSession::cancel);
    connect(m_cancel, &QAction::triggered, m_live, &LiveEditing::cancel);
    evaluate->addSeparator();
    m_snapshot = add(evaluate, tr("Save &Snapshot…"),
                     tr("Keep the current configuration and its exact metrics for comparison"),
                     QKeySequence(tr("Ctrl+Shift+S")));
    connect(m_snapshot, &QAction::triggered, this, &MainWindowActions::askSnapshotName);
    m_measureSensitivity =
        add(evaluate, tr("Measure Layer &Sensitivity"),
            tr("Evaluate every linear layer alone at the default format (the rest at full "
               "precision) in the background; the measured KLD joins the saliency views"),
            QKeySequence(tr("Ctrl+Shift+M")));
    connect(m_measureSensitivity, &QAction::triggered, this,
            &MainWindowActions::sensitivityRequested);
}

void MainWindowActions::createViewMenu() {
    QMenu* view = m_window->menuBar()->addMenu(tr("Vie&w"));
    view->addActions(m_docks->toggleActions());
    view->addSeparator();
    connect(add(view, tr("&Reset Layout"), tr("Put every panel back in its default place"), {}),
            &QAction::triggered, m_docks, &DockLayout::resetToDefault);
}

void MainWindowActions::createHelpMenu() {
    QMenu* help = m_window->menuBar()->addMenu(tr("&Help"));
    connect(add(help, tr("&Plugins…"), tr("Loaded plugins with version, path and status"), {}),
            &QAction::triggered, this, &MainWindowActions::showPlugins);
    connect(add(help, tr("&About QuantScope"), tr("Version and license"), {}), &QAction::triggered,
            this, &MainWindowActions::showAbout);
}

void MainWindowActions::updateStates() {
    const bool busy = m_session->isBusy();
    const bool hasModel = m_session->hasModel();
    m_run->setEnabled(!busy && hasModel && !m_session->textPath().isEmpty());
    m_restart->setEnabled(hasModel && !m_session->textPath().isEmpty());
    m_cancel->setEnabled(busy || m_live->isBusy());
    m_openConfig->setEnabled(hasModel);
    m_saveConfig->setEnabled(hasModel);
    m_snapshot->setEnabled(hasModel);
    m_exportReport->setEnabled(hasModel && !m_session->textPath().isEmpty());
    m_exportMenu->setEnabled(hasModel);
    m_measureSensitivity->setEnabled(hasModel && !m_session->textPath().isEmpty());
    for (QAction* a : std::as_const(m_presetActions)) a->setEnabled(hasModel);
}

QFileDialog* MainWindowActions::makeFileDialog(const QString& title, const QString& settingsKey) {
    auto* dialog = new QFileDialog(m_window, title);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setDirectory(QSettings().value(settingsKey).toString());
    connect(dialog, &QFileDialog::fileSelected, this, [settingsKey](const QString& path) {
        QSettings().setValue(settingsKey, QFileInfo(path).absolutePath());
    });
    return dialog;
}

void MainWindowActions::chooseModelFile() {
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

void MainWindowActions::chooseModelFolder() {
    QFileDialog* dialog =
        makeFileDialog(tr("Open Model Folder"), QStringLiteral("dialogs/modelDir"));
    dialog->setFileMode(QFileDialog::Directory);
    dialog->setOption(QFileDialog::ShowDirsOnly);
    connect(dialog, &QFileDialog::fileSelected, m_session, &WorkbenchSession::openModel);
    dialog->open();
}

void MainWindowActions::chooseText() {
    QFileDialog* dialog =
        makeFileDialog(tr("Open Evaluation Text"), QStringLiteral("dialogs/textDir"));
    dialog->setFileMode(QFileDialog::ExistingFile);
    dialog->setNameFilters({tr("Text (*.txt *.raw *.text *.md)"), tr("All files (*)")});
    connect(dialog, &QFileDialog::fileSelected, m_session, &WorkbenchSession::setTextPath);
    dialog->open();
}

void MainWindowActions::chooseConfigToOpen() {
    QFileDialog* dialog =
        makeFileDialog(tr("Open Configuration"), QStringLiteral("dialogs/configDir"));
    dialog->setFileMode(QFileDialog::ExistingFile);
    dialog->setNameFilters({tr("Configurations (*.json)"), tr("All files (*)")});
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString& path) {
        QString error;
        if (!m_live->configModel()->loadFromFile(path, &error)) emit errorOccurred(error);
    });
    dialog->open();
}

void MainWindowActions::chooseConfigToSave() {
    QFileDialog* dialog =
        makeFileDialog(tr("Save Configuration"), QStringLiteral("dialogs/configDir"));
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setDefaultSuffix(QStringLiteral("json"));
    dialog->setNameFilters({tr("Configurations (*.json)")});
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString& path) {
        QString error;
        if (!m_live->configModel()->saveToFile(path, &error)) emit errorOccurred(error);
    });
    dialog->open();
}

void MainWindowActions::chooseReportToSave() {
    QFileDialog* dialog = makeFileDialog(tr("Export Report"), QStringLiteral("dialogs/reportDir"));
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setDefaultSuffix(QStringLiteral("pdf"));
    const QStringList filters{tr("PDF report (*.pdf)"), tr("HTML report (*.html)"),
                              tr("Markdown report (*.md)")};
    dialog->setNameFilters(filters);
    connect(dialog, &QFileDialog::filterSelected, dialog, [dialog, filters](const QString& f) {
        static const char* const kSuffixes[] = {"pdf", "html", "md"};
        const int i = int(filters.indexOf(f));
        if (i >= 0) dialog->setDefaultSuffix(QLatin1String(kSuffixes[i]));
    });
    connect(dialog, &QFileDialog::fileSelected, this, &MainWindowActions::reportRequested);
    dialog->open();
}

void MainWindowActions::askSnapshotName() {
    auto* dialog = new QInputDialog(m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Save Snapshot"));
    dialog->setLabelText(tr("Name:"));
    dialog->setTextValue(tr("Snapshot %1").arg(m_live->snapshotModel()->rowCount() + 1));
    connect(dialog, &QInputDialog::textValueSelected, m_live,
            [this](const QString& name) { m_live->saveSnapshot(name); });
    dialog->open();
}

PluginManager* MainWindowActions::plugins() {
    if (!m_plugins) {
        m_plugins = new PluginManager(this);
        m_plugins->loadAll();
    }
    return m_plugins;
}

void MainWindowActions::fillExportMenu() {
    m_exportMenu->clear();
    const auto exporters = plugins()->exporters();
    if (exporters.empty()) {
        m_exportMenu->addAction(tr("No exporter plugins found (Help → Plugins)"))
            ->setEnabled(false);
        return;
    }
    for (const auto& exporter : exporters) {
        QAction* a = m_exportMenu->addAction(exporter->displayName() + QStringLiteral("…"));
        a->setToolTip(exporter->description());
        const QString id = exporter->id();
        connect(a, &QAction::triggered, this, [this, id] { chooseExportTarget(id); });
    }
}

void MainWindowActions::chooseExportTarget(const QString& exporterId) {
    const auto exporter = plugins()->exporter(exporterId);
    if (!exporter) return;
    QFileDialog* dialog =
        makeFileDialog(tr("Export Configuration: %1").arg(exporter->displayName()),
                       QStringLiteral("dialogs/exportDir"));
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setDefaultSuffix(exporter->fileSuffix());
    dialog->setNameFilters({exporter->fileFilter()});
    connect(dialog, &QFileDialog::fileSelected, this,
            [this, exporterId](const QString& path) { exportConfiguration(exporterId, path); });
    dialog->open();
}

void MainWindowActions::exportConfiguration(const QString& exporterId, const QString& path) {
    const auto exporter = plugins()->exporter(exporterId);
    if (!exporter) {
        emit errorOccurred(
            tr("%1: no exporter '%2' among the loaded plugins").arg(path, exporterId));
        return;
    }
    const QFileInfo model(m_session->modelPath());
    QVariantMap options{{QStringLiteral("name"), model.completeBaseName()},
                        {QStringLiteral("dataPath"), m_session->textPath()},
                        {QStringLiteral("appVersion"), QApplication::applicationVersion()}};
    if (model.suffix().compare(QLatin1String("gguf"), Qt::CaseInsensitive) == 0)
        options.insert(QStringLiteral("input"), model.absoluteFilePath());
    emit statusMessage(tr("Exporting %1…").arg(QFileInfo(path).fileName()));
    m_export->start(exporter, m_session->model(), m_live->configModel()->config(), path, options);
}

void MainWindowActions::showPlugins() {
    auto* dialog = new PluginsDialog(plugins(), m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show(); // non-modal
}

void MainWindowActions::showAbout() {
    auto* box = new QMessageBox(
        QMessageBox::Information, tr("About QuantScope"),
        tr("<h3>QuantScope %1</h3><p>A workbench for mixed-precision "
           "quantization of LLMs: drag per-layer bit-widths and watch perplexity, "
           "KL divergence and calibration follow.</p><p>Qt %2</p>")
            .arg(QApplication::applicationVersion(), QString::fromLatin1(qVersion())),
        QMessageBox::Ok, m_window);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}
