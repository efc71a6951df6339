#include "evaluation_jobs.h"

#include "core/error.h"
#include "core/feedback.h"
#include "core/text_file.h"
#include "eval/perplexity.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

#include <QFile>

#include <chrono>

namespace {

std::filesystem::path toPath(const QString& path) {
    return QFile::encodeName(path).toStdString();
}

// Tokens average a few bytes, so 32 bytes per wanted token leaves a wide margin: the tokens that
// get scored are the same as when the whole text is tokenized, while a huge corpus is not read.
constexpr uint64_t kBytesPerTokenBound = 32;

double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

ModelHandle loadModelJob(const QString& path, qs::Feedback& feedback) {
    feedback.setProgress(-1.0, "loading model");
    try {
        return qs::loadModel(toPath(path));
    } catch (const qs::FileError&) {
        throw;
    } catch (const std::exception& e) {
        // Whatever went wrong, the user needs to know which file it was about.
        throw qs::FileError(toPath(path), e.what());
    }
}

PerplexityReport perplexityJob(const ModelHandle& model, const QString& modelPath,
                               const QString& textPath, const EvaluationSettings& settings,
                               qs::Feedback& feedback) {
    if (!model->tokenizer())
        throw qs::FileError(toPath(modelPath),
                            "no tokenizer found beside the model (tokenizer.bin, "
                            "tokenizer.model or tokenizer.json)");
    qs::PerplexityOptions options;
    options.ctx = settings.ctx;
    options.protocol = qs::parseProtocol(settings.protocol.toStdString());
    options.maxTokens = settings.maxTokens;

    // One stage for reading and tokenizing: Feedback would throttle a second report anyway.
    feedback.setProgress(-1.0, "tokenizing");
    const auto tokenizeStart = std::chrono::steady_clock::now();
    const uint64_t maxBytes =
        settings.maxTokens > 0 ? uint64_t(settings.maxTokens) * kBytesPerTokenBound : 0;
    const std::string text = qs::readTextFile(toPath(textPath), maxBytes);
    feedback.throwIfCanceled();
    const std::vector<int32_t> tokens = model->tokenizer()->encode(text, /*addBos=*/true);
    const double tokenizeSeconds = secondsSince(tokenizeStart);
    feedback.throwIfCanceled();

    qs::PerplexityResult result;
    try {
        result = qs::evaluatePerplexity(*model, tokens, options, &feedback);
    } catch (const qs::FileError&) {
        throw;
    } catch (const qs::Canceled&) {
        throw;
    } catch (const qs::Error& e) {
        // "text too short" and friends are about the text.
        throw qs::FileError(toPath(textPath), e.what());
    }

    PerplexityReport report;
    report.modelPath = modelPath;
    report.textPath = textPath;
    report.protocol = QString::fromUtf8(qs::protocolName(options.protocol).data(),
                                        qsizetype(qs::protocolName(options.protocol).size()));
    report.ctx = options.ctx;
    report.textTokens = qint64(tokens.size());
    report.windows = result.windows;
    report.scoredTokens = result.scoredTokens;
    report.processedTokens = result.processedTokens;
    report.meanNll = result.meanNll;
    report.nllStdError = result.nllStdError;
    report.ppl = result.ppl;
    report.pplLow = result.pplLow;
    report.pplHigh = result.pplHigh;
    report.tokenizeSeconds = tokenizeSeconds;
    report.seconds = result.seconds;
    report.tokensPerSecond = result.tokensPerSecond;
    return report;
}
