#include "evaluation_controller.h"

#include "background_priority.h"

#include "job_runner.h"

#include "core/error.h"
#include "core/feedback.h"
#include "core/text_file.h"
#include "eval/eval_scheduler.h"
#include "eval/incremental_evaluator.h"
#include "model/model.h"
#include "quant/quant_config.h"
#include "tokenizer/tokenizer.h"

#include <QFile>
#include <QFileInfo>
#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>

using EvaluatorHandle = std::shared_ptr<qs::IncrementalEvaluator>;
Q_DECLARE_METATYPE(EvaluatorHandle)

namespace {

// Generous bound on text bytes per wanted token (see evaluation_jobs.cpp).
constexpr quint64 kBytesPerTokenBound = 32;

// Worker side of prepare(): read, tokenize, plan, reference pass.
EvaluatorHandle prepareEvaluator(const ModelHandle& model, const QString& textPath,
                                 const LiveEvaluationSettings& settings, qs::Feedback& feedback) {
    const std::filesystem::path text = QFile::encodeName(textPath).toStdString();
    if (!model->tokenizer())
        throw qs::Error("the model has no tokenizer, so the text cannot be evaluated");
    feedback.setProgress(-1.0, "tokenizing");
    const quint64 maxBytes = settings.maxTokens > 0 ? settings.maxTokens * kBytesPerTokenBound : 0;
    std::vector<int32_t> tokens =
        model->tokenizer()->encode(qs::readTextFile(text, maxBytes), /*addBos=*/true);
    feedback.throwIfCanceled();

    qs::EvalSetup setup;
    setup.windows.ctx = settings.ctx;
    setup.windows.protocol = qs::parseProtocol(settings.protocol.toStdString());
    setup.windows.maxTokens = settings.maxTokens;
    setup.seed = settings.seed;
    setup.memoryBudgetBytes = settings.memoryBudgetMiB << 20;
    EvaluatorHandle evaluator;
    try {
        evaluator = std::make_shared<qs::IncrementalEvaluator>(model, std::move(tokens), setup);
    } catch (const qs::FileError&) {
        throw;
    } catch (const qs::Error& e) {
        throw qs::FileError(text, e.what()); // "text too short" is about the text
    }
    evaluator->buildReference(&feedback);
    return evaluator;
}

} // namespace

EvaluationController::EvaluationController(QObject* parent)
    : QObject(parent), m_runner(new JobRunner(this)) {
    BackgroundPriority::install(); // evaluation threads yield the cores to the GUI thread
    qRegisterMetaType<EvalResultPtr>();
    connect(m_runner, &JobRunner::progressChanged, this, &EvaluationController::progressChanged);
    connect(m_runner, &JobRunner::runningChanged, this, &EvaluationController::busyChanged);
    connect(m_runner, &JobRunner::started, this,
            [this](quint64, const QString& title) { emit preparingStarted(title); });
    connect(m_runner, &JobRunner::finished, this, &EvaluationController::onPrepared);
    connect(m_runner, &JobRunner::failed, this, [this](quint64 job, const QString& message) {
        if (job == m_prepareJob) emit preparationFailed(message);
    });
    connect(m_runner, &JobRunner::canceled, this, [this](quint64 job) {
        if (job == m_prepareJob) emit preparationCanceled();
    });
}

EvaluationController::~EvaluationController() {
    // The scheduler's worker posts to this object: stop it before the object goes away.
    m_scheduler.reset();
}

bool EvaluationController::isPreparing() const {
    return m_runner->isRunning();
}

void EvaluationController::prepare(ModelHandle model, const QString& textPath) {
    clear();
    const QString title = tr("Reference pass on %1").arg(QFileInfo(textPath).fileName());
    m_prepareJob = m_runner->start(
        title, [model = std::move(model), textPath, settings = m_settings](qs::Feedback& fb) {
            return QVariant::fromValue(prepareEvaluator(model, textPath, settings, fb));
        });
}

void EvaluationController::clear() {
    retireScheduler();
    m_evaluator.reset();
    m_reference.reset();
}

void EvaluationController::cancel() {
    m_runner->cancel();
    m_deferred.reset();
    if (m_scheduler) m_scheduler->cancel();
    m_latest = ++m_base; // whatever is still in flight is older than this
}

void EvaluationController::retireScheduler() {
    if (!m_scheduler) return;
    // After setListeners returns no listener of the old scheduler runs any more (they run under
    // its lock); joining its worker may take one block's compute, so do that off this thread.
    m_scheduler->setListeners({}, {});
    m_scheduler->cancel();
    m_base = m_latest = m_base + m_scheduler->latestGeneration() + 1;
    (void)QtConcurrent::run([old = std::move(m_scheduler)]() mutable { old.reset(); });
}

void EvaluationController::onPrepared(quint64 job, const QVariant& result) {
    if (job != m_prepareJob) return;
    m_evaluator = result.value<EvaluatorHandle>();
    m_scheduler = std::make_shared<qs::EvaluationScheduler>(m_evaluator);
    m_base = m_latest;
    const quint64 base = m_base;
    QPointer<EvaluationController> self(this);
    // Listeners run on the scheduler's worker: convert, post, return.
    m_scheduler->setListeners(
        [this, base](const qs::EvaluationScheduler::Update& u) {
            EvalResultPtr value =
                EvalResultValue::fromEngine(u.result, base + u.generation, u.final);
            QMetaObject::invokeMethod(
                this,
                [this, gen = base + u.generation, value, final = u.final] {
                    deliverResult(gen, value, final);
                },
                Qt::QueuedConnection);
        },
        [this, base](uint64_t generation, const std::string& message) {
            QMetaObject::invokeMethod(
                this,
                [this, gen = base + generation, text = QString::fromStdString(message)] {
                    deliverError(gen, text);
                },
                Qt::QueuedConnection);
        });
    auto reference = EvalResultValue::fromEngine(m_evaluator->referenceResult(), 0, false);
    auto mutableRef = QSharedPointer<EvalResultValue>::create(*reference);
    mutableRef->isReference = true;
    m_reference = mutableRef;
    emit referenceReady(m_reference);
    if (m_deferred) {
        const std::unique_ptr<qs::QuantConfig> config = std::move(m_deferred);
        submit(*config);
    }
}

quint64 EvaluationController::submit(const qs::QuantConfig& config) {
    if (!m_scheduler) {
        m_deferred = std::make_unique<qs::QuantConfig>(config);
        return 0;
    }
    m_latest = m_base + m_scheduler->submit(config);
    emit evaluationSubmitted(m_latest);
    return m_latest;
}

void EvaluationController::deliverResult(quint64 generation, EvalResultPtr result, bool final) {
    if (generation != m_latest || !result) {
        ++m_dropped;
        return;
    }
    emit resultUpdated(generation, std::move(result), final);
}

void EvaluationController::deliverError(quint64 generation, const QString& message) {
    if (generation != m_latest) return;
    emit evaluationFailed(generation, message);
}
