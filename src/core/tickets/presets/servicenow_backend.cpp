// ServiceNow (Table API + Attachment API): POST /api/now/table/incident with correlation_id =
// request id, then POST /api/now/attachment/file per file (raw bytes). find() queries the
// incident table by correlation_id.
#include <nlohmann/json.hpp>

#include "tickets/http_delivery.h"
#include "tickets/http_preset_backend.h"

namespace fixtray {
namespace {

using nlohmann::json;

class ServiceNowBackend final : public HttpPresetBackend {
public:
    ServiceNowBackend(BackendOptions& o, HttpClient& http)
        : HttpPresetBackend("ServiceNow", o, http),
          table_(o.optional("table", "incident")),
          caller_id_(o.optional("caller_id")),
          assignment_group_(o.optional("assignment_group")),
          category_(o.optional("category")) {
        if (table_.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos)
            o.fail("\"table\" must be a table name such as incident: " + table_);
        const std::string user = o.optional("user");
        const std::string password = o.secret("password", false);
        const std::string token = o.secret("token", false);
        if (!token.empty())
            auth_headers_ = {{"Authorization", "Bearer " + token}};
        else if (!user.empty() && !password.empty())
            auth_headers_ = {{"Authorization", basic_auth(user, password)}};
        else
            o.fail("servicenow needs \"user\" and \"password\", or an OAuth \"token\"");
    }

    LookupResult find(const SupportRequest& sr, const CancelToken& cancel) override {
        const HttpResponse r =
            send(api_request("GET", "/api/now/table/" + table_ +
                                        "?sysparm_query=" + url_encode("correlation_id=" + sr.id) +
                                        "&sysparm_fields=sys_id%2Cnumber&sysparm_limit=1"),
                 cancel);
        if (auto f = lookup_failure("looking up the incident", r)) return *f;
        const json j = json::parse(r.body, nullptr, false);
        LookupResult l;
        l.kind = LookupResult::Kind::not_found;
        if (!j.is_object() || !j.contains("result") || !j["result"].is_array() ||
            j["result"].empty() || !j["result"][0].is_object())
            return l;
        const json& rec = j["result"][0];
        l.kind = LookupResult::Kind::found;
        l.ticket_id = rec.value("number", rec.value("sys_id", ""));
        l.ticket_url = record_url(rec.value("sys_id", ""));
        return l;
    }

    DeliveryResult create(const SupportRequest& sr, const CancelToken& cancel) override {
        std::vector<AttachmentData> files;
        if (auto f = read_attachments(sr, &files)) return *f;
        json record = {{"short_description", sr.tagged_subject()},
                       {"description", sr.body()},
                       {"correlation_id", sr.id},
                       {"correlation_display", "fixtray"},
                       {"contact_type", "self-service"}};
        if (!caller_id_.empty()) record["caller_id"] = caller_id_;
        if (!assignment_group_.empty()) record["assignment_group"] = assignment_group_;
        if (!category_.empty()) record["category"] = category_;
        const HttpResponse r =
            send(api_json("POST", "/api/now/table/" + table_ + "?sysparm_fields=sys_id%2Cnumber",
                          record),
                 cancel);
        if (auto f = failure("creating the incident", r, true)) return *f;
        DeliveryResult bad;
        const auto j = answer_json("creating the incident", r, &bad);
        if (!j) return bad;
        const json rec = j->is_object() && j->contains("result") && (*j)["result"].is_object()
                             ? (*j)["result"]
                             : json::object();
        const std::string sys_id = rec.value("sys_id", "");
        const std::string number = rec.value("number", sys_id);
        if (sys_id.empty()) {
            bad.kind = DeliveryResult::Kind::retry;
            bad.maybe_created = true;
            bad.message = describe() + " created an incident but did not say its sys_id";
            return bad;
        }
        for (const auto& a : files) {
            HttpRequest up = api_upload("POST", "/api/now/attachment/file?table_name=" + table_ +
                                                    "&table_sys_id=" + url_encode(sys_id) +
                                                    "&file_name=" + url_encode(a.file_name));
            up.headers.emplace_back("Content-Type", a.mime_type);
            up.body = a.bytes;
            const HttpResponse ur = send(up, cancel);
            if (auto f = failure("uploading " + a.file_name, ur))
                return delivered_without_attachment(number, record_url(sys_id), *f, sr);
        }
        return delivered(number, record_url(sys_id));
    }

private:
    std::string record_url(const std::string& sys_id) const {
        if (sys_id.empty()) return "";
        return base_url() + "/nav_to.do?uri=" + url_encode(table_ + ".do?sys_id=" + sys_id);
    }

    std::string table_;
    std::string caller_id_;
    std::string assignment_group_;
    std::string category_;
};

}  // namespace

Result<std::unique_ptr<TicketBackend>> make_servicenow_backend(const BackendConfig& config,
                                                               HttpClient& http) {
    return build_backend<ServiceNowBackend>(config, http);
}

}  // namespace fixtray
