#pragma once
// The outcome of one perplexity evaluation as an immutable Qt value, so panels can show it
// without including engine headers. `generation` identifies the job that produced it.

#include <QMetaType>
#include <QString>

struct PerplexityReport {
    quint64 generation = 0;
    QString modelPath;
    QString textPath;
    QString protocol; // "half" or "full"
    int ctx = 0;
    qint64 textTokens = 0; // tokens of the whole text, BOS included
    qint64 windows = 0;
    qint64 scoredTokens = 0;
    qint64 processedTokens = 0;
    double meanNll = 0;
    double nllStdError = 0;
    double ppl = 0;
    double pplLow = 0;
    double pplHigh = 0;
    double tokenizeSeconds = 0;
    double seconds = 0; // evaluation only
    double tokensPerSecond = 0;

    bool isValid() const { return scoredTokens > 0; }
};

Q_DECLARE_METATYPE(PerplexityReport)
