#pragma once
// Base of every analysis view that is also a figure: the view paints its figure through
// renderFigure(painter, rect), and the same call produces the on-screen export, PNG and SVG, so
// reports for papers reuse exactly what the user sees.
//
//   view->savePng("pareto.png", QSize(1200, 800));     // raster at 2x device pixel ratio
//   view->saveSvg("pareto.svg", QSize(1200, 800));     // vector (QSvgGenerator)
//   QImage img = view->toImage(QSize(800, 600));
//
// Charts made with QtCharts are painted with renderChart(), which lays the chart out at the
// target size, paints it and restores its on-screen geometry.

#include <QImage>
#include <QRectF>
#include <QSize>
#include <QString>
#include <QWidget>

class QChart;
class QPainter;

class FigureWidget : public QWidget {
    Q_OBJECT

public:
    explicit FigureWidget(QWidget* parent = nullptr) : QWidget(parent) {}

    // Paints the whole figure into `target` (logical units of the painter).
    virtual void renderFigure(QPainter* painter, const QRectF& target) = 0;
    // The size a figure is exported at when the caller does not say.
    virtual QSize defaultFigureSize() const { return QSize(1000, 700); }

    // White background, `scale` device pixels per logical pixel.
    QImage toImage(QSize size = {}, qreal scale = 2.0);
    bool savePng(const QString& path, QSize size = {}, qreal scale = 2.0);
    bool saveSvg(const QString& path, QSize size = {}, const QString& title = {});
};

// Paints `chart` into `target` at the target's size (layout recomputed for that size), then
// restores the chart's geometry. Works whether or not the chart sits in a QChartView.
void renderChart(QChart* chart, QPainter* painter, const QRectF& target);

// Paints a centred grey note ("No evaluation yet") into `target`; used by empty figures.
void renderPlaceholder(QPainter* painter, const QRectF& target, const QString& text);
