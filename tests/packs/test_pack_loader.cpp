// Tests for the fix-pack loader: valid packs and the model they produce, the lexical helpers,
// hostile inputs, and the README examples against the XML Schema. Error paths, one per test,
// are in test_pack_loader_errors.cpp.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include <unistd.h>

#include "packs/pack_loader.h"

using namespace fixtray;
namespace fs = std::filesystem;

namespace {

std::string data_path(const std::string& rel) {
    return std::string(FIXTRAY_TEST_DATA) + "/packs/" + rel;
}

std::string dump(const PackLoadResult& r) {
    std::string out;
    for (const auto& p : r.problems) out += p.str() + "\n";
    return out;
}

std::size_t count(const PackLoadResult& r, PackProblem::Severity sev) {
    std::size_t n = 0;
    for (const auto& p : r.problems) n += p.severity == sev;
    return n;
}

const PackProblem* find_problem(const PackLoadResult& r, const std::string& text) {
    for (const auto& p : r.problems)
        if (p.message.find(text) != std::string::npos) return &p;
    return nullptr;
}

const std::string kHead =
    R"(<fixpack xmlns="urn:fixtray:fixpack:1" id="org.example.test" version="1">)";

std::string pack_with_steps(const std::string& steps) {
    return kHead + "\n<fix id=\"a\" platforms=\"linux\"><title>T</title>\n<steps>" + steps +
           "</steps></fix></fixpack>";
}

std::string temp_file(const std::string& name) {
    return (fs::temp_directory_path() / ("fixtray-test-" + std::to_string(::getpid()) + "-" + name))
        .string();
}

}  // namespace

TEST_CASE("valid pack: every element of the format loads into the model") {
    // The all-features fixture (every README example inside one pack) loads with only the shell
    // warning, and the model holds what the XML says.
    const std::string path = data_path("valid/all-features.xml");
    const PackLoadResult r = load_pack_file(path);
    INFO(dump(r));
    REQUIRE(r.ok());
    CHECK(count(r, PackProblem::Severity::error) == 0);
    CHECK(count(r, PackProblem::Severity::warning) == 1);
    const FixPack& pack = *r.pack;
    CHECK(pack.id == "com.example.helpdesk.vpn");
    CHECK(pack.version == 3);
    CHECK(pack.file == path);
    CHECK(pack.dir == data_path("valid"));
    REQUIRE(pack.params.size() == 3);
    CHECK(pack.params[0].default_value == "https://intranet.example.com/health");
    CHECK(pack.params[2].is_list);
    CHECK(pack.params[2].fields == std::vector<std::string>{"name", "uri"});
    REQUIRE(pack.fixes.size() == 2);

    const Fix& fix = pack.fixes[0];
    CHECK(fix.id == "reset-network");
    CHECK(fix.where.line == 7);
    CHECK(fix.where.column == 3);
    CHECK(fix.category == "network");
    CHECK(fix.platforms == std::vector<Platform>{Platform::linux, Platform::macos});
    CHECK(fix.title.get("") == "Reset my network");
    CHECK(fix.title.get("de_DE.UTF-8") == "Netzwerk zurücksetzen");
    CHECK(fix.keywords == std::vector<std::string>{"wifi", "internet", "vpn", "dns"});
    REQUIRE(fix.conditions.size() == 3);
    CHECK(fix.conditions[2].kind == Condition::Kind::env_set);
    CHECK(fix.conditions[2].negate);
    CHECK(fix.confirm.get("en") == "Your connection drops for a few seconds.");
    REQUIRE(fix.check.size() == 1);
    REQUIRE(fix.steps.size() == 13);
    REQUIRE(fix.verify.size() == 1);
    REQUIRE(fix.revert.size() == 1);
    REQUIRE(fix.diagnostics.size() == 3);
    CHECK(fix.diagnostics[2].fact == "network.routes");
    CHECK(fix.needs_admin());
    CHECK(fix.runs_on(Platform::macos));
    CHECK_FALSE(fix.runs_on(Platform::windows));

    const Step& flush = fix.steps[0];
    CHECK(flush.kind == StepKind::run);
    CHECK(pack.location(flush.where).str() == path + ":23:7");
    CHECK(flush.where.line == 23);
    CHECK(flush.where.column == 7);
    CHECK(flush.label == "Flush the DNS cache");
    CHECK(flush.if_program == "resolvectl");
    CHECK(flush.argv == std::vector<std::string>{"resolvectl", "flush-caches"});
    CHECK(flush.timeout == std::chrono::seconds(60));
    CHECK(flush.ok_exit() == std::vector<int>{0});

    CHECK(fix.steps[1].capture == "queues");
    CHECK(fix.steps[1].ok_exit() == std::vector<int>{0, 1});
    CHECK(fix.steps[2].foreach_var == "printer");
    CHECK(fix.steps[2].foreach_list == "printers");
    CHECK(fix.steps[2].stdout_match == "enabled");
    CHECK(fix.steps[3].foreach_list == "queues");
    CHECK(fix.steps[3].continue_on_error);
    CHECK(fix.steps[3].timeout == std::chrono::seconds(30));
    const Step& shell = fix.steps[4];
    CHECK(shell.kind == StepKind::shell);
    CHECK(shell.interpreter == "sh");
    CHECK(shell.script == "test -n \"$1\"");
    CHECK(shell.argv == std::vector<std::string>{"${user}"});
    CHECK(fix.steps[5].kind == StepKind::delete_files);
    CHECK(fix.steps[5].root == "${cache}/thumbnails");
    CHECK(fix.steps[5].glob == "**");
    CHECK(fix.steps[6].process_name == "firefox");
    CHECK(fix.steps[6].grace == std::chrono::seconds(5));
    CHECK(fix.steps[8].port == 443);
    CHECK(fix.steps[9].path == "/etc/cups/printers.conf");
    CHECK(fix.steps[9].type == "file");
    CHECK_FALSE(fix.steps[10].expect_present);
    CHECK(fix.steps[11].duration == std::chrono::seconds(3));
    CHECK(fix.check[0].expect_status() == std::vector<int>{200, 204});

    // The same id on a platform the first fix does not cover is allowed.
    CHECK(pack.fixes[1].id == "reset-network");
    CHECK(pack.fixes[1].title.get("fr") == "Reset my network");
}

