#include "eval_token_context.h"

#include "eval/perplexity.h"
#include "tokenizer/tokenizer.h"

#include <algorithm>

qint64 EvalTokenContext::targetPosition(qint64 k) const {
    if (k < 0 || scoredPerWindow <= 0 || k >= scoredTokens()) return -1;
    const qint64 w = k / scoredPerWindow;
    const qint64 r = firstScoredRow + k % scoredPerWindow;
    const qint64 pos = w * ctx + r + 1;
    return pos < qint64(tokens.size()) ? pos : -1;
}

QString EvalTokenContext::targetEntry(qint64 k) const {
    const qint64 pos = targetPosition(k);
    if (pos < 0) return {};
    const int32_t id = tokens[size_t(pos)];
    return id >= 0 && size_t(id) < entries.size() ? entries[size_t(id)] : QString::number(id);
}

TokenContextText EvalTokenContext::contextOf(qint64 k, int before, int after) const {
    TokenContextText out;
    const qint64 pos = targetPosition(k);
    if (pos < 0) return out;
    out.position = pos;
    const qint64 windowStart = (pos - 1) / std::max(1, ctx) * ctx;
    const qint64 windowEnd = std::min<qint64>(windowStart + ctx, qint64(tokens.size()));
    const auto bytes = [&](qint64 from, qint64 to) {
        QByteArray b;
        for (qint64 i = from; i < to; ++i) {
            const int32_t id = tokens[size_t(i)];
            if (id >= 0 && size_t(id) < pieces.size()) b += pieces[size_t(id)];
        }
        return QString::fromUtf8(b);
    };
    out.before = bytes(std::max(windowStart, pos - before), pos);
    out.target = bytes(pos, pos + 1);
    out.after = bytes(pos + 1, std::min(windowEnd, pos + 1 + after));
    out.display = targetEntry(k);
    return out;
}

std::shared_ptr<const EvalTokenContext> prepareEvalTokenContext(std::vector<int32_t> tokens,
                                                                const qs::WindowPlan& plan,
                                                                const qs::Tokenizer& tokenizer) {
    auto ctx = std::make_shared<EvalTokenContext>();
    ctx->tokens = std::move(tokens);
    ctx->ctx = plan.ctx;
    ctx->windows = plan.windows;
    ctx->firstScoredRow = plan.firstScoredRow;
    ctx->scoredPerWindow = plan.scoredPerWindow();
    const int32_t vocab = tokenizer.vocabSize();
    ctx->pieces.resize(size_t(vocab));
    ctx->entries.resize(size_t(vocab));
    // A previous token that is not BOS, so pieces keep their leading space.
    const int32_t previous = tokenizer.bosId() == 0 ? 1 : 0;
    for (int32_t id = 0; id < vocab; ++id) {
        const std::string piece = tokenizer.decodePiece(previous, id);
        ctx->pieces[size_t(id)] = QByteArray(piece.data(), qsizetype(piece.size()));
        ctx->entries[size_t(id)] = QString::fromStdString(tokenizer.tokenText(id));
    }
    return ctx;
}
