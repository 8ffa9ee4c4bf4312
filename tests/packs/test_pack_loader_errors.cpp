// Tests for the fix-pack loader: one test per error path, each with its fixture in
// tests/data/packs/invalid/, asserting the message and its exact line and column.
#include <doctest/doctest.h>

#include <string>

#include "packs/pack_loader.h"

using namespace fixtray;

namespace {

std::string dump(const PackLoadResult& r) {
    std::string out;
    for (const auto& p : r.problems) out += p.str() + "\n";
    return out;
}

// Loads tests/data/packs/invalid/NAME.xml and expects an error containing `message` at line:col.
void expect_error(const std::string& name, int line, int column, const std::string& message) {
    const std::string path = std::string(FIXTRAY_TEST_DATA) + "/packs/invalid/" + name + ".xml";
    const PackLoadResult r = load_pack_file(path);
    INFO(dump(r));
    CHECK_FALSE(r.ok());
    const PackProblem* found = nullptr;
    for (const auto& p : r.problems)
        if (p.severity == PackProblem::Severity::error &&
            p.message.find(message) != std::string::npos) {
            found = &p;
            break;
        }
    REQUIRE(found != nullptr);
    CHECK(found->where.file == path);
    CHECK(found->where.line == line);
    CHECK(found->where.column == column);
}

}  // namespace

TEST_CASE("invalid pack: wrong-root") {
    // The root element is not <fixpack>: an error at 1:1.
    expect_error("wrong-root", 1, 1, "the root element must be <fixpack>, not <fixes>");
}

TEST_CASE("invalid pack: missing-xmlns") {
    // The root has no xmlns: an error at 1:1.
    expect_error("missing-xmlns", 1, 1, "<fixpack> needs xmlns=\"urn:fixtray:fixpack:1\"");
}

TEST_CASE("invalid pack: wrong-xmlns") {
    // The root has a foreign namespace: an error at 1:10.
    expect_error("wrong-xmlns", 1, 10,
                 "wrong namespace \"urn:other\": expected \"urn:fixtray:fixpack:1\"");
}

TEST_CASE("invalid pack: two-roots") {
    // Two root elements: an error at 11:1.
    expect_error("two-roots", 11, 1,
                 "a second root element <fixpack>: a fix pack has exactly one <fixpack>");
}

TEST_CASE("invalid pack: text-outside-root") {
    // Text after the root element: an error at 11:1.
    expect_error("text-outside-root", 11, 1, "text outside the root element");
}

TEST_CASE("invalid pack: doctype") {
    // A DOCTYPE declaration: an error at 2:1.
    expect_error("doctype", 2, 1, "DOCTYPE is not allowed in fix packs");
}

TEST_CASE("invalid pack: entity-bomb") {
    // A DOCTYPE with a billion-laughs entity bomb: an error at 2:1.
    expect_error("entity-bomb", 2, 1, "DOCTYPE is not allowed in fix packs");
}

TEST_CASE("invalid pack: unknown-element") {
    // An unknown element inside <fix>: an error at 6:5.
    expect_error("unknown-element", 6, 5, "unknown element <notes> in <fix>");
}

TEST_CASE("invalid pack: unknown-step") {
    // An unknown step kind: an error at 7:7.
    expect_error("unknown-step", 7, 7, "unknown step <reboot>");
}

TEST_CASE("invalid pack: unknown-attribute") {
    // A misspelt step attribute: an error at 7:12.
    expect_error("unknown-attribute", 7, 12, "unknown attribute \"timout\" on <run>");
}

TEST_CASE("invalid pack: attribute-wrong-kind") {
    // An attribute of another step kind: an error at 7:27.
    expect_error("attribute-wrong-kind", 7, 27, "unknown attribute \"url\" on <wait>");
}

TEST_CASE("invalid pack: duplicate-attribute") {
    // The same attribute twice: an error at 7:27.
    expect_error("duplicate-attribute", 7, 27, "attribute \"duration\" is given twice");
}

