#include "saliency_view.h"

#include "chart_style.h"

#include "formatting.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <QVBoxLayout>

#include <cmath>

namespace {

QString valueText(double v) {
    if (!std::isfinite(v)) return QObject::tr("n/a");
    if (v != 0 && (std::abs(v) < 1e-3 || std::abs(v) >= 1e4)) return QString::number(v, 'e', 2);
    return displayLocale().toString(v, 'g', 4);
}

} // namespace

LayerHeatmap::LayerHeatmap(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setMinimumSize(320, 240);
}

void LayerHeatmap::setGrid(const LayerGrid& grid) {
    m_grid = grid;
    update();
}

void LayerHeatmap::setSelectedTensor(const QString& tensor) {
    m_selected = tensor;
    update();
}

QRectF LayerHeatmap::plotArea(const QRectF& target) const {
    const QFontMetricsF fm(font());
    const qreal left = fm.horizontalAdvance(QStringLiteral("block 00")) + 14;
    const qreal top = fm.height() * 2.6;
    const qreal right = fm.horizontalAdvance(QStringLiteral("-0.00e-00")) + 40;
    const qreal bottom = fm.height() * 2.4;
    return target.adjusted(left, top, -right, -bottom);
}

QRectF LayerHeatmap::cellRect(const QRectF& target, int block, int slot) const {
    const QRectF area = plotArea(target);
    if (m_grid.blocks <= 0) return {};
    const qreal w = area.width() / LayerGrid::kSlots, h = area.height() / m_grid.blocks;
    return QRectF(area.left() + slot * w, area.top() + block * h, w, h);
}

bool LayerHeatmap::valueRange(double* lo, double* hi) const {
    *lo = qInf();
    *hi = -qInf();
    for (double v : m_grid.values) {
        if (!std::isfinite(v) || (m_grid.logScale && v <= 0)) continue;
        const double t = m_grid.logScale ? std::log10(v) : v;
        *lo = std::min(*lo, t);
        *hi = std::max(*hi, t);
    }
    return std::isfinite(*lo);
}

double LayerHeatmap::normalized(double v, double lo, double hi) const {
    if (!std::isfinite(v) || (m_grid.logScale && v <= 0)) return qQNaN();
    const double t = m_grid.logScale ? std::log10(v) : v;
    return hi > lo ? (t - lo) / (hi - lo) : 0.5;
}

void LayerHeatmap::paintHeatmap(QPainter* painter, const QRectF& target) const {
    painter->save();
    painter->setFont(font());
    const QFontMetricsF fm(font());
    if (m_grid.isEmpty()) {
        renderPlaceholder(painter, target, tr("No layer statistics yet."));
        painter->restore();
        return;
    }
    // Title.
    QFont bold = font();
    bold.setBold(true);
    painter->setFont(bold);
    painter->setPen(Qt::black);
    painter->drawText(QRectF(target.left(), target.top() + 2, target.width(), fm.height() * 1.4),
                      Qt::AlignHCenter | Qt::AlignVCenter, m_grid.title);
    painter->setFont(font());

    double lo = 0, hi = 1;
    const bool any = valueRange(&lo, &hi);
    const QRectF area = plotArea(target);
    const QStringList labels = LayerGrid::slotLabels();
    for (int b = 0; b < m_grid.blocks; ++b) {
        for (int s = 0; s < LayerGrid::kSlots; ++s) {
            const QRectF cell = cellRect(target, b, s);
            const double t = any ? normalized(m_grid.at(b, s), lo, hi) : qQNaN();
            if (std::isfinite(t)) {
                painter->fillRect(cell, viridis(t));
            } else {
                painter->fillRect(cell, QColor(0xf2, 0xf2, 0xf2));
                painter->setPen(QColor(0xb0, 0xb0, 0xb0));
                painter->drawLine(cell.topLeft(), cell.bottomRight());
            }
            // Values inside the cells when there is room.
            if (cell.height() >= fm.height() * 1.2 &&
                cell.width() >= fm.horizontalAdvance(QStringLiteral("0.000e-00"))) {
                painter->setPen(std::isfinite(t) && t > 0.6
                                    ? Qt::black
                                    : (std::isfinite(t) ? Qt::white : Qt::gray));
                painter->drawText(cell, Qt::AlignCenter, valueText(m_grid.at(b, s)));
            }
        }
    }
    painter->setPen(QPen(Qt::white, 1));
    for (int b = 0; b <= m_grid.blocks; ++b) {
        const qreal y = area.top() + b * area.height() / m_grid.blocks;
        painter->drawLine(QPointF(area.left(), y), QPointF(area.right(), y));
    }
    for (int s = 0; s <= LayerGrid::kSlots; ++s) {
        const qreal x = area.left() + s * area.width() / LayerGrid::kSlots;
        painter->drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()));
    }
    // Selected cell.
    int sb = -1, ss = -1;
    if (!m_selected.isEmpty() && LayerGrid::locate(m_selected, &sb, &ss) && sb < m_grid.blocks) {
        painter->setPen(QPen(chartColor(ChartRole::Current), 3));
        painter->setBrush(Qt::NoBrush);
        painter->drawRect(cellRect(target, sb, ss).adjusted(1.5, 1.5, -1.5, -1.5));
    }
    // Axis labels.
    painter->setPen(Qt::black);
    for (int s = 0; s < LayerGrid::kSlots; ++s) {
        const QRectF cell = cellRect(target, 0, s);
        painter->drawText(
            QRectF(cell.left(), area.top() - fm.height() * 1.2, cell.width(), fm.height()),
            Qt::AlignCenter, labels[s]);
    }
    const int step =
        std::max(1, int(std::ceil(fm.height() * 1.1 / (area.height() / m_grid.blocks))));
    for (int b = 0; b < m_grid.blocks; b += step) {
        const QRectF cell = cellRect(target, b, 0);
        painter->drawText(
            QRectF(target.left(), cell.top(), area.left() - target.left() - 6, cell.height()),
            Qt::AlignRight | Qt::AlignVCenter, tr("block %1").arg(b));
    }
    painter->drawText(QRectF(area.left(), area.bottom() + 4, area.width(), fm.height() * 1.2),
                      Qt::AlignCenter, tr("layer type (linear weights of the block)"));
    // Colour bar.
    const QRectF bar(area.right() + 12, area.top(), 14, area.height());
    for (int i = 0; i < int(bar.height()); ++i)
        painter->fillRect(QRectF(bar.left(), bar.bottom() - i - 1, bar.width(), 1.0),
                          viridis(i / bar.height()));
    painter->setPen(QColor(0x60, 0x60, 0x60));
    painter->drawRect(bar);
    if (any) {
        const auto label = [&](double t) {
            return valueText(m_grid.logScale ? std::pow(10.0, t) : t);
        };
        painter->drawText(QPointF(bar.right() + 4, bar.top() + fm.ascent()), label(hi));
        painter->drawText(QPointF(bar.right() + 4, bar.center().y() + fm.ascent() / 2),
                          label((lo + hi) / 2));
        painter->drawText(QPointF(bar.right() + 4, bar.bottom()), label(lo));
    }
    painter->drawText(QRectF(bar.left() - 20, area.bottom() + 4, target.right() - bar.left() + 20,
                             fm.height() * 1.2),
                      Qt::AlignLeft, m_grid.unit + (m_grid.logScale ? tr(" (log)") : QString()));
    painter->restore();
}

