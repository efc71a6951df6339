#include "outliers_view.h"

#include "chart_style.h"

#include "formatting.h"

#include <QBarSeries>
#include <QBarSet>
#include <QCategoryAxis>
#include <QChart>
#include <QChartView>
#include <QCursor>
#include <QGridLayout>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QPainter>
#include <QScatterSeries>
#include <QToolTip>
#include <QValueAxis>

#include <cmath>

namespace {

void attach(QChart* chart, QAbstractSeries* s, QAbstractAxis* x, QAbstractAxis* y) {
    chart->addSeries(s);
    s->attachAxis(x);
    s->attachAxis(y);
}

// A log-log histogram drawn as a step outline (empty bins fall below the axis).
void fillHistogram(QChart* chart, const QList<HistogramBin>& bins, const QString& xTitle,
                   ChartRole role) {
    clearChart(chart);
    auto* x = new QLogValueAxis;
    x->setBase(10);
    x->setLabelFormat(QStringLiteral("%.0e"));
    styleAxis(x, xTitle);
    auto* y = new QLogValueAxis;
    y->setBase(10);
    y->setLabelFormat(QStringLiteral("%g"));
    styleAxis(y, QObject::tr("count (log scale)"));
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    chart->legend()->hide();
    if (bins.isEmpty()) {
        x->setRange(1e-4, 1);
        y->setRange(1, 10);
        return;
    }
    auto* s = new QLineSeries;
    qint64 peak = 1;
    double prevHigh = -1;
    for (const HistogramBin& b : bins) {
        if (prevHigh > 0 && std::abs(b.low - prevHigh) > 1e-12 * b.low) { // gap: drop to the floor
            s->append(prevHigh, 0.5);
            s->append(b.low, 0.5);
        }
        s->append(b.low, double(b.count));
        s->append(b.high, double(b.count));
        prevHigh = b.high;
        peak = std::max(peak, b.count);
    }
    s->setPen(QPen(chartColor(role), 1.8));
    attach(chart, s, x, y);
    x->setRange(bins.front().low, bins.back().high);
    y->setRange(0.8, std::pow(10.0, std::ceil(std::log10(double(peak) * 1.5))));
}

} // namespace

OutliersView::OutliersView(QWidget* parent)
    : FigureWidget(parent), m_bars{makeChart(tr("Excess kurtosis of the weights")),
                                   makeChart(tr("Weight absmax / σ")),
                                   makeChart(tr("Weights beyond 6σ (fraction)"))},
      m_weightHist(makeChart(tr("|w| histogram"))),
      m_actHist(makeChart(tr("|x| histogram (layer input)"))),
      m_channels(makeChart(tr("Per-channel absmax"))) {
    setWindowTitle(tr("Outliers"));
    auto* grid = new QGridLayout(this);
    QChart* charts[6] = {m_bars[0], m_bars[1], m_bars[2], m_weightHist, m_actHist, m_channels};
    for (int i = 0; i < 6; ++i) {
        QChartView* v = makeChartView(charts[i], this);
        v->setMinimumSize(240, 200);
        grid->addWidget(v, i / 3, i % 3);
        m_views.push_back(v);
    }
    setData({});
}

void OutliersView::setData(const OutlierData& data) {
    m_data = data;
    if (m_data.indexOf(m_selected) < 0)
        m_selected = m_data.isEmpty() ? QString() : m_data.tensors.front().tensor;
    rebuildBars();
    rebuildDetail();
}

void OutliersView::setSelectedTensor(const QString& tensor) {
    if (m_data.indexOf(tensor) < 0 || tensor == m_selected) return;
    m_selected = tensor;
    rebuildBars();
    rebuildDetail();
}

void OutliersView::rebuildBars() {
    const QString units[3] = {tr("excess kurtosis (0 = Gaussian)"), tr("absmax / σ"),
                              tr("fraction of weights")};
    const int selected = m_data.indexOf(m_selected);
    for (int c = 0; c < 3; ++c) {
        QChart* chart = m_bars[c];
        clearChart(chart);
        auto* set = new QBarSet(units[c]);
        double top = 0;
        for (const TensorOutliers& t : m_data.tensors) {
            const double v = c == 0   ? t.excessKurtosis
                             : c == 1 ? t.absMaxOverStd
                                      : t.fracBeyond6Sigma;
            *set << v;
            top = std::max(top, v);
        }
        set->setColor(chartColor(ChartRole::FullPrecision));
        set->setBorderColor(chartColor(ChartRole::FullPrecision).darker(120));
        set->setSelectedColor(chartColor(ChartRole::Current));
        if (selected >= 0) set->selectBar(selected);
        auto* series = new QBarSeries;
        series->append(set);
        series->setBarWidth(0.85);
        // One labelled range per block (bars are at x = 0, 1, ... in model order); the
        // tooltip of a bar names its tensor.
        auto* x = new QCategoryAxis;
        x->setLabelsPosition(QCategoryAxis::AxisLabelsPositionCenter);
        x->setStartValue(-0.5);
        int lastBlock = -1;
        const int blockCount = m_data.isEmpty() ? 0 : m_data.tensors.back().block + 1;
        const int labelEvery = std::max(1, blockCount / 12);
        for (int i = 0; i < m_data.tensors.size(); ++i) {
            const int b = m_data.tensors[i].block;
            if (b == lastBlock) continue;
            lastBlock = b;
            int end = i;
            while (end + 1 < m_data.tensors.size() && m_data.tensors[end + 1].block == b) ++end;
            // Category labels must be unique; unlabelled blocks get invisible distinct names.
            x->append(b % labelEvery == 0 ? QString::number(b)
                                          : QString(QChar(0x200B)).repeated(b + 1),
                      end + 0.5);
        }
        x->setRange(-0.5, std::max<qsizetype>(1, m_data.tensors.size()) - 0.5);
        x->setGridLineVisible(false);
        styleAxis(x, tr("block (bars: q, k, v, o, gate, up, down)"));
        auto* y = new QValueAxis;
        y->setRange(std::min(0.0, top), top > 0 ? top * 1.1 : 1.0);
        y->applyNiceNumbers();
        if (c == 2) y->setLabelFormat(QStringLiteral("%.1e"));
        styleAxis(y, units[c]);
        chart->addAxis(x, Qt::AlignBottom);
        chart->addAxis(y, Qt::AlignLeft);
        attach(chart, series, x, y);
        chart->legend()->hide();
        connect(set, &QBarSet::hovered, this, [this, c](bool state, int index) {
            if (!state || index < 0 || index >= m_data.tensors.size()) return QToolTip::hideText();
            const TensorOutliers& t = m_data.tensors[index];
            const double v = c == 0   ? t.excessKurtosis
                             : c == 1 ? t.absMaxOverStd
                                      : t.fracBeyond6Sigma;
            QToolTip::showText(QCursor::pos(),
                               QStringLiteral("%1: %2").arg(t.tensor).arg(v, 0, 'g', 4));
        });
        connect(set, &QBarSet::clicked, this, [this](int index) {
            if (index < 0 || index >= m_data.tensors.size()) return;
            const QString t = m_data.tensors[index].tensor;
            setSelectedTensor(t);
            emit tensorSelected(t);
        });
    }
}

