#pragma once
// File > Export Report of the workbench: the report's data taken from the window's live state
// (full-precision reference, the current configuration when its result is exact, and every
// snapshot), its figures captured from the live views, written on a worker thread.
//
//   auto* exporter = new ReportExporter(this);
//   connect(exporter, &ReportExporter::finished, this, [](const QString& path) { … });
//   connect(exporter, &ReportExporter::failed, messageBar, &MessageBar::showError);
//   ReportData data = workbenchReportData(session, live, saliencyGrids, sensitivityGrids);
//   exporter->start(data, figures, path);   // returns at once
//
// The GUI thread only copies values and records the figures (QPicture); hashing the model and
// text files for the provenance block and encoding PDF/SVG/PNG happen on the worker.

#include "report_data.h"
#include "report_figures.h"

#include <QFutureWatcher>
#include <QObject>

class LiveEditing;
class WorkbenchSession;

// Empty configurations (and an explanation in *why) when there is nothing to report yet.
ReportData workbenchReportData(const WorkbenchSession& session, const LiveEditing& live,
                               const QList<LayerGrid>& saliencyGrids,
                               const QList<LayerGrid>& sensitivityGrids, QString* why);

class ReportExporter : public QObject {
    Q_OBJECT

public:
    explicit ReportExporter(QObject* parent = nullptr);
    ~ReportExporter() override;

    // Fills the provenance hashes and writes the report on a worker thread. A second call while
    // one runs is refused with failed().
    void start(ReportData data, QList<ReportFigure> figures, const QString& path);
    bool isRunning() const { return m_watcher.isRunning(); }
    void waitForFinished() { m_watcher.waitForFinished(); }

signals:
    void finished(const QString& path);
    void failed(const QString& message);

private:
    QFutureWatcher<QString> m_watcher; // result: empty on success, else the error
    QString m_path;
};