TEST_CASE("valid pack: a shell step loads but warns") {
    // A shell step is valid; the loader warns at the <shell> element and still returns the pack.
    const auto r = load_pack_from_string(
        pack_with_steps("<shell interpreter=\"bash\"><script>echo hi</script></shell>"), "p.xml");
    INFO(dump(r));
    REQUIRE(r.ok());
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].severity == PackProblem::Severity::warning);
    CHECK(r.problems[0].message == "shell steps run a command interpreter; prefer <run>");
    CHECK(r.problems[0].where.line == 3);
    CHECK(r.problems[0].where.column == 8);
    CHECK(r.problems[0].str() ==
          "p.xml:3:8: warning: shell steps run a command interpreter; prefer <run>");
}

TEST_CASE("valid pack: minimal pack from a file") {
    // The smallest useful pack loads without any problem and ${packdir} is the file's directory.
    const auto r = load_pack_file(data_path("valid/minimal.xml"));
    INFO(dump(r));
    REQUIRE(r.ok());
    CHECK(r.problems.empty());
    CHECK(r.pack->dir == data_path("valid"));
}

TEST_CASE("valid pack: variables, $$ escapes and captured lists") {
    // $$ is a literal dollar, a lone $ is literal, builtins and captures resolve.
    const auto r = load_pack_from_string(
        pack_with_steps("<run capture=\"names\"><arg>ls</arg><arg>${home}/$$x$</arg></run>"
                        "<run foreach=\"n in names\" except=\"names\"><arg>rm</arg>"
                        "<arg>${temp}/${n}</arg></run>"
                        "<run stdout-match=\"^ok$$\"><arg>${packdir}/check</arg></run>"),
        "p.xml", "/packs");
    INFO(dump(r));
    REQUIRE(r.ok());
    CHECK(r.pack->dir == "/packs");
    CHECK(r.pack->fixes[0].steps[1].foreach_except == "names");
}

