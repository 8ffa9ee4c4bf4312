#include "packs/utf8_check.h"

#include <cstdint>

namespace fixtray {

namespace {

constexpr std::size_t kBlock = 64;

// Whether the kBlock bytes at `s` are all plain text: ASCII from 0x20 on, tab, LF or CR. Written
// without an early exit, so that the compiler checks many bytes per instruction; a pack is almost
// all such blocks.
bool all_plain(const unsigned char* s) {
    unsigned char other = 0;
    for (std::size_t k = 0; k < kBlock; ++k) {
        const unsigned char c = s[k];
        // Bitwise, not || and &&: branches would stop the compiler.
        other |= static_cast<unsigned char>((c >= 0x80) |
                                            ((c < 0x20) & (c != '\t') & (c != '\n') & (c != '\r')));
    }
    return other == 0;
}

}  // namespace

std::size_t find_bad_byte(std::string_view text, const char*& what) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        if (i + kBlock <= n && all_plain(s + i)) {
            i += kBlock;
            continue;
        }
        const unsigned char c = s[i];
        if (c < 0x80) {
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                what = c == 0 ? "NUL byte: a fix pack must be UTF-8 text"
                              : "control character: a fix pack must be UTF-8 text";
                return i;
            }
            ++i;
            continue;
        }
        std::size_t len;
        std::uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF)
            len = 2, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            len = 3, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            len = 4, cp = c & 0x07;
        else {
            what = "invalid UTF-8: a fix pack must be UTF-8 text";
            return i;
        }
        if (i + len > n) {
            what = "invalid UTF-8 (truncated sequence): a fix pack must be UTF-8 text";
            return i;
        }
        for (std::size_t k = 1; k < len; ++k) {
            if ((s[i + k] & 0xC0) != 0x80) {
                what = "invalid UTF-8: a fix pack must be UTF-8 text";
                return i;
            }
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
            what = "invalid UTF-8 (overlong encoding): a fix pack must be UTF-8 text";
            return i;
        }
        if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF) {
            what = "character not allowed in XML";
            return i;
        }
        i += len;
    }
    return std::string_view::npos;
}

}  // namespace fixtray
