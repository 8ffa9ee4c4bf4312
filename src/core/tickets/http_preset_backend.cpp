#include "tickets/http_preset_backend.h"

#include "base/base64.h"
#include "tickets/http_delivery.h"

#ifndef FIXTRAY_VERSION
#define FIXTRAY_VERSION "dev"
#endif

namespace fixtray {

using namespace std::chrono_literals;

std::string basic_auth(const std::string& user, const std::string& password) {
    return "Basic " + base64_encode(user + ":" + password);
}

std::string json_id(const nlohmann::json& v) {
    if (v.is_number_integer()) return std::to_string(v.get<long long>());
    if (v.is_number_unsigned()) return std::to_string(v.get<unsigned long long>());
    if (v.is_string()) return v.get<std::string>();
    return "";
}

std::string text_to_html(const std::string& text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\n':
                out += "<br>\n";
                break;
            case '\r':
                break;
            default:
                out += c;
        }
    }
    return out;
}

HttpPresetBackend::HttpPresetBackend(const std::string& product, BackendOptions& options,
                                     HttpClient& http)
    : http_(http),
      base_url_(options.base_url()),
      describe_(product + " at " + base_url_),
      timeout_(options.seconds("timeout", 30s)),
      upload_timeout_(options.seconds("upload_timeout", 300s)),
      proxy_(options.optional("proxy")),
      ca_file_(options.ca_file()) {}

HttpRequest HttpPresetBackend::api_request(const std::string& method,
                                           const std::string& path) const {
    HttpRequest r;
    r.method = method;
    r.url = base_url_ + path;
    r.headers = auth_headers_;
    r.headers.emplace_back("Accept", "application/json");
    r.headers.emplace_back("User-Agent", "fixtray/" FIXTRAY_VERSION);
    r.timeout = timeout_;
    r.connect_timeout = std::min<std::chrono::milliseconds>(timeout_, 10s);
    r.proxy = proxy_;
    r.ca_file = ca_file_;
    r.max_body = 4 * 1024 * 1024;
    return r;
}

HttpRequest HttpPresetBackend::api_json(const std::string& method, const std::string& path,
                                        const nlohmann::json& body) const {
    HttpRequest r = api_request(method, path);
    r.headers.emplace_back("Content-Type", "application/json");
    r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return r;
}

HttpRequest HttpPresetBackend::api_upload(const std::string& method,
                                          const std::string& path) const {
    HttpRequest r = api_request(method, path);
    r.timeout = std::max(timeout_, upload_timeout_);
    return r;
}

std::optional<DeliveryResult> HttpPresetBackend::failure(const std::string& what,
                                                         const HttpResponse& r,
                                                         bool creating) const {
    return delivery_failure(describe_, what, r, creating, std::chrono::system_clock::now());
}

std::optional<LookupResult> HttpPresetBackend::lookup_failure(const std::string& what,
                                                              const HttpResponse& r) const {
    return fixtray::lookup_failure(describe_, what, r);
}

std::optional<nlohmann::json> HttpPresetBackend::answer_json(const std::string& what,
                                                             const HttpResponse& r,
                                                             DeliveryResult* result) const {
    nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
    if (!j.is_discarded()) return j;
    result->kind = DeliveryResult::Kind::retry;
    result->message = describe_ + " answered HTTP " + std::to_string(r.status) + " while " + what +
                      " with something that is not JSON: " + api_error_text(r.body, 120);
    return std::nullopt;
}

DeliveryResult HttpPresetBackend::delivered(std::string ticket_id, std::string ticket_url,
                                            const std::string& note) const {
    DeliveryResult d;
    d.kind = DeliveryResult::Kind::delivered;
    d.message = "ticket " + ticket_id + " created in " + describe_ +
                (ticket_url.empty() ? "" : ": " + ticket_url) + note;
    d.ticket_id = std::move(ticket_id);
    d.ticket_url = std::move(ticket_url);
    return d;
}

DeliveryResult HttpPresetBackend::delivered_without_attachment(
    std::string ticket_id, std::string ticket_url, const DeliveryResult& attach_failure,
    const SupportRequest& request) const {
    std::string files;
    for (const auto& a : request.attachments) files += (files.empty() ? "" : ", ") + a.path;
    return delivered(std::move(ticket_id), std::move(ticket_url),
                     "; the diagnostics could not be attached (" + attach_failure.message +
                         "): attach " + files + " to the ticket by hand");
}

std::optional<DeliveryResult> HttpPresetBackend::read_attachments(
    const SupportRequest& request, std::vector<AttachmentData>* out) {
    for (const AttachmentRef& a : request.attachments) {
        AttachmentData data{a.file_name,
                            a.mime_type.empty() ? "application/octet-stream" : a.mime_type, ""};
        Result<std::string> read = read_attachment(a);
        if (!read) {
            DeliveryResult d;
            d.kind = DeliveryResult::Kind::failed;
            d.message = read.message();
            return d;
        }
        data.bytes = std::move(read).value();
        out->push_back(std::move(data));
    }
    return std::nullopt;
}

}  // namespace fixtray
