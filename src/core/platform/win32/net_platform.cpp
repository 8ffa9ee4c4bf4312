// net_platform.h for Windows (Winsock 2): GetAddrInfoW and a non-blocking connect waited for
// with WSAPoll. NOT BUILT ON LINUX (src/CMakeLists.txt globs core/win32/*.cpp only when WIN32);
// written against the Win32 API, not yet compiled or tested on Windows. Link with ws2_32.
// winsock2.h must come before windows.h (which would pull in the old winsock.h).
#include <winsock2.h>
#include <ws2tcpip.h>

#include <windows.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "platform/net_platform.h"
#include "platform/win32/win32_text.h"

#pragma comment(lib, "ws2_32.lib")

namespace fixtray::net_platform {
namespace {

static_assert(sizeof(sockaddr_storage) <= sizeof(Address::sockaddr_bytes));

std::once_flag g_wsa_init;

void ensure_winsock() {
    std::call_once(g_wsa_init, [] {
        WSADATA data;
        ::WSAStartup(MAKEWORD(2, 2), &data);  // never cleaned up: lives as long as the process
    });
}

std::string wsa_error(int code) {
    return win32::error_with_code(static_cast<DWORD>(code));
}

// The address without the port, as text.
std::string address_text(const Address& a) {
    sockaddr_storage copy{};
    std::memcpy(&copy, a.sockaddr_bytes.data(), static_cast<std::size_t>(a.length));
    if (copy.ss_family == AF_INET)
        reinterpret_cast<sockaddr_in*>(&copy)->sin_port = 0;
    else
        reinterpret_cast<sockaddr_in6*>(&copy)->sin6_port = 0;
    wchar_t buf[INET6_ADDRSTRLEN] = {};
    DWORD buflen = INET6_ADDRSTRLEN;
    ::WSAAddressToStringW(reinterpret_cast<sockaddr*>(&copy), a.length, nullptr, buf, &buflen);
    return win32::narrow(buf);
}

}  // namespace

Result<std::vector<Address>> resolve(const std::string& host, int port) {
    ensure_winsock();
    const std::wstring whost = win32::widen(host);
    const std::wstring service = port > 0 ? std::to_wstring(port) : std::wstring();
    ADDRINFOW hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    ADDRINFOW* list = nullptr;
    const int rc =
        ::GetAddrInfoW(whost.c_str(), service.empty() ? nullptr : service.c_str(), &hints, &list);
    if (rc != 0) return Status::error(wsa_error(rc));
    std::vector<Address> out;
    for (ADDRINFOW* ai = list; ai; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
        Address a;
        std::memcpy(a.sockaddr_bytes.data(), ai->ai_addr, ai->ai_addrlen);
        a.length = static_cast<int>(ai->ai_addrlen);
        a.family = ai->ai_family;
        a.text = address_text(a);
        out.push_back(std::move(a));
    }
    if (list) ::FreeAddrInfoW(list);
    return out;
}

namespace {

class WinsockConnection final : public Connection {
public:
    explicit WinsockConnection(SOCKET s) : s_(s) {}
    WinsockConnection(const WinsockConnection&) = delete;
    WinsockConnection& operator=(const WinsockConnection&) = delete;
    ~WinsockConnection() override { ::closesocket(s_); }

    Progress wait(std::chrono::milliseconds slice, std::string& error) override {
        WSAPOLLFD p{s_, POLLWRNORM, 0};
        const int n = ::WSAPoll(&p, 1, static_cast<INT>(slice.count()));
        if (n == SOCKET_ERROR) {
            error = wsa_error(::WSAGetLastError());
            return Progress::failed;
        }
        if (n == 0) return Progress::pending;
        int so_error = 0;
        int len = sizeof so_error;
        ::getsockopt(s_, SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&so_error), &len);
        if (so_error == 0 && !(p.revents & (POLLERR | POLLHUP))) return Progress::connected;
        error = wsa_error(so_error ? so_error : WSAECONNREFUSED);
        return Progress::failed;
    }

private:
    SOCKET s_;
};

}  // namespace

Progress start_connect(const Address& a, std::unique_ptr<Connection>& connection,
                       std::string& error) {
    ensure_winsock();
    SOCKET s =
        ::WSASocketW(a.family, SOCK_STREAM, IPPROTO_TCP, nullptr, 0, WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET) {
        error = wsa_error(::WSAGetLastError());
        return Progress::failed;
    }
    auto c = std::make_unique<WinsockConnection>(s);
    u_long nonblocking = 1;
    ::ioctlsocket(s, FIONBIO, &nonblocking);
    if (::connect(s, reinterpret_cast<const sockaddr*>(a.sockaddr_bytes.data()), a.length) == 0)
        return Progress::connected;
    if (::WSAGetLastError() != WSAEWOULDBLOCK) {
        error = wsa_error(::WSAGetLastError());
        return Progress::failed;
    }
    connection = std::move(c);
    return Progress::pending;
}

void shutdown_socket(std::uintptr_t socket) {
    ::shutdown(static_cast<SOCKET>(socket), SD_BOTH);
}

}  // namespace fixtray::net_platform