TEST_CASE("invalid pack: missing-pack-id") {
    // The pack has no id: an error at 1:1.
    expect_error("missing-pack-id", 1, 1, "<fixpack> needs the attribute \"id\"");
}

TEST_CASE("invalid pack: bad-pack-id") {
    // The pack id is not lower-case reverse-DNS: an error at 1:40.
    expect_error("bad-pack-id", 1, 40, "bad pack id \"Org.Example\"");
}

TEST_CASE("invalid pack: bad-version") {
    // Version is zero: an error at 1:62.
    expect_error("bad-version", 1, 62, "version must be a whole number >= 1, not \"0\"");
}

TEST_CASE("invalid pack: version-not-number") {
    // Version is not a number: an error at 1:62.
    expect_error("version-not-number", 1, 62, "version must be a whole number >= 1, not \"1.2\"");
}

TEST_CASE("invalid pack: missing-fix-id") {
    // A fix without id: an error at 4:3.
    expect_error("missing-fix-id", 4, 3, "<fix> needs the attribute \"id\"");
}

TEST_CASE("invalid pack: bad-fix-id") {
    // A fix id with upper case and underscore: an error at 4:8.
    expect_error("bad-fix-id", 4, 8, "bad fix id \"Reset_Net\"");
}

TEST_CASE("invalid pack: duplicate-fix-id") {
    // Two fixes with the same id on an overlapping platform: an error at 10:8.
    expect_error("duplicate-fix-id", 10, 8,
                 "fix id \"a\" is already used on the same platform by the fix at line 4");
}

TEST_CASE("invalid pack: unknown-platform") {
    // An unknown platform name: an error at 4:15.
    expect_error("unknown-platform", 4, 15, "unknown platform \"beos\"");
}

TEST_CASE("invalid pack: missing-platforms") {
    // A fix without platforms: an error at 4:3.
    expect_error("missing-platforms", 4, 3, "<fix> needs the attribute \"platforms\"");
}

TEST_CASE("invalid pack: unknown-category") {
    // A category outside the list: an error at 4:15.
    expect_error("unknown-category", 4, 15, "unknown category \"misc\"");
}

TEST_CASE("invalid pack: no-steps-element") {
    // A fix without <steps>: an error at 2:3.
    expect_error("no-steps-element", 2, 3, "a fix needs at least one step in <steps>");
}

TEST_CASE("invalid pack: empty-steps") {
    // A fix with an empty <steps>: an error at 6:5.
    expect_error("empty-steps", 6, 5, "a fix needs at least one step in <steps>");
}

TEST_CASE("invalid pack: no-fallback-title") {
    // Only a translated title: an error at 4:3.
    expect_error("no-fallback-title", 4, 3,
                 "a fix needs a <title> without xml:lang (or with xml:lang=\"en\")");
}

TEST_CASE("invalid pack: no-fix") {
    // A pack without fixes: an error at 1:1.
    expect_error("no-fix", 1, 1, "a fix pack needs at least one <fix>");
}

TEST_CASE("invalid pack: out-of-order") {
    // <steps> before <title>: an error at 4:5.
    expect_error("out-of-order", 4, 5, "<title> must come before <steps>");
}

TEST_CASE("invalid pack: param-after-fix") {
    // A <param> after the first <fix>: an error at 10:3.
    expect_error("param-after-fix", 10, 3, "<param> must come before the first <fix>");
}

TEST_CASE("invalid pack: bad-timeout") {
    // A malformed duration: an error at 7:12.
    expect_error("bad-timeout", 7, 12, "bad duration \"5 minutes\" for \"timeout\"");
}

TEST_CASE("invalid pack: zero-timeout") {
    // A zero timeout: an error at 7:12.
    expect_error("zero-timeout", 7, 12, "timeout must be more than 0");
}

TEST_CASE("invalid pack: grace-over-timeout") {
    // end-process with grace="6s" and timeout="1s": the step would take 6 s; an error at the
    // grace attribute, 5:48.
    expect_error("grace-over-timeout", 5, 48,
                 "grace (6s) is longer than the step's timeout (1s): the step would time out "
                 "first");
}

