#include "generation_preview.h"

#include <QAbstractTextDocumentLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTextBrowser>
#include <QTextDocument>
#include <QVBoxLayout>

GenerationPreview::GenerationPreview(QWidget* parent)
    : FigureWidget(parent), m_comparer(new GenerationComparer(this)), m_prompt(new QLineEdit(this)),
      m_maxTokens(new QSpinBox(this)), m_generate(new QPushButton(tr("Generate"), this)),
      m_stop(new QPushButton(tr("Stop"), this)), m_progress(new QProgressBar(this)),
      m_status(new QLabel(this)), m_currentTitle(new QLabel(tr("Current configuration"), this)),
      m_reference(new QTextBrowser(this)), m_current(new QTextBrowser(this)) {
    setWindowTitle(tr("Generation preview"));
    m_prompt->setObjectName(QStringLiteral("generationPrompt"));
    m_prompt->setText(QStringLiteral("Once upon a time"));
    m_prompt->setPlaceholderText(tr("Prompt"));
    m_maxTokens->setRange(1, 2048);
    m_maxTokens->setValue(64);
    m_maxTokens->setSuffix(tr(" tokens"));
    m_maxTokens->setToolTip(tr("Tokens to generate (greedy)"));
    m_generate->setObjectName(QStringLiteral("generateButton"));
    m_stop->setObjectName(QStringLiteral("stopButton"));
    m_stop->setEnabled(false);
    m_progress->setRange(0, 1000);
    m_progress->setTextVisible(false);
    m_progress->setMaximumWidth(120);
    m_progress->hide();
    m_status->setObjectName(QStringLiteral("generationStatus"));
    m_status->setWordWrap(true);
    m_reference->setObjectName(QStringLiteral("referenceText"));
    m_current->setObjectName(QStringLiteral("currentText"));
    m_reference->setPlaceholderText(tr("Full-precision continuation"));
    m_current->setPlaceholderText(tr("Continuation by the current configuration"));

    auto* top = new QHBoxLayout;
    top->addWidget(m_prompt, 1);
    top->addWidget(m_maxTokens);
    top->addWidget(m_generate);
    top->addWidget(m_stop);
    top->addWidget(m_progress);
    auto* columns = new QGridLayout;
    auto* fpTitle = new QLabel(tr("Full precision (f32)"), this);
    QFont bold = fpTitle->font();
    bold.setBold(true);
    fpTitle->setFont(bold);
    m_currentTitle->setFont(bold);
    columns->addWidget(fpTitle, 0, 0);
    columns->addWidget(m_currentTitle, 0, 1);
    columns->addWidget(m_reference, 1, 0);
    columns->addWidget(m_current, 1, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_status);
    layout->addLayout(columns, 1);

    connect(m_prompt, &QLineEdit::returnPressed, this, &GenerationPreview::generate);
    connect(m_generate, &QPushButton::clicked, this, &GenerationPreview::generate);
    connect(m_stop, &QPushButton::clicked, this, &GenerationPreview::cancel);
    connect(m_comparer, &GenerationComparer::progressChanged, this,
            [this](double f, const QString&) { m_progress->setValue(f < 0 ? 0 : int(f * 1000)); });
    connect(m_comparer, &GenerationComparer::finished, this,
            [this](quint64 generation, const GenerationComparison& c) {
                if (generation != m_generation) return;
                setRunning(false);
                show(c);
            });
    connect(m_comparer, &GenerationComparer::failed, this,
            [this](quint64 generation, const QString& message) {
                if (generation != m_generation && generation != 0) return;
                setRunning(false);
                m_status->setText(tr("Generation failed: %1").arg(message));
            });
    connect(m_comparer, &GenerationComparer::canceled, this, [this](quint64 generation) {
        if (generation != m_generation) return;
        setRunning(false);
        m_status->setText(tr("Generation stopped."));
    });
    m_status->setText(tr("Enter a prompt and press Generate to compare continuations."));
}

void GenerationPreview::setModel(std::shared_ptr<const qs::Model> model) {
    m_comparer->setModel(std::move(model));
}

void GenerationPreview::setConfiguration(const qs::QuantConfig& config, const QString& label) {
    m_comparer->setConfiguration(config, label);
    m_currentTitle->setText(label.isEmpty() ? tr("Current configuration")
                                            : tr("Current configuration: %1").arg(label));
}

