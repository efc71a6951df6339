// GGUF output of the synthetic models: the metadata llama.cpp's "llama" architecture needs,
// an optional embedded SentencePiece vocabulary, and F32 tensors produced while writing.
#include "synth/synth_model.h"

#include "core/error.h"
#include "model/gguf_writer.h"
#include "model/model_desc.h"

#include <cstring>

namespace qs {

void writeSynthGguf(const SynthShape& s, uint64_t seed, const std::filesystem::path& out,
                    const SynthVocab* vocab) {
    GgufWriter w;
    w.setKv("general.architecture", GgufValue::string("llama"));
    w.setKv("general.name", GgufValue::string(s.name));
    w.setKv("general.file_type", GgufValue::uint32(0)); // all F32
    w.setKv("llama.context_length", GgufValue::uint32(uint32_t(s.seqLen)));
    w.setKv("llama.embedding_length", GgufValue::uint32(uint32_t(s.dim)));
    w.setKv("llama.feed_forward_length", GgufValue::uint32(uint32_t(s.hiddenDim)));
    w.setKv("llama.block_count", GgufValue::uint32(uint32_t(s.nLayers)));
    w.setKv("llama.attention.head_count", GgufValue::uint32(uint32_t(s.nHeads)));
    w.setKv("llama.attention.head_count_kv", GgufValue::uint32(uint32_t(s.nKvHeads)));
    w.setKv("llama.rope.dimension_count", GgufValue::uint32(uint32_t(s.dim / s.nHeads)));
    w.setKv("llama.rope.freq_base", GgufValue::float32(10000.0f));
    w.setKv("llama.attention.layer_norm_rms_epsilon", GgufValue::float32(1e-5f));
    w.setKv("llama.vocab_size", GgufValue::uint32(uint32_t(s.vocabSize)));
    if (vocab) {
        w.setKv("tokenizer.ggml.model", GgufValue::string("llama"));
        w.setKv("tokenizer.ggml.tokens", GgufValue::stringArray(vocab->pieces));
        w.setKv("tokenizer.ggml.scores", GgufValue::float32Array(vocab->scores));
        w.setKv("tokenizer.ggml.token_type", GgufValue::int32Array(vocab->tokenTypes));
        w.setKv("tokenizer.ggml.unknown_token_id", GgufValue::uint32(0));
        w.setKv("tokenizer.ggml.bos_token_id", GgufValue::uint32(1));
        w.setKv("tokenizer.ggml.eos_token_id", GgufValue::uint32(2));
        w.setKv("tokenizer.ggml.add_bos_token", GgufValue::boolean(true));
    }

    const int64_t hd = s.dim / s.nHeads, kv = int64_t(s.nKvHeads) * hd;
    auto add = [&](const std::string& name, int64_t rows, int64_t cols, bool isNorm) {
        std::vector<uint64_t> ne = rows == 1
                                       ? std::vector<uint64_t>{uint64_t(cols)}
                                       : std::vector<uint64_t>{uint64_t(cols), uint64_t(rows)};
        w.addTensor(name, ne, kGgmlTypeF32, [=](std::span<std::byte> dst) {
            const auto v = synthTensor(seed, name, rows, cols, isNorm);
            std::memcpy(dst.data(), v.data(), dst.size());
        });
    };
    add("token_embd.weight", s.vocabSize, s.dim, false);
    add("output_norm.weight", 1, s.dim, true);
    add("output.weight", s.vocabSize, s.dim, false);
    for (int b = 0; b < s.nLayers; ++b) {
        auto n = [&](TensorRole r) { return canonicalTensorName(r, b); };
        add(n(TensorRole::AttnNorm), 1, s.dim, true);
        add(n(TensorRole::Wq), s.dim, s.dim, false);
        add(n(TensorRole::Wk), kv, s.dim, false);
        add(n(TensorRole::Wv), kv, s.dim, false);
        add(n(TensorRole::Wo), s.dim, s.dim, false);
        add(n(TensorRole::FfnNorm), 1, s.dim, true);
        add(n(TensorRole::FfnGate), s.hiddenDim, s.dim, false);
        add(n(TensorRole::FfnDown), s.dim, s.hiddenDim, false);
        add(n(TensorRole::FfnUp), s.hiddenDim, s.dim, false);
    }
    w.write(out);
}

} // namespace qs
