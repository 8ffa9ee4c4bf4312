// RtBackend against a real Request Tracker 5 (tests/services/rt.sh), and its transport and
// config handling against a closed port and LocalHttpServer.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/base64.h"
#include "base/cancel_token.h"
#include "net/http_client.h"
#include "net/http_retry_after.h"
#include "support/builtin_test_support.h"
#include "support/escalation_test_support.h"
#include "tickets/rt_backend.h"

using namespace fixtray;
using namespace std::chrono_literals;
using nlohmann::json;
using test::HttpReply;
using test::LocalHttpServer;
using test::TempDir;
using test::TestService;

namespace {

// The RT a test talks to: the one FIXTRAY_TEST_RT_URL names (shared: tickets are told apart by
// their correlation ids), else a private one started for this test.
class Rt {
public:
    Rt() {
        if (const char* url = std::getenv("FIXTRAY_TEST_RT_URL"); url && *url) {
            url_ = url;
            return;
        }
        service_ = std::make_unique<TestService>("rt.sh");
        url_ = service_->env("FIXTRAY_TEST_RT_URL");
    }
    const std::string& url() const { return url_; }

    // The least-privileged user rt.sh sets up (CreateTicket, SeeQueue, ShowTicket on General).
    BackendConfig config(const std::string& queue = "General",
                         const std::string& password = "fixtray-pass") const {
        BackendConfig c;
        c.type = "rt";
        c.where = "test.json";
        c.options = {{"url", url_}, {"queue", queue}, {"user", "fixtray"}, {"password", password}};
        return c;
    }

    // GET as RT's administrator, to check what the backend created.
    json admin_get(const std::string& path) const {
        CurlHttpClient http;
        HttpRequest req;
        req.url = path.rfind("http", 0) == 0 ? path : url_ + path;
        req.headers = {{"Authorization", "Basic " + base64_encode("root:password")}};
        CancelToken never;
        const HttpResponse r = http.send(req, never);
        INFO(req.url << ": " << r.error << " " << r.body);
        REQUIRE(r.ok);
        REQUIRE(r.status == 200);
        return json::parse(r.body);
    }

private:
    std::unique_ptr<TestService> service_;
    std::string url_;
};

// RT sends ids as strings ("1") in some places and numbers in others.
std::string id_of(const json& v) {
    return v.is_string() ? v.get<std::string>() : v.dump();
}

std::unique_ptr<TicketBackend> backend(const BackendConfig& c, HttpClient& http) {
    auto b = make_rt_backend(c, http);
    INFO(b.message());
    REQUIRE(b);
    return std::move(b).value();
}

BackendConfig local_config(const std::string& url) {
    BackendConfig c;
    c.type = "rt";
    c.where = "test.json";
    c.options = {{"url", url}, {"token", "t0ken"}, {"timeout", "2"}};
    return c;
}

std::string config_error(const BackendConfig& c) {
    CurlHttpClient http;
    const auto b = make_rt_backend(c, http);
    CHECK_FALSE(b);
    return b.message();
}

LocalHttpServer::Handler answering(int status, std::string body,
                                   std::vector<std::pair<std::string, std::string>> headers = {}) {
    return [=](const std::string&) {
        HttpReply r;
        r.status = status;
        r.body = body;
        r.headers = headers;
        return r;
    };
}

}  // namespace

