#pragma once
// The workbench window: tensor tree with filter (left), model summary and perplexity (right),
// job progress with Cancel in the status bar, errors in a non-modal message bar. All state
// lives in the WorkbenchSession; the window only forwards user intent and shows signals.
// Model files/folders and texts can be dropped on the window. Geometry and the splitter are
// restored from QSettings.
//
//   WorkbenchSession session;
//   MainWindow window(&session);
//   window.show();
//   session.openModel(path);

#include <QMainWindow>

class JobProgressWidget;
class MessageBar;
class ModelStructureView;
class PerplexityPanel;
class QAction;
class QFileDialog;
class QSplitter;
class QTreeView;
class RecentFiles;
class WorkbenchSession;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(WorkbenchSession* session, QWidget* parent = nullptr);

    PerplexityPanel* perplexityPanel() const { return m_perplexity; }
    ModelStructureView* structureView() const { return m_structure; }
    MessageBar* messageBar() const { return m_messages; }

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createCentralWidget();
    void createMenus();
    void connectSession();
    void restoreSettings();
    void updateActions();
    void updateTitle();

    // Dialogs are opened window-modal with open(), never exec(): no nested event loop.
    QFileDialog* makeFileDialog(const QString& title, const QString& settingsKey);
    void chooseModelFile();
    void chooseModelFolder();
    void chooseText();
    void showAbout();

    WorkbenchSession* m_session;
    ModelStructureView* m_structure = nullptr;
    QTreeView* m_summary = nullptr;
    PerplexityPanel* m_perplexity = nullptr;
    MessageBar* m_messages = nullptr;
    JobProgressWidget* m_progress = nullptr;
    QSplitter* m_splitter = nullptr;
    RecentFiles* m_recent = nullptr;
    QAction* m_runAction = nullptr;
    QAction* m_cancelAction = nullptr;
};
