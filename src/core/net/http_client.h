// HTTP, behind an interface: probes and (later) the feed and ticket backends use it.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace fixtray {

class CancelToken;

// One part of a multipart/form-data body (RFC 7578). With a filename the part is a file upload.
struct HttpFormPart {
    std::string name;
    std::string filename;      // empty: a plain field
    std::string content_type;  // empty: none for fields, application/octet-stream for files
    std::string data;
};

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    // Non-empty: the body is multipart/form-data built from these parts (`body` is ignored and
    // the Content-Type header with the boundary is set by the client). Needs a method with a body.
    std::vector<HttpFormPart> form;
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds timeout{30'000};  // whole transfer
    std::size_t max_body = 8 * 1024 * 1024;     // enforced while receiving
    bool follow_redirects = false;
    std::string proxy;  // empty: libcurl's default (environment)
    // A PEM file of CA certificates to verify an https server with (an internal CA); empty: the
    // system's. Certificates are always verified; an https request never falls back to http.
    std::string ca_file;
};

struct HttpResponse {
    bool ok = false;         // a response was received (any status)
    std::string error;       // transport error, human readable, when !ok
    bool timed_out = false;  // !ok because the connect timeout or the overall timeout expired
    bool cancelled = false;  // !ok because the cancel token was set
    // !ok because the TLS handshake or certificate check failed; `error` then says which of the
    // usual problems it was (expired, another host name, not signed by a trusted authority).
    bool tls_failed = false;
    // Some of the request went out on the wire: a failure after this may have reached the
    // server (a create may have happened). False when connecting (or TLS) failed.
    bool request_sent = false;
    long status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    bool body_truncated = false;  // max_body reached (transfer aborted)
    std::chrono::milliseconds duration{0};
};

class HttpClient {
public:
    virtual ~HttpClient() = default;
    // Thread-safe. Returns when done, on timeout, or within ~100 ms of cancel.
    virtual HttpResponse send(const HttpRequest& request, const CancelToken& cancel) = 0;
};

// libcurl. curl_global_init runs once, on the first request of the first client. One client keeps a
// connection, DNS and TLS session cache shared by its requests (from any thread), so a series of
// requests to one server (a feed sync) reuses one keep-alive connection.
class CurlHttpClient final : public HttpClient {
public:
    CurlHttpClient();
    ~CurlHttpClient() override;
    CurlHttpClient(const CurlHttpClient&) = delete;
    CurlHttpClient& operator=(const CurlHttpClient&) = delete;
    HttpResponse send(const HttpRequest& request, const CancelToken& cancel) override;

private:
    void init_once();
    struct Shared;
    std::unique_ptr<Shared> shared_;
};

}  // namespace fixtray
