// Helpers shared by the per-target quantize-dequantize kernels (int_simd-inl.h,
// minifloat_simd-inl.h): fp16 rounding of a group's scale, and output sinks. Not a header of its
// own: included from those files, once per Highway target, so it carries Highway's per-target
// include guard.
//
// A kernel produces its output in order, in pieces of at most kMaxPiece floats:
//
//   float* y = out.Reserve(k);   // room for k <= kMaxPiece floats
//   ...write y[0, k)...
//   out.Commit(k);
//   out.Finish();                // once, at the end (also after an early error return)
//
// DirectOut hands out the destination itself. StreamOut hands out an L1-resident staging buffer
// and copies it to the destination with non-temporal stores (hn::Stream) of whole aligned
// vectors, so the destination's cache lines are written without first being read (a plain store
// to a line that is not cached reads it in first: a third of the memory traffic of an
// out-of-place pass). Only the elements before the first aligned address and after the last one
// take plain stores. Worth it only for outputs far larger than the caches, which the caller
// decides (quant_detail::kStreamMinBytes). The values are the same either way; only the path to
// memory differs. The source may equal the destination: a piece is only written after all of
// its input has been read.

#if defined(QS_QUANT_SIMD_COMMON_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef QS_QUANT_SIMD_COMMON_INL_H_
#undef QS_QUANT_SIMD_COMMON_INL_H_
#else
#define QS_QUANT_SIMD_COMMON_INL_H_
#endif

#include "core/dtype.h"
#include "quant/int_formats.h"

#include <hwy/cache_control.h>
#include <hwy/highway.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

HWY_BEFORE_NAMESPACE();
namespace qs::quant_detail::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// ---- fp16 scales ------------------------------------------------------------------------------

// fp32 -> fp16 (round to nearest even) -> fp32 of one value. F16C's vcvtps2ph with rounding
// control 0 is exactly core/dtype.h's floatToFp16 (Inf above 65519.99, subnormals included), in
// two instructions instead of a branchy software conversion per group; Highway's EMU128 fallback
// truncates, so it keeps the scalar conversion.
HWY_INLINE uint16_t Fp16Bits(float f) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
    const hn::FixedTag<float, 4> d4;
    const hn::FixedTag<hwy::float16_t, 4> dh4;
    const hn::RebindToUnsigned<decltype(dh4)> du4;
    return hn::GetLane(hn::BitCast(du4, hn::DemoteTo(dh4, hn::Set(d4, f))));
#else
    return floatToFp16(f);
#endif
}

HWY_INLINE float Fp16Value(uint16_t h) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
    const hn::FixedTag<float, 4> d4;
    const hn::FixedTag<hwy::float16_t, 4> dh4;
    const hn::RebindToUnsigned<decltype(dh4)> du4;
    return hn::GetLane(hn::PromoteTo(d4, hn::BitCast(dh4, hn::Set(du4, h))));
#else
    return fp16ToFloat(h);
#endif
}

// Twin of quant_detail::roundScaleToFp16 (int_formats.cpp): s >= 0.
HWY_INLINE float RoundScaleToFp16(float s) {
    constexpr float kFp16Max = 65504.0f;
    if (!(s < kFp16Max)) return s > 0 ? kFp16Max : 0.0f;
    return Fp16Value(Fp16Bits(s));
}

// Twin of quant_detail::roundScaleUpToFp16Inline (int_formats.h): s >= 0.
HWY_INLINE float RoundScaleUpToFp16(float s) {
    constexpr float kFp16Max = 65504.0f;
    if (!(s < kFp16Max)) return kFp16Max;
    // Positive: the next code is the next larger value. Branch-free: which way the rounding
    // went is a coin flip per group, and a mispredicted branch costs as much as the group.
    const uint16_t h = Fp16Bits(s);
    return Fp16Value(uint16_t(h + uint16_t(Fp16Value(h) < s)));
}

// Twin of quant_detail::intParamsSymInline.
HWY_INLINE IntParams IntParamsSym(int bits, float amax) {
    const float qmax = float((1 << (bits - 1)) - 1);
    IntParams p;
    p.scale = amax > 0 ? RoundScaleUpToFp16(amax / qmax) : 0.0f;
    p.inv = p.scale > 0 ? 1.0f / p.scale : 0.0f;
    p.lo = -qmax;
    p.hi = qmax;
    return p;
}

// ---- Group maximum ---------------------------------------------------------------------------

