// Pattern: the RE2 wrapper every regular expression from a pack or a site config goes through.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "packs/pattern.h"

using namespace fixtray;

namespace {

bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("pattern: search finds a match anywhere, ^ and $ anchor to the whole output") {
    // stdout-match's semantics: a partial match, anchored only where the author anchors it.
    CHECK(Pattern("enabled").search("printer lp0 is idle.  enabled since Mon"));
    CHECK(Pattern("\\benabled since").search("lp0 enabled since Mon"));
    CHECK_FALSE(Pattern("\\benabled since").search("lp0 disabled since Mon"));
    CHECK(Pattern("^ready$").search("ready"));
    CHECK_FALSE(Pattern("^ready$").search("not ready"));
    // Without (?m), $ is the end of the output: a trailing newline must be matched explicitly.
    CHECK_FALSE(Pattern("^ready$").search("ready\n"));
    CHECK(Pattern("^ready\\s*$").search("ready\n"));
    CHECK(Pattern("(?m)^ready$").search("starting\nready\ndone\n"));
    CHECK(Pattern("^\\S+ accepting requests").search("lp0 accepting requests since Mon"));
}

TEST_CASE("pattern: a nested repeat over a megabyte of output answers quickly") {
    // std::regex recursed once per character here and crashed from about 30 KB on.
    const std::string zeros(1 << 20, '0');
    std::string abs(1 << 20, 'a');
    abs[abs.size() / 2] = 'b';
    const Pattern p("^(a|b)*c$");
    REQUIRE(p.ok());
    const auto t0 = std::chrono::steady_clock::now();
    CHECK_FALSE(p.search(zeros));
    CHECK_FALSE(p.search(abs));
    CHECK(p.search(abs + "c"));
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
}

TEST_CASE("pattern: an invalid pattern is an error value with RE2's message") {
    // The author learns what is wrong and where in the pattern.
    const Pattern p("(enabled");
    CHECK_FALSE(p.ok());
    CHECK(p.error() == "missing ): (enabled");
    CHECK_FALSE(p.search("(enabled"));
    CHECK(Pattern("a{1001}").error() == "invalid repetition size: {1001}");
    CHECK(Pattern("enabled").error().empty());
}

TEST_CASE("pattern: back-references and look-around are refused and named") {
    // Authors coming from Perl or ECMAScript are told what RE2 lacks, not just "bad escape".
    for (const char* backref : {"(a)\\1", "(a)(b)\\9", "(?P<x>a)\\k<x>"}) {
        const Pattern p(backref);
        INFO(backref << " -> " << p.error());
        CHECK_FALSE(p.ok());
        CHECK(contains(p.error(), "RE2 has no back-references"));
        CHECK(contains(p.error(), "https://github.com/google/re2/wiki/Syntax"));
    }
    for (const char* around : {"ok(?=now)", "ok(?!later)", "(?<=say )ok", "(?<!not )ok"}) {
        const Pattern p(around);
        INFO(around << " -> " << p.error());
        CHECK_FALSE(p.ok());
        CHECK(contains(p.error(), "RE2 has no look-ahead or look-behind"));
    }
}

TEST_CASE("pattern: a digit run after a backslash is an octal escape, not an overflow") {
    // The pattern whose back-reference number overflowed std::regex's compiler: in RE2, \555 is
    // the octal code of U+016D and the other digits are literal.
    const Pattern p("(a)\\5555555555555555555");
    REQUIRE(p.ok());
    CHECK(p.search("a\u016d5555555555555555"));
    CHECK_FALSE(p.search("aa5555555555555555"));
}

TEST_CASE("pattern: memory is bounded and long messages are shortened") {
    // A pattern whose program exceeds the bound fails to compile instead of taking memory; a
    // message quoting 20000 open parentheses stays one readable line.
    const Pattern big("\\pL{1000}");
    CHECK_FALSE(big.ok());
    CHECK(contains(big.error(), "pattern too large"));
    const Pattern deep(std::string(20000, '('));
    CHECK_FALSE(deep.ok());
    CHECK(deep.error().size() < 200);
    CHECK(deep.error().ends_with("..."));
}

TEST_CASE("pattern: replace_in_lines masks each non-empty match within its line") {
    // Redaction's semantics: matches never span a line end, ^/$ are per line, empty matches
    // hide nothing and do not loop.
    std::string t = "badge EMP-123456 and EMP-654321\nnone here\nEMP-000001";
    CHECK(Pattern("EMP-[0-9]{6}").replace_in_lines(t, "***") == 3);
    CHECK(t == "badge *** and ***\nnone here\n***");

    std::string lines = "id 7\nid 8\nx id 9";
    CHECK(Pattern("^id [0-9]$").replace_in_lines(lines, "***") == 2);
    CHECK(lines == "***\n***\nx id 9");

    std::string split = "secret\nvalue";
    CHECK(Pattern("secret\\s+value").replace_in_lines(split, "***") == 0);
    CHECK(split == "secret\nvalue");

    std::string empty = "abc\n\nxx";
    CHECK(Pattern("x*").replace_in_lines(empty, "***") == 1);
    CHECK(empty == "abc\n\n***");

    std::string utf8 = "Grüße, Jürgen\n";
    CHECK(Pattern("J.rgen").replace_in_lines(utf8, "***") == 1);
    CHECK(utf8 == "Grüße, ***\n");

    std::string untouched = "abc";
    CHECK(Pattern("(bad").replace_in_lines(untouched, "***") == 0);
    CHECK(untouched == "abc");
}

TEST_CASE("pattern: stdout_match_problem checks what the loader can, with $$ as one $") {
    // Without ${variables} the pattern is checked at load; with them, when the step runs.
    CHECK(stdout_match_problem("^ok$$").ok());
    CHECK(stdout_match_problem("price \\$$5").ok());
    CHECK(stdout_match_problem("(enabled").message() ==
          "invalid regular expression in stdout-match: missing ): (enabled");
    CHECK(stdout_match_problem("(${printer}").ok());
    CHECK(contains(stdout_match_problem("(a)\\1").message(), "RE2 has no back-references"));
}
