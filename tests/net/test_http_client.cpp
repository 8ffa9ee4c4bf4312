// CurlHttpClient and the http_probe step against a real HTTP server on 127.0.0.1.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

#include "base/cancel_token.h"
#include "base/clock.h"
#include "engine/steps/builtin_steps.h"
#include "net/http_client.h"
#include "support/builtin_test_support.h"
#include "support/fake_ticket_server.h"

using namespace fixtray;
using namespace std::chrono_literals;
using test::HttpReply;
using test::LocalHttpServer;

namespace {

HttpReply ok_reply(const std::string&) {
    HttpReply r;
    r.body = "hello";
    r.headers = {{"X-Test-Header", "  Value  "}, {"ETag", "\"abc\""}};
    return r;
}

// A server handler that answers every request with `status` and no body.
LocalHttpServer::Handler answering(int status) {
    return [status](const std::string&) {
        HttpReply r;
        r.status = status;
        return r;
    };
}

// A server handler that reads the request and never answers.
HttpReply stalling(const std::string&) {
    HttpReply r;
    r.stall = true;
    return r;
}

// What an http_probe step runs with: the real curl client and clock.
struct ProbeRun {
    CurlHttpClient client;
    RealClock clock;
    CancelToken cancel;
    BuiltinContext ctx{client, clock, cancel};

    BuiltinResult probe(const Step& step) { return http_probe(step, ctx); }
};

Step probe_step(const std::string& url, std::chrono::milliseconds timeout = 5000ms) {
    Step s;
    s.kind = StepKind::http_probe;
    s.url = url;
    s.timeout = timeout;
    return s;
}

}  // namespace

TEST_CASE("http client: a 200 response returns status, body and lower-cased headers") {
    // GET from a local server that answers 200 with a body and two headers.
    LocalHttpServer server(ok_reply);
    CurlHttpClient client;
    CancelToken cancel;
    HttpRequest req;
    req.url = server.url("/health");
    const HttpResponse resp = client.send(req, cancel);
    REQUIRE(resp.ok);
    CHECK(resp.status == 200);
    CHECK(resp.body == "hello");
    CHECK_FALSE(resp.body_truncated);
    CHECK(resp.headers.at("x-test-header") == "Value");
    CHECK(resp.headers.at("etag") == "\"abc\"");
    REQUIRE(server.requests().size() == 1);
    CHECK(server.requests()[0].rfind("GET /health HTTP/1.1\r\n", 0) == 0);
}

TEST_CASE("http client: a 500 response is a received response, not a transport error") {
    // The server answers 500: ok (something answered) with status 500.
    LocalHttpServer server([](const std::string&) {
        HttpReply r;
        r.status = 500;
        r.body = "boom";
        return r;
    });
    CurlHttpClient client;
    CancelToken cancel;
    HttpRequest req;
    req.url = server.url();
    const HttpResponse resp = client.send(req, cancel);
    CHECK(resp.ok);
    CHECK(resp.status == 500);
    CHECK(resp.body == "boom");
}

TEST_CASE("http client: POST sends the method, body and custom headers") {
    // A POST with a JSON body and a header arrives at the server as written.
    LocalHttpServer server(ok_reply);
    CurlHttpClient client;
    CancelToken cancel;
    HttpRequest req;
    req.method = "POST";
    req.url = server.url("/tickets");
    req.body = R"({"a":1})";
    req.headers = {{"Content-Type", "application/json"}, {"X-Token", "t1"}};
    const HttpResponse resp = client.send(req, cancel);
    REQUIRE(resp.ok);
    REQUIRE(server.requests().size() == 1);
    const std::string raw = server.requests()[0];
    CHECK(raw.rfind("POST /tickets HTTP/1.1\r\n", 0) == 0);
    CHECK(raw.find("Content-Type: application/json\r\n") != std::string::npos);
    CHECK(raw.find("X-Token: t1\r\n") != std::string::npos);
    CHECK(raw.substr(raw.size() - 7) == R"({"a":1})");
}

TEST_CASE("http client: a body over max_body is cut and the transfer aborted") {
    // 1 MiB answer with and without Content-Length, max_body 1000: body_truncated, 1000 bytes kept.
    for (bool send_length : {true, false}) {
        CAPTURE(send_length);
        LocalHttpServer server([send_length](const std::string&) {
            HttpReply r;
            r.body = std::string(1024 * 1024, 'x');
            r.send_length = send_length;
            return r;
        });
        CurlHttpClient client;
        CancelToken cancel;
        HttpRequest req;
        req.url = server.url();
        req.max_body = 1000;
        const HttpResponse resp = client.send(req, cancel);
        CHECK(resp.ok);
        CHECK(resp.status == 200);
        CHECK(resp.body_truncated);
        CHECK(resp.body.size() == 1000);
    }
}

