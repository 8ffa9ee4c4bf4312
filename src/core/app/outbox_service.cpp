#include "app/outbox_service.h"

#include "app/escalation_session.h"
#include "app/real_services.h"
#include "base/cancel_token.h"
#include "base/clock.h"
#include "base/i18n.h"
#include "tickets/ticket_backend.h"

namespace fixtray {

OutboxService::OutboxService(const RealServices& services)
    : outbox_(services.outbox_dir()),
      http_(services.http()),
      clock_(services.clock()),
      runner_(services.runner()),
      env_(services.env()) {}

OutboxService::~OutboxService() = default;

std::vector<OutboxEntry> OutboxService::entries(std::vector<std::string>* problems) const {
    return outbox_.list(problems);
}

Result<OutboxEntry> OutboxService::entry(const std::string& id) const {
    return outbox_.get(id);
}

Result<std::string> OutboxService::resolve(const std::string& given) const {
    if (valid_request_id(given)) return given;
    std::vector<std::string> matches;
    if (given.size() >= 4)
        for (const auto& e : outbox_.list())
            if (e.request.id.rfind(given, 0) == 0) matches.push_back(e.request.id);
    if (matches.size() == 1) return matches[0];
    return Status::error(matches.empty()
                             // TRANSLATORS: %s is a support request's id (or its start) as
                             // the employee gave it.
                             ? trf("no request \"%s\" in the outbox", {given})
                             // TRANSLATORS: %s is the start of a support request's id.
                             : trf("\"%s\" matches several requests; give more of it", {given}));
}

std::vector<OutboxEntry> OutboxService::pending(bool due_only) const {
    const auto now = clock_.now();
    std::vector<OutboxEntry> out;
    for (auto& e : outbox_.list_waiting())
        if (e.status.state == DeliveryState::pending && (!due_only || e.status.next_attempt <= now))
            out.push_back(std::move(e));
    return out;
}

bool OutboxService::anything_to_send(DeliveryMode mode) const {
    return !pending(mode == DeliveryMode::due).empty();
}

bool OutboxService::all_delivered(const std::string& id) const {
    for (const auto& e : outbox_.list_waiting())
        if (e.status.state != DeliveryState::delivered && (id.empty() || e.request.id == id))
            return false;
    return true;
}

OutboxBackend OutboxService::use_backend(const EscalationConfig& config) {
    sender_.reset();
    backend_.reset();
    // Delivered requests older than the site keeps them go first.
    if (config.keep_delivered.count() > 0)
        outbox_.prune_delivered(clock_.now() - config.keep_delivered);
    OutboxBackend result;
    if (!config.backend) return result;
    Result<std::unique_ptr<TicketBackend>> made =
        make_ticket_backend(*config.backend, http_, &runner_);
    if (!made) {
        result.state = OutboxBackend::State::unusable;
        result.message = made.message();
        return result;
    }
    backend_ = std::move(made).value();
    sender_ =
        std::make_unique<OutboxSender>(outbox_, *backend_, clock_,
                                       RetryPolicy{config.retry_initial, config.retry_max,
                                                   std::chrono::hours(24), config.retry_settle});
    result.state = OutboxBackend::State::ready;
    result.description = backend_->describe();
    return result;
}

std::vector<SendReport> OutboxService::deliver(DeliveryMode mode, const CancelToken& cancel,
                                               const DeliveryEvent& on_attempt) {
    if (!sender_) return {};
    const auto report = [&](const SendReport& r) {
        if (on_attempt) on_attempt(r);
        publish();
    };
    sender_->on_wait(on_attempt);
    if (mode != DeliveryMode::until_empty)
        return sender_->send_due(mode == DeliveryMode::all_pending, cancel, report);
    // Tried once now, then each request at its own next attempt time.
    auto reports = sender_->send_due(true, cancel, report);
    auto more = sender_->run(cancel, {}, report);
    reports.insert(reports.end(), more.begin(), more.end());
    return reports;
}

SendReport OutboxService::deliver_one(const std::string& id, const CancelToken& cancel,
                                      const DeliveryEvent& on_attempt) {
    if (!sender_) {
        SendReport r;
        r.id = id;
        r.message = "no ticket system to deliver to";
        return r;
    }
    const SendReport r = sender_->send(id, true, cancel);
    if (on_attempt) on_attempt(r);
    publish();
    return r;
}

Status OutboxService::retry(const std::string& id) {
    Status done = outbox_.retry(id);
    publish();
    return done;
}

Status OutboxService::remove(const std::string& id) {
    Status done = outbox_.remove(id);
    publish();
    return done;
}

Result<std::vector<std::string>> OutboxService::save_copy(const std::string& id,
                                                          const std::string& to_dir) {
    std::vector<std::string> written;
    if (Status saved = outbox_.save_copy(id, to_dir.empty() ? desktop_dir(env_) : to_dir, &written);
        !saved)
        return saved;
    return written;
}

void OutboxService::subscribe(AppObserver* observer) {
    // Changes are published from the moment somebody listens.
    if (observers_.empty()) seen_ = outbox_snapshot(outbox_.list());
    observers_.subscribe(observer);
}

void OutboxService::publish() {
    if (observers_.empty()) return;
    auto entries = outbox_.list();
    OutboxSnapshot now = outbox_snapshot(entries);
    if (auto change = outbox_change(seen_, now, std::move(entries))) {
        seen_ = std::move(now);
        observers_.notify([&](AppObserver& o) { o.outbox_changed(*change); });
    }
}

}  // namespace fixtray
