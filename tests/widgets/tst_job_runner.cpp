// JobRunner: results, failures, cancellation, stale results and thread marshalling, with
// synthetic work functions (no model needed).

#include "job_runner.h"

#include "core/error.h"
#include "core/feedback.h"

#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <atomic>
#include <chrono>
#include <thread>

using namespace std::chrono_literals;

namespace {

// Spins until canceled, as an engine loop would between windows.
QVariant untilCanceled(qs::Feedback& feedback) {
    for (;;) {
        feedback.throwIfCanceled();
        std::this_thread::sleep_for(1ms);
    }
}

} // namespace

class TestJobRunner : public QObject {
    Q_OBJECT

private slots:
    void finishedDeliversValue() {
        JobRunner runner;
        QSignalSpy finished(&runner, &JobRunner::finished);
        QSignalSpy running(&runner, &JobRunner::runningChanged);
        const quint64 gen =
            runner.start(QStringLiteral("answer"), [](qs::Feedback&) { return QVariant(42); });
        QVERIFY(gen != 0);
        QVERIFY(runner.isRunning());
        QCOMPARE(runner.activeTitle(), QStringLiteral("answer"));
        QTRY_COMPARE(finished.count(), 1);
        QCOMPARE(finished.at(0).at(0).toULongLong(), gen);
        QCOMPARE(finished.at(0).at(1).value<QVariant>().toInt(), 42);
        QVERIFY(!runner.isRunning());
        QCOMPARE(running.count(), 2);
        QCOMPARE(running.at(0).at(0).toBool(), true);
        QCOMPARE(running.at(1).at(0).toBool(), false);
    }

    void exceptionsBecomeFailed_data() {
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("message");
        QTest::newRow("file error") << 0 << QStringLiteral("/tmp/x.bin: bad magic");
        QTest::newRow("engine error") << 1 << QStringLiteral("text too short");
        QTest::newRow("std exception") << 2 << QStringLiteral("boom");
    }
    void exceptionsBecomeFailed() {
        QFETCH(int, kind);
        QFETCH(QString, message);
        JobRunner runner;
        QSignalSpy failed(&runner, &JobRunner::failed);
        QSignalSpy finished(&runner, &JobRunner::finished);
        runner.start(QStringLiteral("fail"), [kind](qs::Feedback&) -> QVariant {
            if (kind == 0) throw qs::FileError("/tmp/x.bin", "bad magic");
            if (kind == 1) throw qs::Error("text too short");
            throw std::runtime_error("boom");
        });
        QTRY_COMPARE(failed.count(), 1);
        QCOMPARE(failed.at(0).at(1).toString(), message);
        QCOMPARE(finished.count(), 0);
    }

    void progressArrivesOnGuiThread() {
        JobRunner runner;
        QList<double> fractions;
        bool onGuiThread = true;
        connect(&runner, &JobRunner::progressChanged, this, [&](double f, const QString& stage) {
            onGuiThread = onGuiThread && QThread::currentThread() == thread();
            QCOMPARE(stage, QStringLiteral("working"));
            fractions << f;
        });
        QSignalSpy finished(&runner, &JobRunner::finished);
        runner.start(QStringLiteral("progress"), [](qs::Feedback& fb) {
            for (int i = 1; i <= 4; ++i) {
                std::this_thread::sleep_for(70ms); // longer than the 50 ms throttle
                fb.setProgress(i / 4.0, "working");
            }
            return QVariant();
        });
        QTRY_COMPARE(finished.count(), 1);
        QVERIFY(onGuiThread);
        QVERIFY(fractions.size() >= 2);
        QCOMPARE(fractions.last(), 1.0);
    }

    void cancelStopsWorkerAndDropsResult() {
        JobRunner runner;
        QSignalSpy canceled(&runner, &JobRunner::canceled);
        QSignalSpy finished(&runner, &JobRunner::finished);
        QSignalSpy failed(&runner, &JobRunner::failed);
        std::atomic<bool> stopped{false};
        const quint64 gen = runner.start(QStringLiteral("spin"), [&](qs::Feedback& fb) {
            try {
                return untilCanceled(fb);
            } catch (const qs::Canceled&) {
                stopped = true;
                throw;
            }
        });
        QTest::qWait(20);
        runner.cancel();
        // Canceled at once: the GUI does not wait for the worker to notice.
        QCOMPARE(canceled.count(), 1);
        QCOMPARE(canceled.at(0).at(0).toULongLong(), gen);
        QVERIFY(!runner.isRunning());
        QTRY_VERIFY(stopped.load());
        QTest::qWait(50);
        QCOMPARE(finished.count(), 0);
        QCOMPARE(failed.count(), 0);
        QCOMPARE(canceled.count(), 1);
    }

    void supersededResultIsDropped() {
        JobRunner runner;
        QSignalSpy finished(&runner, &JobRunner::finished);
        QSignalSpy canceled(&runner, &JobRunner::canceled);
        QSignalSpy running(&runner, &JobRunner::runningChanged);
        // The first job ignores cancellation and still delivers a value: it must be dropped.
        runner.start(QStringLiteral("old"), [](qs::Feedback&) {
            std::this_thread::sleep_for(150ms);
            return QVariant(1);
        });
        const quint64 second =
            runner.start(QStringLiteral("new"), [](qs::Feedback&) { return QVariant(2); });
        QTRY_COMPARE(finished.count(), 1);
        QCOMPARE(finished.at(0).at(0).toULongLong(), second);
        QCOMPARE(finished.at(0).at(1).value<QVariant>().toInt(), 2);
        runner.waitForWorkers();
        QTest::qWait(50);
        QCOMPARE(finished.count(), 1);
        QCOMPARE(canceled.count(), 0);
        QCOMPARE(running.count(), 2); // true once, false once
    }

    void jobStartedFromFinishedHandlerKeepsRunning() {
        JobRunner runner;
        QSignalSpy running(&runner, &JobRunner::runningChanged);
        QList<int> results;
        connect(&runner, &JobRunner::finished, this, [&](quint64, const QVariant& v) {
            results << v.toInt();
            if (v.toInt() == 1)
                runner.start(QStringLiteral("second"), [](qs::Feedback&) { return QVariant(2); });
        });
        runner.start(QStringLiteral("first"), [](qs::Feedback&) { return QVariant(1); });
        QTRY_COMPARE(results, (QList<int>{1, 2}));
        QTRY_VERIFY(!runner.isRunning());
        QCOMPARE(running.count(), 2);
    }

    void generationsIncrease() {
        JobRunner runner;
        const quint64 a =
            runner.start(QStringLiteral("a"), [](qs::Feedback&) { return QVariant(); });
        const quint64 b =
            runner.start(QStringLiteral("b"), [](qs::Feedback&) { return QVariant(); });
        QVERIFY(b > a);
        QCOMPARE(runner.activeGeneration(), b);
        runner.waitForWorkers();
    }

    void destructorStopsRunningWorkers() {
        std::atomic<bool> stopped{false};
        {
            JobRunner runner;
            runner.start(QStringLiteral("spin"), [&](qs::Feedback& fb) {
                while (!fb.isCanceled()) {
                    fb.setProgress(0.5, "spinning"); // posts to the runner while it dies
                    std::this_thread::sleep_for(1ms);
                }
                stopped = true;
                return QVariant();
            });
            QTest::qWait(30);
        }
        QVERIFY(stopped.load());
        QTest::qWait(20); // no queued progress may reach the destroyed runner
    }
};

QTEST_GUILESS_MAIN(TestJobRunner)
#include "tst_job_runner.moc"
