#include "logit_distortion_data.h"

#include "eval_token_context.h"

#include "eval/incremental_evaluator.h"

#include <QLocale>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace {

QList<ReliabilityPoint> reliability(const qs::Calibration& c) {
    QList<ReliabilityPoint> out;
    for (const qs::ReliabilityBin& b : c.bins)
        out.push_back({b.confidenceLow, b.confidenceHigh, b.meanConfidence, b.accuracy, b.count});
    return out;
}

KldHistogram kldHistogram(const std::vector<qs::TokenStats>& tokens, int binsPerDecade,
                          double floorValue) {
    KldHistogram h;
    h.total = qint64(tokens.size());
    double lowest = std::numeric_limits<double>::infinity(), highest = 0;
    for (const qs::TokenStats& t : tokens) {
        const double v = t.kl;
        if (v >= floorValue && std::isfinite(v)) {
            lowest = std::min(lowest, v);
            highest = std::max(highest, v);
        }
    }
    if (!(highest > 0)) { // nothing above the floor
        h.belowRange = h.total;
        h.floor = floorValue;
        return h;
    }
    const int lowDecade = int(std::floor(std::log10(lowest)));
    int highDecade = int(std::ceil(std::log10(highest)));
    if (highDecade <= lowDecade) highDecade = lowDecade + 1;
    const int n = (highDecade - lowDecade) * binsPerDecade;
    h.floor = std::pow(10.0, lowDecade);
    for (int i = 0; i < n; ++i)
        h.bins.push_back({std::pow(10.0, lowDecade + double(i) / binsPerDecade),
                          std::pow(10.0, lowDecade + double(i + 1) / binsPerDecade), 0});
    for (const qs::TokenStats& t : tokens) {
        const double v = t.kl;
        if (!(v >= h.floor) || !std::isfinite(v)) {
            ++h.belowRange;
            continue;
        }
        int i = int(std::floor((std::log10(v) - lowDecade) * binsPerDecade + 1e-9));
        i = std::clamp(i, 0, n - 1);
        ++h.bins[i].count;
    }
    return h;
}

} // namespace

LogitDistortionData logitDistortionData(const qs::EvalResult& result,
                                        const LogitDistortionOptions& options) {
    LogitDistortionData d;
    const qs::Metrics& m = result.metrics;
    d.tokens = result.tokens.empty() ? m.tokens : qint64(result.tokens.size());
    d.klMean = m.klMean;
    d.klP50 = m.kl.p50;
    d.klP99 = m.kl.p99;
    d.klMax = m.kl.max;
    d.top1Agreement = m.top1Agreement;
    d.reliabilityReference = reliability(m.calibrationRef);
    d.reliabilityCurrent = reliability(m.calibration);
    d.eceReference = m.calibrationRef.ece;
    d.eceCurrent = m.calibration.ece;
    if (result.tokens.empty()) return d;

    d.kld = kldHistogram(result.tokens, std::max(1, options.binsPerDecade), options.kldFloor);
    const size_t n = result.tokens.size();
    d.entropyTotal = qint64(n);
    std::vector<size_t> pick(n);
    std::iota(pick.begin(), pick.end(), size_t(0));
    if (options.maxScatterPoints >= 0 && n > size_t(options.maxScatterPoints)) {
        std::vector<size_t> sample;
        sample.reserve(size_t(options.maxScatterPoints));
        std::sample(pick.begin(), pick.end(), std::back_inserter(sample),
                    size_t(options.maxScatterPoints), std::mt19937_64(0x5eed));
        pick = std::move(sample);
    }
    d.entropy.reserve(qsizetype(pick.size()));
    for (size_t i : pick)
        d.entropy.push_back(QPointF(result.tokens[i].entropyRef, result.tokens[i].entropy));
    return d;
}

// ---- TopKldTokensModel ----

TopKldTokensModel::TopKldTokensModel(QObject* parent) : QAbstractTableModel(parent) {}

