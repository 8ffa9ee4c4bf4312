// SmtpBackend: one libcurl easy handle per create(), driven through a private multi handle so the
// cancel token is polled every 50 ms even while the server is silent.
#include "tickets/smtp_backend.h"

#include "tickets/backend_options.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <sstream>

#include "base/base64.h"
#include "base/cancel_token.h"
#include "net/service_url.h"
#include "platform/net_platform.h"
#include "platform/read_file.h"

namespace fixtray {
namespace {

constexpr std::size_t kMaxSubject = 900;  // bytes; a header line may have 998

struct EasyDeleter {
    void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct MultiDeleter {
    void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};
struct MimeDeleter {
    void operator()(curl_mime* m) const { curl_mime_free(m); }
};
struct SlistDeleter {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

bool append(Slist& list, const std::string& line) {
    curl_slist* next = curl_slist_append(list.get(), line.c_str());
    if (!next) return false;
    list.release();
    list.reset(next);
    return true;
}

std::string trim(std::string s) {
    const auto not_space = [](unsigned char c) { return !std::isspace(c); };
    s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
    s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
    return s;
}

// A bare address (local@domain) that cannot break out of a header or an SMTP command.
bool plain_address(const std::string& a) {
    const auto at = a.find('@');
    return at != std::string::npos && at > 0 && at + 1 < a.size() && a.size() <= 254 &&
           std::none_of(a.begin(), a.end(), [](unsigned char c) {
               return c <= ' ' || c >= 127 || c == '<' || c == '>' || c == ',' || c == '"' ||
                      c == '(' || c == ')' || c == ';' || c == '\\';
           });
}

std::vector<std::string> split_addresses(const std::string& list) {
    std::vector<std::string> out;
    std::istringstream in(list);
    for (std::string a; std::getline(in, a, ',');)
        if (a = trim(a); !a.empty()) out.push_back(a);
    return out;
}

bool usable_id(const std::string& id) {
    return !id.empty() && id.size() <= 128 &&
           std::all_of(id.begin(), id.end(), [](unsigned char c) {
               return std::isalnum(c) || c == '-' || c == '.' || c == '_';
           });
}

// RFC 5322 date in UTC: "Tue, 04 Mar 2025 09:05:07 +0000".
std::string mail_date(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto day = floor<std::chrono::days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{floor<seconds>(t - day)};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02ld:%02ld:%02ld +0000",
                  days[weekday{day}.c_encoding()], unsigned(ymd.day()),
                  months[unsigned(ymd.month()) - 1], int(ymd.year()),
                  static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                  static_cast<long>(hms.seconds().count()));
    return buf;
}

// A header value on one line; non-ASCII text as RFC 2047 encoded-words (UTF-8, base64), each
// short enough (<= 75 characters) and never splitting a UTF-8 sequence.
std::string header_text(std::string s) {
    std::replace_if(
        s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == '\t'; }, ' ');
    if (s.size() > kMaxSubject) {
        std::size_t cut = kMaxSubject;
        while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
        s.resize(cut);
    }
    const bool ascii = std::all_of(s.begin(), s.end(), [](unsigned char c) { return c < 127; });
    if (ascii && s.find("=?") == std::string::npos) return s;
    std::string out;
    std::size_t i = 0;
    while (i < s.size()) {
        std::size_t end = std::min(i + 45, s.size());  // 45 bytes -> 60 base64 characters
        while (end < s.size() && end > i && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80)
            --end;
        if (!out.empty()) out += ' ';
        out += "=?UTF-8?B?" + base64_encode(std::string_view(s).substr(i, end - i)) + "?=";
        i = end;
    }
    return out;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<const CancelToken*>(user)->cancelled() ? 1 : 0;
}

// Remembers the connection's socket (one connection per transfer here).
int on_socket(void* user, curl_socket_t socket, curlsocktype) {
    *static_cast<curl_socket_t*>(user) = socket;
    return CURL_SOCKOPT_OK;
}

std::once_flag g_curl_init;

enum class StartTls { required, try_it, off };

struct SmtpSettings {
    std::string url;
    bool implicit_tls = false;  // smtps://
    StartTls starttls = StartTls::required;
    std::string from;
    std::vector<std::string> to;
    std::string user, password;
    std::chrono::seconds timeout{60};
    std::string ca_file;  // option ca_file: an internal CA
};

class SmtpBackend final : public TicketBackend {
public:
    explicit SmtpBackend(SmtpSettings s) : s_(std::move(s)) {}

