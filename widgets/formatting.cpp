#include "formatting.h"

#include <QStringList>

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

QLocale displayLocale() {
    QLocale locale;
    if (locale.language() == QLocale::C) locale = QLocale(QLocale::English, QLocale::UnitedStates);
    locale.setNumberOptions(locale.numberOptions() & ~QLocale::OmitGroupSeparator);
    return locale;
}

QString formatCount(quint64 n) {
    return displayLocale().toString(qulonglong(n));
}

namespace {

// "128.00" -> "128", "177.50" -> "177.5": the zeros carry no information.
QString chopZeros(QString number, const QLocale& locale) {
    const QString point = locale.decimalPoint();
    const qsizetype at = number.indexOf(point);
    if (at < 0) return number;
    const QString zero = locale.zeroDigit();
    while (number.endsWith(zero)) number.chop(zero.size());
    if (number.endsWith(point)) number.chop(point.size());
    return number;
}

} // namespace

QString formatQuantity(quint64 n, const QString& singular, const QString& plural) {
    return formatCount(n) + QLatin1Char(' ') + (n == 1 ? singular : plural);
}

QString formatBytes(quint64 bytes) {
    if (bytes < 1024)
        return formatQuantity(bytes, QCoreApplication::translate("Formatting", "byte"),
                              QCoreApplication::translate("Formatting", "bytes"));
    static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    const QLocale locale = displayLocale();
    double value = double(bytes) / 1024.0;
    int unit = 0;
    // Switch at 1000, not 1024: "1,020.59 KiB" is harder to read than "1 MiB".
    while (value >= 1000.0 && unit < 4) {
        value /= 1024.0;
        ++unit;
    }
    return chopZeros(locale.toString(value, 'f', 2), locale) + QLatin1Char(' ') +
           QLatin1String(kUnits[unit]);
}

QString formatCompactCount(quint64 n) {
    static constexpr struct {
        double scale;
        const char* suffix;
    } kUnits[] = {{1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "K"}};
    const QLocale locale = displayLocale();
    for (const auto& unit : kUnits) {
        const double v = double(n) / unit.scale;
        if (v >= 1.0) {
            const int decimals = v >= 100 ? 0 : v >= 10 ? 1 : 2;
            return chopZeros(locale.toString(v, 'f', decimals), locale) +
                   QLatin1String(unit.suffix);
        }
    }
    return locale.toString(qulonglong(n));
}

QString formatShortPath(const QString& path) {
    const QFileInfo info(path);
    const QString parent = info.dir().dirName();
    if (parent.isEmpty() || parent == QLatin1String(".")) return info.fileName();
    return parent + QLatin1Char('/') + info.fileName();
}

QString formatShape(const std::vector<int64_t>& shape) {
    QStringList dims;
    for (int64_t d : shape) dims << QString::number(d);
    return dims.join(QStringLiteral(" × "));
}
