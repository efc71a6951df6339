#pragma once
// Per-layer analysis data as plain Qt values, for SaliencyView (a blocks x layer-type grid of
// one measure) and OutliersView (distribution statistics of every linear weight and its input),
// and the adapters that fill them from engine/analysis results on any thread.
//
//   LayerGrid energy = activationEnergyGrid(model->desc(), activationStats);
//   LayerGrid pred = predictedErrorGrid(model->desc(), errorTable, "q4_0");
//   LayerGrid kld = measuredKldGrid(model->desc(), sweepResult, "q4_0");   // layer sweeps only
//   saliencyView->setGrids({energy, pred, kld});
//   outliersView->setData(outlierData(model->desc(), weightStats, &activationStats));
//
// Layer types ("slots") are the seven linear layers of a block in this order:
// q, k, v, o, gate, up, down.

#include "logit_distortion_data.h" // HistogramBin

#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <string>
#include <vector>

namespace qs {
struct ActivationStats;
struct ModelDesc;
struct PredictedError;
struct SweepResult;
struct WeightStats;
} // namespace qs

struct LayerGrid {
    static constexpr int kSlots = 7;
    // What the values are, so consumers pick grids without parsing titles (the sensitivity
    // chart shows errors, never activation energy).
    enum class Measure { Other, ActivationEnergy, PredictedError, MeasuredKld };
    Measure measure = Measure::Other;
    QString title; // "Activation energy of the layer input"
    QString unit;  // for the colour bar: "E‖x‖²", "ΔPPL", ...
    int blocks = 0;
    QList<double> values; // blocks x kSlots, row-major; NaN where nothing was measured
    QStringList tensors;  // the same layout: canonical tensor names
    bool logScale = true; // colours by log10(value)

    static QStringList slotLabels(); // q, k, v, o, gate, up, down
    static QString tensorName(int block, int slot);
    double at(int block, int slot) const { return values.value(block * kSlots + slot, qQNaN()); }
    QString tensorAt(int block, int slot) const { return tensors.value(block * kSlots + slot); }
    // Block and slot of a canonical tensor name, false when it is not a linear block weight.
    static bool locate(const QString& tensor, int* block, int* slot);
    bool isEmpty() const { return blocks == 0; }
    // An empty grid of the model's shape (every value NaN).
    static LayerGrid empty(int blocks, const QString& title, const QString& unit);
};

// Σ_j E[x_j²] of each layer's input (q/k/v and gate/up share theirs).
LayerGrid activationEnergyGrid(const qs::ModelDesc& desc, const qs::ActivationStats& stats);
// Relative predicted error (activation-weighted noise-to-signal) of `format`.
LayerGrid predictedErrorGrid(const qs::ModelDesc& desc,
                             const std::vector<qs::PredictedError>& table,
                             const std::string& format);
// Mean KLD measured by a layer sensitivity sweep at `format`.
LayerGrid measuredKldGrid(const qs::ModelDesc& desc, const qs::SweepResult& sweep,
                          const std::string& format);

struct TensorOutliers {
    QString tensor;
    int block = -1, slot = -1;
    double excessKurtosis = 0;
    double absMaxOverStd = 0;
    double fracBeyond6Sigma = 0;
    QList<HistogramBin> weightHistogram;     // |w|, logarithmic bins, empty bins dropped
    QList<HistogramBin> activationHistogram; // |x| of the layer's input (empty without statistics)
    QList<double> channelAbsMax;             // per input channel
    QString channelSource;                   // "activation" or "weight column"
    double channelThreshold = 0;             // channels above it are outliers
    QList<int> outlierChannels;
};

struct OutlierData {
    QList<TensorOutliers> tensors; // linear block weights in model order
    bool isEmpty() const { return tensors.isEmpty(); }
    int indexOf(const QString& tensor) const;
};

// Channels are outliers when their absmax exceeds max(6, 20 x the median channel absmax) for
// activations (LLM.int8()'s 6 and a relative margin) or 20 x the median for weight columns.
OutlierData outlierData(const qs::ModelDesc& desc, const std::vector<qs::WeightStats>& weights,
                        const qs::ActivationStats* activations = nullptr);

Q_DECLARE_METATYPE(LayerGrid)
