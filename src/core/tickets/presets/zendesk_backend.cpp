// Zendesk Support: each file to POST /api/v2/uploads.json (raw bytes, returns a token), then
// the ticket with the tokens in its first comment. "api": "tickets" (default) uses the Tickets
// API with external_id = request id and an Idempotency-Key header; "requests" uses the Requests
// API, which an end user (or anonymous, when the account allows it) may call.
#include <nlohmann/json.hpp>

#include "tickets/http_delivery.h"
#include "tickets/http_preset_backend.h"

namespace fixtray {
namespace {

using nlohmann::json;

class ZendeskBackend final : public HttpPresetBackend {
public:
    ZendeskBackend(BackendOptions& o, HttpClient& http)
        : HttpPresetBackend("Zendesk", o, http),
          requests_api_(o.optional("api", "tickets") == "requests"),
          group_id_(o.optional("group_id")) {
        const std::string api = o.optional("api", "tickets");
        if (api != "tickets" && api != "requests")
            o.fail("\"api\" must be \"tickets\" or \"requests\": " + api);
        if (!group_id_.empty() && group_id_.find_first_not_of("0123456789") != std::string::npos)
            o.fail("\"group_id\" must be a number: " + group_id_);
        // user + API token ("user/token"), user + password, or an OAuth access token.
        const std::string user = o.optional("user");
        const std::string token = o.secret("token", false);
        const std::string password = o.secret("password", false);
        const std::string oauth = o.secret("oauth_token", false);
        if (!oauth.empty())
            auth_headers_ = {{"Authorization", "Bearer " + oauth}};
        else if (!user.empty() && !token.empty())
            auth_headers_ = {{"Authorization", basic_auth(user + "/token", token)}};
        else if (!user.empty() && !password.empty())
            auth_headers_ = {{"Authorization", basic_auth(user, password)}};
        else if (!requests_api_)
            o.fail(
                "zendesk needs \"user\" with \"token\" or \"password\", or \"oauth_token\" "
                "(only \"api\": \"requests\" may go without credentials)");
        anonymous_ = auth_headers_.empty();
    }

    LookupResult find(const SupportRequest& sr, const CancelToken& cancel) override {
        LookupResult l;
        if (anonymous_) return l;  // unsupported: an anonymous caller cannot list anything
        const std::string path = requests_api_
                                     ? "/api/v2/requests.json?sort_by=created_at&sort_order=desc"
                                     : "/api/v2/tickets.json?external_id=" + url_encode(sr.id);
        const HttpResponse r = send(api_request("GET", path), cancel);
        if (auto f = lookup_failure("looking up the ticket", r)) return *f;
        const json j = json::parse(r.body, nullptr, false);
        l.kind = LookupResult::Kind::not_found;
        const char* list = requests_api_ ? "requests" : "tickets";
        if (!j.is_object() || !j.contains(list) || !j[list].is_array()) return l;
        for (const auto& t : j[list]) {
            if (!t.is_object()) continue;
            const bool match = requests_api_ ? t.value("subject", "").find(sr.correlation_tag()) !=
                                                   std::string::npos
                                             : t.value("external_id", "") == sr.id;
            if (!match) continue;
            l.kind = LookupResult::Kind::found;
            l.ticket_id = t.contains("id") ? json_id(t["id"]) : "";
            l.ticket_url = ticket_url(l.ticket_id);
            return l;
        }
        return l;
    }

    DeliveryResult create(const SupportRequest& sr, const CancelToken& cancel) override {
        std::vector<AttachmentData> files;
        if (auto f = read_attachments(sr, &files)) return *f;
        json tokens = json::array();
        for (const auto& a : files) {
            HttpRequest up =
                api_upload("POST", "/api/v2/uploads.json?filename=" + url_encode(a.file_name));
            up.headers.emplace_back("Content-Type", a.mime_type);
            up.body = a.bytes;
            const std::string what = "uploading " + a.file_name;
            const HttpResponse r = send(up, cancel);
            if (auto f = failure(what, r)) return *f;
            DeliveryResult bad;
            const auto j = answer_json(what, r, &bad);
            if (!j) return bad;
            if (j->is_object() && j->contains("upload") && (*j)["upload"].is_object())
                tokens.push_back((*j)["upload"].value("token", ""));
        }

        json comment = {{"body", sr.body()}};
        if (!tokens.empty()) comment["uploads"] = tokens;
        json ticket = {{"subject", sr.tagged_subject()}, {"comment", comment}};
        const std::string name = sr.contact.name.empty() ? sr.user : sr.contact.name;
        // The Requests API takes a requester only from anonymous callers.
        if (!sr.contact.email.empty() && (!requests_api_ || anonymous_))
            ticket["requester"] = {{"name", name}, {"email", sr.contact.email}};
        if (!requests_api_) {
            ticket["external_id"] = sr.id;
            ticket["tags"] = json::array({"fixtray"});
            if (!group_id_.empty()) ticket["group_id"] = std::stoll(group_id_);
        }
        const char* key = requests_api_ ? "request" : "ticket";
        HttpRequest req =
            api_json("POST", requests_api_ ? "/api/v2/requests.json" : "/api/v2/tickets.json",
                     {{key, ticket}});
        req.headers.emplace_back("Idempotency-Key", sr.id);
        const HttpResponse r = send(req, cancel);
        if (auto f = failure("creating the ticket", r, true)) return *f;
        DeliveryResult bad;
        const auto j = answer_json("creating the ticket", r, &bad);
        if (!j) return bad;
        std::string id;
        if (j->is_object() && j->contains(key) && (*j)[key].is_object() && (*j)[key].contains("id"))
            id = json_id((*j)[key]["id"]);
        return delivered(id, ticket_url(id));
    }

private:
    std::string ticket_url(const std::string& id) const {
        if (id.empty()) return "";
        return base_url() + (requests_api_ ? "/hc/requests/" : "/agent/tickets/") + id;
    }

    bool requests_api_;
    bool anonymous_ = false;
    std::string group_id_;
};

}  // namespace

Result<std::unique_ptr<TicketBackend>> make_zendesk_backend(const BackendConfig& config,
                                                            HttpClient& http) {
    return build_backend<ZendeskBackend>(config, http);
}

}  // namespace fixtray
