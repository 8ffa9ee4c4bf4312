// Text from a step, a pack, a site config or a server, made safe to show on a terminal or in a
// window: nothing in it can move the cursor, clear the screen, set a title or reorder what is
// shown.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fixtray {

// Returns `text` with every character a terminal would act on made visible:
//   - C0 controls and DEL as \xNN, except tab (kept) and newline (kept, or "\n" when
//     !keep_newlines); a bare CR as "\r" (it would overwrite what the line said), the CR of a
//     CR LF line end dropped;
//   - C1 controls (U+0080..U+009F, e.g. the single-character CSI U+009B) as \u0080..\u009f;
//   - the bidirectional overrides and isolates (U+202A..U+202E, U+2066..U+2069) as \u202e...;
//   - bytes that are not valid UTF-8 (a lone 0x9b too) as \xNN.
// Everything else, letters of any script included, is kept as it is. A backslash is kept: the
// result is for reading, not for decoding back.
std::string visible_text(std::string_view text, bool keep_newlines = true);

// The length of the valid UTF-8 sequence starting at text[i] (i < text.size()) and its code
// point in `cp`; 0 when the bytes there are not one (overlong forms, surrogates and values past
// U+10FFFF included).
std::size_t utf8_sequence(std::string_view text, std::size_t i, std::uint32_t& cp);

}  // namespace fixtray
