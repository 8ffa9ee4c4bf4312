// Freshdesk (API v2): POST /api/v2/tickets, multipart with attachments[] when there are files,
// JSON otherwise. Freshdesk's search (/api/v2/search/tickets) filters on fields such as status
// or tag but not the subject, so find() lists the requester's tickets (newest first) and
// matches the correlation tag in the subject.
#include <nlohmann/json.hpp>

#include "tickets/http_delivery.h"
#include "tickets/http_preset_backend.h"

namespace fixtray {
namespace {

using nlohmann::json;

class FreshdeskBackend final : public HttpPresetBackend {
public:
    FreshdeskBackend(BackendOptions& o, HttpClient& http)
        : HttpPresetBackend("Freshdesk", o, http),
          fallback_email_(o.optional("email")),
          group_id_(o.optional("group_id")),
          priority_(o.optional("priority", "1")),
          status_(o.optional("status", "2")) {
        // The API key is the user name and "X" the password.
        auth_headers_ = {{"Authorization", basic_auth(o.secret("api_key"), "X")}};
        for (const auto& [key, value] :
             {std::pair{"group_id", group_id_}, std::pair{"priority", priority_},
              std::pair{"status", status_}})
            if (!value.empty() && value.find_first_not_of("0123456789") != std::string::npos)
                o.fail(std::string("\"") + key + "\" must be a number: " + value);
    }

    LookupResult find(const SupportRequest& sr, const CancelToken& cancel) override {
        const std::string email = requester_email(sr);
        LookupResult l;
        if (email.empty()) return l;  // unsupported: no requester to list by
        const HttpResponse r =
            send(api_request("GET", "/api/v2/tickets?email=" + url_encode(email) +
                                        "&order_by=created_at&order_type=desc&per_page=100"),
                 cancel);
        if (auto f = lookup_failure("listing the requester's tickets", r)) return *f;
        const json j = json::parse(r.body, nullptr, false);
        l.kind = LookupResult::Kind::not_found;
        if (!j.is_array()) return l;
        for (const auto& t : j) {
            if (!t.is_object() ||
                t.value("subject", "").find(sr.correlation_tag()) == std::string::npos)
                continue;
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
        const std::string email = requester_email(sr);
        if (email.empty()) {
            DeliveryResult d;
            d.kind = DeliveryResult::Kind::failed;
            d.message = describe() +
                        " needs the requester's e-mail address: set the contact e-mail or the "
                        "backend option \"email\"";
            return d;
        }
        const std::string name = sr.contact.name.empty() ? sr.user : sr.contact.name;
        HttpRequest req;
        if (files.empty()) {
            json t = {{"email", email},
                      {"subject", sr.tagged_subject()},
                      {"description", text_to_html(sr.body())},
                      {"priority", std::stoi(priority_)},
                      {"status", std::stoi(status_)}};
            if (!name.empty()) t["name"] = name;
            if (!sr.contact.phone.empty()) t["phone"] = sr.contact.phone;
            if (!group_id_.empty()) t["group_id"] = std::stoll(group_id_);
            req = api_json("POST", "/api/v2/tickets", t);
        } else {
            req = api_upload("POST", "/api/v2/tickets");
            req.form = {{"email", "", "", email},
                        {"subject", "", "", sr.tagged_subject()},
                        {"description", "", "", text_to_html(sr.body())},
                        {"priority", "", "", priority_},
                        {"status", "", "", status_}};
            if (!name.empty()) req.form.push_back({"name", "", "", name});
            if (!sr.contact.phone.empty()) req.form.push_back({"phone", "", "", sr.contact.phone});
            if (!group_id_.empty()) req.form.push_back({"group_id", "", "", group_id_});
            for (const auto& a : files)
                req.form.push_back({"attachments[]", a.file_name, a.mime_type, a.bytes});
        }
        const HttpResponse r = send(req, cancel);
        if (auto f = failure("creating the ticket", r, true)) return *f;
        DeliveryResult bad;
        const auto j = answer_json("creating the ticket", r, &bad);
        if (!j) return bad;
        const std::string id = j->is_object() && j->contains("id") ? json_id((*j)["id"]) : "";
        return delivered(id, ticket_url(id));
    }

private:
    std::string requester_email(const SupportRequest& sr) const {
        return sr.contact.email.empty() ? fallback_email_ : sr.contact.email;
    }
    std::string ticket_url(const std::string& id) const {
        return id.empty() ? "" : base_url() + "/support/tickets/" + id;
    }

    std::string fallback_email_;
    std::string group_id_;
    std::string priority_;
    std::string status_;
};

}  // namespace

Result<std::unique_ptr<TicketBackend>> make_freshdesk_backend(const BackendConfig& config,
                                                              HttpClient& http) {
    return build_backend<FreshdeskBackend>(config, http);
}

}  // namespace fixtray
