#include "report_writer.h"

#include "report_data.h"

#include <QAbstractTextDocumentLayout>
#include <QBuffer>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QPageLayout>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QTemporaryDir>
#include <QTextDocument>
#include <QUrl>

namespace {

// Figures are written at twice their logical size: sharp on HiDPI screens and in print.
constexpr qreal kPngScale = 2.0;

struct Failure {
    QString message;
};

// QPainter::drawPicture scales a picture by the ratio of the target device's resolution to the
// picture's (72 dpi for SVG, 300 for the PDF, 96 for images): undo that, so `target` is what
// decides the size.
void replay(QPainter* painter, const ReportFigure& f, const QRectF& target) {
    painter->save();
    painter->translate(target.topLeft());
    const QPaintDevice* device = painter->device();
    const qreal dpiX = qreal(f.picture.logicalDpiX()) / device->logicalDpiX();
    const qreal dpiY = qreal(f.picture.logicalDpiY()) / device->logicalDpiY();
    painter->scale(dpiX * target.width() / f.size.width(),
                   dpiY * target.height() / f.size.height());
    painter->drawPicture(QPointF(0, 0), f.picture);
    painter->restore();
}

void writeBytes(const QString& path, const QByteArray& bytes) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        throw Failure{path + QStringLiteral(": cannot write: ") + file.errorString()};
}

QByteArray figureSvg(const ReportFigure& f) {
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    QSvgGenerator svg;
    svg.setOutputDevice(&buffer);
    svg.setSize(f.size);
    svg.setViewBox(QRect(QPoint(0, 0), f.size));
    // QSvgGenerator writes these verbatim into XML elements.
    svg.setTitle(f.caption.toHtmlEscaped());
    svg.setDescription(QStringLiteral("QuantScope figure ") + f.id.toHtmlEscaped());
    QPainter painter(&svg);
    painter.fillRect(QRectF(QPointF(0, 0), QSizeF(f.size)), Qt::white);
    replay(&painter, f, QRectF(QPointF(0, 0), QSizeF(f.size)));
    painter.end();
    return buffer.data();
}

