// libcurl, loaded the first time the tray uses it (Linux; see lazy_library.h).
//
// Debian's libcurl4 brings GnuTLS, OpenSSL, LDAP, Kerberos, RTMP, SSH and more; loaded and
// relocated at start they cost an idle tray about 5 MB of RSS (tests/bench/README.md), for
// requests it sends now and then. fixctl and the tests link libcurl as usual. The variadic
// functions pass their one argument on with the type libcurl reads for the option:
// curl_easy_setopt by CURLOPTTYPE (the option number's ten-thousands), curl_easy_getinfo always
// a pointer, curl_share_setopt by option. Without libcurl every function fails as libcurl does
// when it cannot allocate (null handles, CURLE_FAILED_INIT), and the strerror functions say why.
#define CURL_DISABLE_TYPECHECK 1  // the real functions, not the type-checking macros
#include <curl/curl.h>

#include <cstdarg>
#include <string>

#include "lazy_library.h"

namespace {

using fixtray::gui::lazy::call;
using fixtray::gui::lazy::call_void;

struct Api {
    std::string error;
#define FIXTRAY_CURL_FUNCTIONS(X)                                                               \
    X(curl_global_init)                                                                         \
    X(curl_easy_init)                                                                           \
    X(curl_easy_setopt) X(curl_easy_getinfo) X(curl_easy_cleanup) X(curl_easy_strerror)         \
        X(curl_easy_escape) X(curl_free) X(curl_getdate) X(curl_mime_init) X(curl_mime_addpart) \
            X(curl_mime_data) X(curl_mime_encoder) X(curl_mime_filename) X(curl_mime_free)      \
                X(curl_mime_name) X(curl_mime_type) X(curl_multi_init) X(curl_multi_add_handle) \
                    X(curl_multi_cleanup) X(curl_multi_info_read) X(curl_multi_perform)         \
                        X(curl_multi_poll) X(curl_multi_remove_handle) X(curl_multi_strerror)   \
                            X(curl_share_init) X(curl_share_cleanup) X(curl_share_setopt)       \
                                X(curl_slist_append) X(curl_slist_free_all) X(curl_url)         \
                                    X(curl_url_cleanup) X(curl_url_get) X(curl_url_set)         \
                                        X(curl_url_strerror)
#define FIXTRAY_CURL_SLOT(name) decltype(&::name) name = nullptr;
    FIXTRAY_CURL_FUNCTIONS(FIXTRAY_CURL_SLOT)
#undef FIXTRAY_CURL_SLOT

    Api() {
        fixtray::gui::lazy::Library lib("libcurl.so.4");
#define FIXTRAY_CURL_GET(name) lib.get(name, #name);
        FIXTRAY_CURL_FUNCTIONS(FIXTRAY_CURL_GET)
#undef FIXTRAY_CURL_GET
        error = lib.problem();
        if (!error.empty()) {
#define FIXTRAY_CURL_RESET(name) name = nullptr;
            FIXTRAY_CURL_FUNCTIONS(FIXTRAY_CURL_RESET)
#undef FIXTRAY_CURL_RESET
        }
    }
};

const Api& api() {
    static const Api loaded;  // thread-safe, once
    return loaded;
}

}  // namespace

