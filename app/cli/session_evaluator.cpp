#include "session_evaluator.h"

#include "progress_printer.h"

#include "core/error.h"
#include "core/feedback.h"
#include "core/text_file.h"
#include "session/session.h"
#include "tokenizer/tokenizer.h"

#include <cmath>
#include <cstdio>

namespace qs::cli {

SessionEvaluation openSessionEvaluation(const Session& session, const std::string& sessionPath,
                                        const CliArgs& args, bool quiet) {
    if (session.readOnly) throw Error(sessionPath + ": " + session.warning);
    if (const std::string why = session.evalText.mismatch(session.evalText.path); !why.empty())
        throw Error(sessionPath + ": the evaluation text changed since the session was made (" +
                    why + ")");
    LoadOptions lopt;
    lopt.tokenizerPath = args.value("tokenizer");
    lopt.requireTokenizer = true;
    SessionEvaluation out;
    out.model = loadModel(session.model.path, lopt);
    std::vector<int32_t> tokens =
        out.model->tokenizer()->encode(readTextFile(session.evalText.path), true);
    if (int64_t(tokens.size()) != session.evaluation.textTokens)
        throw Error(sessionPath + ": the text now tokenizes to " + std::to_string(tokens.size()) +
                    " tokens, the session recorded " +
                    std::to_string(session.evaluation.textTokens) + " (another tokenizer?)");
    EvalSetup setup;
    setup.windows.ctx = session.evaluation.ctx;
    setup.windows.protocol = parseProtocol(session.evaluation.protocol);
    setup.windows.maxTokens = args.intValue("max-tokens", session.evaluation.maxTokens);
    setup.seed = session.evaluation.seed;
    setup.memoryBudgetBytes = uint64_t(args.intValue("budget-mb", 4096)) << 20;
    out.evaluator = std::make_unique<IncrementalEvaluator>(out.model, std::move(tokens), setup);
    Feedback fb;
    attachProgressPrinter(fb, quiet);
    out.evaluator->buildReference(&fb);
    const double ppl = out.evaluator->referenceResult().metrics.ppl;
    if (setup.windows.maxTokens == session.evaluation.maxTokens && session.hasReference &&
        std::abs(ppl - session.reference.ppl) > 1e-6 * session.reference.ppl)
        std::fprintf(stderr, "warning: reference PPL %.6f differs from the session's %.6f\n", ppl,
                     session.reference.ppl);
    return out;
}

} // namespace qs::cli
