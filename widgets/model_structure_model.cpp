#include "model_structure_model.h"

#include "formatting.h"

#include "model/model_desc.h"

#include <QColor>
#include <QFont>
#include <QStringList>

#include <algorithm>

namespace {

QString shapeText(const std::vector<int64_t>& shape) {
    QStringList dims;
    for (int64_t d : shape) dims << QString::number(d);
    return dims.join(QStringLiteral(" × "));
}

QString tensorCount(size_t n) {
    return formatQuantity(n, ModelStructureModel::tr("tensor"), ModelStructureModel::tr("tensors"));
}

bool isNumericColumn(int column) {
    return column == ModelStructureModel::ParametersColumn ||
           column == ModelStructureModel::SizeColumn;
}

} // namespace

ModelStructureModel::ModelStructureModel(QObject* parent) : QAbstractItemModel(parent) {}

void ModelStructureModel::setDescription(const qs::ModelDesc& desc) {
    beginResetModel();
    m_groups.clear();
    m_totalParameters = m_totalBytes = 0;

    int blocks = desc.hp.nLayers;
    for (const auto& t : desc.tensors) blocks = std::max(blocks, t.block + 1);
    m_groups.resize(size_t(blocks) + 1);
    m_groups[0].name = tr("Global");
    for (int b = 0; b < blocks; ++b) {
        m_groups[size_t(b) + 1].name = tr("Block %1").arg(b);
        m_groups[size_t(b) + 1].order = b + 1;
    }

    const qs::TensorDesc* embedding = desc.findRole(qs::TensorRole::TokenEmbedding);
    for (const qs::TensorDesc& t : desc.tensors) {
        TensorRow row;
        row.name = QString::fromStdString(t.name);
        row.fileName = QString::fromStdString(t.fileName);
        row.role = QString::fromUtf8(qs::tensorRoleName(t.role).data(),
                                     qsizetype(qs::tensorRoleName(t.role).size()));
        row.type = QString::fromUtf8(qs::dtypeName(t.fileType).data(),
                                     qsizetype(qs::dtypeName(t.fileType).size()));
        row.shape = shapeText(t.shape);
        row.roleOrder = int(t.role);
        row.elements = t.elementCount();
        const bool tied = t.role == qs::TensorRole::Output && desc.hp.tiedOutput;
        if (tied) {
            row.sharedWith = embedding ? QString::fromStdString(embedding->name)
                                       : QStringLiteral("token_embd.weight");
        } else {
            row.parameters = row.elements;
            row.bytes = qs::dtypeBytes(t.fileType, row.elements);
        }
        Group& group = m_groups[t.block < 0 ? 0 : size_t(t.block) + 1];
        group.parameters += row.parameters;
        group.bytes += row.bytes;
        m_totalParameters += row.parameters;
        m_totalBytes += row.bytes;
        group.tensors.push_back(std::move(row));
    }
    // Forward-pass order (the TensorRole order), whatever order the file stores them in, so
    // llama2.c, GGUF and safetensors copies of a model look the same.
    for (Group& group : m_groups)
        std::stable_sort(
            group.tensors.begin(), group.tensors.end(),
            [](const TensorRow& a, const TensorRow& b) { return a.roleOrder < b.roleOrder; });
    endResetModel();
}

void ModelStructureModel::clear() {
    beginResetModel();
    m_groups.clear();
    m_totalParameters = m_totalBytes = 0;
    endResetModel();
}

QModelIndex ModelStructureModel::index(int row, int column, const QModelIndex& parent) const {
    if (row < 0 || column < 0 || column >= ColumnCount) return {};
    if (!parent.isValid())
        return row < int(m_groups.size()) ? createIndex(row, column, quintptr(0)) : QModelIndex();
    if (parent.internalId() != 0 || parent.column() != 0 || parent.row() >= int(m_groups.size()))
        return {};
    if (row >= int(m_groups[size_t(parent.row())].tensors.size())) return {};
    return createIndex(row, column, quintptr(parent.row()) + 1);
}

QModelIndex ModelStructureModel::parent(const QModelIndex& child) const {
    if (!child.isValid() || child.internalId() == 0) return {};
    return createIndex(int(child.internalId() - 1), 0, quintptr(0));
}

int ModelStructureModel::rowCount(const QModelIndex& parent) const {
    if (!parent.isValid()) return int(m_groups.size());
    if (parent.internalId() != 0 || parent.column() != 0) return 0;
    return int(m_groups[size_t(parent.row())].tensors.size());
}

