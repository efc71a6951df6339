#pragma once
// One look for every analysis chart (also in exported figures): fonts, margins, no animation,
// and fixed colours per role so "full precision" and "current configuration" read the same in
// every view.
//
//   QChart* chart = makeChart(tr("Reliability"));
//   series->setColor(chartColor(ChartRole::Current));

#include <QColor>
#include <QString>

class QChart;
class QChartView;
class QAbstractAxis;
class QWidget;

enum class ChartRole { FullPrecision, Current, Uniform, Snapshot, Frontier, Reference, Accent };

QColor chartColor(ChartRole role);
// A white chart with a bold title, legend at the bottom, and no animations.
QChart* makeChart(const QString& title);
// An antialiased view of `chart` whose repaints wait for the event loop. A plain QGraphicsView
// repaints its whole window synchronously each time its scene has processed changed items, so
// one new result reaching five charts used to cost five full-window repaints in a row with no
// input or timer served in between (~25 ms on a 2-core machine). Here scene changes only mark
// the viewport dirty from a zero-timer, and all charts share the next ordinary repaint.
QChartView* makeChartView(QChart* chart, QWidget* parent);
// Removes (and deletes) every series and axis of `chart`, before it is built again.
void clearChart(QChart* chart);
// Axis title and label fonts shared by the charts.
void styleAxis(QAbstractAxis* axis, const QString& title);
// Viridis colour map, t in [0, 1] (clamped).
QColor viridis(double t);
