#include "tickets/http_delivery.h"

#include "net/http_retry_after.h"

#include <ctime>
#include <nlohmann/json.hpp>

namespace fixtray {
namespace {

using nlohmann::json;

std::string seconds_text(std::chrono::milliseconds d) {
    const auto ms = d.count();
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
    return std::to_string(ms) + " ms";
}

std::string flatten(std::string_view text, std::size_t max_chars) {
    std::string out;
    bool space = false;
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            space = !out.empty();
            continue;
        }
        if (c == ' ') {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += c;
        if (out.size() >= max_chars) {
            // Do not cut a UTF-8 sequence in half.
            while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80)
                out.pop_back();
            if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
            return out + "...";
        }
    }
    return out;
}

// Collects the strings of an error value (string, array of strings, object of strings/arrays).
void collect(const json& v, std::string* out, int depth = 0) {
    if (depth > 3 || out->size() > 1000) return;
    auto add = [out](const std::string& s) {
        if (s.empty()) return;
        if (!out->empty()) *out += "; ";
        *out += s;
    };
    if (v.is_string()) {
        add(v.get<std::string>());
    } else if (v.is_array()) {
        for (const auto& e : v) collect(e, out, depth + 1);
    } else if (v.is_object()) {
        for (const auto& [k, e] : v.items()) {
            std::string inner;
            collect(e, &inner, depth + 1);
            if (!inner.empty()) add(k + ": " + inner);
        }
    }
}

}  // namespace

std::string api_error_text(const std::string& body, std::size_t max_chars) {
    const json j = json::parse(body, nullptr, false);
    if (!j.is_discarded() && j.is_object()) {
        std::string text;
        for (const char* key : {"error_human", "error", "errorMessage", "errorMessages", "message",
                                "errors", "detail", "description"}) {
            const auto it = j.find(key);
            if (it == j.end()) continue;
            collect(*it, &text);
        }
        if (!text.empty()) return flatten(text, max_chars);
    }
    if (!j.is_discarded() && j.is_array()) {
        std::string text;
        collect(j, &text);  // GLPI answers ["ERROR_...", "message"]
        if (!text.empty()) return flatten(text, max_chars);
    }
    return flatten(body, max_chars);
}

std::optional<DeliveryResult> delivery_failure(const std::string& server, const std::string& what,
                                               const HttpResponse& r, bool creating,
                                               std::chrono::system_clock::time_point now) {
    if (r.ok && r.status >= 200 && r.status < 300) return std::nullopt;
    DeliveryResult d;
    if (!r.ok) {
        d.kind = DeliveryResult::Kind::retry;
        d.maybe_created = creating && r.request_sent;
        const std::string maybe =
            d.maybe_created ? "; the ticket may have been created and is looked up first next time"
                            : "";
        if (r.cancelled) {
            d.message = "cancelled while " + what + " at " + server + maybe;
        } else if (r.tls_failed) {
            d.message = "TLS connection to " + server + " failed while " + what + ": " + r.error;
        } else if (r.timed_out) {
            d.message = server + " did not answer in time (" + seconds_text(r.duration) +
                        ") while " + what + ": " + r.error + maybe;
        } else {
            d.message = "could not talk to " + server + " while " + what + ": " + r.error + maybe;
        }
        return d;
    }
    const std::string text = api_error_text(r.body);
    const std::string status = "HTTP " + std::to_string(r.status);
    d.kind = classify_http_status(r.status);
    if (r.status == 401 || r.status == 403) {
        d.kind = DeliveryResult::Kind::failed;
        d.message = "credentials refused by " + server + " (" + status + " while " + what +
                    (text.empty() ? "" : ": " + text) + ")";
        return d;
    }
    d.message =
        server + " answered " + status + " while " + what + (text.empty() ? "" : ": ") + text;
    if (const auto it = r.headers.find("retry-after"); it != r.headers.end())
        d.retry_after = parse_retry_after(it->second, now);
    return d;
}

std::optional<LookupResult> lookup_failure(const std::string& server, const std::string& what,
                                           const HttpResponse& response) {
    const auto d =
        delivery_failure(server, what, response, false, std::chrono::system_clock::now());
    if (!d) return std::nullopt;
    LookupResult l;
    l.kind = LookupResult::Kind::error;
    l.message = d->message;
    return l;
}

}  // namespace fixtray
