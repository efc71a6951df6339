#include "metrics_model.h"

#include "formatting.h"

namespace {

QString num(double v, int decimals) {
    return displayLocale().toString(v, 'f', decimals);
}

QString signedNum(double v, int decimals) {
    return (v >= 0 ? QStringLiteral("+") : QString()) + num(v, decimals);
}

} // namespace

MetricsModel::MetricsModel(QObject* parent) : QAbstractTableModel(parent) {}

void MetricsModel::clear() {
    beginResetModel();
    m_reference.reset();
    m_current.reset();
    m_stale = false;
    endResetModel();
    setStatus(Status::Empty);
}

void MetricsModel::setPreparing() {
    clear();
    setStatus(Status::Preparing);
}

void MetricsModel::setReference(EvalResultPtr reference) {
    m_reference = std::move(reference);
    emit dataChanged(index(0, ReferenceColumn), index(RowCount - 1, ReferenceColumn));
    if (m_status == Status::Preparing) setStatus(Status::Updating);
}

void MetricsModel::markStale() {
    if (m_status == Status::Empty) return;
    m_stale = true;
    emit dataChanged(index(0, CurrentColumn), index(RowCount - 1, CurrentColumn));
    if (m_status != Status::Preparing) setStatus(Status::Updating);
}

void MetricsModel::setResult(quint64 generation, EvalResultPtr result, bool final) {
    if (!result || generation < currentGeneration()) return;
    m_current = std::move(result);
    m_stale = false;
    emit dataChanged(index(0, CurrentColumn), index(RowCount - 1, CurrentColumn));
    setStatus(final ? Status::Exact : Status::Estimate);
}

void MetricsModel::setStatus(Status status) {
    m_status = status;
    emit statusChanged();
}

QString MetricsModel::convergenceText() const {
    if (!m_current) return {};
    return tr("%1/%2 windows").arg(m_current->windowsDone).arg(m_current->windowsTotal);
}

QString MetricsModel::statusText() const {
    switch (m_status) {
    case Status::Empty:
        return tr("No model");
    case Status::Preparing:
        return tr("Reference pass…");
    case Status::Updating:
        return tr("updating…");
    case Status::Estimate:
        return tr("Estimate · %1").arg(convergenceText());
    case Status::Exact:
        return tr("Exact · %1").arg(convergenceText());
    }
    return {};
}

int MetricsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : RowCount;
}

int MetricsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QString MetricsModel::cellText(int row, int column) const {
    if (column == NameColumn) {
        switch (row) {
        case PplRow:
            return tr("Perplexity (95% CI)");
        case DeltaPplRow:
            return tr("ΔPPL (ratio)");
        case KlRow:
            return tr("KLD mean ± err");
        case KlP99Row:
            return tr("KLD p99");
        case Top1Row:
            return tr("Top-1 agreement");
        case EceRow:
            return tr("ECE");
        case EceTStarRow:
            return tr("ECE at T*");
        case BrierRow:
            return tr("Brier");
        case BpwRow:
            return tr("Bits per weight");
        case SizeRow:
            return tr("Model size");
        }
        return {};
    }
    const EvalResultPtr& r = column == ReferenceColumn ? m_reference : m_current;
    if (!r) return {};
    const bool ref = column == ReferenceColumn;
    switch (row) {
    case PplRow:
        return ref ? tr("%1 [%2, %3]")
                         .arg(num(r->pplRef, 3), num(r->pplRefLow, 3), num(r->pplRefHigh, 3))
                   : tr("%1 [%2, %3]").arg(num(r->ppl, 3), num(r->pplLow, 3), num(r->pplHigh, 3));
    case DeltaPplRow:
        return ref ? QString() : tr("%1 (×%2)").arg(signedNum(r->deltaPpl, 3), num(r->pplRatio, 4));
    case KlRow:
        return ref ? QString() : tr("%1 ± %2").arg(num(r->klMean, 4), num(r->klStdError, 4));
    case KlP99Row:
        return ref ? QString() : num(r->klP99, 4);
    case Top1Row:
        return ref ? QString()
                   : tr("%1 ± %2 %")
                         .arg(num(100 * r->top1Agreement, 2),
                              num(100 * r->top1AgreementStdError, 2));
    case EceRow:
        return num(ref ? r->eceRef : r->ece, 4);
    case EceTStarRow:
        return ref ? QString()
                   : tr("%1 (T* %2)")
                         .arg(num(r->eceAtOptimalTemperature, 4), num(r->optimalTemperature, 3));
    case BrierRow:
        return num(ref ? r->brierRef : r->brier, 4);
    case BpwRow:
        return ref ? num(32.0, 2) : num(r->averageBitsPerWeight, 3);
    case SizeRow:
        return r->modelBytes ? formatBytes(r->modelBytes) : QString();
    }
    return {};
}

QVariant MetricsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    switch (role) {
    case Qt::DisplayRole:
        return cellText(index.row(), index.column());
    case Qt::TextAlignmentRole:
        return index.column() == NameColumn ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                            : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case StaleRole:
        return index.column() == CurrentColumn && m_stale;
    case Qt::ToolTipRole:
        if (index.column() == CurrentColumn && m_stale)
            return tr("From the previous configuration; updating…");
        return {};
    }
    return {};
}

QVariant MetricsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case NameColumn:
        return tr("Metric");
    case ReferenceColumn:
        return tr("Full precision");
    case CurrentColumn:
        return tr("Current");
    }
    return {};
}
