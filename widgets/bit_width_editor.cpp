#include "bit_width_editor.h"

#include "format_family_ladder.h"
#include "quant_config_model.h"

#include "quant/quant_format.h"

#include <QAccessible>
#include <QContextMenuEvent>
#include <QHelpEvent>
#include <QItemSelectionModel>
#include <QKeyEvent>
#include <QMenu>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <map>

namespace {

constexpr double kGroupGap = 0.6; // gap between groups, in bar slots

int nextStrokeId() {
    static int stroke = 0;
    return ++stroke;
}

// Menu sections for the format families, in the order of the right-click menu.
QString familyMenuTitle(const std::string& family) {
    if (family == "int") return QObject::tr("INT");
    if (family == "ggml") return QObject::tr("Q-formats");
    if (family == "float" || family == "minifloat") return QObject::tr("FP");
    if (family == "mx") return QObject::tr("MX");
    if (family == "nf") return QObject::tr("NF4");
    if (family == "ternary") return QObject::tr("Ternary");
    if (family == "binary") return QObject::tr("Binary");
    return QObject::tr("Other");
}

QColor mix(const QColor& a, const QColor& b, double t) {
    return QColor::fromRgbF(float(a.redF() * (1 - t) + b.redF() * t),
                            float(a.greenF() * (1 - t) + b.greenF() * t),
                            float(a.blueF() * (1 - t) + b.blueF() * t));
}

} // namespace

BitWidthEditor::BitWidthEditor(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("bitWidthEditor"));
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(false);
    setAccessibleName(tr("Bit-width editor"));
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

QSize BitWidthEditor::sizeHint() const {
    return {760, 260};
}

QSize BitWidthEditor::minimumSizeHint() const {
    return {240, 140};
}

void BitWidthEditor::setModel(QuantConfigModel* model) {
    if (m_model) disconnect(m_model, nullptr, this, nullptr);
    delete m_selection;
    m_model = model;
    m_selection = new QItemSelectionModel(model, this);
    connect(model, &QAbstractItemModel::modelReset, this, &BitWidthEditor::rebuild);
    connect(model, &QAbstractItemModel::dataChanged, this, [this] {
        update();
        updateAccessibleDescription();
    });
    connect(m_selection, &QItemSelectionModel::selectionChanged, this, [this] { update(); });
    connect(m_selection, &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex& current) {
                update();
                updateAccessibleDescription();
                emit currentRowChanged(current.isValid() ? current.row() : -1);
            });
    rebuild();
}

void BitWidthEditor::setSensitivity(const QHash<QString, double>& sensitivity) {
    m_sensitivity = sensitivity;
    m_sensitivityMax = 0;
    for (double v : sensitivity) m_sensitivityMax = std::max(m_sensitivityMax, v);
    update();
}

void BitWidthEditor::rebuild() {
    m_groups.clear();
    if (m_model) {
        std::map<int, Group> blocks;
        Group embedding{tr("embd"), -1, {}}, output{tr("head"), -1, {}};
        for (int row = 0; row < m_model->rowCount(); ++row) {
            const QModelIndex index = m_model->index(row, 0);
            const int block = index.data(QuantConfigModel::BlockRole).toInt();
            const QString name = index.data(QuantConfigModel::ShortNameRole).toString();
            if (block >= 0) {
                Group& g = blocks[block];
                g.block = block;
                g.label = tr("Block %1").arg(block);
                g.rows.push_back(row);
            } else {
                (name == QLatin1String("embd") ? embedding : output).rows.push_back(row);
            }
        }
        if (!embedding.rows.empty()) m_groups.push_back(embedding);
        for (auto& [block, group] : blocks) m_groups.push_back(group);
        if (!output.rows.empty()) m_groups.push_back(output);
    }
    layoutBars();
    update();
}

void BitWidthEditor::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    layoutBars();
}

