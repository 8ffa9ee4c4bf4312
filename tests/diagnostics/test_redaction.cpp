// Redaction: the built-in secret rules, pseudonyms, site patterns, and long or hostile input.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <random>
#include <string>

#include "diagnostics/redaction.h"

using namespace fixtray;

namespace {

std::string redacted(std::string text, RedactionCounts* counts = nullptr,
                     RedactionRules rules = {}) {
    Redactor r(std::move(rules));
    const RedactionCounts c = r.redact(text);
    if (counts) *counts = c;
    return text;
}

}  // namespace

TEST_CASE("redaction: credentials in URLs are masked, the rest of the URL stays") {
    // A proxy URL with user and password, a token-only URL and one without credentials.
    RedactionCounts c;
    const std::string out = redacted(
        "https_proxy=http://user:S3cretProxy@proxy.example.com:3128\n"
        "git https://ghp_T0kenOnly@github.com/x.git\n"
        "plain https://example.com/a@b and ftp://host/\n"
        "odd http://me:pa@ss@host:8080/x\n",
        &c);
    CHECK(out.find("S3cretProxy") == std::string::npos);
    CHECK(out.find("ghp_T0kenOnly") == std::string::npos);
    CHECK(out.find("pa@ss") == std::string::npos);
    CHECK(out.find("http://***@proxy.example.com:3128") != std::string::npos);
    CHECK(out.find("https://example.com/a@b") != std::string::npos);
    CHECK(c.url_credentials == 3);
}

TEST_CASE("redaction: key=value, key: value, JSON, XML and header secrets are masked") {
    // Every written form of a secret seen in configs, logs and command output.
    RedactionCounts c;
    const std::string out = redacted(
        "password=Hunter2a\n"
        "DB_PASSWORD = 'Quoted Pass 1'\n"
        "passwd: Yaml2Pass\n"
        "{\"access_token\": \"JsonTok3n\", \"user\": \"bob\", \"client_secret\":\"CliSecr3t\"}\n"
        "Authorization: Bearer eyJhbGciOiJIUzI1.payload.sig\n"
        "proxy-authorization: Basic dXNlcjpwYXNz\n"
        "Cookie: session=C00kieVal; theme=dark\n"
        "Set-Cookie: id=S3tC00kie; Path=/; HttpOnly\n"
        "X-Api-Key: ApiK3yHeader\n"
        "API key: SpacedApiK3y\n"
        "url?apikey=QueryK3y&page=2\n"
        "<password>XmlPassw0rd</password>\n"
        "PWD=/root\n",
        &c);
    for (const char* secret : {"Hunter2a", "Quoted Pass 1", "Yaml2Pass", "JsonTok3n", "CliSecr3t",
                               "eyJhbGciOiJIUzI1", "dXNlcjpwYXNz", "C00kieVal", "S3tC00kie",
                               "ApiK3yHeader", "SpacedApiK3y", "QueryK3y", "XmlPassw0rd"}) {
        INFO(secret);
        CHECK(out.find(secret) == std::string::npos);
    }
    CHECK(out.find("\"user\": \"bob\"") != std::string::npos);
    CHECK(out.find("Authorization: Bearer ***") != std::string::npos);
    CHECK(out.find("&page=2") != std::string::npos);
    CHECK(out.find("PWD=/root") != std::string::npos);  // the working directory, not a password
    CHECK(c.secrets == 13);
}

TEST_CASE("redaction: JSON inside a JSON string (a run record quoting output) is masked") {
    // Step output that printed JSON, stored escaped inside the run record's JSON.
    const std::string out = redacted(
        R"({"out": "{\"password\": \"Esc4pedPw\", \"ok\": true}\nAuthorization: Bearer AbcTok\nnext line"})");
    CHECK(out.find("Esc4pedPw") == std::string::npos);
    CHECK(out.find("AbcTok") == std::string::npos);
    CHECK(out.find("next line") != std::string::npos);
}

