#include "report_figures.h"

#include "report_data.h"

#include "charts/figure_widget.h"
#include "charts/logit_distortion_view.h"
#include "charts/pareto_view.h"
#include "charts/saliency_view.h"
#include "charts/sensitivity_chart.h"

#include "eval/incremental_evaluator.h"

#include <QPainter>

#include <memory>

namespace {

// The session keeps metrics, not results: wrap them so the GUI's adapter makes the point.
qs::EvalResult resultOf(const ReportConfiguration& c) {
    qs::EvalResult r;
    r.metrics = c.metrics;
    r.averageBitsPerWeight = c.bitsPerWeight;
    r.modelBytes = c.modelBytes;
    r.windowsDone = r.windowsTotal = 1;
    return r;
}

ParetoPoint referencePointOf(const ReportData& d) {
    ParetoPoint p;
    p.kind = ParetoPoint::Kind::FullPrecision;
    p.label = QObject::tr("full precision");
    p.bitsPerWeight = d.referenceBitsPerWeight;
    p.modelBytes = d.referenceBytes;
    p.ppl = d.reference.ppl;
    p.pplLow = d.reference.pplLow;
    p.pplHigh = d.reference.pplHigh;
    return p;
}

template <class Paint>
ReportFigure record(const QString& id, const QString& caption, QSize size, const Paint& paint) {
    ReportFigure f{id, caption, {}, size};
    QPainter painter(&f.picture);
    painter.setRenderHint(QPainter::Antialiasing);
    paint(&painter, QRectF(QPointF(0, 0), QSizeF(size)));
    painter.end();
    f.picture.setBoundingRect(QRect(QPoint(0, 0), size));
    return f;
}

} // namespace

ReportFigure captureFigure(const QString& id, const QString& caption, FigureWidget* view,
                           QSize size) {
    return record(id, caption, size.isValid() ? size : view->defaultFigureSize(),
                  [view](QPainter* p, const QRectF& r) { view->renderFigure(p, r); });
}

ReportFigure captureChart(const QString& id, const QString& caption, QChart* chart, QSize size) {
    return record(id, caption, size,
                  [chart](QPainter* p, const QRectF& r) { renderChart(chart, p, r); });
}

QList<ReportFigure> reportFigures(const ReportData& d) {
    QList<ReportFigure> figures;
    if (d.hasReference || !d.configurations.isEmpty()) {
        ParetoView pareto;
        if (d.hasReference) pareto.setReference(referencePointOf(d));
        QList<ParetoPoint> points;
        for (const ReportConfiguration& c : d.configurations)
            points << paretoPointFromResult(c.name, ParetoPoint::Kind::Snapshot, resultOf(c),
                                            c.config);
        pareto.setSnapshots(points);
        figures << captureFigure(QStringLiteral("pareto"),
                                 QObject::tr("Bits per weight against perplexity (95% CI bars) "
                                             "for full precision and each configuration; the "
                                             "Pareto frontier in orange."),
                                 &pareto);
    }
    if (!d.configurations.isEmpty()) {
        const ReportConfiguration& c = d.configurations.front();
        auto result = std::make_shared<qs::EvalResult>(resultOf(c));
        LogitDistortionView logit;
        logit.setResult(result);
        figures << captureChart(
            QStringLiteral("reliability"),
            QObject::tr("Reliability diagram of \"%1\" and full precision: accuracy of the top "
                        "token against its probability, 15 equal-width bins.")
                .arg(c.name),
            logit.reliabilityChart());
    }
    if (!d.saliencyGrids.isEmpty()) {
        SaliencyView saliency;
        saliency.setGrids(d.saliencyGrids);
        for (int i = 0; i < d.saliencyGrids.size(); ++i) {
            saliency.setCurrentGrid(i);
            figures << captureFigure(QStringLiteral("saliency_%1").arg(i + 1),
                                     QObject::tr("Saliency heatmap, blocks × layer types: %1 "
                                                 "(%2).")
                                         .arg(d.saliencyGrids[i].title, d.saliencyGrids[i].unit),
                                     &saliency);
        }
    }
    if (!d.sensitivityGrids.isEmpty()) {
        SensitivityChart sensitivity;
        sensitivity.setGrids(d.sensitivityGrids);
        figures << captureFigure(QStringLiteral("sensitivity"),
                                 QObject::tr("Sensitivity of each linear layer (%1, log scale).")
                                     .arg(d.sensitivityGrids.front().unit),
                                 &sensitivity);
    }
    return figures;
}