    std::string describe() const override {
        std::string to;
        for (const auto& a : s_.to) to += (to.empty() ? "" : ", ") + a;
        return "e-mail to " + to + " via " + s_.url;
    }

    LookupResult find(const SupportRequest&, const CancelToken&) override {
        LookupResult r;
        r.kind = LookupResult::Kind::unsupported;
        r.message = describe() + ": SMTP cannot look up a mail sent earlier";
        return r;
    }

    DeliveryResult create(const SupportRequest& request, const CancelToken& cancel) override;

private:
    DeliveryResult outcome(CURL* h, CURLcode rc, const char* errbuf, bool cancelled,
                           const std::string& message_id) const;

    SmtpSettings s_;
};

DeliveryResult SmtpBackend::create(const SupportRequest& request, const CancelToken& cancel) {
    DeliveryResult result;
    result.kind = DeliveryResult::Kind::failed;
    if (!usable_id(request.id)) {
        result.message =
            describe() + ": request id \"" + request.id + "\" cannot be used in a Message-ID";
        return result;
    }
    const std::string message_id = "<" + request.id + "@fixtray>";

    std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
    std::unique_ptr<CURLM, MultiDeleter> multi(curl_multi_init());
    if (!easy || !multi) {
        result.kind = DeliveryResult::Kind::retry;
        result.message = describe() + ": could not initialise libcurl";
        return result;
    }
    CURL* h = easy.get();
    char errbuf[CURL_ERROR_SIZE] = {};

    // The mail: text part, then one base64-encoded part per attachment.
    std::unique_ptr<curl_mime, MimeDeleter> mime(curl_mime_init(h));
    curl_mimepart* text = curl_mime_addpart(mime.get());
    // CRLF line ends: libcurl's quoted-printable encoder keeps only CRLF as a line break and
    // writes a bare LF as "=0A", which leaves the raw mail one unreadable line.
    std::string body;
    for (const char c : request.body()) {
        if (c == '\n' && (body.empty() || body.back() != '\r')) body += '\r';
        body += c;
    }
    curl_mime_data(text, body.data(), body.size());
    curl_mime_type(text, "text/plain; charset=utf-8");
    curl_mime_encoder(text, "quoted-printable");
    for (const auto& a : request.attachments) {
        Result<std::string> read = read_attachment(a);
        if (!read) {
            result.message = describe() + ": " + read.message();
            return result;
        }
        const std::string& bytes = *read;
        curl_mimepart* part = curl_mime_addpart(mime.get());
        curl_mime_data(part, bytes.data(), bytes.size());  // copied by libcurl
        curl_mime_filename(part, a.file_name.c_str());
        curl_mime_type(part,
                       a.mime_type.empty() ? "application/octet-stream" : a.mime_type.c_str());
        curl_mime_encoder(part, "base64");
    }

    Slist headers, recipients;
    std::string to_header;
    for (const auto& a : s_.to) to_header += (to_header.empty() ? "" : ", ") + a;
    bool ok = append(headers, "Date: " + mail_date(request.created)) &&
              append(headers, "From: " + s_.from) && append(headers, "To: " + to_header) &&
              append(headers, "Subject: " + header_text(request.tagged_subject())) &&
              append(headers, "Message-ID: " + message_id) &&
              append(headers, "X-Fixtray-Request: " + request.id);
    // Answers go to the employee when the mail intake honours Reply-To.
    if (ok && plain_address(request.contact.email))
        ok = append(headers, "Reply-To: " + request.contact.email);
    for (const auto& a : s_.to) ok = ok && append(recipients, "<" + a + ">");
    if (!ok) {
        result.kind = DeliveryResult::Kind::retry;
        result.message = describe() + ": out of memory building the mail";
        return result;
    }

    const std::string mail_from = "<" + s_.from + ">";
    const long timeout_s = static_cast<long>(s_.timeout.count());
    curl_easy_setopt(h, CURLOPT_URL, s_.url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_USE_SSL,
                     s_.implicit_tls || s_.starttls == StartTls::required ? CURLUSESSL_ALL
                     : s_.starttls == StartTls::try_it                    ? CURLUSESSL_TRY
                                                                          : CURLUSESSL_NONE);
    if (!s_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, s_.ca_file.c_str());
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, std::min(timeout_s, 10L));
    curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, timeout_s);  // each SMTP reply
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);                 // the DATA upload
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, timeout_s);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10 * timeout_s);  // a bound on a trickling server
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from.c_str());
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());  // the mail's own headers for SMTP
    curl_easy_setopt(h, CURLOPT_MIMEPOST, mime.get());
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &cancel);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_socket_t connection_socket = CURL_SOCKET_BAD;
    curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, on_socket);
    curl_easy_setopt(h, CURLOPT_SOCKOPTDATA, &connection_socket);
    if (!s_.user.empty()) {
        curl_easy_setopt(h, CURLOPT_USERNAME, s_.user.c_str());
        curl_easy_setopt(h, CURLOPT_PASSWORD, s_.password.c_str());
    }

    curl_multi_add_handle(multi.get(), h);
    CURLcode rc = CURLE_OK;
    bool done = false, cancelled = false;
    while (!done) {
        if (cancel.cancelled()) {
            cancelled = true;
            break;
        }
        int running = 0;
        CURLMcode mc = curl_multi_perform(multi.get(), &running);
        if (mc == CURLM_OK && running > 0)
            mc = curl_multi_poll(multi.get(), nullptr, 0, 50, nullptr);
        if (mc != CURLM_OK) {
            curl_multi_remove_handle(multi.get(), h);
            result.kind = DeliveryResult::Kind::retry;
            result.maybe_created = true;
            result.message = describe() + ": " + curl_multi_strerror(mc);
            return result;
        }
        int queued = 0;
        while (CURLMsg* msg = curl_multi_info_read(multi.get(), &queued))
            if (msg->msg == CURLMSG_DONE && msg->easy_handle == h) {
                rc = msg->data.result;
                done = true;
            }
    }
    if (cancelled || rc == CURLE_OPERATION_TIMEDOUT) {
        // Closing a connection makes libcurl send QUIT and wait for the reply (up to a second
        // after a cancel, the whole response timeout after a timeout): a silent server would
        // hold us that long. A shut-down socket ends the wait at once.
        // (CURLINFO_ACTIVESOCKET knows the socket only after a transfer: on_socket kept it.)
        if (connection_socket != CURL_SOCKET_BAD)
            net_platform::shutdown_socket(static_cast<std::uintptr_t>(connection_socket));
    }
    curl_multi_remove_handle(multi.get(), h);
    return outcome(h, rc, errbuf, cancelled || rc == CURLE_ABORTED_BY_CALLBACK, message_id);
}

