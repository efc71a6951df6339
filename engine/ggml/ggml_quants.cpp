// Reference codecs of the ggml block types, transcribed in semantics (not code) from ggml's
// quantize_row_*_ref / dequantize_row_* in ggml-quants.c. Every float expression keeps ggml's
// operand order so results match bit for bit; see ggml_fp_contract.h for why no FMA.
#include "ggml/ggml_fp_contract.h"

#include "ggml/ggml_quants.h"
#include "ggml/ggml_quants_simd.h"

#include "core/dtype.h"
#include "core/error.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstring>
#include <string>

namespace qs {

namespace {

static_assert(std::endian::native == std::endian::little,
              "ggml blocks store fp16 scales little-endian; the block structs below assume it");

// ---- Block layouts, field for field as ggml-common.h (sizes asserted against ggml's).

struct BlockQ4_0 {
    uint16_t d;     // fp16 scale
    uint8_t qs[16]; // nibbles: element j in the low half of qs[j], j+16 in the high half
};
struct BlockQ4_1 {
    uint16_t d, m; // fp16 scale and minimum
    uint8_t qs[16];
};
struct BlockQ5_0 {
    uint16_t d;
    uint8_t qh[4]; // fifth bits, element j at bit j of the little-endian uint32
    uint8_t qs[16];
};
struct BlockQ5_1 {
    uint16_t d, m;
    uint8_t qh[4];
    uint8_t qs[16];
};
struct BlockQ8_0 {
    uint16_t d;
    int8_t qs[32];
};
struct BlockQ2K {
    uint8_t scales[16]; // low nibble scale, high nibble min, per 16 elements
    uint8_t qs[64];     // 2-bit codes, 4 per byte
    uint16_t d, dmin;   // fp16 super-block scales for the scales and the mins
};
struct BlockQ3K {
    uint8_t hmask[32];  // high (third) bit of each code
    uint8_t qs[64];     // low 2 bits
    uint8_t scales[12]; // 16 six-bit scales
    uint16_t d;
};
struct BlockQ4K {
    uint16_t d, dmin;
    uint8_t scales[12]; // 8 six-bit scales and 8 six-bit mins (get_scale_min_k4 order)
    uint8_t qs[128];
};
struct BlockQ5K {
    uint16_t d, dmin;
    uint8_t scales[12];
    uint8_t qh[32];
    uint8_t qs[128];
};
struct BlockQ6K {
    uint8_t ql[128];   // low 4 bits
    uint8_t qh[64];    // high 2 bits
    int8_t scales[16]; // 8-bit scales per 16 elements
    uint16_t d;
};
static_assert(sizeof(BlockQ4_0) == 18 && sizeof(BlockQ4_1) == 20 && sizeof(BlockQ5_0) == 22 &&
              sizeof(BlockQ5_1) == 24 && sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ2K) == 84 && sizeof(BlockQ3K) == 110 && sizeof(BlockQ4K) == 144 &&
              sizeof(BlockQ5K) == 176 && sizeof(BlockQ6K) == 210);

constexpr int kQK = ggml::kQK;
constexpr int kQKK = ggml::kQKK;
constexpr float kGroupMaxEps = 1e-15f; // GROUP_MAX_EPS: below this a group counts as all zero

inline float fp16(uint16_t h) {
    return fp16ToFloat(h);
}
inline uint16_t toFp16(float f) {
    return floatToFp16(f);
}

// ggml's nearest_int: adding 1.5 * 2^23 leaves round-half-even(f) in the low mantissa bits
// (valid for |f| <= 2^22 - 1, which every caller guarantees).
inline int nearestInt(float f) {
    const float v = f + 12582912.f;
    return (std::bit_cast<int32_t>(v) & 0x007fffff) - 0x00400000;
}

// The legacy types cast x*id + offset to an 8-bit integer, which truncates. ggml leaves values
// outside the cast's range undefined (they only occur for NaN, or a scale so small that 1/d
// overflows to Inf); here they are pinned (NaN -> 0, large -> hi). The SIMD kernels hand exactly
// those blocks (1/d not finite) to this code, so both paths agree on them too.
inline int truncClamp(float p, float hi) {
    return p >= 0.0f ? int(std::min(p, hi)) : 0;
}

// roundf (half away from zero) pinned to the int8 range the same way.
inline int roundClamp127(float p) {
    const float r = std::round(p);
    return std::isnan(r) ? 0 : int(std::clamp(r, -127.0f, 127.0f));
}

// Value of the first element whose magnitude is the block's largest (ggml's `if (amax < |v|)`
// keeps the first), or +0 for an all-zero block.
inline float signedAbsMax(const float* x, int n) {
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < n; ++j) {
        if (amax < std::fabs(x[j])) {
            amax = std::fabs(x[j]);
            max = x[j];
        }
    }
    return max;
}

template <class Block>
inline Block loadBlock(const std::byte* p) {
    Block b;
    std::memcpy(&b, p, sizeof(Block));
    return b;
}
template <class Block>
inline void storeBlock(std::byte* p, const Block& b) {
    std::memcpy(p, &b, sizeof(Block));
}

// ======================= 32-element types

void quantizeQ4_0(const float* x, std::byte* out) {
    BlockQ4_0 y;
    const float max = signedAbsMax(x, kQK);
    const float d = max / -8;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y.d = toFp16(d);
    for (int j = 0; j < kQK / 2; ++j) {
        const int xi0 = truncClamp(x[j] * id + 8.5f, 15.0f);
        const int xi1 = truncClamp(x[j + kQK / 2] * id + 8.5f, 15.0f);
        y.qs[j] = uint8_t(xi0 | xi1 << 4);
    }
    storeBlock(out, y);
}

