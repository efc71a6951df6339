#include "analysis_docks.h"

#include "analysis_feed.h"
#include "bit_width_editor.h"
#include "charts/generation_preview.h"
#include "charts/logit_distortion_view.h"
#include "charts/outliers_view.h"
#include "charts/pareto_view.h"
#include "charts/saliency_view.h"
#include "charts/sensitivity_chart.h"
#include "dock_layout.h"
#include "live_editing.h"
#include "quant_config_model.h"
#include "report/report_data.h"
#include "report/report_writer.h"
#include "report/workbench_report.h"

#include <QAbstractItemModel>
#include <QDockWidget>
#include <QItemSelectionModel>
#include <QMainWindow>

AnalysisDocks::AnalysisDocks(QMainWindow* window, WorkbenchSession* session, LiveEditing* live,
                             DockLayout* docks, BitWidthEditor* editor)
    : QObject(window), m_feed(new AnalysisFeed(session, live, this)), m_editor(editor),
      m_logit(new LogitDistortionView(window)), m_pareto(new ParetoView(window)),
      m_generation(new GenerationPreview(window)), m_saliency(new SaliencyView(window)),
      m_outliers(new OutliersView(window)), m_sensitivity(new SensitivityChart(window)),
      m_session(session), m_live(live), m_exporter(new ReportExporter(this)) {
    m_logit->setObjectName(QStringLiteral("logitDistortionView"));
    m_pareto->setObjectName(QStringLiteral("paretoView"));
    m_generation->setObjectName(QStringLiteral("generationPreview"));
    m_saliency->setObjectName(QStringLiteral("saliencyView"));
    m_outliers->setObjectName(QStringLiteral("outliersView"));
    m_sensitivity->setObjectName(QStringLiteral("sensitivityChart"));
    // The charts' own minimum sizes would add up to more than a 1280 x 800 window.
    for (QWidget* view : {static_cast<QWidget*>(m_logit), static_cast<QWidget*>(m_pareto),
                          static_cast<QWidget*>(m_generation), static_cast<QWidget*>(m_saliency),
                          static_cast<QWidget*>(m_outliers), static_cast<QWidget*>(m_sensitivity)})
        view->setMinimumSize(160, 120);
    createDocks(docks, window);
    connectFeed();
    connect(m_saliency, &SaliencyView::tensorSelected, this, &AnalysisDocks::selectTensor);
    connect(m_outliers, &OutliersView::tensorSelected, this, &AnalysisDocks::selectTensor);
    connect(m_sensitivity, &SensitivityChart::tensorSelected, this, &AnalysisDocks::selectTensor);
    connect(m_exporter, &ReportExporter::finished, this, &AnalysisDocks::reportWritten);
    connect(m_exporter, &ReportExporter::failed, this, &AnalysisDocks::errorOccurred);
    connect(m_editor->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &AnalysisDocks::onEditorSelection);
}

void AnalysisDocks::createDocks(DockLayout* docks, QMainWindow* window) {
    // The right column runs the full height: live metrics over the Pareto trade-off (both about
    // the current configuration). The heatmap sits under the tensor tree (both per tensor); the
    // wide figures are tabs beside the snapshots and history under the editor.
    window->setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    QDockWidget* pareto = docks->addDock(QStringLiteral("paretoDock"), tr("Pareto"), m_pareto,
                                         Qt::RightDockWidgetArea);
    QDockWidget* saliency = docks->addDock(QStringLiteral("saliencyDock"), tr("Saliency"),
                                           m_saliency, Qt::LeftDockWidgetArea);
    QDockWidget* snapshots = docks->dock(QStringLiteral("snapshotsDock"));
    QDockWidget* logit = docks->addDock(QStringLiteral("logitDock"), tr("Logit Distortion"),
                                        m_logit, Qt::BottomDockWidgetArea, snapshots);
    docks->addDock(QStringLiteral("outliersDock"), tr("Outliers"), m_outliers,
                   Qt::BottomDockWidgetArea, snapshots);
    docks->addDock(QStringLiteral("sensitivityDock"), tr("Sensitivity"), m_sensitivity,
                   Qt::BottomDockWidgetArea, snapshots);
    docks->addDock(QStringLiteral("generationDock"), tr("Generation Preview"), m_generation,
                   Qt::BottomDockWidgetArea, snapshots);
    logit->raise();
    QList<QDockWidget*> vertical{pareto, saliency, logit};
    QList<int> sizes{520, 360, 330};
    if (QDockWidget* metrics = docks->dock(QStringLiteral("metricsDock"))) {
        vertical << metrics;
        sizes << 330;
    }
    if (QDockWidget* structure = docks->dock(QStringLiteral("structureDock"))) {
        vertical << structure;
        sizes << 260;
    }
    window->resizeDocks(vertical, sizes, Qt::Vertical);
}

