#pragma once
// The size/quality trade-off: every evaluated configuration as a point (x = average bits per
// weight or model size, y = perplexity or mean KLD), with full precision, the uniform formats,
// saved snapshots and the current configuration (highlighted), and the lower-left Pareto
// frontier through them. Clicking a point asks for its configuration.
//
//   auto* view = new ParetoView(this);
//   view->setReference(paretoReferencePoint(*model, evaluator->referenceResult()));
//   connect(sweep, &UniformParetoSweep::pointReady, view, &ParetoView::addUniformPoint);
//   view->setSnapshots(snapshotPoints);
//   view->setCurrent(currentPoint);
//   connect(view, &ParetoView::configurationRequested, session, &...::applyConfiguration);
//   view->setYMeasure(ParetoView::YMeasure::MeanKld);
//
// On a logarithmic y axis, a mean KLD of 0 (full precision) sits on the axis' lower edge.
// Point labels avoid each other and the markers (placePointLabels), on screen and in exported
// figures alike: a label that fits nowhere is shortened, or left out (its tooltip remains).

#include "figure_widget.h"
#include "pareto_data.h"

#include <QList>
#include <QRectF>
#include <QSizeF>

class QChart;
class QChartView;
class QComboBox;
class QCheckBox;
class QLabel;
class QScatterSeries;

// One point to label: its marker (kept free of labels, also when the point has none) and the
// sizes of its label text, the full text first, then ever shorter forms.
struct PointLabel {
    QPointF anchor;         // centre of the marker
    qreal markerRadius = 5; // half the marker size
    QList<QSizeF> sizes;    // empty: a marker without a label
    int priority = 0;       // higher places first (and so gets the best spot)
};
struct LabelPlacement {
    int variant = -1; // index into PointLabel::sizes; -1: no room, the label is left out
    QRectF rect;
};
// Greedy placement: by priority (then list order), each label takes the first spot around its
// marker (above, right, below, left, then the four corners) that lies inside `bounds` and
// overlaps no marker and no label placed before it, trying its full text at every spot before
// a shorter form. Pure geometry; the result is in the order of `labels`.
QList<LabelPlacement> placePointLabels(const QList<PointLabel>& labels, const QRectF& bounds);

class ParetoLabelOverlay;

class ParetoView : public FigureWidget {
    Q_OBJECT

public:
    enum class XMeasure { BitsPerWeight, ModelSize };
    enum class YMeasure { Perplexity, MeanKld };
    Q_ENUM(XMeasure)
    Q_ENUM(YMeasure)

    explicit ParetoView(QWidget* parent = nullptr);

    void setReference(const ParetoPoint& point);
    void setUniformPoints(const QList<ParetoPoint>& points);
    void setSnapshots(const QList<ParetoPoint>& points);
    void setCurrent(const ParetoPoint& point);
    void clearCurrent();
    void clear();

    XMeasure xMeasure() const { return m_x; }
    YMeasure yMeasure() const { return m_y; }
    void setXMeasure(XMeasure x);
    void setYMeasure(YMeasure y);
    bool logarithmicY() const { return m_logY; }
    void setLogarithmicY(bool on);

    // Every point shown, in drawing order: full precision, uniform, snapshots, current.
    QList<ParetoPoint> points() const;
    // (x, y) of points() in the current measures (y clamped to the axis floor on a log axis).
    QList<QPointF> plotted() const;
    // Indices into points() on the frontier, by increasing x.
    QList<int> frontier() const { return m_frontier; }
    // Where point i is drawn, in chart-view viewport coordinates (for tests and tooltips).
    QPoint viewportPosition(int index) const;

    struct ShownLabel {
        int point = -1; // index into points()
        QString text;   // as drawn, possibly shortened
        QRectF rect;    // in chart coordinates
    };
    // The labels as they are drawn at the chart's current size.
    QList<ShownLabel> shownLabels() const;

    QChart* chart() const { return m_chart; }
    QChartView* chartView() const { return m_view; }

    void renderFigure(QPainter* painter, const QRectF& target) override;
    QSize defaultFigureSize() const override { return QSize(1000, 700); }

public slots:
    void addUniformPoint(const ParetoPoint& point); // replaces a point of the same label
    // Emits configurationRequested for point i of points() when it carries a configuration.
    void requestPoint(int index);

signals:
    void configurationRequested(const qs::QuantConfig& config);

private:
    QPointF valueOf(const ParetoPoint& p) const;
    void rebuild();

    ParetoPoint m_reference;
    bool m_hasReference = false;
    QList<ParetoPoint> m_uniform, m_snapshots;
    ParetoPoint m_current;
    bool m_hasCurrent = false;
    XMeasure m_x = XMeasure::BitsPerWeight;
    YMeasure m_y = YMeasure::Perplexity;
    bool m_logY = true;
    double m_yFloor = 0; // lower edge of a logarithmic y axis
    QList<int> m_frontier;
    QList<QScatterSeries*> m_pointSeries; // one per point, in points() order

    QChart* m_chart;
    ParetoLabelOverlay* m_labels;
    QChartView* m_view;
    QComboBox* m_xCombo;
    QComboBox* m_yCombo;
    QCheckBox* m_logCheck;
    QLabel* m_hint;
};
