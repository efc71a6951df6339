#include "logit_distortion_view.h"

#include "chart_style.h"
#include "eval_token_context.h"

#include "formatting.h"

#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QHeaderView>
#include <QLabel>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QPainter>
#include <QScatterSeries>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
#include <QTimer>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace {

QChartView* makeView(QChart* chart, QWidget* parent) {
    QChartView* view = makeChartView(chart, parent);
    view->setMinimumSize(280, 240);
    return view;
}

void attach(QChart* chart, QAbstractSeries* series, QAbstractAxis* x, QAbstractAxis* y) {
    chart->addSeries(series);
    series->attachAxis(x);
    series->attachAxis(y);
}

QString fixed(double v, int decimals) {
    return displayLocale().toString(v, 'f', decimals);
}

QString compactNumber(double v) {
    if (v == 0) return QStringLiteral("0");
    if (std::abs(v) >= 1e-3 && std::abs(v) < 1e4) return displayLocale().toString(v, 'g', 3);
    return QString::number(v, 'e', 1);
}

// A step outline over [low, high) bins, closed to y = 0 at both ends.
QLineSeries* stepSeries(const QList<QPair<QPair<double, double>, double>>& bins) {
    auto* s = new QLineSeries;
    if (bins.isEmpty()) return s;
    s->append(bins.front().first.first, 0);
    for (const auto& b : bins) {
        s->append(b.first.first, b.second);
        s->append(b.first.second, b.second);
    }
    s->append(bins.back().first.second, 0);
    return s;
}

} // namespace

LogitDistortionView::LogitDistortionView(QWidget* parent)
    : FigureWidget(parent), m_topModel(new TopKldTokensModel(this)), m_summary(new QLabel(this)),
      m_histogram(makeChart(tr("Per-token KL divergence to full precision"))),
      m_reliability(makeChart(tr("Reliability diagram"))),
      m_entropy(makeChart(tr("Predictive entropy"))), m_table(new QTableView(this)),
      m_contextView(new QTextBrowser(this)), m_rebuildTimer(new QTimer(this)) {
    setWindowTitle(tr("Logit distortion"));
    m_rebuildTimer->setSingleShot(true);
    m_rebuildTimer->setInterval(0);
    connect(m_rebuildTimer, &QTimer::timeout, this, [this] {
        runNextRebuild();
        scheduleRebuild();
    });
    m_histogramView = makeView(m_histogram, this);
    m_reliabilityView = makeView(m_reliability, this);
    m_entropyView = makeView(m_entropy, this);
    m_histogramView->setObjectName(QStringLiteral("kldHistogram"));
    m_reliabilityView->setObjectName(QStringLiteral("reliabilityDiagram"));
    m_entropyView->setObjectName(QStringLiteral("entropyScatter"));

    m_summary->setObjectName(QStringLiteral("distortionSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_table->setObjectName(QStringLiteral("topKldTokens"));
    m_table->setModel(m_topModel);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(false);
    // Column widths from the first rows only: measuring all 200 costs milliseconds per result.
    m_table->horizontalHeader()->setResizeContentsPrecision(20);
    m_table->setAlternatingRowColors(true);
    connect(m_table, &QTableView::clicked, this,
            [this](const QModelIndex& index) { showTokenAtRow(index.row()); });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                if (current.isValid()) showTokenAtRow(current.row());
            });

    m_contextView->setObjectName(QStringLiteral("tokenContext"));
    m_contextView->setPlaceholderText(tr("Select a token to see the text it was predicted in."));

    auto* charts = new QSplitter(Qt::Horizontal, this);
    charts->addWidget(m_histogramView);
    charts->addWidget(m_reliabilityView);
    charts->addWidget(m_entropyView);
    auto* bottom = new QSplitter(Qt::Horizontal, this);
    bottom->addWidget(m_table);
    bottom->addWidget(m_contextView);
    bottom->setStretchFactor(0, 3);
    bottom->setStretchFactor(1, 2);
    auto* vertical = new QSplitter(Qt::Vertical, this);
    vertical->addWidget(charts);
    vertical->addWidget(bottom);
    vertical->setStretchFactor(0, 3);
    vertical->setStretchFactor(1, 2);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(vertical, 1);
    setResult({});
}

void LogitDistortionView::setResult(std::shared_ptr<const qs::EvalResult> result) {
    m_result = std::move(result);
    m_data = m_result ? logitDistortionData(*m_result) : LogitDistortionData{};
    m_topModel->setResult(m_result, m_context);
    m_contextView->clear();
    if (m_topModel->rowCount() > 0) {
        m_table->resizeColumnsToContents();
        m_table->horizontalHeader()->setSectionResizeMode(TopKldTokensModel::Token,
                                                          QHeaderView::Stretch);
    }
    rebuildCharts();
    updateSummary();
}

