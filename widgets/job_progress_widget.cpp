#include "job_progress_widget.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QToolButton>

JobProgressWidget::JobProgressWidget(QWidget* parent)
    : QWidget(parent), m_label(new QLabel(this)), m_bar(new QProgressBar(this)),
      m_cancel(new QToolButton(this)) {
    m_bar->setObjectName(QStringLiteral("jobProgressBar"));
    m_bar->setRange(0, 1000);
    m_bar->setFormat(QStringLiteral("%p%"));
    m_bar->setFixedWidth(180);
    m_cancel->setObjectName(QStringLiteral("jobCancelButton"));
    m_cancel->setText(tr("Cancel"));
    m_cancel->setToolTip(tr("Stop the running job; the current results stay"));
    connect(m_cancel, &QToolButton::clicked, this, &JobProgressWidget::cancelRequested);

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_label);
    layout->addWidget(m_bar);
    layout->addWidget(m_cancel);
    setVisible(false);
}

void JobProgressWidget::setBusy(bool busy) {
    setVisible(busy);
    if (busy)
        setProgress(-1, {});
    else
        setTitle({});
}

void JobProgressWidget::setTitle(const QString& title) {
    m_title = title;
    m_label->setText(title);
}

void JobProgressWidget::setProgress(double fraction, const QString& stage) {
    m_label->setText(stage.isEmpty() ? m_title : m_title + QStringLiteral(" — ") + stage);
    if (fraction < 0) {
        m_bar->setRange(0, 0);
    } else {
        m_bar->setRange(0, 1000);
        m_bar->setValue(int(qBound(0.0, fraction, 1.0) * 1000 + 0.5));
    }
}