void OutliersView::rebuildDetail() {
    const int i = m_data.indexOf(m_selected);
    const TensorOutliers empty;
    const TensorOutliers& t = i >= 0 ? m_data.tensors[i] : empty;
    const QString name = i >= 0 ? t.tensor : tr("no tensor");
    m_weightHist->setTitle(tr("|w| of %1").arg(name));
    fillHistogram(m_weightHist, t.weightHistogram, tr("|w| (log scale)"), ChartRole::FullPrecision);
    m_actHist->setTitle(t.activationHistogram.isEmpty()
                            ? tr("|x| of the input of %1 (no statistics)").arg(name)
                            : tr("|x| of the input of %1").arg(name));
    fillHistogram(m_actHist, t.activationHistogram, tr("|x| (log scale)"), ChartRole::Accent);

    clearChart(m_channels);
    m_channels->setTitle(tr("Per-input-channel absmax (%1) of %2")
                             .arg(t.channelSource.isEmpty() ? tr("none") : t.channelSource, name));
    auto* x = new QValueAxis;
    styleAxis(x, tr("input channel"));
    x->setLabelFormat(QStringLiteral("%d"));
    auto* y = new QLogValueAxis;
    y->setBase(10);
    y->setLabelFormat(QStringLiteral("%g"));
    styleAxis(y, tr("absmax (log scale)"));
    m_channels->addAxis(x, Qt::AlignBottom);
    m_channels->addAxis(y, Qt::AlignLeft);
    double lo = qInf(), hi = 0;
    auto* line = new QLineSeries;
    for (int c = 0; c < t.channelAbsMax.size(); ++c) {
        const double v = t.channelAbsMax[c];
        if (v <= 0) continue;
        line->append(c, v);
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    line->setPen(QPen(chartColor(ChartRole::FullPrecision), 1.2));
    line->setName(tr("absmax"));
    attach(m_channels, line, x, y);
    x->setRange(0, std::max<qsizetype>(1, t.channelAbsMax.size() - 1));
    x->applyNiceNumbers();
    if (!std::isfinite(lo)) {
        lo = 0.1;
        hi = 1;
    }
    const double threshold = t.channelThreshold;
    const double yLo = std::pow(10.0, std::floor(std::log10(lo)));
    const double yHi = std::pow(10.0, std::ceil(std::log10(std::max(hi, threshold) * 1.2)));
    y->setRange(yLo, yHi);
    if (threshold > 0) {
        auto* th = new QLineSeries;
        th->append(0, threshold);
        th->append(std::max<qsizetype>(1, t.channelAbsMax.size() - 1), threshold);
        th->setPen(QPen(chartColor(ChartRole::Uniform), 1.2, Qt::DashLine));
        th->setName(tr("outlier threshold %1").arg(displayLocale().toString(threshold, 'g', 3)));
        attach(m_channels, th, x, y);
    }
    auto* outliers = new QScatterSeries;
    outliers->setMarkerSize(9);
    outliers->setColor(chartColor(ChartRole::Current));
    outliers->setBorderColor(chartColor(ChartRole::Current).darker(130));
    for (int c : t.outlierChannels) outliers->append(c, t.channelAbsMax[c]);
    outliers->setName(tr("%n outlier channel(s)", nullptr, int(t.outlierChannels.size()))
                          .replace(QStringLiteral("(s)"), t.outlierChannels.size() == 1
                                                              ? QString()
                                                              : QStringLiteral("s")));
    attach(m_channels, outliers, x, y);
    m_channels->legend()->show();
}

void OutliersView::renderFigure(QPainter* painter, const QRectF& target) {
    if (m_data.isEmpty()) {
        renderPlaceholder(painter, target, tr("No weight statistics yet."));
        return;
    }
    QChart* charts[6] = {m_bars[0], m_bars[1], m_bars[2], m_weightHist, m_actHist, m_channels};
    const qreal w = target.width() / 3, h = target.height() / 2;
    for (int i = 0; i < 6; ++i)
        renderChart(charts[i], painter,
                    QRectF(target.left() + (i % 3) * w, target.top() + (i / 3) * h, w, h));
}
