#pragma once
// The bit-width editor: one bar per quantizable matrix, grouped as embedding | block 0 … block
// n-1 (q k v o gate up down) | output head; a bar's height is its format's nominal bits (f32
// drawn at the top of the 16-bit scale). A view over QuantConfigModel — every change is an undo
// command there; it never calls the engine.
//
//   auto* editor = new BitWidthEditor(this);
//   editor->setModel(configModel);
//   editor->setSensitivity({{"blk.0.attn_v.weight", 0.9}, ...}); // optional colouring
//
// Interaction:
//   drag a bar vertically      its format moves along its family's ladder (FormatFamilyLadder)
//   drag a block header        the whole block follows (relative drag)
//   shift-drag                 paints the height under the cursor onto every bar crossed
//   Left/Right, Home/End       move the current bar; Shift extends the selection
//   Up/+ and Down/-            one ladder step up or down for the selected bars
//   right click                menu of formats grouped by family
// Each drag is one undo command, however many steps it went through. The selection is a
// QItemSelectionModel over the config model's rows, so other views can share it.

#include <QHash>
#include <QPointer>
#include <QWidget>

#include <vector>

class QItemSelectionModel;
class QMenu;
class QuantConfigModel;

class BitWidthEditor : public QWidget {
    Q_OBJECT

public:
    explicit BitWidthEditor(QWidget* parent = nullptr);

    void setModel(QuantConfigModel* model);
    QuantConfigModel* model() const { return m_model; }
    QItemSelectionModel* selectionModel() const { return m_selection; }

    // Values in any unit, normalised by their maximum; tensors not listed stay neutral.
    void setSensitivity(const QHash<QString, double>& sensitivity);
    void clearSensitivity() { setSensitivity({}); }

    // Geometry in widget coordinates (tests drive the mouse with these).
    QRect barRect(int row) const;     // the full-height slot of a bar
    QRect barFillRect(int row) const; // the filled part (its bits)
    QRect blockHeaderRect(int block) const;
    int rowAt(const QPoint& pos) const;   // -1 outside bars
    int blockAt(const QPoint& pos) const; // header under pos, -1 if none
    // The y coordinate of `bits` on the scale.
    int yForBits(double bits) const;
    double bitsForY(int y) const;

    static constexpr double kScaleBits = 16.0;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    // The current bar changed (row of the config model, -1 for none).
    void currentRowChanged(int row);

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void contextMenuEvent(QContextMenuEvent* event) override;
    bool event(QEvent* event) override;
    void focusInEvent(QFocusEvent* event) override;

private:
    struct Group {
        QString label;
        int block = -1; // -1: embedding or output
        std::vector<int> rows;
    };
    enum class Drag { None, Bar, Block, Paint };

    void rebuild();
    void layoutBars();
    void setCurrentRow(int row, bool extend);
    void stepSelected(int delta);
    void dragBarTo(int row, int y);
    QMenu* formatMenu(const QStringList& tensors, int block);
    QColor barColour(int row) const;
    void updateAccessibleDescription();

    QPointer<QuantConfigModel> m_model;
    QItemSelectionModel* m_selection = nullptr;
    std::vector<Group> m_groups;
    std::vector<QRect> m_barRects;    // by model row
    std::vector<QRect> m_headerRects; // by group
    QRect m_plot;
    QHash<QString, double> m_sensitivity;
    double m_sensitivityMax = 0;

    Drag m_drag = Drag::None;
    int m_dragRow = -1, m_dragBlock = -1, m_stroke = -1;
    int m_dragStartY = 0;
    double m_dragStartBits = 0;
};
