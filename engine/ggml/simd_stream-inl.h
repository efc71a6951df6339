// Output sinks and input prefetch for per-target Highway kernels that stream through memory: the
// ggml block kernels (ggml_quants_simd.cpp) and the quantization formats' kernels
// (quant/int_simd-inl.h, quant/minifloat_simd-inl.h). It lives here, the lowest layer with
// Highway kernels, so that both can include it. Not a header of its own: included from those
// files once per Highway target, so it carries Highway's per-target include guard. Depends on
// Highway only.
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

#if defined(QS_GGML_SIMD_STREAM_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef QS_GGML_SIMD_STREAM_INL_H_
#undef QS_GGML_SIMD_STREAM_INL_H_
#else
#define QS_GGML_SIMD_STREAM_INL_H_
#endif

#include <hwy/cache_control.h>
#include <hwy/highway.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

HWY_BEFORE_NAMESPACE();
namespace qs::simd_stream::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Software prefetch of the input 2 KiB ahead of x[0, n), one per 64-byte line. The hardware
// prefetcher alone keeps too few lines in flight for the slower kernels (minifloat: ~15% more
// throughput on a 64 MiB matrix). Prefetches never fault, past the end of the input included.
HWY_INLINE void PrefetchAhead(const float* x, int64_t n) {
    constexpr int64_t kAhead = 512, kLine = 16;
    for (int64_t j = 0; j < n; j += kLine) hwy::Prefetch(x + j + kAhead);
}

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

} // namespace qs::simd_stream::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif // QS_GGML_SIMD_STREAM_INL_H_
