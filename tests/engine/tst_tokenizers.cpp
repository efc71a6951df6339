// Tokenizers against independent references: the llama2.c encoder's ids
// (reference/tokenizer/llama2c_encode_cases.json), libsentencepiece on the same vocabulary, and
// GPT-2 ids from OpenAI's encoder.py algorithm on vocab.json/merges.txt.

#include "core/error.h"
#include "shared_data.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab_tokenizers.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cstring>
#include <map>

#if defined(__SANITIZE_ADDRESS__)
#define QS_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define QS_SANITIZED 1
#endif
#endif

namespace {

const char* const kLlama2Bin = "models/llama2-tokenizer-32000/tokenizer.bin";
const char* const kLlama2Model = "models/llama2-tokenizer-32000/tokenizer.model";
const char* const kTok512 = "models/stories260K/tokenizer.bin";
const char* const kGpt2Json = "models/gpt2-tokenizer/tokenizer.json";
const char* const kCases = "reference/tokenizer/llama2c_encode_cases.json";
const char* const kWikiText = "data/wikitext-2/wiki.test.raw";

std::shared_ptr<const qs::Tokenizer> tokenizer(const char* relative) {
    static std::map<std::string, std::shared_ptr<const qs::Tokenizer>> loaded;
    auto& t = loaded[relative];
    if (!t) t = qs::loadTokenizer(qs::test::sharedPath(relative));
    return t;
}

QList<int> toList(const std::vector<int32_t>& ids) {
    return QList<int>(ids.begin(), ids.end());
}

std::string str(const QByteArray& utf8) {
    return utf8.toStdString();
}

QByteArray readAll(const std::string& path) {
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::ReadOnly)) qFatal("cannot read %s", path.c_str());
    return f.readAll();
}

QJsonArray referenceCases() {
    return QJsonDocument::fromJson(readAll(qs::test::sharedPath(kCases)))["cases"].toArray();
}

QList<int> jsonIds(const QJsonValue& v) {
    QList<int> ids;
    for (const QJsonValue& x : v.toArray()) ids.push_back(x.toInt());
    return ids;
}

// A GGUF-style "llama" vocabulary built from tok512.bin, as convert-llama2c-to-gguf writes it.
qs::EmbeddedVocab ggufVocabFromTok512() {
    const QByteArray bin = readAll(qs::test::sharedPath(kTok512));
    qs::EmbeddedVocab v;
    v.model = "llama";
    v.bosId = 1;
    v.eosId = 2;
    v.unkId = 0;
    for (qsizetype off = 4; off < bin.size();) {
        float score;
        int32_t len;
        std::memcpy(&score, bin.constData() + off, 4);
        std::memcpy(&len, bin.constData() + off + 4, 4);
        std::string piece(bin.constData() + off + 8, static_cast<size_t>(len));
        off += 8 + len;
        const auto id = static_cast<int32_t>(v.tokens.size());
        int32_t type = 1;
        if (id == 0) {
            piece = "<unk>";
            type = 2;
        } else if (id <= 2) {
            piece = id == 1 ? "<s>" : "</s>";
            type = 3;
        } else if (piece.size() == 6 && piece.starts_with("<0x")) {
            type = 6;
        }
        std::string spelled;
        for (char c : piece) c == ' ' ? spelled += "\xE2\x96\x81" : spelled += c;
        v.tokens.push_back(spelled);
        v.scores.push_back(score);
        v.tokenTypes.push_back(type);
    }
    return v;
}

// A GGUF-style "gpt2" vocabulary built from the GPT-2 tokenizer.json.
qs::EmbeddedVocab ggufVocabFromGpt2Json() {
    const QJsonObject j =
        QJsonDocument::fromJson(readAll(qs::test::sharedPath(kGpt2Json))).object();
    const QJsonObject model = j["model"].toObject();
    const QJsonObject vocab = model["vocab"].toObject();
    qs::EmbeddedVocab v;
    v.model = "gpt2";
    v.pre = "gpt-2";
    v.tokens.resize(static_cast<size_t>(vocab.size()));
    v.tokenTypes.assign(v.tokens.size(), 1);
    for (auto it = vocab.begin(); it != vocab.end(); ++it)
        v.tokens[static_cast<size_t>(it.value().toInt())] = it.key().toStdString();
    for (const QJsonValue& m : model["merges"].toArray())
        v.merges.push_back(m.toString().toStdString());
    v.tokenTypes[50256] = 3;
    v.eosId = 50256;
    v.addBos = false;
    return v;
}

