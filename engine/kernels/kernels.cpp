// Runtime dispatch of the Highway kernels (kernels_simd.cpp, compiled once per target through
// foreach_target.h) and the target-independent half of the GEMM: the choice between the small-M
// and the packed path, cache blocking, packing buffers and oneTBB parallelism.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/kernels_simd.cpp"
// Order matters: foreach_target.h first, then the baseline copy.
// clang-format off
#include <hwy/foreach_target.h> // compiles kernels_simd.cpp for each non-baseline target
#include <hwy/highway.h>
#include "kernels/kernels_simd.cpp" // and for the baseline (static) target
// clang-format on

#if HWY_ONCE

#include "kernels/kernels.h"

#include <hwy/aligned_allocator.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <mutex>
#include <utility>
#include <vector>

namespace qs::kernels {

HWY_EXPORT(GemmGeometry);
HWY_EXPORT(PackB);
HWY_EXPORT(GemmPacked);
HWY_EXPORT(GemmSmall);
HWY_EXPORT(TargetName);
HWY_EXPORT(Dot);
HWY_EXPORT(RmsNorm);
HWY_EXPORT(SiluMul);
HWY_EXPORT(AddInPlace);
HWY_EXPORT(Axpy);
HWY_EXPORT(Scale);
HWY_EXPORT(MaxValue);
HWY_EXPORT(LogSumExp);
HWY_EXPORT(Softmax);
HWY_EXPORT(SoftmaxPowerSums);
HWY_EXPORT(KlDivergence);

namespace {

// Below this many rows, packing B (N x K copies, often straight from DRAM) costs more than it
// saves (2 M flops per packed element), so the small path computes dot products in place.
// Measured crossover: M = 48, N = 4096, K = 768 runs at ~100 GFLOP/s either way.
constexpr int64_t kSmallMaxM = 48;
// Products under this many flops run on the calling thread: a TBB fork/join costs a few
// microseconds, which is the whole runtime of such a product. The small-M path is bound by
// reading B (~25 GFLOP/s from L3 on one core), so it profits from a second thread much sooner.
constexpr double kParallelMinFlops = 4e6;
constexpr double kSmallParallelMinFlops = 5e5;
// Packed B is produced in chunks of at most this many floats (1 MB), so a chunk is reused by
// all rows of A while it sits in L2 and the scratch buffer stays small even for N = 32000.
// (4 MB chunks measured ~15% slower at K = 2048 and N = 32000.)
constexpr int64_t kPackChunkFloats = int64_t(1) << 18;
// Largest K block of the micro-kernel: one panel slice (kc x nr floats) stays in L2 while every
// row strip of a task streams past it. K is split into equal blocks (768 -> 2 x 384, not
// 512 + 256) since each block costs a pass of loads and stores over the C tile.
constexpr int64_t kMaxKC = 512;
// Rows of C per parallel task (rounded to the micro-tile height).
constexpr int64_t kTaskRows = 64;

// Packing buffers are leased per call rather than thread_local: with nested parallelism a thread
// waiting inside one gemmNT may run another caller's task that calls gemmNT again.
class ScratchPool {
public:
    struct Buffer {
        hwy::AlignedFreeUniquePtr<float[]> data{nullptr, hwy::AlignedFreer()};
        size_t size = 0;
    };

    static ScratchPool& instance() {
        static ScratchPool pool;
        return pool;
    }

    Buffer acquire(size_t n) {
        Buffer b;
        {
            std::lock_guard lock(mutex_);
            if (!free_.empty()) {
                b = std::move(free_.back());
                free_.pop_back();
            }
        }
        if (b.size < n) {
            b.data = hwy::AllocateAligned<float>(n);
            b.size = n;
        }
        return b;
    }

    void release(Buffer b) {
        std::lock_guard lock(mutex_);
        if (free_.size() < kMaxPooled) free_.push_back(std::move(b));
    }

private:
    static constexpr size_t kMaxPooled = 16;
    std::mutex mutex_;
    std::vector<Buffer> free_;
};

// Runs body(begin, end) over [0, n) in pieces of at least grain, on TBB when parallel. Isolated
// so a thread waiting for its pieces does not pick up unrelated outer tasks meanwhile.
template <class Body>
void forRange(int64_t n, int64_t grain, bool parallel, const Body& body) {
    if (!parallel || n <= grain) {
        body(int64_t(0), n);
        return;
    }
    tbb::this_task_arena::isolate([&] {
        tbb::parallel_for(tbb::blocked_range<int64_t>(0, n, std::max<int64_t>(1, grain)),
                          [&](const tbb::blocked_range<int64_t>& r) { body(r.begin(), r.end()); });
    });
}

void packB(const float* B, int64_t ldb, int64_t n, int64_t K, float* dst) {
    HWY_DYNAMIC_DISPATCH(PackB)(B, ldb, n, K, dst);
}

void gemmPacked(int64_t i0, int64_t i1, int64_t K, const float* A, int64_t lda, const float* Bp,
                int64_t npanels, int64_t ncols, float* C, int64_t ldc, bool accumulate, int64_t kc,
                const float* pf, int64_t pfRows, int64_t pfLd) {
    // clang-format off
    HWY_DYNAMIC_DISPATCH(GemmPacked)(i0, i1, K, A, lda, Bp, npanels, ncols, C, ldc, accumulate, kc,
                                     pf, pfRows, pfLd);
    // clang-format on
}

} // namespace

void gemmNT(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
            int64_t ldb, float* C, int64_t ldc, bool accumulate) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {
        if (!accumulate)
            for (int64_t i = 0; i < M; ++i) std::fill(C + i * ldc, C + i * ldc + N, 0.0f);
        return;
    }
    const double flops = 2.0 * double(M) * double(N) * double(K);

