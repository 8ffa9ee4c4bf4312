// RtBackend: POST /REST/2.0/ticket to create, GET /REST/2.0/tickets?query= to look up.
#include "tickets/rt_backend.h"

#include "tickets/backend_options.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "net/http_client.h"
#include "net/http_retry_after.h"
#include "net/service_url.h"
#include "net/url_encode.h"
#include "platform/read_file.h"

namespace fixtray {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxSecretFile = 64 * 1024;
constexpr std::size_t kMaxErrorText = 300;

std::string trim(std::string s) {
    const auto not_space = [](unsigned char c) { return !std::isspace(c); };
    s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
    s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
    return s;
}

// A TicketSQL string literal: single quotes, with ' and \ escaped.
std::string ticketsql_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'' || c == '\\') out += '\\';
        out += c;
    }
    return out + "'";
}

// RT's REST 2 errors are {"message":"..."}; anything else is shown shortened, on one line.
std::string server_text(const HttpResponse& r) {
    std::string text;
    try {
        const json j = json::parse(r.body);
        if (j.is_object() && j.contains("message") && j["message"].is_string())
            text = j["message"].get<std::string>();
    } catch (const json::exception&) {
    }
    if (text.empty()) text = r.body;
    std::replace_if(
        text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
    text = trim(text);
    if (text.size() > kMaxErrorText) text = text.substr(0, kMaxErrorText) + "...";
    return text;
}

std::optional<long> json_id(const json& v) {
    if (v.is_number_integer()) return v.get<long>();
    if (v.is_string()) {
        const std::string s = v.get<std::string>();
        if (!s.empty() && s.size() < 19 &&
            std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); }))
            return std::stol(s);
    }
    return std::nullopt;
}

class RtBackend final : public TicketBackend {
public:
    RtBackend(HttpClient& http, std::string base, std::string queue, std::string authorization,
              std::chrono::seconds timeout, std::string ca_file)
        : http_(http),
          base_(std::move(base)),
          queue_(std::move(queue)),
          authorization_(std::move(authorization)),
          timeout_(timeout),
          ca_file_(std::move(ca_file)) {}

    std::string describe() const override { return "Request Tracker at " + base_; }

    LookupResult find(const SupportRequest& request, const CancelToken& cancel) override {
        LookupResult result;
        // LIKE matches a substring, case-insensitively: the subjects are checked exactly below.
        const std::string tag = request.correlation_tag();
        const std::string query = "Subject LIKE " + ticketsql_quote("fixtray:" + request.id);
        HttpRequest req = make_request("GET", "/REST/2.0/tickets?query=" + url_encode(query) +
                                                  "&fields=Subject&orderby=id&order=ASC");
        const HttpResponse r = http_.send(req, cancel);
        if (!r.ok) {
            result.kind = LookupResult::Kind::error;
            result.message = describe() + ": ticket search failed: " + r.error;
            return result;
        }
        if (r.status != 200) {
            result.kind = LookupResult::Kind::error;
            result.message = status_message("ticket search", r);
            return result;
        }
        try {
            const json j = json::parse(r.body);
            for (const auto& item : j.at("items")) {
                const auto id = json_id(item.at("id"));
                const std::string subject = item.value("Subject", "");
                if (!id || subject.find(tag) == std::string::npos) continue;
                result.kind = LookupResult::Kind::found;
                result.ticket_id = std::to_string(*id);
                result.ticket_url = ticket_url(*id);
                return result;
            }
        } catch (const json::exception& e) {
            result.kind = LookupResult::Kind::error;
            result.message = describe() + ": unexpected answer to the ticket search (" +
                             std::string(e.what()) + ")";
            return result;
        }
        result.kind = LookupResult::Kind::not_found;
        return result;
    }

