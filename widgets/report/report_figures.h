#pragma once
// The figures of a report, captured from the workbench's own views so a figure in a paper is
// exactly what the user saw: each view paints itself (FigureWidget::renderFigure, or a QChart
// through renderChart) into a QPicture, a resolution-independent list of paint commands the
// report writer replays into PDF pages, SVG and PNG files on any thread.
//
//   // GUI thread: capture the live views (a few ms each)
//   ReportFigure f = captureFigure(QStringLiteral("pareto"), tr("Size against quality"),
//                                  paretoView);
//   // or build fresh views for data from a session file (CLI, tests)
//   QList<ReportFigure> figures = reportFigures(data);
//
// Widgets are used, so capturing needs a QApplication and runs on the GUI thread.

#include <QList>
#include <QPicture>
#include <QSize>
#include <QString>

class FigureWidget;
class QChart;
struct ReportData;

struct ReportFigure {
    QString id;      // file stem: "pareto", "reliability", "saliency_1", "sensitivity"
    QString caption; // one sentence under the figure
    QPicture picture;
    QSize size; // logical size the picture was painted at
};

ReportFigure captureFigure(const QString& id, const QString& caption, FigureWidget* view,
                           QSize size = {});
ReportFigure captureChart(const QString& id, const QString& caption, QChart* chart,
                          QSize size = QSize(640, 520));

// Pareto trade-off (full precision and every configuration), reliability diagram of the first
// configuration against full precision, one saliency heatmap per grid, and the sensitivity
// bars — each drawn by the view the workbench shows it in.
QList<ReportFigure> reportFigures(const ReportData& data);
