#pragma once
// Measured sensitivity: for each part of the model (one linear weight, or one whole block) and
// each format, quantize only that part (everything else stays f32, activations unquantized) and
// measure ΔPPL, mean KLD and top-1 agreement against full precision with the incremental
// evaluator. A single-part configuration first differs from full precision at its own block,
// so the evaluator restarts every window there: a part of block b costs blocks b..L plus the
// head instead of the whole model.
//
// The sweep is resumable: a SweepResult holds the finished cells and run() evaluates only the
// missing ones, so a canceled (or killed, if the caller saves after each cell) sweep continues
// where it stopped and ends with the same table.
//
//   qs::IncrementalEvaluator ev(model, tokens, setup);
//   ev.buildReference();
//   qs::SweepOptions opt{.unit = qs::SweepUnit::Layer, .formats = {"q4_0", "int3_g32_sym"}};
//   qs::SensitivitySweep sweep(ev, model->desc(), opt);
//   qs::SweepResult result;                 // or one loaded from a session
//   qs::SweepRunStats s = sweep.run(result, &feedback);   // throws Canceled; result keeps cells

#include "eval/incremental_evaluator.h"
#include "model/model_desc.h"
#include "quant/quant_config.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace qs {

class Feedback;

enum class SweepUnit { Layer, Block };
std::string_view sweepUnitName(SweepUnit u);  // "layer" | "block"
SweepUnit parseSweepUnit(std::string_view s); // throws Error

enum class SweepCellStatus { Done = 1, Skipped = 2 };

struct SweepCell {
    std::string part;   // "blk.3.attn_q.weight" (layer) or "blk.3" (block)
    std::string format; // the format asked for
    SweepCellStatus status = SweepCellStatus::Done;
    std::string note; // why it was skipped, or which tensors used the fallback format
    int block = 0;
    int startBlock = 0;                            // where the evaluator restarted the windows
    double bitsPerWeight = 0;                      // of the part as quantized (fallbacks included)
    double deltaPpl = 0, deltaPplStdError = 0;     // PPL − PPL_ref; error by the delta method
    double lnPplRatio = 0, lnPplRatioStdError = 0; // paired mean of nll − nll_ref
    double klMean = 0, klStdError = 0, klP99 = 0;  // nats
    double top1Agreement = 0, top1AgreementStdError = 0;
    double deltaPRms = 0;
    double seconds = 0; // wall time of this cell's evaluation
    bool operator==(const SweepCell&) const = default;
};

// What the cells were measured on. Cells are comparable only within one setup; run() refuses to
// add cells to a result measured on another.
struct SweepSetup {
    int ctx = 0;
    std::string protocol;
    int64_t windows = 0, scoredTokens = 0;
    int referenceTopK = 0;
    double referencePpl = 0;
    bool operator==(const SweepSetup&) const = default;
    static SweepSetup of(const IncrementalEvaluator& ev);
    bool compatible(const SweepSetup& o) const; // reference PPL to 1e-9 relative
    std::string describe() const;
};

struct SweepResult {
    SweepUnit unit = SweepUnit::Layer;
    std::string fallbackFormat; // used for tensors a format cannot represent; empty: skip them
    SweepSetup setup;
    std::vector<std::string> parts;   // row order (model order)
    std::vector<std::string> formats; // column order
    std::vector<SweepCell> cells;     // finished cells, any order

    const SweepCell* find(const std::string& part, const std::string& format) const;
    // Adds or replaces the cell of (part, format), extending parts/formats as needed.
    void put(SweepCell cell);
    // Finished (Done) cells of one format in part order.
    std::vector<const SweepCell*> column(const std::string& format) const;
    bool operator==(const SweepResult&) const = default;
};

struct SweepOptions {
    SweepUnit unit = SweepUnit::Layer;
    std::vector<std::string> formats;
    // Format for tensors the swept format cannot represent (e.g. "int3_c_sym" for 172-wide rows
    // at int3_g32_sym); empty: such cells are skipped with the reason recorded.
    std::string fallbackFormat;
};

struct SweepRunStats {
    int64_t cellsTotal = 0, evaluated = 0, alreadyDone = 0, skipped = 0;
    double seconds = 0;
    // Work estimated from the shapes (matrix-multiply FLOPs of blocks and head per window): what
    // this run did, and what it would have done had every evaluation started at block 0.
    double flops = 0, scratchFlops = 0;
    int64_t blocksRun = 0, scratchBlocksRun = 0; // block passes over all windows
};

class SensitivitySweep {
public:
    // The evaluator must have its reference built; formats are validated here (Error).
    SensitivitySweep(IncrementalEvaluator& evaluator, const ModelDesc& desc, SweepOptions options);

    // The parts of a model in order: every linear weight of every block, or every block.
    static std::vector<std::string> parts(const ModelDesc& desc, SweepUnit unit);
    // The single-part configuration of a cell: f32 everywhere except `part` at `format`.
    static QuantConfig cellConfig(const std::string& part, const std::string& format,
                                  SweepUnit unit, const std::string& fallbackFormat);

    // Evaluates every (part, format) cell not yet in `result`; each finished cell is put into
    // `result` at once and passed to onCell (e.g. to save the session). Progress reads
    // "blk.3.attn_q @ q4_0". Cancel is honoured between cells and inside one (Canceled is thrown;
    // finished cells stay). Throws Error when `result` holds cells of another unit, fallback
    // or evaluation setup.
    SweepRunStats run(SweepResult& result, Feedback* feedback = nullptr,
                      const std::function<void(const SweepCell&)>& onCell = {});

    // Estimated matrix-multiply FLOPs of one evaluation over all windows restarting at `block`.
    double evaluationFlops(int startBlock) const;

private:
    SweepCell evaluateCell(const std::string& part, const std::string& format, Feedback* inner);
    IncrementalEvaluator& m_ev;
    const ModelDesc& m_desc;
    SweepOptions m_opt;
};

} // namespace qs
