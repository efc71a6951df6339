#include "model_summary_model.h"

#include "formatting.h"

#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace {

QString formatName(const std::string& format) {
    if (format == "llama2c") return QStringLiteral("llama2.c checkpoint");
    if (format == "gguf") return QStringLiteral("GGUF");
    if (format == "safetensors") return QStringLiteral("Hugging Face safetensors");
    return QString::fromStdString(format);
}

} // namespace

ModelSummaryModel::ModelSummaryModel(QObject* parent) : QAbstractTableModel(parent) {}

void ModelSummaryModel::setModel(const qs::Model& model) {
    const qs::ModelDesc& desc = model.desc();
    const qs::HParams& hp = desc.hp;
    const QLocale locale = displayLocale();
    const QString path = QString::fromStdString(desc.path);
    const quint64 parameters = desc.parameterCount();

    std::vector<Row> rows;
    rows.push_back({tr("Model"), formatShortPath(path), path});
    rows.push_back(
        {tr("Format"), formatName(desc.format),
         formatQuantity(desc.metadata.size(), tr("metadata entry"), tr("metadata entries"))});
    rows.push_back(
        {tr("Architecture"), QString::fromStdString(qs::architectureName(desc.arch)), {}});
    rows.push_back({tr("Parameters"),
                    tr("%1 (%2)").arg(formatCount(parameters), formatCompactCount(parameters)),
                    tr("Unique parameters; a tied output head counts once")});
    rows.push_back({tr("File size"), formatBytes(desc.fileBytes),
                    tr("%1 bytes of weight files").arg(formatCount(desc.fileBytes))});
    rows.push_back({tr("Layers"), QString::number(hp.nLayers), tr("Transformer blocks")});
    rows.push_back({tr("Hidden size"), QString::number(hp.dim), tr("Model dimension (dim)")});
    rows.push_back({tr("FFN size"), QString::number(hp.hiddenDim), tr("SwiGLU intermediate size")});
    const QString heads = hp.nKvHeads != hp.nHeads
                              ? tr("%1 query, %2 key/value (GQA)").arg(hp.nHeads).arg(hp.nKvHeads)
                              : tr("%1").arg(hp.nHeads);
    rows.push_back({tr("Attention heads"), heads, tr("Head dimension %1").arg(hp.headDim)});
    rows.push_back({tr("Vocabulary"), formatCount(quint64(hp.vocabSize)),
                    tr("BOS %1, EOS %2").arg(hp.bosId).arg(hp.eosId)});
    rows.push_back({tr("Trained context"), formatCount(quint64(hp.maxSeqLen)), {}});
    rows.push_back({tr("RoPE"),
                    tr("%1, θ = %2")
                        .arg(hp.rope == qs::RopeStyle::Interleaved ? tr("interleaved pairs")
                                                                   : tr("rotate half"),
                             locale.toString(double(hp.ropeTheta), 'g', 6)),
                    {}});
    rows.push_back(
        {tr("Norm epsilon"), QString::number(double(hp.normEps), 'g', 3), tr("RMSNorm")});
    rows.push_back({tr("Output head"),
                    hp.tiedOutput ? tr("tied to the token embedding") : tr("separate"),
                    {}});
    if (auto tokenizer = model.tokenizer()) {
        rows.push_back({tr("Tokenizer"),
                        tr("%1, %2 tokens")
                            .arg(QString::fromStdString(tokenizer->kind()),
                                 formatCount(quint64(tokenizer->vocabSize()))),
                        tr("BOS %1, EOS %2").arg(tokenizer->bosId()).arg(tokenizer->eosId())});
    } else {
        rows.push_back({tr("Tokenizer"), tr("none found"),
                        tr("Place tokenizer.bin, tokenizer.model or tokenizer.json beside the "
                           "model to evaluate perplexity")});
    }

    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
}

void ModelSummaryModel::clear() {
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

QString ModelSummaryModel::value(const QString& property) const {
    for (const Row& row : m_rows)
        if (row.property == property) return row.value;
    return {};
}

int ModelSummaryModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ModelSummaryModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ModelSummaryModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
    const Row& row = m_rows[size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        return index.column() == PropertyColumn ? row.property : row.value;
    case Qt::ToolTipRole:
        return row.toolTip.isEmpty() ? QVariant() : QVariant(row.toolTip);
    default:
        return {};
    }
}

QVariant ModelSummaryModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    return section == PropertyColumn ? tr("Property") : tr("Value");
}
