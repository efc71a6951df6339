#include "eval/eval_scheduler.h"

#include "core/error.h"
#include "core/feedback.h"

namespace qs {

EvaluationScheduler::EvaluationScheduler(std::shared_ptr<IncrementalEvaluator> evaluator)
    : m_evaluator(std::move(evaluator)), m_worker([this] { run(); }) {}

EvaluationScheduler::~EvaluationScheduler() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
        m_pending.reset();
        if (m_running) m_running->cancel();
    }
    m_wake.notify_all();
    m_worker.join();
}

void EvaluationScheduler::setListeners(UpdateListener onUpdate, ErrorListener onError) {
    std::lock_guard lock(m_mutex);
    m_onUpdate = std::move(onUpdate);
    m_onError = std::move(onError);
}

uint64_t EvaluationScheduler::submit(QuantConfig config) {
    uint64_t gen;
    {
        std::lock_guard lock(m_mutex);
        gen = ++m_generation;
        m_pending.emplace(gen, std::move(config));
        if (m_running) m_running->cancel();
    }
    m_wake.notify_all();
    return gen;
}

void EvaluationScheduler::cancel() {
    std::lock_guard lock(m_mutex);
    ++m_generation; // nothing older may be delivered
    m_pending.reset();
    if (m_running) m_running->cancel();
}

uint64_t EvaluationScheduler::latestGeneration() const {
    std::lock_guard lock(m_mutex);
    return m_generation;
}

void EvaluationScheduler::waitIdle() {
    std::unique_lock lock(m_mutex);
    m_idle.wait(lock, [&] { return !m_busy && !m_pending; });
}

void EvaluationScheduler::run() {
    for (;;) {
        std::pair<uint64_t, QuantConfig> request;
        auto feedback = std::make_shared<Feedback>();
        {
            std::unique_lock lock(m_mutex);
            m_busy = false;
            m_idle.notify_all();
            m_wake.wait(lock, [&] { return m_stop || m_pending; });
            if (m_stop) return;
            request = std::move(*m_pending);
            m_pending.reset();
            m_running = feedback;
            m_busy = true;
        }
        const uint64_t gen = request.first;
        auto deliver = [&](const EvalResult& r, bool final) {
            std::lock_guard lock(m_mutex);
            if (gen == m_generation && !feedback->isCanceled() && m_onUpdate)
                m_onUpdate({gen, r, final});
        };
        try {
            if (!m_evaluator->hasReference()) m_evaluator->buildReference(feedback.get());
            const EvalResult final =
                m_evaluator->evaluate(request.second, feedback.get(), [&](const EvalResult& r) {
                    if (!r.exact()) deliver(r, false);
                });
            deliver(final, true);
        } catch (const Canceled&) {
        } catch (const std::exception& e) {
            std::lock_guard lock(m_mutex);
            if (gen == m_generation && m_onError) m_onError(gen, e.what());
        }
        std::lock_guard lock(m_mutex);
        m_running.reset();
    }
}

} // namespace qs
