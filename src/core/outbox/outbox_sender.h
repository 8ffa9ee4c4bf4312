// Delivers the outbox: one attempt per due request, exponential backoff with jitter between
// attempts, Retry-After honoured, and a look-up before any create whose earlier attempt may
// have reached the server, so a request becomes exactly one ticket wherever the API allows a
// look-up (and carries its correlation id for de-duplication where it does not).
#pragma once

#include <chrono>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "outbox/outbox.h"
#include "tickets/ticket_backend.h"

namespace fixtray {

class CancelToken;
class Clock;

struct RetryPolicy {
    std::chrono::seconds initial{30};
    std::chrono::seconds max{3600};
    std::chrono::seconds max_retry_after{24 * 3600};  // a Retry-After longer than this is cut
    // After an attempt whose outcome is unknown (the sender died or the answer never came), the
    // server may still be saving that ticket: the look-up waits until this long after the
    // attempt began, or it could miss the ticket and a second one would be made.
    std::chrono::seconds settle{60};
};

// The delay before attempt number `attempts + 1`, given `attempts` failed ones: initial *
// 2^(attempts-1), capped at max, then "equal jitter" (half fixed, half random) so thousands of
// laptops coming back online do not hit the help desk in step. A Retry-After wins when longer.
std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int attempts,
                                      std::optional<std::chrono::seconds> retry_after,
                                      std::mt19937_64& rng);

struct SendReport {
    std::string id;
    enum class Result {
        delivered,       // just now (ticket_id set)
        found_existing,  // an earlier attempt had created it: found by look-up, not created again
        will_retry,      // transient failure; status.next_attempt says when
        failed,          // permanent failure; stays in the outbox as failed
        busy,            // another sender holds this request
        not_due,         // pending, but its next attempt is later
        skipped,         // not pending (delivered or failed)
        error,           // the outbox could not be read or written
    } result = Result::error;
    std::string message;
    DeliveryStatus status;
};
const char* to_string(SendReport::Result r);

class OutboxSender {
public:
    // All references must outlive the sender. `seed` 0 takes a random seed.
    OutboxSender(const Outbox& outbox, TicketBackend& backend, Clock& clock, RetryPolicy policy,
                 std::uint64_t seed = 0);

    // One attempt for one request if it is pending (and due, unless `force`). With `force`,
    // a request whose earlier attempt is still inside RetryPolicy::settle is waited for (the
    // wait observer hears about it first); without, it is not due until then.
    SendReport send(const std::string& id, bool force, const CancelToken& cancel);
    // Told (with a not_due report saying how long) before send() waits out a settle window.
    void on_wait(std::function<void(const SendReport&)> observer) {
        on_wait_ = std::move(observer);
    }
    // One attempt for every pending request that is due (all pending ones when `force`),
    // oldest first. Stops early when cancelled.
    std::vector<SendReport> send_due(bool force, const CancelToken& cancel,
                                     const std::function<void(const SendReport&)>& on_report = {});
    // Sends until nothing is pending or cancelled, sleeping (on the clock) until the next
    // request is due. `wake` set from another thread (network back, new request queued) makes
    // every pending request due at once. Returns the reports of every attempt.
    std::vector<SendReport> run(const CancelToken& cancel, const std::function<bool()>& wake = {},
                                const std::function<void(const SendReport&)>& on_report = {});

private:
    const Outbox& outbox_;
    TicketBackend& backend_;
    Clock& clock_;
    RetryPolicy policy_;
    std::mt19937_64 rng_;
    std::function<void(const SendReport&)> on_wait_;
};

}  // namespace fixtray
