// dns_resolve and tcp_connect, over the socket primitives of net_platform.h. The system resolver
// cannot be interrupted, so it runs on a helper thread; when it overruns the step's timeout (or
// the step is cancelled) the thread is detached and finishes on its own, its result discarded
// (the state is shared, not borrowed). Waits use the real steady clock: they wait on the
// kernel, not on the Clock seam.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/cancel_token.h"
#include "engine/steps/builtin_steps.h"
#include "platform/net_platform.h"

namespace fixtray {
namespace {

using net_platform::Address;
using net_platform::poll_slice;
using net_platform::steady;

struct Resolution {
    enum class Status { ok, failed, timed_out, cancelled } status = Status::failed;
    std::vector<Address> addresses;
    std::string error;
};

std::vector<Address> without_repeats(std::vector<Address> in) {
    std::vector<Address> out;
    for (auto& a : in) {
        const bool seen =
            std::any_of(out.begin(), out.end(), [&](const Address& o) { return o.text == a.text; });
        if (!seen) out.push_back(std::move(a));
    }
    return out;
}

Resolution resolve(const std::string& host, int port, steady::time_point deadline,
                   const CancelToken& cancel) {
    struct Shared {
        std::mutex m;
        std::condition_variable cv;
        bool done = false;
        std::optional<Result<std::vector<net_platform::Address>>> lookup;  // set when done
    };
    if (cancel.cancelled()) {
        Resolution res;
        res.status = Resolution::Status::cancelled;
        return res;
    }
    auto shared = std::make_shared<Shared>();

    std::thread worker([shared, host, port] {
        Result<std::vector<net_platform::Address>> lookup = net_platform::resolve(host, port);
        std::lock_guard<std::mutex> lock(shared->m);
        shared->lookup.emplace(std::move(lookup));
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
    Result<std::vector<net_platform::Address>> lookup = std::move(*shared->lookup);
    lock.unlock();
    worker.join();
    if (!lookup) {
        res.status = Resolution::Status::failed;
        res.error = lookup.message();
        return res;
    }
    res.addresses = without_repeats(std::move(lookup).value());
    if (res.addresses.empty()) {
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

// Connects to `a`, waiting in poll_slice steps until `deadline` or the token fires; the socket is
// closed again either way. `error` says why when not ok ("timed out" on the deadline).
ConnectStatus try_connect(const Address& a, steady::time_point deadline, const CancelToken& cancel,
                          std::string& error) {
    using net_platform::Progress;
    std::unique_ptr<net_platform::Connection> connection;
    Progress progress = net_platform::start_connect(a, connection, error);
    while (progress == Progress::pending) {
        if (cancel.cancelled()) return ConnectStatus::cancelled;
        const auto now = steady::now();
        if (now >= deadline) {
            error = "timed out";
            return ConnectStatus::timed_out;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
        const auto slice = std::min(left, std::chrono::milliseconds(poll_slice));
        progress = connection->wait(slice + std::chrono::milliseconds(1), error);
    }
    return progress == Progress::connected ? ConnectStatus::ok : ConnectStatus::failed;
}

std::chrono::milliseconds since(steady::time_point started) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - started);
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
    if (!resolution_usable(res, step, r)) return r;
    r.ok = true;
    r.message = step.host + " resolves to " + join_addresses(res.addresses);
    r.detail = "resolved in " + std::to_string(since(started).count()) + " ms\n";
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
            r.ok = true;
            r.message = target + " accepts connections (" + a.text + ", " +
                        std::to_string(since(started).count()) + " ms)";
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