void LogitDistortionView::setTokenContext(std::shared_ptr<const EvalTokenContext> context) {
    m_context = std::move(context);
    m_topModel->setTokenContext(m_context);
    const QModelIndex current = m_table->currentIndex();
    if (current.isValid()) showTokenAtRow(current.row());
}

QString LogitDistortionView::contextText() const {
    return m_contextView->toPlainText();
}

void LogitDistortionView::updateSummary() {
    if (m_data.isEmpty()) {
        m_summary->setText(tr("No evaluation of a quantized configuration yet."));
        return;
    }
    m_summary->setText(
        tr("%1 scored tokens · mean KLD %2 nats (median %3, p99 %4, max %5) · top-1 agreement "
           "%6% · ECE %7 (FP) → %8 (current)")
            .arg(formatCount(quint64(m_data.tokens)), compactNumber(m_data.klMean),
                 compactNumber(m_data.klP50), compactNumber(m_data.klP99),
                 compactNumber(m_data.klMax), fixed(100.0 * m_data.top1Agreement, 2),
                 fixed(m_data.eceReference, 4), fixed(m_data.eceCurrent, 4)));
}

void LogitDistortionView::rebuildCharts() {
    m_pendingRebuilds = 3;
    runNextRebuild(); // the histogram now, the others on the next turns
    scheduleRebuild();
}

void LogitDistortionView::scheduleRebuild() {
    if (m_pendingRebuilds > 0 && !m_rebuildTimer->isActive()) m_rebuildTimer->start();
}

void LogitDistortionView::runNextRebuild() {
    switch (m_pendingRebuilds) {
    case 3:
        buildHistogram();
        break;
    case 2:
        buildReliability();
        break;
    case 1:
        buildEntropy();
        break;
    default:
        return;
    }
    --m_pendingRebuilds;
}

QChart* LogitDistortionView::flushed(QChart* chart) const {
    auto* self = const_cast<LogitDistortionView*>(this);
    while (self->m_pendingRebuilds > 0) self->runNextRebuild();
    return chart;
}

void LogitDistortionView::buildHistogram() {
    clearChart(m_histogram);
    const KldHistogram& h = m_data.kld;
    auto* x = new QLogValueAxis;
    x->setBase(10);
    x->setLabelFormat(QStringLiteral("%.0e"));
    x->setMinorTickCount(8);
    x->setMinorGridLineColor(QColor(0xf2, 0xf2, 0xf2));
    styleAxis(x, tr("KL(FP ‖ current) per token, nats (log scale)"));
    auto* y = new QValueAxis;
    styleAxis(y, tr("tokens per bin"));
    y->setLabelFormat(QStringLiteral("%.0f"));
    m_histogram->addAxis(x, Qt::AlignBottom);
    m_histogram->addAxis(y, Qt::AlignLeft);
    if (h.bins.isEmpty()) {
        x->setRange(1e-6, 1);
        y->setRange(0, 1);
        m_histogram->legend()->hide();
        return;
    }
    QList<QPair<QPair<double, double>, double>> bins;
    qint64 peak = 1;
    for (const HistogramBin& b : h.bins) {
        bins.push_back({{b.low, b.high}, double(b.count)});
        peak = std::max(peak, b.count);
    }
    auto* upper = stepSeries(bins);
    auto* area = new QAreaSeries(upper);
    QColor fill = chartColor(ChartRole::Current);
    area->setPen(QPen(fill, 1.2));
    fill.setAlpha(90);
    area->setBrush(fill);
    area->setName(h.belowRange > 0
                      ? tr("%1 tokens (%2 below %3 not shown)")
                            .arg(formatCount(quint64(h.total - h.belowRange)),
                                 formatCount(quint64(h.belowRange)), compactNumber(h.floor))
                      : tr("%1 tokens").arg(formatCount(quint64(h.total))));
    attach(m_histogram, area, x, y);
    x->setRange(h.bins.front().low, h.bins.back().high);
    y->setRange(0, double(peak) * 1.08);
    y->applyNiceNumbers();

    const auto marker = [&](double value, const QString& name, Qt::PenStyle style) {
        if (!(value >= h.bins.front().low && value <= h.bins.back().high)) return;
        auto* line = new QLineSeries;
        line->append(value, 0);
        line->append(value, y->max());
        line->setPen(QPen(chartColor(ChartRole::Uniform), 1.5, style));
        line->setName(name);
        attach(m_histogram, line, x, y);
    };
    marker(m_data.klMean, tr("mean %1").arg(compactNumber(m_data.klMean)), Qt::DashLine);
    marker(m_data.klP99, tr("p99 %1").arg(compactNumber(m_data.klP99)), Qt::DotLine);
    m_histogram->legend()->show();
}