TEST_CASE("http client: a stalled server hits the overall timeout") {
    // The server reads the request and never answers; timeout 300 ms.
    LocalHttpServer server(stalling);
    CurlHttpClient client;
    CancelToken cancel;
    HttpRequest req;
    req.url = server.url();
    req.timeout = 300ms;
    const auto t0 = std::chrono::steady_clock::now();
    const HttpResponse resp = client.send(req, cancel);
    const auto took = std::chrono::steady_clock::now() - t0;
    CHECK_FALSE(resp.ok);
    CHECK(resp.timed_out);
    CHECK_FALSE(resp.error.empty());
    CHECK(took >= 250ms);
    CHECK(took < 3s);
}

TEST_CASE("http client: cancel stops a stalled transfer within about 100 ms") {
    // A stalled server, a 30 s timeout, and a cancel from another thread after 200 ms.
    LocalHttpServer server(stalling);
    CurlHttpClient client;
    CancelToken cancel;
    HttpRequest req;
    req.url = server.url();
    std::thread canceller([&] {
        std::this_thread::sleep_for(200ms);
        cancel.cancel();
    });
    const auto t0 = std::chrono::steady_clock::now();
    const HttpResponse resp = client.send(req, cancel);
    const auto took = std::chrono::steady_clock::now() - t0;
    canceller.join();
    CHECK_FALSE(resp.ok);
    CHECK(resp.cancelled);
    CHECK_FALSE(resp.timed_out);
    CHECK(took < 1s);
}

TEST_CASE("http client: a closed port is a transport error") {
    // Nothing listens on the port: ok=false with a readable error.
    CurlHttpClient client;
    CancelToken cancel;
    HttpRequest req;
    req.url = "http://127.0.0.1:" + std::to_string(test::closed_port()) + "/";
    const HttpResponse resp = client.send(req, cancel);
    CHECK_FALSE(resp.ok);
    CHECK_FALSE(resp.timed_out);
    CHECK_FALSE(resp.error.empty());
}

TEST_CASE("http client: redirects are followed only when asked") {
    // /old answers 302 to /new; follow_redirects decides which answer the caller sees.
    LocalHttpServer server([](const std::string& req) {
        HttpReply r;
        if (req.rfind("GET /old ", 0) == 0) {
            r.status = 302;
            r.headers = {{"Location", "/new"}};
        } else {
            r.body = "new";
        }
        return r;
    });
    CurlHttpClient client;
    CancelToken cancel;
    HttpRequest req;
    req.url = server.url("/old");
    HttpResponse resp = client.send(req, cancel);
    CHECK(resp.status == 302);
    CHECK(resp.headers.at("location") == "/new");
    req.follow_redirects = true;
    resp = client.send(req, cancel);
    CHECK(resp.status == 200);
    CHECK(resp.body == "new");
    CHECK(resp.headers.count("location") == 0);
}

TEST_CASE("http client: form parts go out as multipart/form-data, bytes unchanged") {
    // A field and a binary file part; the server parses the multipart body.
    LocalHttpServer server(ok_reply);
    CurlHttpClient client;
    CancelToken cancel;
    HttpRequest req;
    req.method = "POST";
    req.url = server.url("/upload");
    req.form = {{"note", "", "", "hello"},
                {"file", "b.tar.gz", "application/gzip", test::bundle_bytes()},
                {"raw", "x.bin", "", std::string("\0\1", 2)}};
    const HttpResponse resp = client.send(req, cancel);
    REQUIRE(resp.ok);
    CHECK(resp.request_sent);
    const auto received = test::parse_received(server.requests().at(0));
    CHECK(received.method == "POST");
    const auto parts = test::parse_multipart(received);
    REQUIRE(parts.size() == 3);
    CHECK(parts[0].name == "note");
    CHECK(parts[0].filename.empty());
    CHECK(parts[0].data == "hello");
    CHECK(parts[1].filename == "b.tar.gz");
    CHECK(parts[1].content_type == "application/gzip");
    CHECK(parts[1].data == test::bundle_bytes());
    CHECK(parts[2].content_type == "application/octet-stream");
    CHECK(parts[2].data == std::string("\0\1", 2));
}

