// Time, behind an interface so tests can run waits and backoff without sleeping.
#pragma once

#include <chrono>

namespace fixtray {

class CancelToken;

class Clock {
public:
    virtual ~Clock() = default;
    virtual std::chrono::system_clock::time_point now() const = 0;
    virtual std::chrono::steady_clock::time_point steady_now() const = 0;
    // Sleeps for d or until cancelled; returns false when cancelled.
    virtual bool sleep_for(std::chrono::milliseconds d, const CancelToken& cancel) = 0;
};

class RealClock final : public Clock {
public:
    std::chrono::system_clock::time_point now() const override;
    std::chrono::steady_clock::time_point steady_now() const override;
    bool sleep_for(std::chrono::milliseconds d, const CancelToken& cancel) override;
};

}  // namespace fixtray
