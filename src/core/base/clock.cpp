#include "base/clock.h"

#include <algorithm>
#include <thread>

#include "base/cancel_token.h"

namespace fixtray {

std::chrono::system_clock::time_point RealClock::now() const {
    return std::chrono::system_clock::now();
}

std::chrono::steady_clock::time_point RealClock::steady_now() const {
    return std::chrono::steady_clock::now();
}

bool RealClock::sleep_for(std::chrono::milliseconds d, const CancelToken& cancel) {
    const auto deadline = std::chrono::steady_clock::now() + d;
    while (!cancel.cancelled()) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) return true;
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
            deadline - now, std::chrono::milliseconds(25)));
    }
    return false;
}

}  // namespace fixtray
