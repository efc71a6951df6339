#include "pareto_view.h"

#include "chart_style.h"

#include "formatting.h"

#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QFontMetricsF>
#include <QGraphicsItem>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QPainter>
#include <QScatterSeries>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace {

QString kindName(ParetoPoint::Kind k) {
    switch (k) {
    case ParetoPoint::Kind::FullPrecision:
        return QObject::tr("full precision");
    case ParetoPoint::Kind::Uniform:
        return QObject::tr("uniform formats");
    case ParetoPoint::Kind::Snapshot:
        return QObject::tr("snapshots");
    case ParetoPoint::Kind::Current:
        return QObject::tr("current configuration");
    }
    return {};
}

QString describe(const ParetoPoint& p) {
    const QLocale l = displayLocale();
    QString s = QStringLiteral("<b>%1</b><br>").arg(p.label.toHtmlEscaped());
    s += QObject::tr("%1 bits/weight · %2")
             .arg(l.toString(p.bitsPerWeight, 'f', 3), formatBytes(p.modelBytes));
    s += QStringLiteral("<br>") + QObject::tr("PPL %1 (95% CI %2 – %3)")
                                      .arg(l.toString(p.ppl, 'f', 3), l.toString(p.pplLow, 'f', 3),
                                           l.toString(p.pplHigh, 'f', 3));
    s += QStringLiteral("<br>") + QObject::tr("mean KLD %1 nats").arg(l.toString(p.klMean, 'g', 3));
    if (!p.exact)
        s += QStringLiteral("<br><i>%1</i>").arg(QObject::tr("estimate (partial evaluation)"));
    if (p.hasConfig)
        s += QStringLiteral("<br><i>%1</i>").arg(QObject::tr("click to load this configuration"));
    return s;
}

// The label and its shorter forms: "current = q4_0" -> "current…" and "int4_g128_sym" ->
// "int4_g…", then the first four characters.
QStringList labelForms(const QString& label) {
    QStringList forms{label};
    if (label.isEmpty()) return {};
    QString head = label.section(QStringLiteral(" = "), 0, 0).section(QStringLiteral(" ("), 0, 0);
    if (head.size() > 8) head = head.left(6);
    if (head != label) forms << head + QStringLiteral("…");
    if (head.size() > 4) forms << head.left(4) + QStringLiteral("…");
    return forms;
}

int priorityOf(ParetoPoint::Kind kind) {
    switch (kind) {
    case ParetoPoint::Kind::Current:
        return 3;
    case ParetoPoint::Kind::FullPrecision:
        return 2;
    case ParetoPoint::Kind::Snapshot:
        return 1;
    case ParetoPoint::Kind::Uniform:
        return 0;
    }
    return 0;
}

} // namespace

QList<LabelPlacement> placePointLabels(const QList<PointLabel>& labels, const QRectF& bounds) {
    constexpr qreal kGap = 2;
    QList<LabelPlacement> out(labels.size());
    QList<QRectF> taken; // markers, then the labels placed so far
    for (const PointLabel& l : labels) {
        const qreal r = l.markerRadius;
        taken << QRectF(l.anchor - QPointF(r, r), QSizeF(2 * r, 2 * r));
    }
    QList<int> order(labels.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return labels[a].priority > labels[b].priority; });
    for (int i : order) {
        const PointLabel& l = labels[i];
        const QPointF c = l.anchor;
        const qreal d = l.markerRadius + kGap;
        for (int v = 0; v < l.sizes.size() && out[i].variant < 0; ++v) {
            const qreal w = l.sizes[v].width(), h = l.sizes[v].height();
            const QPointF topLefts[] = {
                {c.x() - w / 2, c.y() - d - h}, // above
                {c.x() + d, c.y() - h / 2},     // right
                {c.x() - w / 2, c.y() + d},     // below
                {c.x() - d - w, c.y() - h / 2}, // left
                {c.x() + d, c.y() - d - h},     // above right
                {c.x() + d, c.y() + d},         // below right
                {c.x() - d - w, c.y() - d - h}, // above left
                {c.x() - d - w, c.y() + d},     // below left
            };
            for (const QPointF& topLeft : topLefts) {
                const QRectF rect(topLeft, l.sizes[v]);
                if (!bounds.contains(rect)) continue;
                if (std::any_of(taken.begin(), taken.end(),
                                [&](const QRectF& t) { return t.intersects(rect); }))
                    continue;
                out[i] = {v, rect};
                taken << rect;
                break;
            }
        }
    }
    return out;
}