TEST_CASE("redaction: private key blocks are removed, even without an END line") {
    // A PEM key in the middle of a file, then a truncated one at the end.
    RedactionCounts c;
    const std::string out = redacted(
        "before\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n"
        "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n"
        "middle\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n",
        &c);
    CHECK(c.private_keys == 2);
    CHECK(out.find("MIIEpAIBAAKCAQEA") == std::string::npos);
    CHECK(out.find("b3BlbnNzaC1rZXk") == std::string::npos);
    CHECK(out.find("BEGIN CERTIFICATE") != std::string::npos);  // public material stays
    CHECK(out.find("middle") != std::string::npos);
}

TEST_CASE("redaction: pseudonyms are consistent across texts and the mapping stays out") {
    // Two texts of one bundle mention the same user and host; a longer word is left alone.
    RedactionRules rules;
    rules.pseudonymise = true;
    rules.user_names = {"alice"};
    rules.host_names = {"laptop-42.corp.example.com", "laptop-42"};
    Redactor r(rules);
    std::string a = "/home/alice/.cache owned by alice on laptop-42";
    std::string b = "ALICE logged in from laptop-42.corp.example.com; malice stays";
    const auto ca = r.redact(a);
    r.redact(b);
    CHECK(a == "/home/user-1/.cache owned by user-1 on host-2");
    CHECK(b == "user-1 logged in from host-1; malice stays");
    CHECK(ca.pseudonyms == 3);
    CHECK(r.pseudonyms().at("alice") == "user-1");
    CHECK(r.pseudonyms().at("laptop-42") == "host-2");
}

TEST_CASE("redaction: site patterns are applied, and a bad pattern is reported") {
    // An employee number pattern from the site config, plus one invalid and one past RE2's
    // repeat limit.
    RedactionRules rules;
    rules.extra_patterns = {"EMP-[0-9]{6}", "(unclosed", "(a{1000}){1000}"};
    Redactor r(rules);
    CHECK(r.problems().size() == 2);
    std::string t = "badge EMP-123456 and EMP-654321\nnone here";
    const auto c = r.redact(t);
    CHECK(t == "badge *** and ***\nnone here");
    CHECK(c.custom == 2);
}

TEST_CASE("redaction: megabyte lines and hostile input finish quickly without blowing the stack") {
    // An 8 MiB line with no newline and 3.7 MB of "-----BEGIN ://@ password=" noise under the
    // built-ins and a site pattern: linear, so seconds even in a sanitizer build.
    RedactionRules rules;
    rules.extra_patterns = {"EMP-[0-9]{6}"};
    Redactor r(rules);
    std::string line(8 * 1024 * 1024, 'a');
    line += " password=Tail5ecret EMP-123456";
    std::string begins;
    for (int i = 0; i < 100000; ++i) begins += "-----BEGIN ://@ password= \"token\": '";
    const auto t0 = std::chrono::steady_clock::now();
    r.redact(line);
    r.redact(begins);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(20));
    CHECK(line.find("Tail5ecret") == std::string::npos);
    CHECK(line.find("EMP-123456") == std::string::npos);
}

TEST_CASE("redaction: site patterns run over long lines whole, without windows") {
    // Patterns std::regex backtracked on, over 16 KiB and 1 MiB lines: RE2 is linear, and a match
    // is no longer cut at a 4 KiB window (the old work-around left 12 KiB of the run unmasked).
    RedactionRules rules;
    rules.extra_patterns = {"a.*b", "(x|y)+z"};
    Redactor r(rules);
    std::string as(1 << 20, 'a'), xs(16 * 1024 - 1, 'x');
    xs += "z";
    const auto t0 = std::chrono::steady_clock::now();
    r.redact(as);
    const auto c = r.redact(xs);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
    CHECK(as == std::string(1 << 20, 'a'));
    CHECK(xs == "***");
    CHECK(c.custom == 1);
}

