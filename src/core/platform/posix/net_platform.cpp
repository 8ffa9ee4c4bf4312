// net_platform.h for POSIX: getaddrinfo, and a non-blocking connect waited for with poll().
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
#include <memory>
#include <string>
#include <vector>

#include "platform/net_platform.h"

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

Result<std::vector<Address>> resolve(const std::string& host, int port) {
    const std::string service = port > 0 ? std::to_string(port) : std::string();
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    const int rc =
        getaddrinfo(host.c_str(), service.empty() ? nullptr : service.c_str(), &hints, &list);
    const int err = errno;
    if (rc != 0) return Status::error(rc == EAI_SYSTEM ? std::strerror(err) : gai_strerror(rc));
    std::vector<Address> out;
    for (addrinfo* ai = list; ai; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
        Address a;
        std::memcpy(a.sockaddr_bytes.data(), ai->ai_addr, ai->ai_addrlen);
        a.length = static_cast<int>(ai->ai_addrlen);
        a.family = ai->ai_family;
        a.text = address_text(ai->ai_addr);
        out.push_back(std::move(a));
    }
    if (list) freeaddrinfo(list);
    return out;
}

namespace {

class PosixConnection final : public Connection {
public:
    explicit PosixConnection(int fd) : fd_(fd) {}
    PosixConnection(const PosixConnection&) = delete;
    PosixConnection& operator=(const PosixConnection&) = delete;
    ~PosixConnection() override { ::close(fd_); }

    Progress wait(std::chrono::milliseconds slice, std::string& error) override {
        pollfd p{fd_, POLLOUT, 0};
        const int n = ::poll(&p, 1, static_cast<int>(slice.count()));
        if (n < 0 && errno != EINTR) {
            error = std::strerror(errno);
            return Progress::failed;
        }
        if (n <= 0) return Progress::pending;
        int so_error = 0;
        socklen_t len = sizeof so_error;
        if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0) so_error = errno;
        if (so_error == 0) return Progress::connected;
        error = std::strerror(so_error);
        return Progress::failed;
    }

private:
    int fd_;
};

}  // namespace

Progress start_connect(const Address& a, std::unique_ptr<Connection>& connection,
                       std::string& error) {
    const int fd = ::socket(a.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = std::strerror(errno);
        return Progress::failed;
    }
    auto c = std::make_unique<PosixConnection>(fd);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(a.sockaddr_bytes.data()),
                  static_cast<socklen_t>(a.length)) == 0)
        return Progress::connected;
    if (errno != EINPROGRESS) {
        error = std::strerror(errno);
        return Progress::failed;
    }
    connection = std::move(c);
    return Progress::pending;
}

void shutdown_socket(std::uintptr_t socket) {
    ::shutdown(static_cast<int>(socket), SHUT_RDWR);
}

}  // namespace fixtray::net_platform
