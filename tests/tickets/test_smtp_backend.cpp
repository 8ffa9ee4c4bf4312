// SmtpBackend against a real mail catcher (MailDev, tests/services/smtp.sh), and its reply
// handling against a scripted SMTP server on 127.0.0.1.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>

#include "base/cancel_token.h"
#include "net/http_client.h"
#include "support/builtin_test_support.h"
#include "support/escalation_test_support.h"
#include "tickets/smtp_backend.h"

using namespace fixtray;
using namespace std::chrono_literals;
using nlohmann::json;
using test::TempDir;
using test::TestService;

namespace {

BackendConfig smtp_config(const std::string& url) {
    BackendConfig c;
    c.type = "smtp";
    c.where = "test.json";
    c.options = {{"smtp_url", url},
                 {"starttls", "off"},
                 {"from", "fixtray@laptop-17.example.com"},
                 {"to", "helpdesk@example.com"},
                 {"timeout", "2"}};
    return c;
}

std::unique_ptr<TicketBackend> backend(const BackendConfig& c) {
    auto b = make_smtp_backend(c);
    INFO(b.message());
    REQUIRE(b);
    return std::move(b).value();
}

std::string config_error(const BackendConfig& c) {
    const auto b = make_smtp_backend(c);
    CHECK_FALSE(b);
    return b.message();
}

HttpResponse http_get(const std::string& url) {
    CurlHttpClient http;
    HttpRequest req;
    req.url = url;
    CancelToken never;
    HttpResponse r = http.send(req, never);
    INFO(url << ": " << r.error);
    REQUIRE(r.ok);
    REQUIRE(r.status == 200);
    return r;
}

// A scripted SMTP server: greets, answers each command with the reply configured for its verb
// (default 250), takes the message text after DATA and answers `after_data`. "stall" as a reply
// means: never answer. One connection at a time, on its own thread.
class ScriptedSmtp {
public:
    std::map<std::string, std::string> replies;  // "RCPT" -> "550 5.1.1 no such user"
    std::string after_data = "250 2.0.0 queued";

    ScriptedSmtp() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
            ::listen(fd_, 4) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
            throw std::runtime_error("cannot listen on 127.0.0.1");
        port_ = ntohs(addr.sin_port);
    }
    ~ScriptedSmtp() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
        ::close(fd_);
    }
    void start() {
        thread_ = std::thread([this] { serve(); });
    }
    std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
    bool got_message_text() const { return got_text_; }

private:
    void serve() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) continue;
            session(c);
            ::close(c);
        }
    }
    bool say(int c, const std::string& reply) {
        if (reply == "stall") {
            while (!stop_) std::this_thread::sleep_for(20ms);
            return false;
        }
        const std::string line = reply + "\r\n";
        return ::send(c, line.data(), line.size(), MSG_NOSIGNAL) == ssize_t(line.size());
    }
    // Reads up to and including `end`; false when the peer closed or the server stops.
    bool read_until(int c, std::string& buf, const std::string& end, std::string* got) {
        while (!stop_) {
            if (auto pos = buf.find(end); pos != std::string::npos) {
                *got = buf.substr(0, pos);
                buf.erase(0, pos + end.size());
                return true;
            }
            pollfd p{c, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            char tmp[4096];
            const ssize_t n = ::recv(c, tmp, sizeof tmp, 0);
            if (n <= 0) return false;
            buf.append(tmp, static_cast<std::size_t>(n));
        }
        return false;
    }
    void session(int c) {
        if (!say(c, replies.count("GREETING") ? replies["GREETING"] : "220 scripted ESMTP")) return;
        std::string buf, line;
        while (read_until(c, buf, "\r\n", &line)) {
            const std::string verb = line.substr(0, line.find_first_of(" :"));
            if (verb == "QUIT") {
                say(c, "221 bye");
                return;
            }
            std::string reply = verb == "DATA" ? "354 go ahead" : "250 ok";
            if (verb == "EHLO") reply = "250 scripted";
            if (auto it = replies.find(verb); it != replies.end()) reply = it->second;
            if (!say(c, reply)) return;
            if (verb == "DATA" && reply.rfind("354", 0) == 0) {
                std::string text;
                if (!read_until(c, buf, "\r\n.\r\n", &text)) return;
                got_text_ = true;
                if (!say(c, after_data)) return;
            }
        }
    }

    int fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<bool> got_text_{false};
    std::thread thread_;
};

}  // namespace