DeliveryResult SmtpBackend::outcome(CURL* h, CURLcode rc, const char* errbuf, bool cancelled,
                                    const std::string& message_id) const {
    DeliveryResult r;
    long reply = 0;  // the last SMTP reply code
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply);
    // Only after "354 go ahead" has the server the message text; before it, nothing was sent.
    const bool maybe_sent = reply == 354;
    const std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);

    if (!cancelled && rc == CURLE_OK) {
        r.kind = DeliveryResult::Kind::delivered;
        r.ticket_id = message_id;
        r.message = describe() + ": mail accepted, Message-ID " + message_id;
        return r;
    }
    if (cancelled) {
        r.kind = DeliveryResult::Kind::retry;
        r.maybe_created = maybe_sent;
        r.message = describe() + ": cancelled";
        return r;
    }
    if (reply >= 400 && reply < 500) {
        r.kind = DeliveryResult::Kind::retry;  // greylisting, a full queue: the server says later
        r.message = describe() + ": the server answered " + std::to_string(reply) +
                    " (temporary): " + detail;
        return r;
    }
    if (rc == CURLE_LOGIN_DENIED || reply == 535) {
        r.kind = DeliveryResult::Kind::failed;
        r.message = describe() + ": credentials refused (" + detail + ")";
        return r;
    }
    if (reply >= 500) {
        r.kind = DeliveryResult::Kind::failed;
        r.message = describe() + ": the server refused the mail with " + std::to_string(reply) +
                    ": " + detail;
        return r;
    }
    switch (rc) {
        case CURLE_USE_SSL_FAILED:
            r.kind = DeliveryResult::Kind::failed;
            r.message = describe() + ": the server does not offer STARTTLS, which starttls=" +
                        "required demands (" + detail + ")";
            return r;
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_URL_MALFORMAT:
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_NOT_BUILT_IN:
            r.kind = DeliveryResult::Kind::failed;
            r.message = describe() + ": " + detail;
            return r;
        default:
            // Refused, unreachable, timed out, reset: transient. After the whole text went out
            // the mail may have been accepted without us seeing the final reply.
            r.kind = DeliveryResult::Kind::retry;
            r.maybe_created = maybe_sent;
            r.message = describe() + ": " + detail;
            return r;
    }
}

