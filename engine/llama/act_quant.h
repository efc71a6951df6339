#pragma once
// Simulated quantization of activations at the inputs of linear layers, so W4A8-style settings
// can be studied and so llama.cpp's CPU arithmetic can be mirrored: its quantized dot products
// first convert the activation row to the weight type's "vec_dot_type" (Q8_0 for Q4_0/Q5_0/
// Q8_0, Q8_1 — the same values — for Q4_1/Q5_1, Q8_K for the K-quants, F16 for F16 weights).

#include <cstdint>
#include <string>
#include <string_view>

namespace qs {

enum class ActQuant : uint8_t {
    None,
    Int8PerToken, // symmetric int8, one fp32 scale per row (token)
    Q8_0,         // blocks of 32, scale amax/127 stored as fp16 (ggml block_q8_0)
    Q8_K,         // blocks of 256, fp32 scale from the signed max (ggml block_q8_K)
    F16,          // rounded to half precision
};

std::string_view actQuantName(ActQuant a);     // "none", "int8_token", "q8_0", "q8_k", "f16"
ActQuant parseActQuant(std::string_view name); // throws Error

// The activation type llama.cpp's CPU backend uses with weights of ggml type `ggmlType`
// (-1 or F32 weights: None).
ActQuant ggmlVecDotActQuant(int ggmlType);

// out[rows, cols] = dequant(quant(x)); out may equal x. Row length must be a multiple of the
// block size for Q8_0 (32) and Q8_K (256): otherwise the row is left unquantized, as ggml
// would refuse such a tensor anyway.
void quantizeActivations(ActQuant mode, const float* x, float* out, int64_t rows, int64_t cols);

} // namespace qs