void writeFile(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    QCOMPARE(f.write(bytes), bytes.size());
}

} // namespace

class TestTokenizers : public QObject {
    Q_OBJECT

private slots:
    void llama2cReferenceCases_data();
    void llama2cReferenceCases();
    void sentencePieceMatchesReference();
    void sentencePieceAgreesWithBin_data();
    void sentencePieceAgreesWithBin();
    void sentencePieceAgreesOnWikiText();
    void gpt2Cases_data();
    void gpt2Cases();
    void roundTrip_data();
    void roundTrip();
    void decodePieces();
    void kindsAndSizes();
    void emptyText_data();
    void emptyText();
    void ggufLlamaMatchesBin_data();
    void ggufLlamaMatchesBin();
    void ggufGpt2MatchesJson();
    void embeddedErrors();
    void llama3StyleJson();
    void wikiTextTiming_data();
    void wikiTextTiming();
    void badFiles_data();
    void badFiles();
};

void TestTokenizers::llama2cReferenceCases_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QList<int>>("expected");
    if (!QFileInfo::exists(QString::fromStdString(qs::test::sharedPath(kCases)))) return;
    const QJsonArray cases = referenceCases();
    QCOMPARE(cases.size(), 4);
    for (int i = 0; i < cases.size(); ++i) {
        const QJsonObject c = cases[i].toObject();
        const QByteArray text = c["text"].toString().toUtf8();
        QTest::addRow("llama2_32000/%d", i)
            << QString(kLlama2Bin) << text << jsonIds(c["llama2_32000"]);
        QTest::addRow("tok512/%d", i) << QString(kTok512) << text << jsonIds(c["tok512"]);
    }
}

void TestTokenizers::llama2cReferenceCases() {
    QS_REQUIRE_SHARED(kCases);
    QFETCH(QString, file);
    QFETCH(QByteArray, text);
    QFETCH(QList<int>, expected);
    QS_REQUIRE_SHARED(qPrintable(file));
    const auto tok = tokenizer(qPrintable(file));
    QCOMPARE(tok->kind(), std::string("llama2c"));
    QCOMPARE(toList(tok->encode(str(text), true)), expected);
    // Without BOS the same ids follow, minus the leading 1.
    QCOMPARE(toList(tok->encode(str(text), false)), expected.mid(1));
}

void TestTokenizers::sentencePieceMatchesReference() {
    QS_REQUIRE_SHARED(kLlama2Model);
    const auto tok = tokenizer(kLlama2Model);
    const std::string text = "Once upon a time, there was a little girl named Lily.";
    const QList<int> ids{9038, 2501, 263,  931,  29892, 727,  471,
                         263,  2217, 7826, 4257, 365,   2354, 29889};
    QCOMPARE(toList(tok->encode(text, false)), ids);
    QCOMPARE(toList(tok->encode(text, true)), QList<int>{1} + ids);
    QCOMPARE(tok->kind(), std::string("sentencepiece"));
    QCOMPARE(tok->vocabSize(), 32000);
    QCOMPARE(tok->bosId(), 1);
    QCOMPARE(tok->eosId(), 2);
}

void TestTokenizers::sentencePieceAgreesWithBin_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QList<int>>("expected");
    if (!QFileInfo::exists(QString::fromStdString(qs::test::sharedPath(kCases)))) return;
    const QJsonArray cases = referenceCases();
    for (int i = 0; i < cases.size(); ++i) {
        const QJsonObject c = cases[i].toObject();
        QTest::addRow("case%d", i) << c["text"].toString().toUtf8() << jsonIds(c["llama2_32000"]);
    }
}

void TestTokenizers::sentencePieceAgreesWithBin() {
    QS_REQUIRE_SHARED(kLlama2Model);
    QS_REQUIRE_SHARED(kLlama2Bin);
    QFETCH(QByteArray, text);
    QFETCH(QList<int>, expected);
    const auto spm = tokenizer(kLlama2Model)->encode(str(text), true);
    const auto bpe = tokenizer(kLlama2Bin)->encode(str(text), true);
    QCOMPARE(toList(spm), toList(bpe));
    QCOMPARE(toList(spm), expected);
}

