// url_encode: query values from support requests and servers go into URLs percent-encoded.
#include <doctest/doctest.h>

#include <string>

#include "net/url_encode.h"

using namespace fixtray;

TEST_CASE("url_encode: unreserved characters stay, every other byte is %XX upper case") {
    // Scenario: hostile text (delimiters, NUL, CR LF, UTF-8, high bytes) cannot break out of a
    // query value.
    CHECK(url_encode("") == "");
    CHECK(url_encode("AZaz09-._~") == "AZaz09-._~");
    CHECK(url_encode("a b&c=d?e#f/g%h+i") == "a%20b%26c%3Dd%3Fe%23f%2Fg%25h%2Bi");
    CHECK(url_encode(std::string("x\0y", 3)) == "x%00y");
    CHECK(url_encode("\r\n") == "%0D%0A");
    CHECK(url_encode("\xc3\xa9") == "%C3%A9");  // é in UTF-8
    CHECK(url_encode("\xff") == "%FF");
}