// Draws the point labels over the chart's series, placed at paint time from the chart's current
// plot area, so the exported figure (renderChart lays the chart out at the target size) gets
// its own placement. Invisible to the mouse: clicks and hovers reach the series below.
class ParetoLabelOverlay : public QGraphicsItem {
public:
    struct Entry {
        QPointF value;
        QAbstractSeries* series = nullptr;
        QStringList forms; // full text, then shorter; empty: marker only
        QFont font;
        QColor color;
        qreal radius = 5;
        int priority = 0;
    };

    explicit ParetoLabelOverlay(QChart* chart) : QGraphicsItem(chart), m_chart(chart) {
        setZValue(100); // above the series
        setAcceptedMouseButtons(Qt::NoButton);
    }
    void setEntries(QList<Entry> entries) {
        m_entries = std::move(entries);
        update();
    }
    void chartResized() {
        prepareGeometryChange();
        update();
    }
    QList<ParetoView::ShownLabel> layout() const {
        QList<PointLabel> requests;
        for (const Entry& e : m_entries) {
            PointLabel l;
            l.anchor = m_chart->mapToPosition(e.value, e.series);
            l.markerRadius = e.radius;
            l.priority = e.priority;
            const QFontMetricsF metrics(e.font);
            for (const QString& form : e.forms)
                l.sizes << QSizeF(metrics.horizontalAdvance(form) + 2, metrics.height());
            requests << l;
        }
        const QList<LabelPlacement> placed =
            placePointLabels(requests, m_chart->plotArea().adjusted(-2, -2, 2, 2));
        QList<ParetoView::ShownLabel> shown;
        for (int i = 0; i < placed.size(); ++i)
            if (placed[i].variant >= 0)
                shown.push_back({i, m_entries[i].forms[placed[i].variant], placed[i].rect});
        return shown;
    }

    QRectF boundingRect() const override { return m_chart->rect(); }
    QPainterPath shape() const override { return {}; }
    void paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) override {
        for (const ParetoView::ShownLabel& label : layout()) {
            const Entry& e = m_entries[label.point];
            painter->setFont(e.font);
            painter->setPen(e.color);
            painter->drawText(label.rect, Qt::AlignCenter, label.text);
        }
    }

private:
    QChart* m_chart;
    QList<Entry> m_entries;
};

ParetoView::ParetoView(QWidget* parent)
    : FigureWidget(parent), m_chart(makeChart(tr("Size vs quality"))),
      m_labels(new ParetoLabelOverlay(m_chart)), m_view(makeChartView(m_chart, this)),
      m_xCombo(new QComboBox(this)), m_yCombo(new QComboBox(this)),
      m_logCheck(new QCheckBox(tr("Log y"), this)), m_hint(new QLabel(this)) {
    setWindowTitle(tr("Pareto"));
    m_view->setObjectName(QStringLiteral("paretoChart"));
    m_xCombo->setObjectName(QStringLiteral("paretoX"));
    m_yCombo->setObjectName(QStringLiteral("paretoY"));
    m_xCombo->addItem(tr("Bits per weight"), int(XMeasure::BitsPerWeight));
    m_xCombo->addItem(tr("Model size"), int(XMeasure::ModelSize));
    m_yCombo->addItem(tr("Perplexity"), int(YMeasure::Perplexity));
    m_yCombo->addItem(tr("Mean KLD"), int(YMeasure::MeanKld));
    m_logCheck->setChecked(m_logY);
    m_hint->setForegroundRole(QPalette::PlaceholderText);
    m_hint->setText(tr("Click a point to load its configuration."));
    connect(m_chart, &QGraphicsWidget::geometryChanged, this, [this] { m_labels->chartResized(); });
    connect(m_chart, &QChart::plotAreaChanged, this, [this] { m_labels->update(); });

    connect(m_xCombo, &QComboBox::currentIndexChanged, this,
            [this] { setXMeasure(XMeasure(m_xCombo->currentData().toInt())); });
    connect(m_yCombo, &QComboBox::currentIndexChanged, this,
            [this] { setYMeasure(YMeasure(m_yCombo->currentData().toInt())); });
    connect(m_logCheck, &QCheckBox::toggled, this, &ParetoView::setLogarithmicY);

    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("x:"), this));
    controls->addWidget(m_xCombo);
    controls->addSpacing(12);
    controls->addWidget(new QLabel(tr("y:"), this));
    controls->addWidget(m_yCombo);
    controls->addWidget(m_logCheck);
    controls->addStretch(1);
    controls->addWidget(m_hint);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addWidget(m_view, 1);
    rebuild();
}

