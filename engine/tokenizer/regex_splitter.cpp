#include "tokenizer/regex_splitter.h"

#include "core/error.h"
#include "tokenizer/utf8.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace qs {

const char* const kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
const char* const kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* const kQwen2Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

namespace {

std::string pcre2Message(int code) {
    PCRE2_UCHAR buffer[256];
    pcre2_get_error_message(code, buffer, sizeof buffer);
    return reinterpret_cast<const char*>(buffer);
}

// Per-call matching state, so one compiled pattern can serve several threads.
struct Scratch {
    pcre2_match_data* data = nullptr;
    pcre2_match_context* context = nullptr;
    pcre2_jit_stack* stack = nullptr;
    ~Scratch() {
        pcre2_jit_stack_free(stack);
        pcre2_match_context_free(context);
        pcre2_match_data_free(data);
    }
};

} // namespace

struct RegexSplitter::Compiled {
    pcre2_code* code = nullptr;
    bool jit = false;
    ~Compiled() { pcre2_code_free(code); }
};

RegexSplitter::RegexSplitter(const std::string& pattern)
    : m_pattern(pattern), m_compiled(std::make_unique<Compiled>()) {
    int error = 0;
    PCRE2_SIZE offset = 0;
    m_compiled->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                     PCRE2_UTF | PCRE2_UCP, &error, &offset, nullptr);
    if (!m_compiled->code)
        throw Error("pre-tokenizer regex does not compile at offset " + std::to_string(offset) +
                    ": " + pcre2Message(error) + " (pattern: " + pattern + ")");
    // JIT is an optimisation only: without it (unsupported CPU, W^X policy) matching still works.
    m_compiled->jit = pcre2_jit_compile(m_compiled->code, PCRE2_JIT_COMPLETE) == 0;
}

RegexSplitter::~RegexSplitter() = default;

void RegexSplitter::split(std::string_view text, std::vector<std::string_view>& out) const {
    if (text.empty()) return;
    Scratch s;
    s.data = pcre2_match_data_create_from_pattern(m_compiled->code, nullptr);
    s.context = pcre2_match_context_create(nullptr);
    if (!s.data || !s.context) throw Error("pre-tokenizer: out of memory");
    if (m_compiled->jit) {
        // Long runs of whitespace can need more than the default 32 KiB JIT stack.
        s.stack = pcre2_jit_stack_create(64 * 1024, 8 * 1024 * 1024, nullptr);
        if (s.stack) pcre2_jit_stack_assign(s.context, nullptr, s.stack);
    }

    const auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    size_t pos = 0;
    size_t gapStart = 0;
    while (pos < text.size()) {
        const int rc = pcre2_match(m_compiled->code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK,
                                   s.data, s.context);
        if (rc == PCRE2_ERROR_NOMATCH) break;
        if (rc < 0) throw Error("pre-tokenizer regex failed: " + pcre2Message(rc));
        const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(s.data);
        const size_t start = ov[0];
        const size_t end = ov[1];
        if (end == start) {
            // An empty match: step over one code point, which then ends up in the next gap.
            const size_t len = start < text.size() ? utf8::sequenceLength(text, start) : 1;
            pos = start + (len ? len : 1);
            continue;
        }
        if (start > gapStart) out.push_back(text.substr(gapStart, start - gapStart));
        out.push_back(text.substr(start, end - start));
        pos = gapStart = end;
    }
    if (gapStart < text.size()) out.push_back(text.substr(gapStart));
}

} // namespace qs