    DeliveryResult create(const SupportRequest& request, const CancelToken& cancel) override {
        DeliveryResult result;
        json ticket = {{"Queue", queue_},
                       {"Subject", request.tagged_subject()},
                       {"Content", request.body()},
                       {"ContentType", "text/plain"}};
        if (!request.contact.email.empty()) ticket["Requestor"] = request.contact.email;
        json attachments = json::array();
        for (const auto& a : request.attachments) {
            Result<std::string> read = read_attachment(a);
            if (!read) {
                result.kind = DeliveryResult::Kind::failed;
                result.message = describe() + ": " + read.message();
                return result;
            }
            const std::string& bytes = *read;
            attachments.push_back(
                {{"FileName", a.file_name},
                 {"FileType", a.mime_type.empty() ? "application/octet-stream" : a.mime_type},
                 {"FileContent", base64_encode(bytes)}});
        }
        if (!attachments.empty()) ticket["Attachments"] = std::move(attachments);

        HttpRequest req = make_request("POST", "/REST/2.0/ticket");
        req.headers.emplace_back("Content-Type", "application/json");
        // Invalid UTF-8 in a description (a step's raw output) must not make the request
        // unsendable.
        req.body = ticket.dump(-1, ' ', false, json::error_handler_t::replace);
        const HttpResponse r = http_.send(req, cancel);

        if (!r.ok) {
            result.kind = DeliveryResult::Kind::retry;
            result.maybe_created = r.request_sent;
            result.message = describe() + ": " + (r.cancelled ? "cancelled" : r.error);
            return result;
        }
        result.kind = classify_http_status(r.status);
        if (result.kind == DeliveryResult::Kind::delivered) {
            std::optional<long> id;
            try {
                const json j = json::parse(r.body);
                if (j.is_object() && j.contains("id")) id = json_id(j["id"]);
            } catch (const json::exception&) {
            }
            if (!id) {
                // Created, most likely, but we cannot tell which ticket: look it up next time.
                result.kind = DeliveryResult::Kind::retry;
                result.maybe_created = true;
                result.message = describe() + ": HTTP " + std::to_string(r.status) +
                                 " without a ticket id in the answer";
                return result;
            }
            result.ticket_id = std::to_string(*id);
            result.ticket_url = ticket_url(*id);
            result.message = describe() + ": ticket " + result.ticket_id + " created";
            return result;
        }
        if (auto it = r.headers.find("retry-after"); it != r.headers.end())
            result.retry_after = parse_retry_after(it->second, std::chrono::system_clock::now());
        result.message = status_message("creating the ticket", r);
        return result;
    }

private:
    HttpRequest make_request(const std::string& method, const std::string& path) const {
        HttpRequest req;
        req.method = method;
        req.url = base_ + path;
        req.headers.emplace_back("Accept", "application/json");
        req.headers.emplace_back("Authorization", authorization_);
        req.connect_timeout =
            std::min<std::chrono::milliseconds>(timeout_, std::chrono::seconds(10));
        req.timeout = timeout_;
        req.max_body = 4 * 1024 * 1024;
        req.follow_redirects = false;  // the Authorization header must not travel elsewhere
        req.ca_file = ca_file_;
        return req;
    }

    std::string ticket_url(long id) const {
        return base_ + "/Ticket/Display.html?id=" + std::to_string(id);
    }

    std::string status_message(const std::string& what, const HttpResponse& r) const {
        std::string m = describe() + ": " + what + ": HTTP " + std::to_string(r.status);
        if (r.status == 401)
            m += ", credentials refused (check the token, or the user and password)";
        else if (r.status == 403)
            // RT answers 403 both for a queue that does not exist and for missing rights.
            m += ", not allowed (check that queue \"" + queue_ +
                 "\" exists and the user has CreateTicket, SeeQueue and ShowTicket on it)";
        else if (r.status >= 300 && r.status < 400)
            m += ", redirected to " +
                 (r.headers.count("location") ? r.headers.at("location") : std::string("?")) +
                 " (check the url option)";
        const std::string text = server_text(r);
        if (!text.empty()) m += ": " + text;
        return m;
    }

    HttpClient& http_;
    std::string base_;
    std::string queue_;
    std::string authorization_;
    std::chrono::seconds timeout_;
    std::string ca_file_;
};

