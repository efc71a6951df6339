#pragma once
// The quantization configuration being edited: one format per quantizable matrix of the loaded
// model — the token embedding, the linear layers of every block (q, k, v, o, gate, up, down) and
// the output head — as a table for item views and the bit-width editor. Every edit is an undo
// command on undoStack(); after each change configChanged() carries the whole configuration,
// ready for EvaluationController::submit().
//
//   auto* config = new QuantConfigModel(this);
//   config->setModelDescription(model->desc());       // resets to the default preset
//   connect(config, &QuantConfigModel::configChanged, controller, &EvaluationController::submit);
//   config->setTensorFormat("blk.0.attn_q.weight", "int4_g32_sym"); // undoable
//   config->undoStack()->undo();
//
// Row order is the forward-pass order: embedding, blocks 0..n-1 (q k v o gate up down), output.
// A tied head still has its "output.weight" row: its format is the head's (outputFormat).
// Tensors whose shape the chosen format cannot represent are computed in fallbackFormat (f16,
// like llama.cpp); FallbackRole says why.

#include "quant/quant_config.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

class QUndoStack;

class QuantConfigModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { TensorColumn, BlockColumn, FormatColumn, BitsColumn, BpwColumn, ColumnCount };
    enum ItemRole {
        TensorNameRole = Qt::UserRole + 1, // QString canonical name
        ShortNameRole,                     // "q", "k", ..., "embd", "output"
        BlockRole,                         // int, -1 for embedding/output
        FormatRole,                        // QString chosen format
        FamilyRole,                        // QString family of the chosen format
        NominalBitsRole,                   // int
        BitsPerWeightRole,                 // double, of the format actually used
        FallbackRole,                      // QString: why the fallback is used; empty otherwise
        ParameterCountRole                 // quint64
    };

    explicit QuantConfigModel(QObject* parent = nullptr);
    ~QuantConfigModel() override;

    QUndoStack* undoStack() const { return m_undo; }

    // Rows for a new model; resets to uniform defaultLinearFormat() and clears the undo stack.
    void setModelDescription(const qs::ModelDesc& desc);
    void clear();
    bool hasModel() const { return !m_rows.empty(); }
    int blockCount() const { return m_blocks; }

    QString defaultLinearFormat() const { return m_defaultFormat; }
    void setDefaultLinearFormat(const QString& format) { m_defaultFormat = format; }

    // The configuration: explicit formats per linear tensor, embedding/output formats,
    // fallbackFormat "f16".
    qs::QuantConfig config() const;
    // Per-row format after a QuantConfig's defaults, rules and overrides; throws qs::Error when
    // the configuration does not fit the model.
    QHash<QString, QString> formatsOf(const qs::QuantConfig& config) const;

    int rowOf(const QString& tensor) const; // -1 if unknown
    QString tensorAt(int row) const;
    QString formatAt(int row) const;
    QString format(const QString& tensor) const { return formatAt(rowOf(tensor)); }
    QStringList tensorsOfBlock(int block) const;

    // Undoable edits. Each returns false (and pushes nothing) when nothing would change.
    bool setTensorFormat(const QString& tensor, const QString& format);
    // strokeId >= 0: part of a header drag; the commands of one stroke merge.
    bool setBlockFormat(int block, const QString& format, int strokeId = -1);
    // One drag stroke painting several tensors: consecutive paints with the same strokeId merge
    // into one undo command.
    bool paintTensorFormat(const QString& tensor, const QString& format, int strokeId);
    bool setConfig(const qs::QuantConfig& config, const QString& description);
    // Presets: all linear layers at `format`; or that with the first and last block at the
    // 8-bit member of `format`'s family (q8_0 for ggml, f16 for float formats).
    bool applyUniform(const QString& format);
    bool applyProtectFirstLast(const QString& format);
    static QString eightBitSibling(const QString& format);

    // JSON files (qs::QuantConfig format). Loading is undoable; errors name the file.
    bool saveToFile(const QString& path, QString* error) const;
    bool loadFromFile(const QString& path, QString* error);

    // Applies formats without an undo command; for the commands only.
    void applyFormats(const QHash<QString, QString>& formats);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

signals:
    void configChanged(const qs::QuantConfig& config);

private:
    struct Row {
        QString name, shortName;
        int block = -1;
        bool embedding = false, output = false;
        qint64 rows = 0, cols = 0;
        QString format;
    };
    QString fallbackReason(const Row& row) const;
    bool pushChange(QHash<QString, QString> formats, const QString& text, int strokeId = -1);

    std::vector<Row> m_rows;
    QHash<QString, int> m_index;
    int m_blocks = 0;
    QString m_defaultFormat = QStringLiteral("int8_g32_sym");
    QString m_fallback = QStringLiteral("f16");
    std::unique_ptr<qs::ModelDesc> m_desc;
    QUndoStack* m_undo;
};
