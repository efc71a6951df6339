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
class QAbstractAxis;

enum class ChartRole { FullPrecision, Current, Uniform, Snapshot, Frontier, Reference, Accent };

QColor chartColor(ChartRole role);
// A white chart with a bold title, legend at the bottom, and no animations.
QChart* makeChart(const QString& title);
// Axis title and label fonts shared by the charts.
void styleAxis(QAbstractAxis* axis, const QString& title);
// Viridis colour map, t in [0, 1] (clamped).
QColor viridis(double t);
