#include "layer_analysis_data.h"

#include "analysis/activation_stats.h"
#include "analysis/predicted_error.h"
#include "analysis/sensitivity_sweep.h"
#include "analysis/weight_stats.h"
#include "model/model_desc.h"

#include <QRegularExpression>

#include <algorithm>
#include <cmath>

namespace {

QList<HistogramBin> histogramBins(const qs::AbsHistogram& h) {
    QList<HistogramBin> out;
    for (int i = 1; i < qs::AbsHistogram::kBins - 1; ++i)
        if (h.counts[size_t(i)] > 0)
            out.push_back({qs::AbsHistogram::lowerEdge(i), qs::AbsHistogram::upperEdge(i),
                           qint64(h.counts[size_t(i)])});
    return out;
}

double median(QList<double> v) {
    if (v.isEmpty()) return 0;
    std::sort(v.begin(), v.end());
    const qsizetype n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

} // namespace

QStringList LayerGrid::slotLabels() {
    return {QStringLiteral("q"),   QStringLiteral("k"),    QStringLiteral("v"),
            QStringLiteral("o"),   QStringLiteral("gate"), QStringLiteral("up"),
            QStringLiteral("down")};
}

QString LayerGrid::tensorName(int block, int slot) {
    return QString::fromStdString(
        qs::canonicalTensorName(qs::linearRole(qs::LinearSlot(slot)), block));
}

bool LayerGrid::locate(const QString& tensor, int* block, int* slot) {
    static const QRegularExpression re(QStringLiteral("^blk\\.(\\d+)\\."));
    const auto m = re.match(tensor);
    if (!m.hasMatch()) return false;
    const int b = m.captured(1).toInt();
    for (int s = 0; s < kSlots; ++s)
        if (tensorName(b, s) == tensor) {
            if (block) *block = b;
            if (slot) *slot = s;
            return true;
        }
    return false;
}

LayerGrid LayerGrid::empty(int blocks, const QString& title, const QString& unit) {
    LayerGrid g;
    g.title = title;
    g.unit = unit;
    g.blocks = blocks;
    g.values = QList<double>(qsizetype(blocks) * kSlots, qQNaN());
    for (int b = 0; b < blocks; ++b)
        for (int s = 0; s < kSlots; ++s) g.tensors.push_back(tensorName(b, s));
    return g;
}

LayerGrid activationEnergyGrid(const qs::ModelDesc& desc, const qs::ActivationStats& stats) {
    LayerGrid g =
        LayerGrid::empty(desc.hp.nLayers, QObject::tr("Activation energy of the layer input"),
                         QObject::tr("Σⱼ E[xⱼ²]"));
    g.measure = LayerGrid::Measure::ActivationEnergy;
    for (int i = 0; i < g.tensors.size(); ++i) {
        const qs::LinearInputStats* x = stats.forTensor(g.tensors[i].toStdString());
        if (!x || x->count <= 0) continue;
        double e = 0;
        for (double s : x->sumSq) e += s;
        g.values[i] = e / double(x->count);
    }
    return g;
}

LayerGrid predictedErrorGrid(const qs::ModelDesc& desc,
                             const std::vector<qs::PredictedError>& table,
                             const std::string& format) {
    LayerGrid g = LayerGrid::empty(
        desc.hp.nLayers,
        QObject::tr("Predicted relative error at %1").arg(QString::fromStdString(format)),
        QObject::tr("noise / signal"));
    g.measure = LayerGrid::Measure::PredictedError;
    for (const qs::PredictedError& e : table) {
        if (e.requestedFormat != format || !e.skipped.empty()) continue;
        int b, s;
        if (LayerGrid::locate(QString::fromStdString(e.tensor), &b, &s) && b < g.blocks)
            g.values[b * LayerGrid::kSlots + s] = e.relative;
    }
    return g;
}

LayerGrid measuredKldGrid(const qs::ModelDesc& desc, const qs::SweepResult& sweep,
                          const std::string& format) {
    LayerGrid g = LayerGrid::empty(
        desc.hp.nLayers,
        QObject::tr("Measured mean KLD, only this layer at %1").arg(QString::fromStdString(format)),
        QObject::tr("nats"));
    g.measure = LayerGrid::Measure::MeasuredKld;
    for (const qs::SweepCell& c : sweep.cells) {
        if (c.format != format || c.status != qs::SweepCellStatus::Done) continue;
        int b, s;
        if (LayerGrid::locate(QString::fromStdString(c.part), &b, &s) && b < g.blocks)
            g.values[b * LayerGrid::kSlots + s] = c.klMean;
    }
    return g;
}

int OutlierData::indexOf(const QString& tensor) const {
    for (int i = 0; i < tensors.size(); ++i)
        if (tensors[i].tensor == tensor) return i;
    return -1;
}

OutlierData outlierData(const qs::ModelDesc& desc, const std::vector<qs::WeightStats>& weights,
                        const qs::ActivationStats* activations) {
    OutlierData out;
    for (int b = 0; b < desc.hp.nLayers; ++b) {
        for (int s = 0; s < LayerGrid::kSlots; ++s) {
            const QString name = LayerGrid::tensorName(b, s);
            const auto w =
                std::find_if(weights.begin(), weights.end(), [&](const qs::WeightStats& ws) {
                    return ws.name == name.toStdString();
                });
            if (w == weights.end()) continue;
            TensorOutliers t;
            t.tensor = name;
            t.block = b;
            t.slot = s;
            t.excessKurtosis = w->excessKurtosis;
            t.absMaxOverStd = w->std > 0 ? w->absMax / w->std : 0;
            t.fracBeyond6Sigma = w->fracBeyond6Sigma;
            t.weightHistogram = histogramBins(w->histogram);
            const qs::LinearInputStats* x =
                activations ? activations->forTensor(name.toStdString()) : nullptr;
            if (x && !x->absMax.empty()) {
                t.activationHistogram = histogramBins(x->histogram);
                for (float v : x->absMax) t.channelAbsMax.push_back(v);
                t.channelSource = QStringLiteral("activation");
                t.channelThreshold = std::max(6.0, 20.0 * median(t.channelAbsMax));
            } else {
                for (float v : w->colAbsMax) t.channelAbsMax.push_back(v);
                t.channelSource = QStringLiteral("weight column");
                t.channelThreshold = 20.0 * median(t.channelAbsMax);
            }
            for (int c = 0; c < t.channelAbsMax.size(); ++c)
                if (t.channelAbsMax[c] > t.channelThreshold) t.outlierChannels.push_back(c);
            out.tensors.push_back(std::move(t));
        }
    }
    return out;
}
