// A cancellation flag shared between the thread that runs a fix and the one that cancels it.
#pragma once

#include <atomic>

namespace fixtray {

// Thread-safe: cancel() may be called from any thread (a signal handler may call it too: it
// only stores to a lock-free atomic). Long operations poll cancelled() at least every 50 ms.
class CancelToken {
public:
    void cancel() noexcept {
        requests_.fetch_add(1, std::memory_order_relaxed);
        flag_.store(true, std::memory_order_relaxed);
    }
    bool cancelled() const noexcept { return flag_.load(std::memory_order_relaxed); }
    // How many times cancel() was called since the last reset(): what was started after a
    // cancel (undoing a fix's changes) is cancelled in turn by the next request.
    unsigned requests() const noexcept { return requests_.load(std::memory_order_relaxed); }
    void reset() noexcept {
        flag_.store(false, std::memory_order_relaxed);
        requests_.store(0, std::memory_order_relaxed);
    }

private:
    std::atomic<bool> flag_{false};
    std::atomic<unsigned> requests_{0};
};

}  // namespace fixtray
