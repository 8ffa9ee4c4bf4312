// A cancellation flag shared between the thread that runs a fix and the one that cancels it.
#pragma once

#include <atomic>

namespace fixtray {

// Thread-safe: cancel() may be called from any thread (a signal handler may call it too: it
// only stores to a lock-free atomic). Long operations poll cancelled() at least every 50 ms.
class CancelToken {
public:
    void cancel() noexcept { flag_.store(true, std::memory_order_relaxed); }
    bool cancelled() const noexcept { return flag_.load(std::memory_order_relaxed); }
    void reset() noexcept { flag_.store(false, std::memory_order_relaxed); }

private:
    std::atomic<bool> flag_{false};
};

}  // namespace fixtray
