// Hugging Face tokenizer.json with a byte-level BPE model. Supported: model.type "BPE" with
// vocab, merges ("a b" or ["a","b"]), ignore_merges; added_tokens; pre_tokenizer ByteLevel, or
// Sequence of one Split(regex, Isolated) and ByteLevel; normalizer none or NFC. Anything else is
// refused with a message rather than encoded differently from the reference library.

#include "core/error.h"
#include "tokenizer/byte_bpe.h"
#include "tokenizer/loaders.h"

#include <nlohmann/json.hpp>

#include <cctype>

namespace qs {

namespace {

using nlohmann::json;

struct PreTokenizer {
    bool byteLevel = false;
    bool byteLevelRegex = false;
    bool addPrefixSpace = false;
    std::optional<std::string> splitPattern;
};

std::string regexEscape(const std::string& s) {
    std::string out;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x80 && !std::isalnum(u) && c != ' ') out += '\\';
        out += c;
    }
    return out;
}

void readPreTokenizer(const json& p, PreTokenizer& pre, const std::filesystem::path& path) {
    if (p.is_null()) return;
    const std::string type = p.value("type", "");
    if (type == "Sequence") {
        for (const json& child : p.at("pretokenizers")) readPreTokenizer(child, pre, path);
    } else if (type == "ByteLevel") {
        pre.byteLevel = true;
        pre.byteLevelRegex = p.value("use_regex", true);
        pre.addPrefixSpace = p.value("add_prefix_space", false);
    } else if (type == "Split") {
        if (pre.splitPattern)
            throw FileError(path, "more than one Split pre-tokenizer is not supported");
        const json& pattern = p.at("pattern");
        if (pattern.contains("Regex"))
            pre.splitPattern = pattern.at("Regex").get<std::string>();
        else
            pre.splitPattern = regexEscape(pattern.at("String").get<std::string>());
        const std::string behavior = p.value("behavior", "Isolated");
        if (behavior != "Isolated" || p.value("invert", false))
            throw FileError(path, "Split pre-tokenizer with behavior '" + behavior +
                                      "' (or invert) is not supported");
    } else {
        throw FileError(path, "pre-tokenizer '" + type + "' is not supported");
    }
}

void checkNormalizer(const json& n, const std::filesystem::path& path) {
    if (n.is_null()) return;
    const std::string type = n.value("type", "");
    // NFC is accepted without being applied: text is expected to arrive NFC-normalized already.
    if (type == "NFC") return;
    if (type == "Sequence") {
        for (const json& child : n.at("normalizers")) checkNormalizer(child, path);
        return;
    }
    throw FileError(path, "normalizer '" + type + "' is not supported (byte-level BPE only)");
}

// The special token the post-processor puts first in a single sequence, if any (Llama 3's BOS).
std::optional<std::string> templateFirstToken(const json& p) {
    if (p.is_null()) return std::nullopt;
    const std::string type = p.value("type", "");
    if (type == "Sequence") {
        for (const json& child : p.at("processors"))
            if (auto t = templateFirstToken(child)) return t;
    } else if (type == "TemplateProcessing" && p.contains("single") && !p["single"].empty()) {
        const json& first = p["single"][0];
        if (first.contains("SpecialToken"))
            return first["SpecialToken"].at("id").get<std::string>();
    }
    return std::nullopt;
}

ByteBpeVocab parse(const json& j, const std::filesystem::path& path) {
    if (!j.is_object()) throw FileError(path, "not a tokenizer.json (top level is not an object)");
    const json& model = j.at("model");
    const std::string type = model.value("type", model.contains("merges") ? "BPE" : "");
    if (type != "BPE")
        throw FileError(path,
                        "tokenizer model '" + type + "' is not supported (byte-level BPE only)");
    const auto nonEmpty = [&](const char* key) {
        return model.contains(key) && model[key].is_string() &&
               !model[key].get<std::string>().empty();
    };
    if (nonEmpty("continuing_subword_prefix") || nonEmpty("end_of_word_suffix"))
        throw FileError(path, "BPE with subword prefixes/suffixes is not supported");

    ByteBpeVocab v;
    v.kind = "bpe";
    for (const auto& [token, id] : model.at("vocab").items()) {
        const auto i = id.get<int32_t>();
        if (i < 0) throw FileError(path, "token '" + token + "' has a negative id");
        if (static_cast<size_t>(i) >= v.tokens.size()) v.tokens.resize(i + 1);
        v.tokens[i] = token;
    }
    for (const json& m : model.at("merges")) {
        if (m.is_array() && m.size() == 2) {
            v.merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
            continue;
        }
        const auto s = m.get<std::string>();
        const size_t space = s.find(' ');
        if (space == std::string::npos || space == 0 || space + 1 == s.size())
            throw FileError(path, "merge '" + s + "' is not two tokens separated by a space");
        v.merges.emplace_back(s.substr(0, space), s.substr(space + 1));
    }
    v.ignoreMerges = model.value("ignore_merges", false);
    if (j.contains("added_tokens"))
        for (const json& a : j["added_tokens"])
            v.added.push_back({a.at("content").get<std::string>(), a.at("id").get<int32_t>(),
                               a.value("special", false)});

    PreTokenizer pre;
    readPreTokenizer(j.value("pre_tokenizer", json()), pre, path);
    if (!pre.byteLevel)
        throw FileError(path, "only byte-level BPE tokenizer.json files are supported");
    if (pre.splitPattern && pre.byteLevelRegex)
        throw FileError(path,
                        "a Split pre-tokenizer followed by a regex ByteLevel is not supported");
    v.pattern = pre.splitPattern ? *pre.splitPattern : pre.byteLevelRegex ? kGpt2Pattern : "";
    v.addPrefixSpace = pre.addPrefixSpace;
    checkNormalizer(j.value("normalizer", json()), path);

    auto addedId = [&](const std::string& content) -> int32_t {
        for (const auto& a : v.added)
            if (a.content == content) return a.id;
        return -1;
    };
    if (auto first = templateFirstToken(j.value("post_processor", json())))
        v.bosId = addedId(*first);
    if (v.bosId < 0) v.bosId = addedId("<|begin_of_text|>");
    for (const char* eos : {"<|end_of_text|>", "<|endoftext|>", "</s>", "<|im_end|>"}) {
        if (v.eosId >= 0) break;
        v.eosId = addedId(eos);
    }
    if (model.contains("unk_token") && model["unk_token"].is_string()) {
        const auto unk = model["unk_token"].get<std::string>();
        for (size_t id = 0; id < v.tokens.size() && v.unkId < 0; ++id)
            if (v.tokens[id] == unk) v.unkId = static_cast<int32_t>(id);
    }
    return v;
}

} // namespace

std::shared_ptr<const Tokenizer> loadHfTokenizerJson(const MappedFile& file) {
    const auto* begin = reinterpret_cast<const char*>(file.data());
    json j;
    try {
        j = json::parse(begin, begin + file.size());
    } catch (const json::exception& e) {
        throw FileError(file.path(), std::string("invalid JSON: ") + e.what());
    }
    try {
        return std::make_shared<ByteBpeTokenizer>(parse(j, file.path()));
    } catch (const FileError&) {
        throw;
    } catch (const json::exception& e) {
        throw FileError(file.path(), std::string("unexpected tokenizer.json content: ") + e.what());
    } catch (const Error& e) {
        throw FileError(file.path(), e.what());
    }
}

} // namespace qs
