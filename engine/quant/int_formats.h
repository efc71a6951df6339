#pragma once
// Uniform integer weight formats: k-bit (k = 1..8) round-to-nearest quantization with one scale
// (and for asymmetric formats one integer zero point) per tensor, per output channel (row) or
// per group of g consecutive weights along the input dimension (a row).
//
//   Name grammar:  int<k>_<t|c|g<N>>_<sym|asym>[_clip|_sr]
//     t      one scale for the whole tensor           c   one scale per row (output channel)
//     gN     one scale per N weights of a row (N a power of two, 8..8192; rows must be a multiple)
//     sym    levels -(2^(k-1)-1) .. 2^(k-1)-1, scale = amax / (2^(k-1)-1). The most negative
//            two's-complement code is left unused so the grid is symmetric and 0 is exact; the
//            cost is one level (significant only at k = 2: three levels out of four).
//     asym   levels 0 .. 2^k-1 with integer zero point z: w = (q - z) * scale, where
//            scale ~ (max - min) / (2^k - 1) over the group with 0 forced into [min, max]
//            (the GPTQ convention) so z = round(-min / scale) always fits in k bits. The scale
//            is the fp16 value just above that quotient, or when the group's max would then
//            land one level short of code 2^k - 1, the fp16 value just below: min and max
//            always map to codes 0 and 2^k - 1, so re-quantizing the output reproduces it
//            exactly. Every weight is within scale / 2 of its level, except that with the lower
//            scale the max may lie up to (2^k - 1) fp16 ulps of the scale (< 2^-10 of the
//            range) further beyond the top level.
//     _clip  per scale group, try scale ratios 1.0, 0.95, ..., 0.5 of the range and keep the one
//            with the least squared error, weighted per column by QuantContext::importance when
//            given. Ratio 1.0 is a candidate, so it is never worse than plain round-to-nearest.
//     _sr    stochastic rounding, q = floor(w / scale + u) with u uniform in [0, 1) from a
//            counter-based hash of (QuantContext::seed, element index): deterministic per seed,
//            independent of threading, unbiased inside the representable range.
//   1-bit formats exist only asymmetric (levels {min, max} of the group via the zero point); the
//   sign-times-scale 1-bit format is binary_c (lowbit_formats.h).
//
// Bits per weight (bitsPerWeight): k per weight, plus a 16-bit (fp16) scale and, for asym, a
// k-bit zero point per scale group: gN -> k + (16 + k_asym) / N; c -> k + (16 + k_asym) / cols;
// t -> k (one scale per tensor is below 1e-4 bits per weight for any real matrix and the row
// count is not known to bitsPerWeight).
//
// Scales are rounded to fp16 before use, so the simulation matches what would be stored.
// Symmetric scales are rounded up (to the fp16 value at or above amax / qmax), so the grid always
// reaches the group's extremes and every weight is within scale / 2 of its dequantized value;
// round-to-nearest could leave the top qmax * 2^-11 scales beyond the grid. Asymmetric scales:
// see asym above. A scale that would overflow fp16 saturates at 65504 (weights beyond
// 65504 * qmax clamp), and a group whose scale is below the smallest fp16 subnormal becomes that
// subnormal (2^-24), so tiny groups quantize to zero rather than dividing by zero.
//
// Every finite input gives a finite output; NaN or Inf throws qs::Error naming the tensor, the
// row and the column. Large tensors are split by rows over oneTBB.
//
//   auto f = qs::parseIntegerFormat("int5_g64_asym_clip");  // nullptr if the name is not valid
//   f->quantizeDequantize(w, out, rows, cols, {.tensorName = "blk.3.ffn_up.weight"});

#include "core/dtype.h"
#include "quant/quant_format.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace qs {

struct IntFormatSpec {
    enum class Granularity : uint8_t { Tensor, Channel, Group };
    enum class Rounding : uint8_t { Nearest, Stochastic };

    int bits = 4;
    bool asymmetric = false;
    Granularity granularity = Granularity::Group;
    int64_t group = 32; // weights per scale when granularity == Group
    bool clipSearch = false;
    Rounding rounding = Rounding::Nearest;

    std::string name() const; // canonical registry name, e.g. "int4_g128_sym"
};

// Parses an integer format name (case-insensitive); false when the name is not of the grammar
// above or names an impossible combination (int1 sym, _clip together with _sr).
bool parseIntFormatSpec(std::string_view name, IntFormatSpec* out);

// Any valid integer format name, registered or not; nullptr when the name is not valid.
std::unique_ptr<QuantFormat> parseIntegerFormat(std::string_view name);
std::unique_ptr<QuantFormat> makeIntegerFormat(const IntFormatSpec& spec);

