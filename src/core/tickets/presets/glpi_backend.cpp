// GLPI (legacy REST API, apirest.php): initSession, POST Ticket/, one multipart POST Document/
// per file linked to the ticket, and always killSession once a session was opened.
#include <nlohmann/json.hpp>

#include "base/cancel_token.h"
#include "tickets/http_delivery.h"
#include "tickets/http_preset_backend.h"

namespace fixtray {
namespace {

using nlohmann::json;

class GlpiBackend final : public HttpPresetBackend {
public:
    GlpiBackend(BackendOptions& o, HttpClient& http)
        : HttpPresetBackend("GLPI", o, http),
          user_token_(o.secret("user_token")),
          app_token_(o.secret("app_token", false)),
          ticket_type_(o.optional("ticket_type", "1")),
          category_id_(o.optional("category_id")),
          entity_id_(o.optional("entity_id")) {
        if (ticket_type_ != "1" && ticket_type_ != "2")
            o.fail("\"ticket_type\" must be 1 (incident) or 2 (request): " + ticket_type_);
        if (!app_token_.empty()) auth_headers_ = {{"App-Token", app_token_}};
    }

    LookupResult find(const SupportRequest& sr, const CancelToken& cancel) override {
        Session s(*this, cancel);
        if (!s.open()) {
            LookupResult l;
            l.kind = LookupResult::Kind::error;
            l.message = s.error.message;
            return l;
        }
        // Field 1 is the ticket's name (title), field 2 its id.
        const std::string path = "/search/Ticket?" + url_encode("criteria[0][field]") + "=1&" +
                                 url_encode("criteria[0][searchtype]") + "=contains&" +
                                 url_encode("criteria[0][value]") + "=" +
                                 url_encode(sr.correlation_tag()) + "&" +
                                 url_encode("forcedisplay[0]") + "=2";
        const HttpResponse r = send(s.with_session(api_request("GET", path)), cancel);
        if (auto f = lookup_failure("searching for the ticket", r)) return *f;
        const json j = json::parse(r.body, nullptr, false);
        LookupResult l;
        l.kind = LookupResult::Kind::not_found;
        if (!j.is_object() || !j.contains("data") || !j["data"].is_array()) return l;
        for (const auto& row : j["data"]) {
            if (!row.is_object()) continue;
            const auto name = row.find("1");
            if (name == row.end() || !name->is_string() ||
                name->get<std::string>().find(sr.correlation_tag()) == std::string::npos)
                continue;
            const std::string id = row.contains("2") ? json_id(row["2"]) : "";
            if (id.empty()) continue;
            l.kind = LookupResult::Kind::found;
            l.ticket_id = id;
            l.ticket_url = ticket_url(id);
            return l;
        }
        return l;
    }

    DeliveryResult create(const SupportRequest& sr, const CancelToken& cancel) override {
        std::vector<AttachmentData> files;
        if (auto f = read_attachments(sr, &files)) return *f;
        Session s(*this, cancel);
        if (!s.open()) return s.error;

        json input = {{"name", sr.tagged_subject()},
                      {"content", text_to_html(sr.body())},
                      {"type", std::stoi(ticket_type_)}};
        if (!category_id_.empty()) input["itilcategories_id"] = category_id_;
        if (!entity_id_.empty()) input["entities_id"] = entity_id_;
        const HttpResponse r =
            send(s.with_session(api_json("POST", "/Ticket/", {{"input", input}})), cancel);
        if (auto f = failure("creating the ticket", r, true)) return *f;
        DeliveryResult bad;
        const auto j = answer_json("creating the ticket", r, &bad);
        if (!j) return bad;
        const std::string id = j->is_object() && j->contains("id") ? json_id((*j)["id"]) : "";
        if (id.empty()) {
            bad.kind = DeliveryResult::Kind::retry;
            bad.maybe_created = true;
            bad.message = describe() + " created a ticket but did not say its id";
            return bad;
        }

        for (const auto& a : files) {
            // The manifest names the file part and links the new document to the ticket.
            const json manifest = {{"input",
                                    {{"name", a.file_name},
                                     {"_filename", json::array({a.file_name})},
                                     {"itemtype", "Ticket"},
                                     {"items_id", std::stoll(id)}}}};
            HttpRequest up = s.with_session(api_upload("POST", "/Document/"));
            up.form = {{"uploadManifest", "", "application/json", manifest.dump()},
                       {"filename[0]", a.file_name, a.mime_type, a.bytes}};
            const HttpResponse ur = send(up, cancel);
            if (auto f = failure("uploading " + a.file_name, ur))
                return delivered_without_attachment(id, ticket_url(id), *f, sr);
        }
        return delivered(id, ticket_url(id));
    }

private:
    // One API session: opened by open(), always closed by the destructor.
    struct Session {
        GlpiBackend& b;
        const CancelToken& cancel;
        std::string token;
        DeliveryResult error;

        Session(GlpiBackend& backend, const CancelToken& c) : b(backend), cancel(c) {}
        Session(const Session&) = delete;
        Session& operator=(const Session&) = delete;
        ~Session() {
            if (token.empty()) return;
            // Not cancellable: a cancelled run must still end its session on the server.
            CancelToken never;
            HttpRequest kill = with_session(b.api_request("GET", "/killSession"));
            kill.timeout = std::min(kill.timeout, std::chrono::milliseconds(10'000));
            b.send(kill, never);
        }

        bool open() {
            HttpRequest init = b.api_request("GET", "/initSession");
            init.headers.emplace_back("Authorization", "user_token " + b.user_token_);
            init.headers.emplace_back("Content-Type", "application/json");
            const HttpResponse r = b.send(init, cancel);
            if (auto f = b.failure("opening a session", r)) {
                error = *f;
                return false;
            }
            if (!b.answer_json("opening a session", r, &error)) return false;
            const json j = json::parse(r.body);
            if (j.is_object() && j.contains("session_token") && j["session_token"].is_string())
                token = j["session_token"].get<std::string>();
            if (token.empty()) {
                error.kind = DeliveryResult::Kind::retry;
                error.message = b.describe() + " opened no session (no session_token)";
                return false;
            }
            return true;
        }

        HttpRequest with_session(HttpRequest r) const {
            r.headers.emplace_back("Session-Token", token);
            return r;
        }
    };

    std::string ticket_url(const std::string& id) const {
        // The API lives at <glpi>/apirest.php; the ticket form is beside it.
        std::string root = base_url();
        if (const auto p = root.rfind("/apirest.php"); p != std::string::npos) root.resize(p);
        return root + "/front/ticket.form.php?id=" + id;
    }

    std::string user_token_;
    std::string app_token_;
    std::string ticket_type_;
    std::string category_id_;
    std::string entity_id_;
};

}  // namespace

Result<std::unique_ptr<TicketBackend>> make_glpi_backend(const BackendConfig& config,
                                                         HttpClient& http) {
    return build_backend<GlpiBackend>(config, http);
}

}  // namespace fixtray
