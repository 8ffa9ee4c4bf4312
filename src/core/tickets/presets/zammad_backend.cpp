// Zammad (REST API v1): one POST /api/v1/tickets with the first article and its attachments
// inline (base64); find() through GET /api/v1/tickets/search.
#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "tickets/http_delivery.h"
#include "tickets/http_preset_backend.h"

namespace fixtray {
namespace {

using nlohmann::json;

class ZammadBackend final : public HttpPresetBackend {
public:
    ZammadBackend(BackendOptions& o, HttpClient& http)
        : HttpPresetBackend("Zammad", o, http),
          group_(o.required("group")),
          article_type_(o.optional("article_type", "note")) {
        auth_headers_ = {{"Authorization", "Token token=" + o.secret("token")}};
    }

    LookupResult find(const SupportRequest& request, const CancelToken& cancel) override {
        // Zammad's search is full text (Elasticsearch when present); results are confirmed by
        // the correlation tag in the title.
        const HttpResponse r = send(
            api_request("GET", "/api/v1/tickets/search?query=" +
                                   url_encode("\"" + request.id + "\"") + "&expand=true&limit=20"),
            cancel);
        if (auto f = lookup_failure("searching for the ticket", r)) return *f;
        const json j = json::parse(r.body, nullptr, false);
        json tickets = json::array();
        if (j.is_array()) {
            tickets = j;
        } else if (j.is_object() && j.contains("assets") && j["assets"].contains("Ticket")) {
            for (const auto& [id, t] : j["assets"]["Ticket"].items()) tickets.push_back(t);
        }
        for (const auto& t : tickets) {
            if (!t.is_object()) continue;
            if (t.value("title", "").find(request.correlation_tag()) == std::string::npos) continue;
            LookupResult l;
            l.kind = LookupResult::Kind::found;
            l.ticket_id = ticket_number(t);
            l.ticket_url = zoom_url(t);
            return l;
        }
        LookupResult l;
        l.kind = LookupResult::Kind::not_found;
        return l;
    }

    DeliveryResult create(const SupportRequest& request, const CancelToken& cancel) override {
        std::vector<AttachmentData> files;
        if (auto f = read_attachments(request, &files)) return *f;
        json attachments = json::array();
        for (const auto& a : files)
            attachments.push_back({{"filename", a.file_name},
                                   {"data", base64_encode(a.bytes)},
                                   {"mime-type", a.mime_type}});
        json article = {{"subject", request.tagged_subject()},
                        {"body", request.body()},
                        {"content_type", "text/plain"},
                        {"type", article_type_},
                        {"internal", false}};
        if (!attachments.empty()) article["attachments"] = attachments;
        json ticket = {
            {"title", request.tagged_subject()}, {"group", group_}, {"article", article}};
        // With a customer's own token Zammad makes the token's owner the customer; with an
        // agent token (on a relay) the customer is looked up or created from the e-mail address.
        if (!request.contact.email.empty())
            ticket["customer_id"] = "guess:" + request.contact.email;

        HttpRequest req = api_json("POST", "/api/v1/tickets", ticket);
        if (!files.empty()) req.timeout = api_upload("POST", "").timeout;
        const HttpResponse r = send(req, cancel);
        if (auto f = failure("creating the ticket", r, true)) return *f;
        DeliveryResult bad;
        const auto j = answer_json("creating the ticket", r, &bad);
        if (!j) return bad;
        return delivered(ticket_number(*j), zoom_url(*j));
    }

private:
    static std::string ticket_number(const json& t) {
        if (t.contains("number")) return json_id(t["number"]);
        return t.contains("id") ? json_id(t["id"]) : "";
    }
    std::string zoom_url(const json& t) const {
        const std::string id = t.contains("id") ? json_id(t["id"]) : "";
        return id.empty() ? "" : base_url() + "/#ticket/zoom/" + id;
    }

    std::string group_;
    std::string article_type_;
};

}  // namespace

Result<std::unique_ptr<TicketBackend>> make_zammad_backend(const BackendConfig& config,
                                                           HttpClient& http) {
    return build_backend<ZammadBackend>(config, http);
}

}  // namespace fixtray