void dequantizeQ4_0(const std::byte* in, float* y) {
    const auto b = loadBlock<BlockQ4_0>(in);
    const float d = fp16(b.d);
    for (int j = 0; j < kQK / 2; ++j) {
        y[j] = float((b.qs[j] & 0x0F) - 8) * d;
        y[j + kQK / 2] = float((b.qs[j] >> 4) - 8) * d;
    }
}

// Minimum and maximum as ggml's strict `<`/`>` scans find them: on ties (only +0 vs -0 can tie
// with different bits) the first element in block order wins.
inline void minMax(const float* x, int n, float& min, float& max) {
    min = 3.40282347e38f;
    max = -3.40282347e38f;
    for (int j = 0; j < n; ++j) {
        if (x[j] < min) min = x[j];
        if (x[j] > max) max = x[j];
    }
}

void quantizeQ4_1(const float* x, std::byte* out) {
    BlockQ4_1 y;
    float min, max;
    minMax(x, kQK, min, max);
    const float d = (max - min) / 15;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y.d = toFp16(d);
    y.m = toFp16(min);
    for (int j = 0; j < kQK / 2; ++j) {
        const int xi0 = truncClamp((x[j] - min) * id + 0.5f, 15.0f);
        const int xi1 = truncClamp((x[j + kQK / 2] - min) * id + 0.5f, 15.0f);
        y.qs[j] = uint8_t(xi0 | xi1 << 4);
    }
    storeBlock(out, y);
}

void dequantizeQ4_1(const std::byte* in, float* y) {
    const auto b = loadBlock<BlockQ4_1>(in);
    const float d = fp16(b.d), m = fp16(b.m);
    for (int j = 0; j < kQK / 2; ++j) {
        y[j] = float(b.qs[j] & 0x0F) * d + m;
        y[j + kQK / 2] = float(b.qs[j] >> 4) * d + m;
    }
}

void quantizeQ5_0(const float* x, std::byte* out) {
    BlockQ5_0 y;
    const float max = signedAbsMax(x, kQK);
    const float d = max / -16;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y.d = toFp16(d);
    uint32_t qh = 0;
    for (int j = 0; j < kQK / 2; ++j) {
        const int xi0 = truncClamp(x[j] * id + 16.5f, 31.0f);
        const int xi1 = truncClamp(x[j + kQK / 2] * id + 16.5f, 31.0f);
        y.qs[j] = uint8_t((xi0 & 0x0F) | (xi1 & 0x0F) << 4);
        qh |= uint32_t(xi0 >> 4) << j;
        qh |= uint32_t(xi1 >> 4) << (j + kQK / 2);
    }
    std::memcpy(y.qh, &qh, 4);
    storeBlock(out, y);
}

void dequantizeQ5_0(const std::byte* in, float* y) {
    const auto b = loadBlock<BlockQ5_0>(in);
    const float d = fp16(b.d);
    uint32_t qh;
    std::memcpy(&qh, b.qh, 4);
    for (int j = 0; j < kQK / 2; ++j) {
        const int h0 = int((qh >> j) << 4 & 0x10);
        const int h1 = int((qh >> (j + 12)) & 0x10);
        y[j] = float(((b.qs[j] & 0x0F) | h0) - 16) * d;
        y[j + kQK / 2] = float(((b.qs[j] >> 4) | h1) - 16) * d;
    }
}

void quantizeQ5_1(const float* x, std::byte* out) {
    BlockQ5_1 y;
    float min, max;
    minMax(x, kQK, min, max);
    const float d = (max - min) / 31;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y.d = toFp16(d);
    y.m = toFp16(min);
    uint32_t qh = 0;
    for (int j = 0; j < kQK / 2; ++j) {
        // ggml casts to uint8_t without a clamp; (max - min) * id stays below 31.5, so the clamp
        // only pins the undefined cases (see truncClamp).
        const int xi0 = truncClamp((x[j] - min) * id + 0.5f, 31.0f);
        const int xi1 = truncClamp((x[j + kQK / 2] - min) * id + 0.5f, 31.0f);
        y.qs[j] = uint8_t((xi0 & 0x0F) | (xi1 & 0x0F) << 4);
        qh |= uint32_t(xi0 >> 4) << j;
        qh |= uint32_t(xi1 >> 4) << (j + kQK / 2);
    }
    std::memcpy(y.qh, &qh, 4);
    storeBlock(out, y);
}

void dequantizeQ5_1(const std::byte* in, float* y) {
    const auto b = loadBlock<BlockQ5_1>(in);
    const float d = fp16(b.d), m = fp16(b.m);
    uint32_t qh;
    std::memcpy(&qh, b.qh, 4);
    for (int j = 0; j < kQK / 2; ++j) {
        const int h0 = int((qh >> j) << 4 & 0x10);
        const int h1 = int((qh >> (j + 12)) & 0x10);
        y[j] = float((b.qs[j] & 0x0F) | h0) * d + m;
        y[j + kQK / 2] = float((b.qs[j] >> 4) | h1) * d + m;
    }
}

void quantizeQ8_0(const float* x, std::byte* out) {
    BlockQ8_0 y;
    float amax = 0.0f;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y.d = toFp16(d);
    for (int j = 0; j < kQK; ++j) y.qs[j] = int8_t(roundClamp127(x[j] * id));
    storeBlock(out, y);
}

void dequantizeQ8_0(const std::byte* in, float* y) {
    const auto b = loadBlock<BlockQ8_0>(in);
    const float d = fp16(b.d);
    for (int j = 0; j < kQK; ++j) y[j] = float(b.qs[j]) * d;
}

// ======================= K-quant helpers (make_qx_quants, make_q3_quants, make_qkx2_quants)

