#pragma once
// The undo commands behind QuantConfigModel's edits. Each stores the previous and the new
// format of every tensor it touches and re-applies one or the other through
// QuantConfigModel::applyFormats(). A command made with a stroke id merges with the next command of
// the same drag stroke, so a drag (of a bar, a block header, or a shift-paint across many bars)
// undoes in one step; a stroke that ends where it began becomes obsolete and leaves the stack.

#include <QHash>
#include <QString>
#include <QUndoCommand>

class QuantConfigModel;

class FormatChangeCommand : public QUndoCommand {
public:
    static constexpr int kStrokeId = 0x5153; // id() of every command of a drag stroke
    // strokeId >= 0: the command merges with the next one of the same stroke (a drag).
    FormatChangeCommand(QuantConfigModel* model, QHash<QString, QString> before,
                        QHash<QString, QString> after, const QString& text, int strokeId = -1);
    void undo() override;
    void redo() override;
    int id() const override { return m_stroke >= 0 ? kStrokeId : -1; }
    bool mergeWith(const QUndoCommand* other) override;
    int strokeId() const { return m_stroke; }
    QHash<QString, QString> before() const { return m_before; }
    QHash<QString, QString> after() const { return m_after; }

protected:
    virtual void updateText() {}
    QuantConfigModel* m_model;
    QHash<QString, QString> m_before, m_after;
    int m_stroke;
};

class SetTensorFormatCommand : public FormatChangeCommand {
public:
    using FormatChangeCommand::FormatChangeCommand;
};

class SetBlockFormatCommand : public FormatChangeCommand {
public:
    using FormatChangeCommand::FormatChangeCommand;
};

class SetConfigCommand : public FormatChangeCommand {
public:
    using FormatChangeCommand::FormatChangeCommand;
};

// A drag over one bar or a shift-drag painting several: named after what the stroke changed.
class PaintFormatCommand : public FormatChangeCommand {
public:
    PaintFormatCommand(QuantConfigModel* model, QHash<QString, QString> before,
                       QHash<QString, QString> after, int strokeId);

protected:
    void updateText() override;
};
