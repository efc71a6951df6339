#pragma once
// The tensors of a model as a two-level tree for QTreeView: a "Global" group (token embedding,
// output norm, output head) followed by one "Block N" group per transformer block, each holding
// its tensors in file order. Besides what the file says (role, type, shape, parameters, size)
// every tensor shows what the workbench knows about it: its format in the current configuration
// with its bits per weight, the saliency measure chosen in the Saliency view, an outlier score
// and the measured sensitivity from a layer sweep.
//
//   auto* model = new ModelStructureModel(this);
//   model->setDescription(loadedModel->desc());   // copies what it needs; desc may go away
//   proxy->setSourceModel(model);
//   proxy->setSortRole(ModelStructureModel::SortRole);
//   connect(configModel, &QuantConfigModel::configChanged, model,
//           &ModelStructureModel::setConfig);      // every edit, incrementally
//   model->setSaliencyGrid(activationEnergyGrid(desc, stats));
//   model->setOutlierData(outlierData(desc, weightStats));
//   model->setSensitivityGrid(measuredKldGrid(desc, sweep, "q4_0"));
//
// Group rows show the sums of their tensors. A tied output head (it shares the embedding's
// data) is listed but counts neither parameters nor bytes in the sums, so the grand total
// equals qs::ModelDesc::parameterCount(). A group's bits per weight is the parameter-weighted
// average over its quantized tensors; its saliency, outlier score and sensitivity are the
// highest of its tensors'.
//
// The configuration and analysis setters never reset the model: they emit dataChanged() for
// the rows whose values changed (one range per group, over their own columns only), so views
// keep expansion, selection and sort order. Numbers that do not apply (norms have no format,
// the embedding no saliency) or are not known yet are blank: DisplayRole empty, the number
// roles NaN and SortRole an invalid QVariant (ModelStructureProxy sorts those last).

#include <QAbstractItemModel>
#include <QString>

#include <memory>
#include <vector>

namespace qs {
struct ModelDesc;
class QuantConfig;
class QuantFormat;
} // namespace qs
struct LayerGrid;
struct OutlierData;

class ModelStructureModel : public QAbstractItemModel {
    Q_OBJECT

public:
    enum Column {
        NameColumn,
        RoleColumn,
        TypeColumn,
        ShapeColumn,
        ParametersColumn,
        SizeColumn,
        FormatColumn,        // format in the current configuration
        BitsPerWeightColumn, // of that format, scales included
        SaliencyColumn,      // the Saliency view's measure
        OutlierColumn,       // excess kurtosis of the weights
        SensitivityColumn,   // measured mean KLD, only this layer quantized
        ColumnCount
    };
    enum ItemRole {
        SortRole = Qt::UserRole + 1, // numbers for numeric columns, forward-pass order for names;
                                     // invalid for blank numbers
        ParameterCountRole,          // quint64: counted parameters (0 for a tied head)
        ByteSizeRole,                // quint64: bytes in the file (0 for a tied head)
        TensorNameRole,              // QString: canonical name; empty for group rows
        IsGroupRole,                 // bool
        FormatRole,                  // QString: format used; empty when not quantized/no config
        BitsPerWeightRole,           // double, NaN when blank (as the three below)
        SaliencyRole,                // double
        OutlierScoreRole,            // double: excess kurtosis
        SensitivityRole              // double: mean KLD in nats
    };

    explicit ModelStructureModel(QObject* parent = nullptr);
    ~ModelStructureModel() override;

    // Resets the model; forgets the configuration and the analysis values.
    void setDescription(const qs::ModelDesc& desc);
    void clear();

    quint64 totalParameters() const { return m_totalParameters; }
    quint64 totalBytes() const { return m_totalBytes; }

    // Formats of `config` resolved against the description. A configuration that does not fit
    // the model blanks the format columns and configError() says why.
    void setConfig(const qs::QuantConfig& config);
    QString configError() const { return m_configError; }
    // Values by tensor name (LayerGrid::tensors); the grid's title and unit go into the tooltips.
    void setSaliencyGrid(const LayerGrid& grid);
    void setOutlierData(const OutlierData& data);
    void setSensitivityGrid(const LayerGrid& grid); // measuredKldGrid()
    void clearAnalysis();

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    struct TensorRow {
        QString name, fileName, role, type, shape, sharedWith;
        int roleOrder = 0;
        int descIndex = -1;  // in the description's tensor list
        bool output = false; // the output head (its format is the head's)
        bool quantizable = false;
        qint64 cols = 0;      // row length, for bits per weight
        quint64 elements = 0; // as stored, also for a tied head
        quint64 parameters = 0;
        quint64 bytes = 0;
        const qs::QuantFormat* format = nullptr; // used by the configuration
        bool fallback = false;                   // the chosen format did not fit
        double bpw, saliency, outlier, absMaxOverStd, beyond6Sigma, sensitivity;
        TensorRow();
    };
    struct Group {
        QString name;
        int order = 0;
        std::vector<TensorRow> tensors;
        quint64 parameters = 0;
        quint64 bytes = 0;
        QString format; // the one format of its quantized tensors, "mixed", or empty
        double bpw, saliency, outlier, sensitivity;
        Group();
    };
    // The measures shown per tensor and in which column; see updateTensors().
    enum class Values { Config, Saliency, Outliers, Sensitivity };

    QVariant groupData(const Group& group, int column, int role) const;
    QVariant tensorData(const TensorRow& tensor, int column, int role) const;
    QString columnToolTip(int column) const;
    QString valueToolTip(const TensorRow& tensor, int column) const;
    // Recomputes the groups' aggregates of `values` and emits dataChanged() for every group and
    // tensor row whose values differ from `before`.
    template <class Update>
    void updateTensors(Values values, Update update);
    void aggregate(Group& group, Values values) const;

    // Group rows have internalId 0; tensor rows carry their group's row + 1.
    std::vector<Group> m_groups;
    std::unique_ptr<qs::ModelDesc> m_desc;
    quint64 m_totalParameters = 0;
    quint64 m_totalBytes = 0;
    bool m_hasConfig = false;
    QString m_configError;
    QString m_fallbackFormat;
    QString m_saliencyTitle, m_saliencyUnit, m_sensitivityTitle;
};
