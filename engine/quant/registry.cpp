#include "quant/format_families.h"

#include "core/error.h"
#include "quant/int_formats.h"

#include <map>
#include <mutex>

#include <algorithm>
#include <cctype>

namespace qs {

namespace {

std::string lower(std::string_view s) {
    std::string r(s);
    std::transform(r.begin(), r.end(), r.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    return r;
}

struct Registry {
    quant_detail::FormatList owned;
    std::vector<const QuantFormat*> view;
    Registry() {
        quant_detail::appendFloatFormats(owned);
        quant_detail::appendGgmlFormats(owned);
        quant_detail::appendIntegerFormats(owned);
        quant_detail::appendMinifloatFormats(owned);
        quant_detail::appendLowBitFormats(owned);
        for (const auto& f : owned) view.push_back(f.get());
    }
};

const Registry& registry() {
    static const Registry r;
    return r;
}

} // namespace

const std::vector<const QuantFormat*>& allQuantFormats() {
    return registry().view;
}

const QuantFormat* findQuantFormat(std::string_view name) {
    const std::string key = lower(name);
    for (const QuantFormat* f : registry().view)
        if (f->name() == key) return f;
    // Integer formats form a large family ("int5_g64_asym_clip"); the valid names that are not
    // pre-registered are built on first use and kept for the life of the process.
    static std::mutex mutex;
    static std::map<std::string, std::unique_ptr<QuantFormat>> parsed;
    std::lock_guard lock(mutex);
    if (auto it = parsed.find(key); it != parsed.end()) return it->second.get();
    if (auto f = parseIntegerFormat(key)) return (parsed[key] = std::move(f)).get();
    return nullptr;
}

const QuantFormat& quantFormat(std::string_view name) {
    if (const QuantFormat* f = findQuantFormat(name)) return *f;
    // Suggest names sharing the requested prefix (e.g. "int4" -> int4_g32_sym, ...).
    const std::string key = lower(name);
    std::string hint;
    int shown = 0;
    for (const QuantFormat* f : registry().view)
        if (shown < 8 && f->name().rfind(key.substr(0, std::min<size_t>(key.size(), 3)), 0) == 0) {
            hint += (shown++ ? ", " : "") + f->name();
        }
    throw Error("unknown quantization format '" + std::string(name) + "'" +
                (hint.empty() ? std::string(" (see `quantscope-cli formats`)")
                              : " (did you mean " + hint + "?)"));
}

} // namespace qs
