// Service URLs: what a site config names as its ticket system or mail relay, checked before any
// credential goes to it.
#include <doctest/doctest.h>

#include <string>

#include "net/service_url.h"

using namespace fixtray;

TEST_CASE("parse_service_url: scheme, host, default port and credentials") {
    // Scenario: the parts a backend needs come out of a well-formed URL, normalised.
    ServiceUrl u;
    REQUIRE(parse_service_url("HTTPS://Help.Example.COM/rt", &u).empty());
    CHECK(u.scheme == "https");
    CHECK(u.host == "help.example.com");
    CHECK(u.port == 443);
    CHECK_FALSE(u.has_credentials);
    REQUIRE(parse_service_url("smtp://user:secret@[::1]:2525", &u).empty());
    CHECK(u.scheme == "smtp");
    CHECK(u.host == "::1");
    CHECK(u.port == 2525);
    CHECK(u.has_credentials);
}

TEST_CASE("parse_service_url: text that is not an absolute URL says why") {
    // Scenario: a typo in the site config is reported, not guessed at.
    ServiceUrl u;
    CHECK(parse_service_url("help.example.com", &u).find("not a valid URL") == 0);
    CHECK_FALSE(parse_service_url("", &u).empty());
    CHECK_FALSE(parse_service_url("http://exa mple.com/", &u).empty());
    CHECK_FALSE(parse_service_url("http://:80/", &u).empty());
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
    ServiceUrl u;
    REQUIRE(parse_service_url("http://127.1:8080/", &u).empty());
    CHECK(is_loopback_host(u.host));
    REQUIRE(parse_service_url("http://0x7f000001/", &u).empty());
    CHECK(is_loopback_host(u.host));
}
