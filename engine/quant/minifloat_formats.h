#pragma once
// Minifloat weight formats: scaled FP8/FP6/FP4, the OCP Microscaling (MX v1.0) block formats and
// NF4 (QLoRA). Registered by appendMinifloatFormats; the codecs below are public for tests.
//
//   name          element                 scale                          bits per weight
//   fp8_e4m3      E4M3 (OCP, max 448)      fp32 per tensor: amax -> 448    8 (scale < 1e-4 bit)
//   fp8_e5m2      E5M2 (OCP, max 57344)    fp32 per tensor: amax -> max    8
//   fp6_e3m2_g32  E3M2 (max 28)            fp16 per 32: amax -> 28         6 + 16/32 = 6.5
//   fp6_e2m3_g32  E2M3 (max 7.5)           fp16 per 32: amax -> 7.5        6.5
//   fp4_e2m1_g32  E2M1 (max 6)             fp16 per 32: amax -> 6          4 + 16/32 = 4.5
//   mxfp8_e4m3    E4M3                     E8M0 per 32 (MX)                8 + 8/32 = 8.25
//   mxfp8_e5m2    E5M2                     E8M0 per 32                     8.25
//   mxfp6_e3m2    E3M2                     E8M0 per 32                     6.25
//   mxfp6_e2m3    E2M3                     E8M0 per 32                     6.25
//   mxfp4         E2M1                     E8M0 per 32                     4.25
//   nf4_g64       NF4 code (16 values)     fp16 absmax per 64              4 + 16/64 = 4.25
//   nf4_g128      NF4 code                 fp16 absmax per 128             4.125
//
// Element rounding is round-to-nearest-even with saturation to the largest finite magnitude:
// nothing ever becomes Inf or NaN (the OCP FP8 spec's saturating conversion; for E5M2 this
// differs from IEEE overflow, deliberately, since a weight is never meant to be infinite).
// Subnormals of the element format are represented exactly.
//
// MX (OCP Microscaling v1.0): per block of 32 weights X = 2^(floor(log2(amax)) - emax_elem),
// with emax_elem the exponent of the element format's largest normal (E4M3 8, E5M2 15, E3M2 4,
// E2M3 2, E2M1 2), clamped to the E8M0 range 2^-127..2^127; elements are v / X rounded to the
// element format with saturation (so the top of a block can lose up to its element format's
// headroom, as the spec's conversion does). An all-zero block gets X = 2^-127 and stays zero.
//
// The scaled FP8/FP6/FP4 formats divide by scale = amax / max_elem (fp16-rounded for the per-32
// ones) so the largest magnitude maps onto the largest element; NF4 divides by the fp16-rounded
// absmax and takes the nearest of the 16 code values (ties to the lower code).

#include <cstdint>

namespace qs {

struct MinifloatSpec {
    int ebits, mbits, bias;
    float maxFinite;  // largest finite magnitude (E4M3: 448, its S.1111.111 code is NaN)
    int emax() const; // exponent of maxFinite: floor(log2(maxFinite))
};

inline constexpr MinifloatSpec kFp8E4M3{4, 3, 7, 448.0f};
inline constexpr MinifloatSpec kFp8E5M2{5, 2, 15, 57344.0f};
inline constexpr MinifloatSpec kFp6E3M2{3, 2, 3, 28.0f};
inline constexpr MinifloatSpec kFp6E2M3{2, 3, 1, 7.5f};
inline constexpr MinifloatSpec kFp4E2M1{2, 1, 1, 6.0f};

// Nearest representable value of finite x: round to nearest even, saturate at +-maxFinite.
float roundToMinifloat(float x, const MinifloatSpec& s);
// The element's bit pattern, sign in bit (ebits + mbits), as roundToMinifloat rounds it.
uint32_t encodeMinifloat(float x, const MinifloatSpec& s);
float decodeMinifloat(uint32_t code, const MinifloatSpec& s);

// floor(log2(amax)) - emax_elem clamped to [-127, 127]: the exponent of an MX block's scale.
int mxScaleExponent(float amax, const MinifloatSpec& s);

// The 16 NF4 values (QLoRA / bitsandbytes), ascending from -1 to 1.
extern const float kNf4Code[16];
// Index of the code value nearest to t (t is w / absmax, nominally in [-1, 1]).
int nf4Nearest(float t);

namespace quant_detail {

// ---- Kernels (exposed for tests and benchmarks) -------------------------------------------

// How a group's scale is chosen (the table above): fp16 amax / maxFinite (fp6/fp4 _g32), the MX
// power of two, or the fp16 absmax of NF4 (the element spec is then unused).
enum class MinifloatScale : int32_t { Fp16 = 0, Mx = 1, Nf4 = 2 };

// NF4 decision thresholds, halfway between neighbouring codes (nf4Nearest: t above mid[i] picks
// code i + 1 or higher).
const float* nf4Midpoints();

// Quantize-dequantize of `rows` rows of `cols` with one scale per `group` weights (group divides
// cols; any group >= 1). Non-finite input: returns the flat index of the first group holding
// one, having left that group and later ones unwritten; -1 on success. dst may equal src.
// Reference: plain scalar loops. Simd: Highway, runtime-dispatched to the best target, bit for
// bit the reference's results; `stream` writes dst with non-temporal stores (kStreamMinBytes in
// int_formats.h).
int64_t minifloatGroupQdqRef(const float* src, float* dst, int64_t rows, int64_t cols,
                             int64_t group, MinifloatScale scale, const MinifloatSpec& spec);
int64_t minifloatGroupQdqSimd(const float* src, float* dst, int64_t rows, int64_t cols,
                              int64_t group, MinifloatScale scale, const MinifloatSpec& spec,
                              bool stream = false);

// The element pass of the tensor-scaled fp8 formats with the tensor's fp32 scale s:
// y = roundToMinifloat(x / s) * s, or 0 everywhere when s is below the fp32 normal range.
void minifloatScaledRef(const float* x, float* y, int64_t n, float s, const MinifloatSpec& spec);
void minifloatScaledSimd(const float* x, float* y, int64_t n, float s, const MinifloatSpec& spec,
                         bool stream = false);

// max |x[i]| over x[0, n) into *amax; false when any element is NaN or Inf.
bool absMaxSimd(const float* x, int64_t n, float* amax);

// Name of the Highway target the minifloat kernels dispatch to ("AVX3", "AVX2", "EMU128").
const char* minifloatSimdTargetName();

} // namespace quant_detail
} // namespace qs
