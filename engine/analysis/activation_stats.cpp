#include "analysis/activation_stats.h"

#include "core/error.h"
#include "core/feedback.h"

#include <Eigen/Core>
#include <tbb/concurrent_queue.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/global_control.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>

namespace qs {

namespace {

// The distinct linear inputs of a block, in the order they are stored in ActivationStats.
constexpr std::array<Intermediate, 4> kInputs = {Intermediate::AttnNormOut, Intermediate::AttnOut,
                                                 Intermediate::FfnNormOut, Intermediate::FfnAct};

int inputSlot(Intermediate what) {
    for (size_t i = 0; i < kInputs.size(); ++i)
        if (kInputs[i] == what) return int(i);
    return -1;
}

int64_t inputChannels(const HParams& hp, Intermediate what) {
    switch (what) {
    case Intermediate::AttnOut:
        return hp.qDim();
    case Intermediate::FfnAct:
        return hp.hiddenDim;
    default:
        return hp.dim;
    }
}

using RowMajorF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Sums of one linear input over one window (or, for the total, over all windows so far).
struct InputAccumulator {
    std::vector<double> sumSq, sum;
    std::vector<float> absMax;
    AbsHistogram histogram;
    Eigen::MatrixXf gram; // lower triangle only (rankUpdate); window partials only

    void resize(int64_t n, bool withGram) {
        sumSq.assign(size_t(n), 0.0);
        sum.assign(size_t(n), 0.0);
        absMax.assign(size_t(n), 0.0f);
        histogram = {};
        if (withGram) gram.setZero(n, n);
    }
    void reset() {
        std::fill(sumSq.begin(), sumSq.end(), 0.0);
        std::fill(sum.begin(), sum.end(), 0.0);
        std::fill(absMax.begin(), absMax.end(), 0.0f);
        histogram = {};
        if (gram.size()) gram.setZero();
    }
    void add(const float* x, int64_t rows, int64_t cols) {
        double* sq = sumSq.data();
        double* s = sum.data();
        float* mx = absMax.data();
        for (int64_t r = 0; r < rows; ++r) {
            const float* row = x + r * cols;
            for (int64_t j = 0; j < cols; ++j) {
                const double v = row[j];
                sq[j] += v * v;
                s[j] += v;
                mx[j] = std::max(mx[j], std::fabs(row[j]));
            }
            histogram.addAll(row, cols);
        }
        if (gram.size()) {
            Eigen::Map<const RowMajorF> X(x, rows, cols);
            gram.selfadjointView<Eigen::Lower>().rankUpdate(X.transpose());
        }
    }
};

// The residual stream leaving one block, over one window.
struct ResidualAccumulator {
    std::vector<float> absMax;
    std::vector<int64_t> above;
    std::vector<std::vector<TokenHit>> top; // per channel, descending |value|, ties: earlier first
    AbsHistogram histogram;

    void resize(int64_t n, int k) {
        absMax.assign(size_t(n), 0.0f);
        above.assign(size_t(n), 0);
        top.assign(size_t(n), {});
        for (auto& t : top) t.reserve(size_t(k) + 1);
        histogram = {};
    }
    void reset() {
        std::fill(absMax.begin(), absMax.end(), 0.0f);
        std::fill(above.begin(), above.end(), 0);
        for (auto& t : top) t.clear();
        histogram = {};
    }
};

bool ranksBefore(const TokenHit& a, const TokenHit& b) {
    const float fa = std::fabs(a.value), fb = std::fabs(b.value);
    return fa != fb ? fa > fb : a.position < b.position;
}

// Inserts h into a descending list of at most k hits.
void offerHit(std::vector<TokenHit>& list, const TokenHit& h, int k) {
    if (int(list.size()) == k && !ranksBefore(h, list.back())) return;
    list.insert(std::upper_bound(list.begin(), list.end(), h, ranksBefore), h);
    if (int(list.size()) > k) list.pop_back();
}

struct WindowPartial {
    std::vector<InputAccumulator> inputs; // block * 4 + slot
    std::vector<ResidualAccumulator> residual;
};

class PartialObserver final : public ActivationObserver {
public:
    PartialObserver(WindowPartial& p, const ActivationStatsOptions& opt, int64_t firstPosition,
                    std::span<const int32_t> windowTokens)
        : m_p(p), m_opt(opt), m_first(firstPosition), m_tokens(windowTokens) {}

