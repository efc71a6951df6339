#pragma once
// Below-2-bit and logarithmic weight formats, registered by appendLowBitFormats:
//
//   ternary_t  BitNet b1.58: gamma = mean|w| over the tensor, q = clamp(round(w / gamma), -1, 1),
//              w' = q * gamma. fp32 gamma per tensor (negligible storage).
//   ternary_c  the same with gamma per row (output channel), stored as fp16.
//              Trits are counted as stored, 5 per byte (3^5 = 243 <= 256): 1.6 bits per weight
//              rather than the entropy bound log2(3) = 1.585, plus 16 / cols for ternary_c.
//   binary_c   w' = sign(w) * mean|w| per row (the least-squares scale for a sign pattern);
//              sign(0) = +1 since one bit has no zero. 1 + 16 / cols bits per weight.
//   log4, log3 sign + (k - 1)-bit exponent code: w' in {0} U {+-s * 2^-e, e = 0 .. 2^(k-1) - 2},
//              s = amax of the row (fp16). One exponent code means zero (its sign bit is wasted,
//              which keeps decoding a plain table lookup). Nearest level in linear distance;
//              a magnitude exactly halfway between two levels goes to the smaller one.
//              k + 16 / cols bits per weight.
//
// Every row is checked for NaN/Inf before it is written; such input throws qs::Error naming
// the tensor, row and column. A row (or tensor) of zeros stays zero.

#include "quant/quant_format.h"

#include <cstdint>

namespace qs {

// Nearest log level magnitude of t = |w| / s for an exponent range 0..emaxCode (0 included).
float logLevel(float t, int emaxCode);

namespace quant_detail {

// ---- Kernels (exposed for tests and benchmarks) -------------------------------------------

// The per-row formats, and ternary_t's element pass with its tensor gamma.
enum class LowBitKind : int32_t { TernaryTensor = 0, TernaryRow = 1, BinaryRow = 2, Log = 3 };

// fp16(float(sum of |x[i]| in double, in index order) / n): the ternary_c and binary_c row scale.
// Scalar in both versions below (a reordered double sum would not be bit-identical).
float lowbitMeanAbsScale(const float* x, int64_t n);

// Quantize-dequantize of `rows` rows of `cols` (cols >= 1). `bits` is the log formats' k (3 or
// 4); `gamma` is ternary_t's tensor scale (the other kinds ignore it). Non-finite input: returns
// the index of the first row holding one, having left that row and later ones unwritten; -1 on
// success (TernaryTensor checks too, although its caller has already rejected such a tensor).
// dst may equal src. Reference: plain scalar loops, the readable twin. Simd: Highway,
// runtime-dispatched to the best target, bit for bit the reference's results; `stream` writes
// dst with non-temporal stores (kStreamMinBytes in int_formats.h).
int64_t lowbitRowsQdqRef(const float* src, float* dst, int64_t rows, int64_t cols, LowBitKind kind,
                         int bits, float gamma = 0);
int64_t lowbitRowsQdqSimd(const float* src, float* dst, int64_t rows, int64_t cols, LowBitKind kind,
                          int bits, float gamma = 0, bool stream = false);

// Name of the Highway target the low-bit kernels dispatch to ("AVX3", "AVX2", "EMU128").
const char* lowbitSimdTargetName();

} // namespace quant_detail
} // namespace qs
