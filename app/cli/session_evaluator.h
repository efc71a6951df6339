#pragma once
// Re-opens the evaluation a session file describes: the model it names (loadSession already
// checked its hash: a read-only session is refused), the text (hash and token count checked
// here) and an IncrementalEvaluator with the recorded context, protocol and seed, its
// full-precision reference built. Shared by the commands that add to a session (sweep, report).
//
//   Session s = loadSession(path);
//   SessionEvaluation e = openSessionEvaluation(s, path, args, quiet);
//   EvalResult r = e.evaluator->evaluate(config, &feedback);

#include "cli_args.h"

#include "eval/incremental_evaluator.h"
#include "model/model.h"

#include <memory>
#include <string>

namespace qs {
struct Session;
}

namespace qs::cli {

struct SessionEvaluation {
    std::shared_ptr<Model> model;
    std::unique_ptr<IncrementalEvaluator> evaluator;
};

// Honours --tokenizer, --max-tokens (default: the session's) and --budget-mb (MiB, default
// 4096). Throws Error naming the session when the model or text changed.
SessionEvaluation openSessionEvaluation(const Session& session, const std::string& sessionPath,
                                        const CliArgs& args, bool quiet);

} // namespace qs::cli
