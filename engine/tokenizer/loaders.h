#pragma once
// Parsers of the standalone tokenizer formats; qs::loadTokenizer() sniffs the content and picks
// one. Each throws FileError naming the file.

#include "core/mapped_file.h"
#include "tokenizer/tokenizer.h"

#include <memory>

namespace qs {

// llama2.c tokenizer.bin: int32 max_token_length, then (float32 score, int32 len, len bytes)
// records to the end of the file. Ids 0/1/2 are unk/bos/eos.
std::shared_ptr<const Tokenizer> loadLlama2cTokenizer(const MappedFile& file);

// SentencePiece tokenizer.model (serialized ModelProto), through libsentencepiece.
std::shared_ptr<const Tokenizer> loadSentencePieceModel(const MappedFile& file);

// Hugging Face tokenizer.json with a byte-level BPE model (GPT-2, Llama 3, Qwen2 style).
std::shared_ptr<const Tokenizer> loadHfTokenizerJson(const MappedFile& file);

} // namespace qs
