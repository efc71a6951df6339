#pragma once
// Every command of the workbench window as a QAction with menu entry, tooltip and (where it
// makes sense) a shortcut, plus the non-modal file dialogs they open. MainWindow only creates
// it and keeps the enabled states current through updateStates().
//
//   File      Open Model… Ctrl+O, Open Model Folder…, Open Text… Ctrl+T, Recent Files,
//             Open Configuration… Ctrl+Shift+O, Save Configuration… Ctrl+S,
//             Export Configuration ▸ (one entry per exporter plugin), Export Report… Ctrl+Shift+E,
//             Quit Ctrl+Q
//   Edit      Undo Ctrl+Z, Redo Ctrl+Shift+Z, Uniform ▸, Protect First/Last Blocks ▸
//   Evaluate  Run Perplexity Ctrl+R, Restart Live Evaluation F5, Cancel Esc,
//             Save Snapshot… Ctrl+Shift+S, Measure Layer Sensitivity Ctrl+Shift+M
//   View      one toggle per dock, Reset Layout
//   Help      Plugins…, About QuantScope
//
// Dialogs are opened window-modal with open(), never exec(): no nested event loop.

#include <QObject>
#include <QString>

class ConfigurationExport;
class PluginManager;
class DockLayout;
class LiveEditing;
class QAction;
class QFileDialog;
class QMainWindow;
class QMenu;
class RecentFiles;
class WorkbenchSession;

class MainWindowActions : public QObject {
    Q_OBJECT

public:
    MainWindowActions(QMainWindow* window, WorkbenchSession* session, LiveEditing* live,
                      DockLayout* docks);

    QAction* runAction() const { return m_run; }
    QAction* cancelAction() const { return m_cancel; }
    QAction* saveConfigAction() const { return m_saveConfig; }
    QAction* snapshotAction() const { return m_snapshot; }
    QAction* exportReportAction() const { return m_exportReport; }
    RecentFiles* recentFiles() const { return m_recent; }

    void updateStates();

    ConfigurationExport* configurationExport() const { return m_export; }
    // The plugins, discovered on first use (Help > Plugins, File > Export Configuration).
    PluginManager* plugins();

    // Presets offered in the Edit menu (uniform and protected first/last).
    static QStringList presetFormats();

signals:
    void errorOccurred(const QString& message);
    // The user chose where to write a report (.pdf, .html or .md).
    void reportRequested(const QString& path);
    void statusMessage(const QString& message);
    // Evaluate > Measure Layer Sensitivity (a layer sweep at the editor's default format).
    void sensitivityRequested();

public slots:
    // Writes the edited configuration with exporter `exporterId` to `path` in the background
    // (what choosing a file in File > Export Configuration does).
    void exportConfiguration(const QString& exporterId, const QString& path);

private:
    void createFileMenu();
    void createEditMenu();
    void createEvaluateMenu();
    void createViewMenu();
    void createHelpMenu();
    QAction* add(QMenu* menu, const QString& text, const QString& tip, const QKeySequence& key);

    QFileDialog* makeFileDialog(const QString& title, const QString& settingsKey);
    void chooseModelFile();
    void chooseModelFolder();
    void chooseText();
    void chooseConfigToOpen();
    void chooseConfigToSave();
    void chooseReportToSave();
    void fillExportMenu();
    void chooseExportTarget(const QString& exporterId);
    void askSnapshotName();
    void showAbout();
    void showPlugins();

    QMainWindow* m_window;
    WorkbenchSession* m_session;
    LiveEditing* m_live;
    DockLayout* m_docks;
    RecentFiles* m_recent = nullptr;
    PluginManager* m_plugins = nullptr; // discovered on first use of Help > Plugins
    QAction* m_run = nullptr;
    QAction* m_restart = nullptr;
    QAction* m_cancel = nullptr;
    QAction* m_openConfig = nullptr;
    QAction* m_saveConfig = nullptr;
    QAction* m_snapshot = nullptr;
    QAction* m_exportReport = nullptr;
    QAction* m_measureSensitivity = nullptr;
    QMenu* m_exportMenu = nullptr;
    ConfigurationExport* m_export = nullptr;
    QList<QAction*> m_presetActions;
};