// 335k tokens of real text: the word-at-a-time BPE path and libsentencepiece must agree on all.
void TestTokenizers::sentencePieceAgreesOnWikiText() {
    QS_REQUIRE_SHARED(kLlama2Model);
    QS_REQUIRE_SHARED(kLlama2Bin);
    QS_REQUIRE_SHARED(kWikiText);
    const std::string text = str(readAll(qs::test::sharedPath(kWikiText)));
    const auto spm = tokenizer(kLlama2Model)->encode(text, true);
    const auto bpe = tokenizer(kLlama2Bin)->encode(text, true);
    QCOMPARE(bpe.size(), spm.size());
    const auto mismatch = std::mismatch(bpe.begin(), bpe.end(), spm.begin());
    QVERIFY2(mismatch.first == bpe.end(),
             qPrintable(
                 QStringLiteral("first difference at token %1").arg(mismatch.first - bpe.begin())));
}

void TestTokenizers::gpt2Cases_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QList<int>>("expected");
    QTest::newRow("hello world") << QByteArray("Hello world") << QList<int>{15496, 995};
    QTest::newRow("space hello") << QByteArray(" Hello") << QList<int>{18435};
    QTest::newRow("endoftext") << QByteArray("<|endoftext|>") << QList<int>{50256};
    QTest::newRow("special inside text")
        << QByteArray("a<|endoftext|>b") << QList<int>{64, 50256, 65};
    // The rows below were computed with OpenAI's encoder.py algorithm (regex split, lowest-rank
    // pair first) on vocab.json/merges.txt of the same folder.
    QTest::newRow("cafe") << QByteArray("caf\xC3\xA9") << QList<int>{66, 1878, 2634};
    QTest::newRow("contractions") << QByteArray("I'm here, aren't you?")
                                  << QList<int>{40, 1101, 994, 11, 3588, 470, 345, 30};
    QTest::newRow("whitespace") << QByteArray("  multiple   spaces\n\nand newlines\n")
                                << QList<int>{220, 3294, 220, 220,  9029, 198,
                                              198, 392,  649, 6615, 198};
    QTest::newRow("numbers") << QByteArray("Numbers 12345 and 3.14")
                             << QList<int>{49601, 17031, 2231, 290, 513, 13, 1415};
    QTest::newRow("cjk emoji")
        << QByteArray("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E \xF0\x9F\x99\x82 na\xC3\xAFve")
        << QList<int>{33768, 98, 17312, 105, 45739, 252, 32485, 41492};
    QTest::newRow("lily") << QByteArray("Once upon a time, there was a little girl named Lily.")
                          << QList<int>{7454, 2402, 257,  640,  11,    612, 373,
                                        257,  1310, 2576, 3706, 20037, 13};
}

void TestTokenizers::gpt2Cases() {
    QS_REQUIRE_SHARED(kGpt2Json);
    QFETCH(QByteArray, text);
    QFETCH(QList<int>, expected);
    const auto tok = tokenizer(kGpt2Json);
    QCOMPARE(tok->bosId(), -1);
    // GPT-2 has no BOS, so addBos changes nothing.
    QCOMPARE(toList(tok->encode(str(text), true)), expected);
    QCOMPARE(toList(tok->encode(str(text), false)), expected);
}

void TestTokenizers::roundTrip_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QByteArray>("text");
    QList<QByteArray> texts{"caf\xC3\xA9", "  leading spaces and trailing  ", "\ttab\nnewline\r\n",
                            "emoji \xF0\x9F\x99\x82 and \xE6\x97\xA5\xE6\x9C\xAC", "x"};
    if (QFileInfo::exists(QString::fromStdString(qs::test::sharedPath(kCases))))
        for (const QJsonValue& c : referenceCases()) texts.push_back(c["text"].toString().toUtf8());
    const QByteArray invalidUtf8("bad \xFF\xC3 bytes \xE2\x82");
    for (const char* file : {kLlama2Bin, kTok512, kLlama2Model, kGpt2Json}) {
        for (int i = 0; i < texts.size(); ++i)
            QTest::addRow("%s/%d", file, i) << QString(file) << texts[i];
        // Byte fallback and byte-level BPE keep even invalid UTF-8; libsentencepiece does not.
        if (file != kLlama2Model)
            QTest::addRow("%s/invalid-utf8", file) << QString(file) << invalidUtf8;
    }
}

void TestTokenizers::roundTrip() {
    QFETCH(QString, file);
    QFETCH(QByteArray, text);
    QS_REQUIRE_SHARED(qPrintable(file));
    const auto tok = tokenizer(qPrintable(file));
    QCOMPARE(QByteArray::fromStdString(tok->decode(tok->encode(str(text), true))), text);
    QCOMPARE(QByteArray::fromStdString(tok->decode(tok->encode(str(text), false))), text);
}

