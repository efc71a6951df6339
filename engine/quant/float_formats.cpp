// Full-precision storage types as formats, so "keep this layer at 16 bits" is an ordinary choice.
#include "quant/format_families.h"

#include "core/dtype.h"
#include "core/error.h"

#include <cmath>

namespace qs::quant_detail {

namespace {

class FloatFormat : public QuantFormat {
public:
    FloatFormat(std::string name, int bits, int ggml, uint16_t (*encode)(float),
                float (*decode)(uint16_t), std::string description)
        : m_name(std::move(name)), m_bits(bits), m_ggml(ggml), m_encode(encode), m_decode(decode),
          m_description(std::move(description)) {}

    std::string name() const override { return m_name; }
    std::string family() const override { return "float"; }
    std::string description() const override { return m_description; }
    int nominalBits() const override { return m_bits; }
    double bitsPerWeight(int64_t) const override { return m_bits; }
    std::string checkShape(int64_t, int64_t) const override { return {}; }
    int ggmlType() const override { return m_ggml; }

    void quantizeDequantize(const float* src, float* dst, int64_t rows, int64_t cols,
                            const QuantContext& ctx) const override {
        const int64_t n = rows * cols;
        for (int64_t i = 0; i < n; ++i) {
            if (!std::isfinite(src[i]))
                throw Error("tensor " + ctx.tensorName + " holds a non-finite value at element " +
                            std::to_string(i));
            dst[i] = m_encode ? m_decode(m_encode(src[i])) : src[i];
        }
    }

private:
    std::string m_name;
    int m_bits, m_ggml;
    uint16_t (*m_encode)(float);
    float (*m_decode)(uint16_t);
    std::string m_description;
};

} // namespace

void appendFloatFormats(FormatList& out) {
    out.push_back(std::make_unique<FloatFormat>("f32", 32, 0, nullptr, nullptr,
                                                "IEEE single precision (unchanged)"));
    out.push_back(std::make_unique<FloatFormat>("f16", 16, 1, floatToFp16, fp16ToFloat,
                                                "IEEE half precision, round to nearest even"));
    out.push_back(std::make_unique<FloatFormat>("bf16", 16, 30, floatToBf16, bf16ToFloat,
                                                "bfloat16, round to nearest even"));
}

} // namespace qs::quant_detail
