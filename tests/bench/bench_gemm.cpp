// GEMM benchmark: FP32 peak of this machine (register-only FMA loop and the best gemmNT shape),
// then qs::kernels::gemmNT on the product's shapes with 1 and 2 threads, as GFLOP/s and as a
// fraction of the FMA peak, and the plain reference for scale.
//
//   bench_gemm              full table
//   bench_gemm M N K [reps] one shape, 1 and 2 threads (for tuning)
//   --avx2 (first argument) restricts the kernels to the AVX2 target, as on a CPU without AVX-512

#include "kernels/kernels.h"

#include <hwy/targets.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string_view>
#include <thread>
#include <time.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

// ---- Theoretical peak: independent FMA chains that never touch memory, in inline assembly so
// the compiler cannot spill the accumulators. 24 (AVX-512) / 12 (AVX2) chains cover FMA latency
// (4 cycles) x 2 FMA ports. Selected at run time like the kernels; no -march flags needed.

constexpr long kPeakIters = 20'000'000;

#define QS_FMA_ZMM(i) "vfmadd231ps %%zmm24, %%zmm25, %%zmm" #i "\n\t"
#define QS_FMA_YMM(i) "vfmadd231ps %%ymm12, %%ymm13, %%ymm" #i "\n\t"

__attribute__((target("avx512f"))) void fmaLoopAvx512(long iters) {
    __asm__ volatile(
        "vxorps %%xmm24, %%xmm24, %%xmm24\n\t"
        "vxorps %%xmm25, %%xmm25, %%xmm25\n\t"
        "1:\n\t" QS_FMA_ZMM(0) QS_FMA_ZMM(1) QS_FMA_ZMM(2) QS_FMA_ZMM(3) QS_FMA_ZMM(4) QS_FMA_ZMM(5)
            QS_FMA_ZMM(6) QS_FMA_ZMM(7) QS_FMA_ZMM(8) QS_FMA_ZMM(9) QS_FMA_ZMM(10) QS_FMA_ZMM(11)
                QS_FMA_ZMM(12) QS_FMA_ZMM(13) QS_FMA_ZMM(14) QS_FMA_ZMM(15) QS_FMA_ZMM(16)
                    QS_FMA_ZMM(17) QS_FMA_ZMM(18) QS_FMA_ZMM(19) QS_FMA_ZMM(20) QS_FMA_ZMM(21)
                        QS_FMA_ZMM(22) QS_FMA_ZMM(23) "dec %0\n\t"
                                                      "jnz 1b\n\t"
                                                      "vzeroupper\n\t"
        : "+r"(iters)
        :
        : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
          "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20",
          "xmm21", "xmm22", "xmm23", "xmm24", "xmm25", "cc");
}

__attribute__((target("avx2,fma"))) void fmaLoopAvx2(long iters) {
    __asm__ volatile("vxorps %%xmm12, %%xmm12, %%xmm12\n\t"
                     "vxorps %%xmm13, %%xmm13, %%xmm13\n\t"
                     "1:\n\t" QS_FMA_YMM(0) QS_FMA_YMM(1) QS_FMA_YMM(2) QS_FMA_YMM(3) QS_FMA_YMM(4)
                         QS_FMA_YMM(5) QS_FMA_YMM(6) QS_FMA_YMM(7) QS_FMA_YMM(8) QS_FMA_YMM(9)
                             QS_FMA_YMM(10) QS_FMA_YMM(11) "dec %0\n\t"
                                                           "jnz 1b\n\t"
                                                           "vzeroupper\n\t"
                     : "+r"(iters)
                     :
                     : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
                       "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "cc");
}

// GFLOP/s of the FMA loop on `threads` threads at once.
bool gOnlyAvx2 = false; // --avx2: measure the AVX2 peak too

double fmaPeak(int threads) {
    const bool avx512 = __builtin_cpu_supports("avx512f") && !gOnlyAvx2;
    if (!avx512 && !__builtin_cpu_supports("fma")) return 0;
    const long iters = avx512 ? kPeakIters : 2 * kPeakIters;
    double best = 0;
    for (int rep = 0; rep < 3; ++rep) {
        std::vector<double> flops(static_cast<size_t>(threads));
        const auto t0 = Clock::now();
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t)
            pool.emplace_back([&, t] {
                if (avx512)
                    fmaLoopAvx512(iters);
                else
                    fmaLoopAvx2(iters);
                flops[size_t(t)] = (avx512 ? 24.0 * 16 : 12.0 * 8) * 2 * double(iters);
            });
        for (auto& th : pool) th.join();
        const double s = seconds(t0, Clock::now());
        double total = 0;
        for (double f : flops) total += f;
        best = std::max(best, total / s * 1e-9);
    }
    return best;
}

// ---- gemmNT timing: best of reps after one warm-up run (also the first-touch of C).

struct Problem {
    long M, N, K;
    std::vector<float> A, B, C;
    Problem(long m, long n, long k)
        : M(m), N(n), K(k), A(size_t(m * k)), B(size_t(n * k)), C(size_t(m * n)) {
        std::mt19937 rng(42);
        std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
        for (float& x : A) x = dist(rng);
        for (float& x : B) x = dist(rng);
    }
};

double threadCpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