void TestTokenizers::decodePieces() {
    QS_REQUIRE_SHARED(kTok512);
    QS_REQUIRE_SHARED(kLlama2Bin);
    const auto tok = tokenizer(kLlama2Bin);
    QCOMPARE(tok->tokenText(9038), std::string(" Once"));
    QCOMPARE(tok->decodePiece(1, 9038), std::string("Once")); // the dummy prefix after BOS
    QCOMPARE(tok->decodePiece(263, 9038), std::string(" Once"));
    QCOMPARE(tok->tokenText(13), std::string("<0x0A>"));
    QCOMPARE(tok->decodePiece(1, 13), std::string("\n"));
    QCOMPARE(tok->decodePiece(13, 1), std::string());
    QCOMPARE(tok->decodePiece(13, 2), std::string());
    QCOMPARE(tok->decodePiece(13, 32000), std::string()); // out of range
    const auto tiny = tokenizer(kTok512);
    QCOMPARE(tiny->tokenText(1), std::string("\n<s>\n"));
    QCOMPARE(tiny->decodePiece(0, 1), std::string());
}

void TestTokenizers::kindsAndSizes() {
    QS_REQUIRE_SHARED(kTok512);
    QS_REQUIRE_SHARED(kGpt2Json);
    QCOMPARE(tokenizer(kTok512)->vocabSize(), 512);
    QCOMPARE(tokenizer(kTok512)->bosId(), 1);
    QCOMPARE(tokenizer(kTok512)->eosId(), 2);
    const auto gpt2 = tokenizer(kGpt2Json);
    QCOMPARE(gpt2->kind(), std::string("bpe"));
    QCOMPARE(gpt2->vocabSize(), 50257);
    QCOMPARE(gpt2->eosId(), 50256);
    QCOMPARE(gpt2->tokenText(18435), std::string("\xC4\xA0Hello")); // "ĠHello"
    QCOMPARE(gpt2->decodePiece(-1, 18435), std::string(" Hello"));
    QCOMPARE(gpt2->decodePiece(-1, 50256), std::string()); // special tokens print nothing
}

void TestTokenizers::emptyText_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("bos");
    QTest::newRow("llama2c") << QString(kLlama2Bin) << 1;
    QTest::newRow("tok512") << QString(kTok512) << 1;
    QTest::newRow("sentencepiece") << QString(kLlama2Model) << 1;
    QTest::newRow("gpt2") << QString(kGpt2Json) << -1;
}

void TestTokenizers::emptyText() {
    QFETCH(QString, file);
    QFETCH(int, bos);
    QS_REQUIRE_SHARED(qPrintable(file));
    const auto tok = tokenizer(qPrintable(file));
    QCOMPARE(toList(tok->encode("", true)), bos >= 0 ? QList<int>{bos} : QList<int>{});
    QVERIFY(tok->encode("", false).empty());
    QCOMPARE(tok->decode({}), std::string());
}

void TestTokenizers::ggufLlamaMatchesBin_data() {
    QTest::addColumn<bool>("wholeText");
    // A piece with a space inside a word stops the word-at-a-time path; it can never be formed
    // from these texts, so the whole-text merge loop must give the same ids.
    QTest::newRow("word at a time") << false;
    QTest::newRow("whole text") << true;
}

void TestTokenizers::ggufLlamaMatchesBin() {
    QFETCH(bool, wholeText);
    QS_REQUIRE_SHARED(kTok512);
    QS_REQUIRE_SHARED(kCases);
    qs::EmbeddedVocab v = ggufVocabFromTok512();
    if (wholeText) {
        v.tokens.push_back("\x01\xE2\x96\x81\x01");
        v.scores.push_back(0.0f);
        v.tokenTypes.push_back(1);
    }
    const auto tok = qs::makeEmbeddedTokenizer(v, "tok512.gguf");
    QCOMPARE(tok->kind(), std::string("gguf-llama"));
    QCOMPARE(tok->tokenText(1), std::string("<s>"));
    for (const QJsonValue& c : referenceCases()) {
        const std::string text = c["text"].toString().toStdString();
        const auto ids = tok->encode(text, true);
        QCOMPARE(toList(ids), jsonIds(c["tok512"]));
        QCOMPARE(tok->decode(ids), text);
    }
    QS_REQUIRE_SHARED(kWikiText);
    const std::string wiki = str(readAll(qs::test::sharedPath(kWikiText)).left(200000));
    QCOMPARE(toList(tok->encode(wiki, true)), toList(tokenizer(kTok512)->encode(wiki, true)));
}

