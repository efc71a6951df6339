#pragma once
// Weights of a model under a quantization configuration, for the forward pass. Quantized copies
// are computed once per (tensor, format) and kept in a memory-bounded LRU cache, so switching back
// to an earlier choice costs nothing.
//
//   qs::WeightCache cache(512 << 20);
//   auto qw = qs::QuantizedWeights::build(*model, resolved, cache);
//   qs::LlamaForward fwd(model->hp(), qw->weights());
//   fwd.setActQuantPlan(qw->actQuantPlan());

#include "model/model.h"
#include "quant/quant_config.h"

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace qs {

class Feedback;

class WeightCache {
public:
    using Buffer = std::shared_ptr<const std::vector<float>>;
    explicit WeightCache(uint64_t budgetBytes) : m_budget(budgetBytes) {}

    // The cached buffer for key, or nullptr. Marks it most recently used.
    Buffer find(const std::string& key);
    // Inserts and evicts least recently used entries beyond the budget (entries still referenced
    // elsewhere stay alive through their shared_ptr, only the cache forgets them).
    void insert(const std::string& key, Buffer buffer);

    uint64_t bytes() const;
    uint64_t budget() const { return m_budget; }
    uint64_t hits() const { return m_hits; }
    uint64_t misses() const { return m_misses; }

private:
    mutable std::mutex m_mutex;
    uint64_t m_budget, m_bytes = 0, m_hits = 0, m_misses = 0;
    std::list<std::pair<std::string, Buffer>> m_lru; // front = most recent
    std::map<std::string, std::list<std::pair<std::string, Buffer>>::iterator> m_index;
};

class QuantizedWeights {
public:
    // Quantizes (or fetches from the cache) every tensor whose format is not f32. Throws Error
    // naming the tensor on NaN/Inf. Parallel over tensors; cancellation between tensors.
    static std::shared_ptr<const QuantizedWeights> build(const Model& model,
                                                         const ResolvedConfig& config,
                                                         WeightCache& cache,
                                                         const Feedback* feedback = nullptr);

    const LlamaWeights& weights() const { return m_weights; }
    const ActQuantPlan& actQuantPlan() const { return m_plan; }

private:
    LlamaWeights m_weights;
    ActQuantPlan m_plan;
    std::vector<WeightCache::Buffer> m_keep;
};

} // namespace qs
