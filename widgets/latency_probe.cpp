#include "latency_probe.h"

#include <algorithm>

#if defined(Q_OS_UNIX)
#include <time.h>
#endif

namespace {

qint64 threadCpuNs() {
#if defined(Q_OS_UNIX) && defined(CLOCK_THREAD_CPUTIME_ID)
    timespec ts{};
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
        return qint64(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
#endif
    return 0;
}

} // namespace

LatencyProbe::LatencyProbe(QObject* parent) : QObject(parent) {
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &LatencyProbe::tick);
}

void LatencyProbe::start(int intervalMs) {
    reset();
    m_intervalNs = qint64(intervalMs) * 1'000'000;
    m_clock.start();
    m_last = 0;
    m_timer.start(intervalMs);
}

void LatencyProbe::stop() {
    m_timer.stop();
}

void LatencyProbe::reset() {
    m_maxLateNs = 0;
    m_maxBusyNs = 0;
    m_lastCpu = threadCpuNs();
    m_sumLateNs = 0;
    m_ticks = 0;
    m_last = m_clock.isValid() ? m_clock.nsecsElapsed() : 0;
}

void LatencyProbe::tick() {
    const qint64 now = m_clock.nsecsElapsed();
    // Lateness relative to the previous tick: a gap of interval + x means the loop could not
    // serve the timer for x.
    const qint64 late = std::max<qint64>(0, now - m_last - m_intervalNs);
    m_last = now;
    const qint64 cpu = threadCpuNs();
    m_maxBusyNs = std::max(m_maxBusyNs, cpu - m_lastCpu);
    m_lastCpu = cpu;
    m_maxLateNs = std::max(m_maxLateNs, late);
    m_sumLateNs += double(late);
    ++m_ticks;
}
