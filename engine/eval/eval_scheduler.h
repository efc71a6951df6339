#pragma once
// Runs evaluations of an IncrementalEvaluator on a worker thread, newest request first: a new
// submit() cancels the running evaluation (between blocks/windows) and supersedes any queued one.
// Every update carries the generation id of its request, and is delivered only while that
// request is still the newest — a stale configuration's result is never published as current.
// Listeners run on the worker thread (under the scheduler's lock, so keep them short: post the
// value to your own thread and return).
//
//   qs::EvaluationScheduler sched(evaluator);
//   sched.setListeners([](const qs::EvaluationScheduler::Update& u) { post(u); },
//                      [](uint64_t gen, const std::string& err) { ... });
//   uint64_t gen = sched.submit(config);

#include "eval/incremental_evaluator.h"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace qs {

class EvaluationScheduler {
public:
    struct Update {
        uint64_t generation = 0;
        EvalResult result;
        bool final = false;
    };
    using UpdateListener = std::function<void(const Update&)>;
    using ErrorListener = std::function<void(uint64_t generation, const std::string& message)>;

    explicit EvaluationScheduler(std::shared_ptr<IncrementalEvaluator> evaluator);
    ~EvaluationScheduler(); // cancels the running evaluation and joins the worker

    void setListeners(UpdateListener onUpdate, ErrorListener onError);
    // Queues `config` as the newest request; returns its generation id (1, 2, ...).
    uint64_t submit(QuantConfig config);
    // Cancels the running and queued requests (their results are never delivered).
    void cancel();
    uint64_t latestGeneration() const;
    // Blocks until no request is running or queued (tests, CLI).
    void waitIdle();

private:
    void run();

    std::shared_ptr<IncrementalEvaluator> m_evaluator;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake, m_idle;
    std::optional<std::pair<uint64_t, QuantConfig>> m_pending;
    std::shared_ptr<Feedback> m_running;
    uint64_t m_generation = 0;
    bool m_busy = false, m_stop = false;
    UpdateListener m_onUpdate;
    ErrorListener m_onError;
    std::thread m_worker;
};

} // namespace qs
