#pragma once
// Registration hooks: each family of formats appends its instances; registry.cpp calls them in
// display order. Internal to engine/quant.

#include "quant/quant_format.h"

#include <memory>
#include <vector>

namespace qs::quant_detail {

using FormatList = std::vector<std::unique_ptr<QuantFormat>>;

void appendFloatFormats(FormatList& out);     // f32, f16, bf16
void appendGgmlFormats(FormatList& out);      // q8_0, q4_0, q4_1, q5_0, q5_1, q2_k .. q6_k
void appendIntegerFormats(FormatList& out);   // int1..int8 × sym/asym × granularity
void appendMinifloatFormats(FormatList& out); // fp8/fp6/fp4, mxfp8/6/4, nf4
void appendLowBitFormats(FormatList& out);    // ternary, binary, log/power-of-two

} // namespace qs::quant_detail
