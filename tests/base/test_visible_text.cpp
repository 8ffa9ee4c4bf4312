// visible_text (base/visible_text.h): what a terminal or a window would act on is made visible.
#include <doctest/doctest.h>

#include <string>

#include "base/visible_text.h"

using namespace fixtray;

TEST_CASE("visible_text: terminal controls become visible, text of any script stays") {
    // The sequences a hostile step's output or a foreach item could carry.
    CHECK(visible_text("\x1b]0;owned\x07title") == "\\x1b]0;owned\\x07title");  // set title
    CHECK(visible_text("\x1b[2J\x1b[H") == "\\x1b[2J\\x1b[H");                  // clear screen
    CHECK(visible_text("check...\rFAKE: ok") == "check...\\rFAKE: ok");         // overwrite
    CHECK(visible_text("\xc2\x9b"
                       "31m") == "\\u009b31m");  // C1 CSI, UTF-8
    CHECK(visible_text("\x9b"
                       "31m") == "\\x9b31m");  // lone 0x9b byte
    CHECK(visible_text("a\x7f"
                       "b\x01") == "a\\x7fb\\x01");
    CHECK(visible_text("abc\xe2\x80\xae"
                       "gpj.exe") == "abc\\u202egpj.exe");     // bidi override
    CHECK(visible_text("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // a surrogate
    CHECK(visible_text("\xc0\xaf") == "\\xc0\\xaf");           // overlong '/'
    CHECK(visible_text("\xe2\x82") == "\\xe2\\x82");           // cut short
    // Kept: tab, newline, CR LF as a line end, letters and symbols of every script.
    CHECK(visible_text("a\tb\nc\r\nd") == "a\tb\nc\nd");
    CHECK(visible_text("a\nb", false) == "a\\nb");
    const std::string words = "Grüße, 日本語, emoji \xf0\x9f\x98\x80, back\\slash";
    CHECK(visible_text(words) == words);
    CHECK(visible_text("") == "");
}
