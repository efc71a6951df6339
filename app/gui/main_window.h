#pragma once
// The workbench window. The bit-width editor is the central widget; docks around it hold the
// live metrics, the model's tensor tree and summary, the full-precision perplexity, the saved
// snapshots and the edit history (QUndoView), and the analysis views (AnalysisDocks). Job progress
// with Cancel sits in the status bar, errors in a non-modal message bar. All state lives in the
// WorkbenchSession and LiveEditing; the window only wires views to them. Geometry and dock layout
// are restored from QSettings. Model files/folders and texts can be dropped on the window.
//
//   WorkbenchSession session;
//   MainWindow window(&session);
//   window.show();
//   session.openModel(path);

#include <QMainWindow>

class AnalysisDocks;
class BitWidthEditor;
class DockLayout;
class JobProgressWidget;
class LiveEditing;
class LiveMetricsPanel;
class MainWindowActions;
class MessageBar;
class ModelStructureView;
class PerplexityPanel;
class QTreeView;
class QUndoView;
class SnapshotView;
class WorkbenchSession;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(WorkbenchSession* session, QWidget* parent = nullptr);

    LiveEditing* liveEditing() const { return m_live; }
    BitWidthEditor* bitWidthEditor() const { return m_editor; }
    LiveMetricsPanel* metricsPanel() const { return m_metrics; }
    SnapshotView* snapshotView() const { return m_snapshots; }
    PerplexityPanel* perplexityPanel() const { return m_perplexity; }
    ModelStructureView* structureView() const { return m_structure; }
    MessageBar* messageBar() const { return m_messages; }
    MainWindowActions* actions() const { return m_actions; }
    DockLayout* docks() const { return m_docks; }
    AnalysisDocks* analysisDocks() const { return m_analysis; }

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createWidgets();
    void createDocks();
    void connectSession();
    void connectLiveEditing();
    void updateActions();
    void updateTitle();

    WorkbenchSession* m_session;
    LiveEditing* m_live;
    BitWidthEditor* m_editor = nullptr;
    LiveMetricsPanel* m_metrics = nullptr;
    SnapshotView* m_snapshots = nullptr;
    ModelStructureView* m_structure = nullptr;
    QTreeView* m_summary = nullptr;
    PerplexityPanel* m_perplexity = nullptr;
    QUndoView* m_history = nullptr;
    MessageBar* m_messages = nullptr;
    JobProgressWidget* m_progress = nullptr;
    DockLayout* m_docks = nullptr;
    AnalysisDocks* m_analysis = nullptr;
    MainWindowActions* m_actions = nullptr;
};
