#pragma once
// Number formatting shared by the item models and panels, so every view shows counts and sizes
// the same way. Counts always carry thousands separators, also under the C locale (which has
// none and would print "260032").
//
//   formatCount(260032)      -> "260,032"
//   formatBytes(1056540)     -> "1.01 MiB", formatBytes(16384) -> "16 KiB"
//   formatCompactCount(6.7e9) -> "6.7B"

#include <QLocale>
#include <QString>

#include <cstdint>
#include <vector>

// The user's locale, or US English when the process runs under the C locale.
QLocale displayLocale();

QString formatCount(quint64 n);
QString formatBytes(quint64 bytes);
// "1 tensor", "9 tensors": English plurals without a loaded translator (tr("%n tensor(s)")
// would show the "(s)").
QString formatQuantity(quint64 n, const QString& singular, const QString& plural);
// A path as the user recognises it: "stories260K/model.bin" rather than "model.bin" or the
// full path (tooltips carry that).
QString formatShortPath(const QString& path);
// Three significant digits with a K/M/B suffix, for headlines ("260K parameters").
QString formatCompactCount(quint64 n);
// A tensor shape as "288 × 768" (plain digits: also used in CSV and LaTeX tables).
QString formatShape(const std::vector<int64_t>& shape);