TEST_CASE("SMTP backend: MailDev receives subject, Message-ID, body and the attachment bytes") {
    // Scenario: a request with a binary bundle and a non-ASCII subject is mailed to the help desk.
    TestService maildev("smtp.sh");
    TempDir dir;
    const std::string bundle = test::binary_bytes(100 * 1024);
    const SupportRequest request = test::sample_request(dir.path(), bundle,
                                                        "Drucker \xe2\x80\x9e"
                                                        "B\xc3\xbcro\xe2\x80\x9c druckt nicht");
    CancelToken never;
    auto mail = backend(smtp_config(maildev.env("FIXTRAY_TEST_SMTP_URL")));
    CHECK(mail->find(request, never).kind == LookupResult::Kind::unsupported);

    const DeliveryResult d = mail->create(request, never);
    INFO(d.message);
    REQUIRE(d.kind == DeliveryResult::Kind::delivered);
    CHECK(d.ticket_id == "<" + request.id + "@fixtray>");

    const std::string api = maildev.env("FIXTRAY_TEST_MAILDEV_API");
    const json list = json::parse(http_get(api).body);
    REQUIRE(list.size() == 1);
    const json& m = list[0];
    CHECK(m["subject"] == request.tagged_subject());
    CHECK(m["messageId"] == request.id + "@fixtray");
    CHECK(m["headers"]["x-fixtray-request"] == request.id);
    CHECK(m["headers"]["reply-to"] == "erika@example.com");
    CHECK(m["envelope"]["from"]["address"] == "fixtray@laptop-17.example.com");
    CHECK(m["envelope"]["to"][0]["address"] == "helpdesk@example.com");
    // MailDev's text ends lines with \n; the body has no \r of its own.
    CHECK(m["text"].get<std::string>().find(request.body()) != std::string::npos);
    // The raw mail is readable: the text's lines are lines (CRLF), not one line of "=0A"s.
    const std::string source = http_get(api + "/" + m["id"].get<std::string>() + "/source").body;
    CHECK(source.find("=0A") == std::string::npos);
    CHECK(source.find("Fix remap-printers ran and did not fix it.\r\nverify: printer Office "
                      "not found") != std::string::npos);
    REQUIRE(m["attachments"].is_array());
    REQUIRE(m["attachments"].size() == 1);
    const json& a = m["attachments"][0];
    CHECK(a["fileName"] == "fixtray-diagnostics.tar.gz");
    CHECK(a["contentType"] == "application/gzip");
    const std::string bytes = http_get(api + "/" + m["id"].get<std::string>() + "/attachment/" +
                                       a["generatedFileName"].get<std::string>())
                                  .body;
    CHECK(bytes.size() == bundle.size());
    CHECK(bytes == bundle);
}

TEST_CASE("SMTP backend: nothing listening is a retry, and no mail can exist") {
    // Scenario: the mail relay is down (a closed loopback port).
    TempDir dir;
    CancelToken never;
    auto mail = backend(smtp_config("smtp://127.0.0.1:" + std::to_string(test::closed_port())));
    const DeliveryResult d = mail->create(test::sample_request(dir.path(), "x"), never);
    INFO(d.message);
    CHECK(d.kind == DeliveryResult::Kind::retry);
    CHECK_FALSE(d.maybe_created);
    CHECK(d.message.find("e-mail to helpdesk@example.com via smtp://127.0.0.1:") == 0);
}

TEST_CASE(
    "SMTP backend: a 4xx reply is a retry, a 5xx reply a failure, 535 'credentials refused'") {
    // Scenario: the relay greylists (451), knows no such recipient (550), rejects the login (535).
    TempDir dir;
    CancelToken never;
    {
        ScriptedSmtp server;
        server.replies["RCPT"] = "451 4.7.1 greylisted, try again later";
        server.start();
        const DeliveryResult d = backend(smtp_config(server.url()))
                                     ->create(test::sample_request(dir.path(), "x"), never);
        INFO(d.message);
        CHECK(d.kind == DeliveryResult::Kind::retry);
        CHECK_FALSE(d.maybe_created);
        CHECK(d.message.find("451") != std::string::npos);
    }
    {
        ScriptedSmtp server;
        server.replies["RCPT"] = "550 5.1.1 no such user";
        server.start();
        const DeliveryResult d = backend(smtp_config(server.url()))
                                     ->create(test::sample_request(dir.path(), "x"), never);
        INFO(d.message);
        CHECK(d.kind == DeliveryResult::Kind::failed);
        CHECK(d.message.find("550") != std::string::npos);
    }
    {
        ScriptedSmtp server;
        server.replies["EHLO"] = "250-scripted\r\n250 AUTH PLAIN LOGIN";
        server.replies["AUTH"] = "535 5.7.8 authentication failed";
        server.start();
        BackendConfig c = smtp_config(server.url());
        c.options["user"] = "fixtray";
        c.options["password"] = "wrong";
        const DeliveryResult d = backend(c)->create(test::sample_request(dir.path(), "x"), never);
        INFO(d.message);
        CHECK(d.kind == DeliveryResult::Kind::failed);
        CHECK(d.message.find("credentials refused") != std::string::npos);
    }
}

