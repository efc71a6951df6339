#pragma once
// llama.cpp importance matrices, read and written as activation statistics (sumSq + count per
// input channel of each weight; llama.cpp's names are the canonical GGUF names).
//
// GGUF imatrix (llama-imatrix's default since mid 2025): KVs general.type = "imatrix",
//   imatrix.datasets (string array), imatrix.chunk_count (u32), imatrix.chunk_size (u32); per
//   weight, in name order, F32 tensors "<name>.in_sum2" ne = {channels, 1} (Σ x²) and
//   "<name>.counts" ne = {1, 1} (rows accumulated). llama-quantize uses in_sum2 / counts.
// Legacy .dat: int32 n_entries; per entry int32 name_len, name bytes, int32 ncall, int32 nval,
//   float[nval] = (Σ x² / count) * ncall with ncall = ceil(count / chunk_size); then int32
//   chunk_count, int32 dataset_len, dataset bytes. llama-quantize uses value / ncall. The
//   count itself is not stored: reading gives count = ncall * chunk size (legacyChunkSize).
//
//   qs::writeImatrix(stats, "model.imatrix.gguf");          // format from the extension
//   qs::ActivationStats back = qs::readImatrix("model.imatrix.gguf");

#include "analysis/activation_stats.h"
#include "model/model_desc.h"

#include <filesystem>
#include <string>
#include <vector>

namespace qs {

enum class ImatrixFormat { Gguf, LegacyDat };
// ".dat" selects the legacy format, anything else GGUF.
ImatrixFormat imatrixFormatForPath(const std::filesystem::path& path);

// Writes every input of stats.byTensor (one entry per weight, shared inputs repeated) atomically.
// Throws FileError. chunk_size = stats.ctx, chunk_count = stats.windows.
void writeImatrix(const ActivationStats& stats, const std::filesystem::path& path,
                  ImatrixFormat format);
void writeImatrix(const ActivationStats& stats, const std::filesystem::path& path);

struct ImatrixReadOptions {
    // Rows per chunk for a legacy file, which does not store it: count = ncall * this.
    // llama-imatrix's default context is 512.
    int legacyChunkSize = 512;
    // When given, entries are matched to the model's tensors (by canonical or in-file name) and
    // checked against its input dimension (FileError on mismatch); entries naming no tensor of the
    // model are dropped and listed in `unmatched`.
    const ModelDesc* model = nullptr;
    std::vector<std::string>* unmatched = nullptr;
};

// Detects the format from the content (GGUF magic). Each weight becomes its own input (imported
// inputs are never shared; sum/absMax/histogram are empty). Throws FileError naming the file and
// the problem for a missing, truncated or corrupt file.
ActivationStats readImatrix(const std::filesystem::path& path, const ImatrixReadOptions& opt = {});

} // namespace qs
