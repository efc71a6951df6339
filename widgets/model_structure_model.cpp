#include "model_structure_model.h"

#include "charts/layer_analysis_data.h"
#include "formatting.h"

#include "model/model_desc.h"
#include "quant/quant_config.h"
#include "quant/quant_format.h"

#include <QColor>
#include <QFont>
#include <QHash>
#include <QSet>
#include <QStringList>

#include <algorithm>
#include <cmath>
#include <limits>

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

QString tensorCount(size_t n) {
    return formatQuantity(n, ModelStructureModel::tr("tensor"), ModelStructureModel::tr("tensors"));
}

bool isNumericColumn(int column) {
    switch (column) {
    case ModelStructureModel::ParametersColumn:
    case ModelStructureModel::SizeColumn:
    case ModelStructureModel::BitsPerWeightColumn:
    case ModelStructureModel::SaliencyColumn:
    case ModelStructureModel::OutlierColumn:
    case ModelStructureModel::SensitivityColumn:
        return true;
    default:
        return false;
    }
}

// Stores `value` in `field`; true when that changed it (NaN equals NaN: both blank).
bool assign(double& field, double value) {
    if (field == value || (std::isnan(field) && std::isnan(value))) return false;
    field = value;
    return true;
}

// A grid's values by tensor name (LayerGrid::tensors).
QHash<QString, double> valuesByName(const LayerGrid& grid) {
    QHash<QString, double> values;
    for (qsizetype i = 0; i < grid.tensors.size(); ++i)
        values.insert(grid.tensors[i], grid.values.value(i, kNaN));
    return values;
}

// Highest non-NaN value, NaN when there is none.
double maxOf(double a, double b) {
    if (std::isnan(a)) return b;
    if (std::isnan(b)) return a;
    return std::max(a, b);
}

QString formatName(const qs::QuantFormat* format) {
    return format ? QString::fromStdString(format->name()) : QString();
}

QString number(double value, char format, int precision) {
    return std::isnan(value) ? QString() : displayLocale().toString(value, format, precision);
}

QVariant sortNumber(double value) {
    return std::isnan(value) ? QVariant() : QVariant(value);
}

} // namespace

ModelStructureModel::TensorRow::TensorRow()
    : bpw(kNaN), saliency(kNaN), outlier(kNaN), absMaxOverStd(kNaN), beyond6Sigma(kNaN),
      sensitivity(kNaN) {}

ModelStructureModel::Group::Group() : bpw(kNaN), saliency(kNaN), outlier(kNaN), sensitivity(kNaN) {}

ModelStructureModel::ModelStructureModel(QObject* parent) : QAbstractItemModel(parent) {}

ModelStructureModel::~ModelStructureModel() = default;

