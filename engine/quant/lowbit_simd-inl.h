// Per-target ternary, binary and logarithmic quantize-dequantize kernels. Not a header of its
// own: lowbit_simd.cpp names this file as HWY_TARGET_INCLUDE, and hwy/foreach_target.h compiles
// it once per enabled Highway target, each copy in namespace qs::quant_detail::N_<TARGET>.
//
// Each kernel computes what its scalar twin in lowbit_formats.cpp (qdqRowRef) computes, bit for
// bit on every target:
//   - the row scales: ternary_c's and binary_c's fp16 mean |w| by the very same scalar function
//     (lowbitMeanAbsScale: a double sum in index order, which no reordered vector sum would
//     reproduce); the log formats' fp16 amax from the exact vector maximum (AbsMaxInline, also
//     the row's NaN/Inf test) and RoundScaleToFp16, the twin of roundScaleToFp16;
//   - x / s as a true division (correctly rounded, like the reference's), then ternary:
//     nearbyint by hn::Round (ties to even) with the quotient's sign copied back (the SCALAR
//     target's Round turns -0.3 into +0, nearbyint into -0), and the clamp as two selects (which
//     keep -0 like std::clamp, where a Min/Max pair need not); binary: the reference's comparison
//     x >= 0 (so -0 gives +mean); log: logLevel's thresholds, tested from the smallest level up
//     so that the largest level exceeded wins, as logLevel's first hit does, and the sign copied
//     back from x;
//   - the level times the scale is one product, as in the reference.
// Tails shorter than a vector run the reference's scalar expressions.

#include "quant/lowbit_formats.h"
#include "quant/simd_common-inl.h"

#include <hwy/highway.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

HWY_BEFORE_NAMESPACE();
namespace qs::quant_detail::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using DF = hn::ScalableTag<float>;
using VF = hn::Vec<DF>;

const char* LowBitTargetName() {
    return hwy::TargetName(HWY_TARGET);
}

// ---- Element passes -----------------------------------------------------------------------------

// Ternary: y = clamp(nearbyint(x / g), -1, 1) * g (g > 0).
template <class Out>
HWY_INLINE void TernaryPieces(const float* HWY_RESTRICT x, int64_t n, float g, Out& out) {
    const DF d;
    const VF vg = hn::Set(d, g), one = hn::Set(d, 1.0f), minusOne = hn::Set(d, -1.0f);
    Pieces(
        x, n, out,
        [&](VF v) HWY_ATTR {
            const VF t = hn::Div(v, vg);
            VF q = hn::CopySign(hn::Round(t), t); // nearbyint keeps the sign (-0.3 -> -0)
            q = hn::IfThenElse(hn::Gt(q, one), one, q);
            q = hn::IfThenElse(hn::Lt(q, minusOne), minusOne, q);
            return hn::Mul(q, vg);
        },
        [&](float v) { return std::clamp(std::nearbyint(v / g), -1.0f, 1.0f) * g; });
}

// Binary: y = x >= 0 ? m : -m.
template <class Out>
HWY_INLINE void BinaryPieces(const float* HWY_RESTRICT x, int64_t n, float m, Out& out) {
    const DF d;
    const VF vm = hn::Set(d, m), vneg = hn::Set(d, -m), zero = hn::Zero(d);
    Pieces(
        x, n, out, [&](VF v) HWY_ATTR { return hn::IfThenElse(hn::Ge(v, zero), vm, vneg); },
        [&](float v) { return v >= 0 ? m : -m; });
}

// logLevel's levels 2^-e and thresholds, e = 0 .. emaxCode (at most 6: log4).
struct LogTables {
    explicit LogTables(int bits) : emaxCode((1 << (bits - 1)) - 2) {
        const DF d;
        for (int e = 0; e <= emaxCode; ++e) {
            level[e] = hn::Set(d, std::ldexp(1.0f, -e));
            // Above 0.75 * 2^-e (halfway to the next smaller level); the smallest level from
            // half its value on (halfway to zero).
            thr[e] = hn::Set(d, e < emaxCode ? 0.75f * std::ldexp(1.0f, -e)
                                             : std::ldexp(0.5f, -emaxCode));
        }
    }
    int emaxCode;
    VF level[7], thr[7];
};

