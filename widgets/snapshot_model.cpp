#include "snapshot_model.h"

#include "formatting.h"

SnapshotModel::SnapshotModel(QObject* parent) : QAbstractTableModel(parent) {}

void SnapshotModel::addSnapshot(const QString& name, const qs::QuantConfig& config,
                                EvalResultPtr result) {
    const int row = int(m_rows.size());
    beginInsertRows({}, row, row);
    m_rows.push_back({name, config, std::move(result)});
    endInsertRows();
}

void SnapshotModel::clear() {
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

int SnapshotModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int SnapshotModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SnapshotModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= int(m_rows.size())) return {};
    const Snapshot& s = m_rows[size_t(index.row())];
    const EvalResultValue* r = s.result.data();
    const QLocale locale = displayLocale();
    if (role == Qt::TextAlignmentRole)
        return index.column() == NameColumn ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                            : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole) return tr("Double-click to load this configuration (undoable)");
    if (role == Qt::UserRole && r) { // sort keys
        switch (index.column()) {
        case BpwColumn:
            return r->averageBitsPerWeight;
        case SizeColumn:
            return r->modelBytes;
        case PplColumn:
            return r->ppl;
        case DeltaPplColumn:
            return r->deltaPpl;
        case KlColumn:
            return r->klMean;
        case Top1Column:
            return r->top1Agreement;
        case EceColumn:
            return r->ece;
        }
    }
    if (role != Qt::DisplayRole && role != Qt::EditRole) return {};
    if (index.column() == NameColumn) return s.name;
    if (!r) return {};
    switch (index.column()) {
    case BpwColumn:
        return locale.toString(r->averageBitsPerWeight, 'f', 3);
    case SizeColumn:
        return formatBytes(r->modelBytes);
    case PplColumn:
        return locale.toString(r->ppl, 'f', 3);
    case DeltaPplColumn:
        return (r->deltaPpl >= 0 ? QStringLiteral("+") : QString()) +
               locale.toString(r->deltaPpl, 'f', 3);
    case KlColumn:
        return tr("%1 ± %2").arg(locale.toString(r->klMean, 'f', 4),
                                 locale.toString(r->klStdError, 'f', 4));
    case Top1Column:
        return tr("%1 %").arg(locale.toString(100 * r->top1Agreement, 'f', 2));
    case EceColumn:
        return locale.toString(r->ece, 'f', 4);
    }
    return {};
}

bool SnapshotModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (!index.isValid() || index.column() != NameColumn || role != Qt::EditRole) return false;
    m_rows[size_t(index.row())].name = value.toString();
    emit dataChanged(index, index);
    return true;
}

Qt::ItemFlags SnapshotModel::flags(const QModelIndex& index) const {
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (index.column() == NameColumn) f |= Qt::ItemIsEditable;
    return f;
}

QVariant SnapshotModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case NameColumn:
        return tr("Snapshot");
    case BpwColumn:
        return tr("BPW");
    case SizeColumn:
        return tr("Size");
    case PplColumn:
        return tr("PPL");
    case DeltaPplColumn:
        return tr("ΔPPL");
    case KlColumn:
        return tr("KLD");
    case Top1Column:
        return tr("Top-1");
    case EceColumn:
        return tr("ECE");
    }
    return {};
}

bool SnapshotModel::removeRows(int row, int count, const QModelIndex& parent) {
    if (parent.isValid() || row < 0 || count <= 0 || row + count > int(m_rows.size())) return false;
    beginRemoveRows({}, row, row + count - 1);
    m_rows.erase(m_rows.begin() + row, m_rows.begin() + row + count);
    endRemoveRows();
    return true;
}
