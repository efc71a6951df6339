#include "job_runner.h"

#include <QThreadPool>

#include "core/error.h"
#include "core/feedback.h"

#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <exception>

struct JobRunner::Outcome {
    QVariant value;
    QString error;
    bool canceled = false;
};

struct JobRunner::Job {
    quint64 generation = 0;
    QString title;
    std::shared_ptr<qs::Feedback> feedback;
    QFutureWatcher<Outcome>* watcher = nullptr;
};

namespace {

// Exceptions must not cross into QFuture (it only transports QException), so the worker turns
// every outcome into a value.
QVariant runGuarded(const JobRunner::Work& work, qs::Feedback& feedback, QString& error,
                    bool& canceled) {
    try {
        return work(feedback);
    } catch (const qs::Canceled&) {
        canceled = true;
    } catch (const std::exception& e) {
        error = QString::fromUtf8(e.what());
        if (error.isEmpty()) error = QStringLiteral("unknown error");
    } catch (...) {
        error = QStringLiteral("unknown error");
    }
    return {};
}

} // namespace

JobRunner::JobRunner(QObject* parent, QThreadPool* pool)
    : QObject(parent), m_pool(pool ? pool : QThreadPool::globalInstance()) {}

JobRunner::~JobRunner() {
    for (const auto& job : m_jobs) job->feedback->cancel();
    for (const auto& job : m_jobs) job->watcher->waitForFinished();
}

quint64 JobRunner::start(const QString& title, Work work) {
    if (Job* old = findJob(m_active)) old->feedback->cancel();

    auto job = std::make_unique<Job>();
    const quint64 generation = ++m_lastGeneration;
    job->generation = generation;
    job->title = title;
    job->feedback = std::make_shared<qs::Feedback>();
    // Runs on the worker thread: hop to ours before touching anything.
    job->feedback->setProgressCallback(
        [this, generation](double fraction, const std::string& stage) {
            QMetaObject::invokeMethod(
                this,
                [this, generation, fraction, stage = QString::fromStdString(stage)] {
                    if (generation == m_active) emit progressChanged(fraction, stage);
                },
                Qt::QueuedConnection);
        });
    job->watcher = new QFutureWatcher<Outcome>(this);
    connect(job->watcher, &QFutureWatcherBase::finished, this,
            [this, generation] { onWorkerDone(generation); });
    job->watcher->setFuture(QtConcurrent::run(m_pool, [work = std::move(work), feedback = job->feedback]() {
        Outcome outcome;
        outcome.value = runGuarded(work, *feedback, outcome.error, outcome.canceled);
        return outcome;
    }));
    m_jobs.push_back(std::move(job));
    m_active = generation;

    emit started(generation, title);
    if (!m_announcedRunning) {
        m_announcedRunning = true;
        emit runningChanged(true);
    }
    return generation;
}

void JobRunner::cancel() {
    Job* job = findJob(m_active);
    if (!job) return;
    job->feedback->cancel();
    const quint64 generation = m_active;
    m_active = 0;
    emit canceled(generation);
    announceIfIdle();
}

QString JobRunner::activeTitle() const {
    const Job* job = findJob(m_active);
    return job ? job->title : QString();
}

void JobRunner::waitForWorkers() {
    for (const auto& job : m_jobs) job->watcher->waitForFinished();
}

JobRunner::Job* JobRunner::findJob(quint64 generation) const {
    if (generation == 0) return nullptr;
    auto it = std::find_if(m_jobs.begin(), m_jobs.end(),
                           [&](const auto& job) { return job->generation == generation; });
    return it == m_jobs.end() ? nullptr : it->get();
}

void JobRunner::onWorkerDone(quint64 generation) {
    auto it = std::find_if(m_jobs.begin(), m_jobs.end(),
                           [&](const auto& job) { return job->generation == generation; });
    if (it == m_jobs.end()) return;
    std::unique_ptr<Job> job = std::move(*it);
    m_jobs.erase(it);
    job->watcher->deleteLater();
    if (generation != m_active) return; // superseded or canceled: the result is stale

    const Outcome outcome = job->watcher->result();
    m_active = 0;
    if (outcome.canceled)
        emit canceled(generation);
    else if (!outcome.error.isEmpty())
        emit failed(generation, outcome.error);
    else
        emit finished(generation, outcome.value);
    announceIfIdle();
}

void JobRunner::announceIfIdle() {
    // A finished() handler may already have started the next job.
    if (m_active == 0 && m_announcedRunning) {
        m_announcedRunning = false;
        emit runningChanged(false);
    }
}