int ModelStructureModel::columnCount(const QModelIndex&) const {
    return ColumnCount;
}

QVariant ModelStructureModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
    if (index.internalId() == 0)
        return groupData(m_groups[size_t(index.row())], index.column(), role);
    const Group& group = m_groups[size_t(index.internalId() - 1)];
    return tensorData(group.tensors[size_t(index.row())], index.column(), role);
}

QVariant ModelStructureModel::groupData(const Group& group, int column, int role) const {
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case NameColumn:
            return group.name;
        case RoleColumn:
            return tensorCount(group.tensors.size());
        case ParametersColumn:
            return formatCount(group.parameters);
        case SizeColumn:
            return formatBytes(group.bytes);
        default:
            return {};
        }
    case Qt::ToolTipRole:
        return tr("%1: %2, %3 parameters, %4 in the file")
            .arg(group.name, tensorCount(group.tensors.size()), formatCount(group.parameters),
                 formatBytes(group.bytes));
    case Qt::FontRole: {
        QFont font;
        font.setBold(true);
        return font;
    }
    case Qt::TextAlignmentRole:
        if (isNumericColumn(column)) return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case SortRole:
        switch (column) {
        case NameColumn:
            return group.order;
        case ParametersColumn:
            return group.parameters;
        case SizeColumn:
            return group.bytes;
        default:
            return groupData(group, column, Qt::DisplayRole);
        }
    case ParameterCountRole:
        return group.parameters;
    case ByteSizeRole:
        return group.bytes;
    case TensorNameRole:
        return QString();
    case IsGroupRole:
        return true;
    default:
        return {};
    }
}

QVariant ModelStructureModel::tensorData(const TensorRow& tensor, int column, int role) const {
    const bool tied = !tensor.sharedWith.isEmpty();
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case NameColumn:
            return tensor.name;
        case RoleColumn:
            return tensor.role;
        case TypeColumn:
            return tensor.type;
        case ShapeColumn:
            return tensor.shape;
        case ParametersColumn:
            return formatCount(tensor.elements);
        case SizeColumn:
            return tied ? tr("tied") : formatBytes(tensor.bytes);
        default:
            return {};
        }
    case Qt::ToolTipRole: {
        QString tip = tr("<b>%1</b><br>%2, shape %3, %4 parameters")
                          .arg(tensor.name.toHtmlEscaped(), tensor.type, tensor.shape,
                               formatCount(tensor.elements));
        if (tensor.fileName != tensor.name && !tensor.fileName.isEmpty())
            tip += tr("<br>Stored as <i>%1</i>").arg(tensor.fileName.toHtmlEscaped());
        if (tied)
            tip += tr("<br>Shares its data with %1, so it counts once in the totals.")
                       .arg(tensor.sharedWith.toHtmlEscaped());
        else
            tip += tr("<br>%1 in the file").arg(formatBytes(tensor.bytes));
        return tip;
    }
    case Qt::TextAlignmentRole:
        if (isNumericColumn(column)) return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ForegroundRole:
        // Leave the palette alone except to mark the tied head as not contributing.
        if (tied && isNumericColumn(column)) return QColor(Qt::gray);
        return {};
    case SortRole:
        switch (column) {
        case NameColumn:
            return tensor.roleOrder;
        case ParametersColumn:
            return tensor.elements;
        case SizeColumn:
            return tensor.bytes;
        default:
            return tensorData(tensor, column, Qt::DisplayRole);
        }
    case ParameterCountRole:
        return tensor.parameters;
    case ByteSizeRole:
        return tensor.bytes;
    case TensorNameRole:
        return tensor.name;
    case IsGroupRole:
        return false;
    default:
        return {};
    }
}

QVariant ModelStructureModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return {};
    if (role == Qt::TextAlignmentRole && isNumericColumn(section))
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && section == SizeColumn)
        return tr("Bytes the tensor occupies in the model file");
    if (role != Qt::DisplayRole) return {};
    switch (section) {
    case NameColumn:
        return tr("Name");
    case RoleColumn:
        return tr("Role");
    case TypeColumn:
        return tr("Type");
    case ShapeColumn:
        return tr("Shape");
    case ParametersColumn:
        return tr("Parameters");
    case SizeColumn:
        return tr("Size");
    default:
        return {};
    }
}
