// Per-target minifloat, MX and NF4 quantize-dequantize kernels. Not a header of its own:
// minifloat_simd.cpp names this file as HWY_TARGET_INCLUDE, and hwy/foreach_target.h compiles it
// once per enabled Highway target, each copy in namespace qs::quant_detail::N_<TARGET>.
//
// Each kernel computes what its scalar twin in minifloat_formats.cpp (roundToMinifloat and the
// reference kernels) computes, bit for bit on every target:
//   - element rounding to nearest even on the element grid, with saturation, as (a + M) - M with
//     a power of two M per lane (RoundElements explains why that equals the reference's integer
//     rounding of normal elements and its add/subtract rounding of subnormal ones); the sign is
//     copied back;
//   - x / s is the correctly rounded quotient: with FMA from the reciprocal and one Markstein
//     correction (Quotient), else a division; x * 2^-k a product, as in the reference;
//   - group scales come from twins of the scalar helpers (simd_common-inl.h: fp16 rounding by
//     F16C, exact like core/dtype.h's conversion; MxExponent below);
//   - NF4's code is found with the reference's own thresholds (nf4Midpoints()) and comparisons.
// Apart from Quotient's deliberate FMAs, no step is an a * b + c that FMA contraction could fuse.
// Tails shorter than a vector run the reference's scalar expressions.

#include "quant/minifloat_formats.h"
#include "quant/simd_common-inl.h"

#include <hwy/highway.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

HWY_BEFORE_NAMESPACE();
namespace qs::quant_detail::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using DF = hn::ScalableTag<float>;
using DU = hn::RebindToUnsigned<DF>;
using VF = hn::Vec<DF>;
using VU = hn::Vec<DU>;

const char* MinifloatTargetName() {
    return hwy::TargetName(HWY_TARGET);
}

// ---- Element rounding ---------------------------------------------------------------------------

// The element format's constants as vectors, built once per call from its MinifloatSpec.
struct Element {
    explicit Element(const MinifloatSpec& s)
        : spec(s), emax(s.emax()), maxFinite(hn::Set(DF(), s.maxFinite)),
          exponent(hn::Set(DU(), 0x7f800000u)),
          minNormal(hn::Set(DU(), std::bit_cast<uint32_t>(std::ldexp(1.0f, 1 - s.bias)))),
          magicShift(hn::Set(DU(), uint32_t(23 - s.mbits) << 23)),
          sign(hn::Set(DU(), 0x80000000u)) {}

    MinifloatSpec spec;
    int emax;
    VF maxFinite;
    VU exponent, minNormal, magicShift, sign;
};

// roundToMinifloat of every lane, in nine operations. The reference rounds a normal element by
// integer arithmetic on the dropped mantissa bits and a subnormal one by adding and subtracting
// M = 2^(emin - mbits + 23); both are "round a to nearest even on the grid of spacing
// 2^(e - mbits)" with e = max(exponent of a, emin), which is what (a + M) - M does with
// M = 2^(e - mbits + 23) built per lane from a's exponent bits: a + M lies in M's binade (a <
// 2^(e+1) is far below M), whose spacing is exactly 2^(e - mbits), M is an even multiple of it,
// and a carry into the next binade of a is the next grid point, as the reference's carry into
// the exponent. The reference saturates after rounding and this kernel before (min(a, max)):
// the same, since maxFinite is a grid point and rounding is monotonic; it also keeps a + M far
// from overflow for a saturating scale. The sign is copied back as the reference's copysign
// does (the rounded magnitude is >= +0, a zero keeps x's sign), from `sign`: the weight whose
// scaled value x is (scales are positive, so the signs agree, also where x / s underflows to a
// zero; Quotient below may return +0 for -0 / s, the division -0).
HWY_INLINE VF RoundElements(VF x, VF sign, const Element& e) {
    const DF d;
    const DU du;
    const VF a = hn::Min(hn::Abs(x), e.maxFinite);
    const VU ebits = hn::Max(hn::And(hn::BitCast(du, a), e.exponent), e.minNormal);
    const VF magic = hn::BitCast(d, hn::Add(ebits, e.magicShift));
    const VF r = hn::Sub(hn::Add(a, magic), magic);
    return hn::Or(r, hn::BitCast(d, hn::And(hn::BitCast(du, sign), e.sign)));
}

// x / s, bit for bit as the division, from the reciprocal inv = 1.0f / s (rounded to nearest):
// q0 = x inv is within an ulp of x / s, r = x - q0 s is then exact in one FMA, and q0 + r inv
// rounds to the correctly rounded quotient (Markstein's theorem; a vector division costs as
// much as all the rest of the element's work). The conditions hold for every scale used here:
// fp16 scales in [2^-24, 65504] and the tensor scales >= kMarksteinMinScale, so inv is a normal
// number and r has no bits below 2^-149 wherever the quotient is near enough to a grid point or
// NF4 threshold (>= 2^-18) to matter. Targets without a fused multiply-add divide.
constexpr float kMarksteinMinScale = 0x1p-80f;
constexpr bool kHaveFma = HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2;

