#pragma once
// Progress reporting and cooperative cancellation for long engine work (QGIS QgsFeedback style).
// The worker calls setProgress() as often as it likes; the callback fires at most every
// `minInterval` and on completion, so a GUI is never flooded. Cancellation is checked by the
// worker between blocks/windows with throwIfCanceled().
//
//   qs::Feedback fb;
//   fb.setProgressCallback([](double f, const std::string& what) { ... });
//   runEvaluation(..., &fb);          // on a worker thread
//   fb.cancel();                      // from any thread

#include "core/error.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>

namespace qs {

class Feedback {
public:
    using ProgressCallback = std::function<void(double fraction, const std::string& stage)>;

    void
    setProgressCallback(ProgressCallback cb,
                        std::chrono::milliseconds minInterval = std::chrono::milliseconds(50)) {
        std::lock_guard lock(m_mutex);
        m_callback = std::move(cb);
        m_minInterval = minInterval;
    }

    // Thread-safe; fraction in [0, 1]. Throttled except for fraction >= 1.
    void setProgress(double fraction, const std::string& stage = {}) {
        std::lock_guard lock(m_mutex);
        m_progress = fraction;
        if (!m_callback) return;
        auto now = std::chrono::steady_clock::now();
        if (fraction < 1.0 && m_reported && now - m_lastReport < m_minInterval) return;
        m_lastReport = now;
        m_reported = true;
        m_callback(fraction, stage);
    }

    double progress() const {
        std::lock_guard lock(m_mutex);
        return m_progress;
    }

    void cancel() { m_canceled.store(true, std::memory_order_relaxed); }
    bool isCanceled() const { return m_canceled.load(std::memory_order_relaxed); }
    void throwIfCanceled() const {
        if (isCanceled()) throw Canceled();
    }

private:
    mutable std::mutex m_mutex;
    ProgressCallback m_callback;
    std::chrono::milliseconds m_minInterval{50};
    std::chrono::steady_clock::time_point m_lastReport{};
    bool m_reported = false; // the first report always goes through
    double m_progress = 0.0;
    std::atomic<bool> m_canceled{false};
};

// Null-safe helpers so engine code can take an optional Feedback*.
inline void checkCanceled(const Feedback* fb) {
    if (fb) fb->throwIfCanceled();
}
inline void reportProgress(Feedback* fb, double fraction, const std::string& stage = {}) {
    if (fb) fb->setProgress(fraction, stage);
}

} // namespace qs
