#pragma once
// A dismissible, non-modal message strip for errors ("Could not open the model: <file>:
// <reason>"). Unlike a modal dialog it never blocks the window or a running job, and the
// session stays usable while it is shown.
//
//   connect(session, &WorkbenchSession::errorOccurred, bar, &MessageBar::showError);

#include <QFrame>

class QLabel;

class MessageBar : public QFrame {
    Q_OBJECT

public:
    explicit MessageBar(QWidget* parent = nullptr);
    QString text() const;

public slots:
    void showError(const QString& message);
    void dismiss();

private:
    QLabel* m_icon;
    QLabel* m_text;
};
