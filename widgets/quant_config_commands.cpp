#include "quant_config_commands.h"

#include "quant_config_model.h"

#include <typeinfo>

FormatChangeCommand::FormatChangeCommand(QuantConfigModel* model, QHash<QString, QString> before,
                                         QHash<QString, QString> after, const QString& text,
                                         int strokeId)
    : QUndoCommand(text), m_model(model), m_before(std::move(before)), m_after(std::move(after)),
      m_stroke(strokeId) {}

void FormatChangeCommand::undo() {
    m_model->applyFormats(m_before);
}

void FormatChangeCommand::redo() {
    m_model->applyFormats(m_after);
}

bool FormatChangeCommand::mergeWith(const QUndoCommand* other) {
    const auto* next = dynamic_cast<const FormatChangeCommand*>(other);
    if (!next || next->m_stroke != m_stroke || typeid(*next) != typeid(*this)) return false;
    // The stroke's "before" is each tensor's format before the stroke first touched it.
    for (auto it = next->m_after.cbegin(); it != next->m_after.cend(); ++it) {
        if (!m_before.contains(it.key())) m_before.insert(it.key(), next->m_before.value(it.key()));
        m_after.insert(it.key(), it.value());
    }
    if (m_before == m_after) setObsolete(true); // dragged back to where it started
    updateText();
    return true;
}

PaintFormatCommand::PaintFormatCommand(QuantConfigModel* model, QHash<QString, QString> before,
                                       QHash<QString, QString> after, int strokeId)
    : FormatChangeCommand(model, std::move(before), std::move(after), QString(), strokeId) {
    updateText();
}

void PaintFormatCommand::updateText() {
    setText(m_after.size() == 1
                ? QObject::tr("Set %1 to %2").arg(m_after.begin().key(), m_after.begin().value())
                : QObject::tr("Paint %1 layers").arg(m_after.size()));
}
