#include "chart_style.h"

#include <QAbstractAxis>
#include <QChart>
#include <QChartView>
#include <QGraphicsScene>
#include <QLegend>
#include <QTimer>

#include <algorithm>
#include <array>
#include <cmath>

QColor chartColor(ChartRole role) {
    switch (role) {
    case ChartRole::FullPrecision:
        return QColor(0x1f, 0x77, 0xb4); // blue
    case ChartRole::Current:
        return QColor(0xd6, 0x27, 0x28); // red
    case ChartRole::Uniform:
        return QColor(0x4d, 0x4d, 0x4d); // dark grey
    case ChartRole::Snapshot:
        return QColor(0x2c, 0xa0, 0x2c); // green
    case ChartRole::Frontier:
        return QColor(0xff, 0x7f, 0x0e); // orange
    case ChartRole::Reference:
        return QColor(0x99, 0x99, 0x99); // light grey
    case ChartRole::Accent:
        return QColor(0x94, 0x67, 0xbd); // purple
    }
    return Qt::black;
}

QChartView* makeChartView(QChart* chart, QWidget* parent) {
    auto* view = new QChartView(chart, parent);
    view->setRenderHint(QPainter::Antialiasing);
    // The view itself no longer follows the scene; the timer below does, one event-loop turn
    // later. (A QTimer object with interval 0 is a real timer; QTimer::singleShot(0) would be a
    // posted event and run in the same burst as the scene's own.)
    view->setViewportUpdateMode(QGraphicsView::NoViewportUpdate);
    auto* repaint = new QTimer(view);
    repaint->setSingleShot(true);
    repaint->setInterval(0);
    QWidget* viewport = view->viewport();
    QObject::connect(repaint, &QTimer::timeout, viewport, [viewport] { viewport->update(); });
    QObject::connect(view->scene(), &QGraphicsScene::changed, repaint,
                     [repaint] { repaint->start(); });
    return view;
}

void clearChart(QChart* chart) {
    chart->removeAllSeries();
    for (QAbstractAxis* axis : chart->axes()) {
        chart->removeAxis(axis);
        delete axis;
    }
}

QChart* makeChart(const QString& title) {
    auto* chart = new QChart;
    chart->setTitle(title);
    QFont titleFont = chart->titleFont();
    titleFont.setBold(true);
    titleFont.setPointSizeF(std::max(10.0, titleFont.pointSizeF() * 1.1));
    chart->setTitleFont(titleFont);
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->setBackgroundRoundness(0);
    chart->setMargins(QMargins(6, 6, 6, 6));
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setTheme(QChart::ChartThemeLight);
    chart->setTitleFont(titleFont); // the theme resets it
    return chart;
}

void styleAxis(QAbstractAxis* axis, const QString& title) {
    axis->setTitleText(title);
    QFont f = axis->titleFont();
    f.setBold(false);
    axis->setTitleFont(f);
    axis->setGridLineColor(QColor(0xe0, 0xe0, 0xe0));
}

QColor viridis(double t) {
    // 9 samples of matplotlib's viridis, linearly interpolated.
    static constexpr std::array<std::array<int, 3>, 9> kStops{{{68, 1, 84},
                                                               {71, 44, 122},
                                                               {59, 81, 139},
                                                               {44, 113, 142},
                                                               {33, 144, 141},
                                                               {39, 173, 129},
                                                               {92, 200, 99},
                                                               {170, 220, 50},
                                                               {253, 231, 37}}};
    if (!std::isfinite(t)) t = 0;
    t = std::clamp(t, 0.0, 1.0) * double(kStops.size() - 1);
    const int i = std::min(int(t), int(kStops.size()) - 2);
    const double f = t - i;
    const auto mix = [&](int c) {
        return int(std::lround(kStops[i][c] * (1 - f) + kStops[i + 1][c] * f));
    };
    return QColor(mix(0), mix(1), mix(2));
}
