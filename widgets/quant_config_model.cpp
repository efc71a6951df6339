#include "quant_config_model.h"

#include "format_family_ladder.h"
#include "quant_config_commands.h"

#include "core/error.h"
#include "model/model_desc.h"
#include "quant/quant_format.h"

#include <QFile>
#include <QSaveFile>
#include <QUndoStack>

#include <nlohmann/json.hpp>

namespace {

QString qstr(const std::string& s) {
    return QString::fromStdString(s);
}

// Bar label per role, in the order the bit-width editor shows them.
QString shortName(qs::TensorRole role) {
    switch (role) {
    case qs::TensorRole::Wq:
        return QStringLiteral("q");
    case qs::TensorRole::Wk:
        return QStringLiteral("k");
    case qs::TensorRole::Wv:
        return QStringLiteral("v");
    case qs::TensorRole::Wo:
        return QStringLiteral("o");
    case qs::TensorRole::FfnGate:
        return QStringLiteral("gate");
    case qs::TensorRole::FfnUp:
        return QStringLiteral("up");
    case qs::TensorRole::FfnDown:
        return QStringLiteral("down");
    case qs::TensorRole::TokenEmbedding:
        return QStringLiteral("embd");
    case qs::TensorRole::Output:
        return QStringLiteral("output");
    default:
        return {};
    }
}

constexpr qs::TensorRole kBlockRoles[] = {
    qs::TensorRole::Wq,      qs::TensorRole::Wk,    qs::TensorRole::Wv,     qs::TensorRole::Wo,
    qs::TensorRole::FfnGate, qs::TensorRole::FfnUp, qs::TensorRole::FfnDown};

const QString kOutputName = QStringLiteral("output.weight");

} // namespace

QuantConfigModel::QuantConfigModel(QObject* parent)
    : QAbstractTableModel(parent), m_undo(new QUndoStack(this)) {}

QuantConfigModel::~QuantConfigModel() = default;

void QuantConfigModel::setModelDescription(const qs::ModelDesc& desc) {
    beginResetModel();
    m_desc = std::make_unique<qs::ModelDesc>(desc);
    m_rows.clear();
    m_index.clear();
    m_blocks = desc.hp.nLayers;
    auto addRow = [this](const qs::TensorDesc& t, Row row) {
        row.name = qstr(t.name);
        row.shortName = shortName(t.role);
        row.block = t.block;
        if (t.shape.size() == 2) {
            row.rows = t.shape[0];
            row.cols = t.shape[1];
        }
        row.format = m_defaultFormat;
        m_index.insert(row.name, int(m_rows.size()));
        m_rows.push_back(row);
    };
    const qs::TensorDesc* embedding = desc.findRole(qs::TensorRole::TokenEmbedding);
    if (embedding) addRow(*embedding, Row{.embedding = true});
    for (int b = 0; b < m_blocks; ++b)
        for (qs::TensorRole role : kBlockRoles)
            if (const qs::TensorDesc* t = desc.findRole(role, b)) addRow(*t, Row{});
    if (const qs::TensorDesc* out = desc.findRole(qs::TensorRole::Output))
        addRow(*out, Row{.output = true});
    else if (embedding) { // tied head: shown with the embedding's shape under the head's name
        qs::TensorDesc head = *embedding;
        head.name = kOutputName.toStdString();
        head.role = qs::TensorRole::Output;
        addRow(head, Row{.output = true});
    }
    // The embedding is a lookup, the head is the most sensitive matrix: both start unquantized.
    for (Row& row : m_rows)
        if (row.embedding || row.output) row.format = QStringLiteral("f32");
    endResetModel();
    m_undo->clear();
    emit configChanged(config());
}

void QuantConfigModel::clear() {
    beginResetModel();
    m_rows.clear();
    m_index.clear();
    m_blocks = 0;
    m_desc.reset();
    endResetModel();
    m_undo->clear();
}

qs::QuantConfig QuantConfigModel::config() const {
    qs::QuantConfig cfg;
    cfg.defaultFormat = m_defaultFormat.toStdString();
    cfg.fallbackFormat = m_fallback.toStdString();
    for (const Row& row : m_rows) {
        if (row.embedding)
            cfg.embeddingFormat = row.format.toStdString();
        else if (row.output)
            cfg.outputFormat = row.format.toStdString();
        else
            cfg.setTensorFormat(row.name.toStdString(), row.format.toStdString());
    }
    return cfg;
}

