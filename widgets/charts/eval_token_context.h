#pragma once
// The evaluation text around every scored token, as a plain value prepared on a worker thread
// (tokenizing and decoding the vocabulary is engine work), so views can show "which text made
// this token hard" without touching the tokenizer.
//
//   // worker thread:
//   auto ctx = prepareEvalTokenContext(tokens, evaluator.windowPlan(), *model->tokenizer());
//   // GUI thread:
//   logitView->setTokenContext(ctx);
//   TokenContextText t = ctx->contextOf(k);   // k indexes EvalResult::tokens (window order)
//
// Scored token k of the final EvalResult lies in window w = k / scoredPerWindow at row
// r = firstScoredRow + k % scoredPerWindow and predicts tokens[w * ctx + r + 1].

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <memory>
#include <vector>

namespace qs {
class Tokenizer;
struct WindowPlan;
} // namespace qs

struct TokenContextText {
    QString before;       // decoded text of the window up to the predicted token
    QString target;       // the predicted token as it appears in text
    QString after;        // a few tokens after it (same window)
    QString display;      // the vocabulary entry ("▁the", "<0x0A>")
    qint64 position = -1; // index of the predicted token in the evaluation tokens
};

struct EvalTokenContext {
    std::vector<int32_t> tokens; // the evaluation text as tokenized (BOS first)
    int ctx = 0;
    qint64 windows = 0, firstScoredRow = 0, scoredPerWindow = 0;
    std::vector<QByteArray> pieces; // per vocabulary id: its bytes inside running text
    std::vector<QString> entries;   // per vocabulary id: the vocabulary entry for display

    qint64 scoredTokens() const { return windows * scoredPerWindow; }
    // Index into `tokens` of the token that scored token k predicts; -1 when out of range.
    qint64 targetPosition(qint64 k) const;
    // Up to `before` tokens of the same window before the target and `after` after it.
    TokenContextText contextOf(qint64 k, int before = 48, int after = 12) const;
    // The vocabulary entry of the target of scored token k ("" when unknown).
    QString targetEntry(qint64 k) const;
};

// Engine side: decodes every vocabulary entry once. Safe on any thread.
std::shared_ptr<const EvalTokenContext> prepareEvalTokenContext(std::vector<int32_t> tokens,
                                                                const qs::WindowPlan& plan,
                                                                const qs::Tokenizer& tokenizer);