QImage figureImage(const ReportFigure& f) {
    QImage image(f.size * kPngScale, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(kPngScale);
    image.fill(Qt::white);
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    replay(&painter, f, QRectF(QPointF(0, 0), QSizeF(f.size)));
    painter.end();
    return image;
}

// The assets folder: figures/<id>.svg|png, tables/<id>.tex|csv. Returns each figure's SVG.
QList<QByteArray> writeAssets(const ReportDocument& doc, const QString& folder) {
    QDir dir(folder);
    if (!dir.mkpath(QStringLiteral("figures")) || !dir.mkpath(QStringLiteral("tables")))
        throw Failure{folder + QStringLiteral(": cannot create the figures and tables folders")};
    QList<QByteArray> svgs;
    for (const ReportFigure& f : doc.figures) {
        svgs << figureSvg(f);
        writeBytes(dir.filePath(QStringLiteral("figures/%1.svg").arg(f.id)), svgs.back());
        QByteArray png;
        QBuffer buffer(&png);
        buffer.open(QIODevice::WriteOnly);
        if (!figureImage(f).save(&buffer, "PNG"))
            throw Failure{dir.filePath(QStringLiteral("figures/%1.png").arg(f.id)) +
                          QStringLiteral(": PNG encoding failed")};
        writeBytes(dir.filePath(QStringLiteral("figures/%1.png").arg(f.id)), png);
    }
    for (const ReportTable& t : doc.tables) {
        writeBytes(dir.filePath(QStringLiteral("tables/%1.tex").arg(t.id)),
                   tableToLatex(t).toUtf8());
        writeBytes(dir.filePath(QStringLiteral("tables/%1.csv").arg(t.id)), tableToCsv(t).toUtf8());
    }
    return svgs;
}

// A table's section heading: its id, capitalized ("metrics" -> "Metrics").
QString tableHeading(const ReportTable& t) {
    return t.id.at(0).toUpper() + t.id.mid(1);
}

// The assets folder as a relative link target (spaces, '#', '%' and '(' in the report's name).
QString linkTarget(const QString& assets) {
    return QString::fromLatin1(QUrl::toPercentEncoding(assets, "/"));
}

QString htmlReport(const ReportDocument& doc, const QList<QByteArray>& svgs,
                   const QString& assetsName) {
    const QString assets = linkTarget(assetsName);
    QString html =
        QStringLiteral("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                       "<title>%1</title>\n<style>\n"
                       "body{font-family:sans-serif;max-width:1200px;margin:2em auto;color:#222}\n"
                       "table.report{border-collapse:collapse;margin:1em 0;font-size:90%}\n"
                       "table.report td,table.report th{border-top:1px solid #bbb;"
                       "padding:3px 8px}\n"
                       "table.report caption{caption-side:top;text-align:left;color:#444;"
                       "padding:4px 0}\n"
                       "figure{margin:1.5em 0}figure svg{max-width:100%;height:auto}\n"
                       "figcaption{color:#444}\n</style>\n</head>\n<body>\n"
                       "<h1>%1</h1>\n<p>%2</p>\n")
            .arg(doc.title.toHtmlEscaped(), doc.subtitle.toHtmlEscaped());
    for (const ReportTable& t : doc.tables) {
        html += QStringLiteral("<h2>%1</h2>\n").arg(tableHeading(t));
        html += tableToHtml(t);
        html += QStringLiteral("<p><a href=\"%1/tables/%2.tex\">LaTeX</a> · "
                               "<a href=\"%1/tables/%2.csv\">CSV</a></p>\n")
                    .arg(assets, t.id);
    }
    html += QStringLiteral("<h2>Figures</h2>\n");
    for (int i = 0; i < doc.figures.size(); ++i) {
        const ReportFigure& f = doc.figures[i];
        QString svg = QString::fromUtf8(svgs.value(i));
        svg = svg.mid(std::max<qsizetype>(0, svg.indexOf(QStringLiteral("<svg"))));
        // One arg() call: a '%1' inside the SVG or a caption must not be substituted.
        html += QStringLiteral("<figure id=\"%1\">\n%2\n<figcaption>Figure %3. %4 "
                               "(<a href=\"%5/figures/%1.svg\">SVG</a> · "
                               "<a href=\"%5/figures/%1.png\">PNG</a>)</figcaption>\n</figure>\n")
                    .arg(f.id, svg, QString::number(i + 1), f.caption.toHtmlEscaped(), assets);
    }
    return html + QStringLiteral("</body>\n</html>\n");
}

QString markdownReport(const ReportDocument& doc, const QString& assetsName) {
    const QString assets = linkTarget(assetsName);
    QString md = QStringLiteral("# %1\n\n%2\n\n")
                     .arg(markdownEscape(doc.title), markdownEscape(doc.subtitle));
    for (const ReportTable& t : doc.tables) {
        md += QStringLiteral("## %1\n\n").arg(tableHeading(t));
        md += tableToMarkdown(t);
        md += QStringLiteral("\n[LaTeX](%1/tables/%2.tex) · [CSV](%1/tables/%2.csv)\n\n")
                  .arg(assets, t.id);
    }
    md += QStringLiteral("## Figures\n\n");
    for (int i = 0; i < doc.figures.size(); ++i) {
        const ReportFigure& f = doc.figures[i];
        md += QStringLiteral("![Figure %1](%2/figures/%3.png)\n\n*Figure %1.* %4 "
                             "([SVG](%2/figures/%3.svg))\n\n")
                  .arg(QString::number(i + 1), assets, f.id, markdownEscape(f.caption));
    }
    return md;
}

// Tables flow over as many pages as they need (QTextDocument pagination); each figure is then
// replayed as vector graphics, scaled to the page width, as many per page as fit.
void writePdf(const ReportDocument& doc, QIODevice* device, const QString& path) {
    QPdfWriter pdf(device);
    pdf.setPageLayout(QPageLayout(QPageSize(QPageSize::A4), QPageLayout::Portrait,
                                  QMarginsF(15, 15, 15, 15), QPageLayout::Millimeter));
    pdf.setResolution(300);
    pdf.setTitle(doc.title);
    pdf.setCreator(QStringLiteral("QuantScope ") + doc.appVersion);
    QPainter painter;
    if (!painter.begin(&pdf)) throw Failure{path + QStringLiteral(": cannot start the PDF")};
    const QRectF page = QRectF(QPointF(0, 0), pdf.pageLayout().paintRectPixels(300).size());

    QString html = QStringLiteral("<h1>%1</h1><p>%2</p>")
                       .arg(doc.title.toHtmlEscaped(), doc.subtitle.toHtmlEscaped());
    for (const ReportTable& t : doc.tables) {
        QString table = tableToHtml(t);
        table.replace(QStringLiteral("<table class=\"report\""),
                      QStringLiteral("<table border=\"1\" cellspacing=\"0\" cellpadding=\"2\" "
                                     "style=\"border-color:#999\" width=\"100%\""));
        html += QStringLiteral("<h3>%1</h3>").arg(tableHeading(t)) + table;
    }
    QTextDocument text;
    text.documentLayout()->setPaintDevice(&pdf);
    QFont font = text.defaultFont();
    font.setPointSizeF(7.5);
    text.setDefaultFont(font);
    text.setPageSize(page.size());
    text.setHtml(html);
    for (int i = 0; i < text.pageCount(); ++i) {
        if (i > 0) pdf.newPage();
        painter.save();
        painter.translate(0, -i * page.height());
        text.drawContents(&painter, QRectF(0, i * page.height(), page.width(), page.height()));
        painter.restore();
    }

    QFont captionFont = font;
    captionFont.setPointSizeF(9);
    painter.setFont(captionFont);
    const qreal captionHeight = QFontMetricsF(captionFont, &pdf).height() * 3.2;
    qreal y = page.height(); // start the figures on a new page
    for (int i = 0; i < doc.figures.size(); ++i) {
        const ReportFigure& f = doc.figures[i];
        // Two figures to a page where their shape allows, never wider than the text.
        const qreal scale = std::min(page.width() / f.size.width(),
                                     (page.height() / 2 - captionHeight) / f.size.height());
        const QSizeF size = QSizeF(f.size) * scale;
        if (y + size.height() + captionHeight > page.height()) {
            pdf.newPage();
            y = 0;
        }
        const QRectF target(QPointF((page.width() - size.width()) / 2, y), size);
        replay(&painter, f, target);
        painter.setPen(Qt::black);
        painter.setFont(captionFont);
        painter.drawText(
            QRectF(0, target.bottom() + captionHeight * 0.1, page.width(), captionHeight * 0.9),
            Qt::TextWordWrap | Qt::AlignLeft | Qt::AlignTop,
            QStringLiteral("Figure %1. %2").arg(i + 1).arg(f.caption));
        y = target.bottom() + captionHeight;
    }
    if (!painter.end()) throw Failure{path + QStringLiteral(": writing the PDF failed")};
}

void removeTree(const QString& path) {
    if (!path.isEmpty()) QDir(path).removeRecursively();
}

} // namespace

