#pragma once
// Weight quantization formats, simulated: quantize then dequantize a row-major fp32 matrix
// {rows = output channels, cols = input dimension}, so the forward pass can run the result.
// Every format has a stable name ("q4_0", "int4_g128_asym", "mxfp4", ...), a family for the
// bit-width editor, and exact bits-per-weight accounting including scales and zero points.
//
//   const qs::QuantFormat& f = qs::quantFormat("q4_0");
//   if (auto why = f.checkShape(rows, cols); !why.empty()) ...;      // cannot apply
//   f.quantizeDequantize(w, out, rows, cols, {.tensorName = "blk.0.attn_q.weight"});
//
// A format throws qs::Error naming the tensor when the input holds NaN or Inf.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace qs {

struct QuantContext {
    std::string tensorName;            // for error messages
    const float* importance = nullptr; // optional per-column weights (imatrix, length cols)
    uint64_t seed = 0;                 // for stochastic rounding
};

class QuantFormat {
public:
    virtual ~QuantFormat() = default;
    virtual std::string name() const = 0; // registry key, lower case
    virtual std::string family()
        const = 0; // "float", "int", "ggml", "minifloat", "mx", "nf", "ternary", "binary", "log"
    virtual std::string description() const = 0; // one line for UIs and `quantscope-cli formats`
    virtual int nominalBits() const = 0; // element bits (16 for F16, 4 for Q4_0, 2 for ternary)
    // Storage bits per weight for a row of `cols` elements, scales/zero points/padding included.
    virtual double bitsPerWeight(int64_t cols) const = 0;
    // Empty if the format can represent a {rows, cols} matrix, else the reason
    // ("row length 172 is not a multiple of 32").
    virtual std::string checkShape(int64_t rows, int64_t cols) const = 0;
    // dst = dequantize(quantize(src)); dst may equal src. Throws Error on NaN/Inf input or a
    // shape checkShape rejects.
    virtual void quantizeDequantize(const float* src, float* dst, int64_t rows, int64_t cols,
                                    const QuantContext& ctx) const = 0;
    // ggml type id when the format is exactly a llama.cpp tensor type, else -1.
    virtual int ggmlType() const { return -1; }
};

// All registered formats, in display order (float first, then by family and bits).
const std::vector<const QuantFormat*>& allQuantFormats();
// Lookup by name (case-insensitive); throws Error listing close names if unknown.
const QuantFormat& quantFormat(std::string_view name);
const QuantFormat* findQuantFormat(std::string_view name); // nullptr if unknown

} // namespace qs
