// The diagnostics bundle: seeded secrets never reach it, it reads back as written, items can be
// removed, and the size cap holds.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "base/cancel_token.h"
#include "diagnostics/bundle.h"
#include "diagnostics/diagnostics.h"
#include "platform/process_runner.h"
#include "support/test_helpers.h"

using namespace fixtray;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kSecrets = {
    "S3cretProxy",  "Hunter2Secret",  "Tok3nBearer",
    "UrlPassw0rd",  "K3yFileSecret",  "JsonTok3nFile",
    "RunRecSecret", "ArgvSecret",     "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
    "RunRecApiKey", "RunRecErrTok3n", "fixtrayuser",
    "fixtrayhost"};

DiagnosticItem command(const std::string& name, std::vector<std::string> argv) {
    DiagnosticItem i;
    i.kind = DiagnosticItem::Kind::command;
    i.name = name;
    i.argv = std::move(argv);
    return i;
}
DiagnosticItem file(const std::string& name, const std::string& path) {
    DiagnosticItem i;
    i.kind = DiagnosticItem::Kind::file;
    i.name = name;
    i.path = path;
    return i;
}
DiagnosticItem fact(const std::string& id) {
    DiagnosticItem i;
    i.kind = DiagnosticItem::Kind::fact;
    i.name = id;
    i.fact = id;
    return i;
}

// Every byte of the bundle, as the help desk would see it: the decompressed tar stream and
// each extracted file.
std::vector<std::string> every_byte(const std::string& bundle, const test::TempDir& work) {
    std::vector<std::string> out;
    const auto raw = test::run_command({"gzip", "-dc", bundle});
    REQUIRE(raw.exit_code == 0);
    REQUIRE_FALSE(raw.out_truncated);
    out.push_back(raw.out);
    const std::string dir = work / "extracted";
    fs::create_directories(dir);
    const auto x = test::run_command({"tar", "-xzf", bundle, "-C", dir});
    REQUIRE(x.exit_code == 0);
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(test::read_file(e.path()));
    return out;
}

struct Seeded {
    test::TempDir dir;
    DiagnosticsReport report;
    BundleOptions options;
    std::string bundle;

    Seeded() {
        // Secrets in the environment, in command output and arguments, in a file, in the run
        // record; a private key file next to a command that prints it; user and host names.
        ::setenv("https_proxy", "http://user:S3cretProxy@proxy:3128", 1);
        test::write_file(
            dir / "app.conf",
            "server = intranet\napi_key: K3yFileSecret\n{\"token\": \"JsonTok3nFile\"}\n");
        test::write_file(dir / "key.pem",
                         "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"
                         "-----END PRIVATE KEY-----\n");
        DiagnosticsOptions o;
        o.timeout = 5s;
        // Two secrets on consecutive lines of one output, and quotes: escaped as "\n" and "\""
        // in the JSON text, where a mask for "password = ..." used to run into the next line.
        o.run_record_json = R"({"run_id":"run-1","message":"said \"no\"","steps":[{"stdout":)"
                            R"("password = RunRecSecret\napi_key: RunRecApiKey\nok \"done\"\n",)"
                            R"("stderr":"x\ntoken: RunRecErrTok3n\n"}]})";
        o.dns_test_hosts = {"localhost"};
        const std::vector<DiagnosticItem> items = {
            fact("proxy"),
            command("environment", {"env"}),
            command("noisy",
                    {"/bin/sh", "-c",
                     "echo password=Hunter2Secret; echo 'Authorization: Bearer Tok3nBearer';"
                     " echo curl https://admin:UrlPassw0rd@intranet/; "
                     "echo logged in as fixtrayuser on fixtrayhost.corp; exit 2"}),
            command("argv", {"echo", "--password=ArgvSecret", "visible"}),
            command("key-printer", {"cat", dir / "key.pem"}),
            file("app.conf", dir / "app.conf"),
            file("key", dir / "key.pem"),
            fact("run.record"),
            fact("os"),
            command("slow", {"sleep", "30"}),
        };
        SystemProcessRunner runner;
        CancelToken cancel;
        o.timeout = 2s;
        report = collect_diagnostics(items, runner, o, cancel);
        ::unsetenv("https_proxy");
        options.redaction.pseudonymise = true;
        options.redaction.user_names = {"fixtrayuser"};
        options.redaction.host_names = {"fixtrayhost.corp", "fixtrayhost"};
        options.fix_id = "reset-network";
        options.run_id = "run-1";
        bundle = dir / "bundle.tar.gz";
    }
};

