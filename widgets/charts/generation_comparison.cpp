#include "generation_comparison.h"

#include "job_runner.h"

#include "core/error.h"
#include "core/feedback.h"
#include "eval/quantized_weights.h"
#include "llama/generate.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

#include <algorithm>

QString GeneratedSequence::text() const {
    QByteArray all;
    for (const QByteArray& p : pieces) all += p;
    return QString::fromUtf8(all);
}

int firstDivergence(const QList<qint32>& a, const QList<qint32>& b) {
    const qsizetype n = std::min(a.size(), b.size());
    for (qsizetype i = 0; i < n; ++i)
        if (a[i] != b[i]) return int(i);
    return a.size() == b.size() ? -1 : int(n);
}

QString continuationHtml(const QByteArray& promptBytes, const GeneratedSequence& sequence,
                         int divergence, const QColor& highlight, const QColor& highlightText,
                         const QColor& muted) {
    const auto esc = [](const QByteArray& bytes) {
        return QString::fromUtf8(bytes).toHtmlEscaped();
    };
    QByteArray same, diverged, rest;
    for (qsizetype i = 0; i < sequence.pieces.size(); ++i) {
        if (divergence < 0 || i < divergence)
            same += sequence.pieces[i];
        else if (i == divergence)
            diverged = sequence.pieces[i];
        else
            rest += sequence.pieces[i];
    }
    QString html = QStringLiteral("<div style=\"white-space: pre-wrap\"><b>%1</b>%2")
                       .arg(esc(promptBytes), esc(same));
    if (divergence >= 0) {
        // A missing token (the sequence ended first) is shown as an end mark.
        QString token = esc(diverged);
        if (divergence >= sequence.pieces.size())
            token = QStringLiteral("⏹");     // this sequence ended where the other went on
        else if (diverged.trimmed().isEmpty()) // make a whitespace token visible
            token.replace(QLatin1Char(' '), QStringLiteral("␣"))
                .replace(QLatin1Char('\n'), QStringLiteral("↵\n"));
        html += QStringLiteral("<span style=\"background-color:%1; color:%2\">%3</span>")
                    .arg(highlight.name(), highlightText.name(), token);
        html += QStringLiteral("<span style=\"color:%1\">%2</span>").arg(muted.name(), esc(rest));
    }
    html += QStringLiteral("</div>");
    return html;
}

GenerationComparer::GenerationComparer(QObject* parent)
    : QObject(parent), m_runner(new JobRunner(this)) {
    qRegisterMetaType<GenerationComparison>();
    connect(m_runner, &JobRunner::finished, this, [this](quint64 generation, const QVariant& v) {
        emit finished(generation, v.value<GenerationComparison>());
    });
    connect(m_runner, &JobRunner::failed, this, &GenerationComparer::failed);
    connect(m_runner, &JobRunner::canceled, this, &GenerationComparer::canceled);
    connect(m_runner, &JobRunner::progressChanged, this, &GenerationComparer::progressChanged);
}

GenerationComparer::~GenerationComparer() = default;

void GenerationComparer::setModel(std::shared_ptr<const qs::Model> model) {
    m_model = std::move(model);
    m_cache.reset();
}

void GenerationComparer::setConfiguration(const qs::QuantConfig& config, const QString& label) {
    m_config = config;
    m_label = label;
}

bool GenerationComparer::isRunning() const {
    return m_runner->isRunning();
}

void GenerationComparer::cancel() {
    m_runner->cancel();
}

quint64 GenerationComparer::start(const QString& prompt, int maxNewTokens) {
    if (!m_model) {
        emit failed(0, tr("No model loaded."));
        return 0;
    }
    if (!m_cache) m_cache = std::make_shared<qs::WeightCache>(uint64_t(512) << 20);
    const QString label =
        m_label.isEmpty() ? QString::fromStdString(m_config.defaultFormat) : m_label;
    const quint64 generation =
        m_runner->start(tr("Generating"), [model = m_model, config = m_config, cache = m_cache,
                                           prompt, label, maxNewTokens](qs::Feedback& fb) {
            if (!model->tokenizer()) throw qs::Error("the model has no tokenizer");
            const qs::Tokenizer& tok = *model->tokenizer();
            const std::vector<int32_t> promptIds =
                tok.encode(prompt.toStdString(), /*addBos=*/true);
            qs::GenerateOptions opt;
            opt.maxNewTokens = std::max(1, maxNewTokens);
            opt.temperature = 0.0f;
            const double total = 2.0 * opt.maxNewTokens;
            int steps = 0;
            const auto onToken = [&](int32_t) {
                fb.setProgress(++steps / total, "generating");
                return true;
            };
            GenerationComparison c;
            c.prompt = prompt;
            c.promptTokens = int(promptIds.size());
            c.configurationLabel = label;
            for (size_t i = 0; i < promptIds.size(); ++i) {
                const std::string p = tok.decodePiece(i ? promptIds[i - 1] : -1, promptIds[i]);
                if (promptIds[i] != tok.bosId())
                    c.promptBytes += QByteArray(p.data(), qsizetype(p.size()));
            }
            const auto keep = [&](const std::vector<int32_t>& all, GeneratedSequence& out) {
                for (size_t i = promptIds.size(); i < all.size(); ++i) {
                    out.ids.push_back(all[i]);
                    const std::string p = tok.decodePiece(all[i - 1], all[i]);
                    out.pieces.push_back(QByteArray(p.data(), qsizetype(p.size())));
                }
            };
            keep(qs::generate(*model, promptIds, opt, onToken, &fb), c.reference);
            steps = opt.maxNewTokens;
            fb.setProgress(steps / total, "quantizing");
            const qs::ResolvedConfig resolved = config.resolve(model->desc());
            auto qw = qs::QuantizedWeights::build(*model, resolved, *cache, &fb);
            keep(qs::generate(model->hp(), qw->weights(), qw->actQuantPlan(), promptIds, opt,
                              onToken, &fb),
                 c.current);
            c.firstDivergence = firstDivergence(c.reference.ids, c.current.ids);
            return QVariant::fromValue(c);
        });
    emit started(generation);
    return generation;
}
