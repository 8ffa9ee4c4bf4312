// http_probe: a GET through the HttpClient seam; ok when the status is one of expect_status.
#include <algorithm>
#include <cctype>
#include <string>

#include "base/cancel_token.h"
#include "engine/steps/builtin_steps.h"
#include "net/http_client.h"

namespace fixtray {
namespace {

// The URL as shown to a person: without "user:password@".
std::string display_url(const std::string& url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string::npos) return url;
    const auto authority = scheme_end + 3;
    const auto path = url.find_first_of("/?#", authority);
    const auto at = url.rfind('@', path == std::string::npos ? url.size() : path);
    if (at == std::string::npos || at < authority) return url;
    return url.substr(0, authority) + url.substr(at + 1);
}

bool has_http_scheme(const std::string& url) {
    std::string lower = url.substr(0, 8);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower.rfind("http://", 0) == 0 || lower.rfind("https://", 0) == 0;
}

std::string expected_list(const std::vector<int>& codes) {
    std::string s;
    for (std::size_t i = 0; i < codes.size(); ++i) {
        if (i > 0) s += i + 1 == codes.size() ? " or " : ", ";
        s += std::to_string(codes[i]);
    }
    return s;
}

}  // namespace

BuiltinResult http_probe(const Step& step, BuiltinContext& ctx) {
    BuiltinResult r;
    const std::string shown = display_url(step.url);
    if (step.url.empty()) {
        r.message = "no URL to probe";
        return r;
    }
    if (!has_http_scheme(step.url)) {
        r.message = shown + ": only http:// and https:// addresses can be probed";
        return r;
    }

    HttpRequest req;
    req.url = step.url;
    req.timeout = step.timeout;
    req.connect_timeout = step.timeout;  // a probe has one budget: connecting is part of it
    req.max_body = 64 * 1024;            // a probe needs the status, not the body
    req.follow_redirects = false;

    const HttpResponse resp = ctx.http.send(req, ctx.cancel);
    const std::string ms = std::to_string(resp.duration.count()) + " ms";
    if (resp.cancelled || ctx.cancel.cancelled()) {
        r.cancelled = true;
        r.message = shown + ": the probe was cancelled";
        return r;
    }
    if (!resp.ok) {
        r.timed_out = resp.timed_out;
        r.message = resp.timed_out
                        ? shown + ": no answer within " + std::to_string(step.timeout.count()) +
                              " ms (" + resp.error + ")"
                        : shown + ": could not connect (" + resp.error + ")";
        return r;
    }
    const bool expected = std::find(step.expect_status().begin(), step.expect_status().end(),
                                    static_cast<int>(resp.status)) != step.expect_status().end();
    r.ok = expected;
    r.message = shown + " answered " + std::to_string(resp.status) + " in " + ms;
    if (!expected) r.message += " (expected " + expected_list(step.expect_status()) + ")";
    auto loc = resp.headers.find("location");
    if (loc != resp.headers.end()) r.detail = "location: " + loc->second + "\n";
    return r;
}

}  // namespace fixtray