void LogitDistortionView::buildReliability() {
    clearChart(m_reliability);
    auto* x = new QValueAxis;
    styleAxis(x, tr("confidence (probability of the top-1 token)"));
    x->setRange(0, 1);
    x->setTickCount(6);
    x->setLabelFormat(QStringLiteral("%.1f"));
    auto* y = new QValueAxis;
    styleAxis(y, tr("accuracy (top-1 = target)"));
    y->setRange(0, 1);
    y->setTickCount(6);
    y->setLabelFormat(QStringLiteral("%.1f"));
    auto* counts = new QValueAxis;
    styleAxis(counts, tr("tokens per bin (shaded: current, dotted: FP)"));
    counts->setLabelFormat(QStringLiteral("%.0f"));
    counts->setGridLineVisible(false);
    m_reliability->addAxis(x, Qt::AlignBottom);
    m_reliability->addAxis(y, Qt::AlignLeft);
    m_reliability->addAxis(counts, Qt::AlignRight);

    // Bin counts first, so the curves are drawn over them.
    qint64 peak = 1;
    const auto countBins = [&](const QList<ReliabilityPoint>& pts) {
        QList<QPair<QPair<double, double>, double>> bins;
        for (const ReliabilityPoint& p : pts) {
            bins.push_back({{p.confidenceLow, p.confidenceHigh}, double(p.count)});
            peak = std::max(peak, p.count);
        }
        return bins;
    };
    if (!m_data.reliabilityCurrent.isEmpty()) {
        auto* area = new QAreaSeries(stepSeries(countBins(m_data.reliabilityCurrent)));
        QColor c = chartColor(ChartRole::Current);
        c.setAlpha(35);
        area->setBrush(c);
        area->setPen(QPen(c.darker(110), 0.8));
        area->setName(tr("tokens per bin (current)"));
        attach(m_reliability, area, x, counts);
        for (QLegendMarker* m : m_reliability->legend()->markers(area)) m->setVisible(false);
    }
    if (!m_data.reliabilityReference.isEmpty()) {
        auto* steps = stepSeries(countBins(m_data.reliabilityReference));
        QColor c = chartColor(ChartRole::FullPrecision);
        c.setAlpha(120);
        steps->setPen(QPen(c, 1.0, Qt::DotLine));
        steps->setName(tr("tokens per bin (FP)"));
        attach(m_reliability, steps, x, counts);
        for (QLegendMarker* m : m_reliability->legend()->markers(steps)) m->setVisible(false);
    }
    counts->setRange(0, double(peak) * 1.6); // keeps the bars in the lower part of the plot
    counts->applyNiceNumbers();

    auto* diagonal = new QLineSeries;
    diagonal->append(0, 0);
    diagonal->append(1, 1);
    diagonal->setPen(QPen(chartColor(ChartRole::Reference), 1.2, Qt::DashLine));
    diagonal->setName(tr("ideal"));
    attach(m_reliability, diagonal, x, y);

    const auto curve = [&](const QList<ReliabilityPoint>& pts, ChartRole role,
                           const QString& name) {
        auto* line = new QLineSeries;
        for (const ReliabilityPoint& p : pts)
            if (p.count > 0) line->append(p.meanConfidence, p.accuracy);
        line->setPen(QPen(chartColor(role), 2.0));
        line->setPointsVisible(true);
        line->setMarkerSize(6);
        line->setName(name);
        attach(m_reliability, line, x, y);
    };
    if (!m_data.reliabilityReference.isEmpty())
        curve(m_data.reliabilityReference, ChartRole::FullPrecision,
              tr("FP (ECE %1)").arg(fixed(m_data.eceReference, 3)));
    if (!m_data.reliabilityCurrent.isEmpty())
        curve(m_data.reliabilityCurrent, ChartRole::Current,
              tr("current (ECE %1)").arg(fixed(m_data.eceCurrent, 3)));
    m_reliability->legend()->setVisible(!m_data.isEmpty());
}

