// The socket primitives net_probe.cpp builds dns_resolve and tcp_connect on. One implementation
// per platform: posix/net_platform.cpp (getaddrinfo, poll), win32/net_platform.cpp (Winsock 2).
// Internal to the core; not for the UI.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace fixtray {

class CancelToken;

namespace net_platform {

using steady = std::chrono::steady_clock;

// How often blocking waits look at the cancel token.
constexpr auto poll_slice = std::chrono::milliseconds(50);

// One resolved IPv4 or IPv6 address: the platform's socket address, copied as bytes, and its
// text form without the port ("192.0.2.1", "2001:db8::1").
struct Address {
    std::array<unsigned char, 128> sockaddr_bytes{};  // a sockaddr_storage
    int length = 0;                                   // bytes of sockaddr_bytes in use
    int family = 0;                                   // AF_INET or AF_INET6
    std::string text;
};

// Result of one blocking lookup: the addresses in the resolver's order, or an error in the
// platform's words (empty on success, even when no address came back).
struct Lookup {
    std::vector<Address> addresses;
    std::string error;
};

// Resolves `host` for TCP (port 0: no service). Blocks for as long as the system resolver takes
// and cannot be interrupted: net_probe.cpp calls it on a helper thread. Thread-safe.
Lookup resolve(const std::string& host, int port);

enum class ConnectStatus { ok, failed, timed_out, cancelled };

// A non-blocking TCP connect to `address`, waited for in poll_slice steps until `deadline` or
// the token fires; the socket is closed again either way. `error` says why when not ok
// ("timed out" on the deadline).
ConnectStatus try_connect(const Address& address, steady::time_point deadline,
                          const CancelToken& cancel, std::string& error);

}  // namespace net_platform
}  // namespace fixtray
