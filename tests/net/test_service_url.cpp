// Service URLs: what a site config names as its ticket system or mail relay, checked before any
// credential goes to it.
#include <doctest/doctest.h>

#include <string>

#include "net/service_url.h"

using namespace fixtray;

TEST_CASE("parse_service_url: scheme, host, default port and credentials") {
    // Scenario: the parts a backend needs come out of a well-formed URL, normalised.
    const Result<ServiceUrl> https = parse_service_url("HTTPS://Help.Example.COM/rt");
    REQUIRE_MESSAGE(https.ok(), https.message());
    CHECK(https->scheme == "https");
    CHECK(https->host == "help.example.com");
    CHECK(https->port == 443);
    CHECK_FALSE(https->has_credentials);
    const Result<ServiceUrl> smtp = parse_service_url("smtp://user:secret@[::1]:2525");
    REQUIRE_MESSAGE(smtp.ok(), smtp.message());
    CHECK(smtp->scheme == "smtp");
    CHECK(smtp->host == "::1");
    CHECK(smtp->port == 2525);
    CHECK(smtp->has_credentials);
}

TEST_CASE("parse_service_url: text that is not an absolute URL says why") {
    // Scenario: a typo in the site config is reported, not guessed at.
    CHECK(parse_service_url("help.example.com").message().find("not a valid URL") == 0);
    for (const char* bad : {"", "http://exa mple.com/", "http://:80/", "file:///etc/passwd"}) {
        CAPTURE(bad);
        const Result<ServiceUrl> r = parse_service_url(bad);
        CHECK_FALSE(r.ok());
        CHECK_FALSE(r.message().empty());
    }
}

TEST_CASE("is_loopback_host: every spelling of this machine, and nothing else") {
    // Scenario: plain HTTP is only allowed to loopback, so an attacker's spelling of another host
    // must not pass and any spelling of loopback should.
    for (const char* h : {"localhost", "LOCALHOST", "localhost.", "127.0.0.1", "127.255.255.254",
                          "::1", "0:0:0:0:0:0:0:1", "0::1", "::ffff:127.0.0.1", "::ffff:7f00:1"}) {
        CAPTURE(h);
        CHECK(is_loopback_host(h));
    }
    for (const char* h :
         {"", "128.0.0.1", "0.0.0.0", "::", "::2", "::ffff:10.0.0.1", "127.0.0.1.",
          "127.0.0.1.nip.io", "localhost.example.com", "1.2.3.4", "example.com", "127.0.0.256"}) {
        CAPTURE(h);
        CHECK_FALSE(is_loopback_host(h));
    }
}

TEST_CASE("is_loopback_host after parse_service_url: libcurl's normalised loopback forms") {
    // Scenario: short and octal IPv4 forms a config might use reach loopback; libcurl rewrites
    // them to dotted quads before the check sees them.
    for (const char* url : {"http://127.1:8080/", "http://0x7f000001/", "http://[::1]/"}) {
        CAPTURE(url);
        const Result<ServiceUrl> r = parse_service_url(url);
        REQUIRE_MESSAGE(r.ok(), r.message());
        CHECK(is_loopback_host(r->host));
    }
}
