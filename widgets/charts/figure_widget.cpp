#include "figure_widget.h"

#include <QChart>
#include <QCoreApplication>
#include <QGraphicsLayout>
#include <QGraphicsScene>
#include <QPainter>
#include <QSvgGenerator>

QImage FigureWidget::toImage(QSize size, qreal scale) {
    if (!size.isValid()) size = defaultFigureSize();
    QImage image(size * scale, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(scale);
    image.fill(Qt::white);
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setRenderHint(QPainter::TextAntialiasing);
    renderFigure(&painter, QRectF(QPointF(0, 0), QSizeF(size)));
    return image;
}

bool FigureWidget::savePng(const QString& path, QSize size, qreal scale) {
    return toImage(size, scale).save(path, "PNG");
}

bool FigureWidget::saveSvg(const QString& path, QSize size, const QString& title) {
    if (!size.isValid()) size = defaultFigureSize();
    QSvgGenerator svg;
    svg.setFileName(path);
    svg.setSize(size);
    svg.setViewBox(QRect(QPoint(0, 0), size));
    svg.setTitle(title.isEmpty() ? windowTitle() : title);
    svg.setDescription(QStringLiteral("QuantScope figure"));
    QPainter painter;
    if (!painter.begin(&svg)) return false;
    painter.fillRect(QRectF(QPointF(0, 0), QSizeF(size)), Qt::white);
    renderFigure(&painter, QRectF(QPointF(0, 0), QSizeF(size)));
    return painter.end();
}

void renderChart(QChart* chart, QPainter* painter, const QRectF& target) {
    if (!chart || target.isEmpty()) return;
    // QtCharts removes the items of deleted series and axes with deleteLater(): flush them, or
    // a figure exported right after new data would show leftovers of the old chart.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    QGraphicsScene* scene = chart->scene();
    QGraphicsScene ownScene;
    if (!scene) {
        ownScene.addItem(chart);
        scene = &ownScene;
    }
    const QRectF saved = chart->geometry();
    const QRectF source(chart->pos(), target.size());
    chart->setGeometry(source);
    if (chart->layout()) chart->layout()->activate();
    scene->render(painter, target, source, Qt::IgnoreAspectRatio);
    chart->setGeometry(saved);
    if (chart->layout()) chart->layout()->activate();
    if (scene == &ownScene) ownScene.removeItem(chart);
}

void renderPlaceholder(QPainter* painter, const QRectF& target, const QString& text) {
    painter->save();
    painter->setPen(QColor(0x80, 0x80, 0x80));
    painter->drawRect(target.adjusted(0.5, 0.5, -0.5, -0.5));
    painter->drawText(target, Qt::AlignCenter | Qt::TextWordWrap, text);
    painter->restore();
}
