// ggml block formats, simulated quantization throughput: qs::ggmlQuantizeDequantize on a
// 4096 x 4096 fp32 matrix (src -> separate dst), in GB/s of fp32 input, with 1 and 2 oneTBB
// threads, next to memcpy of the same buffer measured in the same run (single memcpy for 1
// thread, two halves in parallel for 2; re-measured before each kernel), and the ratio to it. Also
// the scalar reference twin for scale. The quantize-dequantize pass reads and writes the same bytes
// as memcpy, so the ratio says how close to memory-bound each kernel is.
//
//   bench_quant_ggml            full table
//   bench_quant_ggml N          N x N matrix instead (N a multiple of 256)
//   bench_quant_ggml N legacy   only the 32-element types (skips the slow K-quant searches)

#include "ggml/ggml_quants.h"

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// Best of `reps` timed runs after one untimed warm-up (reps 0: the warm-up itself is timed),
// in seconds: the least disturbed by the other processes sharing this machine.
double bestSeconds(int reps, const std::function<void()>& f) {
    if (reps == 0) {
        const auto t0 = Clock::now();
        f();
        return std::chrono::duration<double>(Clock::now() - t0).count();
    }
    f();
    double best = 1e30;
    for (int r = 0; r < reps; ++r) {
        const auto t0 = Clock::now();
        f();
        best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
    }
    return best;
}

struct Entry {
    const char* label;
    int type;
    bool reference; // the scalar twin (single-threaded by design)
};

} // namespace

int main(int argc, char** argv) {
    const int64_t n = argc > 1 ? std::atoll(argv[1]) : 4096;
    if (n <= 0 || n % 256 != 0) {
        std::fprintf(stderr, "matrix size must be a positive multiple of 256\n");
        return 2;
    }
    const int64_t rows = n, cols = n;
    const bool legacyOnly = argc > 2 && std::strcmp(argv[2], "legacy") == 0;
    const size_t count = size_t(rows * cols);
    const double gb = double(count) * 4.0 / 1e9;

    std::vector<float> src(count), dst(count);
    std::mt19937 rng(1);
    std::normal_distribution<float> dist(0.0f, 0.02f);
    for (float& v : src) v = dist(rng);
    std::fill(dst.begin(), dst.end(), 1.0f); // fault the pages in before timing

    std::printf("ggml quantize-dequantize, %lld x %lld fp32 (%.0f MiB), SIMD target %s\n",
                (long long)rows, (long long)cols, double(count) * 4.0 / (1 << 20),
                qs::ggmlSimdTargetName());
    std::printf("GB/s = fp32 input bytes per second; ratio = that / memcpy of the same buffer\n\n");

    // memcpy runs alternate with the kernel's (same thread count), and each takes its best, so a
    // ratio compares runs made under the same load (this machine is shared).
    auto copy = [&](int threads) {
        if (threads == 1) {
            std::memcpy(dst.data(), src.data(), count * 4);
            return;
        }
        tbb::parallel_for(0, threads, [&](int t) {
            const size_t lo = count * size_t(t) / size_t(threads);
            const size_t hi = count * size_t(t + 1) / size_t(threads);
            std::memcpy(dst.data() + lo, src.data() + lo, (hi - lo) * 4);
        });
    };
    double memcpyGbs[3] = {0, 0, 0}; // best seen, for the table's memcpy row

    const Entry entries[] = {
        {"q8_0", qs::ggml::kQ8_0, false},
        {"q4_0", qs::ggml::kQ4_0, false},
        {"q4_1", qs::ggml::kQ4_1, false},
        {"q5_0", qs::ggml::kQ5_0, false},
        {"q5_1", qs::ggml::kQ5_1, false},
        {"q2_K", qs::ggml::kQ2_K, false},
        {"q3_K", qs::ggml::kQ3_K, false},
        {"q4_K", qs::ggml::kQ4_K, false},
        {"q5_K", qs::ggml::kQ5_K, false},
        {"q6_K", qs::ggml::kQ6_K, false},
        {"q4_0 (scalar ref)", qs::ggml::kQ4_0, true},
        {"q8_0 (scalar ref)", qs::ggml::kQ8_0, true},
    };

    std::printf("%-18s %10s %8s %10s %8s\n", "format", "1T GB/s", "1T ratio", "2T GB/s",
                "2T ratio");
    for (const Entry& e : entries) {
        if (legacyOnly && e.type >= qs::ggml::kQ2_K) continue;
        double gbs[3] = {0, 0, 0}, ratio[3] = {0, 0, 0};
        for (int threads : {1, 2}) {
            if (e.reference && threads == 2) continue;
            tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                      size_t(threads));
            // K-quants run their scale searches at well under 1 GB/s: fewer repetitions.
            const bool slow = e.reference || e.type >= qs::ggml::kQ2_K;
            double copyS = 1e30, s = 1e30;
            for (int round = 0; round < (slow ? 2 : 8); ++round) {
                copyS = std::min(copyS, bestSeconds(1, [&] { copy(threads); }));
                s = std::min(s, bestSeconds(0, [&] {
                                 if (e.reference)
                                     qs::ggml_ref::quantizeDequantize(e.type, src.data(),
                                                                      dst.data(), rows, cols);
                                 else
                                     qs::ggmlQuantizeDequantize(e.type, src.data(), dst.data(),
                                                                rows, cols);
                             }));
            }
            const double copyGbs = gb / copyS;
            memcpyGbs[threads] = std::max(memcpyGbs[threads], copyGbs);
            gbs[threads] = gb / s;
            ratio[threads] = gbs[threads] / copyGbs;
        }
        if (e.reference)
            std::printf("%-18s %10.2f %8.2f %10s %8s\n", e.label, gbs[1], ratio[1], "-", "-");
        else
            std::printf("%-18s %10.2f %8.2f %10.2f %8.2f\n", e.label, gbs[1], ratio[1], gbs[2],
                        ratio[2]);
    }
    std::printf("%-18s %10.2f %8s %10.2f %8s   (best of the interleaved measurements)\n", "memcpy",
                memcpyGbs[1], "1.00", memcpyGbs[2], "1.00");
    return 0;
}
