#pragma once
// Added / special tokens ("<|endoftext|>", "<|begin_of_text|>", ...) are cut out of the text
// before pre-tokenization and map straight to their ids, as Hugging Face tokenizers does.
// At each position the longest matching token wins; scanning is linear in the text length.
//
//   AddedTokenMatcher m;  m.add("<|endoftext|>", 50256);
//   std::vector<AddedTokenMatcher::Segment> segs;
//   m.split("a<|endoftext|>b", segs);    // {"a",-1}, {"<|endoftext|>",50256}, {"b",-1}

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qs {

class AddedTokenMatcher {
public:
    struct Segment {
        std::string_view text;
        int32_t id; // -1: ordinary text to pre-tokenize
    };

    void add(std::string content, int32_t id); // empty content is ignored
    bool empty() const { return m_tokens.empty(); }
    // Appends the segments of `text` (views into it) to `out`.
    void split(std::string_view text, std::vector<Segment>& out) const;

private:
    std::vector<std::pair<std::string, int32_t>> m_tokens;
    std::array<std::vector<uint32_t>, 256> m_byFirstByte; // indices into m_tokens, longest first
};

} // namespace qs
