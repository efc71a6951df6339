#pragma once
// How WorkbenchSession evaluates perplexity. Defaults give a quick, comparable number: the
// llama.cpp protocol on 256-token windows over at most the first 65,536 tokens of the text.

#include <QString>

struct EvaluationSettings {
    int ctx = 256;
    QString protocol = QStringLiteral("half"); // "half" (llama.cpp) or "full" (GPTQ papers)
    qint64 maxTokens = 65536;                  // 0: every token of the text
};
