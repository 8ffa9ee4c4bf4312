// osTicket (HTTP API): POST /api/tickets.json with X-API-Key; attachments as RFC 2397 data
// URIs. The API can only create tickets, so find() is unsupported. The key is bound to the
// caller's IP address: laptops reach it through a relay, not directly.
#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "tickets/http_delivery.h"
#include "tickets/http_preset_backend.h"

namespace fixtray {
namespace {

using nlohmann::json;

class OsTicketBackend final : public HttpPresetBackend {
public:
    OsTicketBackend(BackendOptions& o, HttpClient& http)
        : HttpPresetBackend("osTicket", o, http),
          fallback_email_(o.optional("email")),
          topic_id_(o.optional("topic_id")) {
        auth_headers_ = {{"X-API-Key", o.secret("api_key")}};
        if (!topic_id_.empty() && topic_id_.find_first_not_of("0123456789") != std::string::npos)
            o.fail("\"topic_id\" must be a number: " + topic_id_);
    }

    LookupResult find(const SupportRequest&, const CancelToken&) override {
        LookupResult l;
        l.kind = LookupResult::Kind::unsupported;
        return l;
    }

    DeliveryResult create(const SupportRequest& sr, const CancelToken& cancel) override {
        std::vector<AttachmentData> files;
        if (auto f = read_attachments(sr, &files)) return *f;
        const std::string email = sr.contact.email.empty() ? fallback_email_ : sr.contact.email;
        if (email.empty()) {
            DeliveryResult d;
            d.kind = DeliveryResult::Kind::failed;
            d.message = describe() +
                        " needs the requester's e-mail address: set the contact e-mail or the "
                        "backend option \"email\"";
            return d;
        }
        json attachments = json::array();
        for (const auto& a : files)
            attachments.push_back(
                {{a.file_name, "data:" + a.mime_type + ";base64," + base64_encode(a.bytes)}});
        json t = {{"alert", true},
                  {"autorespond", true},
                  {"source", "API"},
                  {"name", sr.contact.name.empty() ? sr.user : sr.contact.name},
                  {"email", email},
                  {"subject", sr.tagged_subject()},
                  {"message", "data:text/plain;charset=utf-8;base64," + base64_encode(sr.body())}};
        if (!sr.contact.phone.empty()) t["phone"] = sr.contact.phone;
        if (!topic_id_.empty()) t["topicId"] = std::stoll(topic_id_);
        if (!attachments.empty()) t["attachments"] = attachments;
        HttpRequest req = api_json("POST", "/api/tickets.json", t);
        if (!files.empty()) req.timeout = api_upload("POST", "").timeout;
        const HttpResponse r = send(req, cancel);
        if (auto f = failure("creating the ticket", r, true)) return *f;
        // The answer is the ticket number as plain text.
        std::string number;
        for (const char c : r.body)
            if (c != '\n' && c != '\r' && c != ' ' && c != '"') number += c;
        if (number.size() > 64) number.resize(64);
        return delivered(number, "");
    }

private:
    std::string fallback_email_;
    std::string topic_id_;
};

}  // namespace

Result<std::unique_ptr<TicketBackend>> make_osticket_backend(const BackendConfig& config,
                                                             HttpClient& http) {
    return build_backend<OsTicketBackend>(config, http);
}

}  // namespace fixtray