void LayerHeatmap::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect(), Qt::white);
    paintHeatmap(&p, QRectF(rect()));
}

void LayerHeatmap::mousePressEvent(QMouseEvent* event) {
    for (int b = 0; b < m_grid.blocks; ++b)
        for (int s = 0; s < LayerGrid::kSlots; ++s)
            if (cellRect(QRectF(rect()), b, s).contains(event->position())) {
                emit cellClicked(b, s);
                return;
            }
    QWidget::mousePressEvent(event);
}

void LayerHeatmap::mouseMoveEvent(QMouseEvent* event) {
    for (int b = 0; b < m_grid.blocks; ++b)
        for (int s = 0; s < LayerGrid::kSlots; ++s)
            if (cellRect(QRectF(rect()), b, s).contains(event->position())) {
                QToolTip::showText(
                    event->globalPosition().toPoint(),
                    QStringLiteral("%1: %2 %3")
                        .arg(m_grid.tensorAt(b, s), valueText(m_grid.at(b, s)), m_grid.unit),
                    this);
                return;
            }
    QToolTip::hideText();
}

SaliencyView::SaliencyView(QWidget* parent)
    : FigureWidget(parent), m_measure(new QComboBox(this)),
      m_log(new QCheckBox(tr("Log colour scale"), this)),
      m_hint(new QLabel(tr("Click a cell to inspect the tensor."), this)),
      m_heatmap(new LayerHeatmap(this)) {
    setWindowTitle(tr("Saliency"));
    m_measure->setObjectName(QStringLiteral("saliencyMeasure"));
    m_heatmap->setObjectName(QStringLiteral("saliencyHeatmap"));
    m_log->setChecked(true);
    m_hint->setForegroundRole(QPalette::PlaceholderText);
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Measure:"), this));
    top->addWidget(m_measure, 1);
    top->addWidget(m_log);
    top->addWidget(m_hint);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_heatmap, 1);
    connect(m_measure, &QComboBox::currentIndexChanged, this, &SaliencyView::setCurrentGrid);
    connect(m_log, &QCheckBox::toggled, this, &SaliencyView::setLogScale);
    connect(m_heatmap, &LayerHeatmap::cellClicked, this, [this](int b, int s) {
        const QString tensor = m_heatmap->grid().tensorAt(b, s);
        m_heatmap->setSelectedTensor(tensor);
        emit tensorSelected(tensor);
    });
}

void SaliencyView::setGrids(const QList<LayerGrid>& grids) {
    // New grids (a measurement finished) keep the measure the user chose, found by title.
    const QString shown = m_grids.value(currentGrid()).title;
    m_grids = grids;
    const QSignalBlocker block(m_measure);
    m_measure->clear();
    int keep = grids.isEmpty() ? -1 : 0;
    for (int i = 0; i < grids.size(); ++i) {
        m_measure->addItem(grids[i].title);
        if (!shown.isEmpty() && grids[i].title == shown) keep = i;
    }
    setCurrentGrid(keep);
}

void SaliencyView::setCurrentGrid(int index) {
    if (index < 0 || index >= m_grids.size()) {
        m_heatmap->setGrid({});
        emit currentGridChanged({});
        return;
    }
    if (m_measure->currentIndex() != index) {
        const QSignalBlocker block(m_measure); // this call is the one update
        m_measure->setCurrentIndex(index);
    }
    LayerGrid g = m_grids[index];
    g.logScale = m_log->isChecked();
    m_heatmap->setGrid(g);
    emit currentGridChanged(g);
}

int SaliencyView::currentGrid() const {
    return m_grids.isEmpty() ? -1 : m_measure->currentIndex();
}

void SaliencyView::setLogScale(bool on) {
    if (m_log->isChecked() != on) m_log->setChecked(on);
    setCurrentGrid(currentGrid());
}

void SaliencyView::setSelectedTensor(const QString& tensor) {
    m_heatmap->setSelectedTensor(tensor);
}

void SaliencyView::renderFigure(QPainter* painter, const QRectF& target) {
    m_heatmap->paintHeatmap(painter, target.adjusted(8, 8, -8, -8));
}