void BitWidthEditor::layoutBars() {
    const QFontMetrics fm = fontMetrics();
    const int axis = fm.horizontalAdvance(QStringLiteral("32")) + 10;
    const int header = fm.height() + 8;
    const int labels = fm.height() + 6;
    m_plot = QRect(axis, header + 4, std::max(10, width() - axis - 8),
                   std::max(10, height() - header - labels - 8));
    m_barRects.assign(m_model ? size_t(m_model->rowCount()) : 0, QRect());
    m_headerRects.assign(m_groups.size(), QRect());
    size_t bars = 0;
    for (const Group& g : m_groups) bars += g.rows.size();
    if (bars == 0) return;
    const double slotCount = double(bars) + kGroupGap * double(m_groups.size() - 1);
    const double unit = m_plot.width() / slotCount;
    double x = m_plot.left();
    for (size_t gi = 0; gi < m_groups.size(); ++gi) {
        const double start = x;
        for (int row : m_groups[gi].rows) {
            const int left = int(x + unit * 0.12);
            const int right = int(x + unit * 0.88);
            m_barRects[size_t(row)] = QRect(QPoint(left, m_plot.top()),
                                            QPoint(std::max(left, right - 1), m_plot.bottom()));
            x += unit;
        }
        m_headerRects[gi] =
            QRect(QPoint(int(start + unit * 0.05), 2), QPoint(int(x - unit * 0.05), header));
        x += unit * kGroupGap;
    }
}

QRect BitWidthEditor::barRect(int row) const {
    return row >= 0 && row < int(m_barRects.size()) ? m_barRects[size_t(row)] : QRect();
}

QRect BitWidthEditor::barFillRect(int row) const {
    QRect r = barRect(row);
    if (r.isNull() || !m_model) return {};
    const int bits = m_model->index(row, 0).data(QuantConfigModel::NominalBitsRole).toInt();
    r.setTop(yForBits(std::min<double>(bits, kScaleBits)));
    return r;
}

QRect BitWidthEditor::blockHeaderRect(int block) const {
    for (size_t gi = 0; gi < m_groups.size(); ++gi)
        if (m_groups[gi].block == block && block >= 0) return m_headerRects[gi];
    return {};
}

int BitWidthEditor::rowAt(const QPoint& pos) const {
    for (size_t row = 0; row < m_barRects.size(); ++row)
        if (m_barRects[row].adjusted(-2, 0, 2, 0).contains(pos)) return int(row);
    return -1;
}

int BitWidthEditor::blockAt(const QPoint& pos) const {
    for (size_t gi = 0; gi < m_groups.size(); ++gi)
        if (m_groups[gi].block >= 0 && m_headerRects[gi].contains(pos)) return m_groups[gi].block;
    return -1;
}

int BitWidthEditor::yForBits(double bits) const {
    return m_plot.bottom() - int(bits / kScaleBits * m_plot.height() + 0.5);
}

double BitWidthEditor::bitsForY(int y) const {
    return std::clamp((m_plot.bottom() - y) * kScaleBits / std::max(1, m_plot.height()), 0.0,
                      kScaleBits);
}

QColor BitWidthEditor::barColour(int row) const {
    const QPalette& pal = palette();
    const QColor base = pal.color(QPalette::Base);
    const QColor accent = pal.color(QPalette::Highlight);
    const QString name = m_model->tensorAt(row);
    if (m_sensitivityMax <= 0 || !m_sensitivity.contains(name)) return mix(accent, base, 0.35);
    // Sensitive tensors turn from the palette's accent hue toward red, and more saturated.
    const double s = std::clamp(m_sensitivity.value(name) / m_sensitivityMax, 0.0, 1.0);
    const float hue = accent.hsvHueF() < 0 ? 0.6f : accent.hsvHueF();
    QColor heat = QColor::fromHsvF(float(hue * (1.0 - s)), float(0.35 + 0.6 * s),
                                   std::max(0.55f, accent.valueF()));
    return heat;
}