ReportDocument reportDocument(const ReportData& data, QList<ReportFigure> figures) {
    ReportDocument doc;
    doc.title = data.title;
    doc.subtitle = data.modelSummary;
    doc.appVersion = data.provenance.appVersion;
    doc.tables = {metricsTable(data), configurationTable(data), provenanceTable(data)};
    doc.figures = std::move(figures);
    return doc;
}

std::optional<ReportFormat> reportFormatForPath(const QString& path) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("pdf")) return ReportFormat::Pdf;
    if (suffix == QLatin1String("html") || suffix == QLatin1String("htm"))
        return ReportFormat::Html;
    if (suffix == QLatin1String("md")) return ReportFormat::Markdown;
    return std::nullopt;
}

QString reportAssetsPath(const QString& path) {
    const QFileInfo info(path);
    return info.dir().filePath(info.completeBaseName() + QStringLiteral("_files"));
}

QString writeReport(const ReportDocument& doc, const QString& path) {
    const std::optional<ReportFormat> format = reportFormatForPath(path);
    if (!format) return path + QStringLiteral(": unknown report type (use .pdf, .html or .md)");
    const QFileInfo info(path);
    if (info.isDir()) return path + QStringLiteral(": is a folder");
    const QDir dir = info.absoluteDir();
    if (!dir.exists()) return path + QStringLiteral(": the folder does not exist");
    const QString assets = reportAssetsPath(info.absoluteFilePath());
    const QString assetsName = QFileInfo(assets).fileName();

    QTemporaryDir staging(
        dir.filePath(QStringLiteral(".") + assetsName + QStringLiteral(".XXXXXX")));
    if (!staging.isValid())
        return path + QStringLiteral(": cannot write in ") + dir.path() + QStringLiteral(": ") +
               staging.errorString();
    QString backup;
    try {
        const QList<QByteArray> svgs = writeAssets(doc, staging.path());
        QSaveFile main(info.absoluteFilePath());
        if (!main.open(QIODevice::WriteOnly))
            throw Failure{path + QStringLiteral(": cannot write: ") + main.errorString()};
        if (*format == ReportFormat::Pdf) {
            writePdf(doc, &main, path);
        } else {
            const QByteArray bytes =
                (*format == ReportFormat::Html ? htmlReport(doc, svgs, assetsName)
                                               : markdownReport(doc, assetsName))
                    .toUtf8();
            if (main.write(bytes) != bytes.size())
                throw Failure{path + QStringLiteral(": cannot write: ") + main.errorString()};
        }
        // Swap the folder in, then commit the main file; undo the swap if the commit fails.
        if (QFileInfo::exists(assets)) {
            backup = staging.path() + QStringLiteral(".old");
            if (!QDir().rename(assets, backup))
                throw Failure{assets +
                              QStringLiteral(": cannot replace the older report's folder")};
        }
        if (!QDir().rename(staging.path(), assets)) {
            if (!backup.isEmpty()) QDir().rename(backup, assets);
            throw Failure{assets + QStringLiteral(": cannot create the figures folder")};
        }
        staging.setAutoRemove(false);
        if (!main.commit()) {
            const QString error = path + QStringLiteral(": cannot write: ") + main.errorString();
            removeTree(assets);
            if (!backup.isEmpty() && !QDir().rename(backup, assets))
                return error + QStringLiteral(" (the older report's folder is kept as ") + backup +
                       QStringLiteral(")");
            return error;
        }
        removeTree(backup);
        return {};
    } catch (const Failure& f) {
        return f.message;
    }
}
