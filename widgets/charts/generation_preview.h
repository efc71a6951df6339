#pragma once
// Side-by-side greedy continuations of a prompt by full precision and by the current
// configuration, with the first token where they differ highlighted (palette Highlight
// colours) and the rest of the diverged text muted. Generation runs on a worker thread and
// can be stopped; a new request supersedes a running one.
//
//   auto* preview = new GenerationPreview(this);
//   preview->setModel(model);                              // std::shared_ptr<const qs::Model>
//   preview->setConfiguration(config, tr("q4_0 + f16 fallback"));
//   preview->setPrompt("Once upon a time");
//   preview->generate();                                   // or the Generate button
//   connect(preview, &GenerationPreview::comparisonReady, ...);
//
// The figure (renderFigure/savePng/saveSvg) shows both continuations in two columns.

#include "figure_widget.h"
#include "generation_comparison.h"

class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTextBrowser;

class GenerationPreview : public FigureWidget {
    Q_OBJECT

public:
    explicit GenerationPreview(QWidget* parent = nullptr);

    void setModel(std::shared_ptr<const qs::Model> model);
    void setConfiguration(const qs::QuantConfig& config, const QString& label = {});
    void setPrompt(const QString& prompt);
    QString prompt() const;
    void setMaxNewTokens(int n);

    bool isRunning() const;
    bool hasComparison() const { return m_hasComparison; }
    const GenerationComparison& comparison() const { return m_comparison; }
    QString referenceHtml() const;
    QString currentHtml() const;
    QString statusText() const;
    GenerationComparer* comparer() const { return m_comparer; }

    void renderFigure(QPainter* painter, const QRectF& target) override;
    QSize defaultFigureSize() const override { return QSize(1200, 420); }

public slots:
    void generate();
    void cancel();

signals:
    void comparisonReady(const GenerationComparison& comparison);

private:
    void show(const GenerationComparison& c);
    void setRunning(bool running);

    GenerationComparer* m_comparer;
    GenerationComparison m_comparison;
    bool m_hasComparison = false;
    quint64 m_generation = 0;
    QLineEdit* m_prompt;
    QSpinBox* m_maxTokens;
    QPushButton* m_generate;
    QPushButton* m_stop;
    QProgressBar* m_progress;
    QLabel* m_status;
    QLabel* m_currentTitle;
    QTextBrowser* m_reference;
    QTextBrowser* m_current;
};