const nlohmann::json& manifest_item(const nlohmann::json& manifest, const std::string& name) {
    for (const auto& i : manifest["items"])
        if (i["name"] == name) return i;
    FAIL("no item " << name);
    return manifest;
}

}  // namespace

TEST_CASE("bundle: seeded secrets never appear anywhere in the written bundle") {
    // Environment proxy password, command output and argv, a config file, the run record, a
    // private key printed by a command, user and host names: none survives, byte for byte.
    Seeded s;
    const auto written = write_bundle(s.report, s.bundle, s.options);
    REQUIRE_MESSAGE(written.ok(), written.message());
    CHECK(written->size == fs::file_size(s.bundle));
    CHECK((fs::status(s.bundle).permissions() & fs::perms::others_read) == fs::perms::none);
    for (const auto& blob : every_byte(s.bundle, s.dir))
        for (const auto& secret : kSecrets) {
            INFO(secret);
            CHECK(blob.find(secret) == std::string::npos);
        }
    CHECK(written->pseudonyms.at("fixtrayuser") == "user-1");
    CHECK(written->pseudonyms.at("fixtrayhost") == "host-2");
    // The secrets were really in what was collected (or the test proves nothing).
    std::string collected;
    for (const auto& i : s.report.items) collected += i.content + i.source;
    for (const auto& secret : kSecrets) {
        if (secret == "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" || secret == "fixtrayhost") continue;
        INFO(secret);
        CHECK(collected.find(secret) != std::string::npos);
    }
}

TEST_CASE("bundle: the manifest records what ran, how it ended and what was redacted") {
    // Exit status, timeout, refusal, redaction counts, version and times, per item.
    Seeded s;
    const auto written = write_bundle(s.report, s.bundle, s.options);
    REQUIRE(written.ok());
    const auto contents = read_bundle(s.bundle);
    REQUIRE_MESSAGE(contents.ok(), contents.message());
    const auto& m = contents->manifest;
    CHECK(m == written->manifest);
    CHECK(m["format"] == "fixtray-diagnostics");
    CHECK(m["format_version"] == 1);
    CHECK(m["fixtray_version"] == "0.1.0");
    CHECK(m["fix_id"] == "reset-network");
    CHECK(m["run_id"] == "run-1");
    CHECK(m["platform"] == "linux");
    CHECK(m["pseudonymised"] == true);
    CHECK(m["created"].get<std::string>().size() >= 20);
    CHECK(m["items"].size() == s.report.items.size());
    CHECK(m.dump().find("fixtrayuser") == std::string::npos);  // the mapping is not in it

    const auto& noisy = manifest_item(m, "noisy");
    CHECK(noisy["kind"] == "command");
    CHECK(noisy["exit_code"] == 2);
    CHECK(noisy["timed_out"] == false);
    CHECK(noisy["file"] == "noisy.txt");
    CHECK(noisy["redactions"]["secrets"] == 2);
    CHECK(noisy["redactions"]["url_credentials"] == 1);
    CHECK(noisy["redactions"]["pseudonyms"] == 2);
    const auto& slow = manifest_item(m, "slow");
    CHECK(slow["timed_out"] == true);
    CHECK(slow["exit_code"] == -1);
    CHECK(slow["duration_ms"].get<int>() >= 1900);
    const auto& key = manifest_item(m, "key");
    CHECK(key["refused"] == true);
    CHECK(key["file"] == nullptr);
    CHECK(key["error"].get<std::string>().find("private key") != std::string::npos);
    CHECK(manifest_item(m, "key-printer")["redactions"]["private_keys"] == 1);
    CHECK(manifest_item(m, "argv")["argv"][1] == "--password=***");
    CHECK(manifest_item(m, "proxy")["kind"] == "fact");
    CHECK(manifest_item(m, "app.conf")["source"].get<std::string>().ends_with("/app.conf"));
    CHECK(m["redactions"]["secrets"].get<int>() >= 5);
}

