#pragma once
// Writes a report: one main file (PDF through QPdfWriter, a self-contained HTML page, or
// Markdown) and beside it a folder "<stem>_files/" with every figure as SVG and PNG and every
// table as LaTeX (booktabs) and CSV, ready to drop into a paper.
//
//   ReportDocument doc = reportDocument(data, reportFigures(data));
//   const QString error = writeReport(doc, QStringLiteral("out/report.pdf"));
//   if (!error.isEmpty()) …   // "out/report.pdf: cannot write: No space left on device"
//
// All or nothing: the folder is written under a temporary name and the main file through
// QSaveFile; only when everything succeeded are both put in place (replacing an older report of
// the same name). On any failure nothing new is left behind and an older report is untouched.
// Uses only QtGui painting (no widgets), so it may run on a worker thread.

#include "report_figures.h"
#include "report_tables.h"

#include <QList>
#include <QString>

#include <optional>

struct ReportData;

struct ReportDocument {
    QString title;
    QString subtitle;            // model summary
    QString appVersion;          // PDF creator field
    QList<ReportTable> tables;   // in reading order
    QList<ReportFigure> figures; // in reading order
};

// Metrics, per-layer configuration and provenance tables of `data` with `figures`.
ReportDocument reportDocument(const ReportData& data, QList<ReportFigure> figures);

enum class ReportFormat { Pdf, Html, Markdown };
// From the file suffix (.pdf, .html/.htm, .md); nullopt for anything else.
std::optional<ReportFormat> reportFormatForPath(const QString& path);
// "<folder>/<stem>_files" of a report path.
QString reportAssetsPath(const QString& path);

// Returns an empty string on success, else one line naming the file and the problem.
QString writeReport(const ReportDocument& document, const QString& path);