void BitWidthEditor::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing, false);
    const QPalette& pal = palette();
    p.fillRect(rect(), pal.color(QPalette::Base));
    const QColor text = pal.color(QPalette::Text);
    const QColor grid = pal.color(QPalette::Mid);
    if (!m_model || m_groups.empty()) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter, tr("Open a model to edit its bit-widths"));
        return;
    }
    const QFontMetrics fm = fontMetrics();
    // Scale: 2, 4, 8, 16 bits.
    for (int bits : {2, 4, 8, 16}) {
        const int y = yForBits(bits);
        p.setPen(QPen(grid, 0, Qt::DotLine));
        p.drawLine(m_plot.left(), y, m_plot.right(), y);
        p.setPen(text);
        p.drawText(QRect(0, y - fm.height() / 2, m_plot.left() - 4, fm.height()),
                   Qt::AlignRight | Qt::AlignVCenter, QString::number(bits));
    }
    const QModelIndex current = m_selection->currentIndex();
    for (size_t gi = 0; gi < m_groups.size(); ++gi) {
        const Group& g = m_groups[gi];
        const QRect header = m_headerRects[gi];
        if (g.block >= 0) {
            p.fillRect(header, pal.color(QPalette::Button));
            p.setPen(pal.color(QPalette::ButtonText));
        } else {
            p.setPen(pal.color(QPalette::PlaceholderText));
        }
        p.drawText(header, Qt::AlignCenter, fm.elidedText(g.label, Qt::ElideRight, header.width()));
        for (int row : g.rows) {
            const QModelIndex index = m_model->index(row, 0);
            const QRect slot = m_barRects[size_t(row)];
            const QRect fill = barFillRect(row);
            const bool selected = m_selection->isRowSelected(row, {});
            p.fillRect(fill, barColour(row));
            const QString reason = index.data(QuantConfigModel::FallbackRole).toString();
            if (!reason.isEmpty()) { // computed in the fallback format: hatch it
                p.fillRect(fill, QBrush(pal.color(QPalette::Text), Qt::BDiagPattern));
            }
            if (selected) {
                p.setPen(QPen(pal.color(QPalette::Highlight), 2));
                p.drawRect(fill.adjusted(1, 1, -1, -1));
            }
            if (index == current && hasFocus()) {
                p.setPen(QPen(text, 1, Qt::DashLine));
                p.drawRect(slot.adjusted(-1, -1, 0, 0));
            }
            // Bits above the bar (f32 says 32), short name below.
            const int bits = index.data(QuantConfigModel::NominalBitsRole).toInt();
            p.setPen(text);
            const QRect above(slot.left() - 6, fill.top() - fm.height() - 1, slot.width() + 12,
                              fm.height());
            if (fm.horizontalAdvance(QStringLiteral("32")) <= slot.width() + 12)
                p.drawText(above, Qt::AlignHCenter | Qt::AlignBottom, QString::number(bits));
            // Narrow bars get the initial ("g" for gate); the tooltip has the full name.
            QString label = index.data(QuantConfigModel::ShortNameRole).toString();
            const QRect below(slot.left() - 4, m_plot.bottom() + 3, slot.width() + 8, fm.height());
            if (fm.horizontalAdvance(label) > below.width()) label = label.left(1);
            p.drawText(below, Qt::AlignHCenter | Qt::AlignTop, label);
        }
    }
    p.setPen(grid);
    p.drawLine(m_plot.left(), m_plot.bottom(), m_plot.right(), m_plot.bottom());
}

void BitWidthEditor::setCurrentRow(int row, bool extend) {
    if (!m_model || row < 0 || row >= m_model->rowCount()) return;
    const auto flags =
        (extend ? QItemSelectionModel::Select : QItemSelectionModel::ClearAndSelect) |
        QItemSelectionModel::Rows;
    m_selection->setCurrentIndex(m_model->index(row, 0), flags);
}

void BitWidthEditor::mousePressEvent(QMouseEvent* event) {
    if (!m_model || event->button() != Qt::LeftButton) return QWidget::mousePressEvent(event);
    const QPoint pos = event->position().toPoint();
    m_drag = Drag::None;
    m_stroke = nextStrokeId();
    if (const int row = rowAt(pos); row >= 0) {
        setCurrentRow(row, event->modifiers() & Qt::ControlModifier);
        m_dragRow = row;
        if (event->modifiers() & Qt::ShiftModifier) {
            m_drag = Drag::Paint;
            dragBarTo(row, pos.y()); // painting starts at the pressed bar
        } else {
            m_drag = Drag::Bar;
        }
    } else if (const int block = blockAt(pos); block >= 0) {
        const QStringList tensors = m_model->tensorsOfBlock(block);
        if (tensors.isEmpty()) return;
        m_selection->clearSelection();
        for (const QString& t : tensors)
            m_selection->select(m_model->index(m_model->rowOf(t), 0),
                                QItemSelectionModel::Select | QItemSelectionModel::Rows);
        m_selection->setCurrentIndex(m_model->index(m_model->rowOf(tensors.front()), 0),
                                     QItemSelectionModel::NoUpdate);
        m_drag = Drag::Block;
        m_dragBlock = block;
        m_dragStartY = pos.y();
        m_dragStartBits = formatNominalBits(m_model->format(tensors.front()).toStdString());
    }
    event->accept();
}

