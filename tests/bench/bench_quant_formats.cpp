// Quantize-dequantize throughput of the non-float weight formats on a 4096 x 4096 fp32 matrix,
// with 1 and 2 threads, each next to memcpy of the same matrix measured in the same run just
// before it (the machine is shared: a memcpy figure from a minute earlier may not describe the
// memory system the format ran against). Throughput counts fp32 input bytes (64 MiB per pass);
// the ratio is to that memcpy at the same thread count (memcpy also reads 64 MiB and writes
// 64 MiB, like an out-of-place quantize-dequantize). The target for the plain round-to-nearest
// kernels is a ratio of at least 50%.
//
//   bench_quant_formats                 the table for the default set of formats
//   bench_quant_formats NAME ...        only the named formats (any valid integer name works)

#include "quant/int_formats.h"
#include "quant/minifloat_formats.h"
#include "quant/quant_format.h"

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kRows = 4096, kCols = 4096;
constexpr double kBytes = double(kRows * kCols) * sizeof(float);
// Each measurement repeats until this much time has passed (at least kMinReps passes) and keeps
// the fastest pass: the machine is shared, and the fastest pass is the least disturbed one.
constexpr double kMinSeconds = 0.5;
constexpr int kMinReps = 3;

double cpuSeconds() {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

struct Timing {
    double wall = 1e30, cpu = 1e30; // fastest pass by wall clock, and by process CPU time
};

template <class F>
Timing best(F&& f) {
    Timing t;
    double total = 0;
    for (int rep = 0; rep < kMinReps || total < kMinSeconds; ++rep) {
        const auto t0 = Clock::now();
        const double c0 = cpuSeconds();
        f();
        const double c = cpuSeconds() - c0;
        const double s = std::chrono::duration<double>(Clock::now() - t0).count();
        t.wall = std::min(t.wall, s);
        t.cpu = std::min(t.cpu, c);
        total += s;
    }
    return t;
}

// memcpy split into row blocks the way the formats split their work, so both see the same
// parallelism (with 1 thread it is one plain memcpy per block on the calling thread).
void parallelCopy(const float* src, float* dst) {
    tbb::parallel_for(tbb::blocked_range<int64_t>(0, kRows, 64),
                      [&](const tbb::blocked_range<int64_t>& r) {
                          std::memcpy(dst + r.begin() * kCols, src + r.begin() * kCols,
                                      size_t((r.end() - r.begin()) * kCols) * sizeof(float));
                      });
}

const char* const kDefaultFormats[] = {
    "int8_g128_sym", "int8_c_sym",         "int8_t_sym",      "int4_g128_sym", "int4_g128_asym",
    "int4_g64_sym",  "int4_g32_sym",       "int4_g32_asym",   "int4_c_asym",   "int3_g32_sym",
    "int2_g64_asym", "int4_g128_sym_clip", "int4_g32_sym_sr", "q8_0",          "q4_0",
    "fp8_e4m3",      "fp8_e5m2",           "fp6_e3m2_g32",    "fp6_e2m3_g32",  "fp4_e2m1_g32",
    "mxfp8_e4m3",    "mxfp8_e5m2",         "mxfp6_e3m2",      "mxfp6_e2m3",    "mxfp4",
    "nf4_g64",       "nf4_g128",           "ternary_c",       "binary_c",      "log4"};

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> names;
    for (int i = 1; i < argc; ++i) names.emplace_back(argv[i]);
    if (names.empty()) names.assign(std::begin(kDefaultFormats), std::end(kDefaultFormats));

    std::vector<float> src(size_t(kRows * kCols)), dst(src.size());
    {
        std::mt19937 rng(1);
        std::normal_distribution<float> dist(0.0f, 0.02f);
        for (float& v : src) v = dist(rng);
    }
    std::fill(dst.begin(), dst.end(), 1.0f); // fault the pages in before timing

    std::printf("quantize-dequantize of a %lld x %lld fp32 matrix (%.0f MiB), SIMD targets: "
                "integer %s, minifloat %s; hardware threads %u\n",
                (long long)kRows, (long long)kCols, kBytes / (1 << 20),
                qs::quant_detail::intSimdTargetName(), qs::quant_detail::minifloatSimdTargetName(),
                std::thread::hardware_concurrency());
    std::printf("GB/s = fp32 input bytes per second (fastest pass); memcpy measured just before "
                "each format;\n1T CPU = the same by process CPU time (robust to other processes "
                "on a shared machine)\n");

    auto gb = [](double seconds) { return kBytes / seconds / 1e9; };
    std::printf("\n%-20s %6s | %7s %7s %5s | %7s %7s %5s | %7s %5s\n", "format", "bits", "1T GB/s",
                "memcpy", "ratio", "2T GB/s", "memcpy", "ratio", "1T CPU", "ratio");
    std::printf("%.*s\n", 90,
                "-------------------------------------------------------------------------------"
                "-----------------------------------");
    for (const std::string& name : names) {
        std::unique_ptr<qs::QuantFormat> parsed;
        const qs::QuantFormat* f = qs::findQuantFormat(name);
        if (!f && (parsed = qs::parseIntegerFormat(name))) f = parsed.get();
        if (!f) {
            std::printf("%-20s unknown format\n", name.c_str());
            continue;
        }
        Timing copy[2], t[2];
        for (int n = 0; n < 2; ++n) {
            tbb::global_control limit(tbb::global_control::max_allowed_parallelism, size_t(n + 1));
            const qs::QuantContext ctx{.tensorName = "bench", .importance = nullptr, .seed = 1};
            copy[n] = best([&] { parallelCopy(src.data(), dst.data()); });
            t[n] = best([&] { f->quantizeDequantize(src.data(), dst.data(), kRows, kCols, ctx); });
        }
        const double ratio[2] = {copy[0].wall / t[0].wall, copy[1].wall / t[1].wall};
        std::printf("%-20s %6.3f | %7.2f %7.2f %4.0f%% | %7.2f %7.2f %4.0f%% | %7.2f %4.0f%%\n",
                    f->name().c_str(), f->bitsPerWeight(kCols), gb(t[0].wall), gb(copy[0].wall),
                    100 * ratio[0], gb(t[1].wall), gb(copy[1].wall), 100 * ratio[1], gb(t[0].cpu),
                    100 * copy[0].cpu / t[0].cpu);
        std::fflush(stdout);
    }
    return 0;
}
