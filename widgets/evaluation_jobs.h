#pragma once
// The work functions WorkbenchSession hands to JobRunner. They run on a worker thread, touch no
// QObject, and throw qs::FileError naming the file at fault (or qs::Canceled).
//
//   runner->start(tr("Loading"), [path](qs::Feedback& fb) {
//       return QVariant::fromValue(loadModelJob(path, fb));
//   });

#include "evaluation_settings.h"
#include "perplexity_report.h"

#include <QString>

#include <memory>

namespace qs {
class Feedback;
class Model;
} // namespace qs

using ModelHandle = std::shared_ptr<const qs::Model>;
Q_DECLARE_METATYPE(ModelHandle)

// Loads a llama2.c file, GGUF file or Hugging Face folder.
ModelHandle loadModelJob(const QString& path, qs::Feedback& feedback);

// Reads and tokenizes the text with the model's tokenizer (BOS first), then evaluates
// perplexity over it with `settings`. Text beyond what maxTokens can use is not read.
PerplexityReport perplexityJob(const ModelHandle& model, const QString& modelPath,
                               const QString& textPath, const EvaluationSettings& settings,
                               qs::Feedback& feedback);
