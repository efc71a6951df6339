#pragma once
// The analysis views of the workbench window as docks (logit distortion, Pareto trade-off,
// generation preview, saliency heatmap, sensitivity bars, outliers), fed by an AnalysisFeed that
// follows the window's LiveEditing loop. Each dock has a View menu toggle (DockLayout) and its
// place is restored with the rest of the window state.
//
//   auto* analysis = new AnalysisDocks(window, session, live, docks, editor);
//   analysis->paretoView()->setYMeasure(ParetoView::YMeasure::MeanKld);
//
// Selection is linked by tensor name: a heatmap cell or outlier bar selects the tensor in the
// bit-width editor (and through TensorSelectionLink in the tensor tree); selecting a tensor in
// the editor marks it in the heatmap and shows its detail in the outliers view. Clicking a
// Pareto point loads its configuration (undoable).

#include <QObject>

class AnalysisFeed;
class BitWidthEditor;
class DockLayout;
class GenerationPreview;
class LiveEditing;
class LogitDistortionView;
class OutliersView;
class ParetoView;
class QDockWidget;
class QMainWindow;
class ReportExporter;
class SaliencyView;
class SensitivityChart;
class WorkbenchSession;

class AnalysisDocks : public QObject {
    Q_OBJECT

public:
    AnalysisDocks(QMainWindow* window, WorkbenchSession* session, LiveEditing* live,
                  DockLayout* docks, BitWidthEditor* editor);

    AnalysisFeed* feed() const { return m_feed; }
    LogitDistortionView* logitView() const { return m_logit; }
    ParetoView* paretoView() const { return m_pareto; }
    GenerationPreview* generationPreview() const { return m_generation; }
    SaliencyView* saliencyView() const { return m_saliency; }
    OutliersView* outliersView() const { return m_outliers; }
    SensitivityChart* sensitivityChart() const { return m_sensitivity; }
    ReportExporter* reportExporter() const { return m_exporter; }

public slots:
    // Selects `tensor` in the editor (and so in the tensor tree) and in the analysis views.
    void selectTensor(const QString& tensor);
    // Writes a report of the current state (see widgets/report/workbench_report.h) to `path`
    // (.pdf, .html or .md) in the background: reportWritten or errorOccurred follows.
    void exportReport(const QString& path);

signals:
    void reportWritten(const QString& path);
    void errorOccurred(const QString& message);

private:
    void createDocks(DockLayout* docks, QMainWindow* window);
    void connectFeed();
    void onEditorSelection();

    AnalysisFeed* m_feed;
    BitWidthEditor* m_editor;
    LogitDistortionView* m_logit;
    ParetoView* m_pareto;
    GenerationPreview* m_generation;
    SaliencyView* m_saliency;
    OutliersView* m_outliers;
    SensitivityChart* m_sensitivity;
    WorkbenchSession* m_session;
    LiveEditing* m_live;
    ReportExporter* m_exporter;
};