void ModelStructureModel::setDescription(const qs::ModelDesc& desc) {
    beginResetModel();
    m_groups.clear();
    m_desc = std::make_unique<qs::ModelDesc>(desc);
    m_totalParameters = m_totalBytes = 0;
    m_hasConfig = false;
    m_configError.clear();
    m_saliencyTitle.clear();
    m_saliencyUnit.clear();
    m_sensitivityTitle.clear();

    int blocks = desc.hp.nLayers;
    for (const auto& t : desc.tensors) blocks = std::max(blocks, t.block + 1);
    m_groups.resize(size_t(blocks) + 1);
    m_groups[0].name = tr("Global");
    for (int b = 0; b < blocks; ++b) {
        m_groups[size_t(b) + 1].name = tr("Block %1").arg(b);
        m_groups[size_t(b) + 1].order = b + 1;
    }

    const qs::TensorDesc* embedding = desc.findRole(qs::TensorRole::TokenEmbedding);
    for (size_t i = 0; i < desc.tensors.size(); ++i) {
        const qs::TensorDesc& t = desc.tensors[i];
        TensorRow row;
        row.name = QString::fromStdString(t.name);
        row.fileName = QString::fromStdString(t.fileName);
        row.role = QString::fromUtf8(qs::tensorRoleName(t.role).data(),
                                     qsizetype(qs::tensorRoleName(t.role).size()));
        row.type = QString::fromUtf8(qs::dtypeName(t.fileType).data(),
                                     qsizetype(qs::dtypeName(t.fileType).size()));
        row.shape = formatShape(t.shape);
        row.roleOrder = int(t.role);
        row.descIndex = int(i);
        row.output = t.role == qs::TensorRole::Output;
        row.quantizable = qs::isQuantizableRole(t.role);
        row.cols = t.shape.empty() ? 0 : t.shape.back();
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
    m_desc.reset();
    m_totalParameters = m_totalBytes = 0;
    m_hasConfig = false;
    m_configError.clear();
    endResetModel();
}

void ModelStructureModel::setConfig(const qs::QuantConfig& config) {
    if (!m_desc) return;
    std::vector<const qs::QuantFormat*> formats;
    const qs::QuantFormat* head = nullptr;
    QSet<QString> fallbacks;
    QString error;
    try {
        const qs::ResolvedConfig resolved = config.resolve(*m_desc);
        formats = resolved.formats();
        head = resolved.headFormat();
        for (const std::string& name : resolved.fallbacks())
            fallbacks.insert(QString::fromStdString(name));
    } catch (const std::exception& e) {
        error = QString::fromUtf8(e.what());
    }
    m_hasConfig = true;
    m_configError = error;
    m_fallbackFormat = QString::fromStdString(config.fallbackFormat);
    updateTensors(Values::Config, [&](TensorRow& t) {
        const qs::QuantFormat* f = nullptr;
        if (error.isEmpty() && t.quantizable) f = t.output ? head : formats[size_t(t.descIndex)];
        const bool fallback = f && fallbacks.contains(t.name);
        if (f == t.format && fallback == t.fallback) return false;
        t.format = f;
        t.fallback = fallback;
        t.bpw = f && t.cols > 0 ? f->bitsPerWeight(t.cols) : kNaN;
        return true;
    });
}

void ModelStructureModel::setSaliencyGrid(const LayerGrid& grid) {
    const QHash<QString, double> values = valuesByName(grid);
    if (grid.title != m_saliencyTitle || grid.unit != m_saliencyUnit) {
        m_saliencyTitle = grid.title;
        m_saliencyUnit = grid.unit;
        emit headerDataChanged(Qt::Horizontal, SaliencyColumn, SaliencyColumn);
    }
    updateTensors(Values::Saliency,
                  [&](TensorRow& t) { return assign(t.saliency, values.value(t.name, kNaN)); });
}

void ModelStructureModel::setOutlierData(const OutlierData& data) {
    QHash<QString, const TensorOutliers*> byName;
    for (const TensorOutliers& t : data.tensors) byName.insert(t.tensor, &t);
    updateTensors(Values::Outliers, [&](TensorRow& t) {
        const TensorOutliers* o = byName.value(t.name);
        bool changed = assign(t.outlier, o ? o->excessKurtosis : kNaN);
        changed |= assign(t.absMaxOverStd, o ? o->absMaxOverStd : kNaN);
        changed |= assign(t.beyond6Sigma, o ? o->fracBeyond6Sigma : kNaN);
        return changed;
    });
}

void ModelStructureModel::setSensitivityGrid(const LayerGrid& grid) {
    const QHash<QString, double> values = valuesByName(grid);
    if (grid.title != m_sensitivityTitle) {
        m_sensitivityTitle = grid.title;
        emit headerDataChanged(Qt::Horizontal, SensitivityColumn, SensitivityColumn);
    }
    updateTensors(Values::Sensitivity,
                  [&](TensorRow& t) { return assign(t.sensitivity, values.value(t.name, kNaN)); });
}

void ModelStructureModel::clearAnalysis() {
    setSaliencyGrid(LayerGrid{});
    setOutlierData(OutlierData{});
    setSensitivityGrid(LayerGrid{});
}

template <class Update>
void ModelStructureModel::updateTensors(Values values, Update update) {
    int firstColumn = SaliencyColumn, lastColumn = SaliencyColumn;
    switch (values) {
    case Values::Config:
        firstColumn = FormatColumn;
        lastColumn = BitsPerWeightColumn;
        break;
    case Values::Saliency:
        break;
    case Values::Outliers:
        firstColumn = lastColumn = OutlierColumn;
        break;
    case Values::Sensitivity:
        firstColumn = lastColumn = SensitivityColumn;
        break;
    }
    int firstGroup = -1, lastGroup = -1;
    for (size_t g = 0; g < m_groups.size(); ++g) {
        Group& group = m_groups[g];
        int first = -1, last = -1;
        for (size_t r = 0; r < group.tensors.size(); ++r) {
            if (!update(group.tensors[r])) continue;
            if (first < 0) first = int(r);
            last = int(r);
        }
        if (first < 0) continue;
        const QString format = group.format;
        double bpw = group.bpw, saliency = group.saliency, outlier = group.outlier,
               sensitivity = group.sensitivity;
        aggregate(group, values);
        const bool groupChanged =
            format != group.format || assign(bpw, group.bpw) || assign(saliency, group.saliency) ||
            assign(outlier, group.outlier) || assign(sensitivity, group.sensitivity);
        const QModelIndex parent = createIndex(int(g), 0, quintptr(0));
        emit dataChanged(index(first, firstColumn, parent), index(last, lastColumn, parent));
        if (groupChanged) {
            if (firstGroup < 0) firstGroup = int(g);
            lastGroup = int(g);
        }
    }
    if (firstGroup >= 0)
        emit dataChanged(index(firstGroup, firstColumn), index(lastGroup, lastColumn));
}

void ModelStructureModel::aggregate(Group& group, Values values) const {
    switch (values) {
    case Values::Config: {
        // A tied head stored with the embedding's format adds nothing; with its own format it
        // is a second matrix (ResolvedConfig::modelBytes() counts it then too).
        const qs::QuantFormat* embedding = nullptr;
        for (const TensorRow& t : group.tensors)
            if (t.roleOrder == int(qs::TensorRole::TokenEmbedding)) embedding = t.format;
        double bits = 0, weights = 0;
        std::vector<std::pair<double, const qs::QuantFormat*>> shares; // weight per format
        for (const TensorRow& t : group.tensors) {
            if (!t.format || std::isnan(t.bpw)) continue;
            double w = double(t.parameters);
            if (!t.sharedWith.isEmpty() && t.format != embedding) w = double(t.elements);
            bits += t.bpw * w;
            weights += w;
            auto it = std::find_if(shares.begin(), shares.end(),
                                   [&](const auto& s) { return s.second == t.format; });
            if (it == shares.end())
                shares.emplace_back(w, t.format);
            else
                it->first += w;
        }
        group.bpw = weights > 0 ? bits / weights : kNaN;
        // Its formats, the largest share first: "q4_0" or "q4_0, f16".
        std::stable_sort(shares.begin(), shares.end(),
                         [](const auto& a, const auto& b) { return a.first > b.first; });
        QStringList names;
        for (const auto& s : shares) names << formatName(s.second);
        if (names.size() > 3) names = names.mid(0, 3) << QStringLiteral("…");
        group.format = names.join(QStringLiteral(", "));
        break;
    }
    case Values::Saliency:
        group.saliency = kNaN;
        for (const TensorRow& t : group.tensors) group.saliency = maxOf(group.saliency, t.saliency);
        break;
    case Values::Outliers:
        group.outlier = kNaN;
        for (const TensorRow& t : group.tensors) group.outlier = maxOf(group.outlier, t.outlier);
        break;
    case Values::Sensitivity:
        group.sensitivity = kNaN;
        for (const TensorRow& t : group.tensors)
            group.sensitivity = maxOf(group.sensitivity, t.sensitivity);
        break;
    }
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
        case FormatColumn:
            return group.format;
        case BitsPerWeightColumn:
            return number(group.bpw, 'f', 3);
        case SaliencyColumn:
            return number(group.saliency, 'g', 3);
        case OutlierColumn:
            return number(group.outlier, 'f', 2);
        case SensitivityColumn:
            return number(group.sensitivity, 'g', 3);
        default:
            return {};
        }
    case Qt::ToolTipRole:
        switch (column) {
        case FormatColumn:
            return tr("Formats of the quantized tensors of %1, the largest share first; %2 bits "
                      "per weight on average")
                .arg(group.name, number(group.bpw, 'f', 3));
        case BitsPerWeightColumn:
            return tr("Average bits per weight of the quantized tensors of %1, weighted by "
                      "their parameters: %2")
                .arg(group.name, number(group.bpw, 'f', 3));
        case SaliencyColumn:
        case OutlierColumn:
        case SensitivityColumn:
            return tr("The highest value of the tensors of %1.<br>%2")
                .arg(group.name, columnToolTip(column));
        default:
            return tr("%1: %2, %3 parameters, %4 in the file")
                .arg(group.name, tensorCount(group.tensors.size()), formatCount(group.parameters),
                     formatBytes(group.bytes));
        }
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
        case BitsPerWeightColumn:
            return sortNumber(group.bpw);
        case SaliencyColumn:
            return sortNumber(group.saliency);
        case OutlierColumn:
            return sortNumber(group.outlier);
        case SensitivityColumn:
            return sortNumber(group.sensitivity);
        default: {
            const QVariant text = groupData(group, column, Qt::DisplayRole);
            return text.toString().isEmpty() ? QVariant() : text;
        }
        }
    case ParameterCountRole:
        return group.parameters;
    case ByteSizeRole:
        return group.bytes;
    case TensorNameRole:
        return QString();
    case IsGroupRole:
        return true;
    case FormatRole:
        return group.format;
    case BitsPerWeightRole:
        return group.bpw;
    case SaliencyRole:
        return group.saliency;
    case OutlierScoreRole:
        return group.outlier;
    case SensitivityRole:
        return group.sensitivity;
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
        case FormatColumn:
            return tensor.fallback ? tr("%1 (fallback)").arg(formatName(tensor.format))
                                   : formatName(tensor.format);
        case BitsPerWeightColumn:
            return number(tensor.bpw, 'f', 3);
        case SaliencyColumn:
            return number(tensor.saliency, 'g', 3);
        case OutlierColumn:
            return number(tensor.outlier, 'f', 2);
        case SensitivityColumn:
            return number(tensor.sensitivity, 'g', 3);
        default:
            return {};
        }
    case Qt::ToolTipRole: {
        if (column >= FormatColumn) return valueToolTip(tensor, column);
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
        if (tied && (column == ParametersColumn || column == SizeColumn)) return QColor(Qt::gray);
        return {};
    case Qt::FontRole:
        if (tensor.fallback && column == FormatColumn) {
            QFont font;
            font.setItalic(true);
            return font;
        }
        return {};
    case SortRole:
        switch (column) {
        case NameColumn:
            return tensor.roleOrder;
        case ParametersColumn:
            return tensor.elements;
        case SizeColumn:
            return tensor.bytes;
        case BitsPerWeightColumn:
            return sortNumber(tensor.bpw);
        case SaliencyColumn:
            return sortNumber(tensor.saliency);
        case OutlierColumn:
            return sortNumber(tensor.outlier);
        case SensitivityColumn:
            return sortNumber(tensor.sensitivity);
        default: {
            const QVariant text = tensorData(tensor, column, Qt::DisplayRole);
            return text.toString().isEmpty() ? QVariant() : text;
        }
        }
    case ParameterCountRole:
        return tensor.parameters;
    case ByteSizeRole:
        return tensor.bytes;
    case TensorNameRole:
        return tensor.name;
    case IsGroupRole:
        return false;
    case FormatRole:
        return formatName(tensor.format);
    case BitsPerWeightRole:
        return tensor.bpw;
    case SaliencyRole:
        return tensor.saliency;
    case OutlierScoreRole:
        return tensor.outlier;
    case SensitivityRole:
        return tensor.sensitivity;
    default:
        return {};
    }
}

