#include "outbox/outbox_sender.h"

#include <algorithm>

#include "base/cancel_token.h"
#include "base/clock.h"
#include "base/time_text.h"

namespace fixtray {

using namespace std::chrono;

const char* to_string(SendReport::Result r) {
    switch (r) {
        case SendReport::Result::delivered:
            return "delivered";
        case SendReport::Result::found_existing:
            return "found-existing";
        case SendReport::Result::will_retry:
            return "will-retry";
        case SendReport::Result::failed:
            return "failed";
        case SendReport::Result::busy:
            return "busy";
        case SendReport::Result::not_due:
            return "not-due";
        case SendReport::Result::skipped:
            return "skipped";
        case SendReport::Result::error:
            return "error";
    }
    return "?";
}

milliseconds retry_delay(const RetryPolicy& policy, int attempts,
                         std::optional<seconds> retry_after, std::mt19937_64& rng) {
    const int doublings = std::clamp(attempts - 1, 0, 30);
    const auto initial = duration_cast<milliseconds>(policy.initial);
    const auto cap = duration_cast<milliseconds>(policy.max);
    milliseconds base = initial;
    for (int i = 0; i < doublings && base < cap; ++i) base *= 2;
    base = std::min(base, cap);
    std::uniform_int_distribution<long long> half(0, base.count() / 2);
    milliseconds delay = base - base / 2 + milliseconds(half(rng));
    if (retry_after) {
        const auto wanted =
            duration_cast<milliseconds>(std::min(*retry_after, policy.max_retry_after));
        delay = std::max(delay, wanted);
    }
    return delay;
}

OutboxSender::OutboxSender(const Outbox& outbox, TicketBackend& backend, Clock& clock,
                           RetryPolicy policy, std::uint64_t seed)
    : outbox_(outbox),
      backend_(backend),
      clock_(clock),
      policy_(policy),
      rng_(seed != 0 ? seed : std::random_device{}()) {}

SendReport OutboxSender::send(const std::string& id, bool force, const CancelToken& cancel) {
    SendReport report;
    report.id = id;
    Result<FileLock> held = outbox_.lock(id);
    if (!held) {
        report.result = SendReport::Result::error;
        report.message = held.message();
        return report;
    }
    if (!held->held()) {
        report.result = SendReport::Result::busy;
        report.message = "another sender is delivering this request";
        return report;
    }
    // Read under the lock: another sender may have delivered it in the meantime.
    Result<OutboxEntry> entry = outbox_.get(id);
    if (!entry) {
        report.message = entry.message();
        return report;
    }
    DeliveryStatus& status = entry->status;
    report.status = status;
    if (status.state != DeliveryState::pending) {
        report.result = SendReport::Result::skipped;
        report.message = std::string("already ") + to_string(status.state);
        return report;
    }
    const auto now = clock_.now();
    if (!force && status.next_attempt > now) {
        report.result = SendReport::Result::not_due;
        report.message = "next attempt at " + format_time_utc(status.next_attempt);
        return report;
    }
    status.backend = backend_.describe();
    auto save = [&](SendReport::Result result, std::string message) {
        report.result = result;
        report.message = std::move(message);
        status.history.push_back(format_time_utc(clock_.now()) + ": " + report.message);
        if (status.history.size() > 50) status.history.erase(status.history.begin());
        if (Status written = outbox_.write_status(id, status); !written) {
            report.result = SendReport::Result::error;
            report.message += "; and the outbox could not be updated: " + written.message();
        } else if (status.state == DeliveryState::delivered) {
            // Out of the way of the passes that look for work (if this fails, the next
            // list_waiting() archives it).
            static_cast<void>(outbox_.archive_delivered(id));
        }
        report.status = status;
        return report;
    };
    auto schedule_retry = [&](const std::string& why, std::optional<seconds> retry_after) {
        status.last_error = why;
        status.next_attempt =
            clock_.now() + retry_delay(policy_, std::max(status.attempts, 1), retry_after, rng_);
        return save(SendReport::Result::will_retry,
                    why + "; next attempt at " + format_time_utc(status.next_attempt));
    };

    // An earlier create may have reached the server: find its ticket before creating another,
    // once the server has had time to save it.
    if (status.in_flight && policy_.settle.count() > 0) {
        const auto settled = status.last_attempt + policy_.settle;
        if (clock_.now() < settled) {
            const auto left = std::chrono::ceil<seconds>(settled - clock_.now());
            if (!force) {
                status.next_attempt = settled;
                if (Status written = outbox_.write_status(id, status); !written) {
                    report.result = SendReport::Result::error;
                    report.message = "cannot record the next attempt: " + written.message();
                    return report;
                }
                report.result = SendReport::Result::not_due;
                report.message = "an earlier attempt may still be saved by the server; next at " +
                                 format_time_utc(settled);
                report.status = status;
                return report;
            }
            if (on_wait_) {
                SendReport waiting = report;
                waiting.result = SendReport::Result::not_due;
                waiting.message = "waiting " + std::to_string(left.count()) + " s for " +
                                  backend_.describe() +
                                  " to finish saving an earlier attempt, so that it makes no "
                                  "second ticket (Ctrl-C stops; nothing is lost)";
                on_wait_(waiting);
            }
            if (!clock_.sleep_for(duration_cast<milliseconds>(settled - clock_.now()), cancel)) {
                report.result = SendReport::Result::not_due;
                report.message = "stopped while waiting for the server; it is sent later";
                return report;
            }
        }
    }
    if (status.in_flight) {
        const LookupResult found = backend_.find(entry->request, cancel);
        if (found.kind == LookupResult::Kind::found) {
            status.state = DeliveryState::delivered;
            status.in_flight = false;
            status.delivered = clock_.now();
            status.ticket_id = found.ticket_id;
            status.ticket_url = found.ticket_url;
            status.last_error.clear();
            return save(SendReport::Result::found_existing,
                        "found ticket " + found.ticket_id + " created by an earlier attempt");
        }
        if (found.kind == LookupResult::Kind::error) {
            ++status.attempts;
            status.last_attempt = clock_.now();
            return schedule_retry(
                "could not check for a ticket from an earlier attempt: " + found.message,
                std::nullopt);
        }
        // not_found: safe to create. unsupported: the correlation id in the ticket lets the
        // help desk de-duplicate; creating again is the only way not to lose the request.
    }

    ++status.attempts;
    status.last_attempt = clock_.now();
    status.in_flight = true;
    if (Status written = outbox_.write_status(id, status); !written) {
        report.message = "cannot record the attempt, not sending: " + written.message();
        return report;
    }
    const DeliveryResult result = backend_.create(entry->request, cancel);
    switch (result.kind) {
        case DeliveryResult::Kind::delivered:
            status.state = DeliveryState::delivered;
            status.in_flight = false;
            status.delivered = clock_.now();
            status.ticket_id = result.ticket_id;
            status.ticket_url = result.ticket_url;
            status.handed_to = result.handed_to;
            status.handed_message = result.handed_to.empty() ? "" : result.message;
            status.last_error.clear();
            return save(SendReport::Result::delivered,
                        !result.handed_to.empty()
                            ? "handed to " + result.handed_to + ": " + result.message
                        : result.ticket_id.empty() ? "delivered: " + result.message
                                                   : "delivered as ticket " + result.ticket_id);
        case DeliveryResult::Kind::retry:
            status.in_flight = result.maybe_created;
            return schedule_retry(result.message, result.retry_after);
        case DeliveryResult::Kind::failed:
            status.state = DeliveryState::failed;
            status.in_flight = false;
            status.last_error = result.message;
            return save(SendReport::Result::failed, "failed: " + result.message);
    }
    return report;
}

std::vector<SendReport> OutboxSender::send_due(
    bool force, const CancelToken& cancel,
    const std::function<void(const SendReport&)>& on_report) {
    std::vector<SendReport> reports;
    std::vector<std::string> problems;
    for (const auto& entry : outbox_.list_waiting(&problems)) {
        if (cancel.cancelled()) break;
        if (entry.status.state != DeliveryState::pending) continue;
        if (!force && entry.status.next_attempt > clock_.now()) continue;
        reports.push_back(send(entry.request.id, force, cancel));
        if (on_report) on_report(reports.back());
    }
    for (const auto& p : problems) {
        SendReport r;
        r.message = p;
        if (on_report) on_report(r);
        reports.push_back(std::move(r));
    }
    return reports;
}

std::vector<SendReport> OutboxSender::run(const CancelToken& cancel,
                                          const std::function<bool()>& wake,
                                          const std::function<void(const SendReport&)>& on_report) {
    std::vector<SendReport> all;
    bool force = false;
    while (!cancel.cancelled()) {
        for (auto& r : send_due(force, cancel, on_report)) all.push_back(std::move(r));
        force = false;
        std::optional<system_clock::time_point> next;
        bool busy = false;
        for (const auto& entry : outbox_.list_waiting()) {
            if (entry.status.state != DeliveryState::pending) continue;
            if (!next || entry.status.next_attempt < *next) next = entry.status.next_attempt;
            // A lock that cannot be taken at all counts as busy, as before: the send reports it.
            Result<FileLock> probe = outbox_.lock(entry.request.id);
            busy = busy || !probe || !probe->held();
        }
        if (!next) break;  // nothing pending
        // Sleep until the next one is due, in slices so a wake-up is noticed within a second.
        auto wait = duration_cast<milliseconds>(*next - clock_.now());
        if (busy) wait = std::max(wait, milliseconds(1000));
        while (wait > milliseconds(0) && !cancel.cancelled()) {
            const auto slice = std::min(wait, milliseconds(1000));
            if (!clock_.sleep_for(slice, cancel)) break;
            wait -= slice;
            if (wake && wake()) {
                force = true;
                break;
            }
        }
    }
    return all;
}

}  // namespace fixtray