TEST_CASE(
    "RT backend: the ticket lands in the queue with tag, body and attachment, and find() sees it") {
    // Scenario: a least-privileged user files a request with a binary bundle and finds it again.
    Rt rt;
    TempDir dir;
    const std::string bundle = test::binary_bytes(100 * 1024);
    const SupportRequest request = test::sample_request(dir.path(), bundle);
    CurlHttpClient http;
    CancelToken never;
    auto rt_backend = backend(rt.config(), http);
    CHECK(rt_backend->describe() == "Request Tracker at " + rt.url());

    const DeliveryResult d = rt_backend->create(request, never);
    INFO(d.message);
    REQUIRE(d.kind == DeliveryResult::Kind::delivered);
    CHECK_FALSE(d.ticket_id.empty());
    CHECK(d.ticket_url == rt.url() + "/Ticket/Display.html?id=" + d.ticket_id);

    const json ticket = rt.admin_get("/REST/2.0/ticket/" + d.ticket_id);
    CHECK(ticket["Subject"] == request.tagged_subject());
    CHECK(id_of(ticket["Queue"]["id"]) == id_of(rt.admin_get("/REST/2.0/queue/General")["id"]));
    bool requestor_set = false;
    for (const auto& r : ticket["Requestor"]) requestor_set |= r["id"] == "erika@example.com";
    CHECK(requestor_set);

    // Every attachment of the ticket, fetched one by one: REST 2 gives Content in base64 there.
    const json list = rt.admin_get("/REST/2.0/ticket/" + d.ticket_id + "/attachments?per_page=50");
    std::optional<std::string> bundle_back;
    bool body_found = false;
    for (const auto& item : list["items"]) {
        json a = rt.admin_get(item["_url"].get<std::string>());  // [] on a missing key: null
        if (!a["Content"].is_string()) continue;                 // multipart containers have none
        const auto content = base64_decode(a["Content"].get<std::string>());
        REQUIRE(content);
        if (a["Filename"] == "fixtray-diagnostics.tar.gz") {
            CHECK(a["ContentType"] == "application/gzip");
            bundle_back = *content;
        }
        if (a["ContentType"] == "text/plain" && *content == request.body()) body_found = true;
    }
    REQUIRE(bundle_back);
    CHECK(bundle_back->size() == bundle.size());
    CHECK(*bundle_back == bundle);
    CHECK(body_found);

    const LookupResult found = rt_backend->find(request, never);
    INFO(found.message);
    CHECK(found.kind == LookupResult::Kind::found);
    CHECK(found.ticket_id == d.ticket_id);
    CHECK(found.ticket_url == d.ticket_url);

    SupportRequest other = request;
    other.id = test::random_request_id();
    CHECK(rt_backend->find(other, never).kind == LookupResult::Kind::not_found);
}

TEST_CASE("RT backend: a wrong password fails with 'credentials refused'") {
    // Scenario: the configured password is wrong; retrying cannot help.
    Rt rt;
    TempDir dir;
    CurlHttpClient http;
    CancelToken never;
    auto rt_backend = backend(rt.config("General", "not-the-password"), http);
    const DeliveryResult d = rt_backend->create(test::sample_request(dir.path(), "x"), never);
    INFO(d.message);
    CHECK(d.kind == DeliveryResult::Kind::failed);
    CHECK(d.message.find("credentials refused") != std::string::npos);
    CHECK(d.message.find(rt.url()) != std::string::npos);
    CHECK(d.message.find("401") != std::string::npos);
    CHECK(rt_backend->find(test::sample_request(dir.path(), "x"), never).kind ==
          LookupResult::Kind::error);
}

TEST_CASE("RT backend: an unknown queue fails with RT's own message") {
    // Scenario: the config names a queue RT does not have (RT answers 403 for it).
    Rt rt;
    TempDir dir;
    CurlHttpClient http;
    CancelToken never;
    auto rt_backend = backend(rt.config("No Such Queue"), http);
    const DeliveryResult d = rt_backend->create(test::sample_request(dir.path(), "x"), never);
    INFO(d.message);
    CHECK(d.kind == DeliveryResult::Kind::failed);
    CHECK(d.message.find(rt.url()) != std::string::npos);
    CHECK(d.message.find("No permission to create tickets in the queue 'No Such Queue'") !=
          std::string::npos);
    CHECK(d.message.find("credentials refused") == std::string::npos);
}

TEST_CASE("RT backend: nothing listening is a retry, and the ticket cannot exist") {
    // Scenario: the RT server is down (a closed loopback port).
    TempDir dir;
    CurlHttpClient http;
    CancelToken never;
    auto rt_backend =
        backend(local_config("http://127.0.0.1:" + std::to_string(test::closed_port())), http);
    const DeliveryResult d = rt_backend->create(test::sample_request(dir.path(), "x"), never);
    INFO(d.message);
    CHECK(d.kind == DeliveryResult::Kind::retry);
    CHECK_FALSE(d.maybe_created);
    CHECK(d.message.find("Request Tracker at http://127.0.0.1:") == 0);
}

