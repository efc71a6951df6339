#include "screenshot_taker.h"

#include "live_editing.h"
#include "workbench_session.h"

#include <QCoreApplication>
#include <QPixmap>
#include <QTimer>
#include <QWidget>

#include <cstdio>

ScreenshotTaker::ScreenshotTaker(QWidget* window, WorkbenchSession* session, const QString& path,
                                 QObject* parent)
    : QObject(parent), m_window(window), m_session(session), m_path(path) {
    connect(session, &WorkbenchSession::errorOccurred, this, [this] { m_hadError = true; });
}

void ScreenshotTaker::watch(LiveEditing* live) {
    m_live = live;
    connect(live, &LiveEditing::errorOccurred, this, [this] { m_hadError = true; });
}

bool ScreenshotTaker::isBusy() const {
    return m_session->isBusy() || (m_live && m_live->isBusy());
}

void ScreenshotTaker::arm(int timeoutMs) {
    connect(m_session, &WorkbenchSession::busyChanged, this, [this] {
        if (!isBusy()) shootSoon();
    });
    if (m_live)
        connect(m_live, &LiveEditing::busyChanged, this, [this] {
            if (!isBusy()) shootSoon();
        });
    if (!isBusy()) shootSoon();
    QTimer::singleShot(timeoutMs, this, [this] {
        std::fprintf(stderr, "quantscope: nothing settled in time; no screenshot\n");
        QCoreApplication::exit(2);
    });
}

void ScreenshotTaker::shootSoon() {
    if (m_scheduled) return;
    m_scheduled = true;
    // Let the panels lay out the final values before grabbing.
    QTimer::singleShot(300, this, &ScreenshotTaker::shoot);
}

void ScreenshotTaker::shoot() {
    if (isBusy()) { // something started during the grace period: wait for it
        m_scheduled = false;
        return;
    }
    if (!m_window->grab().save(m_path, "PNG")) {
        std::fprintf(stderr, "quantscope: %s: cannot write the screenshot\n", qPrintable(m_path));
        QCoreApplication::exit(2);
        return;
    }
    std::printf("%s\n", qPrintable(m_path));
    QCoreApplication::exit(m_hadError ? 1 : 0);
}
