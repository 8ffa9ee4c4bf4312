// The fallbacks that need no ticket server: a mailto: URI for the mail program, and saving the
// request with its bundle into a folder the employee can reach.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include <stdlib.h>

#include "base/cancel_token.h"
#include "platform/process_runner.h"
#include "support/fake_ticket_server.h"
#include "support/test_helpers.h"
#include "tickets/fallback_backends.h"
#include "tickets/http_ticket_backends.h"

using namespace fixtray;
using test::read_file;
using test::TempDir;
using test::write_file;
namespace fs = std::filesystem;

namespace {

BackendConfig fallback_config(const std::string& type, std::map<std::string, std::string> options) {
    BackendConfig c;
    c.type = type;
    c.where = "/etc/fixtray/fixtray.json";
    c.options = std::move(options);
    return c;
}

std::string decode_mailto_field(const std::string& uri, const std::string& name) {
    const auto start = uri.find(name + "=");
    if (start == std::string::npos) return "";
    const auto end = uri.find('&', start);
    return test::percent_decode(uri.substr(start + name.size() + 1, end - start - name.size() - 1));
}

}  // namespace

TEST_CASE("mailto fallback: subject and body percent-encoded as RFC 6068 asks") {
    // Spaces, '&', '?', '#', '%', umlauts and line breaks survive encoding and decoding.
    const std::string body = "Zeile 1 & mehr?\nGrüße #2 100%";
    const std::string uri = mailto_uri("it@example.com", "", "Drucker [fixtray:x]", body);
    CHECK(uri.rfind("mailto:it@example.com?subject=", 0) == 0);
    CHECK(uri.find(' ') == std::string::npos);
    CHECK(uri.find("%0D%0A") != std::string::npos);
    CHECK(uri.find("&body=") != std::string::npos);
    CHECK(decode_mailto_field(uri, "subject") == "Drucker [fixtray:x]");
    CHECK(decode_mailto_field(uri, "body") == "Zeile 1 & mehr?\r\nGrüße #2 100%");
}

TEST_CASE("mailto fallback: a long body is shortened at a character boundary with a note") {
    // 5000 'ü' (2 bytes each, 6 encoded characters) into a 2000-character URI.
    std::string body;
    for (int i = 0; i < 5000; ++i) body += "ü";
    const std::string uri = mailto_uri("it@example.com", "cc@example.com", "s", body);
    CHECK(uri.size() <= 2000);
    CHECK(uri.size() > 1900);
    CHECK(uri.find("cc=cc@example.com&") != std::string::npos);
    const std::string decoded = decode_mailto_field(uri, "body");
    CHECK(decoded.find("[shortened to fit a mailto link]") != std::string::npos);
    const std::string kept = decoded.substr(0, decoded.find("\r\n[shortened"));
    CHECK(kept.size() % 2 == 0);
    CHECK(kept.find("ü") == 0);
}

namespace {

// A desktop whose mail program is a script that records the link it was opened with: the real
// xdg-open finds it through a .desktop file and mimeapps.list, as it finds Thunderbird. Sets this
// test process's environment (each test case runs in a process of its own).
struct MailDesktop {
    TempDir dir;
    fs::path opened = dir.path() / "opened";
    explicit MailDesktop(bool with_handler = true) {
        ::setenv("HOME", dir.str().c_str(), 1);
        ::setenv("DISPLAY", ":99", 1);  // a desktop session (xdg-open asks no server)
        ::setenv("XDG_DATA_HOME", (dir / "data").c_str(), 1);
        ::setenv("XDG_CONFIG_HOME", (dir / "config").c_str(), 1);
        ::setenv("XDG_DATA_DIRS", (dir / "none").c_str(), 1);  // not the machine's handlers
        ::setenv("BROWSER", "false", 1);
        if (!with_handler) return;
        write_file(dir / "mail.sh", "#!/bin/sh\nprintf '%s' \"$1\" > '" + opened.string() + "'\n");
        fs::permissions(dir / "mail.sh", fs::perms::owner_all);
        write_file(dir / "data/applications/fixtray-test-mail.desktop",
                   "[Desktop Entry]\nType=Application\nName=Test mail\nExec=" + (dir / "mail.sh") +
                       " %u\nMimeType=x-scheme-handler/mailto;\n");
        write_file(dir / "config/mimeapps.list",
                   "[Default Applications]\nx-scheme-handler/mailto=fixtray-test-mail.desktop\n");
    }
};

}  // namespace

