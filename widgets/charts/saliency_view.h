#pragma once
// Which layers matter: a heatmap of blocks (rows) x layer types (columns: q, k, v, o, gate, up,
// down) of one measure, e.g. activation energy, predicted error at a format, or measured KLD at
// a format from a layer sweep, with a colour bar (viridis, log10 by default). Clicking a cell
// emits tensorSelected("blk.3.attn_q.weight").
//
//   auto* view = new SaliencyView(this);
//   view->setGrids({activationEnergyGrid(desc, stats), predictedErrorGrid(desc, table, "q4_0")});
//   connect(view, &SaliencyView::tensorSelected, outliersView, &OutliersView::setSelectedTensor);
//
// The grids are plain values (layer_analysis_data.h); the view never calls the engine.

#include "figure_widget.h"
#include "layer_analysis_data.h"

class QCheckBox;
class QComboBox;
class QLabel;

// The heatmap itself; paints through paintHeatmap() on screen and in exported figures.
class LayerHeatmap : public QWidget {
    Q_OBJECT

public:
    explicit LayerHeatmap(QWidget* parent = nullptr);
    void setGrid(const LayerGrid& grid);
    const LayerGrid& grid() const { return m_grid; }
    void setSelectedTensor(const QString& tensor);
    QString selectedTensor() const { return m_selected; }

    void paintHeatmap(QPainter* painter, const QRectF& target) const;
    // Cell rectangle of (block, slot) when painted into `target`.
    QRectF cellRect(const QRectF& target, int block, int slot) const;
    QSize sizeHint() const override { return QSize(520, 420); }

signals:
    void cellClicked(int block, int slot);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;

private:
    QRectF plotArea(const QRectF& target) const;
    bool valueRange(double* lo, double* hi) const;
    double normalized(double v, double lo, double hi) const;

    LayerGrid m_grid;
    QString m_selected;
};

class SaliencyView : public FigureWidget {
    Q_OBJECT

public:
    explicit SaliencyView(QWidget* parent = nullptr);

    void setGrids(const QList<LayerGrid>& grids);
    QList<LayerGrid> grids() const { return m_grids; }
    void setCurrentGrid(int index);
    int currentGrid() const;
    void setLogScale(bool on);
    LayerHeatmap* heatmap() const { return m_heatmap; }

    void renderFigure(QPainter* painter, const QRectF& target) override;
    QSize defaultFigureSize() const override { return QSize(800, 700); }

public slots:
    void setSelectedTensor(const QString& tensor);

signals:
    void tensorSelected(const QString& tensor);
    // The grid shown changed (new grids, another measure chosen, log scale toggled); an empty
    // grid when there is none.
    void currentGridChanged(const LayerGrid& grid);

private:
    QList<LayerGrid> m_grids;
    QComboBox* m_measure;
    QCheckBox* m_log;
    QLabel* m_hint;
    LayerHeatmap* m_heatmap;
};
