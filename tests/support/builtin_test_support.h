// Test helpers for the built-in steps and probes: a tiny real HTTP server
// on 127.0.0.1 (real sockets, one connection at a time, its own thread).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/test_helpers.h"

namespace fixtray::test {

inline bool present(const std::string& path) {
    std::error_code ec;
    return std::filesystem::symlink_status(path, ec).type() !=
           std::filesystem::file_type::not_found;
}

// Sockets holding the ports closed_port() handed out, by port; for the life of the process.
inline std::map<int, int>& reserved_ports() {
    static std::map<int, int> ports;
    return ports;
}

// The socket reserving `port` (from closed_port), handed over to the caller; -1 if none.
inline int take_reserved_port(int port) {
    auto& ports = reserved_ports();
    const auto it = ports.find(port);
    if (it == ports.end()) return -1;
    const int fd = it->second;
    ports.erase(it);
    return fd;
}

struct HttpReply {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    bool send_length = true;  // false: no Content-Length, the body ends when the connection closes
    bool stall = false;       // read the request, then never answer (until the server stops)
};

// Serves each connection with handler(raw request); records the raw requests.
class LocalHttpServer {
public:
    using Handler = std::function<HttpReply(const std::string& request)>;

    // port 0: any free port. A port from closed_port(): its reservation becomes this server's
    // socket, so nobody can take the port in between. `address` (host order): 127.0.0.1 unless
    // a test in a network namespace of its own serves its other hosts (INADDR_ANY).
    explicit LocalHttpServer(Handler handler, int port = 0, in_addr_t address = INADDR_LOOPBACK)
        : handler_(std::move(handler)) {
        fd_ = take_reserved_port(port);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(address);
        addr.sin_port = htons(static_cast<uint16_t>(port));
        if (fd_ < 0) {
            fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
                throw std::runtime_error("cannot bind 127.0.0.1:" + std::to_string(port));
        }
        if (::listen(fd_, 16) != 0) throw std::runtime_error("cannot listen on 127.0.0.1");
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    LocalHttpServer(const LocalHttpServer&) = delete;
    LocalHttpServer& operator=(const LocalHttpServer&) = delete;
    ~LocalHttpServer() {
        stop_ = true;
        thread_.join();
        ::close(fd_);
    }

    int port() const { return port_; }
    std::string url(const std::string& path = "/") const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }
    std::vector<std::string> requests() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return requests_;
    }

private:
    void serve() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) continue;
            handle(c);
            ::close(c);
        }
    }

    void handle(int c) {
        std::string req;
        char buf[4096];
        std::size_t header_end = std::string::npos;
        std::size_t want = 0;
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!stop_ && std::chrono::steady_clock::now() < give_up) {
            if (header_end != std::string::npos && req.size() >= header_end + 4 + want) break;
            pollfd p{c, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            const ssize_t n = ::recv(c, buf, sizeof buf, 0);
            if (n <= 0) break;
            req.append(buf, static_cast<std::size_t>(n));
            if (header_end == std::string::npos &&
                (header_end = req.find("\r\n\r\n")) != std::string::npos) {
                const auto cl = lower(req.substr(0, header_end)).find("content-length:");
                if (cl != std::string::npos) want = std::stoul(req.substr(cl + 15));
            }
        }
        {
            std::lock_guard<std::mutex> lock(mutex_);
            requests_.push_back(req);
        }
        const HttpReply reply = handler_(req);
        if (reply.stall) {
            while (!stop_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
            return;
        }
        std::string out =
            "HTTP/1.1 " + std::to_string(reply.status) + " Test\r\nConnection: close\r\n";
        if (reply.send_length)
            out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
        for (const auto& [k, v] : reply.headers) out += k + ": " + v + "\r\n";
        out += "\r\n" + reply.body;
        std::size_t sent = 0;
        while (sent < out.size() && !stop_) {
            const ssize_t n = ::send(c, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) break;  // the client gave up (e.g. max_body reached)
            sent += static_cast<std::size_t>(n);
        }
    }

    static std::string lower(std::string s) {
        for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        return s;
    }

    Handler handler_;
    int fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    mutable std::mutex mutex_;
    std::vector<std::string> requests_;
};

// A loopback port nothing listens on, and nothing will: for "the server is down" tests. The
// port stays bound (not listening, without SO_REUSEADDR) for the rest of the test process:
// a connection is refused, the kernel never hands it out for another bind(0) or a client's
// source port, and no other program can bind it (a port merely found closed can be taken by a
// parallel test a moment later). LocalHttpServer(handler, port) takes such a port over.
inline int closed_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw std::runtime_error("cannot bind a port on 127.0.0.1");
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    const int port = ntohs(addr.sin_port);
    reserved_ports()[port] = fd;
    return port;
}

}  // namespace fixtray::test