void BitWidthEditor::dragBarTo(int row, int y) {
    const QString format = m_model->formatAt(row);
    const FormatFamilyLadder ladder = FormatFamilyLadder::forFormat(format.toStdString());
    // f32 sits above the scale: anything near its top means "the ladder's highest step".
    const double bits = bitsForY(y) >= kScaleBits - 0.5 ? 1e9 : bitsForY(y);
    const QString target = QString::fromStdString(ladder.snap(bits));
    if (target.isEmpty() || target == format) return;
    m_model->paintTensorFormat(m_model->tensorAt(row), target, m_stroke);
}

void BitWidthEditor::mouseMoveEvent(QMouseEvent* event) {
    if (!m_model || !(event->buttons() & Qt::LeftButton)) return QWidget::mouseMoveEvent(event);
    const QPoint pos = event->position().toPoint();
    switch (m_drag) {
    case Drag::Bar:
        dragBarTo(m_dragRow, pos.y());
        break;
    case Drag::Paint:
        if (const int row = rowAt(QPoint(pos.x(), m_plot.center().y())); row >= 0) {
            if (!m_selection->isRowSelected(row, {})) setCurrentRow(row, true);
            dragBarTo(row, pos.y());
        }
        break;
    case Drag::Block: {
        const QStringList tensors = m_model->tensorsOfBlock(m_dragBlock);
        const double pxPerBit = m_plot.height() / kScaleBits;
        const double bits = m_dragStartBits + (m_dragStartY - pos.y()) / pxPerBit;
        const FormatFamilyLadder ladder =
            FormatFamilyLadder::forFormat(m_model->format(tensors.front()).toStdString());
        const QString target = QString::fromStdString(ladder.snap(bits));
        if (!target.isEmpty()) m_model->setBlockFormat(m_dragBlock, target, m_stroke);
        break;
    }
    case Drag::None:
        break;
    }
    event->accept();
}

void BitWidthEditor::mouseReleaseEvent(QMouseEvent* event) {
    m_drag = Drag::None;
    m_dragRow = m_dragBlock = -1;
    m_stroke = -1;
    event->accept();
}

void BitWidthEditor::stepSelected(int delta) {
    QModelIndexList rows = m_selection->selectedRows();
    if (rows.isEmpty() && m_selection->currentIndex().isValid())
        rows << m_selection->currentIndex();
    if (rows.isEmpty()) return;
    // One key press is one undo step, also for several selected bars.
    const int stroke = nextStrokeId();
    for (const QModelIndex& index : rows) {
        const QString format = m_model->formatAt(index.row());
        const QString target = QString::fromStdString(
            FormatFamilyLadder::forFormat(format.toStdString()).step(format.toStdString(), delta));
        if (rows.size() == 1)
            m_model->setTensorFormat(m_model->tensorAt(index.row()), target);
        else
            m_model->paintTensorFormat(m_model->tensorAt(index.row()), target, stroke);
    }
}

void BitWidthEditor::keyPressEvent(QKeyEvent* event) {
    if (!m_model || m_model->rowCount() == 0) return QWidget::keyPressEvent(event);
    const int current =
        m_selection->currentIndex().isValid() ? m_selection->currentIndex().row() : -1;
    const bool extend = event->modifiers() & Qt::ShiftModifier;
    switch (event->key()) {
    case Qt::Key_Left:
        setCurrentRow(std::max(0, current - 1), extend);
        break;
    case Qt::Key_Right:
        setCurrentRow(std::min(m_model->rowCount() - 1, current + 1), extend);
        break;
    case Qt::Key_Home:
        setCurrentRow(0, extend);
        break;
    case Qt::Key_End:
        setCurrentRow(m_model->rowCount() - 1, extend);
        break;
    case Qt::Key_Up:
    case Qt::Key_Plus:
        stepSelected(+1);
        break;
    case Qt::Key_Down:
    case Qt::Key_Minus:
        stepSelected(-1);
        break;
    case Qt::Key_Menu: {
        if (current < 0) break;
        const QPoint at = barFillRect(current).center();
        QContextMenuEvent menuEvent(QContextMenuEvent::Keyboard, at, mapToGlobal(at));
        contextMenuEvent(&menuEvent);
        break;
    }
    default:
        return QWidget::keyPressEvent(event);
    }
    event->accept();
}