void ParetoView::setReference(const ParetoPoint& point) {
    m_reference = point;
    m_reference.kind = ParetoPoint::Kind::FullPrecision;
    m_hasReference = true;
    rebuild();
}

void ParetoView::setUniformPoints(const QList<ParetoPoint>& points) {
    m_uniform = points;
    for (ParetoPoint& p : m_uniform) p.kind = ParetoPoint::Kind::Uniform;
    rebuild();
}

void ParetoView::addUniformPoint(const ParetoPoint& point) {
    ParetoPoint p = point;
    p.kind = ParetoPoint::Kind::Uniform;
    auto it = std::find_if(m_uniform.begin(), m_uniform.end(),
                           [&](const ParetoPoint& q) { return q.label == p.label; });
    if (it != m_uniform.end())
        *it = p;
    else
        m_uniform.push_back(p);
    rebuild();
}

void ParetoView::setSnapshots(const QList<ParetoPoint>& points) {
    m_snapshots = points;
    for (ParetoPoint& p : m_snapshots) p.kind = ParetoPoint::Kind::Snapshot;
    rebuild();
}

void ParetoView::setCurrent(const ParetoPoint& point) {
    m_current = point;
    m_current.kind = ParetoPoint::Kind::Current;
    m_hasCurrent = true;
    rebuild();
}

void ParetoView::clearCurrent() {
    m_hasCurrent = false;
    rebuild();
}

void ParetoView::clear() {
    m_hasReference = m_hasCurrent = false;
    m_uniform.clear();
    m_snapshots.clear();
    rebuild();
}

void ParetoView::setXMeasure(XMeasure x) {
    if (m_x == x) return;
    m_x = x;
    m_xCombo->setCurrentIndex(m_xCombo->findData(int(x)));
    rebuild();
}

void ParetoView::setYMeasure(YMeasure y) {
    if (m_y == y) return;
    m_y = y;
    m_yCombo->setCurrentIndex(m_yCombo->findData(int(y)));
    rebuild();
}

void ParetoView::setLogarithmicY(bool on) {
    if (m_logY == on) return;
    m_logY = on;
    m_logCheck->setChecked(on);
    rebuild();
}

QList<ParetoPoint> ParetoView::points() const {
    QList<ParetoPoint> all;
    if (m_hasReference) all.push_back(m_reference);
    all += m_uniform;
    all += m_snapshots;
    if (m_hasCurrent) all.push_back(m_current);
    return all;
}

QPointF ParetoView::valueOf(const ParetoPoint& p) const {
    const double x =
        m_x == XMeasure::BitsPerWeight ? p.bitsPerWeight : double(p.modelBytes) / (1024.0 * 1024.0);
    double y = m_y == YMeasure::Perplexity ? p.ppl : p.klMean;
    if (m_logY && m_yFloor > 0) y = std::max(y, m_yFloor);
    return QPointF(x, y);
}

QList<QPointF> ParetoView::plotted() const {
    QList<QPointF> out;
    for (const ParetoPoint& p : points()) out.push_back(valueOf(p));
    return out;
}

QList<ParetoView::ShownLabel> ParetoView::shownLabels() const {
    return m_labels->layout();
}

