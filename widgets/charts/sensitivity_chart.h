#pragma once
// Sensitivity of every linear layer as bars in model order (block by block, q k v o gate up
// down), one bar set per measure: the predicted relative error of a format, or the mean KLD a
// layer sensitivity sweep measured with only that layer quantized. A logarithmic axis, because
// layers differ by orders of magnitude.
//
//   auto* chart = new SensitivityChart(this);
//   chart->setGrids({predictedErrorGrid(desc, table, "q4_0")});   // one bar set per grid
//   chart->savePng("sensitivity.png");                              // FigureWidget
//
// Pass grids of one unit (the first grid's unit titles the axis). Clicking a bar emits
// tensorSelected.

#include "figure_widget.h"
#include "layer_analysis_data.h"

class QChart;
class QChartView;

class SensitivityChart : public FigureWidget {
    Q_OBJECT

public:
    explicit SensitivityChart(QWidget* parent = nullptr);

    void setGrids(const QList<LayerGrid>& grids);
    const QList<LayerGrid>& grids() const { return m_grids; }
    QChart* chart() const { return m_chart; }
    // Bars drawn (finite, positive values) over all sets; for tests.
    int barCount() const { return m_barCount; }

    void renderFigure(QPainter* painter, const QRectF& target) override;
    QSize defaultFigureSize() const override { return QSize(1200, 520); }

signals:
    void tensorSelected(const QString& tensor);

private:
    void rebuild();

    QList<LayerGrid> m_grids;
    QChart* m_chart;
    QChartView* m_view;
    int m_barCount = 0;
};