    if (M < kSmallMaxM) {
        // Columns per piece so a piece is worth at least ~0.25 Mflop.
        const int64_t grain = std::max<int64_t>(16, int64_t(2.5e5 / (2.0 * double(M * K))));
        forRange(N, grain, flops >= kSmallParallelMinFlops, [&](int64_t j0, int64_t j1) {
            HWY_DYNAMIC_DISPATCH(GemmSmall)(M, j0, j1, K, A, lda, B, ldb, C, ldc, accumulate);
        });
        return;
    }

    const bool parallel = flops >= kParallelMinFlops;
    int64_t mr = 0, nr = 0;
    HWY_DYNAMIC_DISPATCH(GemmGeometry)(&mr, &nr);
    const int64_t panels = (N + nr - 1) / nr;
    const int64_t chunkPanels = std::clamp<int64_t>(kPackChunkFloats / (K * nr), 1, panels);
    const int64_t kBlocks = (K + kMaxKC - 1) / kMaxKC;
    const int64_t kc = (K + kBlocks - 1) / kBlocks;
    const int64_t mc = mr * std::max<int64_t>(1, kTaskRows / mr);
    const int64_t rowBlocks = (M + mc - 1) / mc;

    ScratchPool::Buffer buf = ScratchPool::instance().acquire(size_t(chunkPanels * K * nr));
    float* packed = buf.data.get();
    for (int64_t p0 = 0; p0 < panels; p0 += chunkPanels) {
        const int64_t np = std::min(chunkPanels, panels - p0);
        const int64_t j0 = p0 * nr;
        const int64_t ncols = std::min(N - j0, np * nr);

        forRange(np, 1, parallel, [&](int64_t q0, int64_t q1) {
            for (int64_t q = q0; q < q1; ++q)
                packB(B + (j0 + q * nr) * ldb, ldb, std::min(nr, ncols - q * nr), K,
                      packed + q * K * nr);
        });

        // Tasks: (row block, panel), row-block-major so neighbouring tasks share A rows. Each
        // also prefetches its share of the next chunk's rows of B.
        const int64_t nextJ0 = std::min(N, j0 + chunkPanels * nr);
        const int64_t nextRows = std::min(N, nextJ0 + chunkPanels * nr) - nextJ0;
        const float* nextB = B + nextJ0 * ldb;
        const int64_t tasks = rowBlocks * np;
        forRange(tasks, 1, parallel, [&](int64_t t0, int64_t t1) {
            for (int64_t t = t0; t < t1; ++t) {
                const int64_t rb = t / np, q = t % np;
                const int64_t i0 = rb * mc, i1 = std::min(M, i0 + mc);
                const int64_t pf0 = nextRows * t / tasks, pf1 = nextRows * (t + 1) / tasks;
                gemmPacked(i0, i1, K, A, lda, packed + q * K * nr, 1, std::min(nr, ncols - q * nr),
                           C + j0 + q * nr, ldc, accumulate, kc,
                           nextRows > 0 ? nextB + pf0 * ldb : nullptr, pf1 - pf0, ldb);
            }
        });
    }
    ScratchPool::instance().release(std::move(buf));
}

float dot(const float* a, const float* b, int64_t n) {
    return HWY_DYNAMIC_DISPATCH(Dot)(a, b, n);
}

void rmsnorm(float* out, const float* x, const float* w, int64_t n, float eps) {
    HWY_DYNAMIC_DISPATCH(RmsNorm)(out, x, w, n, eps);
}

void siluMul(float* gate, const float* up, int64_t n) {
    HWY_DYNAMIC_DISPATCH(SiluMul)(gate, up, n);
}

void addInPlace(float* y, const float* x, int64_t n) {
    HWY_DYNAMIC_DISPATCH(AddInPlace)(y, x, n);
}

void axpy(float* y, float a, const float* x, int64_t n) {
    HWY_DYNAMIC_DISPATCH(Axpy)(y, a, x, n);
}

void scale(float* x, float a, int64_t n) {
    HWY_DYNAMIC_DISPATCH(Scale)(x, a, n);
}

float maxValue(const float* x, int64_t n) {
    return HWY_DYNAMIC_DISPATCH(MaxValue)(x, n);
}

float logSumExp(const float* x, int64_t n) {
    return HWY_DYNAMIC_DISPATCH(LogSumExp)(x, n);
}

void softmax(float* x, int64_t n) {
    HWY_DYNAMIC_DISPATCH(Softmax)(x, n);
}

void softmaxPowerSums(const float* z, int64_t n, float zmax, double* sums, double* zWeighted) {
    HWY_DYNAMIC_DISPATCH(SoftmaxPowerSums)(z, n, zmax, sums, zWeighted);
}

double klDivergence(const float* logP, const float* logits, int64_t n, float logZ) {
    return HWY_DYNAMIC_DISPATCH(KlDivergence)(logP, logits, n, logZ);
}

const char* simdTargetName() {
    return HWY_DYNAMIC_DISPATCH(TargetName)();
}

} // namespace qs::kernels

#endif // HWY_ONCE
