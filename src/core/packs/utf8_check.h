// The byte-level check a pack passes before it reaches the XML parser: UTF-8 text with only the
// characters XML 1.0 allows. Internal to the pack loader.
#pragma once

#include <cstddef>
#include <string_view>

namespace fixtray {

// The offset of the first byte that cannot be in a UTF-8 XML 1.0 document: NUL and other C0
// controls except tab/LF/CR, malformed, truncated or overlong UTF-8, surrogates, U+FFFE/U+FFFF.
// std::string_view::npos when the text is clean; otherwise `what` is set to a message for a
// person (a static string).
std::size_t find_bad_byte(std::string_view text, const char*& what);

}  // namespace fixtray