extern "C" {

CURLcode curl_global_init(long flags) {
    return call(api().curl_global_init, CURLE_FAILED_INIT, flags);
}
CURL* curl_easy_init(void) {
    return call(api().curl_easy_init, static_cast<CURL*>(nullptr));
}
CURLcode curl_easy_setopt(CURL* h, CURLoption option, ...) {
    const auto real = api().curl_easy_setopt;
    if (!real) return CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, option);
    CURLcode rc = CURLE_BAD_FUNCTION_ARGUMENT;
    switch (option / 10000 * 10000) {
        case CURLOPTTYPE_LONG:
            rc = real(h, option, va_arg(ap, long));
            break;
        case CURLOPTTYPE_OBJECTPOINT:  // also STRINGPOINT, SLISTPOINT, CBPOINT
        case CURLOPTTYPE_BLOB:
            rc = real(h, option, va_arg(ap, void*));
            break;
        case CURLOPTTYPE_FUNCTIONPOINT:
            rc = real(h, option, va_arg(ap, void (*)(void)));
            break;
        case CURLOPTTYPE_OFF_T:
            rc = real(h, option, va_arg(ap, curl_off_t));
            break;
        default:
            break;
    }
    va_end(ap);
    return rc;
}
CURLcode curl_easy_getinfo(CURL* h, CURLINFO info, ...) {
    const auto real = api().curl_easy_getinfo;
    if (!real) return CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, info);
    void* out = va_arg(ap, void*);  // every CURLINFO_* takes a pointer to its result
    va_end(ap);
    return real(h, info, out);
}
void curl_easy_cleanup(CURL* h) {
    call_void(api().curl_easy_cleanup, h);
}
const char* curl_easy_strerror(CURLcode code) {
    return call(api().curl_easy_strerror, api().error.c_str(), code);
}
char* curl_easy_escape(CURL* h, const char* text, int length) {
    return call(api().curl_easy_escape, static_cast<char*>(nullptr), h, text, length);
}
void curl_free(void* p) {
    call_void(api().curl_free, p);
}
time_t curl_getdate(const char* text, const time_t* unused) {
    return call(api().curl_getdate, static_cast<time_t>(-1), text, unused);
}
curl_mime* curl_mime_init(CURL* h) {
    return call(api().curl_mime_init, static_cast<curl_mime*>(nullptr), h);
}
curl_mimepart* curl_mime_addpart(curl_mime* mime) {
    return call(api().curl_mime_addpart, static_cast<curl_mimepart*>(nullptr), mime);
}
CURLcode curl_mime_data(curl_mimepart* part, const char* data, size_t size) {
    return call(api().curl_mime_data, CURLE_FAILED_INIT, part, data, size);
}
CURLcode curl_mime_encoder(curl_mimepart* part, const char* encoding) {
    return call(api().curl_mime_encoder, CURLE_FAILED_INIT, part, encoding);
}
CURLcode curl_mime_filename(curl_mimepart* part, const char* name) {
    return call(api().curl_mime_filename, CURLE_FAILED_INIT, part, name);
}
void curl_mime_free(curl_mime* mime) {
    call_void(api().curl_mime_free, mime);
}
CURLcode curl_mime_name(curl_mimepart* part, const char* name) {
    return call(api().curl_mime_name, CURLE_FAILED_INIT, part, name);
}
CURLcode curl_mime_type(curl_mimepart* part, const char* type) {
    return call(api().curl_mime_type, CURLE_FAILED_INIT, part, type);
}
CURLM* curl_multi_init(void) {
    return call(api().curl_multi_init, static_cast<CURLM*>(nullptr));
}
CURLMcode curl_multi_add_handle(CURLM* m, CURL* h) {
    return call(api().curl_multi_add_handle, CURLM_BAD_HANDLE, m, h);
}
CURLMcode curl_multi_cleanup(CURLM* m) {
    return call(api().curl_multi_cleanup, CURLM_BAD_HANDLE, m);
}
CURLMsg* curl_multi_info_read(CURLM* m, int* left) {
    return call(api().curl_multi_info_read, static_cast<CURLMsg*>(nullptr), m, left);
}
CURLMcode curl_multi_perform(CURLM* m, int* running) {
    return call(api().curl_multi_perform, CURLM_BAD_HANDLE, m, running);
}
CURLMcode curl_multi_poll(CURLM* m, struct curl_waitfd extra[], unsigned int count, int timeout_ms,
                          int* ready) {
    return call(api().curl_multi_poll, CURLM_BAD_HANDLE, m, extra, count, timeout_ms, ready);
}
CURLMcode curl_multi_remove_handle(CURLM* m, CURL* h) {
    return call(api().curl_multi_remove_handle, CURLM_BAD_HANDLE, m, h);
}
const char* curl_multi_strerror(CURLMcode code) {
    return call(api().curl_multi_strerror, api().error.c_str(), code);
}
CURLSH* curl_share_init(void) {
    return call(api().curl_share_init, static_cast<CURLSH*>(nullptr));
}
CURLSHcode curl_share_cleanup(CURLSH* sh) {
    return call(api().curl_share_cleanup, CURLSHE_INVALID, sh);
}
CURLSHcode curl_share_setopt(CURLSH* sh, CURLSHoption option, ...) {
    const auto real = api().curl_share_setopt;
    if (!real) return CURLSHE_INVALID;
    va_list ap;
    va_start(ap, option);
    CURLSHcode rc = CURLSHE_BAD_OPTION;
    switch (option) {
        case CURLSHOPT_SHARE:
        case CURLSHOPT_UNSHARE:
            rc = real(sh, option, va_arg(ap, int));  // a curl_lock_data, passed as int
            break;
        case CURLSHOPT_LOCKFUNC:
        case CURLSHOPT_UNLOCKFUNC:
            rc = real(sh, option, va_arg(ap, void (*)(void)));
            break;
        case CURLSHOPT_USERDATA:
            rc = real(sh, option, va_arg(ap, void*));
            break;
        default:
            break;
    }
    va_end(ap);
    return rc;
}
struct curl_slist* curl_slist_append(struct curl_slist* list, const char* text) {
    return call(api().curl_slist_append, static_cast<curl_slist*>(nullptr), list, text);
}
void curl_slist_free_all(struct curl_slist* list) {
    call_void(api().curl_slist_free_all, list);
}
CURLU* curl_url(void) {
    return call(api().curl_url, static_cast<CURLU*>(nullptr));
}
void curl_url_cleanup(CURLU* u) {
    call_void(api().curl_url_cleanup, u);
}
CURLUcode curl_url_get(CURLU* u, CURLUPart what, char** part, unsigned int flags) {
    return call(api().curl_url_get, CURLUE_OUT_OF_MEMORY, u, what, part, flags);
}
CURLUcode curl_url_set(CURLU* u, CURLUPart what, const char* part, unsigned int flags) {
    return call(api().curl_url_set, CURLUE_OUT_OF_MEMORY, u, what, part, flags);
}
const char* curl_url_strerror(CURLUcode code) {
    return call(api().curl_url_strerror, api().error.c_str(), code);
}

}  // extern "C"