// max |x[i]| over x[0, n) by integer max of the magnitudes' bit patterns (ordered like the
// values for non-negative floats); false when any element is NaN or Inf, whose magnitudes are
// the patterns from 0x7f800000 up. Equals the references' max of fabs (or max(-min, max)),
// +0 for an all-zero group; one reduction, and no separate finiteness test.
HWY_INLINE bool AbsMaxInline(const float* HWY_RESTRICT x, int64_t n, float* amax) {
    const hn::ScalableTag<float> d;
    const hn::RebindToSigned<decltype(d)> di;
    const int64_t L = int64_t(hn::Lanes(d));
    const auto mask = hn::Set(di, 0x7fffffff);
    int64_t i = 0;
    int32_t top = 0;
    if (n >= 2 * L) {
        auto m0 = hn::And(hn::BitCast(di, hn::LoadU(d, x)), mask);
        auto m1 = hn::And(hn::BitCast(di, hn::LoadU(d, x + L)), mask);
        for (i = 2 * L; i + 2 * L <= n; i += 2 * L) {
            m0 = hn::Max(m0, hn::And(hn::BitCast(di, hn::LoadU(d, x + i)), mask));
            m1 = hn::Max(m1, hn::And(hn::BitCast(di, hn::LoadU(d, x + i + L)), mask));
        }
        top = hn::GetLane(hn::MaxOfLanes(di, hn::Max(m0, m1)));
    }
    for (; i < n; ++i) {
        uint32_t b;
        std::memcpy(&b, x + i, sizeof b);
        top = std::max(top, int32_t(b & 0x7fffffffu));
    }
    if (top >= 0x7f800000) return false;
    std::memcpy(amax, &top, sizeof top);
    return true;
}

// Software prefetch of the input 2 KiB ahead of x[0, n), one per 64-byte line. The hardware
// prefetcher alone keeps too few lines in flight for the slower kernels (minifloat: ~15% more
// throughput on a 64 MiB matrix). Prefetches never fault, past the end of the input included.
HWY_INLINE void PrefetchAhead(const float* x, int64_t n) {
    constexpr int64_t kAhead = 512, kLine = 16;
    for (int64_t j = 0; j < n; j += kLine) hwy::Prefetch(x + j + kAhead);
}

// ---- Output sinks ------------------------------------------------------------------------------

// Largest piece a kernel may reserve at once (8 KiB: the staging buffer stays in L1).
constexpr size_t kMaxPiece = 2048;

class DirectOut {
public:
    explicit DirectOut(float* dst) : m_at(dst) {}
    float* Reserve(size_t) { return m_at; }
    void Commit(size_t k) { m_at += k; }
    void Finish() {}

private:
    float* m_at;
};

class StreamOut {
public:
    explicit StreamOut(float* dst) : m_at(dst) {
        const size_t bytes = hn::Lanes(D()) * sizeof(float);
        const size_t mis = size_t(reinterpret_cast<uintptr_t>(dst) % bytes);
        // A float pointer is at least 4-byte aligned, so whole elements reach alignment.
        m_head = mis == 0 ? 0 : (bytes - mis) / sizeof(float);
    }
    StreamOut(const StreamOut&) = delete;
    StreamOut& operator=(const StreamOut&) = delete;

    float* Reserve(size_t) { return m_buf + m_fill; }
    void Commit(size_t k) {
        m_fill += k;
        if (m_fill >= kFlushAt) Flush(false);
    }
    void Finish() {
        Flush(true);
        hwy::FlushStream(); // order the weakly-ordered streamed stores before what follows
    }

private:
    using D = hn::ScalableTag<float>;
    // Staged elements that trigger a flush (2 KiB). Small, so that reading the input and
    // streaming the output overlap instead of alternating in long phases: on the 64 MiB
    // benchmark 256-512 are best, 1024 loses ~15% and 4096 ~20%.
    static constexpr size_t kFlushAt = 512;

    // Writes the staged elements: plain stores up to the first aligned destination address,
    // then streamed whole vectors; the remainder (fewer than a vector) moves to the front of
    // the buffer, or on the last flush takes plain stores.
    void Flush(bool last) {
        const D d;
        const size_t L = hn::Lanes(d);
        size_t i = 0;
        if (m_head > 0) {
            i = m_head < m_fill ? m_head : m_fill;
            std::memcpy(m_at, m_buf, i * sizeof(float));
            m_at += i;
            m_head -= i;
        }
        if (m_head == 0) {
            const size_t body = (m_fill - i) / L * L;
            for (size_t j = 0; j < body; j += L)
                hn::Stream(hn::LoadU(d, m_buf + i + j), d, m_at + j);
            m_at += body;
            i += body;
        }
        const size_t rest = m_fill - i;
        if (last) {
            std::memcpy(m_at, m_buf + i, rest * sizeof(float));
            m_at += rest;
            m_fill = 0;
        } else {
            std::memmove(m_buf, m_buf + i, rest * sizeof(float));
            m_fill = rest;
        }
    }

    float* m_at;       // destination of m_buf[0]
    size_t m_head = 0; // elements still to write before m_at is vector-aligned
    size_t m_fill = 0; // elements staged
    // After a commit, fewer than kFlushAt are staged; then a piece of up to kMaxPiece.
    HWY_ALIGN float m_buf[kFlushAt + kMaxPiece];
};

} // namespace qs::quant_detail::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif // QS_QUANT_SIMD_COMMON_INL_H_
