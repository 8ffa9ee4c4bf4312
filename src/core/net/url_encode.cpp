#include "net/url_encode.h"

#include <curl/curl.h>

#include <climits>
#include <memory>
#include <new>
#include <stdexcept>

namespace fixtray {

std::string url_encode(std::string_view text) {
    if (text.size() > static_cast<std::size_t>(INT_MAX))
        throw std::length_error("url_encode: text too long");
    // libcurl ignores the handle argument since 7.82 (Debian 12 has 7.88).
    std::unique_ptr<char, decltype(&curl_free)> escaped(
        curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size())), &curl_free);
    if (!escaped) throw std::bad_alloc();
    return escaped.get();
}

}  // namespace fixtray
