// tests/services/nginx.sh: a private Debian nginx serving a feed directory, as fixtray clients
// will poll it: ETag on 200, 304 with no body for a matching If-None-Match, 200 again on change.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "base/cancel_token.h"
#include "net/http_client.h"
#include "support/escalation_test_support.h"
#include "support/test_helpers.h"

using namespace fixtray;
using fixtray::test::TempDir;
using fixtray::test::TestService;
using fixtray::test::write_file;

namespace {

HttpResponse get(const std::string& url, const std::string& if_none_match = "") {
    CurlHttpClient http;
    HttpRequest req;
    req.url = url;
    if (!if_none_match.empty()) req.headers.emplace_back("If-None-Match", if_none_match);
    CancelToken never;
    HttpResponse r = http.send(req, never);
    INFO(url << ": " << r.error);
    REQUIRE(r.ok);
    return r;
}

std::string header(const HttpResponse& r, const std::string& name) {
    auto it = r.headers.find(name);
    return it == r.headers.end() ? std::string() : it->second;
}

}  // namespace

TEST_CASE("nginx service: ETag on 200, 304 for a matching If-None-Match, 200 after a change") {
    // Scenario: a client fetches the feed index, revalidates it, then the index changes.
    TempDir root;
    // nginx's workers run as nobody when the test runs as root: ROOT must be world-readable.
    std::filesystem::permissions(root.path(), std::filesystem::perms::owner_all |
                                                  std::filesystem::perms::group_read |
                                                  std::filesystem::perms::group_exec |
                                                  std::filesystem::perms::others_read |
                                                  std::filesystem::perms::others_exec);
    // nginx's ETag is "mtime-size" (hex): the first version is dated two minutes back so the
    // second one, of the same size, gets a different ETag.
    const std::string v1 = "<feed><pack id=\"remap-printers\" version=\"1\"/></feed>\n";
    const std::string v2 = "<feed><pack id=\"remap-printers\" version=\"2\"/></feed>\n";
    write_file(root.path() / "index.xml", v1, std::chrono::seconds(120));

    TestService nginx("nginx.sh", {root.str()});
    const std::string url = nginx.env("FIXTRAY_TEST_NGINX_URL") + "index.xml";
    CHECK(nginx.env("FIXTRAY_TEST_NGINX_URL").rfind("http://127.0.0.1:", 0) == 0);

    const HttpResponse first = get(url);
    CHECK(first.status == 200);
    CHECK(first.body == v1);
    const std::string etag = header(first, "etag");
    INFO("ETag: " << etag);
    REQUIRE(etag.size() > 2);
    CHECK(etag.front() == '"');
    CHECK(header(first, "last-modified") != "");

    const HttpResponse again = get(url, etag);
    CHECK(again.status == 304);
    CHECK(again.body.empty());
    CHECK(header(again, "etag") == etag);

    write_file(root.path() / "index.xml", v2);
    const HttpResponse changed = get(url, etag);
    CHECK(changed.status == 200);
    CHECK(changed.body == v2);
    CHECK(header(changed, "etag") != etag);
    CHECK(header(changed, "etag") != "");

    CHECK(get(nginx.env("FIXTRAY_TEST_NGINX_URL") + "missing.xml").status == 404);
    // No directory listing.
    CHECK(get(nginx.env("FIXTRAY_TEST_NGINX_URL")).status != 200);
}
