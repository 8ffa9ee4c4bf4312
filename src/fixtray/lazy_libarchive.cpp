// libarchive, loaded the first time the tray makes or reads a diagnostics bundle (Linux; see
// lazy_library.h). With its dependencies (libxml2 and ICU, nettle, the compressors) it costs an
// idle tray about 1.5 MB of RSS (tests/bench/README.md). fixctl and the tests link it as usual.
// Without libarchive every function fails (null handles, ARCHIVE_FATAL) and
// archive_error_string says why.
#include <archive.h>
#include <archive_entry.h>

#include <string>

#include "lazy_library.h"

namespace {

using fixtray::gui::lazy::call;
using fixtray::gui::lazy::call_void;

struct Api {
    std::string error;
#define FIXTRAY_ARCHIVE_FUNCTIONS(X)                                                               \
    X(archive_entry_filetype)                                                                      \
    X(archive_entry_free) X(archive_entry_new) X(archive_entry_pathname)                           \
        X(archive_entry_set_filetype) X(archive_entry_set_mtime) X(archive_entry_set_pathname)     \
            X(archive_entry_set_perm) X(archive_entry_set_size) X(archive_entry_size)              \
                X(archive_entry_size_is_set) X(archive_error_string) X(archive_read_data)          \
                    X(archive_read_free) X(archive_read_new) X(archive_read_next_header)           \
                        X(archive_read_open_filename) X(archive_read_support_filter_gzip)          \
                            X(archive_read_support_format_tar) X(archive_write_add_filter_gzip)    \
                                X(archive_write_close) X(archive_write_data) X(archive_write_free) \
                                    X(archive_write_header) X(archive_write_new)                   \
                                        X(archive_write_open_filename)                             \
                                            X(archive_write_set_format_pax_restricted)
#define FIXTRAY_ARCHIVE_SLOT(name) decltype(&::name) name = nullptr;
    FIXTRAY_ARCHIVE_FUNCTIONS(FIXTRAY_ARCHIVE_SLOT)
#undef FIXTRAY_ARCHIVE_SLOT

    Api() {
        fixtray::gui::lazy::Library lib("libarchive.so.13");
#define FIXTRAY_ARCHIVE_GET(name) lib.get(name, #name);
        FIXTRAY_ARCHIVE_FUNCTIONS(FIXTRAY_ARCHIVE_GET)
#undef FIXTRAY_ARCHIVE_GET
        error = lib.problem();
        if (!error.empty()) {
#define FIXTRAY_ARCHIVE_RESET(name) name = nullptr;
            FIXTRAY_ARCHIVE_FUNCTIONS(FIXTRAY_ARCHIVE_RESET)
#undef FIXTRAY_ARCHIVE_RESET
        }
    }
};

const Api& api() {
    static const Api loaded;  // thread-safe, once
    return loaded;
}

}  // namespace

extern "C" {

__LA_MODE_T archive_entry_filetype(struct archive_entry* e) {
    return call(api().archive_entry_filetype, static_cast<__LA_MODE_T>(0), e);
}
void archive_entry_free(struct archive_entry* e) {
    call_void(api().archive_entry_free, e);
}
struct archive_entry* archive_entry_new(void) {
    return call(api().archive_entry_new, static_cast<archive_entry*>(nullptr));
}
const char* archive_entry_pathname(struct archive_entry* e) {
    return call(api().archive_entry_pathname, static_cast<const char*>(nullptr), e);
}
void archive_entry_set_filetype(struct archive_entry* e, unsigned int type) {
    call_void(api().archive_entry_set_filetype, e, type);
}
void archive_entry_set_mtime(struct archive_entry* e, time_t sec, long nsec) {
    call_void(api().archive_entry_set_mtime, e, sec, nsec);
}
void archive_entry_set_pathname(struct archive_entry* e, const char* name) {
    call_void(api().archive_entry_set_pathname, e, name);
}
void archive_entry_set_perm(struct archive_entry* e, __LA_MODE_T perm) {
    call_void(api().archive_entry_set_perm, e, perm);
}
void archive_entry_set_size(struct archive_entry* e, la_int64_t size) {
    call_void(api().archive_entry_set_size, e, size);
}
la_int64_t archive_entry_size(struct archive_entry* e) {
    return call(api().archive_entry_size, static_cast<la_int64_t>(0), e);
}
int archive_entry_size_is_set(struct archive_entry* e) {
    return call(api().archive_entry_size_is_set, 0, e);
}
const char* archive_error_string(struct archive* a) {
    return call(api().archive_error_string, api().error.c_str(), a);
}
la_ssize_t archive_read_data(struct archive* a, void* buf, size_t size) {
    return call(api().archive_read_data, static_cast<la_ssize_t>(ARCHIVE_FATAL), a, buf, size);
}
int archive_read_free(struct archive* a) {
    return call(api().archive_read_free, ARCHIVE_FATAL, a);
}
struct archive* archive_read_new(void) {
    return call(api().archive_read_new, static_cast<archive*>(nullptr));
}
int archive_read_next_header(struct archive* a, struct archive_entry** e) {
    return call(api().archive_read_next_header, ARCHIVE_FATAL, a, e);
}
int archive_read_open_filename(struct archive* a, const char* file, size_t block) {
    return call(api().archive_read_open_filename, ARCHIVE_FATAL, a, file, block);
}
int archive_read_support_filter_gzip(struct archive* a) {
    return call(api().archive_read_support_filter_gzip, ARCHIVE_FATAL, a);
}
int archive_read_support_format_tar(struct archive* a) {
    return call(api().archive_read_support_format_tar, ARCHIVE_FATAL, a);
}
int archive_write_add_filter_gzip(struct archive* a) {
    return call(api().archive_write_add_filter_gzip, ARCHIVE_FATAL, a);
}
int archive_write_close(struct archive* a) {
    return call(api().archive_write_close, ARCHIVE_FATAL, a);
}
la_ssize_t archive_write_data(struct archive* a, const void* buf, size_t size) {
    return call(api().archive_write_data, static_cast<la_ssize_t>(ARCHIVE_FATAL), a, buf, size);
}
int archive_write_free(struct archive* a) {
    return call(api().archive_write_free, ARCHIVE_FATAL, a);
}
int archive_write_header(struct archive* a, struct archive_entry* e) {
    return call(api().archive_write_header, ARCHIVE_FATAL, a, e);
}
struct archive* archive_write_new(void) {
    return call(api().archive_write_new, static_cast<archive*>(nullptr));
}
int archive_write_open_filename(struct archive* a, const char* file) {
    return call(api().archive_write_open_filename, ARCHIVE_FATAL, a, file);
}
int archive_write_set_format_pax_restricted(struct archive* a) {
    return call(api().archive_write_set_format_pax_restricted, ARCHIVE_FATAL, a);
}

}  // extern "C"