QPoint ParetoView::viewportPosition(int index) const {
    if (index < 0 || index >= m_pointSeries.size()) return {};
    const QPointF value = valueOf(points()[index]);
    const QPointF scenePos = m_chart->mapToPosition(value, m_pointSeries[index]);
    return m_view->mapFromScene(m_chart->mapToScene(scenePos));
}

void ParetoView::requestPoint(int index) {
    const QList<ParetoPoint> all = points();
    if (index < 0 || index >= all.size() || !all[index].hasConfig) return;
    emit configurationRequested(all[index].config);
}

void ParetoView::rebuild() {
    clearChart(m_chart);
    m_pointSeries.clear();
    m_labels->setEntries({});
    const QList<ParetoPoint> all = points();

    // Range of y, and the floor for a log axis (values <= 0 are drawn there).
    double yMin = std::numeric_limits<double>::infinity(), yMax = 0;
    m_yFloor = 0;
    for (const ParetoPoint& p : all) {
        const double y = m_y == YMeasure::Perplexity ? p.ppl : p.klMean;
        if (y > 0 && std::isfinite(y)) {
            yMin = std::min(yMin, y);
            yMax = std::max(yMax, y);
        }
    }
    if (!std::isfinite(yMin)) {
        yMin = m_y == YMeasure::Perplexity ? 1 : 1e-4;
        yMax = yMin * 10;
    }
    if (m_logY) {
        // Strictly below every positive value, so a clamped 0 never coincides with a point.
        const double lo = std::pow(10.0, std::floor(std::log10(yMin) - 1e-9));
        m_yFloor = lo;
        yMin = lo;
        yMax = std::pow(10.0, std::ceil(std::log10(yMax * 1.0001)));
        if (yMax <= yMin) yMax = yMin * 10;
    }

    const QString xTitle = m_x == XMeasure::BitsPerWeight
                               ? tr("average bits per weight (linear layers of the blocks)")
                               : tr("model size (MiB)");
    const QString yTitle = m_y == YMeasure::Perplexity
                               ? tr("perplexity (lower is better)")
                               : tr("mean KL divergence to FP, nats (lower is better)");
    auto* x = new QValueAxis;
    styleAxis(x, xTitle);
    QAbstractAxis* y;
    if (m_logY) {
        auto* log = new QLogValueAxis;
        log->setBase(10);
        log->setMinorTickCount(8);
        log->setMinorGridLineColor(QColor(0xf0, 0xf0, 0xf0));
        log->setLabelFormat(m_y == YMeasure::Perplexity ? QStringLiteral("%g")
                                                        : QStringLiteral("%.0e"));
        log->setRange(yMin, yMax);
        y = log;
    } else {
        auto* lin = new QValueAxis;
        lin->setRange(0, yMax * 1.1);
        lin->applyNiceNumbers();
        y = lin;
    }
    styleAxis(y, yTitle);
    m_chart->addAxis(x, Qt::AlignBottom);
    m_chart->addAxis(y, Qt::AlignLeft);

    double xMax = 1;
    for (const ParetoPoint& p : all) xMax = std::max(xMax, valueOf(p).x());
    x->setRange(0, xMax * 1.08);
    x->applyNiceNumbers();
    x->setLabelFormat(m_x == XMeasure::BitsPerWeight ? QStringLiteral("%.0f")
                                                     : QStringLiteral("%.2f"));

    const QList<QPointF> values = plotted();
    // The frontier of the true values (a KLD of 0 drawn on the log axis floor stays the best).
    QList<QPointF> exact;
    for (const ParetoPoint& p : all)
        exact.push_back(QPointF(valueOf(p).x(), m_y == YMeasure::Perplexity ? p.ppl : p.klMean));
    m_frontier = paretoFrontier(exact);
    m_chart->setTitle(m_y == YMeasure::Perplexity ? tr("Size vs perplexity")
                                                  : tr("Size vs mean KLD"));
    if (all.isEmpty()) {
        m_chart->legend()->hide();
        return;
    }
    if (m_frontier.size() >= 2) {
        auto* line = new QLineSeries;
        for (int i : m_frontier) line->append(values[i]);
        line->setPen(QPen(chartColor(ChartRole::Frontier), 2.0, Qt::DashLine));
        line->setName(tr("Pareto frontier"));
        m_chart->addSeries(line);
        line->attachAxis(x);
        line->attachAxis(y);
    }

    // Points drawn at the same place (f16 and a format that falls back to f16 everywhere, the
    // current configuration equal to a uniform one) share one label, on the last one drawn.
    QStringList labels;
    for (int i = 0; i < all.size(); ++i) {
        QString label = all[i].label;
        if (m_logY && m_y == YMeasure::MeanKld && all[i].klMean <= 0) label += tr(" (KLD 0)");
        labels.push_back(label);
    }
    for (int i = 0; i < all.size(); ++i)
        for (int j = i + 1; j < all.size(); ++j)
            if (qFuzzyCompare(values[i].x() + 1, values[j].x() + 1) &&
                qFuzzyCompare(values[i].y() + 1, values[j].y() + 1) && !labels[i].isEmpty()) {
                labels[j] = labels[j] + QStringLiteral(" = ") + labels[i];
                labels[i].clear();
            }

    bool legendShown[4] = {false, false, false, false};
    QList<ParetoLabelOverlay::Entry> entries;
    for (int i = 0; i < all.size(); ++i) {
        const ParetoPoint& p = all[i];
        auto* s = new QScatterSeries;
        switch (p.kind) {
        case ParetoPoint::Kind::FullPrecision:
            s->setMarkerShape(QScatterSeries::MarkerShapeStar);
            s->setMarkerSize(16);
            s->setColor(chartColor(ChartRole::FullPrecision));
            break;
        case ParetoPoint::Kind::Uniform:
            s->setMarkerShape(QScatterSeries::MarkerShapeCircle);
            s->setMarkerSize(10);
            s->setColor(chartColor(ChartRole::Uniform));
            break;
        case ParetoPoint::Kind::Snapshot:
            s->setMarkerShape(QScatterSeries::MarkerShapeRotatedRectangle);
            s->setMarkerSize(12);
            s->setColor(chartColor(ChartRole::Snapshot));
            break;
        case ParetoPoint::Kind::Current:
            s->setMarkerShape(QScatterSeries::MarkerShapeCircle);
            s->setMarkerSize(18);
            s->setColor(chartColor(ChartRole::Current));
            s->setBorderColor(Qt::black);
            break;
        }
        if (p.kind != ParetoPoint::Kind::Current) s->setBorderColor(s->color().darker(130));
        s->append(values[i]);
        // Labels are drawn by the overlay, placed so that they avoid each other.
        ParetoLabelOverlay::Entry label;
        label.value = values[i];
        label.series = s;
        label.forms = labelForms(labels[i]);
        label.font = s->pointLabelsFont();
        label.font.setBold(p.kind == ParetoPoint::Kind::Current);
        label.color = p.kind == ParetoPoint::Kind::Uniform ? QColor(0x33, 0x33, 0x33)
                                                           : s->color().darker(120);
        label.radius = s->markerSize() / 2;
        label.priority = priorityOf(p.kind);
        entries.push_back(label);
        s->setName(kindName(p.kind));
        m_chart->addSeries(s);
        s->attachAxis(x);
        s->attachAxis(y);
        const int kind = int(p.kind);
        const bool firstOfKind = !legendShown[kind];
        legendShown[kind] = true;
        for (QLegendMarker* marker : m_chart->legend()->markers(s)) marker->setVisible(firstOfKind);
        connect(s, &QScatterSeries::clicked, this, [this, i](const QPointF&) { requestPoint(i); });
        const QString tip = describe(p);
        connect(s, &QScatterSeries::hovered, this, [tip](const QPointF&, bool state) {
            if (state)
                QToolTip::showText(QCursor::pos(), tip);
            else
                QToolTip::hideText();
        });
        m_pointSeries.push_back(s);
    }
    m_labels->setEntries(entries);
    m_chart->legend()->show();
}

void ParetoView::renderFigure(QPainter* painter, const QRectF& target) {
    if (points().isEmpty()) {
        renderPlaceholder(painter, target, tr("No evaluated configurations yet."));
        return;
    }
    renderChart(m_chart, painter, target);
}
