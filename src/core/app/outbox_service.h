// The user's outbox for every front end (fixctl outbox, the tray's outbox window and its
// delivery timer): the requests queued, which are due, delivery to the configured ticket
// system with a cancel token and one event per attempt, and the employee's own actions
// (retry, remove, save a copy). Every change it makes is published to its subscribers as
// AppObserver::outbox_changed (app/notifications.h).
//
// Thread contract: one thread drives a service; every callback (per-attempt events and
// notifications) runs synchronously on that thread, inside the call that caused it. cancel
// a delivery from any thread (or a signal handler) through its CancelToken.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/notifications.h"
#include "base/status.h"
#include "escalation/escalation_config.h"
#include "outbox/outbox.h"
#include "outbox/outbox_sender.h"
#include "platform/platform_paths.h"

namespace fixtray {

class CancelToken;
class Clock;
class HttpClient;
class RealServices;
class TicketBackend;

// Which requests a delivery pass tries.
enum class DeliveryMode {
    due,          // pending requests whose next attempt time has come (the timer's pass)
    all_pending,  // one attempt now for every pending request (the employee asked)
    until_empty,  // every pending one now, then each at its next attempt time, until nothing
                  // is pending or the pass is cancelled (sleeps on the clock in between)
};

// Whether deliveries have somewhere to go (use_backend()).
struct OutboxBackend {
    enum class State {
        ready,           // a ticket system is configured and usable
        not_configured,  // no "backend" in the escalation settings
        unusable,        // configured, but it cannot be used: `message` says why
    } state = State::not_configured;
    std::string message;
    std::string description;  // ready: where requests go ("Request Tracker at https://...")
};

// Called once per attempt, right after it (the request's new status is on disk).
using DeliveryEvent = std::function<void(const SendReport&)>;

class OutboxService {
public:
    // The outbox of services.outbox_dir(); copies are saved to the desktop of services.env().
    // `services` must outlive the service (its HTTP client and clock are used).
    explicit OutboxService(const RealServices& services);
    ~OutboxService();
    OutboxService(const OutboxService&) = delete;
    OutboxService& operator=(const OutboxService&) = delete;

    const std::string& dir() const { return outbox_.dir(); }

    // --- What is there ---------------------------------------------------------------------
    // Every request, oldest first; entries that cannot be read are left out and named in
    // *problems.
    std::vector<OutboxEntry> entries(std::vector<std::string>* problems = nullptr) const;
    Result<OutboxEntry> entry(const std::string& id) const;
    // The full id of a request from its id or a unique prefix of at least 4 characters (as git
    // does for commits). The failure says "no request \"X\" in the outbox" or that it matches
    // several, in the user's language.
    Result<std::string> resolve(const std::string& id_or_prefix) const;
    // Pending requests, oldest first; with due_only, only those whose next attempt time has
    // come (by the service's clock).
    std::vector<OutboxEntry> pending(bool due_only) const;
    // Whether a delivery pass in this mode would try anything: "is anything due".
    bool anything_to_send(DeliveryMode mode) const;
    // True when nothing is left pending or failed; with `id` (a full id), only that request.
    bool all_delivered(const std::string& id = "") const;

    // --- Delivery --------------------------------------------------------------------------
    // Connects the ticket system of these settings (its retry policy too). Until then, and
    // when it is not ready, deliver() tries nothing.
    OutboxBackend use_backend(const EscalationConfig& config);
    // One pass in this mode; `on_attempt` after each attempt. Stops early when cancelled.
    // Returns the report of every attempt.
    std::vector<SendReport> deliver(DeliveryMode mode, const CancelToken& cancel,
                                    const DeliveryEvent& on_attempt = {});
    // One attempt now for one request (a full id), due or not.
    SendReport deliver_one(const std::string& id, const CancelToken& cancel,
                           const DeliveryEvent& on_attempt = {});

    // --- The employee's actions (full ids) --------------------------------------------------
    // A failed request becomes pending again, due at once.
    Status retry(const std::string& id);
    Status remove(const std::string& id);
    // Copies the request (text and attachments) to `to_dir` ("" : the desktop folder,
    // desktop_dir()) for sending by hand; the files written.
    Result<std::vector<std::string>> save_copy(const std::string& id, const std::string& to_dir);

    // --- Notifications ---------------------------------------------------------------------
    // outbox_changed after every change this service makes (an attempt, retry, remove).
    void subscribe(AppObserver* observer);
    void unsubscribe(AppObserver* observer) { observers_.unsubscribe(observer); }

private:
    void publish();

    Outbox outbox_;
    HttpClient& http_;
    Clock& clock_;
    ProcessRunner& runner_;  // the mailto fallback starts the mail program
    UserEnvironment env_;
    std::unique_ptr<TicketBackend> backend_;
    std::unique_ptr<OutboxSender> sender_;
    AppObservers observers_;
    OutboxSnapshot seen_;
};

}  // namespace fixtray