void TestTokenizers::ggufGpt2MatchesJson() {
    QS_REQUIRE_SHARED(kGpt2Json);
    QS_REQUIRE_SHARED(kWikiText);
    const qs::EmbeddedVocab v = ggufVocabFromGpt2Json();
    const auto tok = qs::makeEmbeddedTokenizer(v, "gpt2.gguf");
    QCOMPARE(tok->kind(), std::string("gguf-gpt2"));
    QCOMPARE(qs::embeddedVocabNote(v), std::string());
    QCOMPARE(toList(tok->encode("Hello world<|endoftext|>", false)),
             (QList<int>{15496, 995, 50256}));
    const std::string wiki = str(readAll(qs::test::sharedPath(kWikiText)).left(200000));
    QCOMPARE(toList(tok->encode(wiki, false)), toList(tokenizer(kGpt2Json)->encode(wiki, false)));
}

void TestTokenizers::embeddedErrors() {
    qs::EmbeddedVocab v;
    v.model = "bert";
    v.tokens = {"a"};
    try {
        qs::makeEmbeddedTokenizer(v, "m.gguf");
        QFAIL("no error for an unsupported model");
    } catch (const qs::Error& e) {
        QCOMPARE(std::string(e.what()),
                 std::string("m.gguf: tokenizer model 'bert' is not supported"));
    }
    v.model = "llama";
    v.scores = {}; // a llama vocabulary without scores cannot be merged
    QVERIFY_THROWS_EXCEPTION(qs::Error, qs::makeEmbeddedTokenizer(v, "m.gguf"));
    v.scores = {0.0f};
    v.bosId = 5;
    QVERIFY_THROWS_EXCEPTION(qs::Error, qs::makeEmbeddedTokenizer(v, "m.gguf"));
    v.model = "gpt2";
    v.bosId = -1;
    v.pre = "some-new-model";
    QVERIFY(qs::makeEmbeddedTokenizer(v, "m.gguf") != nullptr);
    QVERIFY(qs::embeddedVocabNote(v).find("some-new-model") != std::string::npos);
}

