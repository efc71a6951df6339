#pragma once
// Locates ../shared (models, data, reference) for tests. The path comes from the CMake cache
// variable QS_SHARED_DIR (compiled in, overridable by the environment variable of that name).
// When CI=true a missing folder fails the test instead of skipping it.

#include <QDir>
#include <QFileInfo>
#include <QString>
#include <QTest>
#include <QtGlobal>

#include <string>

namespace qs::test {

inline QString sharedDir() {
    const QByteArray env = qgetenv("QS_SHARED_DIR");
    return env.isEmpty() ? QString::fromUtf8(QS_SHARED_DIR) : QString::fromLocal8Bit(env);
}

inline std::string sharedPath(const char* relative) {
    return QDir(sharedDir()).filePath(QString::fromUtf8(relative)).toStdString();
}

// The same as a QString, for Qt APIs and QProcess arguments.
inline QString shared(const char* relative) {
    return QString::fromStdString(sharedPath(relative));
}

inline bool inCi() {
    return qgetenv("CI") == "true";
}

} // namespace qs::test

// Use at the start of a test that needs a file from ../shared.
#define QS_REQUIRE_SHARED(relative)                                                                \
    do {                                                                                           \
        if (!QFileInfo::exists(QString::fromStdString(qs::test::sharedPath(relative)))) {          \
            if (qs::test::inCi())                                                                  \
                QFAIL(qPrintable(QStringLiteral("missing shared file (CI=true): ") +               \
                                 QString::fromStdString(qs::test::sharedPath(relative))));         \
            QSKIP(qPrintable(QStringLiteral("shared data not found: ") +                           \
                             QString::fromStdString(qs::test::sharedPath(relative))));             \
        }                                                                                          \
    } while (0)
