#pragma once
// The tables of a report as plain rows of text, and their renderings: CSV (RFC 4180, for
// spreadsheets and pandas), LaTeX (booktabs, for papers), HTML and Markdown (for the reports
// themselves). Numbers are written with '.' decimals whatever the locale, so the CSV and TeX
// files read the same everywhere.
//
//   ReportTable t = metricsTable(data);
//   QString tex = tableToLatex(t);   // \begin{table}…\toprule…\midrule…\bottomrule…
//   QString csv = tableToCsv(t);

#include <QList>
#include <QString>
#include <QStringList>

struct ReportData;

struct ReportTable {
    QString id;      // file stem: "metrics", "configuration", "provenance"
    QString caption; // one sentence; units and the meaning of ± go here
    QStringList headers;
    QList<QStringList> rows;
    QList<bool> numeric; // per column: right-aligned
};

QString tableToCsv(const ReportTable& table);
// A table* float (scaled to \textwidth when wider than 8 columns), or a longtable past 40 rows.
QString tableToLatex(const ReportTable& table);
QString tableToHtml(const ReportTable& table);
QString tableToMarkdown(const ReportTable& table);

// Special characters of LaTeX text mode escaped (\, &, %, $, #, _, {, }, ~, ^) and Unicode
// symbols the tables use (±, ×, Δ, …) written as math.
QString latexEscape(const QString& text);
// Markdown's markup characters | * ` \ [ ] backslash-escaped ('_' inside words is literal).
QString markdownEscape(const QString& text);

// Full precision and every configuration: bits per weight, size, PPL with its 95% CI, ΔPPL,
// ln(PPL ratio) ± s.e., KLD mean ± s.e., KLD p99, top-1 agreement ± s.e., ECE, ECE at the
// optimal temperature, T*, Brier score.
ReportTable metricsTable(const ReportData& data);
// Per quantizable tensor of the first configuration: name, shape, parameters, format, bits per
// weight, bytes, sensitivity ("–" when unknown), and a note column when a fallback was used.
ReportTable configurationTable(const ReportData& data);
// Where the numbers come from: app version, model and data (path, size, SHA-256), protocol,
// context, tokens, windows, seed, date.
ReportTable provenanceTable(const ReportData& data);
