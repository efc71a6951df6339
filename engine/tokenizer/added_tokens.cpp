#include "tokenizer/added_tokens.h"

#include <algorithm>

namespace qs {

void AddedTokenMatcher::add(std::string content, int32_t id) {
    if (content.empty()) return;
    auto& bucket = m_byFirstByte[static_cast<uint8_t>(content[0])];
    bucket.push_back(static_cast<uint32_t>(m_tokens.size()));
    m_tokens.emplace_back(std::move(content), id);
    std::stable_sort(bucket.begin(), bucket.end(), [&](uint32_t a, uint32_t b) {
        return m_tokens[a].first.size() > m_tokens[b].first.size();
    });
}

void AddedTokenMatcher::split(std::string_view text, std::vector<Segment>& out) const {
    size_t plainStart = 0;
    for (size_t pos = 0; pos < text.size();) {
        const auto& bucket = m_byFirstByte[static_cast<uint8_t>(text[pos])];
        const std::pair<std::string, int32_t>* hit = nullptr;
        for (uint32_t index : bucket) {
            if (text.substr(pos).starts_with(m_tokens[index].first)) {
                hit = &m_tokens[index];
                break;
            }
        }
        if (!hit) {
            ++pos;
            continue;
        }
        if (pos > plainStart) out.push_back({text.substr(plainStart, pos - plainStart), -1});
        out.push_back({text.substr(pos, hit->first.size()), hit->second});
        pos += hit->first.size();
        plainStart = pos;
    }
    if (plainStart < text.size()) out.push_back({text.substr(plainStart), -1});
}

} // namespace qs
