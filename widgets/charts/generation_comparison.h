#pragma once
// Greedy continuations of one prompt by full precision and by a quantized configuration, and
// where they first differ. GenerationComparer is the adapter that runs both on a worker thread
// (JobRunner: cancellable, a newer request supersedes an older one).
//
//   auto* comparer = new GenerationComparer(this);
//   comparer->setModel(model);                       // std::shared_ptr<const qs::Model>
//   comparer->setConfiguration(config);              // qs::QuantConfig (fallback included)
//   connect(comparer, &GenerationComparer::finished, this, [](const GenerationComparison& c)
//   {...}); comparer->start("Once upon a time", 64);
//
// Token pieces are kept as bytes (a multi-byte character may be split over byte tokens) and
// turned into text only when shown.

#include "quant/quant_config.h"

#include <QByteArray>
#include <QColor>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>

#include <memory>

namespace qs {
class Model;
class WeightCache;
} // namespace qs
class JobRunner;

struct GeneratedSequence {
    QList<qint32> ids;        // generated tokens only (the prompt excluded)
    QList<QByteArray> pieces; // their bytes in running text
    QString text() const;
};

struct GenerationComparison {
    QString prompt;
    QByteArray promptBytes; // the prompt as the tokenizer decodes it
    int promptTokens = 0;   // BOS included
    GeneratedSequence reference, current;
    int firstDivergence = -1; // index into the generated tokens; -1 when identical
    QString configurationLabel;
    bool identical() const { return firstDivergence < 0; }
};
Q_DECLARE_METATYPE(GenerationComparison)

// First index where the sequences differ (a missing token counts as different); -1 if equal.
int firstDivergence(const QList<qint32>& a, const QList<qint32>& b);

// HTML of prompt + continuation: the prompt in bold, the token at `divergence` (if >= 0) on a
// `highlight` background and everything after it in `muted` text colour. Whitespace is kept.
QString continuationHtml(const QByteArray& promptBytes, const GeneratedSequence& sequence,
                         int divergence, const QColor& highlight, const QColor& highlightText,
                         const QColor& muted);

class GenerationComparer : public QObject {
    Q_OBJECT

public:
    explicit GenerationComparer(QObject* parent = nullptr);
    ~GenerationComparer() override;

    void setModel(std::shared_ptr<const qs::Model> model);
    void setConfiguration(const qs::QuantConfig& config, const QString& label = {});
    bool hasModel() const { return m_model != nullptr; }

    // Starts a comparison (superseding a running one); returns its generation id, or 0 when
    // there is no model (failed() is emitted then).
    quint64 start(const QString& prompt, int maxNewTokens = 64);
    void cancel();
    bool isRunning() const;
    JobRunner* runner() const { return m_runner; }

signals:
    void started(quint64 generation);
    void progressChanged(double fraction, const QString& stage);
    void finished(quint64 generation, const GenerationComparison& comparison);
    void failed(quint64 generation, const QString& message);
    void canceled(quint64 generation);

private:
    JobRunner* m_runner;
    std::shared_ptr<const qs::Model> m_model;
    qs::QuantConfig m_config;
    QString m_label;
    std::shared_ptr<qs::WeightCache> m_cache;
};