TEST_CASE("mailto fallback: the mail program opens the message, and it is handed over, no ticket") {
    // Scenario (issue 15, item 12): before, nothing was opened and the request was marked as
    // delivered as a ticket. Now the desktop's mailto handler (through the real xdg-open) gets
    // the link, and the result says the request was handed to the mail program.
    REQUIRE_MESSAGE(find_program("xdg-open"), "xdg-open is needed (apt-get install xdg-utils)");
    MailDesktop desktop;
    TempDir dir;
    const SupportRequest sr = test::sample_request(dir);
    SystemProcessRunner runner;
    auto made =
        make_fallback_backend(fallback_config("mailto", {{"to", "it@example.com"}}), &runner);
    REQUIRE(made);
    auto b = std::move(made).value();
    CancelToken cancel;
    const DeliveryResult d = b->create(sr, cancel);
    INFO(d.message);
    CHECK(d.kind == DeliveryResult::Kind::delivered);
    CHECK(d.ticket_id.empty());
    CHECK(d.handed_to == "your mail program");
    REQUIRE(fs::exists(desktop.opened));
    const std::string uri = read_file(desktop.opened);
    CHECK(uri == d.ticket_url);
    CHECK(uri.rfind("mailto:it@example.com?subject=", 0) == 0);
    CHECK(d.message.find("attach " + sr.attachments[0].path) != std::string::npos);
    CHECK(decode_mailto_field(uri, "subject") == sr.tagged_subject());
    CHECK(decode_mailto_field(uri, "body").find("Please attach the diagnostics file") == 0);
    CHECK(b->find(sr, cancel).kind == LookupResult::Kind::unsupported);
    const auto refused = make_fallback_backend(fallback_config("mailto", {}), &runner);
    CHECK_FALSE(refused);
    CHECK(refused.message() ==
          "/etc/fixtray/fixtray.json: escalation.backend: \"to\" is required for mailto");
}

TEST_CASE("mailto fallback: without a mail program nothing is handed over, and it says so") {
    REQUIRE_MESSAGE(find_program("xdg-open"), "xdg-open is needed (apt-get install xdg-utils)");
    MailDesktop desktop(false);
    TempDir dir;
    const SupportRequest sr = test::sample_request(dir);
    SystemProcessRunner runner;
    auto b = std::move(make_fallback_backend(fallback_config("mailto", {{"to", "it@example.com"}}),
                                             &runner))
                 .value();
    CancelToken cancel;
    const DeliveryResult d = b->create(sr, cancel);
    INFO(d.message);
    CHECK(d.kind == DeliveryResult::Kind::failed);
    CHECK(d.handed_to.empty());
    CHECK(d.message.find("your mail program could not be opened") != std::string::npos);
    CHECK(d.message.find("xdg-open found no program for it") != std::string::npos);
}

TEST_CASE("save fallback: the request text and the bundle are copied into a folder") {
    // option dir; the folder is named after the request id; bytes are copied exactly.
    TempDir dir;
    const SupportRequest sr = test::sample_request(dir);
    auto made = make_fallback_backend(
        fallback_config("save", {{"dir", dir / "out"}, {"hint", "e-mail them to it@example.com"}}),
        nullptr);
    REQUIRE(made);
    auto b = std::move(made).value();
    CancelToken cancel;
    const DeliveryResult d = b->create(sr, cancel);
    INFO(d.message);
    CHECK(d.kind == DeliveryResult::Kind::delivered);
    CHECK(d.ticket_id.empty());
    const std::string folder = dir / "out/fixtray-request-0b7c3a52";
    CHECK(d.ticket_url == "file://" + folder);
    CHECK(d.message.find(folder) != std::string::npos);
    CHECK(d.message.find("e-mail them to it@example.com") != std::string::npos);
    CHECK(test::read_file(folder + "/request.txt") == sr.tagged_subject() + "\n\n" + sr.body());
    CHECK(test::read_file(folder + "/fixtray-diagnostics.tar.gz") == test::bundle_bytes());
    // A second attempt for the same request overwrites, it does not fail.
    CHECK(b->create(sr, cancel).kind == DeliveryResult::Kind::delivered);
}

TEST_CASE("save fallback: without dir it uses the desktop, else downloads, else home") {
    // user-dirs.dirs names the desktop; without it ~/Downloads; with neither, home.
    TempDir home;
    UserEnvironment env;
    env.home = home.str();
    env.config = home / ".config";
    CHECK(default_save_dir(env) == home.str());
    std::filesystem::create_directories(home / "Downloads");
    CHECK(default_save_dir(env) == home / "Downloads");
    std::filesystem::create_directories(home / "Schreibtisch");
    test::write_file(home / ".config/user-dirs.dirs",
                     "# comment\nXDG_DESKTOP_DIR=\"$HOME/Schreibtisch\"\n");
    CHECK(default_save_dir(env) == home / "Schreibtisch");
}

TEST_CASE("save fallback: an unwritable directory is a failure naming it") {
    // dir points below a regular file.
    TempDir dir;
    test::write_file(dir / "file", "x");
    const SupportRequest sr = test::sample_request(dir);
    auto made =
        make_fallback_backend(fallback_config("save", {{"dir", dir / "file/sub"}}), nullptr);
    REQUIRE(made);
    auto b = std::move(made).value();
    CancelToken cancel;
    const DeliveryResult d = b->create(sr, cancel);
    CHECK(d.kind == DeliveryResult::Kind::failed);
    CHECK(d.message.find(dir / "file/sub") != std::string::npos);
}
