// net_platform.h for POSIX: getaddrinfo and a non-blocking connect waited for with poll().
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "cancel_token.h"
#include "net_platform.h"

namespace fixtray::net_platform {
namespace {

static_assert(sizeof(sockaddr_storage) <= sizeof(Address::sockaddr_bytes));

std::string address_text(const sockaddr* sa) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
    return buf;
}

}  // namespace

Lookup resolve(const std::string& host, int port) {
    const std::string service = port > 0 ? std::to_string(port) : std::string();
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    const int rc =
        getaddrinfo(host.c_str(), service.empty() ? nullptr : service.c_str(), &hints, &list);
    const int err = errno;
    Lookup out;
    if (rc != 0) {
        out.error = rc == EAI_SYSTEM ? std::strerror(err) : gai_strerror(rc);
        return out;
    }
    for (addrinfo* ai = list; ai; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
        Address a;
        std::memcpy(a.sockaddr_bytes.data(), ai->ai_addr, ai->ai_addrlen);
        a.length = static_cast<int>(ai->ai_addrlen);
        a.family = ai->ai_family;
        a.text = address_text(ai->ai_addr);
        out.addresses.push_back(std::move(a));
    }
    if (list) freeaddrinfo(list);
    return out;
}

ConnectStatus try_connect(const Address& a, steady::time_point deadline, const CancelToken& cancel,
                          std::string& error) {
    const int fd = ::socket(a.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = std::strerror(errno);
        return ConnectStatus::failed;
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    if (::connect(fd, reinterpret_cast<const sockaddr*>(a.sockaddr_bytes.data()),
                  static_cast<socklen_t>(a.length)) == 0)
        return ConnectStatus::ok;
    if (errno != EINPROGRESS) {
        error = std::strerror(errno);
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
        pollfd p{fd, POLLOUT, 0};
        const int n = ::poll(
            &p, 1,
            static_cast<int>(std::min(left, std::chrono::milliseconds(poll_slice)).count()) + 1);
        if (n < 0 && errno != EINTR) {
            error = std::strerror(errno);
            return ConnectStatus::failed;
        }
        if (n > 0) {
            int so_error = 0;
            socklen_t len = sizeof so_error;
            if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0) so_error = errno;
            if (so_error == 0) return ConnectStatus::ok;
            error = std::strerror(so_error);
            return ConnectStatus::failed;
        }
    }
}

}  // namespace fixtray::net_platform
