// Base64 (RFC 4648, standard alphabet, with padding): how JSON ticket APIs carry file bytes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fixtray {

std::string base64_encode(std::string_view bytes);

// Decodes; whitespace is skipped. nullopt on any other character outside the alphabet or a bad
// length or padding.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace fixtray