QString ModelStructureModel::valueToolTip(const TensorRow& tensor, int column) const {
    const QString name = QStringLiteral("<b>%1</b><br>").arg(tensor.name.toHtmlEscaped());
    // Saliency, outliers and sensitivity are measured for the linear layers of the blocks.
    const bool blockLinear = tensor.quantizable && !tensor.output &&
                             tensor.roleOrder != int(qs::TensorRole::TokenEmbedding);
    switch (column) {
    case FormatColumn:
    case BitsPerWeightColumn: {
        if (!m_hasConfig) return name + tr("No configuration yet.");
        if (!m_configError.isEmpty())
            return name + tr("The configuration does not fit the model: %1")
                              .arg(m_configError.toHtmlEscaped());
        if (!tensor.quantizable)
            return name + tr("Not quantized: norms and biases stay in full precision (f32).");
        QString tip = name + tr("%1: %2 bits per weight (scales and zero points included)")
                                 .arg(formatName(tensor.format), number(tensor.bpw, 'f', 3));
        if (tensor.fallback)
            tip += tr("<br>The configured format cannot represent the shape %1, so the tensor "
                      "is computed in the fallback format %2.")
                       .arg(tensor.shape, m_fallbackFormat);
        return tip;
    }
    case SaliencyColumn:
        if (!blockLinear) return name + tr("Saliency is measured for the linear layers only.");
        if (std::isnan(tensor.saliency))
            return name + tr("No saliency yet: it is computed in the background after the "
                             "reference pass.");
        return name + tr("%1: %2 (%3)")
                          .arg(m_saliencyTitle.toHtmlEscaped(), number(tensor.saliency, 'g', 4),
                               m_saliencyUnit.toHtmlEscaped());
    case OutlierColumn:
        if (!blockLinear)
            return name + tr("Outlier scores are computed for the linear layers only.");
        if (std::isnan(tensor.outlier))
            return name + tr("No weight statistics yet: they are computed in the background.");
        return name + tr("Excess kurtosis of the weights: %1 (0 for a Gaussian)<br>"
                         "Largest |w| / σ: %2<br>Weights beyond 6σ: %3 %")
                          .arg(number(tensor.outlier, 'f', 2), number(tensor.absMaxOverStd, 'f', 1),
                               number(tensor.beyond6Sigma * 100, 'g', 3));
    case SensitivityColumn:
        if (!blockLinear) return name + tr("Sensitivity is measured for the linear layers only.");
        if (std::isnan(tensor.sensitivity))
            return name + tr("Not measured: a layer sensitivity sweep (quantscope-cli sweep) "
                             "measures the KLD with only this layer quantized.");
        return name +
               tr("%1: %2 nats")
                   .arg(m_sensitivityTitle.toHtmlEscaped(), number(tensor.sensitivity, 'g', 4));
    default:
        return {};
    }
}

