#include "net/service_url.h"

#include <curl/curl.h>
#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cctype>
#include <memory>
#include <new>

namespace fixtray {
namespace {

struct UrlDeleter {
    void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

// Copies one part of a parsed URL; "" when the part is absent.
std::string part(CURLU* u, CURLUPart which, unsigned int flags = 0) {
    char* value = nullptr;
    if (curl_url_get(u, which, &value, flags) != CURLUE_OK || !value) return "";
    std::string s(value);
    curl_free(value);
    return s;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

}  // namespace

Result<ServiceUrl> parse_service_url(const std::string& url) {
    std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
    if (!u) throw std::bad_alloc();
    // Without CURLU_GUESS_SCHEME / CURLU_DEFAULT_SCHEME: a URL without a scheme is an error.
    const CURLUcode rc =
        curl_url_set(u.get(), CURLUPART_URL, url.c_str(), CURLU_NON_SUPPORT_SCHEME);
    if (rc != CURLUE_OK)
        return Status::error(std::string("not a valid URL (") + curl_url_strerror(rc) + ")");
    ServiceUrl parsed;
    parsed.scheme = lower(part(u.get(), CURLUPART_SCHEME));
    parsed.host = lower(part(u.get(), CURLUPART_HOST));
    if (parsed.host.size() > 2 && parsed.host.front() == '[' && parsed.host.back() == ']')
        parsed.host = parsed.host.substr(1, parsed.host.size() - 2);
    const std::string port = part(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
    parsed.port = port.empty() ? 0 : std::stol(port);
    parsed.has_credentials =
        !part(u.get(), CURLUPART_USER).empty() || !part(u.get(), CURLUPART_PASSWORD).empty();
    if (parsed.host.empty()) return Status::error("the URL has no host");
    return parsed;
}

bool is_loopback_host(const std::string& host) {
    const std::string h = lower(host);
    if (h == "localhost" || h == "localhost.") return true;
    // Any spelling of an address ("::1", "0:0::1", "::ffff:127.0.0.2"), read by the resolver's
    // own parser (inet_pton underneath); names other than localhost are not resolved.
    boost::system::error_code ec;
    const auto a = boost::asio::ip::make_address(h, ec);
    if (ec) return false;
    if (a.is_v6() && a.to_v6().is_v4_mapped())
        return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6())
            .is_loopback();
    return a.is_loopback();
}

}  // namespace fixtray
