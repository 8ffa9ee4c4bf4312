// Jira Service Management (servicedeskapi): each file to attachTemporaryFile (multipart "file",
// X-Atlassian-Token: no-check), then POST request, then attach the temporary files to it.
// find() lists the caller's own requests with searchTerm (works for a customer account).
#include <nlohmann/json.hpp>

#include "tickets/http_delivery.h"
#include "tickets/http_preset_backend.h"

namespace fixtray {
namespace {

using nlohmann::json;

class JiraBackend final : public HttpPresetBackend {
public:
    JiraBackend(BackendOptions& o, HttpClient& http)
        : HttpPresetBackend("Jira Service Management", o, http),
          service_desk_id_(o.required("service_desk_id")),
          request_type_id_(o.required("request_type_id")) {
        // Cloud: account e-mail + API token (Basic). Data Center: a personal access token
        // (Bearer) or user + password.
        const std::string user = o.optional("user");
        const std::string token = o.secret("token", false);
        const std::string password = o.secret("password", false);
        if (!user.empty() && !token.empty())
            auth_headers_ = {{"Authorization", basic_auth(user, token)}};
        else if (!user.empty() && !password.empty())
            auth_headers_ = {{"Authorization", basic_auth(user, password)}};
        else if (user.empty() && !token.empty())
            auth_headers_ = {{"Authorization", "Bearer " + token}};
        else
            o.fail(
                "jira needs \"user\" with \"token\" (Cloud API token) or \"password\", or a "
                "personal access token in \"token\" alone");
    }

    LookupResult find(const SupportRequest& sr, const CancelToken& cancel) override {
        const HttpResponse r =
            send(api_request("GET", "/rest/servicedeskapi/request?searchTerm=" + url_encode(sr.id) +
                                        "&requestStatus=ALL_REQUESTS&serviceDeskId=" +
                                        url_encode(service_desk_id_) + "&limit=50"),
                 cancel);
        if (auto f = lookup_failure("searching for the request", r)) return *f;
        const json j = json::parse(r.body, nullptr, false);
        LookupResult l;
        l.kind = LookupResult::Kind::not_found;
        if (!j.is_object() || !j.contains("values") || !j["values"].is_array()) return l;
        for (const auto& v : j["values"]) {
            if (!v.is_object() || summary_of(v).find(sr.correlation_tag()) == std::string::npos)
                continue;
            l.kind = LookupResult::Kind::found;
            l.ticket_id = v.value("issueKey", "");
            l.ticket_url = web_link(v);
            return l;
        }
        return l;
    }

    DeliveryResult create(const SupportRequest& sr, const CancelToken& cancel) override {
        std::vector<AttachmentData> files;
        if (auto f = read_attachments(sr, &files)) return *f;

        json temporary_ids = json::array();
        for (const auto& a : files) {
            HttpRequest up =
                api_upload("POST", "/rest/servicedeskapi/servicedesk/" +
                                       url_encode(service_desk_id_) + "/attachTemporaryFile");
            up.headers.emplace_back("X-Atlassian-Token", "no-check");
            up.headers.emplace_back("X-ExperimentalApi", "opt-in");
            up.form = {{"file", a.file_name, a.mime_type, a.bytes}};
            const std::string what = "uploading " + a.file_name;
            const HttpResponse r = send(up, cancel);
            if (auto f = failure(what, r)) return *f;
            DeliveryResult bad;
            const auto j = answer_json(what, r, &bad);
            if (!j) return bad;
            if (j->is_object() && j->contains("temporaryAttachments"))
                for (const auto& t : (*j)["temporaryAttachments"])
                    if (t.is_object() && t.contains("temporaryAttachmentId"))
                        temporary_ids.push_back(json_id(t["temporaryAttachmentId"]));
        }

        const json body = {
            {"serviceDeskId", service_desk_id_},
            {"requestTypeId", request_type_id_},
            {"requestFieldValues", {{"summary", sr.tagged_subject()}, {"description", sr.body()}}}};
        const HttpResponse r = send(api_json("POST", "/rest/servicedeskapi/request", body), cancel);
        if (auto f = failure("creating the request", r, true)) return *f;
        DeliveryResult bad;
        const auto j = answer_json("creating the request", r, &bad);
        if (!j) return bad;
        const std::string key = j->is_object() ? j->value("issueKey", "") : "";
        const std::string url = j->is_object() ? web_link(*j) : "";
        if (key.empty()) {
            bad.kind = DeliveryResult::Kind::retry;
            bad.maybe_created = true;
            bad.message = describe() + " created a request but did not say its key";
            return bad;
        }
        if (temporary_ids.empty()) return delivered(key, url);

        const json attach = {{"temporaryAttachmentIds", temporary_ids}, {"public", true}};
        const HttpResponse ar =
            send(api_json("POST", "/rest/servicedeskapi/request/" + url_encode(key) + "/attachment",
                          attach),
                 cancel);
        if (auto f = failure("attaching the diagnostics", ar))
            return delivered_without_attachment(key, url, *f, sr);
        return delivered(key, url);
    }

private:
    static std::string summary_of(const json& v) {
        if (!v.contains("requestFieldValues") || !v["requestFieldValues"].is_array()) return "";
        for (const auto& f : v["requestFieldValues"])
            if (f.is_object() && f.value("fieldId", "") == "summary" && f.contains("value") &&
                f["value"].is_string())
                return f["value"].get<std::string>();
        return "";
    }
    static std::string web_link(const json& v) {
        if (v.contains("_links") && v["_links"].is_object()) return v["_links"].value("web", "");
        return "";
    }

    std::string service_desk_id_;
    std::string request_type_id_;
};

}  // namespace

Result<std::unique_ptr<TicketBackend>> make_jira_backend(const BackendConfig& config,
                                                         HttpClient& http) {
    return build_backend<JiraBackend>(config, http);
}

}  // namespace fixtray