// Best wall-clock GFLOP/s. With threads == 1 everything runs on this thread, so *cpuGflops (if
// given) gets the rate by this thread's CPU time, which other processes on a shared machine
// cannot inflate by preempting us.
template <class Gemm>
double timeGemm(Problem& p, int threads, int reps, Gemm gemm, double* cpuGflops = nullptr) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, size_t(threads));
    gemm(p);
    double best = 1e30, bestCpu = 1e30;
    for (int r = 0; r < reps; ++r) {
        const auto t0 = Clock::now();
        const double c0 = threadCpuSeconds();
        gemm(p);
        bestCpu = std::min(bestCpu, threadCpuSeconds() - c0);
        best = std::min(best, seconds(t0, Clock::now()));
    }
    const double flops = 2.0 * double(p.M) * double(p.N) * double(p.K);
    if (cpuGflops) *cpuGflops = flops / bestCpu * 1e-9;
    return flops / best * 1e-9;
}

double timeFast(Problem& p, int threads, int reps, double* cpuGflops = nullptr) {
    return timeGemm(
        p, threads, reps,
        [](Problem& q) {
            qs::kernels::gemmNT(q.M, q.N, q.K, q.A.data(), q.K, q.B.data(), q.K, q.C.data(), q.N);
        },
        cpuGflops);
}

// Enough repetitions for ~0.3 s per measurement at ~100 GFLOP/s, at least 3.
int repsFor(long M, long N, long K) {
    const double flops = 2.0 * double(M) * double(N) * double(K);
    return std::clamp(int(3e10 / flops), 3, 200);
}

} // namespace

int main(int argc, char** argv) {
    if (argc >= 2 && std::string_view(argv[1]) == "--avx2") {
        gOnlyAvx2 = true;
        hwy::SetSupportedTargetsForTest(HWY_AVX2);
        hwy::GetChosenTarget().Update(hwy::SupportedTargets());
        --argc;
        ++argv;
    }
    std::printf("SIMD target: %s, hardware threads: %u\n", qs::kernels::simdTargetName(),
                std::thread::hardware_concurrency());

    if (argc >= 4) {
        const long M = std::atol(argv[1]), N = std::atol(argv[2]), K = std::atol(argv[3]);
        const int reps = argc >= 5 ? std::atoi(argv[4]) : repsFor(M, N, K);
        Problem p(M, N, K);
        double cpu1 = 0;
        const double g1 = timeFast(p, 1, reps, &cpu1), g2 = timeFast(p, 2, reps);
        std::printf("M=%ld N=%ld K=%ld  1 thread %.1f GFLOP/s (by CPU time %.1f)  2 threads %.1f "
                    "GFLOP/s\n",
                    M, N, K, g1, cpu1, g2);
        return 0;
    }

    // (a) Peak.
    const double peak1 = fmaPeak(1), peak2 = fmaPeak(2);
    std::printf(
        "\nFP32 FMA peak (register-only loop): 1 thread %.1f GFLOP/s, 2 threads %.1f GFLOP/s\n",
        peak1, peak2);
    Problem friendly(1024, 960, 256); // B (960 KB) and an A block stay cache-resident
    const double gp1 = timeFast(friendly, 1, 20), gp2 = timeFast(friendly, 2, 20);
    std::printf(
        "gemmNT best-case shape M=1024 N=960 K=256: 1 thread %.1f GFLOP/s (%.0f%% of peak), "
        "2 threads %.1f GFLOP/s (%.0f%%)\n",
        gp1, 100 * gp1 / peak1, gp2, 100 * gp2 / peak2);

    // (b) Product shapes.
    const long shapes[][3] = {{256, 288, 288},   {256, 768, 288},  {256, 288, 768},
                              {256, 32000, 288}, {512, 768, 768},  {512, 2048, 768},
                              {512, 768, 2048},  {512, 32000, 768}};
    std::printf("\n%6s %6s %6s | %10s %7s | %10s %7s | %7s\n", "M", "N", "K", "1T GFLOP/s",
                "% peak", "2T GFLOP/s", "% peak", "2T/1T");
    std::printf("---------------------+--------------------+--------------------+--------\n");
    for (const auto& s : shapes) {
        Problem p(s[0], s[1], s[2]);
        const int reps = repsFor(s[0], s[1], s[2]);
        const double g1 = timeFast(p, 1, reps), g2 = timeFast(p, 2, reps);
        std::printf("%6ld %6ld %6ld | %10.1f %6.0f%% | %10.1f %6.0f%% | %6.2fx\n", s[0], s[1], s[2],
                    g1, 100 * g1 / peak1, g2, 100 * g2 / peak2, g2 / g1);
    }

    // (c) The plain reference, for scale.
    Problem small(64, 172, 512);
    const double gr = timeGemm(small, 1, 3, [](Problem& q) {
        qs::ref::gemmNT(q.M, q.N, q.K, q.A.data(), q.K, q.B.data(), q.K, q.C.data(), q.N);
    });
    const double gf = timeFast(small, 1, 50);
    std::printf("\nM=64 N=172 K=512, 1 thread: ref::gemmNT %.2f GFLOP/s, kernels::gemmNT %.1f "
                "GFLOP/s (%.0fx)\n",
                gr, gf, gf / gr);
    return 0;
}
