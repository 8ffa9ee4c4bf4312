// A shared library opened the first time one of its functions is needed (Linux, dlopen), for
// the libraries the tray uses now and then but would otherwise load and relocate at every
// start: lazy_libcurl.cpp, lazy_libarchive.cpp. Each of those defines the library's functions
// the core calls (the program is not linked to the library); each definition calls the real
// function through a pointer filled in here, or fails the way the library fails when it cannot
// allocate, if the library could not be loaded.
//
// Those definitions are not exported from the executable (no shared library linked to fixtray
// refers to them, and it is not linked with --export-dynamic), and the library is opened
// RTLD_LOCAL: it keeps calling its own functions.
#pragma once

#include <dlfcn.h>

#include <string>

namespace fixtray::gui::lazy {

class Library {
public:
    explicit Library(const char* soname) : soname_(soname) {
        handle_ = dlopen(soname, RTLD_NOW | RTLD_LOCAL);  // never closed: kept for the process
        if (!handle_) {
            const char* why = dlerror();
            error_ = std::string(soname) + " could not be loaded: " + (why ? why : "dlopen");
        }
    }
    // slot = the function `name`, or null (and noted) when it is missing.
    template <typename F>
    void get(F*& slot, const char* name) {
        slot = handle_ ? reinterpret_cast<F*>(dlsym(handle_, name)) : nullptr;
        if (handle_ && !slot) missing_ += (missing_.empty() ? "" : ", ") + std::string(name);
    }
    // Empty when every function was found; else why the library cannot be used (an older
    // version than fixtray was built for lacks some: none of it is used then).
    std::string problem() const {
        if (!error_.empty()) return error_;
        if (!missing_.empty()) return std::string(soname_) + " lacks " + missing_;
        return {};
    }

private:
    const char* soname_;
    void* handle_ = nullptr;
    std::string error_, missing_;
};

// f(args...), or `failed` when the library could not be loaded.
template <typename F, typename R, typename... A>
R call(F* f, R failed, A... args) {
    return f ? f(args...) : failed;
}
template <typename F, typename... A>
void call_void(F* f, A... args) {
    if (f) f(args...);
}

}  // namespace fixtray::gui::lazy