QMenu* BitWidthEditor::formatMenu(const QStringList& tensors, int block) {
    auto* menu = new QMenu(this);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    const QString current = m_model->format(tensors.front());
    std::map<QString, QMenu*> sections;
    std::map<std::pair<QMenu*, int>, QMenu*> intBits; // INT has dozens: one submenu per width
    const QStringList order = {tr("INT"), tr("Q-formats"), tr("FP"),     tr("MX"),
                               tr("NF4"), tr("Ternary"),   tr("Binary"), tr("Other")};
    for (const QString& title : order) sections[title] = menu->addMenu(title);
    for (const qs::QuantFormat* f : qs::allQuantFormats()) {
        QMenu* section = sections[familyMenuTitle(f->family())];
        if (f->family() == "int") {
            QMenu*& sub = intBits[{section, f->nominalBits()}];
            if (!sub) sub = section->addMenu(tr("%1-bit").arg(f->nominalBits()));
            section = sub;
        }
        const QString name = QString::fromStdString(f->name());
        QAction* action = section->addAction(name);
        action->setToolTip(QString::fromStdString(f->description()));
        action->setCheckable(true);
        action->setChecked(name == current);
        connect(action, &QAction::triggered, this, [this, tensors, block, name] {
            if (!m_model) return;
            if (block >= 0) {
                m_model->setBlockFormat(block, name);
            } else if (tensors.size() == 1) {
                m_model->setTensorFormat(tensors.front(), name);
            } else {
                const int stroke = nextStrokeId();
                for (const QString& t : tensors) m_model->paintTensorFormat(t, name, stroke);
            }
        });
    }
    for (auto& [title, section] : sections)
        if (section->isEmpty()) section->menuAction()->setVisible(false);
    menu->setToolTipsVisible(true);
    return menu;
}

void BitWidthEditor::contextMenuEvent(QContextMenuEvent* event) {
    if (!m_model) return;
    QStringList tensors;
    int block = blockAt(event->pos());
    if (block >= 0) {
        tensors = m_model->tensorsOfBlock(block);
    } else if (const int row = rowAt(event->pos()); row >= 0) {
        if (!m_selection->isRowSelected(row, {})) setCurrentRow(row, false);
        for (const QModelIndex& index : m_selection->selectedRows())
            tensors << m_model->tensorAt(index.row());
    }
    if (tensors.isEmpty()) return;
    formatMenu(tensors, block)->popup(event->globalPos()); // popup(): no nested event loop
    event->accept();
}

bool BitWidthEditor::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip && m_model) {
        auto* help = static_cast<QHelpEvent*>(event);
        const int row = rowAt(help->pos());
        if (row >= 0) {
            QString tip = m_model->index(row, 0).data(Qt::ToolTipRole).toString();
            const QString name = m_model->tensorAt(row);
            if (m_sensitivity.contains(name))
                tip += tr("\nsensitivity %1").arg(m_sensitivity.value(name), 0, 'g', 3);
            QToolTip::showText(help->globalPos(), tip, this, barRect(row));
        } else if (const int block = blockAt(help->pos()); block >= 0) {
            QToolTip::showText(help->globalPos(),
                               tr("Drag up or down to set all of block %1").arg(block), this);
        } else {
            QToolTip::hideText();
        }
        return true;
    }
    return QWidget::event(event);
}

void BitWidthEditor::focusInEvent(QFocusEvent* event) {
    if (m_model && !m_selection->currentIndex().isValid() && m_model->rowCount() > 0)
        m_selection->setCurrentIndex(m_model->index(0, 0), QItemSelectionModel::NoUpdate);
    QWidget::focusInEvent(event);
    update();
}

void BitWidthEditor::updateAccessibleDescription() {
    const QModelIndex current = m_selection ? m_selection->currentIndex() : QModelIndex();
    if (!m_model || !current.isValid()) {
        setAccessibleDescription(tr("No layer selected"));
        return;
    }
    // Screen readers announce the current bar: which tensor, which format, how many bits.
    setAccessibleDescription(
        tr("%1: %2, %3 bits")
            .arg(m_model->tensorAt(current.row()), m_model->formatAt(current.row()))
            .arg(current.data(QuantConfigModel::NominalBitsRole).toInt()));
    QAccessibleEvent accessibleEvent(this, QAccessible::DescriptionChanged);
    QAccessible::updateAccessibility(&accessibleEvent);
}