Result<std::string> read_password_file(const BackendConfig& c) {
    const std::string path = c.option("password_file");
    std::string text;
    if (Status read = read_file_bounded(path, 64 * 1024, text); !read)
        return Status::error(c.where + ": escalation.backend.password_file: " + path + ": " +
                             read.message());
    std::string password = trim(text.substr(0, text.find('\n')));
    if (password.empty())
        return Status::error(c.where + ": escalation.backend.password_file: " + path + " is empty");
    return password;
}

}  // namespace

Result<std::unique_ptr<TicketBackend>> make_smtp_backend(const BackendConfig& config) {
    const std::string where = config.where + ": escalation.backend.";
    SmtpSettings s;
    s.url = trim(config.option("smtp_url"));
    if (s.url.empty()) {
        return Status::error(where + "smtp_url: missing (e.g. smtps://mail.example.com:465)");
    }
    const Result<ServiceUrl> parsed = parse_service_url(s.url);
    if (!parsed) {
        return Status::error(where + "smtp_url: \"" + s.url + "\" is " + parsed.message());
    }
    const ServiceUrl& url = *parsed;
    if (url.scheme != "smtp" && url.scheme != "smtps") {
        return Status::error(where + "smtp_url: \"" + s.url +
                             "\" must start with smtp:// or smtps://");
    }
    if (url.has_credentials) {
        return Status::error(where +
                             "smtp_url: put the credentials into user/password, not into the URL");
    }
    s.implicit_tls = url.scheme == "smtps";
    const std::string starttls = config.option("starttls", "required");
    if (starttls == "required")
        s.starttls = StartTls::required;
    else if (starttls == "try")
        s.starttls = StartTls::try_it;
    else if (starttls == "off")
        s.starttls = StartTls::off;
    else {
        return Status::error(where + "starttls: \"" + starttls +
                             "\" is not one of required, try, off");
    }
    if (!s.implicit_tls && s.starttls != StartTls::required && !is_loopback_host(url.host)) {
        return Status::error(
            where + "starttls: \"" + starttls + "\" would send mail to " + url.host +
            " unencrypted; use starttls=required or smtps:// (plain SMTP is accepted only "
            "for a relay on 127.0.0.1/localhost)");
    }

    s.from = trim(config.option("from"));
    if (!plain_address(s.from)) {
        return Status::error(where + "from: " +
                             (s.from.empty() ? std::string("missing")
                                             : "\"" + s.from +
                                                   "\" is not a plain address like "
                                                   "fixtray@example.com"));
    }
    Result<std::string> ca_file = backend_ca_file(config);
    if (!ca_file) return ca_file.status();
    s.ca_file = std::move(ca_file).value();
    s.to = split_addresses(config.option("to"));
    if (s.to.empty()) {
        return Status::error(where + "to: missing (the help desk's address)");
    }
    for (const auto& a : s.to)
        if (!plain_address(a)) {
            return Status::error(where + "to: \"" + a +
                                 "\" is not a plain address like helpdesk@example.com");
        }

    s.user = config.option("user");
    if (!s.user.empty()) {
        s.password = config.option("password");
        if (s.password.empty()) {
            if (config.option("password_file").empty()) {
                return Status::error(where + "password: missing (user \"" + s.user +
                                     "\" needs password or password_file)");
            }
            Result<std::string> read = read_password_file(config);
            if (!read) return read.status();
            s.password = std::move(read).value();
        }
    }

    if (const std::string t = config.option("timeout"); !t.empty()) {
        try {
            std::size_t used = 0;
            const long v = std::stol(t, &used);
            if (used != t.size() || v < 1 || v > 3600) throw std::out_of_range(t);
            s.timeout = std::chrono::seconds(v);
        } catch (const std::exception&) {
            return Status::error(where + "timeout: \"" + t +
                                 "\" is not a number of seconds between 1 and 3600");
        }
    }
    std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    return std::make_unique<SmtpBackend>(std::move(s));
}

}  // namespace fixtray
