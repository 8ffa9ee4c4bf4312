// Content digests (libsodium).
#pragma once

#include <string>
#include <string_view>

namespace fixtray {

// SHA-256 as 64 lower-case hex digits.
std::string sha256_hex(std::string_view data);

}  // namespace fixtray
