#pragma once
// Checks that a screenshot or rendered figure shows something: how many colours it uses,
// sampled every second pixel in both directions (fast on full-window grabs).

#include <QImage>
#include <QSet>

namespace qs::test {

inline int distinctColours(const QImage& image) {
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 2)
        for (int x = 0; x < image.width(); x += 2) colours.insert(image.pixel(x, y));
    return int(colours.size());
}

} // namespace qs::test
