// llama.cpp block types as quantization formats: simulated with the exact ggml codecs
// (ggml_quants.h), so what the forward pass sees is what llama.cpp would compute from a GGUF.
#include "quant/format_families.h"
#include "ggml/ggml_quants.h"

#include "core/error.h"

#include <string>

namespace qs::quant_detail {

namespace {

class GgmlFormat : public QuantFormat {
public:
    GgmlFormat(std::string name, int type, int bits, std::string description)
        : m_name(std::move(name)), m_type(type), m_bits(bits), m_traits(*ggmlTypeTraits(type)),
          m_description(std::move(description)) {}

    std::string name() const override { return m_name; }
    std::string family() const override { return "ggml"; }
    std::string description() const override { return m_description; }
    int nominalBits() const override { return m_bits; }
    // Whole blocks only (checkShape), so the per-block cost is the per-weight cost.
    double bitsPerWeight(int64_t) const override {
        return double(m_traits.blockBytes) * 8.0 / double(m_traits.blockSize);
    }
    int ggmlType() const override { return m_type; }

    std::string checkShape(int64_t rows, int64_t cols) const override {
        if (rows < 0 || cols <= 0)
            return "empty or negative shape {" + std::to_string(rows) + ", " +
                   std::to_string(cols) + "}";
        if (cols % m_traits.blockSize != 0)
            return "row length " + std::to_string(cols) + " is not a multiple of " +
                   std::to_string(m_traits.blockSize);
        return {};
    }

    // ctx.importance is not used yet (ggml's imatrix-weighted quantizers are still to come); the
    // result is then exactly what `llama-quantize` without --imatrix produces.
    void quantizeDequantize(const float* src, float* dst, int64_t rows, int64_t cols,
                            const QuantContext& ctx) const override {
        if (std::string why = checkShape(rows, cols); !why.empty())
            throw Error("tensor " + ctx.tensorName + " cannot be quantized to " + m_name + ": " +
                        why);
        const int64_t bad = ggmlQuantizeDequantize(m_type, src, dst, rows, cols);
        if (bad >= 0)
            throw Error("tensor " + ctx.tensorName + " holds a non-finite value at element " +
                        std::to_string(bad) + " (row " + std::to_string(bad / cols) + ", column " +
                        std::to_string(bad % cols) + ")");
    }

private:
    std::string m_name;
    int m_type, m_bits;
    GgmlTypeTraits m_traits;
    std::string m_description;
};

} // namespace

void appendGgmlFormats(FormatList& out) {
    auto add = [&](const char* name, int type, int bits, const char* description) {
        out.push_back(std::make_unique<GgmlFormat>(name, type, bits, description));
    };
    add("q8_0", ggml::kQ8_0, 8, "llama.cpp Q8_0: int8, fp16 absmax scale per 32 weights");
    add("q6_k", ggml::kQ6_K, 6,
        "llama.cpp Q6_K: 6-bit codes, int8 scales per 16, fp16 scale per 256");
    add("q5_1", ggml::kQ5_1, 5, "llama.cpp Q5_1: 5-bit codes, fp16 scale and min per 32");
    add("q5_0", ggml::kQ5_0, 5, "llama.cpp Q5_0: 5-bit codes, fp16 scale per 32");
    add("q5_k", ggml::kQ5_K, 5,
        "llama.cpp Q5_K: 5-bit codes, 6-bit scales and mins per 32, fp16 per 256");
    add("q4_1", ggml::kQ4_1, 4, "llama.cpp Q4_1: 4-bit codes, fp16 scale and min per 32");
    add("q4_0", ggml::kQ4_0, 4, "llama.cpp Q4_0: 4-bit codes, fp16 scale per 32");
    add("q4_k", ggml::kQ4_K, 4,
        "llama.cpp Q4_K: 4-bit codes, 6-bit scales and mins per 32, fp16 per 256");
    add("q3_k", ggml::kQ3_K, 3, "llama.cpp Q3_K: 3-bit codes, 6-bit scales per 16, fp16 per 256");
    add("q2_k", ggml::kQ2_K, 2,
        "llama.cpp Q2_K: 2-bit codes, 4-bit scales and mins per 16, fp16 per 256");
}

} // namespace qs::quant_detail
