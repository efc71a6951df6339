#pragma once
// How the current configuration distorts the model's predictive distribution, token by token:
//  - histogram of per-token KL divergence to full precision (logarithmic bins),
//  - reliability diagram of full precision and the current configuration (accuracy against
//    confidence per equal-width bin, the diagonal, and the tokens per bin),
//  - entropy of the current configuration against full precision (down-sampled scatter),
//  - the tokens with the largest KLD; selecting one shows its text context.
//
//   auto* view = new LogitDistortionView(this);
//   view->setResult(result);               // std::shared_ptr<const qs::EvalResult>, final result
//   view->setTokenContext(context);        // from prepareEvalTokenContext() on a worker thread
//   view->savePng("kld.png");              // the three charts side by side (FigureWidget)
//
// Needs only the result's per-token statistics and metrics; never calls the engine.

#include "figure_widget.h"
#include "logit_distortion_data.h"

#include <memory>

class QChart;
class QChartView;
class QTimer;
class QLabel;
class QTableView;
class QTextBrowser;

class LogitDistortionView : public FigureWidget {
    Q_OBJECT

public:
    explicit LogitDistortionView(QWidget* parent = nullptr);

    void setResult(std::shared_ptr<const qs::EvalResult> result);
    void setTokenContext(std::shared_ptr<const EvalTokenContext> context);
    void clear() { setResult({}); }

    const LogitDistortionData& distortionData() const { return m_data; }
    TopKldTokensModel* topTokensModel() const { return m_topModel; }
    QTableView* topTokensView() const { return m_table; }
    // The charts, rebuilt for the latest result (pending rebuilds run first).
    QChart* histogramChart() const { return flushed(m_histogram); }
    QChart* reliabilityChart() const { return flushed(m_reliability); }
    QChart* entropyChart() const { return flushed(m_entropy); }
    // Plain text of the context panel (for tests and copy).
    QString contextText() const;

    void renderFigure(QPainter* painter, const QRectF& target) override;
    QSize defaultFigureSize() const override { return QSize(1500, 520); }

public slots:
    // Shows the context of row `row` of the top-KLD table.
    void showTokenAtRow(int row);

signals:
    void tokenSelected(qint64 scoredIndex);

private:
    // A new result rebuilds one chart per event-loop turn, so the GUI thread never spends the
    // three rebuilds (tens of ms with the entropy scatter) in one go.
    void rebuildCharts();
    void runNextRebuild();
    void scheduleRebuild();
    QChart* flushed(QChart* chart) const;
    void buildHistogram();
    void buildReliability();
    void buildEntropy();
    void updateSummary();

    std::shared_ptr<const qs::EvalResult> m_result;
    std::shared_ptr<const EvalTokenContext> m_context;
    LogitDistortionData m_data;
    TopKldTokensModel* m_topModel;
    QLabel* m_summary;
    QChart* m_histogram;
    QChart* m_reliability;
    QChart* m_entropy;
    QChartView* m_histogramView;
    QChartView* m_reliabilityView;
    QChartView* m_entropyView;
    QTableView* m_table;
    QTextBrowser* m_contextView;
    int m_pendingRebuilds = 0; // charts still to rebuild for the current result (3, 2, 1)
    // Runs the next rebuild one event-loop turn later. A QTimer object, not
    // QTimer::singleShot(0), which posts an event that runs in the same burst as the previous
    // stage's repaints and so would not let input or timers in between.
    QTimer* m_rebuildTimer;
};