namespace quant_detail {

// ---- Shared by the integer, minifloat and low-bit families ----------------------------------

// Throws Error naming the tensor and the first non-finite element of the row-major matrix whose
// first row (at src) is row `firstRow` of the tensor.
[[noreturn]] void throwNonFinite(const QuantContext& ctx, const float* src, int64_t rows,
                                 int64_t cols, int64_t firstRow = 0);
// Throws (via throwNonFinite) when any of the rows * cols values is NaN or Inf.
void requireFinite(const QuantContext& ctx, const float* src, int64_t rows, int64_t cols,
                   int64_t firstRow = 0);
// Throws Error with the tensor name when checkShape's answer is not empty.
void requireShape(const QuantFormat& f, const QuantContext& ctx, int64_t rows, int64_t cols);
// "row length 172 is not a multiple of 32", or empty.
std::string groupShapeProblem(int64_t rows, int64_t cols, int64_t group);
// float -> fp16 -> float, saturating at +-65504 instead of overflowing to Inf.
float roundScaleToFp16(float s);
// The least fp16 value >= s (s > 0), saturating at 65504.
float roundScaleUpToFp16(float s);
// Runs body(rowBegin, rowEnd) over [0, rows), in parallel when the matrix is large enough to
// repay a task fork (exceptions propagate to the caller).
void forEachRowBlock(int64_t rows, int64_t cols, void (*body)(void*, int64_t, int64_t),
                     void* state);
template <class F>
void forEachRows(int64_t rows, int64_t cols, F&& f) {
    forEachRowBlock(
        rows, cols, [](void* s, int64_t b, int64_t e) { (*static_cast<F*>(s))(b, e); }, &f);
}

// ---- Integer quantization parameters and kernels (exposed for tests and benchmarks) --------

// One scale group's parameters, after fp16 rounding of the scale. Quantize: q = clamp(round(w *
// inv) + zero, lo, hi); dequantize: (q - zero) * scale. zero is 0 for symmetric formats. All
// of these are small integers or exact fp16 values, so every step but round() and the two
// products is exact, and no step is an a*b+c that FMA contraction could change: the SIMD and
// scalar paths agree bit for bit.
struct IntParams {
    float scale = 0, inv = 0, zero = 0, lo = 0, hi = 0;
};
IntParams intParamsSym(int bits, float amax);
IntParams intParamsAsym(int bits, float minv, float maxv);

// Outputs of at least this many bytes are written by the SIMD kernels with non-temporal
// (streaming) stores: a tensor this large would not stay cached for its next reader anyway, and
// a plain store first reads each destination line, a third of an out-of-place pass's memory
// traffic. Smaller outputs take plain stores and stay in cache. Same values either way.
inline constexpr int64_t kStreamMinBytes = int64_t(16) << 20;
inline bool streamOutput(int64_t rows, int64_t cols) {
    return rows * cols * int64_t(sizeof(float)) >= kStreamMinBytes;
}

// Round-to-nearest quantize-dequantize of `rows` rows of `cols` with one scale per `group`
// weights (group == cols: per channel). Non-finite input: returns the flat index of the first
// group holding one, having left that group and later ones unwritten; -1 on success.
// Reference: plain scalar loops. Simd: Highway, runtime-dispatched to the best target; `stream`
// writes dst with non-temporal stores (see kStreamMinBytes), any alignment of dst.
int64_t intGroupQdqRef(const float* src, float* dst, int64_t rows, int64_t cols, int64_t group,
                       int bits, bool asym);
int64_t intGroupQdqSimd(const float* src, float* dst, int64_t rows, int64_t cols, int64_t group,
                        int bits, bool asym, bool stream = false);
// Name of the Highway target intGroupQdqSimd dispatches to ("AVX3", "AVX2", "EMU128").
const char* intSimdTargetName();
// The two halves of a group kernel, for tensor-wide scales: min/max of x[0, n) (false on NaN or
// Inf) and y = dequantize(quantize(x)) with given parameters.
bool intMinMaxSimd(const float* x, int64_t n, float* mn, float* mx);
void intApplySimd(const float* x, float* y, int64_t n, const IntParams& p);

// Inline twins of roundScaleUpToFp16 and intParamsSym, so the SIMD kernels inline the per-group
// scale computation (it runs once per 32 weights, a call would cost ~10% of the group).
inline float roundScaleUpToFp16Inline(float s) {
    constexpr float kFp16Max = 65504.0f;
    if (!(s < kFp16Max)) return kFp16Max;
    uint16_t h = floatToFp16(s);
    if (fp16ToFloat(h) < s) ++h; // positive: the next code is the next larger value
    return fp16ToFloat(h);
}

inline IntParams intParamsSymInline(int bits, float amax) {
    const float qmax = float((1 << (bits - 1)) - 1);
    IntParams p;
    p.scale = amax > 0 ? roundScaleUpToFp16Inline(amax / qmax) : 0.0f;
    p.inv = p.scale > 0 ? 1.0f / p.scale : 0.0f;
    p.lo = -qmax;
    p.hi = qmax;
    return p;
}

} // namespace quant_detail
} // namespace qs
