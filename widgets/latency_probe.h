#pragma once
// Measures how responsive the GUI thread is: a precise timer asks to fire every `interval` ms
// and records how late each tick arrives. A late tick means the event loop was busy (or
// blocked) for that long; maxStallMs() is the longest such stall since start().
//
//   LatencyProbe probe;
//   probe.start();
//   ... drive the UI ...
//   qInfo("max GUI stall %.1f ms over %d ticks", probe.maxStallMs(), probe.ticks());
//
// A wall-clock stall has two causes: the GUI thread worked (or waited) too long, or the OS gave
// the CPU to other threads (a loaded machine). maxBusyMs() separates them: the most CPU time the
// GUI thread itself consumed between two ticks (POSIX thread CPU clock; 0 where unavailable).

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

class LatencyProbe : public QObject {
    Q_OBJECT

public:
    explicit LatencyProbe(QObject* parent = nullptr);

    void start(int intervalMs = 5);
    void stop();
    void reset();

    double maxStallMs() const { return m_maxLateNs / 1e6; }
    double maxBusyMs() const { return m_maxBusyNs / 1e6; }
    double meanLatenessMs() const { return m_ticks ? m_sumLateNs / 1e6 / m_ticks : 0.0; }
    int ticks() const { return m_ticks; }

private:
    void tick();

    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    qint64 m_intervalNs = 5'000'000;
    qint64 m_maxLateNs = 0;
    qint64 m_lastCpu = 0;
    qint64 m_maxBusyNs = 0;
    double m_sumLateNs = 0;
    int m_ticks = 0;
};