// Symmetric codes L in [0, 2 nmax) for scale s: x ~ s (L - nmax). rmseType 1 weighs by x^2 and
// searches 18 scale candidates around -nmax/max for the least weighted squared error.
float makeQxQuants(int n, int nmax, const float* x, int8_t* L, int rmseType) {
    const float max = signedAbsMax(x, n);
    if (std::fabs(max) < kGroupMaxEps) {
        for (int i = 0; i < n; ++i) L[i] = 0;
        return 0.f;
    }
    float iscale = float(-nmax) / max;
    if (rmseType == 0) {
        for (int i = 0; i < n; ++i) {
            const int l = nearestInt(iscale * x[i]);
            L[i] = int8_t(nmax + std::max(-nmax, std::min(nmax - 1, l)));
        }
        return 1 / iscale;
    }
    auto weight = [rmseType](float xi) {
        return rmseType == 1   ? xi * xi
               : rmseType == 2 ? 1.0f
               : rmseType == 3 ? std::fabs(xi)
                               : std::sqrt(std::fabs(xi));
    };
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        int l = nearestInt(iscale * x[i]);
        l = std::max(-nmax, std::min(nmax - 1, l));
        L[i] = int8_t(l + nmax);
        const float w = weight(x[i]);
        sumlx += w * x[i] * float(l);
        suml2 += w * float(l) * float(l);
    }
    float scale = suml2 != 0.0f ? sumlx / suml2 : 0.0f;
    float best = scale * sumlx;
    for (int is = -9; is <= 9; ++is) {
        if (is == 0) continue;
        iscale = -(float(nmax) + 0.1f * float(is)) / max;
        sumlx = suml2 = 0;
        for (int i = 0; i < n; ++i) {
            int l = nearestInt(iscale * x[i]);
            l = std::max(-nmax, std::min(nmax - 1, l));
            const float w = weight(x[i]);
            sumlx += w * x[i] * float(l);
            suml2 += w * float(l) * float(l);
        }
        if (suml2 > 0 && sumlx * sumlx > best * suml2) {
            for (int i = 0; i < n; ++i) {
                const int l = nearestInt(iscale * x[i]);
                L[i] = int8_t(nmax + std::max(-nmax, std::min(nmax - 1, l)));
            }
            scale = sumlx / suml2;
            best = scale * sumlx;
        }
    }
    return scale;
}

// Q3_K's scale search: start from -nmax/max, then up to 5 passes of coordinate descent on single
// codes, keeping a change when it raises sumlx^2 / suml2 (x^2-weighted).
float makeQ3Quants(int n, int nmax, const float* x, int8_t* L) {
    const float max = signedAbsMax(x, n);
    if (std::fabs(max) < kGroupMaxEps) {
        for (int i = 0; i < n; ++i) L[i] = 0;
        return 0.f;
    }
    const float iscale = float(-nmax) / max;
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        int l = nearestInt(iscale * x[i]);
        l = std::max(-nmax, std::min(nmax - 1, l));
        L[i] = int8_t(l);
        const float w = x[i] * x[i];
        sumlx += w * x[i] * float(l);
        suml2 += w * float(l) * float(l);
    }
    for (int itry = 0; itry < 5; ++itry) {
        int nChanged = 0;
        for (int i = 0; i < n; ++i) {
            const float w = x[i] * x[i];
            float slx = sumlx - w * x[i] * float(L[i]);
            if (slx > 0) {
                float sl2 = suml2 - w * float(L[i]) * float(L[i]);
                int newL = nearestInt(x[i] * sl2 / slx);
                newL = std::max(-nmax, std::min(nmax - 1, newL));
                if (newL != L[i]) {
                    slx += w * x[i] * float(newL);
                    sl2 += w * float(newL) * float(newL);
                    if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                        L[i] = int8_t(newL);
                        sumlx = slx;
                        suml2 = sl2;
                        ++nChanged;
                    }
                }
            }
        }
        if (!nChanged) break;
    }
    for (int i = 0; i < n; ++i) L[i] = int8_t(L[i] + nmax);
    return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

// Asymmetric codes L in [0, nmax] with x ~ scale L - theMin (theMin >= 0 returned). Tries
// nstep + 1 scales (rmin + rdelta is + nmax) / (max - min), each followed by the weighted
// least-squares scale and min for its codes, and keeps the lowest weighted error (|.| if useMad).
float makeQkx2Quants(int n, int nmax, const float* x, const float* weights, uint8_t* L,
                     float* theMin, uint8_t* Laux, float rmin, float rdelta, int nstep,
                     bool useMad) {
    float min = x[0], max = x[0];
    float sumW = weights[0];
    float sumX = sumW * x[0];
    for (int i = 1; i < n; ++i) {
        if (x[i] < min) min = x[i];
        if (x[i] > max) max = x[i];
        const float w = weights[i];
        sumW += w;
        sumX += w * x[i];
    }
    if (min > 0) min = 0;
    if (max == min) {
        for (int i = 0; i < n; ++i) L[i] = 0;
        *theMin = -min;
        return 0.f;
    }
    float iscale = float(nmax) / (max - min);
    float scale = 1 / iscale;
    float bestError = 0;
    for (int i = 0; i < n; ++i) {
        const int l = nearestInt(iscale * (x[i] - min));
        L[i] = uint8_t(std::max(0, std::min(nmax, l)));
        float diff = scale * float(L[i]) + min - x[i];
        diff = useMad ? std::fabs(diff) : diff * diff;
        bestError += weights[i] * diff;
    }
    if (nstep < 1) {
        *theMin = -min;
        return scale;
    }
    for (int is = 0; is <= nstep; ++is) {
        iscale = (rmin + rdelta * float(is) + float(nmax)) / (max - min);
        float sumL = 0, sumL2 = 0, sumXL = 0;
        for (int i = 0; i < n; ++i) {
            int l = nearestInt(iscale * (x[i] - min));
            l = std::max(0, std::min(nmax, l));
            Laux[i] = uint8_t(l);
            const float w = weights[i];
            sumL += w * float(l);
            sumL2 += w * float(l) * float(l);
            sumXL += w * float(l) * x[i];
        }
        const float D = sumW * sumL2 - sumL * sumL;
        if (D > 0) {
            float thisScale = (sumW * sumXL - sumX * sumL) / D;
            float thisMin = (sumL2 * sumX - sumL * sumXL) / D;
            if (thisMin > 0) {
                thisMin = 0;
                thisScale = sumXL / sumL2;
            }
            float curError = 0;
            for (int i = 0; i < n; ++i) {
                float diff = thisScale * float(Laux[i]) + thisMin - x[i];
                diff = useMad ? std::fabs(diff) : diff * diff;
                curError += weights[i] * diff;
            }
            if (curError < bestError) {
                for (int i = 0; i < n; ++i) L[i] = Laux[i];
                bestError = curError;
                scale = thisScale;
                min = thisMin;
            }
        }
    }
    *theMin = -min;
    return scale;
}

