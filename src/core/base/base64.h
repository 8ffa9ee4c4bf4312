// Base64 (RFC 4648, standard alphabet, with padding), through libsodium.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fixtray {

std::string base64_encode(std::string_view bytes);
// Ignores line breaks and spaces; nullopt when the text is not valid base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace fixtray