    void observe(int block, Intermediate what, const float* data, int64_t rows,
                 int64_t cols) override {
        if (what == Intermediate::BlockOutput)
            return addResidual(m_p.residual[size_t(block)], data, rows, cols);
        const int slot = inputSlot(what);
        if (slot >= 0)
            m_p.inputs[size_t(block) * kInputs.size() + size_t(slot)].add(data, rows, cols);
    }

private:
    void addResidual(ResidualAccumulator& acc, const float* x, int64_t rows, int64_t cols) {
        const float threshold = m_opt.outlierThreshold;
        const int k = m_opt.topK;
        for (int64_t r = 0; r < rows; ++r) {
            const float* row = x + r * cols;
            acc.histogram.addAll(row, cols);
            for (int64_t j = 0; j < cols; ++j) {
                const float a = std::fabs(row[j]);
                acc.absMax[size_t(j)] = std::max(acc.absMax[size_t(j)], a);
                acc.above[size_t(j)] += a > threshold;
                auto& list = acc.top[size_t(j)];
                // Most values lose against a full list's smallest; check that cheaply first.
                if (k > 0 && (int(list.size()) < k || a > std::fabs(list.back().value)))
                    offerHit(list, {m_first + r, m_tokens[size_t(r)], row[j]}, k);
            }
        }
    }