TEST_CASE("bundle: reading back gives exactly what was written, entry by entry") {
    // Each item's file holds its redacted content; the entry list matches the manifest.
    Seeded s;
    const auto written = write_bundle(s.report, s.bundle, s.options);
    REQUIRE(written.ok());
    const auto contents = read_bundle(s.bundle);
    REQUIRE(contents.ok());
    REQUIRE(!contents->entries.empty());
    CHECK(contents->entries.front().name == "manifest.json");
    Redactor again(s.options.redaction);
    std::size_t files = 0;
    for (std::size_t i = 0; i < s.report.items.size(); ++i) {
        const auto& item = written->manifest["items"][i];
        std::string expected = s.report.items[i].content;
        if (s.report.items[i].json) {
            auto doc = nlohmann::json::parse(expected);
            again.redact_json(doc);
            expected = doc.dump(2) + "\n";
        } else {
            again.redact(expected);
        }
        if (item["file"].is_null()) continue;
        ++files;
        const Result<std::string> read = read_bundle_entry(s.bundle, item["file"]);
        REQUIRE(read.ok());
        const std::string& got = *read;
        INFO(item["name"]);
        CHECK(got == expected);
        CHECK(item["bytes"] == got.size());
    }
    CHECK(contents->entries.size() == files + 1);
    CHECK(read_bundle_entry(s.bundle, "nope.txt").message().find("no entry") != std::string::npos);
}

TEST_CASE("bundle: the employee removes an item and the bundle is rewritten without it") {
    // app.conf goes; the manifest keeps the item marked removed; the manifest itself stays.
    Seeded s;
    REQUIRE(write_bundle(s.report, s.bundle, s.options).ok());
    const auto before = read_bundle(s.bundle);
    CHECK(remove_bundle_entry(s.bundle, "app.conf.txt"));
    const auto after = read_bundle(s.bundle);
    REQUIRE(after.ok());
    CHECK(after->entries.size() == before->entries.size() - 1);
    for (const auto& e : after->entries) CHECK(e.name != "app.conf.txt");
    const auto& item = manifest_item(after->manifest, "app.conf");
    CHECK(item["removed"] == true);
    CHECK(item["file"] == nullptr);
    const Result<std::string> os = read_bundle_entry(s.bundle, "os.txt");
    CHECK(os.ok());
    const std::string os_text = os.ok() ? *os : std::string();
    CHECK(os_text.find("PRETTY_NAME") != std::string::npos);
    CHECK_FALSE(remove_bundle_entry(s.bundle, "manifest.json"));
    CHECK(remove_bundle_entry(s.bundle, "app.conf.txt").message().find("no entry") !=
          std::string::npos);
}

TEST_CASE("bundle: a bundle over the size cap is refused with a message naming the cap") {
    // 3 MiB of incompressible content against a 1 MiB cap: error, nothing left behind.
    test::TempDir dir;
    DiagnosticsReport report;
    DiagnosticResult r;
    r.name = "noise";
    std::mt19937 rng(7);
    r.content.resize(3 * 1024 * 1024);
    for (auto& c : r.content) c = static_cast<char>('!' + rng() % 90);
    report.items.push_back(r);
    BundleOptions options;
    options.max_bytes = 1024 * 1024;
    const std::string path = dir / "b.tar.gz";
    const auto written = write_bundle(report, path, options);
    CHECK_FALSE(written.ok());
    CHECK(written.message().find("size cap of 1.0 MiB") != std::string::npos);
    CHECK_FALSE(fs::exists(path));
    CHECK_FALSE(fs::exists(path + ".tmp"));
}