TEST_CASE(
    "RT backend: a server that takes the request and stalls is a retry that may have created") {
    // Scenario: RT receives the POST and never answers within the timeout (2 s).
    LocalHttpServer server([](const std::string&) {
        HttpReply r;
        r.stall = true;
        return r;
    });
    TempDir dir;
    CurlHttpClient http;
    CancelToken never;
    auto rt_backend = backend(local_config(server.url("")), http);
    const auto t0 = std::chrono::steady_clock::now();
    const DeliveryResult d = rt_backend->create(test::sample_request(dir.path(), "x"), never);
    INFO(d.message);
    CHECK(d.kind == DeliveryResult::Kind::retry);
    CHECK(d.maybe_created);
    CHECK(std::chrono::steady_clock::now() - t0 < 10s);
}

TEST_CASE("RT backend: token auth, JSON shape and the id of a 201 answer") {
    // Scenario: a stand-in RT answers 201; the request it saw is checked field by field.
    LocalHttpServer server(
        answering(201, R"({"id":"42","type":"ticket","_url":"x"})", {{"Location", "/x"}}));
    TempDir dir;
    CurlHttpClient http;
    CancelToken never;
    BackendConfig c = local_config(server.url("/"));
    c.options["queue"] = "Laptops";
    auto rt_backend = backend(c, http);
    const SupportRequest request = test::sample_request(dir.path(), "bundle\x01\x02");
    const DeliveryResult d = rt_backend->create(request, never);
    INFO(d.message);
    CHECK(d.kind == DeliveryResult::Kind::delivered);
    CHECK(d.ticket_id == "42");
    CHECK(d.ticket_url == server.url("/Ticket/Display.html?id=42"));

    REQUIRE(server.requests().size() == 1);
    const std::string raw = server.requests()[0];
    CHECK(raw.rfind("POST /REST/2.0/ticket HTTP/1.1\r\n", 0) == 0);
    CHECK(raw.find("\r\nAuthorization: token t0ken\r\n") != std::string::npos);
    const json body = json::parse(raw.substr(raw.find("\r\n\r\n") + 4));
    CHECK(body["Queue"] == "Laptops");
    CHECK(body["Subject"] == request.tagged_subject());
    CHECK(body["Content"] == request.body());
    CHECK(body["ContentType"] == "text/plain");
    CHECK(body["Requestor"] == "erika@example.com");
    REQUIRE(body["Attachments"].size() == 1);
    CHECK(body["Attachments"][0]["FileName"] == "fixtray-diagnostics.tar.gz");
    CHECK(body["Attachments"][0]["FileType"] == "application/gzip");
    CHECK(base64_decode(body["Attachments"][0]["FileContent"].get<std::string>()) ==
          std::string("bundle\x01\x02"));
}

TEST_CASE("RT backend: 503 with Retry-After and 429 are retries with the wait") {
    // Scenario: RT is in maintenance (503, Retry-After: 120) or throttles (429, an HTTP-date).
    TempDir dir;
    CurlHttpClient http;
    CancelToken never;
    {
        LocalHttpServer server(answering(503, "down for maintenance", {{"Retry-After", "120"}}));
        const DeliveryResult d = backend(local_config(server.url("")), http)
                                     ->create(test::sample_request(dir.path(), "x"), never);
        CHECK(d.kind == DeliveryResult::Kind::retry);
        CHECK_FALSE(d.maybe_created);
        CHECK(d.retry_after == std::chrono::seconds(120));
        CHECK(d.message.find("503") != std::string::npos);
        CHECK(d.message.find("down for maintenance") != std::string::npos);
    }
    {
        LocalHttpServer server(
            answering(429, "{}", {{"Retry-After", "Fri, 31 Dec 2100 23:59:59 GMT"}}));
        const DeliveryResult d = backend(local_config(server.url("")), http)
                                     ->create(test::sample_request(dir.path(), "x"), never);
        CHECK(d.kind == DeliveryResult::Kind::retry);
        CHECK(d.retry_after == std::chrono::seconds(24 * 3600));  // capped at a day
    }
}