    WindowPartial& m_p;
    const ActivationStatsOptions& m_opt;
    int64_t m_first;
    std::span<const int32_t> m_tokens;
};

struct Totals {
    std::vector<InputAccumulator> inputs;  // gram unused here
    std::vector<std::vector<double>> gram; // per input, lower triangle accumulated
    std::vector<ResidualAccumulator> residual;
};

void mergeWindow(Totals& t, const WindowPartial& p, int k) {
    for (size_t i = 0; i < p.inputs.size(); ++i) {
        const InputAccumulator& src = p.inputs[i];
        InputAccumulator& dst = t.inputs[i];
        for (size_t j = 0; j < src.sumSq.size(); ++j) {
            dst.sumSq[j] += src.sumSq[j];
            dst.sum[j] += src.sum[j];
            dst.absMax[j] = std::max(dst.absMax[j], src.absMax[j]);
        }
        dst.histogram.merge(src.histogram);
        if (src.gram.size()) {
            const int64_t n = src.gram.rows();
            double* g = t.gram[i].data();
            for (int64_t c = 0; c < n; ++c) // column-major lower triangle: rows c..n-1
                for (int64_t r = c; r < n; ++r) g[r * n + c] += double(src.gram(r, c));
        }
    }
    for (size_t b = 0; b < p.residual.size(); ++b) {
        const ResidualAccumulator& src = p.residual[b];
        ResidualAccumulator& dst = t.residual[b];
        for (size_t j = 0; j < src.absMax.size(); ++j) {
            dst.absMax[j] = std::max(dst.absMax[j], src.absMax[j]);
            dst.above[j] += src.above[j];
            for (const TokenHit& h : src.top[j]) offerHit(dst.top[j], h, k);
        }
        dst.histogram.merge(src.histogram);
    }
}

uint64_t windowGramBytes(const HParams& hp) {
    uint64_t elems = 0;
    for (Intermediate what : kInputs) {
        const uint64_t n = uint64_t(inputChannels(hp, what));
        elems += n * n;
    }
    return elems * sizeof(float) * uint64_t(hp.nLayers);
}

std::string mib(uint64_t bytes) {
    return std::to_string((bytes + (1u << 20) - 1) >> 20) + " MiB";
}

ActivationStats buildResult(const Model& model, const WindowPlan& plan,
                            const ActivationStatsOptions& opt, Totals& t) {
    const HParams& hp = model.hp();
    ActivationStats st;
    st.source = model.desc().path;
    st.ctx = plan.ctx;
    st.windows = plan.windows;
    st.tokens = plan.windows * plan.ctx;
    for (int b = 0; b < hp.nLayers; ++b) {
        for (size_t s = 0; s < kInputs.size(); ++s) {
            const size_t i = size_t(b) * kInputs.size() + s;
            InputAccumulator& acc = t.inputs[i];
            LinearInputStats in;
            in.name = intermediateName(b, kInputs[s]);
            in.block = b;
            in.what = kInputs[s];
            in.channels = int64_t(acc.sumSq.size());
            in.count = st.tokens;
            in.sumSq = std::move(acc.sumSq);
            in.sum = std::move(acc.sum);
            in.absMax = std::move(acc.absMax);
            in.histogram = acc.histogram;
            if (!t.gram.empty()) {
                in.gram = std::move(t.gram[i]);
                const int64_t n = in.channels;
                for (int64_t r = 0; r < n; ++r) // mirror the lower triangle
                    for (int64_t c = r + 1; c < n; ++c)
                        in.gram[size_t(r * n + c)] = in.gram[size_t(c * n + r)];
            }
            for (int slot = 0; slot < kLinearSlots; ++slot) {
                if (linearInputOf(LinearSlot(slot)) != kInputs[s]) continue;
                const std::string tensor = canonicalTensorName(linearRole(LinearSlot(slot)), b);
                in.tensors.push_back(tensor);
                st.byTensor[tensor] = st.inputs.size();
            }
            st.inputs.push_back(std::move(in));
        }
        ResidualAccumulator& acc = t.residual[size_t(b)];
        ResidualStats rs;
        rs.block = b;
        rs.channels = hp.dim;
        rs.histogram = acc.histogram;
        rs.medianAbs = rs.histogram.quantile(0.5);
        for (int j = 0; j < hp.dim; ++j) {
            const float mx = acc.absMax[size_t(j)];
            const bool massive = double(mx) > opt.massiveRatio * rs.medianAbs;
            const bool int8 = mx > opt.outlierThreshold;
            if (!massive && !int8) continue;
            ResidualOutlier o;
            o.channel = j;
            o.absMax = mx;
            o.ratioToMedian = rs.medianAbs > 0 ? double(mx) / rs.medianAbs : INFINITY;
            o.countAboveThreshold = acc.above[size_t(j)];
            o.massive = massive;
            o.int8Outlier = int8;
            o.top = acc.top[size_t(j)];
            rs.outliers.push_back(std::move(o));
        }
        rs.absMax = std::move(acc.absMax);
        rs.countAboveThreshold = std::move(acc.above);
        rs.top = std::move(acc.top);
        st.residual.push_back(std::move(rs));
    }
    return st;
}

} // namespace

Intermediate linearInputOf(LinearSlot slot) {
    switch (slot) {
    case LinearSlot::Q:
    case LinearSlot::K:
    case LinearSlot::V:
        return Intermediate::AttnNormOut;
    case LinearSlot::O:
        return Intermediate::AttnOut;
    case LinearSlot::Gate:
    case LinearSlot::Up:
        return Intermediate::FfnNormOut;
    case LinearSlot::Down:
        return Intermediate::FfnAct;
    }
    return Intermediate::AttnNormOut;
}

TensorRole linearRole(LinearSlot slot) {
    constexpr TensorRole roles[kLinearSlots] = {
        TensorRole::Wq,      TensorRole::Wk,    TensorRole::Wv,     TensorRole::Wo,
        TensorRole::FfnGate, TensorRole::FfnUp, TensorRole::FfnDown};
    return roles[int(slot)];
}

const LinearInputStats* ActivationStats::forTensor(std::string_view tensorName) const {
    auto it = byTensor.find(std::string(tensorName));
    return it == byTensor.end() ? nullptr : &inputs[it->second];
}

uint64_t gramBytes(const HParams& hp) {
    return windowGramBytes(hp) / sizeof(float) * sizeof(double);
}

ActivationStats collectActivationStats(const Model& model, std::span<const int32_t> tokens,
                                       const ActivationStatsOptions& opt, Feedback* feedback) {
    PerplexityOptions popt;
    popt.ctx = opt.ctx;
    popt.maxTokens = opt.maxTokens;
    popt.protocol = opt.protocol;
    const WindowPlan plan = planWindows(int64_t(tokens.size()), popt);
    const HParams& hp = model.hp();
    if (opt.topK < 0) throw Error("topK must be >= 0");

    const int threads = int(std::min<size_t>(
        size_t(tbb::this_task_arena::max_concurrency()),
        tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism)));
    int live = opt.maxLiveWindows > 0 ? opt.maxLiveWindows : 2 * std::max(threads, 1);
    if (opt.gram) {
        const uint64_t total = gramBytes(hp), perWindow = windowGramBytes(hp);
        if (total + perWindow > opt.gramBudgetBytes)
            throw Error("Gram matrices need " + mib(total + perWindow) + " (" + mib(total) +
                        " accumulated in double plus " + mib(perWindow) +
                        " per window in flight), over the budget of " + mib(opt.gramBudgetBytes));
        live =
            int(std::clamp<uint64_t>((opt.gramBudgetBytes - total) / perWindow, 1, uint64_t(live)));
    }