TEST_CASE("redaction: a site pattern masks every match in a large text, line by line") {
    // 4 MiB of log lines, one employee number each; ^ anchors at each line's start. The first
    // line is long, with its number across byte 4096 (where the old 4 KiB windows cut it).
    RedactionRules rules;
    rules.extra_patterns = {"EMP-[0-9]{6}", "^session [0-9a-f]{8}"};
    Redactor r(rules);
    std::string text = std::string(4090, '.') + " EMP-999999 " + std::string(2000, '.') + "\n";
    int lines = 0;
    while (text.size() < 4u * 1024 * 1024) {
        text += "session 0123abcd user EMP-" + std::to_string(100000 + lines % 900000) +
                " printed a page of (x|y)*\n noise\n";
        ++lines;
    }
    const auto t0 = std::chrono::steady_clock::now();
    const auto c = r.redact(text);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(20));
    CHECK(c.custom == 2 * lines + 1);
    CHECK(text.find("EMP-") == std::string::npos);
    CHECK(text.find("0123abcd") == std::string::npos);
    CHECK(text.find("noise") != std::string::npos);
}

TEST_CASE("redaction: seeded secrets in random text never survive (fuzz-like)") {
    // Random printable noise around secrets in every form; 300 rounds with a fixed seed.
    std::mt19937 rng(12345);
    const std::string forms[] = {"password=%s",
                                 "token: %s",
                                 "\"api_key\": \"%s\"",
                                 "https://u:%s@h/",
                                 "Authorization: Bearer %s",
                                 "Cookie: a=%s",
                                 "<secret>%s</secret>",
                                 "passwd = %s",
                                 "X-Auth-Token:%s"};
    const std::string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 =:\"'{}[]<>/@&;,\n\t-_.";
    for (int round = 0; round < 300; ++round) {
        std::string text, secret = "Zq" + std::to_string(rng()) + "Xs";
        for (int k = 0; k < 20; ++k) {
            const int n = static_cast<int>(rng() % 40);
            for (int i = 0; i < n; ++i) text.push_back(alphabet[rng() % alphabet.size()]);
            text.push_back(' ');
            if (k % 5 == 0) {
                std::string f = forms[rng() % std::size(forms)];
                f.replace(f.find("%s"), 2, secret);
                text += f + "\n";
            }
        }
        const std::string out = redacted(text);
        INFO(text);
        CHECK(out.find(secret) == std::string::npos);
    }
}

TEST_CASE("redaction: a JSON document is redacted value by value, never as its escaped text") {
    // Scenario (issue 15, item 1): one string value with a password and an API key on two
    // lines. As serialised JSON the lines are joined by an escaped "\n", and the mask for the
    // password swallowed "\napi_key:" and left the key's value in clear.
    nlohmann::json doc = {
        {"stdout", "password = pw-one\napi_key: key-two\nplain \"quoted\" line\n"},
        {"argv", {"--token=tok-three", "visible"}},
        {"password", "pw-four"},
        {"nested", {{"Authorization", "Bearer tok-five"}, {"count", 3}}},
        {"url", "https://bob:pw-six@example.com/x"}};
    Redactor r({});
    const RedactionCounts c = r.redact_json(doc);
    const std::string dumped = doc.dump();
    for (const char* secret : {"pw-one", "key-two", "tok-three", "pw-four", "tok-five", "pw-six"}) {
        INFO(secret);
        CHECK(dumped.find(secret) == std::string::npos);
    }
    CHECK(doc["stdout"] == "password = ***\napi_key: ***\nplain \"quoted\" line\n");
    CHECK(doc["argv"][1] == "visible");
    CHECK(doc["nested"]["count"] == 3);
    CHECK(c.secrets == 5);
    CHECK(c.url_credentials == 1);
    CHECK_FALSE(nlohmann::json::parse(dumped, nullptr, false).is_discarded());
}

TEST_CASE("redaction: an escaped line break in a command line ends a secret's value") {
    // Scenario (issue 15, item 1): a script argument prints two lines with printf; its text
    // holds "\n" as two characters. The password's mask used to run on over "\napi_key:" and
    // leave the key's value in clear.
    std::string arg = "printf 'password = pw-one\\napi_key: key-two\\n'; curl -H 'token:tok\\tx'";
    int n = 0;
    arg = mask_secrets(arg, &n);
    CHECK(arg == "printf 'password = ***\\napi_key: ***\\n'; curl -H 'token:***\\tx'");
    CHECK(n == 3);
}
