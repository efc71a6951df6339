#pragma once
// What makes layers hard to quantize: per-layer bar charts of the weights' excess kurtosis,
// absmax/σ and fraction beyond 6σ, and for the selected tensor the |w| and |x| histograms
// (log-log) and the per-input-channel absmax with outlier channels marked.
//
//   auto* view = new OutliersView(this);
//   view->setData(outlierData(desc, weightStats, &activationStats));   // plain values
//   connect(saliencyView, &SaliencyView::tensorSelected, view, &OutliersView::setSelectedTensor);
//   connect(view, &OutliersView::tensorSelected, ...);                   // a bar was clicked

#include "figure_widget.h"
#include "layer_analysis_data.h"

class QChart;
class QChartView;

class OutliersView : public FigureWidget {
    Q_OBJECT

public:
    explicit OutliersView(QWidget* parent = nullptr);

    void setData(const OutlierData& data);
    const OutlierData& outlierData() const { return m_data; }
    QString selectedTensor() const { return m_selected; }
    QChart* kurtosisChart() const { return m_bars[0]; }
    QChart* channelChart() const { return m_channels; }

    void renderFigure(QPainter* painter, const QRectF& target) override;
    QSize defaultFigureSize() const override { return QSize(1500, 900); }

public slots:
    void setSelectedTensor(const QString& tensor);

signals:
    void tensorSelected(const QString& tensor);

private:
    void rebuildBars();
    void rebuildDetail();

    OutlierData m_data;
    QString m_selected;
    QChart* m_bars[3];
    QChart* m_weightHist;
    QChart* m_actHist;
    QChart* m_channels;
    QList<QChartView*> m_views;
};
