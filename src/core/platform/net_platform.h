// The socket primitives net_probe.cpp builds dns_resolve and tcp_connect on. One implementation
// per platform: posix/net_platform.cpp (getaddrinfo, poll), win32/net_platform.cpp (Winsock 2).
// Internal to the core; not for the UI.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"

namespace fixtray::net_platform {

using steady = std::chrono::steady_clock;

// How often net_probe.cpp's waits look at the cancel token.
constexpr auto poll_slice = std::chrono::milliseconds(50);

// One resolved IPv4 or IPv6 address: the platform's socket address, copied as bytes, and its
// text form without the port ("192.0.2.1", "2001:db8::1").
struct Address {
    std::array<unsigned char, 128> sockaddr_bytes{};  // a sockaddr_storage
    int length = 0;                                   // bytes of sockaddr_bytes in use
    int family = 0;                                   // AF_INET or AF_INET6
    std::string text;
};

// Resolves `host` for TCP (port 0: no service): the addresses in the resolver's order (maybe
// none), or the resolver's error in the platform's words. Blocks for as long as the system
// resolver takes and cannot be interrupted: net_probe.cpp calls it on a helper thread.
// Thread-safe.
Result<std::vector<Address>> resolve(const std::string& host, int port);

// How far a connect has come.
enum class Progress { connected, failed, pending };

// A socket with a non-blocking connect under way; closed when destroyed.
class Connection {
public:
    virtual ~Connection() = default;
    // Waits up to `slice` for the connect to finish: connected, failed (`error` says why), or
    // still pending.
    virtual Progress wait(std::chrono::milliseconds slice, std::string& error) = 0;
};

// Starts a non-blocking TCP connect to `address`: connected at once, failed (`error` says why),
// or pending with `connection` set to wait on.
Progress start_connect(const Address& address, std::unique_ptr<Connection>& connection,
                       std::string& error);

// Shuts down both directions of a connected socket someone else owns (libcurl's, from
// CURLINFO_ACTIVESOCKET), so a blocking exchange on it ends at once; the owner still closes it.
void shutdown_socket(std::uintptr_t socket);

}  // namespace fixtray::net_platform