TEST_CASE("errors: all problems are reported in one pass, in document order") {
    // Three unrelated mistakes in one file give three errors, sorted by position.
    const auto r =
        load_pack_from_string(kHead +
                                  "\n<fix id=\"Bad\" platforms=\"linux\"><title>T</title><steps>\n"
                                  "<wait duration=\"soon\"/>\n<tcp-connect host=\"h\" "
                                  "port=\"0\"/></steps></fix></fixpack>",
                              "p.xml");
    INFO(dump(r));
    CHECK_FALSE(r.ok());
    REQUIRE(count(r, PackProblem::Severity::error) == 3);
    CHECK(r.problems[0].where.line == 2);
    CHECK(r.problems[1].where.line == 3);
    CHECK(r.problems[2].where.line == 4);
}

TEST_CASE("errors: a location before the previous one is still exact") {
    // An attribute error on a later line, then the element's own error on an earlier line: the
    // line cursor steps back correctly.
    const auto r = load_pack_from_string(pack_with_steps("\n  <wait\n    bogus=\"1\"/>"), "p.xml");
    INFO(dump(r));
    const PackProblem* attr = find_problem(r, "unknown attribute \"bogus\" on <wait>");
    const PackProblem* missing = find_problem(r, "<wait> needs the attribute \"duration\"");
    REQUIRE(attr != nullptr);
    REQUIRE(missing != nullptr);
    CHECK(attr->where.line == 5);
    CHECK(attr->where.column == 5);
    CHECK(missing->where.line == 4);
    CHECK(missing->where.column == 3);
}

TEST_CASE("hostile: empty input") {
    // An empty file is refused with a clear message.
    const auto r = load_pack_from_string("", "empty.xml");
    REQUIRE(r.problems.size() == 1);
    CHECK_FALSE(r.ok());
    CHECK(r.problems[0].message == "the file is empty");
    // At 1:1, so an editor jumps to it like to any other problem.
    CHECK(r.problems[0].str() == "empty.xml:1:1: error: the file is empty");
}

TEST_CASE("hostile: white space only") {
    // A file with only white space has no root element.
    const auto r = load_pack_from_string("  \n\t\n", "ws.xml");
    CHECK_FALSE(r.ok());
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].message.find("no root element") == 0);
    CHECK(r.problems[0].str().find("ws.xml:1:1: error: ") == 0);
}

TEST_CASE("hostile: NUL byte inside the document") {
    // pugixml would stop at a NUL and accept a truncated document; the loader refuses it at the
    // exact byte.
    std::string xml = pack_with_steps("<run><arg>true</arg></run>");
    xml.insert(xml.find("\n<fix") + 6, 1, '\0');
    const auto r = load_pack_from_string(xml, "nul.xml");
    INFO(dump(r));
    CHECK_FALSE(r.ok());
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].message.find("NUL byte") == 0);
    CHECK(r.problems[0].where.line == 2);
    CHECK(r.problems[0].where.column == 6);
}

TEST_CASE("hostile: UTF-16 input") {
    // UTF-16 text is full of NUL bytes and is refused at the first one.
    const std::string xml("\xFF\xFE<\0f\0", 6);
    const auto r = load_pack_from_string(xml, "u16.xml");
    CHECK_FALSE(r.ok());
    REQUIRE_FALSE(r.problems.empty());
    CHECK(r.problems[0].where.line == 1);
    CHECK(r.problems[0].where.column == 1);  // 0xFF is not UTF-8
}

TEST_CASE("hostile: invalid UTF-8 in a title") {
    // A Latin-1 byte is reported where it is.
    const std::string xml = kHead +
                            "\n<fix id=\"a\" platforms=\"linux\"><title>caf\xE9</title>"
                            "<steps><run><arg>x</arg></run></steps></fix></fixpack>";
    const auto r = load_pack_from_string(xml, "l1.xml");
    CHECK_FALSE(r.ok());
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].message.find("invalid UTF-8") == 0);
    CHECK(r.problems[0].where.line == 2);
    CHECK(r.problems[0].where.column == 41);
}

TEST_CASE("hostile: random binary data") {
    // Random bytes never crash or throw, and always produce an error.
    std::mt19937 rng(12345);
    for (int round = 0; round < 200; ++round) {
        std::string data(1 + rng() % 4096, '\0');
        for (char& c : data) c = static_cast<char>(rng());
        const auto r = load_pack_from_string(data, "bin.xml");
        CHECK_FALSE(r.ok());
        CHECK_FALSE(r.problems.empty());
    }
}