void TopKldTokensModel::setResult(std::shared_ptr<const qs::EvalResult> result,
                                  std::shared_ptr<const EvalTokenContext> context, int limit) {
    beginResetModel();
    m_result = std::move(result);
    m_context = std::move(context);
    m_rows.clear();
    if (m_result && !m_result->tokens.empty()) {
        const auto& t = m_result->tokens;
        std::vector<qint64> idx(t.size());
        std::iota(idx.begin(), idx.end(), qint64(0));
        const size_t k = std::min(idx.size(), size_t(std::max(0, limit)));
        const auto larger = [&](qint64 a, qint64 b) {
            return t[size_t(a)].kl != t[size_t(b)].kl ? t[size_t(a)].kl > t[size_t(b)].kl : a < b;
        };
        std::partial_sort(idx.begin(), idx.begin() + qsizetype(k), idx.end(), larger);
        m_rows.assign(idx.begin(), idx.begin() + qsizetype(k));
    }
    endResetModel();
}

void TopKldTokensModel::setTokenContext(std::shared_ptr<const EvalTokenContext> context) {
    m_context = std::move(context);
    if (!m_rows.empty())
        emit dataChanged(index(0, Token), index(rowCount() - 1, Token), {Qt::DisplayRole});
}

void TopKldTokensModel::clear() {
    setResult({}, m_context);
}

qint64 TopKldTokensModel::scoredIndex(int row) const {
    return row >= 0 && size_t(row) < m_rows.size() ? m_rows[size_t(row)] : -1;
}

KldTokenRow TopKldTokensModel::row(int row) const {
    const qint64 k = scoredIndex(row);
    if (k < 0 || !m_result) return {};
    const qs::TokenStats& t = m_result->tokens[size_t(k)];
    return {k, t.kl, t.nllRef, t.nll, t.pCorrectRef, t.pCorrect, t.top1Agree};
}

int TopKldTokensModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int TopKldTokensModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TopKldTokensModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || size_t(index.row()) >= m_rows.size() || !m_result) return {};
    const qint64 k = m_rows[size_t(index.row())];
    const qs::TokenStats& t = m_result->tokens[size_t(k)];
    if (role == ScoredIndexRole) return k;
    if (role == Qt::TextAlignmentRole)
        return index.column() == Token ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                       : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && index.column() == Token && m_context) {
        const TokenContextText c = m_context->contextOf(k, 24, 6);
        return QStringLiteral("…%1[%2]%3").arg(c.before, c.target, c.after);
    }
    if (role != Qt::DisplayRole && role != Qt::EditRole) return {};
    const bool display = role == Qt::DisplayRole;
    const auto num = [&](double v, int decimals) -> QVariant {
        return display ? QVariant(QLocale::c().toString(v, 'f', decimals)) : QVariant(v);
    };
    switch (index.column()) {
    case Rank:
        return index.row() + 1;
    case Token: {
        if (!m_context) return QStringLiteral("#%1").arg(k);
        QString s = m_context->targetEntry(k);
        return s.isEmpty() ? QStringLiteral("#%1").arg(k) : s;
    }
    case Kld:
        return num(t.kl, 4);
    case NllReference:
        return num(t.nllRef, 3);
    case Nll:
        return num(t.nll, 3);
    case PCorrectReference:
        return num(t.pCorrectRef, 3);
    case PCorrect:
        return num(t.pCorrect, 3);
    case Top1:
        return display ? QVariant(t.top1Agree ? tr("yes") : tr("no")) : QVariant(t.top1Agree);
    default:
        return {};
    }
}

QVariant TopKldTokensModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case Rank:
        return tr("#");
    case Token:
        return tr("Target token");
    case Kld:
        return tr("KLD (nats)");
    case NllReference:
        return tr("NLL FP");
    case Nll:
        return tr("NLL");
    case PCorrectReference:
        return tr("p(target) FP");
    case PCorrect:
        return tr("p(target)");
    case Top1:
        return tr("Top-1 agrees");
    default:
        return {};
    }
}
