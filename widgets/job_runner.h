#pragma once
// Runs one long engine job at a time on QThreadPool::globalInstance() and reports back on the
// GUI thread. The GUI thread only starts jobs and receives signals; it never waits for them.
//
//   auto* runner = new JobRunner(this);
//   connect(runner, &JobRunner::finished, this, [](quint64 generation, const QVariant& v) {...});
//   connect(runner, &JobRunner::progressChanged, bar, [](double f, const QString& stage) {...});
//   quint64 gen = runner->start(tr("Loading"), [path](qs::Feedback& fb) {
//       return QVariant::fromValue(loadSomething(path, &fb));   // runs on a worker thread
//   });
//   runner->cancel();   // cooperative: the worker stops at its next Feedback check
//
// Every job gets a generation id. Starting a new job supersedes the running one and cancel()
// abandons it: in both cases the old worker is told to stop through its qs::Feedback and
// whatever it still delivers is dropped, so a late result can never overwrite newer state.
// A superseded job is dropped silently; only cancel() emits canceled().
//
// The work function must not touch GUI objects. Its exceptions become failed(what()); a
// qs::Canceled it throws becomes canceled(). Progress reported through the Feedback (already
// throttled to one callback per 50 ms) is queued to the GUI thread as progressChanged().

#include <QObject>
#include <QString>
#include <QVariant>

#include <functional>
#include <memory>
#include <vector>

class QThreadPool;

namespace qs {
class Feedback;
}

class JobRunner : public QObject {
    Q_OBJECT

public:
    using Work = std::function<QVariant(qs::Feedback& feedback)>;

    // `pool` (not owned; default: QThreadPool::globalInstance()) lets background analysis run on
    // a pool of its own so it never starves the jobs the user is waiting for.
    explicit JobRunner(QObject* parent = nullptr, QThreadPool* pool = nullptr);
    // Cancels every job still running and waits for the workers to notice (they check their
    // Feedback often), because their progress callbacks point at this object.
    ~JobRunner() override;

    // Returns the new job's generation id (never 0).
    quint64 start(const QString& title, Work work);
    void cancel();

    bool isRunning() const { return m_active != 0; }
    quint64 activeGeneration() const { return m_active; }
    QString activeTitle() const;

    // Blocks until every worker, also abandoned ones, has returned. Tests and shutdown only.
    void waitForWorkers();

signals:
    void started(quint64 generation, const QString& title);
    // fraction in [0, 1], or negative while the job cannot tell how far it got.
    void progressChanged(double fraction, const QString& stage);
    void finished(quint64 generation, const QVariant& result);
    void failed(quint64 generation, const QString& message);
    void canceled(quint64 generation);
    // Stays true across a job that starts another from its finished() handler.
    void runningChanged(bool running);

private:
    struct Outcome;
    struct Job;

    Job* findJob(quint64 generation) const;
    void onWorkerDone(quint64 generation);
    void announceIfIdle();

    QThreadPool* m_pool;
    std::vector<std::unique_ptr<Job>> m_jobs; // every worker not yet collected, active or not
    quint64 m_active = 0;
    quint64 m_lastGeneration = 0;
    bool m_announcedRunning = false;
};
