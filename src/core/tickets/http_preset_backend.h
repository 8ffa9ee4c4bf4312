// The common part of the HTTPS JSON ticket backends (Zammad, GLPI, Jira Service Management,
// Freshdesk, Zendesk, ServiceNow, osTicket): base URL, credentials as headers, timeouts, proxy,
// and the one way answers become results. Internal to src/core; the factories are in
// http_ticket_backends.h.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "net/http_client.h"
#include "tickets/backend_options.h"
#include "tickets/ticket_backend.h"

namespace fixtray {

// A read attachment: metadata and bytes.
struct AttachmentData {
    std::string file_name, mime_type, bytes;
};

class HttpPresetBackend : public TicketBackend {
public:
    std::string describe() const override { return describe_; }

protected:
    // Reads "url", "timeout" (s, default 30), "upload_timeout" (s, default 300) and "proxy".
    HttpPresetBackend(const std::string& product, BackendOptions& options, HttpClient& http);

    // A request to base_url + path with Accept: application/json, the credential headers,
    // User-Agent, timeouts and proxy.
    HttpRequest api_request(const std::string& method, const std::string& path) const;
    HttpRequest api_json(const std::string& method, const std::string& path,
                         const nlohmann::json& body) const;
    // Same, with the longer timeout for requests that carry file bytes.
    HttpRequest api_upload(const std::string& method, const std::string& path) const;
    HttpResponse send(const HttpRequest& request, const CancelToken& cancel) const {
        return http_.send(request, cancel);
    }

    std::optional<DeliveryResult> failure(const std::string& what, const HttpResponse& r,
                                          bool creating = false) const;
    std::optional<LookupResult> lookup_failure(const std::string& what,
                                               const HttpResponse& r) const;
    // The answer body as JSON; nullopt (and *result set to a retry naming the server) when it
    // is not JSON.
    std::optional<nlohmann::json> answer_json(const std::string& what, const HttpResponse& r,
                                              DeliveryResult* result) const;
    DeliveryResult delivered(std::string ticket_id, std::string ticket_url,
                             const std::string& note = "") const;
    // The ticket exists but an attachment step failed: delivered, and the message says which
    // file must be attached by hand.
    DeliveryResult delivered_without_attachment(std::string ticket_id, std::string ticket_url,
                                                const DeliveryResult& attach_failure,
                                                const SupportRequest& request) const;

    // Reads every attachment of the request; on failure returns a failed result.
    static std::optional<DeliveryResult> read_attachments(const SupportRequest& request,
                                                          std::vector<AttachmentData>* out);

    const std::string& base_url() const { return base_url_; }

    // Set by the derived class's constructor.
    std::vector<std::pair<std::string, std::string>> auth_headers_;

private:
    HttpClient& http_;
    std::string base_url_;
    std::string describe_;
    std::chrono::milliseconds timeout_;
    std::chrono::milliseconds upload_timeout_;
    std::string proxy_;
    std::string ca_file_;  // option ca_file: an internal CA
};

// "Basic " + base64(user ":" password).
std::string basic_auth(const std::string& user, const std::string& password);
// An id from a JSON answer (number or string) as text; "" for anything else.
std::string json_id(const nlohmann::json& v);
// Plain text as HTML for APIs whose description field is HTML: escaped, newlines as <br>.
std::string text_to_html(const std::string& text);

// Per-preset factories (http_ticket_backends.cpp dispatches on config.type).
Result<std::unique_ptr<TicketBackend>> make_zammad_backend(const BackendConfig&, HttpClient&);
Result<std::unique_ptr<TicketBackend>> make_glpi_backend(const BackendConfig&, HttpClient&);
Result<std::unique_ptr<TicketBackend>> make_jira_backend(const BackendConfig&, HttpClient&);
Result<std::unique_ptr<TicketBackend>> make_freshdesk_backend(const BackendConfig&, HttpClient&);
Result<std::unique_ptr<TicketBackend>> make_zendesk_backend(const BackendConfig&, HttpClient&);
Result<std::unique_ptr<TicketBackend>> make_servicenow_backend(const BackendConfig&, HttpClient&);
Result<std::unique_ptr<TicketBackend>> make_osticket_backend(const BackendConfig&, HttpClient&);

// Shared factory tail: the backend when the options were fine, else the options' problem.
template <class Backend>
Result<std::unique_ptr<TicketBackend>> build_backend(const BackendConfig& config,
                                                     HttpClient& http) {
    BackendOptions options(config);
    auto backend = std::make_unique<Backend>(options, http);
    if (!options.ok()) return Status::error(options.error());
    return backend;
}

}  // namespace fixtray
