#pragma once
// What a report says, as plain values: where the numbers come from (provenance), the
// full-precision reference, the configurations compared (the first is the one whose per-layer
// table is printed), and the per-layer grids behind the saliency and sensitivity figures.
// Filled from a session file (quantscope-cli report) or from the workbench's current state
// (File > Export report); turned into tables (report_tables.h) and figures (report_figures.h).
//
//   ReportData data = reportDataFromSession(session, model->desc(), configurations);
//   data.provenance.appVersion = QS_VERSION;
//
// Engine types appear here because this is the adapter layer between the engine's results
// and the report writers; the writers themselves only see tables and figures.

#include "charts/layer_analysis_data.h"
#include "eval/token_metrics.h"
#include "quant/quant_config.h"

#include <QList>
#include <QString>

namespace qs {
struct ModelDesc;
struct Session;
} // namespace qs

struct ReportProvenance {
    QString appVersion, generator; // "quantscope-cli report", "QuantScope workbench"
    QString createdUtc;            // ISO 8601
    QString sessionPath;           // empty when not made from a session file
    QString modelPath, modelSha256;
    quint64 modelBytes = 0;
    QString dataPath, dataSha256;
    quint64 dataBytes = 0;
    QString protocol; // "half" | "full"
    int ctx = 0;
    qint64 maxTokens = 0; // 0: the whole text
    quint64 seed = 0;     // window order
    qint64 textTokens = 0, windows = 0, scoredTokens = 0;
};

struct ReportConfiguration {
    QString name;
    qs::QuantConfig config;
    qs::Metrics metrics; // against full precision
    double bitsPerWeight = 0;
    quint64 modelBytes = 0;
};

// One tensor of the first configuration.
struct ReportLayerRow {
    QString tensor, role, shape;
    int block = -1; // -1 for global tensors
    quint64 parameters = 0;
    QString format; // "f32" for tensors that are never quantized
    double bitsPerWeight = 0;
    quint64 bytes = 0;
    double sensitivity = qQNaN(); // from ReportData::sensitivityGrids.front(), NaN if none
    QString note;                 // set when the fallback format replaced one that did not fit
};

struct ReportData {
    QString title;
    QString modelSummary; // reportModelSummary()
    ReportProvenance provenance;
    bool hasReference = false;
    qs::Metrics reference; // full precision against itself
    double referenceBitsPerWeight = 32;
    quint64 referenceBytes = 0;
    QList<ReportConfiguration> configurations;
    QList<ReportLayerRow> layers;      // of configurations.front()
    QList<LayerGrid> saliencyGrids;    // heatmaps (activation energy, predicted error, ...)
    QList<LayerGrid> sensitivityGrids; // bars of one unit (reportSensitivityGrids)
};

// Rows of the per-layer table: every quantizable tensor with the format `config` resolves to
// (fallbacks noted), its bits per weight and bytes; sensitivity from `sensitivity` if given.
QList<ReportLayerRow> reportLayerRows(const qs::ModelDesc& desc, const qs::QuantConfig& config,
                                      const LayerGrid* sensitivity = nullptr);

// "llama (llama2c), 5 blocks, dim 64, FFN 172, 8 heads (4 KV), vocab 512, 260032 parameters"
QString reportModelSummary(const qs::ModelDesc& desc);

// Everything but the configurations' metrics from a session: provenance, reference, the
// saliency grids (activation energy and predicted error of each predicted format) and the
// sensitivity grids (mean KLD of each format of a layer sweep, else predicted error).
// `configurations` must already carry metrics; the first one gets the per-layer table.
ReportData reportDataFromSession(const qs::Session& session, const QString& sessionPath,
                                 const qs::ModelDesc& desc,
                                 const QList<ReportConfiguration>& configurations);

// The grids of one unit a sensitivity chart shows: the measured-KLD grids if there are any,
// else the predicted-error ones (at most three).
QList<LayerGrid> reportSensitivityGrids(const QList<LayerGrid>& grids);
