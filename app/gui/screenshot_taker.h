#pragma once
// Implements `quantscope --screenshot PNG`: once the session has no job left (nor the live
// evaluation, when watched), saves a grab of
// the window and quits the application with exit code 0, or 1 when an error was reported (the
// screenshot then shows it), or 2 when the PNG cannot be written or nothing settles in time.

#include <QObject>
#include <QString>

class LiveEditing;
class QWidget;
class WorkbenchSession;

class ScreenshotTaker : public QObject {
    Q_OBJECT

public:
    ScreenshotTaker(QWidget* window, WorkbenchSession* session, const QString& path,
                    QObject* parent = nullptr);
    // Also wait for the live evaluation (reference pass and the current configuration).
    void watch(LiveEditing* live);
    // Call after the session's first jobs were started.
    void arm(int timeoutMs = 10 * 60 * 1000);

private:
    bool isBusy() const;
    void shootSoon();
    void shoot();

    QWidget* m_window;
    WorkbenchSession* m_session;
    LiveEditing* m_live = nullptr;
    QString m_path;
    bool m_hadError = false;
    bool m_scheduled = false;
};
