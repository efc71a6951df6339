#pragma once
// Implements `quantscope --screenshot PNG`: once the session has no job left, saves a grab of
// the window and quits the application with exit code 0, or 1 when an error was reported (the
// screenshot then shows it), or 2 when the PNG cannot be written or nothing settles in time.

#include <QObject>
#include <QString>

class QWidget;
class WorkbenchSession;

class ScreenshotTaker : public QObject {
    Q_OBJECT

public:
    ScreenshotTaker(QWidget* window, WorkbenchSession* session, const QString& path,
                    QObject* parent = nullptr);
    // Call after the session's first jobs were started.
    void arm(int timeoutMs = 10 * 60 * 1000);

private:
    void shootSoon();
    void shoot();

    QWidget* m_window;
    WorkbenchSession* m_session;
    QString m_path;
    bool m_hadError = false;
    bool m_scheduled = false;
};
