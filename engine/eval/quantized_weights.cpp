#include "eval/quantized_weights.h"

#include "core/feedback.h"

#include <tbb/parallel_for.h>

namespace qs {

WeightCache::Buffer WeightCache::find(const std::string& key) {
    std::lock_guard lock(m_mutex);
    auto it = m_index.find(key);
    if (it == m_index.end()) {
        ++m_misses;
        return nullptr;
    }
    ++m_hits;
    m_lru.splice(m_lru.begin(), m_lru, it->second);
    return it->second->second;
}

void WeightCache::insert(const std::string& key, Buffer buffer) {
    std::lock_guard lock(m_mutex);
    if (auto it = m_index.find(key); it != m_index.end()) {
        m_bytes -= it->second->second->size() * sizeof(float);
        m_lru.erase(it->second);
        m_index.erase(it);
    }
    m_bytes += buffer->size() * sizeof(float);
    m_lru.emplace_front(key, std::move(buffer));
    m_index[key] = m_lru.begin();
    while (m_bytes > m_budget && m_lru.size() > 1) {
        auto& last = m_lru.back();
        m_bytes -= last.second->size() * sizeof(float);
        m_index.erase(last.first);
        m_lru.pop_back();
    }
}

uint64_t WeightCache::bytes() const {
    std::lock_guard lock(m_mutex);
    return m_bytes;
}

namespace {

struct Job {
    const WeightView* source;
    WeightView* target;
    const QuantFormat* format;
    std::string name;
};

} // namespace

std::shared_ptr<const QuantizedWeights> QuantizedWeights::build(const Model& model,
                                                                const ResolvedConfig& config,
                                                                WeightCache& cache,
                                                                const Feedback* feedback) {
    auto qw = std::make_shared<QuantizedWeights>();
    qw->m_weights = model.weights();
    qw->m_plan = config.actQuantPlan();
    const ModelDesc& desc = model.desc();

    std::vector<Job> jobs;
    for (size_t i = 0; i < desc.tensors.size(); ++i) {
        const QuantFormat* f = config.format(i);
        const TensorDesc& t = desc.tensors[i];
        if (!f || f->name() == "f32" || t.role == TensorRole::Output) continue;
        jobs.push_back({model.weights().find(t.role, t.block), qw->m_weights.find(t.role, t.block),
                        f, t.name});
    }
    if (config.headFormat() && config.headFormat()->name() != "f32")
        jobs.push_back(
            {&model.weights().output, &qw->m_weights.output, config.headFormat(), "output.weight"});

    std::vector<WeightCache::Buffer> buffers(jobs.size());
    tbb::parallel_for(size_t(0), jobs.size(), [&](size_t j) {
        checkCanceled(feedback);
        const Job& job = jobs[j];
        const std::string key = job.name + "@" + job.format->name();
        WeightCache::Buffer b = cache.find(key);
        if (!b) {
            auto v =
                std::make_shared<std::vector<float>>(size_t(job.source->rows * job.source->cols));
            QuantContext ctx;
            ctx.tensorName = job.name;
            job.format->quantizeDequantize(job.source->data, v->data(), job.source->rows,
                                           job.source->cols, ctx);
            b = v;
            cache.insert(key, b);
        }
        buffers[j] = b;
    });
    for (size_t j = 0; j < jobs.size(); ++j) {
        jobs[j].target->data = buffers[j]->data();
        qw->m_keep.push_back(buffers[j]);
    }
    return qw;
}

} // namespace qs
