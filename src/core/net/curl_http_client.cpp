// HttpClient over libcurl 7.88. One easy handle per call, driven through a private multi handle
// so that the cancel token is polled every 50 ms even while a server stalls (the progress
// callback alone may be called only once per second on an idle connection).
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/cancel_token.h"
#include "net/http_client.h"

namespace fixtray {
namespace {

struct Transfer {
    const HttpRequest* request = nullptr;
    const CancelToken* cancel = nullptr;
    HttpResponse* response = nullptr;
};

std::string trim(std::string s) {
    const auto not_space = [](unsigned char c) { return !std::isspace(c); };
    s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
    s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
    return s;
}

std::size_t on_body(char* data, std::size_t size, std::size_t nmemb, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const std::size_t n = size * nmemb;
    std::string& body = t->response->body;
    const std::size_t room = t->request->max_body - std::min(body.size(), t->request->max_body);
    if (n > room) {
        body.append(data, room);
        t->response->body_truncated = true;
        return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    body.append(data, n);
    return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t nitems, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const std::size_t n = size * nitems;
    std::string line(data, n);
    if (line.rfind("HTTP/", 0) == 0) {
        // A new status line (after a redirect or "100 Continue"): keep only the last headers.
        t->response->headers.clear();
        return n;
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos) return n;  // blank line at the end of the headers
    std::string name = trim(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string value = trim(line.substr(colon + 1));
    auto [it, inserted] = t->response->headers.emplace(name, value);
    if (!inserted) it->second += ", " + value;
    return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto* t = static_cast<Transfer*>(user);
    return t->cancel->cancelled() ? 1 : 0;
}

struct EasyDeleter {
    void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct MultiDeleter {
    void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};
struct SlistDeleter {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct MimeDeleter {
    void operator()(curl_mime* m) const { curl_mime_free(m); }
};

// Builds the multipart body; nullptr when libcurl runs out of memory.
std::unique_ptr<curl_mime, MimeDeleter> build_form(CURL* h, const std::vector<HttpFormPart>& form) {
    std::unique_ptr<curl_mime, MimeDeleter> mime(curl_mime_init(h));
    if (!mime) return nullptr;
    for (const HttpFormPart& p : form) {
        curl_mimepart* part = curl_mime_addpart(mime.get());
        if (!part || curl_mime_name(part, p.name.c_str()) != CURLE_OK ||
            curl_mime_data(part, p.data.data(), p.data.size()) != CURLE_OK)
            return nullptr;
        if (!p.filename.empty() && curl_mime_filename(part, p.filename.c_str()) != CURLE_OK)
            return nullptr;
        const std::string type = !p.content_type.empty() ? p.content_type
                                 : p.filename.empty()    ? std::string()
                                                         : std::string("application/octet-stream");
        if (!type.empty() && curl_mime_type(part, type.c_str()) != CURLE_OK) return nullptr;
    }
    return mime;
}

bool is_tls_failure(CURLcode c) {
    switch (c) {
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_INVALIDCERTSTATUS:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_SSL_ENGINE_INITFAILED:
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_ENGINE_SETFAILED:
        case CURLE_SSL_SHUTDOWN_FAILED:
        case CURLE_USE_SSL_FAILED:
            return true;
        default:
            return false;
    }
}

// Which of the usual certificate problems it was, for a person (libcurl's text kept after it).
std::string tls_failure_text(const std::string& curl_text, const HttpRequest& request) {
    const auto has = [&](const char* part) { return curl_text.find(part) != std::string::npos; };
    std::string what;
    if (has("certificate has expired"))
        what = "the server's certificate has expired";
    else if (has("not yet valid"))
        what = "the server's certificate is not valid yet (or this machine's clock is wrong)";
    else if (has("subject name") || has("does not match target host"))
        what = "the server's certificate is for another host name than the one in the URL";
    else if (has("unable to get local issuer") || has("self-signed") || has("self signed") ||
             has("unable to verify the first certificate"))
        what = std::string("the server's certificate is not signed by a trusted authority") +
               (request.ca_file.empty() ? " (for an internal CA, set ca_file)"
                                        : " (not by the CA in " + request.ca_file + ")");
    else if (has("error setting certificate file") || has("CAfile"))
        what = "the CA file " + request.ca_file + " cannot be used";
    else
        what = "the secure (TLS) connection failed";
    return what + ": " + curl_text;
}

bool has_header(const HttpRequest& r, const char* name) {
    for (const auto& [k, v] : r.headers) {
        if (k.size() != std::char_traits<char>::length(name)) continue;
        bool same = true;
        for (std::size_t i = 0; i < k.size() && same; ++i)
            same = std::tolower(static_cast<unsigned char>(k[i])) ==
                   std::tolower(static_cast<unsigned char>(name[i]));
        if (same) return true;
    }
    return false;
}

std::once_flag g_curl_init;

}  // namespace

// The share handle's caches are used from several threads: libcurl asks for a lock per kind of
// data.
struct CurlHttpClient::Shared {
    std::once_flag init;
    CURLSH* share = nullptr;
    std::mutex locks[CURL_LOCK_DATA_LAST];

    static void lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
        static_cast<Shared*>(user)->locks[data].lock();
    }
    static void unlock(CURL*, curl_lock_data data, void* user) {
        static_cast<Shared*>(user)->locks[data].unlock();
    }
};

CurlHttpClient::CurlHttpClient() : shared_(std::make_unique<Shared>()) {}

// On the first request, not at construction: libcurl's global init loads OpenSSL (its config
// and providers, megabytes), which a process that never sends (a tray app idle all day, fixctl
// list) should not pay for.
void CurlHttpClient::init_once() {
    std::call_once(shared_->init, [this] {
        std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
        if (CURLSH* sh = curl_share_init()) {
            curl_share_setopt(sh, CURLSHOPT_LOCKFUNC, &Shared::lock);
            curl_share_setopt(sh, CURLSHOPT_UNLOCKFUNC, &Shared::unlock);
            curl_share_setopt(sh, CURLSHOPT_USERDATA, shared_.get());
            curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
            curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
            curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
            shared_->share = sh;
        }
    });
}

CurlHttpClient::~CurlHttpClient() {
    if (shared_->share) curl_share_cleanup(shared_->share);
}

HttpResponse CurlHttpClient::send(const HttpRequest& request, const CancelToken& cancel) {
    using namespace std::chrono;
    init_once();
    HttpResponse response;
    const auto started = steady_clock::now();
    const auto finish = [&](HttpResponse& r) -> HttpResponse {
        r.duration = duration_cast<milliseconds>(steady_clock::now() - started);
        return std::move(r);
    };

    std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
    std::unique_ptr<CURLM, MultiDeleter> multi(curl_multi_init());
    if (!easy || !multi) {
        response.error = "could not initialise libcurl";
        return finish(response);
    }
    CURL* h = easy.get();
    Transfer transfer{&request, &cancel, &response};
    char errbuf[CURL_ERROR_SIZE] = {};

    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    if (shared_->share) curl_easy_setopt(h, CURLOPT_SHARE, shared_->share);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    // An https request never continues over plain http, not even through a redirect.
    const bool https = request.url.size() >= 8 && request.url.compare(0, 8, "https://") == 0;
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, https ? "https" : "http,https");
    if (!request.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, request.ca_file.c_str());
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(request.connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, request.follow_redirects ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &transfer);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    if (!request.proxy.empty()) curl_easy_setopt(h, CURLOPT_PROXY, request.proxy.c_str());

    std::unique_ptr<curl_mime, MimeDeleter> mime;
    if (!request.form.empty()) {
        mime = build_form(h, request.form);
        if (!mime) {
            response.error = "out of memory building the multipart body";
            return finish(response);
        }
        curl_easy_setopt(h, CURLOPT_MIMEPOST, mime.get());
        // CURLOPT_MIMEPOST implies POST; any other method is sent with the same body.
        if (request.method != "POST")
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    } else if (request.method == "GET") {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (request.method == "HEAD") {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
        if (request.method == "POST") {
            curl_easy_setopt(h, CURLOPT_POST, 1L);
        } else {
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
        }
        if (request.method == "POST" || !request.body.empty()) {
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                             static_cast<curl_off_t>(request.body.size()));
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
        }
    }

    std::unique_ptr<curl_slist, SlistDeleter> headers;
    for (const auto& [name, value] : request.headers) {
        // "Name;" sends a header with an empty value; "Name:" would remove it.
        const std::string line = value.empty() ? name + ";" : name + ": " + value;
        curl_slist* next = curl_slist_append(headers.get(), line.c_str());
        if (!next) {
            response.error = "out of memory building the request headers";
            return finish(response);
        }
        headers.release();
        headers.reset(next);
    }
    if (!has_header(request, "Expect")) {
        // No "Expect: 100-continue" round trip on large bodies.
        curl_slist* next = curl_slist_append(headers.get(), "Expect:");
        if (next) {
            headers.release();
            headers.reset(next);
        }
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());

    curl_multi_add_handle(multi.get(), h);
    CURLcode result = CURLE_OK;
    bool done = false;
    bool cancelled = false;
    while (!done) {
        if (cancel.cancelled()) {
            cancelled = true;
            break;
        }
        int running = 0;
        CURLMcode mc = curl_multi_perform(multi.get(), &running);
        if (mc == CURLM_OK && running > 0)
            mc = curl_multi_poll(multi.get(), nullptr, 0, 50, nullptr);
        if (mc != CURLM_OK) {
            response.error = curl_multi_strerror(mc);
            curl_multi_remove_handle(multi.get(), h);
            return finish(response);
        }
        int queued = 0;
        while (CURLMsg* msg = curl_multi_info_read(multi.get(), &queued)) {
            if (msg->msg == CURLMSG_DONE && msg->easy_handle == h) {
                result = msg->data.result;
                done = true;
            }
        }
    }
    curl_multi_remove_handle(multi.get(), h);
    long request_size = 0;  // bytes of request sent so far (headers included)
    curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &request_size);
    response.request_sent = request_size > 0;

    if (cancelled || result == CURLE_ABORTED_BY_CALLBACK) {
        response.cancelled = true;
        response.error = "cancelled";
        return finish(response);
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    response.status = status;
    if (result == CURLE_OK || (result == CURLE_WRITE_ERROR && response.body_truncated)) {
        response.ok = true;
        return finish(response);
    }
    response.timed_out = result == CURLE_OPERATION_TIMEDOUT;
    response.tls_failed = is_tls_failure(result);
    response.error = errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(result));
    if (response.tls_failed) response.error = tls_failure_text(response.error, request);
    return finish(response);
}

}  // namespace fixtray