TEST_CASE("invalid pack: grace-over-default-timeout") {
    // grace="2h" with the default timeout (1m): an error at 5:35. grace equal to the timeout
    // (the next step) is accepted: only the first is reported.
    expect_error("grace-over-default-timeout", 5, 35,
                 "grace (2h) is longer than the step's timeout (1m, the default)");
    const PackLoadResult r = load_pack_file(std::string(FIXTRAY_TEST_DATA) +
                                            "/packs/invalid/grace-over-default-timeout.xml");
    CHECK(r.problems.size() == 1);
}

TEST_CASE("invalid pack: bad-ok-exit") {
    // A malformed exit-code list: an error at 7:12.
    expect_error("bad-ok-exit", 7, 12, "bad ok-exit \"0,1\"");
}

TEST_CASE("invalid pack: bad-expect-status") {
    // An HTTP status out of range: an error at 7:36.
    expect_error("bad-expect-status", 7, 36, "bad expect-status \"200 999\"");
}

TEST_CASE("invalid pack: bad-foreach") {
    // A foreach without "in": an error at 7:12.
    expect_error("bad-foreach", 7, 12,
                 "bad foreach \"printer printers\": write foreach=\"item in list\"");
}

TEST_CASE("invalid pack: foreach-unknown-list") {
    // A foreach over an undeclared list: an error at 7:12.
    expect_error("foreach-unknown-list", 7, 12, "foreach over unknown list \"queues\"");
}

TEST_CASE("invalid pack: foreach-scalar") {
    // A foreach over a scalar param: an error at 7:12.
    expect_error("foreach-scalar", 7, 12,
                 "foreach needs a list; param \"probe_url\" is not list=\"true\"");
}

TEST_CASE("invalid pack: undeclared-variable") {
    // A ${variable} nobody declared: an error at 7:32.
    expect_error("undeclared-variable", 7, 32,
                 "unknown variable ${gateway}: declare it with <param name=\"gateway\"/>");
}

TEST_CASE("invalid pack: unknown-field") {
    // A foreach field the list param does not have: an error at 7:58.
    expect_error("unknown-field", 7, 58,
                 "${p.model}: list param \"printers\" has no field \"model\"");
}

TEST_CASE("invalid pack: record-without-field") {
    // A record item used without a field: an error at 7:58.
    expect_error("record-without-field", 7, 58,
                 "${p} is a record; use one of its fields, e.g. ${p.name}");
}

TEST_CASE("invalid pack: list-as-scalar") {
    // A list param used as a plain value: an error at 7:32.
    expect_error("list-as-scalar", 7, 32,
                 "${printers} is a list; use it with foreach=\"item in printers\"");
}

TEST_CASE("invalid pack: capture-later-only") {
    // A captured list used before the step that captures it: an error at 7:12.
    expect_error("capture-later-only", 7, 12, "foreach over unknown list \"queues\"");
}

TEST_CASE("invalid pack: unterminated-variable") {
    // A ${ without its closing brace: an error at 7:32.
    expect_error("unterminated-variable", 7, 32, "malformed variable reference \"${user\"");
}

TEST_CASE("invalid pack: bad-interpreter") {
    // An unsupported shell interpreter: an error at 7:14.
    expect_error("bad-interpreter", 7, 14,
                 "unknown interpreter \"zsh\": use sh, bash, powershell or cmd");
}

TEST_CASE("invalid pack: bad-regex") {
    // An invalid stdout-match regular expression: RE2's own message at the attribute, 7:12.
    expect_error("bad-regex", 7, 12,
                 "invalid regular expression in stdout-match: missing ): (enabled");
}

TEST_CASE("invalid pack: regex-backreference") {
    // A back-reference: RE2 has none, and the message says so.
    expect_error("regex-backreference", 7, 12,
                 "invalid regular expression in stdout-match: invalid escape sequence: \\1; RE2 "
                 "has no back-references (see https://github.com/google/re2/wiki/Syntax)");
}