TEST_CASE("SMTP backend: no answer after the message text is a retry that may have delivered") {
    // Scenario: the relay takes the whole mail and never confirms it within the timeout (2 s).
    TempDir dir;
    CancelToken never;
    ScriptedSmtp server;
    server.after_data = "stall";
    server.start();
    const auto t0 = std::chrono::steady_clock::now();
    const DeliveryResult d =
        backend(smtp_config(server.url()))->create(test::sample_request(dir.path(), "x"), never);
    INFO(d.message);
    CHECK(server.got_message_text());
    CHECK(d.kind == DeliveryResult::Kind::retry);
    CHECK(d.maybe_created);
    CHECK(std::chrono::steady_clock::now() - t0 < 10s);
}

TEST_CASE("SMTP backend: cancel stops a silent server within about 100 ms") {
    // Scenario: the relay accepts the connection and never greets; the employee cancels.
    TempDir dir;
    ScriptedSmtp server;
    server.replies["GREETING"] = "stall";
    server.start();
    BackendConfig c = smtp_config(server.url());
    c.options["timeout"] = "30";
    auto mail = backend(c);
    CancelToken cancel;
    std::thread canceller([&] {
        std::this_thread::sleep_for(200ms);
        cancel.cancel();
    });
    const auto t0 = std::chrono::steady_clock::now();
    const DeliveryResult d = mail->create(test::sample_request(dir.path(), "x"), cancel);
    const auto took = std::chrono::steady_clock::now() - t0;
    canceller.join();
    CHECK(d.kind == DeliveryResult::Kind::retry);
    CHECK_FALSE(d.maybe_created);
    CHECK(d.message.find("cancelled") != std::string::npos);
    CHECK(took < 1s);
}

TEST_CASE("SMTP backend: bad config is refused with the option named") {
    // Scenario: each kind of config mistake a help desk can make.
    BackendConfig c = smtp_config("smtp://mail.example.com:25");
    CHECK(config_error(c).find("escalation.backend.starttls") != std::string::npos);
    c.options["starttls"] = "try";
    CHECK(config_error(c).find("unencrypted") != std::string::npos);
    c.options["starttls"] = "sometimes";
    CHECK(config_error(c).find("not one of required, try, off") != std::string::npos);
    c = smtp_config("http://127.0.0.1:25");
    CHECK(config_error(c).find("escalation.backend.smtp_url") != std::string::npos);
    c = smtp_config("smtp://127.0.0.1:25");
    c.options["from"] = "Fixtray <a@b>\r\nBcc: x@y";
    CHECK(config_error(c).find("escalation.backend.from") != std::string::npos);
    c = smtp_config("smtp://127.0.0.1:25");
    c.options["to"] = "";
    CHECK(config_error(c).find("escalation.backend.to: missing") != std::string::npos);
    c = smtp_config("smtp://127.0.0.1:25");
    c.options["user"] = "fixtray";
    CHECK(config_error(c).find("escalation.backend.password: missing") != std::string::npos);

    // Allowed: TLS anywhere, anything on loopback, several recipients.
    c = smtp_config("smtps://mail.example.com");
    CHECK(make_smtp_backend(c));
    c.options["smtp_url"] = "smtp://mail.example.com:587";
    c.options["starttls"] = "required";
    c.options["to"] = "a@example.com, b@example.com";
    auto b = make_smtp_backend(c);
    INFO(b.message());
    REQUIRE(b);
    CHECK((*b)->describe() ==
          "e-mail to a@example.com, b@example.com via smtp://mail.example.com:587");
}
