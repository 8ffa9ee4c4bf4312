// Nothing secret leaves the machine (issue 15, items 1-4), from the outside: secrets planted in
// every field a request is made of (a secret site value through <env> and as an argument, step
// output and errors on consecutive lines, a token in a URL, the proxy password, the ticket
// system's own password in a collected file, the employee's comment), escalated through the
// real fixctl to a real Request Tracker and a real SMTP server (MailDev). Then every byte that
// left, or waits to leave, is searched: the RT ticket and each attachment (base64 decoded, the
// bundle decompressed), the raw mail (quoted-printable and base64 parts decoded) and the outbox.
#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/base64.h"
#include "base/cancel_token.h"
#include "net/http_client.h"
#include "support/escalation_test_support.h"
#include "support/test_helpers.h"

using namespace fixtray;
using namespace fixtray::test;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kSiteSecret = "S1teVaultPw-7781";   // a secret param's site value
constexpr const char* kPasswordLine = "PwLineA-3141";     // "password = ..." on one line
constexpr const char* kApiKeyLine = "KeyLineB-2718";      // "api_key: ..." on the next
constexpr const char* kUrlToken = "UrlT0ken-5566";        // ?token=... in a URL
constexpr const char* kProxyDecoded = "Pr0xy@Pass-99";    // the proxy password, decoded
constexpr const char* kProxyEncoded = "Pr0xy%40Pass-99";  // as written in https_proxy
constexpr const char* kCommentToken = "C0mmentTok-42";    // "token: ..." the employee typed
constexpr const char* kRtPassword = "fixtray-pass";       // the ticket system's password

const std::vector<std::string> kAll = {kSiteSecret,   kPasswordLine, kApiKeyLine,   kUrlToken,
                                       kProxyDecoded, kProxyEncoded, kCommentToken, kRtPassword};

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

void check_clean(const std::string& where, const std::string& bytes) {
    INFO(where);
    for (const auto& secret : kAll)
        CHECK_MESSAGE(!contains(bytes, secret), secret << " leaked into " << where);
}

std::string gunzip(const std::string& bytes, const TempDir& tmp) {
    write_file(tmp / "x.gz", bytes);
    const auto r = run_command({"gzip", "-dc", tmp / "x.gz"});
    REQUIRE(r.exit_code == 0);
    return r.out;
}

HttpResponse http_get(const std::string& url, const std::string& auth = "") {
    CurlHttpClient http;
    HttpRequest req;
    req.url = url;
    if (!auth.empty()) req.headers = {{"Authorization", auth}};
    CancelToken never;
    return http.send(req, never);
}

struct Machine {
    TempDir dir;
    std::string home = dir / "home";
    std::map<std::string, std::string> env;

    Machine() {
        write_file(
            dir / "packs/share.xml",
            "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"org.example.share\" version=\"1\">"
            "<param name=\"share_password\" secret=\"true\"/>"
            "<fix id=\"share\" platforms=\"linux\"><title>Connect the team share</title>"
            "<steps><run label=\"Log in to the share\"><arg>sh</arg><arg>-c</arg><arg>"
            "echo \"mounting with $SHARE_PASSWORD\"; printf 'password = " +
                std::string(kPasswordLine) + "\\napi_key: " + kApiKeyLine +
                "\\n'; echo \"GET https://intranet/api?token=" + kUrlToken +
                " failed\" >&amp;2; echo \"{\\\"pw\\\": \\\"$SHARE_PASSWORD\\\"}\" >&amp;2; "
                "exit 3</arg><arg>--pw=${share_password}</arg>"
                "<env name=\"SHARE_PASSWORD\">${share_password}</env></run></steps>"
                "<verify><run><arg>false</arg></run></verify>"
                "<diagnostics><file name=\"fixtray-config\" path=\"" +
                (dir / "fixtray.json") +
                "\"/><command name=\"environment\"><arg>env</arg></command></diagnostics>"
                "</fix></fixpack>");
        env = isolated_env(home);
        env["https_proxy"] = std::string("http://alice:") + kProxyEncoded + "@proxy.example:3128";
        env["no_proxy"] = "127.0.0.1,localhost";
    }
    void config(const json& backend) const {
        write_file(dir / "fixtray.json",
                   json{{"site", {{"share_password", kSiteSecret}}},
                        {"escalation", {{"policy", "ask"}, {"backend", backend}}}}
                       .dump(2));
    }
    ProcessResult fixctl(std::vector<std::string> args) const {
        std::vector<std::string> all = {"--no-builtin", "--packs", dir / "packs", "--config",
                                        dir / "fixtray.json"};
        all.insert(all.end(), args.begin(), args.end());
        return run_fixctl(all, env);
    }
    // Every file of the outbox, bundles decompressed.
    std::string outbox_bytes() const {
        std::string all;
        TempDir tmp;
        for (const auto& e : fs::recursive_directory_iterator(home))
            if (e.is_regular_file() && contains(e.path().string(), "outbox")) {
                const std::string bytes = read_file(e.path());
                all += bytes;
                if (e.path().extension() == ".gz") all += gunzip(bytes, tmp);
            }
        return all;
    }
};

