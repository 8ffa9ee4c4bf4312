// dns_resolve and tcp_connect for Windows (Winsock 2). NOT BUILT ON LINUX (src/CMakeLists.txt
// globs core/win32/*.cpp only when WIN32); written against the Win32 API, not yet compiled or
// tested on Windows. Link with ws2_32.
//
// Same shape as posix/net_probe.cpp: GetAddrInfoW on a helper thread (detached when it overruns
// the timeout or the step is cancelled), then a non-blocking connect per address with
// WSAPoll in 50 ms slices so the cancel token is honoured.
// winsock2.h must come before windows.h (which would pull in the old winsock.h).
#include <winsock2.h>
#include <ws2tcpip.h>

#include <windows.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "builtin_steps.h"
#include "cancel_token.h"

#pragma comment(lib, "ws2_32.lib")

namespace fixtray {
namespace {

using steady = std::chrono::steady_clock;
constexpr auto poll_slice = std::chrono::milliseconds(50);

std::once_flag g_wsa_init;

void ensure_winsock() {
    std::call_once(g_wsa_init, [] {
        WSADATA data;
        ::WSAStartup(MAKEWORD(2, 2), &data);  // never cleaned up: lives as long as the process
    });
}

std::wstring widen(const std::string& s) {
    if (s.empty()) return {};
    const int n =
        ::MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), nullptr, 0);
    std::wstring w(static_cast<std::size_t>(n), L'\0');
    ::MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), w.data(), n);
    return w;
}

std::string narrow(const wchar_t* w) {
    const int n = ::WideCharToMultiByte(CP_UTF8, 0, w, -1, nullptr, 0, nullptr, nullptr);
    if (n <= 1) return {};
    std::string s(static_cast<std::size_t>(n - 1), '\0');
    ::WideCharToMultiByte(CP_UTF8, 0, w, -1, s.data(), n, nullptr, nullptr);
    return s;
}

std::string wsa_error(int code) {
    wchar_t* buf = nullptr;
    ::FormatMessageW(
        FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
        nullptr, static_cast<DWORD>(code), 0, reinterpret_cast<LPWSTR>(&buf), 0, nullptr);
    std::string s = buf ? narrow(buf) : std::string("error");
    if (buf) ::LocalFree(buf);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == '.')) s.pop_back();
    return s + " (" + std::to_string(code) + ")";
}

struct Address {
    sockaddr_storage addr{};
    int len = 0;
    int family = 0;
    std::string text;
};

struct Resolution {
    enum class Status { ok, failed, timed_out, cancelled } status = Status::failed;
    std::vector<Address> addresses;
    std::string error;
};

Resolution resolve(const std::string& host, int port, steady::time_point deadline,
                   const CancelToken& cancel) {
    ensure_winsock();
    struct Shared {
        std::mutex m;
        std::condition_variable cv;
        bool done = false;
        int rc = 0;
        std::vector<Address> addresses;
    };
    if (cancel.cancelled()) {
        Resolution res;
        res.status = Resolution::Status::cancelled;
        return res;
    }
    auto shared = std::make_shared<Shared>();
    const std::wstring whost = widen(host);
    const std::wstring service = port > 0 ? std::to_wstring(port) : std::wstring();
    std::thread worker([shared, whost, service] {
        ADDRINFOW hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        ADDRINFOW* list = nullptr;
        const int rc = ::GetAddrInfoW(whost.c_str(), service.empty() ? nullptr : service.c_str(),
                                      &hints, &list);
        std::vector<Address> out;
        for (ADDRINFOW* ai = list; rc == 0 && ai; ai = ai->ai_next) {
            if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
            Address a;
            std::memcpy(&a.addr, ai->ai_addr, ai->ai_addrlen);
            a.len = static_cast<int>(ai->ai_addrlen);
            a.family = ai->ai_family;
            wchar_t buf[INET6_ADDRSTRLEN] = {};
            DWORD buflen = INET6_ADDRSTRLEN;
            // Address only: clear the port for the text form.
            sockaddr_storage copy = a.addr;
            if (copy.ss_family == AF_INET)
                reinterpret_cast<sockaddr_in*>(&copy)->sin_port = 0;
            else
                reinterpret_cast<sockaddr_in6*>(&copy)->sin6_port = 0;
            ::WSAAddressToStringW(reinterpret_cast<sockaddr*>(&copy), a.len, nullptr, buf, &buflen);
            a.text = narrow(buf);
            bool dup = false;
            for (const auto& o : out) dup = dup || o.text == a.text;
            if (!dup) out.push_back(std::move(a));
        }
        if (list) ::FreeAddrInfoW(list);
        std::lock_guard<std::mutex> lock(shared->m);
        shared->rc = rc;
        shared->addresses = std::move(out);
        shared->done = true;
        shared->cv.notify_all();
    });

    Resolution res;
    std::unique_lock<std::mutex> lock(shared->m);
    while (!shared->done) {
        if (cancel.cancelled()) {
            res.status = Resolution::Status::cancelled;
            break;
        }
        const auto now = steady::now();
        if (now >= deadline) {
            res.status = Resolution::Status::timed_out;
            break;
        }
        shared->cv.wait_for(lock, std::min<steady::duration>(poll_slice, deadline - now));
    }
    if (!shared->done) {
        lock.unlock();
        worker.detach();
        return res;
    }
    const int rc = shared->rc;
    res.addresses = std::move(shared->addresses);
    lock.unlock();
    worker.join();
    if (rc != 0)
        res.error = wsa_error(rc);
    else if (res.addresses.empty())
        res.error = "no IPv4 or IPv6 address";
    else
        res.status = Resolution::Status::ok;
    return res;
}