HWY_INLINE VF Quotient(VF x, VF vs, VF vinv) {
    if constexpr (kHaveFma) {
        const VF q0 = hn::Mul(x, vinv);
        return hn::MulAdd(hn::NegMulAdd(q0, vs, x), vinv, q0);
    } else {
        (void)vinv;
        return hn::Div(x, vs);
    }
}

// ---- Scale parameters (scalar twins, inline) ----------------------------------------------------

// 2^k for k in [-127, 127], exactly (2^-127 is a subnormal).
HWY_INLINE float Pow2(int k) {
    return k >= -126 ? std::bit_cast<float>(uint32_t(k + 127) << 23)
                     : std::bit_cast<float>(uint32_t(1) << (k + 149));
}

// Twin of mxScaleExponent: floor(log2(amax)) - emax clamped to [-127, 127], -127 for zero; ilogb
// from the bit pattern (amax is finite and non-negative).
HWY_INLINE int MxExponent(float amax, int emax) {
    if (!(amax > 0)) return -127;
    const uint32_t b = std::bit_cast<uint32_t>(amax);
    const int e = (b >> 23) != 0 ? int(b >> 23) - 127 : -118 - std::countl_zero(b);
    return std::clamp(e - emax, -127, 127);
}

// ---- Group kernels ------------------------------------------------------------------------------

// Scaled element formats: y = round(x / s) * s. kDivide: a true division (tensor scales below
// kMarksteinMinScale).
template <bool kDivide = false, class Out>
HWY_INLINE void DivScaledPieces(const float* HWY_RESTRICT x, int64_t n, float s, const Element& e,
                                Out& out) {
    const DF d;
    const VF vs = hn::Set(d, s), vinv = hn::Set(d, 1.0f / s);
    Pieces(
        x, n, out,
        [&](VF v) HWY_ATTR {
            const VF q = kDivide ? hn::Div(v, vs) : Quotient(v, vs, vinv);
            return hn::Mul(RoundElements(q, v, e), vs);
        },
        [&](float v) { return roundToMinifloat(v / s, e.spec) * s; });
}

// MX: y = round(x * 2^-k) * 2^k.
template <class Out>
HWY_INLINE void MxPieces(const float* HWY_RESTRICT x, int64_t n, float down, float up,
                         const Element& e, Out& out) {
    const DF d;
    const VF vdown = hn::Set(d, down), vup = hn::Set(d, up);
    Pieces(
        x, n, out,
        [&](VF v) HWY_ATTR { return hn::Mul(RoundElements(hn::Mul(v, vdown), v, e), vup); },
        [&](float v) { return roundToMinifloat(v * down, e.spec) * up; });
}

// NF4 lookup data, built once per call from the reference's thresholds and codes.
struct Nf4Tables {
    Nf4Tables() {
        const DF d;
        const float* m = nf4Midpoints();
        for (int j = 0; j < 15; ++j) mid[j] = hn::Set(d, m[j]);
        for (int j = 0; j < 16; ++j) code[j] = hn::Set(d, kNf4Code[j]);
        if constexpr (kTableLookup) {
            float m16[16];
            std::copy(m, m + 15, m16);
            m16[15] = m[14]; // never looked up (indices reach 14)
            midTable = hn::LoadU(d, m16);
            codeTable = hn::LoadU(d, kNf4Code);
        }
    }
    // With 16 lanes a vector holds all 16 codes (and the 15 thresholds): a binary search by
    // table lookups, 4 steps instead of 15.
    static constexpr bool kTableLookup = hn::MaxLanes(DF()) == 16;
    VF mid[15], code[16], midTable, codeTable;
};

// code[#{i : t > mid[i]}], nf4Nearest's index (the thresholds ascend). By table lookups: the
// binary search asks "t > mid[idx + bit - 1]" for bit = 8, 4, 2, 1, the same comparisons (t
// exceeds exactly the first #{...} thresholds). Else: selecting code i + 1 wherever t exceeds
// mid[i], in order.
HWY_INLINE VF Nf4Code(VF t, const Nf4Tables& tab) {
    if constexpr (Nf4Tables::kTableLookup) {
        const DF d;
        const hn::RebindToSigned<DF> di;
        auto idx = hn::Zero(di);
        for (int bit : {8, 4, 2, 1}) {
            const VF thr = hn::TableLookupLanes(
                tab.midTable, hn::IndicesFromVec(d, hn::Add(idx, hn::Set(di, bit - 1))));
            idx = hn::Add(idx, hn::And(hn::VecFromMask(di, hn::RebindMask(di, hn::Gt(t, thr))),
                                       hn::Set(di, bit)));
        }
        return hn::TableLookupLanes(tab.codeTable, hn::IndicesFromVec(d, idx));
    } else {
        VF c = tab.code[0];
        for (int j = 0; j < 15; ++j) c = hn::IfThenElse(hn::Gt(t, tab.mid[j]), tab.code[j + 1], c);
        return c;
    }
}

