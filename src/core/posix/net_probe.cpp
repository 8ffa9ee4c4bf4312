// dns_resolve and tcp_connect for POSIX. getaddrinfo cannot be interrupted, so it runs on a
// helper thread; when it overruns the step's timeout (or the step is cancelled) the thread is
// detached and finishes on its own, its result discarded (the state is shared, not borrowed).
// Waits use the real steady clock: they wait on the kernel, not on the Clock seam.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
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

namespace fixtray {
namespace {

using steady = std::chrono::steady_clock;
constexpr auto poll_slice = std::chrono::milliseconds(50);

struct Address {
    sockaddr_storage addr{};
    socklen_t len = 0;
    int family = 0;
    std::string text;
};

struct Resolution {
    enum class Status { ok, failed, timed_out, cancelled } status = Status::failed;
    std::vector<Address> addresses;
    std::string error;
};

std::string address_text(const sockaddr* sa) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
    return buf;
}

Resolution resolve(const std::string& host, int port, steady::time_point deadline,
                   const CancelToken& cancel) {
    struct Shared {
        std::mutex m;
        std::condition_variable cv;
        bool done = false;
        int rc = 0;
        int err = 0;
        std::vector<Address> addresses;
    };
    if (cancel.cancelled()) {
        Resolution res;
        res.status = Resolution::Status::cancelled;
        return res;
    }
    auto shared = std::make_shared<Shared>();
    const std::string service = port > 0 ? std::to_string(port) : std::string();

    std::thread worker([shared, host, service] {
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* list = nullptr;
        const int rc =
            getaddrinfo(host.c_str(), service.empty() ? nullptr : service.c_str(), &hints, &list);
        const int err = errno;
        std::vector<Address> out;
        for (addrinfo* ai = list; rc == 0 && ai; ai = ai->ai_next) {
            if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
            Address a;
            std::memcpy(&a.addr, ai->ai_addr, ai->ai_addrlen);
            a.len = ai->ai_addrlen;
            a.family = ai->ai_family;
            a.text = address_text(ai->ai_addr);
            bool dup = false;
            for (const auto& o : out) dup = dup || (o.text == a.text);
            if (!dup) out.push_back(std::move(a));
        }
        if (list) freeaddrinfo(list);
        std::lock_guard<std::mutex> lock(shared->m);
        shared->rc = rc;
        shared->err = err;
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
        worker.detach();  // overran: it finishes on its own; `shared` keeps its state alive
        return res;
    }
    const int rc = shared->rc;
    const int err = shared->err;
    res.addresses = std::move(shared->addresses);
    lock.unlock();
    worker.join();
    if (rc != 0) {
        res.status = Resolution::Status::failed;
        res.error = rc == EAI_SYSTEM ? std::strerror(err) : gai_strerror(rc);
    } else if (res.addresses.empty()) {
        res.status = Resolution::Status::failed;
        res.error = "no IPv4 or IPv6 address";
    } else {
        res.status = Resolution::Status::ok;
    }
    return res;
}

std::string join_addresses(const std::vector<Address>& addrs) {
    std::string s;
    for (const auto& a : addrs) {
        if (!s.empty()) s += ", ";
        s += a.text;
    }
    return s;
}

// Fills r for the non-ok outcomes of a resolution; returns false when there is nothing to use.
bool resolution_usable(const Resolution& res, const std::string& host, const Step& step,
                       BuiltinResult& r) {
    switch (res.status) {
        case Resolution::Status::ok:
            return true;
        case Resolution::Status::cancelled:
            r.cancelled = true;
            r.message = "looking up " + host + " was cancelled";
            return false;
        case Resolution::Status::timed_out:
            r.timed_out = true;
            r.message = host + " could not be resolved within " +
                        std::to_string(step.timeout.count()) + " ms";
            return false;
        case Resolution::Status::failed:
            break;
    }
    r.message = host + " could not be resolved (" + res.error + ")";
    return false;
}

enum class ConnectStatus { ok, failed, timed_out, cancelled };

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
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&a.addr), a.len) == 0)
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

}  // namespace

BuiltinResult dns_resolve(const Step& step, BuiltinContext& ctx) {
    BuiltinResult r;
    if (step.host.empty()) {
        r.message = "no host name to resolve";
        return r;
    }
    const auto started = steady::now();
    const Resolution res = resolve(step.host, 0, started + step.timeout, ctx.cancel);
    if (!resolution_usable(res, step.host, step, r)) return r;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - started);
    r.ok = true;
    r.message = step.host + " resolves to " + join_addresses(res.addresses);
    r.detail = "resolved in " + std::to_string(ms.count()) + " ms\n";
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
    if (!resolution_usable(res, step.host, step, r)) return r;

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
