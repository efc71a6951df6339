#include "background_priority.h"

#include <tbb/task_scheduler_observer.h>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <memory>
#include <mutex>

namespace {

class PriorityObserver : public tbb::task_scheduler_observer {
public:
    explicit PriorityObserver(int increment) : m_increment(increment) { observe(true); }

    void on_scheduler_entry(bool) override {
        // Linux applies nice values per thread (a tid is a valid PRIO_PROCESS target).
        thread_local bool lowered = false;
        const pid_t tid = pid_t(syscall(SYS_gettid));
        if (lowered || tid == getpid()) return; // the main thread is the GUI thread
        lowered = true;
        const int current = getpriority(PRIO_PROCESS, id_t(tid));
        setpriority(PRIO_PROCESS, id_t(tid), current + m_increment);
    }

private:
    int m_increment;
};

} // namespace

void BackgroundPriority::install(int niceIncrement) {
    static std::once_flag once;
    static std::unique_ptr<PriorityObserver> observer;
    std::call_once(once, [&] { observer = std::make_unique<PriorityObserver>(niceIncrement); });
}