// NF4: y = code[nearest(x / s)] * s.
template <class Out>
HWY_INLINE void Nf4Pieces(const float* HWY_RESTRICT x, int64_t n, float s, const Nf4Tables& tab,
                          Out& out) {
    const DF d;
    const VF vs = hn::Set(d, s), vinv = hn::Set(d, 1.0f / s); // s is an fp16 value
    Pieces(
        x, n, out, [&](VF v) HWY_ATTR { return hn::Mul(Nf4Code(Quotient(v, vs, vinv), tab), vs); },
        [&](float v) { return kNf4Code[nf4Nearest(v / s)] * s; });
}

// One pass over `n` weights (a whole number of groups). Kind: 0 fp16 scale, 1 MX, 2 NF4
// (MinifloatScale), a template argument so each kernel is its own loop.
template <int kKind, class Out>
HWY_INLINE int64_t GroupQdq(const float* HWY_RESTRICT src, int64_t n, int64_t group,
                            const Element& e, Out& out) {
    const Nf4Tables tab; // NF4 only; once per call
    for (int64_t at = 0; at < n; at += group) {
        PrefetchAhead(src + at, group);
        float amax;
        if (!AbsMaxInline(src + at, group, &amax)) return at;
        if constexpr (kKind == int(MinifloatScale::Mx)) {
            const int k = MxExponent(amax, e.emax);
            MxPieces(src + at, group, Pow2(-k), Pow2(k), e, out);
        } else {
            const float s = kKind == int(MinifloatScale::Nf4)
                                ? RoundScaleToFp16(amax)
                                : RoundScaleToFp16(amax / e.spec.maxFinite);
            if (s == 0)
                ZeroPieces(group, out);
            else if constexpr (kKind == int(MinifloatScale::Nf4))
                Nf4Pieces(src + at, group, s, tab, out);
            else
                DivScaledPieces(src + at, group, s, e, out);
        }
    }
    return -1;
}

template <int kKind>
int64_t GroupQdqKind(const float* src, float* dst, int64_t n, int64_t group, const Element& e,
                     bool stream) {
    if (!stream) {
        DirectOut out(dst);
        return GroupQdq<kKind>(src, n, group, e, out);
    }
    StreamOut out(dst);
    const int64_t bad = GroupQdq<kKind>(src, n, group, e, out);
    out.Finish();
    return bad;
}

// The kernels by scale kind: a small traits table indexed by MinifloatScale.
using GroupKernel = int64_t (*)(const float*, float*, int64_t, int64_t, const Element&, bool);
constexpr GroupKernel kGroupKernels[3] = {GroupQdqKind<0>, GroupQdqKind<1>, GroupQdqKind<2>};

// `group` divides `cols`. dst may equal src: each group is read completely before it is written.
int64_t MinifloatGroupQdq(const float* src, float* dst, int64_t rows, int64_t cols, int64_t group,
                          int32_t scale, const MinifloatSpec* spec, int32_t stream) {
    const Element e(*spec);
    return kGroupKernels[scale](src, dst, rows * cols, group, e, stream != 0);
}

// ---- Tensor-scaled element pass -----------------------------------------------------------------

void MinifloatScaled(const float* x, float* y, int64_t n, float s, const MinifloatSpec* spec,
                     int32_t stream) {
    const Element e(*spec);
    const bool zero = !(s >= std::numeric_limits<float>::min()); // see minifloatScaledRef
    auto run = [&](auto& out) HWY_ATTR {
        constexpr int64_t kChunk = 256; // prefetched a few lines at a time, as in the groups
        for (int64_t p = 0; p < n; p += kChunk) {
            const int64_t k = std::min(n - p, kChunk);
            PrefetchAhead(x + p, k);
            if (zero)
                ZeroPieces(k, out);
            else if (s >= kMarksteinMinScale)
                DivScaledPieces(x + p, k, s, e, out);
            else
                DivScaledPieces<true>(x + p, k, s, e, out);
        }
        out.Finish();
    };
    if (stream) {
        StreamOut out(y);
        run(out);
    } else {
        DirectOut out(y);
        run(out);
    }
}

bool AbsMax(const float* x, int64_t n, float* amax) {
    return AbsMaxInline(x, n, amax);
}

} // namespace qs::quant_detail::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();
