#include "pareto_data.h"

#include "core/error.h"
#include "core/feedback.h"
#include "eval/incremental_evaluator.h"
#include "model/model.h"

#include <QPromise>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>
#include <numeric>

struct UniformParetoSweep::Item {
    QString format;
    ParetoPoint point;
    QString error;
};

ParetoPoint paretoPointFromResult(const QString& label, ParetoPoint::Kind kind,
                                  const qs::EvalResult& result, const qs::QuantConfig& config) {
    ParetoPoint p;
    p.kind = kind;
    p.label = label;
    p.config = config;
    p.hasConfig = true;
    p.bitsPerWeight = result.averageBitsPerWeight;
    p.modelBytes = result.modelBytes;
    p.ppl = result.metrics.ppl;
    p.pplLow = result.metrics.pplLow;
    p.pplHigh = result.metrics.pplHigh;
    p.klMean = result.metrics.klMean;
    p.exact = result.exact();
    return p;
}

ParetoPoint paretoReferencePoint(const qs::Model& model, const qs::EvalResult& reference) {
    const qs::QuantConfig fp; // f32 everywhere
    const qs::ResolvedConfig resolved = fp.resolve(model.desc());
    ParetoPoint p;
    p.kind = ParetoPoint::Kind::FullPrecision;
    p.label = QStringLiteral("FP (f32)");
    p.config = fp;
    p.hasConfig = true;
    p.bitsPerWeight = resolved.averageBitsPerWeight();
    p.modelBytes = resolved.modelBytes();
    p.ppl = reference.metrics.pplRef > 0 ? reference.metrics.pplRef : reference.metrics.ppl;
    p.pplLow =
        reference.metrics.pplRefLow > 0 ? reference.metrics.pplRefLow : reference.metrics.pplLow;
    p.pplHigh =
        reference.metrics.pplRefHigh > 0 ? reference.metrics.pplRefHigh : reference.metrics.pplHigh;
    p.klMean = 0;
    p.exact = true;
    return p;
}

QList<int> paretoFrontier(const QList<QPointF>& points) {
    QList<int> order;
    for (int i = 0; i < points.size(); ++i)
        if (std::isfinite(points[i].x()) && std::isfinite(points[i].y())) order.push_back(i);
    std::sort(order.begin(), order.end(), [&](int a, int b) {
        if (points[a].x() != points[b].x()) return points[a].x() < points[b].x();
        if (points[a].y() != points[b].y()) return points[a].y() < points[b].y();
        return a < b;
    });
    QList<int> frontier;
    double best = std::numeric_limits<double>::infinity();
    for (int i : order) {
        if (points[i].y() < best) {
            frontier.push_back(i);
            best = points[i].y();
        }
    }
    return frontier;
}

// ---- UniformParetoSweep ----

UniformParetoSweep::UniformParetoSweep(QObject* parent) : QObject(parent) {}

UniformParetoSweep::~UniformParetoSweep() {
    if (m_feedback) m_feedback->cancel();
    waitForFinished();
}

QStringList UniformParetoSweep::defaultFormats() {
    return {QStringLiteral("f16"),           QStringLiteral("q8_0"),
            QStringLiteral("q5_1"),          QStringLiteral("q4_0"),
            QStringLiteral("int4_g128_sym"), QStringLiteral("int3_g32_sym"),
            QStringLiteral("int2_g32_asym"), QStringLiteral("nf4_g64"),
            QStringLiteral("mxfp4"),         QStringLiteral("ternary_c")};
}

quint64 UniformParetoSweep::start(std::shared_ptr<qs::IncrementalEvaluator> evaluator,
                                  const QStringList& formats, const QString& fallbackFormat) {
    if (m_feedback) m_feedback->cancel();
    if (m_watcher) {
        m_watcher->disconnect(this);
        // The abandoned worker finishes on its own; its watcher deletes itself then.
        connect(m_watcher, &QFutureWatcherBase::finished, m_watcher, &QObject::deleteLater);
        m_watcher = nullptr;
    }
    const quint64 generation = ++m_generation;
    auto feedback = std::make_shared<qs::Feedback>();
    m_feedback = feedback;
    const int total = int(formats.size());
    int* index = new int(0); // the format being evaluated, read by the progress callback
    feedback->setProgressCallback(
        [this, generation, total, index, formats](double f, const std::string&) {
            const int i = *index;
            const double overall = total > 0 ? (i + std::clamp(f, 0.0, 1.0)) / total : 1.0;
            const QString stage =
                i < total ? tr("uniform %1 (%2 of %3)").arg(formats[i]).arg(i + 1).arg(total)
                          : QString();
            QMetaObject::invokeMethod(
                this,
                [this, generation, overall, stage] {
                    if (generation == m_generation) emit progressChanged(overall, stage);
                },
                Qt::QueuedConnection);
        });

    auto* watcher = new QFutureWatcher<Item>(this);
    m_watcher = watcher;
    connect(watcher, &QFutureWatcherBase::resultReadyAt, this, [this, watcher, generation](int i) {
        if (generation != m_generation) return;
        const Item item = watcher->resultAt(i);
        if (item.error.isEmpty())
            emit pointReady(item.point);
        else
            emit pointFailed(item.format, item.error);
    });
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, generation, index] {
        delete index;
        const bool wasCanceled = m_feedback && m_feedback->isCanceled();
        watcher->deleteLater();
        if (generation != m_generation) return;
        m_watcher = nullptr;
        if (wasCanceled)
            emit canceled();
        else
            emit finished();
    });

    const std::string fallback = fallbackFormat.toStdString();
    QStringList names = formats;
    watcher->setFuture(QtConcurrent::run(m_pool ? m_pool : QThreadPool::globalInstance(), [evaluator = std::move(evaluator), names, fallback,
                                          feedback, index](QPromise<Item>& promise) {
        try {
            if (!evaluator->hasReference()) evaluator->buildReference(feedback.get());
        } catch (const qs::Canceled&) {
            return;
        } catch (const std::exception& e) {
            promise.addResult(Item{QString(), {}, QString::fromUtf8(e.what())});
            return;
        }
        for (int i = 0; i < names.size(); ++i) {
            *index = i;
            if (feedback->isCanceled() || promise.isCanceled()) return;
            Item item;
            item.format = names[i];
            try {
                qs::QuantConfig config = qs::QuantConfig::uniform(names[i].toStdString());
                config.fallbackFormat = fallback;
                const qs::EvalResult r = evaluator->evaluate(config, feedback.get());
                item.point = paretoPointFromResult(names[i], ParetoPoint::Kind::Uniform, r, config);
            } catch (const qs::Canceled&) {
                return;
            } catch (const std::exception& e) {
                item.error = QString::fromUtf8(e.what());
            }
            promise.addResult(item);
        }
    }));
    return generation;
}

void UniformParetoSweep::cancel() {
    if (!m_watcher) return;
    m_feedback->cancel();
    m_watcher->cancel();
}

void UniformParetoSweep::waitForFinished() {
    if (m_watcher) m_watcher->waitForFinished();
}