QHash<QString, QString> QuantConfigModel::formatsOf(const qs::QuantConfig& cfg) const {
    if (!m_desc) throw qs::Error("no model is loaded");
    (void)cfg.resolve(*m_desc); // validates formats, overrides and shapes
    QHash<QString, QString> formats;
    for (const Row& row : m_rows) {
        std::string chosen = row.embedding ? cfg.embeddingFormat
                             : row.output  ? cfg.outputFormat
                                           : cfg.defaultFormat;
        if (!row.embedding && !row.output) {
            const std::string name = row.name.toStdString();
            for (const qs::QuantRule& rule : cfg.rules)
                if (qs::globMatch(rule.pattern, name)) chosen = rule.format;
            if (auto it = cfg.overrides.find(name); it != cfg.overrides.end()) chosen = it->second;
        }
        formats.insert(row.name, qstr(qs::quantFormat(chosen).name()));
    }
    return formats;
}

int QuantConfigModel::rowOf(const QString& tensor) const {
    return m_index.value(tensor, -1);
}

QString QuantConfigModel::tensorAt(int row) const {
    return row >= 0 && row < int(m_rows.size()) ? m_rows[size_t(row)].name : QString();
}

QString QuantConfigModel::formatAt(int row) const {
    return row >= 0 && row < int(m_rows.size()) ? m_rows[size_t(row)].format : QString();
}

QStringList QuantConfigModel::tensorsOfBlock(int block) const {
    QStringList names;
    for (const Row& row : m_rows)
        if (row.block == block && !row.embedding && !row.output) names << row.name;
    return names;
}

bool QuantConfigModel::pushChange(QHash<QString, QString> formats, const QString& text,
                                  int strokeId) {
    QHash<QString, QString> before;
    for (auto it = formats.begin(); it != formats.end();) {
        const int row = rowOf(it.key());
        if (row < 0 || m_rows[size_t(row)].format == it.value()) {
            it = formats.erase(it);
            continue;
        }
        before.insert(it.key(), m_rows[size_t(row)].format);
        ++it;
    }
    if (formats.isEmpty()) return false;
    if (strokeId >= 0)
        m_undo->push(new PaintFormatCommand(this, before, formats, strokeId));
    else if (formats.size() == 1 && text.isEmpty())
        m_undo->push(new SetTensorFormatCommand(
            this, before, formats,
            tr("Set %1 to %2").arg(formats.begin().key(), formats.begin().value())));
    else
        m_undo->push(new SetConfigCommand(this, before, formats, text));
    return true;
}

bool QuantConfigModel::setTensorFormat(const QString& tensor, const QString& format) {
    if (!qs::findQuantFormat(format.toStdString())) return false;
    return pushChange({{tensor, format}}, {});
}

bool QuantConfigModel::setBlockFormat(int block, const QString& format, int strokeId) {
    if (!qs::findQuantFormat(format.toStdString())) return false;
    QHash<QString, QString> formats;
    for (const QString& name : tensorsOfBlock(block)) formats.insert(name, format);
    QHash<QString, QString> before;
    for (auto it = formats.begin(); it != formats.end();) {
        const QString old = this->format(it.key());
        if (old == it.value()) {
            it = formats.erase(it);
            continue;
        }
        before.insert(it.key(), old);
        ++it;
    }
    if (formats.isEmpty()) return false;
    m_undo->push(new SetBlockFormatCommand(
        this, before, formats, tr("Set block %1 to %2").arg(block).arg(format), strokeId));
    return true;
}

bool QuantConfigModel::paintTensorFormat(const QString& tensor, const QString& format,
                                         int strokeId) {
    if (!qs::findQuantFormat(format.toStdString())) return false;
    return pushChange({{tensor, format}}, {}, strokeId);
}

bool QuantConfigModel::setConfig(const qs::QuantConfig& cfg, const QString& description) {
    return pushChange(formatsOf(cfg), description);
}

QString QuantConfigModel::eightBitSibling(const QString& format) {
    const FormatFamilyLadder ladder = FormatFamilyLadder::forFormat(format.toStdString());
    if (ladder.isEmpty()) return format;
    if (ladder.maxBits() >= 16) return QStringLiteral("f16"); // float ladders
    return QString::fromStdString(ladder.snap(8.0));
}

bool QuantConfigModel::applyUniform(const QString& format) {
    if (!qs::findQuantFormat(format.toStdString())) return false;
    QHash<QString, QString> formats;
    for (const Row& row : m_rows)
        if (!row.embedding && !row.output) formats.insert(row.name, format);
    return pushChange(formats, tr("Uniform %1").arg(format));
}