    const size_t nInputs = size_t(hp.nLayers) * kInputs.size();
    auto makePartial = [&] {
        auto p = std::make_unique<WindowPartial>();
        p->inputs.resize(nInputs);
        for (size_t i = 0; i < nInputs; ++i)
            p->inputs[i].resize(inputChannels(hp, kInputs[i % kInputs.size()]), opt.gram);
        p->residual.resize(size_t(hp.nLayers));
        for (auto& r : p->residual) r.resize(hp.dim, opt.topK);
        return p;
    };
    std::vector<std::unique_ptr<WindowPartial>> partials;
    tbb::concurrent_queue<WindowPartial*> free;
    for (int i = 0; i < live; ++i) {
        partials.push_back(makePartial());
        free.push(partials.back().get());
    }

    Totals totals;
    totals.inputs.resize(nInputs);
    for (size_t i = 0; i < nInputs; ++i) {
        const int64_t n = inputChannels(hp, kInputs[i % kInputs.size()]);
        totals.inputs[i].resize(n, false);
        if (opt.gram) totals.gram.emplace_back(size_t(n * n), 0.0);
    }
    totals.residual.resize(size_t(hp.nLayers));
    for (auto& r : totals.residual) r.resize(hp.dim, opt.topK);

    const LlamaForward fwd(hp, model.weights());
    struct ThreadState {
        ForwardScratch scratch;
        std::vector<float> x;
    };
    tbb::enumerable_thread_specific<ThreadState> threadState;
    struct Job {
        int64_t window = 0;
        WindowPartial* partial = nullptr;
    };
    int64_t next = 0, merged = 0;

    tbb::parallel_pipeline(
        size_t(live),
        tbb::make_filter<void, int64_t>(tbb::filter_mode::serial_in_order,
                                        [&](tbb::flow_control& fc) -> int64_t {
                                            if (next >= plan.windows ||
                                                (feedback && feedback->isCanceled())) {
                                                fc.stop();
                                                return 0;
                                            }
                                            return next++;
                                        }) &
            tbb::make_filter<int64_t, Job>(
                tbb::filter_mode::parallel,
                [&](int64_t w) {
                    WindowPartial* p = nullptr;
                    if (!free.try_pop(p))
                        throw Error(
                            "internal: no free window partial"); // live bounds in-flight windows
                    // Isolated so a thread waiting inside a nested GEMM never starts another window
                    // with the same thread-local scratch.
                    tbb::this_task_arena::isolate([&] {
                        for (auto& in : p->inputs) in.reset();
                        for (auto& r : p->residual) r.reset();
                        ThreadState& ts = threadState.local();
                        const std::vector<int32_t> win = plan.windowTokens(tokens, w, hp.bosId);
                        ts.x.resize(size_t(plan.ctx) * size_t(hp.dim));
                        PartialObserver obs(*p, opt, w * plan.ctx, win);
                        fwd.embed(win, ts.x.data());
                        for (int b = 0; b < hp.nLayers; ++b) {
                            checkCanceled(feedback);
                            fwd.block(b, ts.x.data(), plan.ctx, ts.scratch, &obs);
                        }
                    });
                    return Job{w, p};
                }) &
            tbb::make_filter<Job, void>(tbb::filter_mode::serial_in_order, [&](Job j) {
                mergeWindow(totals, *j.partial, opt.topK);
                free.push(j.partial);
                if (++merged < plan.windows)
                    reportProgress(feedback, double(merged) / double(plan.windows),
                                   "activation statistics");
            }));
    checkCanceled(feedback);
    reportProgress(feedback, 1.0, "activation statistics");
    return buildResult(model, plan, opt, totals);
}

} // namespace qs