// A Llama-3 style file: Split(regex) + ByteLevel(use_regex false), ignore_merges, and BOS from
// the post-processor template. Tiny vocabulary: the 256 byte spellings are ids 0..255.
void TestTokenizers::llama3StyleJson() {
    QJsonObject vocab;
    for (int b = 0; b < 256; ++b) {
        const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
        if (printable) vocab[QString(QChar(b))] = b;
    }
    int next = 256;
    for (int b = 0; b < 256; ++b) {
        const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
        if (!printable) vocab[QString(QChar(next++))] = b;
    }
    vocab["12"] = 256;
    vocab["123"] = 257;
    vocab["45"] = 258;
    vocab["12345"] = 259;
    vocab["abc"] = 260;
    const QJsonArray merges{"1 2", "12 3", "4 5", "123 45"};
    QJsonObject model{
        {"type", "BPE"}, {"vocab", vocab}, {"merges", merges}, {"ignore_merges", true}};
    const QJsonArray added{
        QJsonObject{{"id", 300}, {"content", "<|begin_of_text|>"}, {"special", true}}};
    const QJsonObject split{{"type", "Split"},
                            {"pattern", QJsonObject{{"Regex", R"(\p{N}{1,3}|\p{L}+|\s+)"}}},
                            {"behavior", "Isolated"},
                            {"invert", false}};
    const QJsonObject byteLevel{
        {"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}};
    const QJsonObject pre{{"type", "Sequence"}, {"pretokenizers", QJsonArray{split, byteLevel}}};
    const QJsonObject post{
        {"type", "TemplateProcessing"},
        {"single",
         QJsonArray{QJsonObject{{"SpecialToken", QJsonObject{{"id", "<|begin_of_text|>"}}}}}}};
    const QJsonObject root{{"model", model},
                           {"added_tokens", added},
                           {"pre_tokenizer", pre},
                           {"post_processor", post},
                           {"normalizer", QJsonValue()}};
    QTemporaryDir dir;
    const QString path = dir.filePath("tokenizer.json");
    writeFile(path, QJsonDocument(root).toJson());

    const auto tok = qs::loadTokenizer(path.toStdString());
    QCOMPARE(tok->bosId(), 300);
    QCOMPARE(tok->vocabSize(), 301);
    // Digits split in threes ("123", "45"); the GPT-2 pattern would give the single "12345".
    QCOMPARE(toList(tok->encode("12345", true)), (QList<int>{300, 257, 258}));
    // ignore_merges: a pre-token that is a token is taken whole even without merges for it.
    QCOMPARE(toList(tok->encode("abc", false)), (QList<int>{260}));
    QCOMPARE(toList(tok->encode("<|begin_of_text|>abc", false)), (QList<int>{300, 260}));
    QCOMPARE(tok->decode(tok->encode("12345 abc", true)), std::string("12345 abc"));
}

void TestTokenizers::wikiTextTiming_data() {
    QTest::addColumn<QString>("file");
    QTest::newRow("llama2c-32000") << QString(kLlama2Bin);
    QTest::newRow("tok512") << QString(kTok512);
    QTest::newRow("gpt2") << QString(kGpt2Json);
}

void TestTokenizers::wikiTextTiming() {
    QFETCH(QString, file);
    QS_REQUIRE_SHARED(qPrintable(file));
    QS_REQUIRE_SHARED(kWikiText);
    const auto tok = tokenizer(qPrintable(file));
    const std::string text = str(readAll(qs::test::sharedPath(kWikiText)));
    QElapsedTimer timer;
    timer.start();
    const auto ids = tok->encode(text, true);
    const qint64 ms = timer.elapsed();
    qInfo("wiki.test.raw (%zu bytes) with %s: %zu tokens in %lld ms", text.size(), qPrintable(file),
          ids.size(), static_cast<long long>(ms));
    QVERIFY(ids.size() > 200000);
    QCOMPARE(tok->decode(ids), text);
#if defined(NDEBUG) && !defined(QS_SANITIZED)
    QVERIFY2(ms < 2000, qPrintable(QStringLiteral("took %1 ms").arg(ms)));
#endif
}

void TestTokenizers::badFiles_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("content"); // null: do not create the file
    QTest::addColumn<QString>("problem");
    QByteArray truncated;
    const std::string tok512 = qs::test::sharedPath(kTok512);
    if (QFileInfo::exists(QString::fromStdString(tok512))) truncated = readAll(tok512).left(3001);
    QTest::newRow("missing") << QStringLiteral("missing.bin") << QByteArray()
                             << QStringLiteral("cannot open");
    QTest::newRow("empty") << QStringLiteral("empty.bin") << QByteArray("")
                           << QStringLiteral("empty");
    if (!truncated.isEmpty())
        QTest::newRow("truncated bin")
            << QStringLiteral("tokenizer.bin") << truncated << QStringLiteral("truncated at token");
    QTest::newRow("invalid json") << QStringLiteral("tokenizer.json")
                                  << QByteArray("{\"model\": {\"vocab\": [1, 2")
                                  << QStringLiteral("invalid JSON");
    QTest::newRow("json not bpe") << "tokenizer.json"
                                  << QByteArray(R"({"model": {"type": "Unigram", "vocab": []}})")
                                  << QStringLiteral("not supported");
    QTest::newRow("garbage") << QStringLiteral("garbage.bin")
                             << QByteArray("\xff\xff\xff\x7fgarbage garbage", 19)
                             << QStringLiteral("not a llama2.c tokenizer");
    QTest::newRow("bad model") << QStringLiteral("tokenizer.model")
                               << QByteArray("\x0a\x05hello world", 13)
                               << QStringLiteral("SentencePiece");
}

void TestTokenizers::badFiles() {
    QFETCH(QString, name);
    QFETCH(QByteArray, content);
    QFETCH(QString, problem);
    QTemporaryDir dir;
    const QString path = dir.filePath(name);
    if (!content.isNull()) writeFile(path, content);
    try {
        qs::loadTokenizer(path.toStdString());
        QFAIL("no error");
    } catch (const qs::FileError& e) {
        QCOMPARE(QString::fromStdString(e.path().string()), path);
        QVERIFY2(QString::fromUtf8(e.what()).startsWith(path + ": "), e.what());
        QVERIFY2(QString::fromStdString(e.problem()).contains(problem), e.what());
    }
}

QTEST_GUILESS_MAIN(TestTokenizers)
#include "tst_tokenizers.moc"