bool QuantConfigModel::applyProtectFirstLast(const QString& format) {
    if (!qs::findQuantFormat(format.toStdString())) return false;
    const QString protectedFormat = eightBitSibling(format);
    QHash<QString, QString> formats;
    for (const Row& row : m_rows) {
        if (row.embedding || row.output) continue;
        const bool edge = row.block == 0 || row.block == m_blocks - 1;
        formats.insert(row.name, edge ? protectedFormat : format);
    }
    return pushChange(formats, tr("%1, first/last block %2").arg(format, protectedFormat));
}

bool QuantConfigModel::saveToFile(const QString& path, QString* error) const {
    QSaveFile file(path);
    const std::string text = config().toJson().dump(2) + "\n";
    if (!file.open(QIODevice::WriteOnly) ||
        file.write(text.data(), qint64(text.size())) != qint64(text.size()) || !file.commit()) {
        if (error) *error = tr("Could not save %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

bool QuantConfigModel::loadFromFile(const QString& path, QString* error) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error) *error = tr("Could not open %1: %2").arg(path, file.errorString());
        return false;
    }
    try {
        const auto json = nlohmann::json::parse(file.readAll().toStdString());
        setConfig(qs::QuantConfig::fromJson(json, path.toStdString()),
                  tr("Load %1").arg(path.section(QLatin1Char('/'), -1)));
        return true;
    } catch (const std::exception& e) {
        if (error) *error = tr("Could not load the configuration %1: %2").arg(path, qstr(e.what()));
        return false;
    }
}

void QuantConfigModel::applyFormats(const QHash<QString, QString>& formats) {
    int first = int(m_rows.size()), last = -1;
    for (auto it = formats.cbegin(); it != formats.cend(); ++it) {
        const int row = rowOf(it.key());
        if (row < 0) continue;
        m_rows[size_t(row)].format = it.value();
        first = std::min(first, row);
        last = std::max(last, row);
    }
    if (last < 0) return;
    emit dataChanged(index(first, 0), index(last, ColumnCount - 1));
    emit configChanged(config());
}

QString QuantConfigModel::fallbackReason(const Row& row) const {
    const qs::QuantFormat* f = qs::findQuantFormat(row.format.toStdString());
    if (!f || row.rows == 0) return {};
    const std::string why = f->checkShape(row.rows, row.cols);
    return why.empty() ? QString() : tr("%1 (computed in %2)").arg(qstr(why), m_fallback);
}

int QuantConfigModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int QuantConfigModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant QuantConfigModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= int(m_rows.size())) return {};
    const Row& row = m_rows[size_t(index.row())];
    const qs::QuantFormat* f = qs::findQuantFormat(row.format.toStdString());
    const bool fallback = f && row.rows > 0 && !f->checkShape(row.rows, row.cols).empty();
    const qs::QuantFormat* used = fallback ? qs::findQuantFormat(m_fallback.toStdString()) : f;
    const double bpw = used ? used->bitsPerWeight(row.cols) : 0.0;
    switch (role) {
    case Qt::DisplayRole:
    case Qt::EditRole:
        switch (index.column()) {
        case TensorColumn:
            return row.name;
        case BlockColumn:
            return row.block >= 0 ? QVariant(row.block) : QVariant();
        case FormatColumn:
            return row.format;
        case BitsColumn:
            return f ? f->nominalBits() : 0;
        case BpwColumn:
            return QString::number(bpw, 'f', 3);
        }
        return {};
    case Qt::ToolTipRole: {
        QString tip =
            tr("%1\nformat %2 — %3 bits per weight").arg(row.name, row.format).arg(bpw, 0, 'f', 3);
        if (fallback) tip += QLatin1Char('\n') + fallbackReason(row);
        return tip;
    }
    case TensorNameRole:
        return row.name;
    case ShortNameRole:
        return row.shortName;
    case BlockRole:
        return row.block;
    case FormatRole:
        return row.format;
    case FamilyRole:
        return f ? qstr(f->family()) : QString();
    case NominalBitsRole:
        return f ? f->nominalBits() : 0;
    case BitsPerWeightRole:
        return bpw;
    case FallbackRole:
        return fallback ? fallbackReason(row) : QString();
    case ParameterCountRole:
        return quint64(row.rows * row.cols);
    }
    return {};
}

QVariant QuantConfigModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case TensorColumn:
        return tr("Tensor");
    case BlockColumn:
        return tr("Block");
    case FormatColumn:
        return tr("Format");
    case BitsColumn:
        return tr("Bits");
    case BpwColumn:
        return tr("BPW");
    }
    return {};
}
