// Percent-encoding for URL query values and path segments.
#pragma once

#include <string>
#include <string_view>

namespace fixtray {

// Percent-encodes every byte but the RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~), with
// upper-case hex digits, independent of the locale. Through libcurl's curl_easy_escape.
std::string url_encode(std::string_view text);

}  // namespace fixtray