void GenerationPreview::setPrompt(const QString& prompt) {
    m_prompt->setText(prompt);
}
QString GenerationPreview::prompt() const {
    return m_prompt->text();
}
void GenerationPreview::setMaxNewTokens(int n) {
    m_maxTokens->setValue(n);
}
bool GenerationPreview::isRunning() const {
    return m_comparer->isRunning();
}
QString GenerationPreview::referenceHtml() const {
    return m_reference->toHtml();
}
QString GenerationPreview::currentHtml() const {
    return m_current->toHtml();
}
QString GenerationPreview::statusText() const {
    return m_status->text();
}

void GenerationPreview::generate() {
    m_generation = m_comparer->start(m_prompt->text(), m_maxTokens->value());
    if (m_generation == 0) return;
    setRunning(true);
    m_status->setText(tr("Generating…"));
}

void GenerationPreview::cancel() {
    m_comparer->cancel();
}

void GenerationPreview::setRunning(bool running) {
    m_stop->setEnabled(running);
    m_progress->setVisible(running);
    m_progress->setValue(0);
}

void GenerationPreview::show(const GenerationComparison& c) {
    m_comparison = c;
    m_hasComparison = true;
    const QColor hl = palette().color(QPalette::Highlight);
    const QColor hlText = palette().color(QPalette::HighlightedText);
    const QColor muted = palette().color(QPalette::PlaceholderText);
    m_reference->setHtml(
        continuationHtml(c.promptBytes, c.reference, c.firstDivergence, hl, hlText, muted));
    m_current->setHtml(
        continuationHtml(c.promptBytes, c.current, c.firstDivergence, hl, hlText, muted));
    if (c.identical()) {
        m_status->setText(
            tr("Identical continuations: %1 generated tokens.").arg(c.reference.ids.size()));
    } else {
        const auto piece = [&](const GeneratedSequence& s) {
            return c.firstDivergence < s.pieces.size()
                       ? QStringLiteral("“%1”").arg(QString::fromUtf8(s.pieces[c.firstDivergence]))
                       : tr("(end)");
        };
        m_status->setText(
            tr("The continuations diverge at generated token %1: %2 (FP) vs %3 (current).")
                .arg(c.firstDivergence + 1)
                .arg(piece(c.reference), piece(c.current)));
    }
    emit comparisonReady(c);
}

void GenerationPreview::renderFigure(QPainter* painter, const QRectF& target) {
    painter->save();
    const QRectF inner = target.adjusted(12, 10, -12, -10);
    QFont f = font();
    const qreal line = QFontMetricsF(f).height();
    painter->setPen(Qt::black);
    QFont titleFont = f;
    titleFont.setBold(true);
    titleFont.setPointSizeF(f.pointSizeF() * 1.15);
    painter->setFont(titleFont);
    painter->drawText(
        QRectF(inner.left(), inner.top(), inner.width(), line * 1.5), Qt::AlignLeft,
        tr("Greedy continuation of “%1”")
            .arg(m_comparison.prompt.isEmpty() ? m_prompt->text() : m_comparison.prompt));
    painter->setFont(f);
    painter->drawText(QRectF(inner.left(), inner.top() + line * 1.5, inner.width(), line * 1.5),
                      Qt::AlignLeft, m_status->text());
    const qreal top = inner.top() + line * 3.4;
    const qreal gap = 16;
    const qreal w = (inner.width() - gap) / 2;
    const QString titles[2] = {tr("Full precision (f32)"), m_currentTitle->text()};
    const QString html[2] = {m_hasComparison ? m_reference->toHtml() : QString(),
                             m_hasComparison ? m_current->toHtml() : QString()};
    for (int i = 0; i < 2; ++i) {
        const QRectF col(inner.left() + i * (w + gap), top, w, inner.bottom() - top);
        QFont bold = f;
        bold.setBold(true);
        painter->setFont(bold);
        painter->drawText(QRectF(col.left(), col.top(), col.width(), line * 1.4), Qt::AlignLeft,
                          titles[i]);
        painter->setFont(f);
        const QRectF box = col.adjusted(0, line * 1.5, 0, 0);
        painter->setPen(QColor(0xc0, 0xc0, 0xc0));
        painter->drawRect(box);
        QTextDocument doc;
        doc.setDefaultFont(f);
        doc.setHtml(html[i].isEmpty() ? tr("<i>not generated yet</i>") : html[i]);
        doc.setTextWidth(box.width() - 12);
        painter->save();
        painter->translate(box.topLeft() + QPointF(6, 6));
        QAbstractTextDocumentLayout::PaintContext ctx;
        ctx.clip = QRectF(0, 0, box.width() - 12, box.height() - 12);
        painter->setClipRect(ctx.clip);
        doc.documentLayout()->draw(painter, ctx);
        painter->restore();
        painter->setPen(Qt::black);
    }
    painter->restore();
}
