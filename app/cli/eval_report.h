#pragma once
// Printing of quantized-evaluation results: a text report laid out like llama.cpp's
// perplexity --kl-divergence statistics, and the same figures as JSON.

#include "eval/incremental_evaluator.h"

#include <nlohmann/json.hpp>

#include <string>

namespace qs::cli {

void printQuantReport(const std::string& configLabel, const EvalResult& fp, const EvalResult& q);
nlohmann::json quantReportJson(const EvalResult& fp, const EvalResult& q);

} // namespace qs::cli
