#include "report_data.h"

#include "formatting.h"

#include "model/model_desc.h"
#include "quant/quant_format.h"
#include "session/session.h"

#include <QFileInfo>

#include <algorithm>

namespace {

// The grids a layer sweep measured, one per swept format (layer sweeps only).
QList<LayerGrid> measuredGrids(const qs::Session& s, const qs::ModelDesc& desc) {
    QList<LayerGrid> grids;
    for (const qs::SweepResult& sweep : s.sweeps) {
        if (sweep.unit != qs::SweepUnit::Layer) continue;
        for (const std::string& format : sweep.formats) {
            LayerGrid g = measuredKldGrid(desc, sweep, format);
            if (std::any_of(g.values.begin(), g.values.end(),
                            [](double v) { return std::isfinite(v); }))
                grids << g;
        }
    }
    return grids;
}

QList<LayerGrid> predictedGrids(const qs::Session& s, const qs::ModelDesc& desc) {
    std::vector<std::string> formats;
    for (const qs::PredictedError& e : s.predictedErrors)
        if (std::find(formats.begin(), formats.end(), e.requestedFormat) == formats.end())
            formats.push_back(e.requestedFormat);
    QList<LayerGrid> grids;
    for (const std::string& f : formats) grids << predictedErrorGrid(desc, s.predictedErrors, f);
    return grids;
}

} // namespace

QList<LayerGrid> reportSensitivityGrids(const QList<LayerGrid>& grids) {
    QList<LayerGrid> measured, predicted;
    for (const LayerGrid& g : grids) {
        if (g.measure == LayerGrid::Measure::MeasuredKld) measured << g;
        if (g.measure == LayerGrid::Measure::PredictedError) predicted << g;
    }
    return (measured.isEmpty() ? predicted : measured).mid(0, 3);
}

QList<ReportLayerRow> reportLayerRows(const qs::ModelDesc& desc, const qs::QuantConfig& config,
                                      const LayerGrid* sensitivity) {
    const qs::ResolvedConfig resolved = config.resolve(desc);
    const std::vector<std::string>& fallbacks = resolved.fallbacks();
    QList<ReportLayerRow> rows;
    for (size_t i = 0; i < desc.tensors.size(); ++i) {
        const qs::TensorDesc& t = desc.tensors[i];
        if (!qs::isQuantizableRole(t.role)) continue;
        ReportLayerRow r;
        r.tensor = QString::fromStdString(t.name);
        r.role = QString::fromStdString(std::string(qs::tensorRoleName(t.role)));
        r.shape = formatShape(t.shape);
        r.block = t.block;
        r.parameters = t.elementCount();
        const qs::QuantFormat* f = resolved.format(i);
        if (t.role == qs::TensorRole::Output && !f) f = resolved.headFormat();
        r.format = f ? QString::fromStdString(f->name()) : QStringLiteral("f32");
        r.bitsPerWeight = f ? f->bitsPerWeight(t.shape.back()) : 32.0;
        r.bytes = quint64(r.bitsPerWeight * double(r.parameters) / 8.0 + 0.5);
        if (std::find(fallbacks.begin(), fallbacks.end(), t.name) != fallbacks.end())
            r.note = QObject::tr("fallback (chosen format does not fit the shape)");
        int b = 0, s = 0;
        if (sensitivity && LayerGrid::locate(r.tensor, &b, &s))
            r.sensitivity = sensitivity->at(b, s);
        rows << r;
    }
    return rows;
}

QString reportModelSummary(const qs::ModelDesc& desc) {
    const qs::HParams& hp = desc.hp;
    return QObject::tr("%1 (%2), %3 blocks, dim %4, FFN %5, %6 heads (%7 KV), vocab %8, "
                       "%9 parameters")
        .arg(QString::fromStdString(qs::architectureName(desc.arch)),
             QString::fromStdString(desc.format))
        .arg(hp.nLayers)
        .arg(hp.dim)
        .arg(hp.hiddenDim)
        .arg(hp.nHeads)
        .arg(hp.nKvHeads)
        .arg(hp.vocabSize)
        .arg(desc.parameterCount()); // plain digits: also in CSV/TeX
}

ReportData reportDataFromSession(const qs::Session& s, const QString& sessionPath,
                                 const qs::ModelDesc& desc,
                                 const QList<ReportConfiguration>& configurations) {
    ReportData d;
    d.title = QObject::tr("Quantization report: %1")
                  .arg(QFileInfo(QString::fromStdString(s.model.path)).fileName());
    d.modelSummary = reportModelSummary(desc);
    ReportProvenance& p = d.provenance;
    p.sessionPath = sessionPath;
    p.modelPath = QString::fromStdString(s.model.path);
    p.modelSha256 = QString::fromStdString(s.model.sha256);
    p.modelBytes = s.model.size;
    p.dataPath = QString::fromStdString(s.evalText.path);
    p.dataSha256 = QString::fromStdString(s.evalText.sha256);
    p.dataBytes = s.evalText.size;
    p.protocol = QString::fromStdString(s.evaluation.protocol);
    p.ctx = s.evaluation.ctx;
    p.maxTokens = s.evaluation.maxTokens;
    p.seed = s.evaluation.seed;
    p.textTokens = s.evaluation.textTokens;
    p.windows = s.evaluation.windows;
    p.scoredTokens = s.evaluation.scoredTokens;
    d.hasReference = s.hasReference;
    d.reference = s.reference;
    d.referenceBytes = qs::QuantConfig::uniform("f32").resolve(desc).modelBytes();
    d.configurations = configurations;

    if (s.activations) d.saliencyGrids << activationEnergyGrid(desc, *s.activations);
    const QList<LayerGrid> predicted = predictedGrids(s, desc);
    const QList<LayerGrid> measured = measuredGrids(s, desc);
    d.saliencyGrids << predicted << measured;
    d.sensitivityGrids = reportSensitivityGrids(d.saliencyGrids);

    if (!configurations.isEmpty())
        d.layers =
            reportLayerRows(desc, configurations.front().config,
                            d.sensitivityGrids.isEmpty() ? nullptr : &d.sensitivityGrids.front());
    return d;
}
