// libFuzzer target: any byte string given to the feed index parser must produce an index or
// errors, never a crash, hang or sanitizer report; an index that parses writes back to bytes
// that parse to the same index.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "feed/feed_index.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view xml(reinterpret_cast<const char*>(data), size);
    const fixtray::FeedIndexParse parsed = fixtray::parse_feed_index(xml, "index.xml");
    if (parsed.index.has_value() == !parsed.errors.empty()) __builtin_trap();
    for (const auto& e : parsed.errors)
        if (e.empty()) __builtin_trap();
    if (parsed.index) {
        for (const auto& p : parsed.index->packs)
            if (!fixtray::is_safe_feed_file_name(p.file)) __builtin_trap();
        const std::string again = fixtray::write_feed_index(*parsed.index);
        const auto reparsed = fixtray::parse_feed_index(again, "again.xml");
        if (!reparsed.index || fixtray::write_feed_index(*reparsed.index) != again)
            __builtin_trap();
    }
    return 0;
}