TEST_CASE("RT backend: find() sends a TicketSQL search and checks the subject itself") {
    // Scenario: the search answers one ticket whose subject only resembles the tag, then a match.
    const std::string id = test::random_request_id();
    LocalHttpServer server([&](const std::string&) {
        HttpReply r;
        r.body = json{{"items",
                       {{{"id", "7"}, {"Subject", "x [fixtray:" + id + "-other]"}},
                        {{"id", "9"}, {"Subject", "Printer [fixtray:" + id + "]"}}}}}
                     .dump();
        return r;
    });
    CurlHttpClient http;
    CancelToken never;
    SupportRequest request;
    request.id = id;
    const LookupResult found = backend(local_config(server.url("")), http)->find(request, never);
    CHECK(found.kind == LookupResult::Kind::found);
    CHECK(found.ticket_id == "9");
    REQUIRE(server.requests().size() == 1);
    CHECK(server.requests()[0].rfind(
              "GET /REST/2.0/tickets?query=Subject%20LIKE%20%27fixtray%3A" + id + "%27&", 0) == 0);
}

TEST_CASE("RT backend: bad config is refused with the option named") {
    // Scenario: each kind of config mistake a help desk can make.
    BackendConfig c = local_config("http://rt.example.com");
    CHECK(config_error(c).find("plain http") != std::string::npos);
    c.options["url"] = "ftp://127.0.0.1/";
    CHECK(config_error(c).find("escalation.backend.url") != std::string::npos);
    c.options.erase("url");
    CHECK(config_error(c).find("test.json: escalation.backend.url: missing") == 0);

    c = local_config("https://rt.example.com");
    c.options.erase("token");
    CHECK(config_error(c).find("escalation.backend.token: missing") != std::string::npos);
    c.options["user"] = "fixtray";
    CHECK(config_error(c).find("escalation.backend.password: missing") != std::string::npos);
    c.options["password_file"] = "/nonexistent/rt-password";
    CHECK(config_error(c).find("password_file: /nonexistent/rt-password") != std::string::npos);
    c = local_config("https://rt.example.com");
    c.options.erase("token");
    c.options["token_file"] = "/nonexistent/rt-token";
    CHECK(config_error(c).find("token_file: /nonexistent/rt-token") != std::string::npos);
    c = local_config("https://rt.example.com");
    c.options["timeout"] = "soon";
    CHECK(config_error(c).find("escalation.backend.timeout") != std::string::npos);

    // Allowed: https anywhere, plain http to loopback, a token read from a file.
    TempDir dir;
    test::write_file(dir.path() / "token", "abc123\n");
    c = local_config("https://rt.example.com/");
    c.options.erase("token");
    c.options["token_file"] = (dir.path() / "token").string();
    CurlHttpClient http;
    auto ok = make_rt_backend(c, http);
    INFO(ok.message());
    REQUIRE(ok);
    CHECK((*ok)->describe() == "Request Tracker at https://rt.example.com");
    CHECK(make_rt_backend(local_config("http://localhost:8080"), http));
    CHECK(make_rt_backend(local_config("http://[::1]:8080"), http));
}

TEST_CASE("RT backend: Retry-After parsing: seconds, the three HTTP-date forms, garbage") {
    // Scenario: every form RFC 9110 allows, relative to a fixed "now".
    using std::chrono::seconds;
    const auto now =
        std::chrono::sys_days{std::chrono::year{2015} / 10 / 21} + std::chrono::hours{7};
    CHECK(parse_retry_after("120", now) == seconds(120));
    CHECK(parse_retry_after(" 0 ", now) == seconds(0));
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now) == seconds(28 * 60));
    CHECK(parse_retry_after("Wednesday, 21-Oct-15 07:28:00 GMT", now) == seconds(28 * 60));
    CHECK(parse_retry_after("Wed Oct 21 07:28:00 2015", now) == seconds(28 * 60));
    CHECK(parse_retry_after("Tue, 20 Oct 2015 07:28:00 GMT", now) == seconds(0));
    CHECK(parse_retry_after("99999999999", now) == seconds(24 * 3600));
    CHECK_FALSE(parse_retry_after("soon", now));
    CHECK_FALSE(parse_retry_after("", now));
    CHECK_FALSE(parse_retry_after("Wed, 32 Oct 2015 07:28:00 GMT", now));
}