void AnalysisDocks::connectFeed() {
    connect(m_feed, &AnalysisFeed::cleared, this, [this] {
        m_logit->clear();
        m_pareto->clear();
        m_saliency->setGrids({});
        m_sensitivity->setGrids({});
        m_outliers->setData({});
        m_editor->clearSensitivity();
    });
    connect(m_feed, &AnalysisFeed::modelChanged, m_generation, &GenerationPreview::setModel);
    connect(m_feed, &AnalysisFeed::configurationChanged, m_generation,
            &GenerationPreview::setConfiguration);
    connect(m_feed, &AnalysisFeed::finalResultReady, m_logit, &LogitDistortionView::setResult);
    connect(m_feed, &AnalysisFeed::tokenContextReady, m_logit,
            &LogitDistortionView::setTokenContext);
    connect(m_feed, &AnalysisFeed::referencePointReady, m_pareto, &ParetoView::setReference);
    connect(m_feed, &AnalysisFeed::uniformPointReady, m_pareto, &ParetoView::addUniformPoint);
    connect(m_feed, &AnalysisFeed::currentPointChanged, m_pareto, &ParetoView::setCurrent);
    connect(m_feed, &AnalysisFeed::snapshotPointsChanged, m_pareto, &ParetoView::setSnapshots);
    connect(m_pareto, &ParetoView::configurationRequested, m_feed,
            &AnalysisFeed::loadConfiguration);
    connect(m_feed, &AnalysisFeed::saliencyGridsReady, m_saliency, &SaliencyView::setGrids);
    connect(m_feed, &AnalysisFeed::saliencyGridsReady, m_sensitivity,
            [this](const QList<LayerGrid>& grids) {
                // One unit per chart: measured KLD once a sweep ran, else predicted error.
                m_sensitivity->setGrids(reportSensitivityGrids(grids));
            });
    connect(m_feed, &AnalysisFeed::outlierDataReady, m_outliers, [this](const OutlierData& d) {
        m_outliers->setData(d);
        onEditorSelection();
    });
    connect(m_feed, &AnalysisFeed::sensitivityReady, m_editor, &BitWidthEditor::setSensitivity);
}

void AnalysisDocks::selectTensor(const QString& tensor) {
    QItemSelectionModel* selection = m_editor->selectionModel();
    const QAbstractItemModel* model = selection->model();
    if (model && model->rowCount() > 0) {
        const QModelIndexList hits = model->match(
            model->index(0, 0), QuantConfigModel::TensorNameRole, tensor, 1, Qt::MatchExactly);
        if (!hits.isEmpty())
            selection->setCurrentIndex(hits.first(), QItemSelectionModel::ClearAndSelect);
    }
    m_saliency->setSelectedTensor(tensor);
    m_outliers->setSelectedTensor(tensor);
}

void AnalysisDocks::onEditorSelection() {
    const QString tensor = m_editor->selectionModel()
                               ->currentIndex()
                               .data(QuantConfigModel::TensorNameRole)
                               .toString();
    if (tensor.isEmpty()) return;
    m_saliency->setSelectedTensor(tensor);
    m_outliers->setSelectedTensor(tensor);
}

void AnalysisDocks::exportReport(const QString& path) {
    QString why;
    ReportData data =
        workbenchReportData(*m_session, *m_live, m_saliency->grids(), m_sensitivity->grids(), &why);
    if (data.configurations.isEmpty()) {
        emit errorOccurred(path + QStringLiteral(": ") + why);
        return;
    }
    if (!reportFormatForPath(path)) {
        emit errorOccurred(path + tr(": unknown report type (use .pdf, .html or .md)"));
        return;
    }
    // The figures exactly as the views show them now (each a few milliseconds to record).
    QList<ReportFigure> figures;
    figures << captureFigure(QStringLiteral("pareto"),
                             tr("Size against quality: full precision, uniform formats, "
                                "snapshots and the current configuration; the Pareto frontier "
                                "in orange."),
                             m_pareto);
    // The view shows the current configuration; only an exact result belongs in the report.
    if (data.configurations.front().name == tr("current"))
        figures << captureChart(QStringLiteral("reliability"),
                                tr("Reliability diagram of the current configuration and full "
                                   "precision (15 equal-width bins)."),
                                m_logit->reliabilityChart());
    if (!m_saliency->grids().isEmpty())
        figures << captureFigure(
            QStringLiteral("saliency"),
            tr("Saliency heatmap, blocks × layer types: %1.")
                .arg(m_saliency->grids().value(m_saliency->currentGrid()).title),
            m_saliency);
    if (!m_sensitivity->grids().isEmpty())
        figures << captureFigure(QStringLiteral("sensitivity"),
                                 tr("Sensitivity of each linear layer (log scale)."),
                                 m_sensitivity);
    m_exporter->start(std::move(data), std::move(figures), path);
}