// Six-bit scale j and min j of Q4_K/Q5_K's 12 packed bytes: scales 0-3 and mins 0-3 in the low 6
// bits of bytes 0-3 / 4-7; scales and mins 4-7 as nibbles of bytes 8-11 plus the top 2 bits of
// bytes 0-3 / 4-7.
inline void getScaleMinK4(int j, const uint8_t* q, uint8_t& d, uint8_t& m) {
    if (j < 4) {
        d = q[j] & 63;
        m = q[j + 4] & 63;
    } else {
        d = uint8_t((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        m = uint8_t((q[j + 4] >> 4) | ((q[j - 0] >> 6) << 4));
    }
}

inline void packScaleMinK4(int j, uint8_t ls, uint8_t lm, uint8_t* scales) {
    if (j < 4) {
        scales[j] = ls;
        scales[j + 4] = lm;
    } else {
        scales[j + 4] = uint8_t((ls & 0xF) | ((lm & 0xF) << 4));
        scales[j - 4] |= uint8_t((ls >> 4) << 6);
        scales[j - 0] |= uint8_t((lm >> 4) << 6);
    }
}

// ======================= Q2_K: 16 groups of 16, 2-bit codes, 4-bit scales and mins

void quantizeQ2K(const float* x, std::byte* out) {
    BlockQ2K y;
    uint8_t L[kQKK], Laux[16];
    float weights[16], mins[kQKK / 16], scales[kQKK / 16];
    const float q4scale = 15.f;

    float maxScale = 0, maxMin = 0; // scales and mins are never negative here
    for (int j = 0; j < kQKK / 16; ++j) {
        for (int l = 0; l < 16; ++l) weights[l] = std::fabs(x[16 * j + l]);
        scales[j] = makeQkx2Quants(16, 3, x + 16 * j, weights, L + 16 * j, &mins[j], Laux, -0.5f,
                                   0.1f, 15, true);
        maxScale = std::max(maxScale, scales[j]);
        maxMin = std::max(maxMin, mins[j]);
    }
    if (maxScale > 0) {
        const float iscale = q4scale / maxScale;
        for (int j = 0; j < kQKK / 16; ++j) y.scales[j] = uint8_t(nearestInt(iscale * scales[j]));
        y.d = toFp16(maxScale / q4scale);
    } else {
        for (int j = 0; j < kQKK / 16; ++j) y.scales[j] = 0;
        y.d = toFp16(0.f);
    }
    if (maxMin > 0) {
        const float iscale = q4scale / maxMin;
        for (int j = 0; j < kQKK / 16; ++j)
            y.scales[j] |= uint8_t(nearestInt(iscale * mins[j]) << 4);
        y.dmin = toFp16(maxMin / q4scale);
    } else {
        y.dmin = toFp16(0.f);
    }
    // Requantize against the scales as stored (4-bit, fp16 super-scales).
    for (int j = 0; j < kQKK / 16; ++j) {
        const float d = fp16(y.d) * float(y.scales[j] & 0xF);
        if (d == 0.0f) continue;
        const float dm = fp16(y.dmin) * float(y.scales[j] >> 4);
        for (int ii = 0; ii < 16; ++ii) {
            const int l = nearestInt((x[16 * j + ii] + dm) / d);
            L[16 * j + ii] = uint8_t(std::max(0, std::min(3, l)));
        }
    }
    for (int j = 0; j < kQKK; j += 128)
        for (int l = 0; l < 32; ++l)
            y.qs[j / 4 + l] = uint8_t(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) |
                                      (L[j + l + 96] << 6));
    storeBlock(out, y);
}

void dequantizeQ2K(const std::byte* in, float* y) {
    const auto b = loadBlock<BlockQ2K>(in);
    const float d = fp16(b.d), min = fp16(b.dmin);
    const uint8_t* q = b.qs;
    int is = 0;
    for (int n = 0; n < kQKK; n += 128) {
        for (int shift = 0; shift < 8; shift += 2) {
            for (int half = 0; half < 2; ++half) {
                const uint8_t sc = b.scales[is++];
                const float dl = d * float(sc & 0xF), ml = min * float(sc >> 4);
                for (int l = 0; l < 16; ++l)
                    *y++ = dl * float((q[l + 16 * half] >> shift) & 3) - ml;
            }
        }
        q += 32;
    }
}

// ======================= Q3_K: 16 groups of 16, 3-bit codes, signed 6-bit scales

void quantizeQ3K(const float* x, std::byte* out) {
    BlockQ3K y;
    int8_t L[kQKK];
    float scales[kQKK / 16];

    float maxScale = 0, amax = 0;
    for (int j = 0; j < kQKK / 16; ++j) {
        scales[j] = makeQ3Quants(16, 4, x + 16 * j, L + 16 * j);
        const float scale = std::fabs(scales[j]);
        if (scale > amax) {
            amax = scale;
            maxScale = scales[j];
        }
    }
    std::memset(y.scales, 0, 12);
    if (maxScale != 0.0f) {
        const float iscale = -32.f / maxScale;
        for (int j = 0; j < kQKK / 16; ++j) {
            int8_t l = int8_t(nearestInt(iscale * scales[j]));
            l = int8_t(std::max(-32, std::min(31, int(l))) + 32);
            if (j < 8)
                y.scales[j] = uint8_t(l & 0xF);
            else
                y.scales[j - 8] |= uint8_t((l & 0xF) << 4);
            l = int8_t(l >> 4);
            y.scales[j % 4 + 8] |= uint8_t(l << (2 * (j / 4)));
        }
        y.d = toFp16(1 / iscale);
    } else {
        y.d = toFp16(0.f);
    }
    for (int j = 0; j < kQKK / 16; ++j) {
        int sc = j < 8 ? y.scales[j] & 0xF : y.scales[j - 8] >> 4;
        sc = (sc | (((y.scales[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32;
        const float d = fp16(y.d) * float(sc);
        if (d == 0.0f) continue;
        for (int ii = 0; ii < 16; ++ii) {
            const int l = nearestInt(x[16 * j + ii] / d);
            L[16 * j + ii] = int8_t(std::max(-4, std::min(3, l)) + 4);
        }
    }
    // High bits: element j's goes to bit (j / 32) of hmask[j % 32].
    std::memset(y.hmask, 0, 32);
    int m = 0;
    uint8_t hm = 1;
    for (int j = 0; j < kQKK; ++j) {
        if (L[j] > 3) {
            y.hmask[m] |= hm;
            L[j] = int8_t(L[j] - 4);
        }
        if (++m == kQKK / 8) {
            m = 0;
            hm = uint8_t(hm << 1);
        }
    }
    for (int j = 0; j < kQKK; j += 128)
        for (int l = 0; l < 32; ++l)
            y.qs[j / 4 + l] = uint8_t(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) |
                                      (L[j + l + 96] << 6));
    storeBlock(out, y);
}

void dequantizeQ3K(const std::byte* in, float* y) {
    const auto b = loadBlock<BlockQ3K>(in);
    const float dAll = fp16(b.d);
    int8_t scales[16];
    for (int j = 0; j < 16; ++j) {
        const int lo = j < 8 ? b.scales[j] & 0xF : b.scales[j - 8] >> 4;
        const int hi = (b.scales[8 + j % 4] >> (2 * (j / 4))) & 3;
        scales[j] = int8_t(lo | hi << 4);
    }
    const uint8_t* q = b.qs;
    uint8_t m = 1;
    int is = 0;
    for (int n = 0; n < kQKK; n += 128) {
        for (int shift = 0; shift < 8; shift += 2) {
            for (int half = 0; half < 2; ++half) {
                const float dl = dAll * float(scales[is++] - 32);
                for (int l = 0; l < 16; ++l) {
                    const int k = l + 16 * half;
                    const int v = ((q[k] >> shift) & 3) - ((b.hmask[k] & m) ? 0 : 4);
                    *y++ = dl * float(v);
                }
            }
            m = uint8_t(m << 1);
        }
        q += 32;
    }
}

// ======================= Q4_K / Q5_K: 8 groups of 32, asymmetric, 6-bit scales and mins

template <int kNMax>
void kQuantScalesQ45(const float* x, float rmin, int nstep, uint8_t* L, uint8_t* scalesOut,
                     uint16_t& dOut, uint16_t& dminOut) {
    uint8_t Laux[32];
    float weights[32], mins[kQKK / 32], scales[kQKK / 32];
    float maxScale = 0, maxMin = 0;
    for (int j = 0; j < kQKK / 32; ++j) {
        float sumX2 = 0;
        for (int l = 0; l < 32; ++l) sumX2 += x[32 * j + l] * x[32 * j + l];
        const float avX = std::sqrt(sumX2 / 32);
        for (int l = 0; l < 32; ++l) weights[l] = avX + std::fabs(x[32 * j + l]);
        scales[j] = makeQkx2Quants(32, kNMax, x + 32 * j, weights, L + 32 * j, &mins[j], Laux, rmin,
                                   0.1f, nstep, false);
        maxScale = std::max(maxScale, scales[j]);
        maxMin = std::max(maxMin, mins[j]);
    }
    const float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
    const float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
    std::memset(scalesOut, 0, 12);
    for (int j = 0; j < kQKK / 32; ++j) {
        const uint8_t ls = std::min<uint8_t>(63, uint8_t(nearestInt(invScale * scales[j])));
        const uint8_t lm = std::min<uint8_t>(63, uint8_t(nearestInt(invMin * mins[j])));
        packScaleMinK4(j, ls, lm, scalesOut);
    }
    dOut = toFp16(maxScale / 63.f);
    dminOut = toFp16(maxMin / 63.f);
    for (int j = 0; j < kQKK / 32; ++j) {
        uint8_t sc, m;
        getScaleMinK4(j, scalesOut, sc, m);
        const float d = fp16(dOut) * float(sc);
        if (d == 0.0f) continue;
        const float dm = fp16(dminOut) * float(m);
        for (int ii = 0; ii < 32; ++ii) {
            const int l = nearestInt((x[32 * j + ii] + dm) / d);
            L[32 * j + ii] = uint8_t(std::max(0, std::min(kNMax, l)));
        }
    }
}

void quantizeQ4K(const float* x, std::byte* out) {
    BlockQ4K y;
    uint8_t L[kQKK];
    kQuantScalesQ45<15>(x, -1.f, 20, L, y.scales, y.d, y.dmin);
    uint8_t* q = y.qs;
    for (int j = 0; j < kQKK; j += 64) {
        for (int l = 0; l < 32; ++l) q[l] = uint8_t(L[j + l] | (L[j + l + 32] << 4));
        q += 32;
    }
    storeBlock(out, y);
}

void dequantizeQ4K(const std::byte* in, float* y) {
    const auto b = loadBlock<BlockQ4K>(in);
    const float d = fp16(b.d), min = fp16(b.dmin);
    const uint8_t* q = b.qs;
    for (int j = 0, is = 0; j < kQKK; j += 64, is += 2, q += 32) {
        uint8_t sc, m;
        getScaleMinK4(is + 0, b.scales, sc, m);
        const float d1 = d * float(sc), m1 = min * float(m);
        getScaleMinK4(is + 1, b.scales, sc, m);
        const float d2 = d * float(sc), m2 = min * float(m);
        for (int l = 0; l < 32; ++l) *y++ = d1 * float(q[l] & 0xF) - m1;
        for (int l = 0; l < 32; ++l) *y++ = d2 * float(q[l] >> 4) - m2;
    }
}

void quantizeQ5K(const float* x, std::byte* out) {
    BlockQ5K y;
    uint8_t L[kQKK];
    kQuantScalesQ45<31>(x, -0.5f, 15, L, y.scales, y.d, y.dmin);
    std::memset(y.qh, 0, 32);
    uint8_t* ql = y.qs;
    uint8_t m1 = 1, m2 = 2;
    for (int n = 0; n < kQKK; n += 64) {
        for (int j = 0; j < 32; ++j) {
            int l1 = L[n + j];
            if (l1 > 15) {
                l1 -= 16;
                y.qh[j] |= m1;
            }
            int l2 = L[n + j + 32];
            if (l2 > 15) {
                l2 -= 16;
                y.qh[j] |= m2;
            }
            ql[j] = uint8_t(l1 | (l2 << 4));
        }
        m1 = uint8_t(m1 << 2);
        m2 = uint8_t(m2 << 2);
        ql += 32;
    }
    storeBlock(out, y);
}

void dequantizeQ5K(const std::byte* in, float* y) {
    const auto b = loadBlock<BlockQ5K>(in);
    const float d = fp16(b.d), min = fp16(b.dmin);
    const uint8_t* ql = b.qs;
    uint8_t u1 = 1, u2 = 2;
    for (int j = 0, is = 0; j < kQKK; j += 64, is += 2, ql += 32) {
        uint8_t sc, m;
        getScaleMinK4(is + 0, b.scales, sc, m);
        const float d1 = d * float(sc), m1 = min * float(m);
        getScaleMinK4(is + 1, b.scales, sc, m);
        const float d2 = d * float(sc), m2 = min * float(m);
        for (int l = 0; l < 32; ++l)
            *y++ = d1 * float((ql[l] & 0xF) + (b.qh[l] & u1 ? 16 : 0)) - m1;
        for (int l = 0; l < 32; ++l) *y++ = d2 * float((ql[l] >> 4) + (b.qh[l] & u2 ? 16 : 0)) - m2;
        u1 = uint8_t(u1 << 2);
        u2 = uint8_t(u2 << 2);
    }
}

// ======================= Q6_K: 16 groups of 16, 6-bit codes, signed 8-bit scales

void quantizeQ6K(const float* x, std::byte* out) {
    BlockQ6K y;
    int8_t L[kQKK];
    float scales[kQKK / 16];
    float maxScale = 0, maxAbsScale = 0;
    for (int ib = 0; ib < kQKK / 16; ++ib) {
        const float scale = makeQxQuants(16, 32, x + 16 * ib, L + 16 * ib, 1);
        scales[ib] = scale;
        const float absScale = std::fabs(scale);
        if (absScale > maxAbsScale) {
            maxAbsScale = absScale;
            maxScale = scale;
        }
    }
    if (maxAbsScale < kGroupMaxEps) {
        std::memset(&y, 0, sizeof y);
        y.d = toFp16(0.f);
        storeBlock(out, y);
        return;
    }
    const float iscale = -128.f / maxScale;
    y.d = toFp16(1 / iscale);
    for (int ib = 0; ib < kQKK / 16; ++ib)
        y.scales[ib] = int8_t(std::min(127, nearestInt(iscale * scales[ib])));
    for (int j = 0; j < kQKK / 16; ++j) {
        const float d = fp16(y.d) * float(y.scales[j]);
        if (d == 0.0f) continue;
        for (int ii = 0; ii < 16; ++ii) {
            const int l = nearestInt(x[16 * j + ii] / d);
            L[16 * j + ii] = int8_t(std::max(-32, std::min(31, l)) + 32);
        }
    }
    uint8_t* ql = y.ql;
    uint8_t* qh = y.qh;
    for (int j = 0; j < kQKK; j += 128) {
        for (int l = 0; l < 32; ++l) {
            const int q1 = L[j + l + 0] & 0xF, q2 = L[j + l + 32] & 0xF;
            const int q3 = L[j + l + 64] & 0xF, q4 = L[j + l + 96] & 0xF;
            ql[l + 0] = uint8_t(q1 | (q3 << 4));
            ql[l + 32] = uint8_t(q2 | (q4 << 4));
            qh[l] = uint8_t((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) |
                            ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6));
        }
        ql += 64;
        qh += 32;
    }
    storeBlock(out, y);
}

void dequantizeQ6K(const std::byte* in, float* y) {
    const auto b = loadBlock<BlockQ6K>(in);
    const float d = fp16(b.d);
    const uint8_t* ql = b.ql;
    const uint8_t* qh = b.qh;
    const int8_t* sc = b.scales;
    for (int n = 0; n < kQKK; n += 128) {
        for (int l = 0; l < 32; ++l) {
            const int is = l / 16;
            const int q1 = ((ql[l + 0] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
            const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
            const int q3 = ((ql[l + 0] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            y[l + 0] = d * float(sc[is + 0]) * float(q1);
            y[l + 32] = d * float(sc[is + 2]) * float(q2);
            y[l + 64] = d * float(sc[is + 4]) * float(q3);
            y[l + 96] = d * float(sc[is + 6]) * float(q4);
        }
        y += 128;
        ql += 64;
        qh += 32;
        sc += 8;
    }
}

// ======================= Float types (one "block" = one element)

void quantizeF32(const float* x, std::byte* out) {
    std::memcpy(out, x, 4);
}
void dequantizeF32(const std::byte* in, float* y) {
    std::memcpy(y, in, 4);
}
void quantizeF16(const float* x, std::byte* out) {
    const uint16_t h = floatToFp16(*x);
    std::memcpy(out, &h, 2);
}
void dequantizeF16(const std::byte* in, float* y) {
    uint16_t h;
    std::memcpy(&h, in, 2);
    *y = fp16ToFloat(h);
}
void quantizeBF16(const float* x, std::byte* out) { // = GGML_FP32_TO_BF16 (RNE, NaN quieted)
    const uint16_t h = floatToBf16(*x);
    std::memcpy(out, &h, 2);
}
void dequantizeBF16(const std::byte* in, float* y) {
    uint16_t h;
    std::memcpy(&h, in, 2);
    *y = bf16ToFloat(h);
}

// ======================= Table and row drivers

struct Codec {
    GgmlTypeTraits traits;
    void (*quantize)(const float*, std::byte*);
    void (*dequantize)(const std::byte*, float*);
};

const std::vector<Codec>& codecs() {
    static const std::vector<Codec> table = {
        {{ggml::kF32, "f32", 1, 4}, quantizeF32, dequantizeF32},
        {{ggml::kF16, "f16", 1, 2}, quantizeF16, dequantizeF16},
        {{ggml::kQ4_0, "q4_0", kQK, 18}, quantizeQ4_0, dequantizeQ4_0},
        {{ggml::kQ4_1, "q4_1", kQK, 20}, quantizeQ4_1, dequantizeQ4_1},
        {{ggml::kQ5_0, "q5_0", kQK, 22}, quantizeQ5_0, dequantizeQ5_0},
        {{ggml::kQ5_1, "q5_1", kQK, 24}, quantizeQ5_1, dequantizeQ5_1},
        {{ggml::kQ8_0, "q8_0", kQK, 34}, quantizeQ8_0, dequantizeQ8_0},
        {{ggml::kQ2_K, "q2_K", kQKK, 84}, quantizeQ2K, dequantizeQ2K},
        {{ggml::kQ3_K, "q3_K", kQKK, 110}, quantizeQ3K, dequantizeQ3K},
        {{ggml::kQ4_K, "q4_K", kQKK, 144}, quantizeQ4K, dequantizeQ4K},
        {{ggml::kQ5_K, "q5_K", kQKK, 176}, quantizeQ5K, dequantizeQ5K},
        {{ggml::kQ6_K, "q6_K", kQKK, 210}, quantizeQ6K, dequantizeQ6K},
        {{ggml::kBF16, "bf16", 1, 2}, quantizeBF16, dequantizeBF16},
    };
    return table;
}

const Codec* findCodec(int type) {
    for (const Codec& c : codecs())
        if (c.traits.type == type) return &c;
    return nullptr;
}

const Codec& codecFor(int type, int64_t cols) {
    const Codec* c = findCodec(type);
    if (!c) throw Error("ggml type " + std::to_string(type) + " is not supported");
    if (cols < 0 || cols % c->traits.blockSize != 0)
        throw Error("ggml " + std::string(c->traits.name) + ": row length " + std::to_string(cols) +
                    " is not a multiple of " + std::to_string(c->traits.blockSize));
    return *c;
}

bool isBlockType(const Codec& c) {
    return c.traits.blockSize > 1;
}

int64_t firstNonFinite(const float* x, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
        if (!std::isfinite(x[i])) return i;
    return -1;
}

// Rows per parallel task: at least ~256K elements, so scheduling stays negligible.
int64_t rowGrain(int64_t cols) {
    return std::max<int64_t>(1, (int64_t(1) << 18) / std::max<int64_t>(cols, 1));
}

// Runs body(r0, r1) over [0, rows), in parallel when the matrix is large enough to pay for it.
template <class Body>
void forRows(int64_t rows, int64_t cols, const Body& body) {
    const int64_t grain = rowGrain(cols);
    if (rows <= grain) {
        body(int64_t(0), rows);
        return;
    }
    tbb::parallel_for(tbb::blocked_range<int64_t>(0, rows, size_t(grain)),
                      [&](const tbb::blocked_range<int64_t>& r) { body(r.begin(), r.end()); });
}

void lowerAtomic(std::atomic<int64_t>& a, int64_t v) {
    int64_t cur = a.load();
    while ((cur < 0 || v < cur) && !a.compare_exchange_weak(cur, v)) {
    }
}

// Quantize-dequantize rows [r0, r1) through bytes; returns the first non-finite index or -1.
int64_t refRows(const Codec& c, const float* src, float* dst, int64_t r0, int64_t r1,
                int64_t cols) {
    const int bs = c.traits.blockSize;
    std::vector<std::byte> row(size_t(cols / bs * c.traits.blockBytes));
    for (int64_t r = r0; r < r1; ++r) {
        const float* x = src + r * cols;
        if (isBlockType(c))
            if (int64_t bad = firstNonFinite(x, cols); bad >= 0) return r * cols + bad;
        for (int64_t b = 0; b < cols / bs; ++b)
            c.quantize(x + b * bs, row.data() + b * c.traits.blockBytes);
        for (int64_t b = 0; b < cols / bs; ++b)
            c.dequantize(row.data() + b * c.traits.blockBytes, dst + r * cols + b * bs);
    }
    return -1;
}

} // namespace

const GgmlTypeTraits* ggmlTypeTraits(int type) {
    const Codec* c = findCodec(type);
    return c ? &c->traits : nullptr;
}

const std::vector<GgmlTypeTraits>& ggmlSupportedTypes() {
    static const std::vector<GgmlTypeTraits> list = [] {
        std::vector<GgmlTypeTraits> v;
        for (const Codec& c : codecs()) v.push_back(c.traits);
        return v;
    }();
    return list;
}

uint64_t ggmlRowBytes(int type, int64_t cols) {
    const Codec& c = codecFor(type, cols);
    return uint64_t(cols / c.traits.blockSize) * uint64_t(c.traits.blockBytes);
}

std::vector<std::byte> ggmlQuantizeRows(int type, const float* src, int64_t rows, int64_t cols,
                                        const float* /*importance: see header*/) {
    const Codec& c = codecFor(type, cols);
    const uint64_t rowBytes = ggmlRowBytes(type, cols);
    std::vector<std::byte> out(size_t(rowBytes * uint64_t(std::max<int64_t>(rows, 0))));
    std::atomic<int64_t> bad{-1};
    const int bs = c.traits.blockSize;
    forRows(rows, cols, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
            const float* x = src + r * cols;
            if (isBlockType(c))
                if (int64_t i = firstNonFinite(x, cols); i >= 0) {
                    lowerAtomic(bad, r * cols + i);
                    return;
                }
            std::byte* y = out.data() + size_t(r) * rowBytes;
            for (int64_t b = 0; b < cols / bs; ++b)
                c.quantize(x + b * bs, y + b * c.traits.blockBytes);
        }
    });
    if (bad.load() >= 0)
        throw Error("cannot quantize to " + std::string(c.traits.name) +
                    ": non-finite value at element " + std::to_string(bad.load()) + " (row " +
                    std::to_string(bad.load() / cols) + ", column " +
                    std::to_string(bad.load() % cols) + ")");
    return out;
}

void ggmlDequantizeRows(int type, const std::byte* data, float* dst, int64_t rows, int64_t cols) {
    const Codec& c = codecFor(type, cols);
    const uint64_t rowBytes = ggmlRowBytes(type, cols);
    const int bs = c.traits.blockSize;
    forRows(rows, cols, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
            const std::byte* x = data + size_t(r) * rowBytes;
            for (int64_t b = 0; b < cols / bs; ++b)
                c.dequantize(x + b * c.traits.blockBytes, dst + r * cols + b * bs);
        }
    });
}

int64_t ggmlQuantizeDequantize(int type, const float* src, float* dst, int64_t rows, int64_t cols) {
    const Codec& c = codecFor(type, cols);
    std::atomic<int64_t> bad{-1};
    if (ggml_simd::hasFusedKernel(type)) {
        // Rows of whole blocks are contiguous, so the matrix is one run of blocks.
        const int64_t nblocks = rows * (cols / kQK);
        const int64_t grain = (int64_t(1) << 18) / kQK;
        // Outputs of 16 MiB and more bypass the caches (as quant_detail::kStreamMinBytes).
        const bool stream = rows * cols * int64_t(sizeof(float)) >= (int64_t(16) << 20);
        auto run = [&](int64_t b0, int64_t b1) {
            const int64_t at =
                ggml_simd::fusedBlocks(type, src + b0 * kQK, dst + b0 * kQK, b1 - b0, stream);
            if (at >= 0) {
                const int64_t block = b0 + at;
                lowerAtomic(bad, block * kQK + firstNonFinite(src + block * kQK, kQK));
            }
        };
        if (nblocks <= grain)
            run(0, nblocks);
        else
            tbb::parallel_for(
                tbb::blocked_range<int64_t>(0, nblocks, size_t(grain)),
                [&](const tbb::blocked_range<int64_t>& r) { run(r.begin(), r.end()); });
        return bad.load();
    }
    forRows(rows, cols, [&](int64_t r0, int64_t r1) {
        if (int64_t at = refRows(c, src, dst, r0, r1, cols); at >= 0) lowerAtomic(bad, at);
    });
    return bad.load();
}

const char* ggmlSimdTargetName() {
    return ggml_simd::targetName();
}

void ggml_simd::referenceBlock(int type, const float* src, float* dst) {
    const Codec* c = findCodec(type);
    std::byte block[64]; // the largest 32-element block is q8_0's 34 bytes
    c->quantize(src, block);
    c->dequantize(block, dst);
}

namespace ggml_ref {
int64_t quantizeDequantize(int type, const float* src, float* dst, int64_t rows, int64_t cols) {
    return refRows(codecFor(type, cols), src, dst, 0, rows, cols);
}
} // namespace ggml_ref

} // namespace qs
