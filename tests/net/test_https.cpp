// The https path of the shared HTTP client (CurlHttpClient) and of the ticket backends, against a
// real nginx serving TLS with certificates from a CA the test makes with openssl
// (support/test_ca.h): a trusted chain works through ca_file, and an untrusted, wrong-host or
// expired certificate is refused with a message that says which. Nothing falls back to http.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "base/cancel_token.h"
#include "net/http_client.h"
#include "support/escalation_test_support.h"
#include "support/feed_desk.h"
#include "support/test_ca.h"
#include "support/test_helpers.h"
#include "tickets/http_ticket_backends.h"
#include "tickets/rt_backend.h"
#include "tickets/smtp_backend.h"
#include "tickets/ticket_backend.h"

using namespace fixtray;
using namespace fixtray::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A world-readable folder with hello.txt, for nginx's workers (nobody) to serve.
struct Site {
    TempDir dir;
    fs::path root;
    Site() {
        make_world_readable(dir.path());
        root = dir.path() / "www";
        write_file(root / "hello.txt", "hello over TLS\n");
        make_world_readable(root);
        ::chmod((root / "hello.txt").c_str(), 0644);
    }
};

// nginx writes its access log line after it has sent the answer: a client that has the answer
// may look before the line is there. Waits (up to 20 s) for a line with `text`.
bool logged(const Nginx& server, const std::string& text) {
    for (int i = 0; i < 400; ++i) {
        if (contains(server.access_log(), text)) return true;
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

HttpResponse get(const std::string& url, const fs::path& ca_file = {},
                 bool follow_redirects = false) {
    CurlHttpClient client;
    CancelToken never;
    HttpRequest r;
    r.url = url;
    r.ca_file = ca_file.string();
    r.timeout = 20s;
    r.follow_redirects = follow_redirects;
    return client.send(r, never);
}

}  // namespace

TEST_CASE(
    "https: a certificate from a CA in ca_file is trusted, an untrusted, wrong-host or expired one "
    "is refused with what is wrong") {
    TestCa ca;
    Site site;
    const auto good = ca.issue("good", "IP:127.0.0.1,DNS:localhost");
    const auto other_host = ca.issue("other", "DNS:feed.example.com");
    const auto expired = ca.issue("expired", "IP:127.0.0.1,DNS:localhost", -30 * 86400, -86400);
    Nginx good_server(site.root, good.cert, good.key);
    Nginx other_server(site.root, other_host.cert, other_host.key);
    Nginx expired_server(site.root, expired.cert, expired.key);
    REQUIRE(good_server.url().rfind("https://127.0.0.1:", 0) == 0);

    HttpResponse r = get(good_server.url() + "hello.txt", ca.cert());
    INFO(r.error);
    CHECK(r.ok);
    CHECK(r.status == 200);
    CHECK(r.body == "hello over TLS\n");

    r = get(good_server.url() + "hello.txt");  // the system's CAs do not know the test CA
    CHECK_FALSE(r.ok);
    CHECK(r.tls_failed);
    CHECK(contains(r.error, "not signed by a trusted authority (for an internal CA, set ca_file)"));
    CHECK(r.body.empty());

    r = get(other_server.url() + "hello.txt", ca.cert());
    CHECK_FALSE(r.ok);
    CHECK(r.tls_failed);
    CHECK(contains(r.error, "the server's certificate is for another host name"));

    r = get(expired_server.url() + "hello.txt", ca.cert());
    CHECK_FALSE(r.ok);
    CHECK(r.tls_failed);
    CHECK(contains(r.error, "the server's certificate has expired"));

    // Another CA's file does not vouch for this server either.
    TestCa other_ca;
    r = get(good_server.url() + "hello.txt", other_ca.cert());
    CHECK_FALSE(r.ok);
    CHECK(contains(r.error, "not signed by a trusted authority (not by the CA in " +
                                other_ca.cert().string() + ")"));
}

TEST_CASE("https: nothing falls back to plain http, not even through a redirect") {
    TestCa ca;
    Site site;
    Nginx plain(site.root);
    REQUIRE(plain.url().rfind("http://", 0) == 0);
    // https:// to a server that speaks only http: a TLS failure, not a plain request.
    const std::string as_https = "https://" + plain.url().substr(7) + "hello.txt";
    HttpResponse r = get(as_https, ca.cert());
    CHECK_FALSE(r.ok);
    CHECK(r.tls_failed);
    CHECK_FALSE(contains(plain.access_log(), "GET /hello.txt"));

    // An https server that redirects to http://: the client does not follow it. The same
    // redirect to an https:// URL is followed, so what is refused is the way down to http.
    const auto good = ca.issue("good", "IP:127.0.0.1,DNS:localhost");
    Nginx target(site.root, good.cert, good.key);
    Nginx to_http(site.root, good.cert, good.key, plain.url() + "hello.txt");
    Nginx to_https(site.root, good.cert, good.key, target.url() + "hello.txt");
    r = get(to_https.url() + "redirect", ca.cert(), true);
    INFO(r.error);
    CHECK(r.ok);
    CHECK(r.body == "hello over TLS\n");
    r = get(to_http.url() + "redirect", ca.cert(), true);
    INFO(r.error);
    CHECK_FALSE(r.ok);
    CHECK(r.body.empty());
    CHECK_FALSE(contains(plain.access_log(), "GET /hello.txt"));
}

TEST_CASE(
    "https: the RT backend and the web presets verify their server with "
    "escalation.backend.ca_file") {
    TestCa ca;
    Site site;
    const auto good = ca.issue("good", "IP:127.0.0.1,DNS:localhost");
    Nginx server(site.root, good.cert, good.key);
    TempDir dir;
    const SupportRequest request = sample_request(dir.path(), "bundle");
    CancelToken never;
    CurlHttpClient http;

    BackendConfig c;
    c.type = "rt";
    c.where = "test.json";
    c.options = {{"url", server.url()}, {"token", "t0ken"}, {"timeout", "10"}};
    auto without = make_rt_backend(c, http);
    REQUIRE(without);
    LookupResult found = (*without)->find(request, never);
    CHECK(found.kind == LookupResult::Kind::error);
    CHECK(contains(found.message, "not signed by a trusted authority"));

    c.options["ca_file"] = ca.cert().string();
    auto with = make_rt_backend(c, http);
    REQUIRE(with);
    found = (*with)->find(request, never);
    INFO(found.message);
    // The TLS connection is made: nginx (not RT) answers the search with an HTTP error.
    CHECK_FALSE(contains(found.message, "certificate"));
    CHECK(logged(server, "GET /REST/2.0/tickets?query="));

    // A web preset (Zammad) takes the same option.
    BackendConfig z;
    z.type = "zammad";
    z.where = "test.json";
    z.options = {{"url", server.url()}, {"token", "t0ken"}, {"group", "Users"}};
    auto zammad = make_http_preset_backend(z, http);
    REQUIRE(zammad);
    found = (*zammad)->find(request, never);
    CHECK(contains(found.message, "not signed by a trusted authority"));
    z.options["ca_file"] = ca.cert().string();
    zammad = make_http_preset_backend(z, http);
    REQUIRE(zammad);
    found = (*zammad)->find(request, never);
    INFO(found.message);
    CHECK_FALSE(contains(found.message, "certificate"));
    CHECK(logged(server, "GET /api/v1/tickets/search?query="));

    c.options["ca_file"] = "ca.pem";
    auto relative = make_rt_backend(c, http);
    CHECK_FALSE(relative);
    CHECK(contains(relative.message(),
                   "test.json: escalation.backend.ca_file: \"ca.pem\" must be "
                   "an absolute path"));
    c.options["ca_file"] = (dir.path() / "missing.pem").string();
    auto missing = make_rt_backend(c, http);
    CHECK_FALSE(missing);
    CHECK(contains(missing.message(), "missing.pem is not a file"));
}

TEST_CASE("https: the SMTP backend verifies an smtps:// server with escalation.backend.ca_file") {
    // MailDev taking mail over implicit TLS with a certificate of the test's CA.
    TestCa ca;
    const auto cert = ca.issue("mail", "IP:127.0.0.1,DNS:localhost");
    TestService maildev(
        "smtp.sh", {},
        {{"SMTP_SH_TLS_CERT", cert.cert.string()}, {"SMTP_SH_TLS_KEY", cert.key.string()}});
    const std::string url = maildev.env("FIXTRAY_TEST_SMTP_URL");
    REQUIRE(url.rfind("smtps://127.0.0.1:", 0) == 0);
    TempDir dir;
    const SupportRequest request = sample_request(dir.path(), "bundle");
    CancelToken never;

    BackendConfig c;
    c.type = "smtp";
    c.where = "test.json";
    c.options = {{"smtp_url", url},
                 {"from", "fixtray@laptop-17.example.com"},
                 {"to", "helpdesk@example.com"},
                 {"timeout", "10"}};
    // The verified delivery first: MailDev 2.2.1 exits when a client aborts the handshake
    // (an unhandled "alert unknown ca"), so the refused one comes last.
    c.options["ca_file"] = ca.cert().string();
    auto with = make_smtp_backend(c);
    REQUIRE(with);
    DeliveryResult d = (*with)->create(request, never);
    INFO(d.message);
    CHECK(d.kind == DeliveryResult::Kind::delivered);
    const HttpResponse list = get(maildev.env("FIXTRAY_TEST_MAILDEV_API"));
    CHECK(contains(list.body, request.id + "@fixtray"));

    c.options.erase("ca_file");
    auto without = make_smtp_backend(c);
    REQUIRE(without);
    d = (*without)->create(request, never);
    INFO(d.message);
    CHECK(d.kind != DeliveryResult::Kind::delivered);
    CHECK(contains(d.message, "certificate"));
}