void LogitDistortionView::buildEntropy() {
    clearChart(m_entropy);
    auto* x = new QValueAxis;
    styleAxis(x, tr("entropy, full precision (nats)"));
    auto* y = new QValueAxis;
    styleAxis(y, tr("entropy, current configuration (nats)"));
    m_entropy->addAxis(x, Qt::AlignBottom);
    m_entropy->addAxis(y, Qt::AlignLeft);
    m_entropy->setTitle(tr("Predictive entropy"));
    double top = 1;
    for (const QPointF& p : m_data.entropy) top = std::max({top, p.x(), p.y()});
    top = std::ceil(top * 1.05 * 2) / 2;
    x->setRange(0, top);
    y->setRange(0, top);
    x->setLabelFormat(QStringLiteral("%.1f"));
    y->setLabelFormat(QStringLiteral("%.1f"));
    if (m_data.entropy.isEmpty()) {
        m_entropy->legend()->hide();
        return;
    }
    if (m_data.entropyTotal > m_data.entropy.size())
        m_entropy->setTitle(tr("Predictive entropy (%1 of %2 tokens)")
                                .arg(formatCount(quint64(m_data.entropy.size())),
                                     formatCount(quint64(m_data.entropyTotal))));
    auto* scatter = new QScatterSeries;
    scatter->setMarkerShape(QScatterSeries::MarkerShapeCircle);
    scatter->setMarkerSize(4);
    QColor c = chartColor(ChartRole::Current);
    c.setAlpha(70);
    scatter->setColor(c);
    scatter->setBorderColor(Qt::transparent);
    scatter->setPen(Qt::NoPen);
    scatter->append(m_data.entropy);
    scatter->setName(tr("token"));
    attach(m_entropy, scatter, x, y);
    auto* diagonal = new QLineSeries;
    diagonal->append(0, 0);
    diagonal->append(top, top);
    diagonal->setPen(QPen(chartColor(ChartRole::Uniform), 1.2, Qt::DashLine));
    diagonal->setName(tr("equal entropy"));
    attach(m_entropy, diagonal, x, y);
    m_entropy->legend()->show();
}

void LogitDistortionView::showTokenAtRow(int row) {
    const KldTokenRow t = m_topModel->row(row);
    const qint64 k = t.scoredIndex;
    if (k < 0) return;
    QString html =
        QStringLiteral("<p><b>%1</b><br>").arg(tr("Scored token %1").arg(formatCount(quint64(k))));
    html += tr("KLD %1 nats · NLL %2 → %3 · p(target) %4 → %5 · top-1 %6")
                .arg(compactNumber(t.kl), fixed(t.nllReference, 3), fixed(t.nll, 3),
                     fixed(t.pCorrectReference, 3), fixed(t.pCorrect, 3),
                     t.top1Agree ? tr("agrees") : tr("differs"));
    html += QStringLiteral("</p>");
    if (m_context) {
        const TokenContextText c = m_context->contextOf(k);
        const QColor bg = palette().color(QPalette::Highlight);
        const QColor fg = palette().color(QPalette::HighlightedText);
        const auto esc = [](const QString& s) { return s.toHtmlEscaped(); };
        html += QStringLiteral(
                    "<p style=\"white-space: pre-wrap\">…%1<span style=\"background-color:%2; "
                    "color:%3\"><b>%4</b></span><span style=\"color:#888888\">%5</span>…</p>")
                    .arg(esc(c.before), bg.name(), fg.name(),
                         esc(c.target.isEmpty() ? QStringLiteral("∅") : c.target), esc(c.after));
        html += QStringLiteral("<p style=\"color:#666666\">%1</p>")
                    .arg(tr("Target token %1 at text position %2")
                             .arg(esc(c.display), formatCount(quint64(c.position))));
    } else {
        html += QStringLiteral("<p style=\"color:#666666\">%1</p>")
                    .arg(tr("Text context not available yet."));
    }
    m_contextView->setHtml(html);
    emit tokenSelected(k);
}

void LogitDistortionView::renderFigure(QPainter* painter, const QRectF& target) {
    flushed(nullptr);
    if (m_data.isEmpty()) {
        renderPlaceholder(painter, target, tr("No evaluation of a quantized configuration yet."));
        return;
    }
    painter->save();
    QFont f = font();
    painter->setFont(f);
    const qreal header = QFontMetricsF(f).height() * 2.2;
    painter->setPen(Qt::black);
    painter->drawText(target.adjusted(8, 4, -8, 0).topLeft() +
                          QPointF(0, QFontMetricsF(f).ascent()),
                      m_summary->text());
    painter->restore();
    const QRectF area = target.adjusted(0, header, 0, 0);
    const qreal w = area.width() / 3;
    renderChart(m_histogram, painter, QRectF(area.left(), area.top(), w, area.height()));
    renderChart(m_reliability, painter, QRectF(area.left() + w, area.top(), w, area.height()));
    renderChart(m_entropy, painter, QRectF(area.left() + 2 * w, area.top(), w, area.height()));
}