TEST_CASE("bundle: an invalid site redaction pattern stops the bundle from being written") {
    // A site asked for a pattern; writing without it could leak what it was meant to hide.
    test::TempDir dir;
    DiagnosticsReport report;
    BundleOptions options;
    options.redaction.extra_patterns = {"(broken"};
    const auto written = write_bundle(report, dir / "b.tar.gz", options);
    CHECK(written.message().find("redaction pattern 1") != std::string::npos);
    CHECK_FALSE(fs::exists(dir / "b.tar.gz"));
}

TEST_CASE("bundle: archives that are not ours are refused when read") {
    // Garbage, a tar.gz without manifest and one with a path that climbs out.
    test::TempDir dir;
    test::write_file(dir / "garbage.tar.gz", "not an archive at all");
    CHECK_FALSE(read_bundle(dir / "garbage.tar.gz").ok());
    test::write_file(dir / "src/readme.txt", "hello");
    REQUIRE(
        test::run_command({"tar", "-czf", dir / "plain.tar.gz", "-C", dir / "src", "readme.txt"})
            .exit_code == 0);
    CHECK(read_bundle(dir / "plain.tar.gz").message().find("no manifest.json") !=
          std::string::npos);
    REQUIRE(test::run_command(
                {"tar", "-czf", dir / "evil.tar.gz", "-P", "-C", dir / "src", "../src/readme.txt"})
                .exit_code == 0);
    CHECK(read_bundle(dir / "evil.tar.gz").message().find("unexpected entry") != std::string::npos);
}

TEST_CASE("bundle: item names become safe, unique file names") {
    // Slashes, dots and long names; two items with the same name.
    CHECK(bundle_file_name("network.routes") == "network.routes.txt");
    CHECK(bundle_file_name("../../etc/passwd") == "_.._etc_passwd.txt");
    CHECK(bundle_file_name("") == "item.txt");
    CHECK(bundle_file_name(std::string(200, 'a')).size() == 68);
    test::TempDir dir;
    DiagnosticsReport report;
    for (int i = 0; i < 2; ++i) {
        DiagnosticResult r;
        r.name = "same";
        r.content = "n" + std::to_string(i);
        report.items.push_back(r);
    }
    const auto written = write_bundle(report, dir / "b.tar.gz");
    REQUIRE(written.ok());
    CHECK(written->manifest["items"][0]["file"] == "same.txt");
    CHECK(written->manifest["items"][1]["file"] == "same-2.txt");
}

TEST_CASE("bundle: the run record is redacted value by value and is still valid JSON") {
    // Scenario (issue 15, item 1): the run record is a JSON document whose strings hold
    // several lines; redacting its text joined an escaped "\napi_key:" to the masked password
    // before it and left the next value in clear, and turned \" into ". Each value is
    // redacted on its own now: every secret goes, the rest stays, the file parses.
    Seeded s;
    const auto written = write_bundle(s.report, s.bundle, s.options);
    REQUIRE(written.ok());
    const auto& item = manifest_item(written->manifest, "run.record");
    const Result<std::string> read = read_bundle_entry(s.bundle, item["file"]);
    REQUIRE(read.ok());
    const auto doc = nlohmann::json::parse(*read);  // throws if it is not JSON
    const std::string out = doc["steps"][0]["stdout"];
    CHECK(out == "password = ***\napi_key: ***\nok \"done\"\n");
    CHECK(doc["steps"][0]["stderr"] == "x\ntoken: ***\n");
    CHECK(doc["message"] == "said \"no\"");
    CHECK(item["redactions"]["secrets"] == 3);
}