TEST_CASE("hostile: 100k-deep element nesting") {
    // Nesting far deeper than max_depth neither recurses nor crashes; the error points at the
    // first element that is too deep.
    const int depth = 100'000;
    std::string xml = kHead;
    xml.reserve(depth * 8);
    for (int i = 0; i < depth; ++i) xml += "<a>";
    for (int i = 0; i < depth; ++i) xml += "</a>";
    xml += "</fixpack>";
    const auto r = load_pack_from_string(xml, "deep.xml");
    CHECK_FALSE(r.ok());
    const PackProblem* p = find_problem(r, "elements nested deeper than 32 levels");
    REQUIRE(p != nullptr);
    CHECK(p->where.line == 1);
    CHECK(p->where.column == static_cast<int>(kHead.size()) + 31 * 3 + 1);
}

TEST_CASE("hostile: 50 MB file is refused before parsing") {
    // A 50 MB file exceeds the 4 MB default limit and is refused without being parsed.
    const std::string path = temp_file("big.xml");
    {
        std::string chunk(1 << 20, ' ');
        std::FILE* f = std::fopen(path.c_str(), "wb");
        REQUIRE(f != nullptr);
        std::fputs(kHead.c_str(), f);
        for (int i = 0; i < 50; ++i) std::fwrite(chunk.data(), 1, chunk.size(), f);
        std::fputs("</fixpack>", f);
        std::fclose(f);
    }
    const auto start = std::chrono::steady_clock::now();
    const auto r = load_pack_file(path);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    fs::remove(path);
    CHECK_FALSE(r.ok());
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].message == "the file is larger than the limit of 4194304 bytes");
    CHECK(elapsed < std::chrono::seconds(2));
}

TEST_CASE("hostile: oversized string is refused before parsing") {
    // load_pack_from_string applies max_bytes too.
    PackLoadLimits limits;
    limits.max_bytes = 100;
    const auto r =
        load_pack_from_string(pack_with_steps("<run><arg>x</arg></run>"), "p.xml", {}, limits);
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].message.find("the limit is 100 bytes") != std::string::npos);
}

TEST_CASE("hostile: DOCTYPE entity bomb") {
    // A billion-laughs DOCTYPE is rejected; nothing is expanded and the error is at <!DOCTYPE.
    const auto r = load_pack_file(data_path("invalid/entity-bomb.xml"));
    INFO(dump(r));
    CHECK_FALSE(r.ok());
    REQUIRE_FALSE(r.problems.empty());
    CHECK(r.problems[0].message == "DOCTYPE is not allowed in fix packs");
    CHECK(r.problems[0].where.line == 2);
    CHECK(r.problems[0].where.column == 1);
}

TEST_CASE("hostile: two root elements") {
    // A second root, which pugixml alone accepts, is an error at the second root.
    const auto r = load_pack_from_string(
        pack_with_steps("<run><arg>x</arg></run>") + "\n  <fixpack/>", "two.xml");
    CHECK_FALSE(r.ok());
    const PackProblem* p = find_problem(r, "a second root element");
    REQUIRE(p != nullptr);
    CHECK(p->where.line == 4);
    CHECK(p->where.column == 3);
}

TEST_CASE("hostile: too many fixes and steps") {
    // The limits on fixes and steps per phase are enforced with one error each.
    PackLoadLimits limits;
    limits.max_fixes = 2;
    limits.max_steps_per_phase = 2;
    std::string xml = kHead;
    for (int i = 0; i < 3; ++i)
        xml +=
            "<fix id=\"f" + std::to_string(i) +
            "\" platforms=\"linux\"><title>T</title><steps>"
            "<wait duration=\"1s\"/><wait duration=\"1s\"/><wait duration=\"1s\"/></steps></fix>";
    xml += "</fixpack>";
    const auto r = load_pack_from_string(xml, "many.xml", {}, limits);
    INFO(dump(r));
    CHECK_FALSE(r.ok());
    CHECK(find_problem(r, "too many fixes: the limit is 2") != nullptr);
    CHECK(find_problem(r, "too many steps in <steps>: the limit is 2") != nullptr);
}

TEST_CASE("load_pack_file: a missing file") {
    // A file that cannot be opened is an error naming the file.
    const auto r = load_pack_file("/nonexistent/pack.xml");
    CHECK_FALSE(r.ok());
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].str().rfind("/nonexistent/pack.xml: error: cannot open", 0) == 0);
}