QString ModelStructureModel::columnToolTip(int column) const {
    switch (column) {
    case SizeColumn:
        return tr("Bytes the tensor occupies in the model file");
    case FormatColumn:
        return tr("Weight format in the current configuration; \"(fallback)\" where the chosen "
                  "format cannot represent the tensor's shape. Blank: not quantized (norms).");
    case BitsPerWeightColumn:
        return tr("Storage bits per weight of that format, scales and zero points included. "
                  "Groups: the parameter-weighted average of their quantized tensors.");
    case SaliencyColumn:
        return m_saliencyTitle.isEmpty()
                   ? tr("Saliency: the measure chosen in the Saliency view (activation energy of "
                        "the layer input or predicted error). Linear layers only.")
                   : tr("Saliency: %1 (%2), as chosen in the Saliency view. Linear layers only.")
                         .arg(m_saliencyTitle, m_saliencyUnit);
    case OutlierColumn:
        return tr("Outlier score: excess kurtosis of the weights (0 for a Gaussian; heavy tails "
                  "score high). The cell's tooltip adds largest |w|/σ and the share beyond 6σ.");
    case SensitivityColumn:
        return m_sensitivityTitle.isEmpty()
                   ? tr("Measured sensitivity: mean KLD to full precision, in nats, with only this "
                        "layer quantized (layer sensitivity sweep). Blank until measured.")
                   : tr("Measured sensitivity: %1, in nats.").arg(m_sensitivityTitle);
    default:
        return {};
    }
}

QVariant ModelStructureModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return {};
    if (role == Qt::TextAlignmentRole && isNumericColumn(section))
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole) {
        const QString tip = columnToolTip(section);
        return tip.isEmpty() ? QVariant() : QVariant(tip);
    }
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
    case FormatColumn:
        return tr("Format");
    case BitsPerWeightColumn:
        return tr("Bits/weight");
    case SaliencyColumn:
        return tr("Saliency");
    case OutlierColumn:
        return tr("Outliers (kurtosis)");
    case SensitivityColumn:
        return tr("Sensitivity (KLD)");
    default:
        return {};
    }
}