const std::string kComment = std::string("It asks me for the share password ") + kSiteSecret +
                             " every time; token: " + kCommentToken;

}  // namespace

TEST_CASE("secrets e2e: nothing planted reaches the RT ticket, its attachments or the outbox") {
    TestService rt("rt.sh");
    const std::string rt_url = rt.env("FIXTRAY_TEST_RT_URL");
    Machine m;
    m.config({{"type", "rt"},
              {"url", rt_url},
              {"queue", "General"},
              {"user", "fixtray"},
              {"password", kRtPassword},
              {"timeout", "30"}});
    const auto r = m.fixctl({"run", "share", "--escalate", "--yes", "--message", kComment});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);  // not fixed
    CHECK(contains(r.out, "Delivered to your help desk as ticket"));
    check_clean("fixctl's output", r.out + r.err);

    const std::string admin = "Basic " + base64_encode("root:password");
    const json outbox = json::parse(m.fixctl({"outbox", "list", "--json"}).out);
    REQUIRE(outbox.size() == 1);
    const std::string ticket_id = outbox[0]["status"]["ticket_id"];
    const auto ticket = http_get(rt_url + "/REST/2.0/ticket/" + ticket_id, admin);
    REQUIRE(ticket.status == 200);
    std::string sent = ticket.body;
    const auto list =
        http_get(rt_url + "/REST/2.0/ticket/" + ticket_id + "/attachments?per_page=50", admin);
    REQUIRE(list.status == 200);
    TempDir tmp;
    std::string text_part;
    int bundles = 0;
    const json attachments = json::parse(list.body);
    for (const auto& item : attachments["items"]) {
        const auto a = http_get(item["_url"].get<std::string>(), admin);
        REQUIRE(a.status == 200);
        sent += a.body;
        const json aj = json::parse(a.body);
        if (!aj["Content"].is_string()) continue;
        const auto content = base64_decode(aj["Content"].get<std::string>());
        REQUIRE(content);
        sent += *content;
        if (aj["ContentType"] == "application/gzip") {
            sent += gunzip(*content, tmp);
            ++bundles;
        }
        if (aj["ContentType"] == "text/plain") text_part += *content;
    }
    CHECK(bundles == 1);
    // What was planted was there to be found: the places show the mask.
    CHECK(contains(text_part, "--pw=***"));
    CHECK(contains(text_part, "token=***"));
    CHECK(contains(text_part, "share password *** every time; token: ***"));
    CHECK(contains(sent, "password = ***\\napi_key: ***"));  // the run record, still JSON
    CHECK(contains(sent, "proxy.example:3128"));             // the environment was collected
    CHECK(contains(sent, "\"password\": \"***\""));          // and the config file
    check_clean("the RT ticket, its attachments and the bundle", sent);
    check_clean("the outbox", m.outbox_bytes());
}

TEST_CASE(
    "secrets e2e: nothing planted reaches the raw mail, and a secret the review left in "
    "blocks queueing") {
    TestService maildev("smtp.sh");
    Machine m;
    m.config({{"type", "smtp"},
              {"smtp_url", maildev.env("FIXTRAY_TEST_SMTP_URL")},
              {"starttls", "off"},
              {"from", "fixtray@example.com"},
              {"to", "helpdesk@example.com"},
              {"user", "mailer"},
              {"password", kRtPassword}});
    auto r = m.fixctl({"run", "share", "--escalate", "--yes", "--message", kComment});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    const std::string api = maildev.env("FIXTRAY_TEST_MAILDEV_API");
    const json mails = json::parse(http_get(api).body);
    REQUIRE(mails.size() == 1);
    const std::string id = mails[0]["id"];
    std::string sent = http_get(api + "/" + id + "/source").body;  // the raw message
    sent += mails[0].dump();                                       // MailDev's decoded view
    TempDir tmp;
    for (const auto& a : mails[0]["attachments"]) {
        const std::string bytes =
            http_get(api + "/" + id + "/attachment/" + a["generatedFileName"].get<std::string>())
                .body;
        sent += bytes + gunzip(bytes, tmp);
    }
    CHECK(mails[0]["attachments"].size() == 1);
    CHECK(contains(sent, "password = ***\\napi_key: ***"));  // the bundle's run record
    CHECK(contains(mails[0]["text"].get<std::string>(), "--pw=***"));
    check_clean("the mail", sent);
    check_clean("the outbox", m.outbox_bytes());

    // The employee puts the secret back in through a field that is not redacted (the subject):
    // the request is not queued, and fixctl names where the secret is.
    r = m.fixctl(
        {"escalate", "--fix", "share", "--yes", "--subject", std::string("share ") + kSiteSecret});
    INFO(r.out << r.err);
    CHECK(r.exit_code != 0);
    CHECK(contains(r.err, "not queued: the subject still holds a secret"));
    CHECK(json::parse(m.fixctl({"outbox", "list", "--json"}).out).size() == 1);
    CHECK(json::parse(http_get(api).body).size() == 1);
}