TEST_CASE("invalid pack: regex-lookaround") {
    // A look-ahead written for Perl or ECMAScript: refused, naming what RE2 lacks, at 7:12.
    expect_error("regex-lookaround", 7, 12,
                 "invalid regular expression in stdout-match: invalid perl operator: (?=; RE2 has "
                 "no look-ahead or look-behind");
}

TEST_CASE("invalid pack: regex-repeat") {
    // A repeat count above RE2's limit of 1000: RE2's message at 7:12.
    expect_error("regex-repeat", 7, 12,
                 "invalid regular expression in stdout-match: invalid repetition size: {1000}");
}

TEST_CASE("invalid pack: regex-too-large") {
    // Repeats within RE2's counts whose program exceeds the memory bound: refused at 7:12.
    expect_error("regex-too-large", 7, 12,
                 "invalid regular expression in stdout-match: pattern too large");
}

TEST_CASE("invalid pack: bad-url") {
    // An http-probe with an ftp URL: an error at 7:19.
    expect_error("bad-url", 7, 19, "url must start with http:// or https:// (or a ${variable})");
}

TEST_CASE("invalid pack: bad-port") {
    // A tcp-connect port out of range: an error at 7:39.
    expect_error("bad-port", 7, 39, "port must be a number from 1 to 65535, not \"70000\"");
}

TEST_CASE("invalid pack: zero-port") {
    // A tcp-connect port of zero: an error at 7:39.
    expect_error("zero-port", 7, 39, "port must be a number from 1 to 65535, not \"0\"");
}

TEST_CASE("invalid pack: glob-dotdot") {
    // A delete-files glob that climbs out of the root: an error at 7:37.
    expect_error("glob-dotdot", 7, 37, "glob must not contain \"..\"");
}

TEST_CASE("invalid pack: glob-absolute") {
    // A delete-files glob that is absolute: an error at 7:37.
    expect_error("glob-absolute", 7, 37, "glob must be relative to root");
}

TEST_CASE("invalid pack: root-relative") {
    // A delete-files root that is relative: an error at 7:21.
    expect_error("root-relative", 7, 21, "root must be absolute or start with a ${variable}");
}

TEST_CASE("invalid pack: missing-attribute") {
    // A wait without duration: an error at 7:7.
    expect_error("missing-attribute", 7, 7, "<wait> needs the attribute \"duration\"");
}

TEST_CASE("invalid pack: bad-boolean") {
    // A boolean written as yes: an error at 7:12.
    expect_error("bad-boolean", 7, 12, "\"admin\" must be \"true\" or \"false\", not \"yes\"");
}

TEST_CASE("invalid pack: run-without-args") {
    // A run without <arg>: an error at 7:7.
    expect_error("run-without-args", 7, 7, "<run> needs at least one <arg>: the program to run");
}

TEST_CASE("invalid pack: exists-path-and-glob") {
    // An exists step with path and glob: an error at 7:15.
    expect_error("exists-path-and-glob", 7, 15,
                 "<exists> takes either path or root and glob, not both");
}

TEST_CASE("invalid pack: param-builtin") {
    // A param that hides a built-in variable: an error at 2:10.
    expect_error("param-builtin", 2, 10, "param \"home\" would hide the built-in ${home}");
}

TEST_CASE("invalid pack: duplicate-title") {
    // Two untagged titles: an error at 6:5.
    expect_error("duplicate-title", 6, 5, "a second <title> without xml:lang");
}

TEST_CASE("invalid pack: unknown-condition") {
    // An unknown condition in <when>: an error at 6:11.
    expect_error("unknown-condition", 6, 11, "unknown element <file-exists> in <when>");
}

TEST_CASE("invalid pack: malformed-xml") {
    // A closing tag that does not match: an error at 4:5.
    expect_error("malformed-xml", 4, 5, "malformed XML: Start-end tags mismatch");
}

TEST_CASE("invalid pack: unclosed-attribute") {
    // An attribute value without its closing quote: an error at 2:25.
    expect_error("unclosed-attribute", 2, 25, "malformed XML:");
}