TEST_CASE("http client: request_sent tells a refused connection from a stall after sending") {
    // Closed port: nothing sent. Stalling server: the request went out, then the timeout.
    CurlHttpClient client;
    CancelToken cancel;
    HttpRequest req;
    req.method = "POST";
    req.body = "{}";
    req.url = "http://127.0.0.1:" + std::to_string(test::closed_port()) + "/";
    HttpResponse resp = client.send(req, cancel);
    CHECK_FALSE(resp.ok);
    CHECK_FALSE(resp.request_sent);
    LocalHttpServer server(stalling);
    req.url = server.url();
    req.timeout = 300ms;
    resp = client.send(req, cancel);
    CHECK(resp.timed_out);
    CHECK(resp.request_sent);
}

TEST_CASE("http client: https to a plain HTTP server is a TLS failure") {
    // The handshake meets an HTTP answer: tls_failed, nothing counted as sent.
    test::PlainHttpResponder server;
    CurlHttpClient client;
    CancelToken cancel;
    HttpRequest req;
    req.url = "https://127.0.0.1:" + std::to_string(server.port()) + "/";
    const HttpResponse resp = client.send(req, cancel);
    CHECK_FALSE(resp.ok);
    CHECK(resp.tls_failed);
    CHECK_FALSE(resp.request_sent);
}

TEST_CASE("http probe: an expected status passes and the message gives status and time") {
    // http_probe of a server answering 200 with the default expect-status "200 204".
    LocalHttpServer server(ok_reply);
    ProbeRun run;
    const BuiltinResult r = run_builtin(probe_step(server.url("/health")), run.ctx);
    CHECK(r.ok);
    CHECK(r.message.find(server.url("/health") + " answered 200 in ") == 0);
    CHECK(r.message.find(" ms") != std::string::npos);
}

TEST_CASE("http probe: a 500 answer fails and names the expected codes") {
    // The server answers 500, expect-status is 200 204.
    LocalHttpServer server(answering(500));
    ProbeRun run;
    const BuiltinResult r = run.probe(probe_step(server.url()));
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.timed_out);
    CHECK(r.message.find("answered 500") != std::string::npos);
    CHECK(r.message.find("expected 200 or 204") != std::string::npos);
}

TEST_CASE("http probe: a stalled server times out at the step timeout") {
    // timeout 300 ms on a server that never answers.
    LocalHttpServer server(stalling);
    ProbeRun run;
    const BuiltinResult r = run.probe(probe_step(server.url(), 300ms));
    CHECK_FALSE(r.ok);
    CHECK(r.timed_out);
    CHECK(r.message.find("no answer within 300 ms") != std::string::npos);
}

TEST_CASE("http probe: cancel ends a probe of a stalled server") {
    // Cancel after 150 ms while the server stalls.
    LocalHttpServer server(stalling);
    ProbeRun run;
    std::thread canceller([&] {
        std::this_thread::sleep_for(150ms);
        run.cancel.cancel();
    });
    const BuiltinResult r = run.probe(probe_step(server.url(), 30s));
    canceller.join();
    CHECK_FALSE(r.ok);
    CHECK(r.cancelled);
}

TEST_CASE("http probe: a closed port says it could not connect") {
    // Nothing listens: ok=false, "could not connect (...)".
    ProbeRun run;
    const std::string url = "http://127.0.0.1:" + std::to_string(test::closed_port()) + "/";
    const BuiltinResult r = run.probe(probe_step(url));
    CHECK_FALSE(r.ok);
    CHECK(r.message.find(url + ": could not connect (") == 0);
}

TEST_CASE("http probe: only http and https URLs are probed, credentials are not shown") {
    // ftp:// and file:// are refused without any transfer; user:password is hidden in messages.
    ProbeRun run;
    for (const char* url : {"ftp://example.com/", "file:///etc/passwd", "example.com", ""}) {
        CAPTURE(url);
        const BuiltinResult r = run.probe(probe_step(url));
        CHECK_FALSE(r.ok);
        CHECK_FALSE(r.message.empty());
    }
    const std::string url =
        "http://bob:secret@127.0.0.1:" + std::to_string(test::closed_port()) + "/x";
    const BuiltinResult r = run.probe(probe_step(url));
    CHECK_FALSE(r.ok);
    CHECK(r.message.find("secret") == std::string::npos);
    CHECK(r.message.find("http://127.0.0.1:") == 0);
}