TEST_CASE("parse_duration_ms: units, bare seconds and malformed input") {
    // Every unit of the format, a bare number as seconds, and everything else rejected.
    CHECK(parse_duration_ms("500ms") == 500);
    CHECK(parse_duration_ms("30s") == 30'000);
    CHECK(parse_duration_ms("5m") == 300'000);
    CHECK(parse_duration_ms("2h") == 7'200'000);
    CHECK(parse_duration_ms("7d") == 604'800'000);
    CHECK(parse_duration_ms("12") == 12'000);
    CHECK(parse_duration_ms("0s") == 0);
    CHECK_FALSE(parse_duration_ms(""));
    CHECK_FALSE(parse_duration_ms("-1s"));
    CHECK_FALSE(parse_duration_ms("1.5s"));
    CHECK_FALSE(parse_duration_ms(" 1s"));
    CHECK_FALSE(parse_duration_ms("1 s"));
    CHECK_FALSE(parse_duration_ms("1S"));
    CHECK_FALSE(parse_duration_ms("s"));
    CHECK_FALSE(parse_duration_ms("99999999999999999999d"));
    CHECK_FALSE(parse_duration_ms("9999999999999999d"));
}

TEST_CASE("location_of: lines and byte columns") {
    // Offsets map to 1-based line and byte column; past the end clamps to the end.
    const std::string text = "ab\ncd\n\xC3\xA9x";
    CHECK(location_of(text, 0, "f").str() == "f:1:1");
    CHECK(location_of(text, 2, "f").str() == "f:1:3");
    CHECK(location_of(text, 3, "f").str() == "f:2:1");
    CHECK(location_of(text, 8, "f").str() == "f:3:3");
    CHECK(location_of(text, 1000, "f").str() == "f:3:4");
}

TEST_CASE("SourceLocation::str omits what is unknown") {
    // file:line:col, file:line, file, line:col.
    CHECK(SourceLocation{"a.xml", 3, 7}.str() == "a.xml:3:7");
    CHECK(SourceLocation{"a.xml", 3, 0}.str() == "a.xml:3");
    CHECK(SourceLocation{"a.xml", 0, 0}.str() == "a.xml");
    CHECK(SourceLocation{"", 3, 7}.str() == "3:7");
    CHECK(SourceLocation{}.str().empty());
}

TEST_CASE("LocalizedText::get picks the best language") {
    // Exact tag, then the language alone, then another region, then en, untagged, any.
    LocalizedText t;
    t.by_lang = {{"", "default"}, {"en", "english"}, {"de", "deutsch"}, {"pt-BR", "brasil"}};
    CHECK(t.get("de_DE.UTF-8") == "deutsch");
    CHECK(t.get("de-AT") == "deutsch");
    CHECK(t.get("de") == "deutsch");
    CHECK(t.get("pt_BR.UTF-8") == "brasil");
    CHECK(t.get("pt_PT") == "brasil");
    CHECK(t.get("fr_FR") == "english");
    CHECK(t.get("C") == "english");
    CHECK(t.get("") == "english");
    LocalizedText untagged;
    untagged.by_lang = {{"", "default"}, {"de", "deutsch"}};
    CHECK(untagged.get("fr") == "default");
    LocalizedText only;
    only.by_lang = {{"fi", "suomi"}};
    CHECK(only.get("sv") == "suomi");
    CHECK(LocalizedText{}.get("de").empty());
}

TEST_CASE("platform and step kind names") {
    // Names round-trip and match the XML element names.
    for (Platform p : {Platform::linux, Platform::windows, Platform::macos})
        CHECK(platform_from_string(to_string(p)) == p);
    CHECK_FALSE(platform_from_string("Linux"));
    CHECK(current_platform() == Platform::linux);
    CHECK(std::string(to_string(StepKind::delete_files)) == "delete-files");
    CHECK(std::string(to_string(StepKind::end_process)) == "end-process");
    CHECK(std::string(to_string(StepKind::http_probe)) == "http-probe");
    CHECK(std::string(to_string(StepKind::dns_resolve)) == "dns-resolve");
    CHECK(std::string(to_string(StepKind::tcp_connect)) == "tcp-connect");
    CHECK(std::string(to_string(StepKind::wait)) == "wait");
}

TEST_CASE("schema: README examples and valid fixtures validate with xmllint") {
    // Each ```xml example of fixes/README.md, wrapped into a pack where it is a fragment, and
    // every valid fixture validate against fixes/fixpack.xsd. xmllint is a test dependency
    // (libxml2-utils in .ci/test-deps.txt): without it the test fails, it does not pass unchecked.
    REQUIRE_MESSAGE(std::system("command -v xmllint >/dev/null 2>&1") == 0,
                    "xmllint not found: install libxml2-utils (listed in .ci/test-deps.txt)");
    const std::string src = FIXTRAY_SOURCE_DIR;
    const std::string xsd = src + "/fixes/fixpack.xsd";
    std::ifstream in(src + "/fixes/README.md");
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string readme = ss.str();
    const std::string open =
        "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"com.example.t\" version=\"1\">\n"
        "<param name=\"probe_url\"/><param name=\"probe_host\"/>"
        "<param name=\"printers\" list=\"true\" fields=\"name uri\"/>\n";
    const std::string fix_open = "<fix id=\"x\" platforms=\"linux\"><title>T</title>\n";
    int examples = 0;
    for (std::size_t at = readme.find("```xml\n"); at != std::string::npos;
         at = readme.find("```xml\n", at + 1)) {
        const std::size_t start = at + 7;
        const std::string body = readme.substr(start, readme.find("```", start) - start);
        // Announcements are feed XML, not pack XML (their format has its own tests:
        // tests/feed/test_feed_announcements.cpp).
        if (body.find("<announcements") != std::string::npos) continue;
        std::string doc;
        if (body.find("</fixpack>") != std::string::npos)
            doc = body;  // a complete pack (the worked example)
        else if (body.find("<fixpack") != std::string::npos)
            doc = body + fix_open + "<steps><wait duration=\"1s\"/></steps></fix></fixpack>\n";
        else if (body.find("<param") != std::string::npos)
            doc =
                open + body + fix_open + "<steps><wait duration=\"1s\"/></steps></fix></fixpack>\n";
        else if (body.find("<when>") != std::string::npos)
            doc =
                open + fix_open + body + "<steps><wait duration=\"1s\"/></steps></fix></fixpack>\n";
        else if (body.find("<diagnostics>") != std::string::npos)
            doc = open + fix_open + "<steps><wait duration=\"1s\"/></steps>" + body +
                  "</fix></fixpack>\n";
        else
            doc = open + fix_open + "<steps>" + body + "</steps></fix></fixpack>\n";
        const std::string path = temp_file("example" + std::to_string(examples++) + ".xml");
        {
            std::ofstream out(path);
            out << doc;
        }
        const std::string cmd =
            "xmllint --noout --schema '" + xsd + "' '" + path + "' >/dev/null 2>&1";
        INFO("example " << examples << ":\n" << doc);
        CHECK(std::system(cmd.c_str()) == 0);
        fs::remove(path);
    }
    CHECK(examples >= 5);
    for (const char* valid : {"valid/all-features.xml", "valid/minimal.xml"}) {
        const std::string cmd =
            "xmllint --noout --schema '" + xsd + "' '" + data_path(valid) + "' >/dev/null 2>&1";
        INFO(valid);
        CHECK(std::system(cmd.c_str()) == 0);
    }
}

TEST_CASE("detach: a run or shell step may keep what it starts, and other steps may not say so") {
    const auto ok = load_pack_from_string(
        pack_with_steps("<run detach=\"true\"><arg>true</arg></run><run><arg>true</arg></run>"),
        "p.xml");
    INFO(dump(ok));
    REQUIRE(ok.ok());
    REQUIRE(ok.pack->fixes[0].steps.size() == 2);
    CHECK(ok.pack->fixes[0].steps[0].detach);
    CHECK_FALSE(ok.pack->fixes[0].steps[1].detach);
    const auto bad =
        load_pack_from_string(pack_with_steps("<wait duration=\"1s\" detach=\"true\"/>"), "p.xml");
    CHECK_FALSE(bad.ok());
    CHECK(find_problem(bad, "unknown attribute \"detach\" on <wait>") != nullptr);
}
