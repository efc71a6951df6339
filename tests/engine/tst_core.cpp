// Core utilities: exact half/bfloat16 conversions, bounds-checked memory maps, text loading,
// and Feedback's throttling and cancellation.
#include "core/dtype.h"
#include "core/error.h"
#include "core/feedback.h"
#include "core/mapped_file.h"
#include "core/text_file.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>

using namespace qs;

namespace {
std::string writeFile(const QTemporaryDir& dir, const char* name, const std::string& bytes) {
    const std::string path = dir.filePath(name).toStdString();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
}
} // namespace

class TestCore : public QObject {
    Q_OBJECT
private slots:
    void fp16RoundTripsEveryValue();
    void fp16RoundsToNearestEven_data();
    void fp16RoundsToNearestEven();
    void bf16RoundsToNearestEven();
    void q8_0Dequantizes();
    void mappedFileChecksBounds();
    void mappedFileErrorsNameTheFile_data();
    void mappedFileErrorsNameTheFile();
    void textFileErrors_data();
    void textFileErrors();
    void textFileCutsAtCharacterBoundary();
    void feedbackThrottlesAndCancels();
};

void TestCore::fp16RoundTripsEveryValue() {
    int checked = 0;
    for (uint32_t h = 0; h < 0x10000; ++h) {
        const float f = fp16ToFloat(uint16_t(h));
        if (std::isnan(f)) {
            QVERIFY(std::isnan(fp16ToFloat(floatToFp16(f))));
            continue;
        }
        QCOMPARE(floatToFp16(f), uint16_t(h));
        ++checked;
    }
    QCOMPARE(checked, 65536 - 2046); // every non-NaN half
    QCOMPARE(fp16ToFloat(0x3c00), 1.0f);
    QCOMPARE(fp16ToFloat(0x0001), std::ldexp(1.0f, -24)); // smallest subnormal
    QCOMPARE(fp16ToFloat(0x7bff), 65504.0f);
}

void TestCore::fp16RoundsToNearestEven_data() {
    QTest::addColumn<float>("value");
    QTest::addColumn<int>("expected");
    QTest::newRow("1 + half ulp ties to even (down)") << 1.0f + std::ldexp(1.0f, -11) << 0x3c00;
    QTest::newRow("1 + 3 half ulps ties to even (up)")
        << 1.0f + 3 * std::ldexp(1.0f, -11) << 0x3c02;
    QTest::newRow("65520 overflows to inf") << 65520.0f << 0x7c00;
    QTest::newRow("65519 rounds to max") << 65519.0f << 0x7bff;
    QTest::newRow("half of smallest subnormal ties to zero") << std::ldexp(1.0f, -25) << 0x0000;
    QTest::newRow("1.5 smallest subnormals ties up") << 1.5f * std::ldexp(1.0f, -24) << 0x0002;
    QTest::newRow("negative") << -2.0f << 0xc000;
}

void TestCore::fp16RoundsToNearestEven() {
    QFETCH(float, value);
    QFETCH(int, expected);
    QCOMPARE(int(floatToFp16(value)), expected);
}

void TestCore::bf16RoundsToNearestEven() {
    QCOMPARE(floatToBf16(1.0f), uint16_t(0x3f80));
    QCOMPARE(bf16ToFloat(floatToBf16(3.140625f)), 3.140625f);
    // 1 + 2^-8 is exactly half way between 1 and 1 + 2^-7: ties to even (1.0).
    QCOMPARE(floatToBf16(1.0f + std::ldexp(1.0f, -8)), uint16_t(0x3f80));
    QVERIFY(std::isnan(bf16ToFloat(floatToBf16(NAN))));
}

void TestCore::q8_0Dequantizes() {
    unsigned char block[34];
    const uint16_t d = floatToFp16(0.5f);
    std::memcpy(block, &d, 2);
    for (int i = 0; i < 32; ++i) block[2 + i] = static_cast<unsigned char>(int8_t(i - 16));
    float out[32];
    dequantizeRow(DType::Q8_0, block, out, 32);
    for (int i = 0; i < 32; ++i) QCOMPARE(out[i], 0.5f * float(i - 16));
    QCOMPARE(dtypeBytes(DType::Q8_0, 64), uint64_t(68));
}

void TestCore::mappedFileChecksBounds() {
    QTemporaryDir dir;
    auto f = MappedFile::open(writeFile(dir, "ten", "0123456789"));
    QCOMPARE(f->size(), uint64_t(10));
    QCOMPARE(char(f->bytes(9, 1)[0]), '9');
    QVERIFY_THROWS_EXCEPTION(FileError, f->bytes(8, 3));
    QVERIFY_THROWS_EXCEPTION(FileError, f->bytes(UINT64_MAX, 2)); // no overflow wrap
    QVERIFY_THROWS_EXCEPTION(FileError, f->read<uint64_t>(5));
}

void TestCore::mappedFileErrorsNameTheFile_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("problem");
    QTest::newRow("missing") << "missing"
                             << "cannot open";
    QTest::newRow("directory") << "directory"
                               << "directory";
    QTest::newRow("empty") << "empty"
                           << "empty";
}

void TestCore::mappedFileErrorsNameTheFile() {
    QFETCH(QString, kind);
    QFETCH(QString, problem);
    QTemporaryDir dir;
    std::string path = dir.filePath("nothing-here").toStdString();
    if (kind == "directory") path = dir.path().toStdString();
    if (kind == "empty") path = writeFile(dir, "empty", "");
    try {
        MappedFile::open(path);
        QFAIL("expected FileError");
    } catch (const FileError& e) {
        QVERIFY2(QString(e.what()).contains(QString::fromStdString(path)), e.what());
        QVERIFY2(QString(e.what()).contains(problem), e.what());
    }
}

void TestCore::textFileErrors_data() {
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("problem");
    QTest::newRow("empty") << QByteArray() << "empty";
    QTest::newRow("latin-1") << QByteArray("caf\xe9 au lait") << "UTF-8";
    QTest::newRow("truncated sequence") << QByteArray("ok \xe2\x96") << "UTF-8";
}

void TestCore::textFileErrors() {
    QFETCH(QByteArray, content);
    QFETCH(QString, problem);
    QTemporaryDir dir;
    const std::string path = writeFile(dir, "t.txt", content.toStdString());
    try {
        readTextFile(path);
        QFAIL("expected FileError");
    } catch (const FileError& e) {
        QVERIFY2(QString(e.what()).contains(problem) && QString(e.what()).contains("t.txt"),
                 e.what());
    }
    QVERIFY_THROWS_EXCEPTION(FileError, readTextFile(dir.filePath("absent.txt").toStdString()));
}

void TestCore::textFileCutsAtCharacterBoundary() {
    QTemporaryDir dir;
    const std::string path = writeFile(dir, "u.txt", "ab\xe2\x96\x81xyz");
    QCOMPARE(readTextFile(path, 3), std::string("ab"));
    QCOMPARE(readTextFile(path, 5), std::string("ab\xe2\x96\x81"));
}

void TestCore::feedbackThrottlesAndCancels() {
    Feedback fb;
    int calls = 0;
    fb.setProgressCallback([&](double, const std::string&) { ++calls; }, std::chrono::hours(1));
    for (int i = 0; i < 100; ++i) fb.setProgress(i / 100.0);
    fb.setProgress(1.0);
    QCOMPARE(calls, 2); // the first report, then completion
    QVERIFY(!fb.isCanceled());
    fb.cancel();
    QVERIFY_THROWS_EXCEPTION(Canceled, fb.throwIfCanceled());
}

QTEST_GUILESS_MAIN(TestCore)
#include "tst_core.moc"