std::string join_addresses(const std::vector<Address>& addrs) {
    std::string s;
    for (const auto& a : addrs) s += (s.empty() ? "" : ", ") + a.text;
    return s;
}

bool resolution_usable(const Resolution& res, const Step& step, BuiltinResult& r) {
    switch (res.status) {
        case Resolution::Status::ok:
            return true;
        case Resolution::Status::cancelled:
            r.cancelled = true;
            r.message = "looking up " + step.host + " was cancelled";
            return false;
        case Resolution::Status::timed_out:
            r.timed_out = true;
            r.message = step.host + " could not be resolved within " +
                        std::to_string(step.timeout.count()) + " ms";
            return false;
        case Resolution::Status::failed:
            break;
    }
    r.message = step.host + " could not be resolved (" + res.error + ")";
    return false;
}

enum class ConnectStatus { ok, failed, timed_out, cancelled };

ConnectStatus try_connect(const Address& a, steady::time_point deadline, const CancelToken& cancel,
                          std::string& error) {
    SOCKET s =
        ::WSASocketW(a.family, SOCK_STREAM, IPPROTO_TCP, nullptr, 0, WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET) {
        error = wsa_error(::WSAGetLastError());
        return ConnectStatus::failed;
    }
    struct Closer {
        SOCKET s;
        ~Closer() { ::closesocket(s); }
    } closer{s};
    u_long nonblocking = 1;
    ::ioctlsocket(s, FIONBIO, &nonblocking);
    if (::connect(s, reinterpret_cast<const sockaddr*>(&a.addr), a.len) == 0)
        return ConnectStatus::ok;
    if (::WSAGetLastError() != WSAEWOULDBLOCK) {
        error = wsa_error(::WSAGetLastError());
        return ConnectStatus::failed;
    }
    while (true) {
        if (cancel.cancelled()) return ConnectStatus::cancelled;
        const auto now = steady::now();
        if (now >= deadline) {
            error = "timed out";
            return ConnectStatus::timed_out;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
        WSAPOLLFD p{s, POLLWRNORM, 0};
        const int n = ::WSAPoll(
            &p, 1,
            static_cast<INT>(std::min(left, std::chrono::milliseconds(poll_slice)).count()) + 1);
        if (n == SOCKET_ERROR) {
            error = wsa_error(::WSAGetLastError());
            return ConnectStatus::failed;
        }
        if (n > 0) {
            int so_error = 0;
            int len = sizeof so_error;
            ::getsockopt(s, SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&so_error), &len);
            if (so_error == 0 && !(p.revents & (POLLERR | POLLHUP))) return ConnectStatus::ok;
            error = wsa_error(so_error ? so_error : WSAECONNREFUSED);
            return ConnectStatus::failed;
        }
    }
}

}  // namespace

BuiltinResult dns_resolve(const Step& step, BuiltinContext& ctx) {
    BuiltinResult r;
    if (step.host.empty()) {
        r.message = "no host name to resolve";
        return r;
    }
    const Resolution res = resolve(step.host, 0, steady::now() + step.timeout, ctx.cancel);
    if (!resolution_usable(res, step, r)) return r;
    r.ok = true;
    r.message = step.host + " resolves to " + join_addresses(res.addresses);
    return r;
}

BuiltinResult tcp_connect(const Step& step, BuiltinContext& ctx) {
    BuiltinResult r;
    if (step.host.empty()) {
        r.message = "no host to connect to";
        return r;
    }
    if (step.port < 1 || step.port > 65535) {
        r.message = "the port " + std::to_string(step.port) + " is not between 1 and 65535";
        return r;
    }
    const std::string target = step.host + ":" + std::to_string(step.port);
    const auto started = steady::now();
    const auto deadline = started + step.timeout;
    const Resolution res = resolve(step.host, step.port, deadline, ctx.cancel);
    if (!resolution_usable(res, step, r)) return r;
    std::string last_error;
    for (const Address& a : res.addresses) {
        std::string error;
        const ConnectStatus st = try_connect(a, deadline, ctx.cancel, error);
        if (st == ConnectStatus::ok) {
            const auto ms =
                std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - started);
            r.ok = true;
            r.message = target + " accepts connections (" + a.text + ", " +
                        std::to_string(ms.count()) + " ms)";
            return r;
        }
        r.detail += a.text + ": " + error + "\n";
        last_error = error;
        if (st == ConnectStatus::cancelled) {
            r.cancelled = true;
            r.message = "connecting to " + target + " was cancelled";
            return r;
        }
        if (st == ConnectStatus::timed_out) {
            r.timed_out = true;
            r.message = target + " did not accept a connection within " +
                        std::to_string(step.timeout.count()) + " ms";
            return r;
        }
    }
    r.message = "could not connect to " + target + " (" + last_error + ")";
    return r;
}

}  // namespace fixtray
