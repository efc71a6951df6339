#include "sensitivity_chart.h"

#include "chart_style.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QLogValueAxis>
#include <QVBoxLayout>

#include <cmath>

namespace {

// Bars of a log axis start at the axis minimum; a missing value is drawn as no bar at all.
constexpr double kMissing = 0;

// "3.q" for block 3, slot q: short enough for 12 blocks x 7 layers side by side.
QString barLabel(int block, int slot) {
    return QStringLiteral("%1.%2").arg(block).arg(LayerGrid::slotLabels().value(slot));
}

} // namespace

SensitivityChart::SensitivityChart(QWidget* parent)
    : FigureWidget(parent), m_chart(makeChart(tr("Layer sensitivity"))),
      m_view(makeChartView(m_chart, this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
    setMinimumSize(320, 200);
    rebuild();
}

void SensitivityChart::setGrids(const QList<LayerGrid>& grids) {
    m_grids = grids;
    rebuild();
}

void SensitivityChart::rebuild() {
    clearChart(m_chart);
    m_barCount = 0;
    const int blocks = m_grids.isEmpty() ? 0 : m_grids.front().blocks;
    m_chart->setTitle(m_grids.size() == 1 ? m_grids.front().title : tr("Layer sensitivity"));

    auto* series = new QBarSeries;
    QStringList categories;
    for (int b = 0; b < blocks; ++b)
        for (int s = 0; s < LayerGrid::kSlots; ++s) categories << barLabel(b, s);
    double lo = qInf(), hi = -qInf();
    for (int g = 0; g < m_grids.size(); ++g) {
        const LayerGrid& grid = m_grids[g];
        auto* set = new QBarSet(grid.title);
        set->setColor(g == 0 ? chartColor(ChartRole::Current)
                             : (g == 1 ? chartColor(ChartRole::FullPrecision)
                                       : chartColor(ChartRole::Accent)));
        set->setBorderColor(Qt::transparent);
        for (int i = 0; i < categories.size(); ++i) {
            const double v = i < grid.values.size() ? grid.values[i] : qQNaN();
            if (std::isfinite(v) && v > 0) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
                ++m_barCount;
                set->append(v);
            } else {
                set->append(kMissing);
            }
        }
        series->append(set);
    }
    series->setBarWidth(0.9);
    connect(series, &QBarSeries::clicked, this, [this, blocks](int index, QBarSet*) {
        if (index >= 0 && index < blocks * LayerGrid::kSlots)
            emit tensorSelected(
                LayerGrid::tensorName(index / LayerGrid::kSlots, index % LayerGrid::kSlots));
    });
    m_chart->addSeries(series);

    auto* x = new QBarCategoryAxis;
    x->append(categories.isEmpty() ? QStringList{QString()} : categories);
    styleAxis(x, tr("layer (block.type)"));
    x->setLabelsAngle(-90);
    QFont small = x->labelsFont();
    small.setPointSizeF(std::max(6.0, small.pointSizeF() * 0.8));
    x->setLabelsFont(small);
    auto* y = new QLogValueAxis;
    y->setBase(10);
    y->setLabelFormat(QStringLiteral("%.0e"));
    styleAxis(y, m_grids.isEmpty() ? QString() : m_grids.front().unit + tr(" (log scale)"));
    if (std::isfinite(lo))
        y->setRange(std::pow(10.0, std::floor(std::log10(lo))),
                    std::pow(10.0, std::ceil(std::log10(hi * 1.01))));
    else
        y->setRange(1e-4, 1);
    m_chart->addAxis(x, Qt::AlignBottom);
    m_chart->addAxis(y, Qt::AlignLeft);
    series->attachAxis(x);
    series->attachAxis(y);
    m_chart->legend()->setVisible(m_grids.size() > 1);
}

void SensitivityChart::renderFigure(QPainter* painter, const QRectF& target) {
    if (m_barCount == 0) {
        renderPlaceholder(painter, target, tr("No layer sensitivity measured or predicted yet."));
        return;
    }
    renderChart(m_chart, painter, target);
}
