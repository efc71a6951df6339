#include "perplexity_panel.h"

#include "formatting.h"

#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QStackedWidget>
#include <QVBoxLayout>

PerplexityPanel::PerplexityPanel(QWidget* parent)
    : QGroupBox(tr("Perplexity"), parent), m_stack(new QStackedWidget(this)),
      m_placeholder(new QLabel(this)), m_ppl(new QLabel(this)), m_interval(new QLabel(this)),
      m_busyNote(new QLabel(this)) {
    m_placeholder->setObjectName(QStringLiteral("perplexityPlaceholder"));
    m_placeholder->setWordWrap(true);
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setForegroundRole(QPalette::PlaceholderText);

    auto* results = new QWidget(this);
    auto* layout = new QVBoxLayout(results);
    layout->setContentsMargins(0, 0, 0, 0);
    m_ppl->setObjectName(QStringLiteral("pplValue"));
    QFont big = m_ppl->font();
    big.setPointSizeF(big.pointSizeF() * 2.4);
    big.setBold(true);
    m_ppl->setFont(big);
    m_ppl->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_interval->setObjectName(QStringLiteral("pplInterval"));
    auto* headlineRow = new QHBoxLayout;
    headlineRow->addWidget(m_ppl);
    headlineRow->addWidget(m_interval, 1, Qt::AlignBottom | Qt::AlignLeft);
    layout->addLayout(headlineRow);

    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_nll = addRow(form, tr("Mean NLL"));
    m_scored = addRow(form, tr("Scored tokens"));
    m_throughput = addRow(form, tr("Throughput"));
    m_protocol = addRow(form, tr("Protocol"));
    m_context = addRow(form, tr("Context"));
    m_text = addRow(form, tr("Text"));
    layout->addLayout(form);
    m_busyNote->setForegroundRole(QPalette::PlaceholderText);
    m_busyNote->setWordWrap(true);
    m_busyNote->hide();
    layout->addWidget(m_busyNote);
    layout->addStretch(1);

    m_stack->addWidget(m_placeholder);
    m_stack->addWidget(results);
    auto* outer = new QVBoxLayout(this);
    outer->addWidget(m_stack);
    setReport({});
}

QLabel* PerplexityPanel::addRow(QFormLayout* form, const QString& label) {
    auto* value = new QLabel(this);
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(label + QLatin1Char(':'), value);
    return value;
}

QString PerplexityPanel::headline() const {
    return m_report.isValid() ? m_ppl->text() : QString();
}

void PerplexityPanel::setReport(const PerplexityReport& report) {
    m_report = report;
    m_busyNote->setVisible(!m_runningJob.isEmpty() && report.isValid());
    updatePlaceholder();
    if (!report.isValid()) {
        m_stack->setCurrentWidget(m_placeholder);
        return;
    }
    const QLocale locale = displayLocale();
    const auto fixed = [&](double v, int decimals) { return locale.toString(v, 'f', decimals); };
    m_ppl->setText(fixed(report.ppl, 4));
    m_interval->setText(
        tr("95% CI %1 – %2").arg(fixed(report.pplLow, 4), fixed(report.pplHigh, 4)));
    m_nll->setText(
        tr("%1 ± %2 nats/token").arg(fixed(report.meanNll, 5), fixed(report.nllStdError, 5)));
    m_scored->setText(
        tr("%1 in %2")
            .arg(formatCount(quint64(report.scoredTokens)),
                 formatQuantity(quint64(report.windows), tr("window"), tr("windows"))));
    m_scored->setToolTip(tr("%1 tokens processed, %2 tokens in the text read")
                             .arg(formatCount(quint64(report.processedTokens)),
                                  formatCount(quint64(report.textTokens))));
    m_throughput->setText(
        tr("%1 tokens/s (%2 s)")
            .arg(formatCount(quint64(report.tokensPerSecond + 0.5)), fixed(report.seconds, 2)));
    m_throughput->setToolTip(
        tr("Prompt evaluation rate; tokenizing took %1 s").arg(fixed(report.tokenizeSeconds, 2)));
    m_protocol->setText(report.protocol == QLatin1String("half")
                            ? tr("half (llama.cpp: second half of each window scored)")
                            : tr("full (every prediction in each window scored)"));
    m_context->setText(tr("%1 tokens").arg(report.ctx));
    m_text->setText(QFileInfo(report.textPath).fileName());
    m_text->setToolTip(report.textPath);
    m_stack->setCurrentIndex(1);
}

void PerplexityPanel::setRunningJob(const QString& title) {
    m_runningJob = title;
    m_busyNote->setText(tr("%1… (the values above are from the previous run)").arg(title));
    m_busyNote->setVisible(!title.isEmpty() && m_report.isValid());
    updatePlaceholder();
}

void PerplexityPanel::updatePlaceholder() {
    m_placeholder->setText(m_runningJob.isEmpty()
                               ? tr("No perplexity yet.\nOpen a model and a text (File menu, or "
                                    "drop them on the window) to evaluate.")
                               : m_runningJob + QStringLiteral("…"));
}
