#pragma once
// Adapter from an evaluation result (per-token statistics of the current configuration against
// full precision) to the plain series LogitDistortionView draws: a log-binned KLD histogram, the
// reliability bins of both models, a down-sampled entropy scatter, and a table model of the
// tokens with the largest KLD.
//
//   LogitDistortionData d = logitDistortionData(*result);     // cheap: one pass over tokens
//   auto* top = new TopKldTokensModel(this);
//   top->setResult(result, tokenContext);                      // context may be null
//   qint64 k = top->scoredIndex(row);                          // index into result->tokens

#include <QAbstractTableModel>
#include <QList>
#include <QPointF>

#include <memory>
#include <vector>

namespace qs {
struct EvalResult;
}
struct EvalTokenContext;

struct HistogramBin {
    double low = 0, high = 0; // [low, high)
    qint64 count = 0;
};

// KLD per token in logarithmic bins of binsPerDecade per decade; values below `floor`
// (exact zeros included) are counted in belowRange, not in a bin.
struct KldHistogram {
    QList<HistogramBin> bins;
    qint64 belowRange = 0;
    double floor = 0;
    qint64 total = 0;
};

struct ReliabilityPoint {
    double confidenceLow = 0, confidenceHigh = 0;
    double meanConfidence = 0, accuracy = 0;
    qint64 count = 0;
};

struct LogitDistortionData {
    qint64 tokens = 0;
    double klMean = 0, klP50 = 0, klP99 = 0, klMax = 0;
    double top1Agreement = 0;
    KldHistogram kld;
    QList<ReliabilityPoint> reliabilityReference, reliabilityCurrent; // equal-width bins
    double eceReference = 0, eceCurrent = 0;
    QList<QPointF> entropy;  // (entropy FP, entropy current) in nats, down-sampled
    qint64 entropyTotal = 0; // points before down-sampling
    bool isEmpty() const { return tokens == 0; }
};

struct LogitDistortionOptions {
    int binsPerDecade = 5;
    double kldFloor = 1e-6; // smallest bin edge considered (nats)
    // QtCharts makes one graphics item per scatter point; beyond a few hundred, rebuilding the
    // series stalls the GUI thread for tens of milliseconds.
    int maxScatterPoints = 400;
};

// Reliability bins come from result.metrics (calibration, calibrationRef); the rest from
// result.tokens (empty for a partial result: then only the metrics-based parts are filled).
LogitDistortionData logitDistortionData(const qs::EvalResult& result,
                                        const LogitDistortionOptions& options = {});

// One scored token as the views show it.
struct KldTokenRow {
    qint64 scoredIndex = -1; // into EvalResult::tokens
    double kl = 0, nllReference = 0, nll = 0, pCorrectReference = 0, pCorrect = 0;
    bool top1Agree = false;
};

// The tokens with the largest KLD, largest first (ties: earlier token first).
class TopKldTokensModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        Rank,
        Token,
        Kld,
        NllReference,
        Nll,
        PCorrectReference,
        PCorrect,
        Top1,
        ColumnCount
    };
    static constexpr int ScoredIndexRole = Qt::UserRole + 1;

    explicit TopKldTokensModel(QObject* parent = nullptr);

    void setResult(std::shared_ptr<const qs::EvalResult> result,
                   std::shared_ptr<const EvalTokenContext> context = {}, int limit = 200);
    void setTokenContext(std::shared_ptr<const EvalTokenContext> context);
    void clear();

    // Index into EvalResult::tokens of a row, -1 if out of range.
    qint64 scoredIndex(int row) const;
    // The statistics of a row (scoredIndex -1 if out of range).
    KldTokenRow row(int row) const;
    std::shared_ptr<const qs::EvalResult> result() const { return m_result; }
    std::shared_ptr<const EvalTokenContext> tokenContext() const { return m_context; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::shared_ptr<const qs::EvalResult> m_result;
    std::shared_ptr<const EvalTokenContext> m_context;
    std::vector<qint64> m_rows; // scored indices, largest KLD first
};