// Log: y = copysign(logLevel(|x| / s) * s, x) (s > 0).
template <class Out>
HWY_INLINE void LogPieces(const float* HWY_RESTRICT x, int64_t n, float s, const LogTables& tab,
                          Out& out) {
    const DF d;
    const VF vs = hn::Set(d, s);
    const int emaxCode = tab.emaxCode;
    Pieces(
        x, n, out,
        [&](VF v) HWY_ATTR {
            const VF t = hn::Div(hn::Abs(v), vs);
            VF lv = hn::Zero(d);
            for (int e = emaxCode; e >= 0; --e)
                lv = hn::IfThenElse(hn::Gt(t, tab.thr[e]), tab.level[e], lv);
            return hn::CopySign(hn::Mul(lv, vs), v);
        },
        [&](float v) { return std::copysign(logLevel(std::fabs(v) / s, emaxCode) * s, v); });
}

// ---- Row kernels --------------------------------------------------------------------------------

// One pass over `rows` rows of `cols`; kKind is LowBitKind, a template argument so each kernel
// is its own loop. Returns the first row holding NaN or Inf (unwritten, as are later rows), or -1.
template <int kKind, class Out>
HWY_INLINE int64_t RowsQdq(const float* HWY_RESTRICT src, int64_t rows, int64_t cols, int bits,
                           float gamma, Out& out) {
    const LogTables tab(kKind == int(LowBitKind::Log) ? bits : 2); // log only; once per call
    for (int64_t r = 0; r < rows; ++r) {
        const float* HWY_RESTRICT x = src + r * cols;
        PrefetchAhead(x, cols);
        float amax;
        if (!AbsMaxInline(x, cols, &amax)) return r;
        if constexpr (kKind == int(LowBitKind::Log)) {
            const float s = RoundScaleToFp16(amax);
            if (s > 0)
                LogPieces(x, cols, s, tab, out);
            else
                ZeroPieces(cols, out);
        } else if constexpr (kKind == int(LowBitKind::BinaryRow)) {
            BinaryPieces(x, cols, lowbitMeanAbsScale(x, cols), out);
        } else {
            const float g =
                kKind == int(LowBitKind::TernaryTensor) ? gamma : lowbitMeanAbsScale(x, cols);
            if (g > 0)
                TernaryPieces(x, cols, g, out);
            else
                ZeroPieces(cols, out);
        }
    }
    return -1;
}

template <int kKind>
int64_t RowsQdqKind(const float* src, float* dst, int64_t rows, int64_t cols, int bits, float gamma,
                    bool stream) {
    if (!stream) {
        DirectOut out(dst);
        return RowsQdq<kKind>(src, rows, cols, bits, gamma, out);
    }
    StreamOut out(dst);
    const int64_t bad = RowsQdq<kKind>(src, rows, cols, bits, gamma, out);
    out.Finish();
    return bad;
}

// The kernels by kind: a small traits table indexed by LowBitKind.
using RowKernel = int64_t (*)(const float*, float*, int64_t, int64_t, int, float, bool);
constexpr RowKernel kRowKernels[4] = {RowsQdqKind<0>, RowsQdqKind<1>, RowsQdqKind<2>,
                                      RowsQdqKind<3>};

// dst may equal src: each row is read completely (its scale) before it is written, and each
// piece before its output.
int64_t LowBitRowsQdq(const float* src, float* dst, int64_t rows, int64_t cols, int32_t kind,
                      int32_t bits, float gamma, int32_t stream) {
    return kRowKernels[kind](src, dst, rows, cols, bits, gamma, stream != 0);
}

} // namespace qs::quant_detail::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();