// Reads a credential from a file (first line, surrounding whitespace removed).
Result<std::string> read_secret(const BackendConfig& c, const std::string& key) {
    const std::string path = c.option(key);
    std::string text;
    if (Status read = read_file_bounded(path, kMaxSecretFile, text); !read)
        return Status::error(c.where + ": escalation.backend." + key + ": " + path + ": " +
                             read.message());
    if (text.size() > kMaxSecretFile)
        return Status::error(c.where + ": escalation.backend." + key + ": " + path +
                             " is too large");
    std::string secret = trim(text.substr(0, text.find('\n')));
    if (secret.empty())
        return Status::error(c.where + ": escalation.backend." + key + ": " + path + " is empty");
    return secret;
}

}  // namespace

Result<std::unique_ptr<TicketBackend>> make_rt_backend(const BackendConfig& config,
                                                       HttpClient& http) {
    const std::string where = config.where + ": escalation.backend.";
    std::string base = trim(config.option("url"));
    if (base.empty()) {
        return Status::error(
            where + "url: missing (the Request Tracker address, e.g. https://rt.example.com)");
    }
    while (!base.empty() && base.back() == '/') base.pop_back();
    const Result<ServiceUrl> parsed = parse_service_url(base);
    if (!parsed) {
        return Status::error(where + "url: \"" + base + "\" is " + parsed.message());
    }
    const ServiceUrl& url = *parsed;
    if (url.scheme != "https" && url.scheme != "http") {
        return Status::error(where + "url: \"" + base + "\" must start with https://");
    }
    if (url.scheme == "http" && !is_loopback_host(url.host)) {
        return Status::error(
            where + "url: \"" + base +
            "\" uses plain http to another machine: the credentials would travel "
            "unencrypted; use https:// (plain http is accepted only for 127.0.0.1/localhost)");
    }
    if (url.has_credentials) {
        return Status::error(
            where + "url: put the credentials into user/password or token, not into the URL");
    }
    if (base.find_first_of("?#") != std::string::npos) {
        return Status::error(where + "url: \"" + base + "\" must be a base address without ? or #");
    }

    std::string authorization;
    const bool has_token = !config.option("token").empty() || !config.option("token_file").empty();
    const bool has_user = !config.option("user").empty();
    if (has_token && has_user) {
        return Status::error(where + "token and user are both set: use one way to sign in");
    }
    if (has_token) {
        std::string token = config.option("token");
        if (token.empty()) {
            Result<std::string> read = read_secret(config, "token_file");
            if (!read) return read.status();
            token = std::move(read).value();
        }
        authorization = "token " + trim(token);
    } else if (has_user) {
        std::string password = config.option("password");
        if (password.empty()) {
            if (config.option("password_file").empty()) {
                return Status::error(where + "password: missing (user \"" + config.option("user") +
                                     "\" needs password or password_file)");
            }
            Result<std::string> read = read_secret(config, "password_file");
            if (!read) return read.status();
            password = std::move(read).value();
        }
        authorization = "Basic " + base64_encode(config.option("user") + ":" + password);
    } else {
        return Status::error(where +
                             "token: missing (set token or token_file, or user and password)");
    }

    long timeout_s = 60;
    if (const std::string t = config.option("timeout"); !t.empty()) {
        try {
            std::size_t used = 0;
            timeout_s = std::stol(t, &used);
            if (used != t.size() || timeout_s < 1 || timeout_s > 3600) throw std::out_of_range(t);
        } catch (const std::exception&) {
            return Status::error(where + "timeout: \"" + t +
                                 "\" is not a number of seconds between 1 and 3600");
        }
    }
    std::string queue = config.option("queue", "General");
    if (queue.empty()) queue = "General";
    Result<std::string> ca_file = backend_ca_file(config);
    if (!ca_file) return ca_file.status();
    return std::make_unique<RtBackend>(http, std::move(base), std::move(queue),
                                       std::move(authorization), std::chrono::seconds(timeout_s),
                                       std::move(ca_file).value());
}

}  // namespace fixtray
