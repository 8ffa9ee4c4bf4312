// fixctl outbox: list, show, send, retry, save and remove support requests.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "base/cancel_token.h"
#include "base/clock.h"
#include "commands.h"
#include "engine/audit_log.h"
#include "engine/run_record.h"
#include "net/http_client.h"
#include "outbox/outbox.h"
#include "outbox/outbox_sender.h"
#include "platform/platform_paths.h"

namespace fixtray::cli {

using nlohmann::json;

namespace {

CancelToken* g_outbox_cancel = nullptr;
extern "C" void on_outbox_interrupt(int) {
    if (g_outbox_cancel) g_outbox_cancel->cancel();
}

std::string outbox_dir() {
    return fixtray_state_dir(current_user_environment()) + "/outbox";
}

// Full id from a unique prefix (at least 4 characters), as git does for commits.
std::optional<std::string> resolve_id(const Outbox& outbox, const std::string& given) {
    if (valid_request_id(given)) return given;
    std::vector<std::string> matches;
    if (given.size() >= 4)
        for (const auto& e : outbox.list())
            if (e.request.id.rfind(given, 0) == 0) matches.push_back(e.request.id);
    if (matches.size() == 1) return matches[0];
    std::cerr << "fixctl: "
              << (matches.empty() ? "no request \"" + given + "\" in the outbox"
                                  : "\"" + given + "\" matches several requests; give more of it")
              << " (see `fixctl outbox list`)\n";
    return std::nullopt;
}

json entry_json(const OutboxEntry& e) {
    json j = to_json(e.request);
    j["status"] = to_json(e.status);
    return j;
}

std::string status_line(const DeliveryStatus& s) {
    switch (s.state) {
        case DeliveryState::delivered:
            return "delivered" + (s.ticket_id.empty() ? "" : ": ticket " + s.ticket_id) +
                   (s.ticket_url.empty() ? "" : " " + s.ticket_url);
        case DeliveryState::failed:
            return "failed: " + s.last_error;
        case DeliveryState::pending:
            if (s.attempts == 0) return "pending: not sent yet";
            return "pending after " + std::to_string(s.attempts) +
                   (s.attempts == 1 ? " attempt" : " attempts") +
                   (s.last_error.empty() ? "" : " (" + s.last_error + ")") +
                   (s.next_attempt.time_since_epoch().count() == 0
                        ? ""
                        : "; next at " + format_time_utc(s.next_attempt));
    }
    return "?";
}

}  // namespace

void print_send_report(const SendReport& r) {
    const std::string id = r.id.empty() ? "outbox" : r.id.substr(0, 8);
    std::printf("%s  %s: %s\n", id.c_str(), to_string(r.result), r.message.c_str());
    if (!r.status.ticket_url.empty() && (r.result == SendReport::Result::delivered ||
                                         r.result == SendReport::Result::found_existing))
        std::printf("          %s\n", r.status.ticket_url.c_str());
}

std::unique_ptr<TicketBackend> backend_or_complain(const EscalationConfig& config,
                                                   HttpClient& http) {
    if (!config.backend) {
        std::cerr << "fixctl: no ticket system is configured (\"escalation\": {\"backend\": ...} "
                     "in "
                  << system_config_file()
                  << "). The request stays in the outbox; `fixctl outbox save ID` copies it "
                     "to a folder so you can send it by hand.\n";
        return nullptr;
    }
    Result<std::unique_ptr<TicketBackend>> backend = make_ticket_backend(*config.backend, http);
    if (!backend) {
        std::cerr << "fixctl: " << backend.message() << "\n";
        return nullptr;
    }
    return std::move(backend).value();
}

int cmd_outbox(const GlobalOptions& g, const OutboxOptions& o) {
    Outbox outbox(outbox_dir());
    if (o.action == "list") {
        std::vector<std::string> problems;
        const auto entries = outbox.list(&problems);
        for (const auto& p : problems) std::cerr << "fixctl: warning: " << p << "\n";
        if (o.json) {
            json all = json::array();
            for (const auto& e : entries) all.push_back(entry_json(e));
            std::cout << dump_json(all, 2) << "\n";
            return kOk;
        }
        if (entries.empty()) {
            std::printf("The outbox is empty.\n");
            return kOk;
        }
        for (const auto& e : entries)
            std::printf("%s  %s  %s\n          %s\n", e.request.id.substr(0, 8).c_str(),
                        format_time_utc(e.request.created).substr(0, 16).c_str(),
                        e.request.subject.c_str(), status_line(e.status).c_str());
        return kOk;
    }

    if (o.action == "show" || o.action == "retry" || o.action == "save" || o.action == "remove") {
        if (o.id.empty()) {
            std::cerr << "fixctl: outbox " << o.action << " needs a request id\n";
            return kUsage;
        }
        auto id = resolve_id(outbox, o.id);
        if (!id) return kUsage;
        if (o.action == "show") {
            Result<OutboxEntry> entry = outbox.get(*id);
            if (!entry) {
                std::cerr << "fixctl: " << entry.message() << "\n";
                return kUsage;
            }
            if (o.json) {
                std::cout << dump_json(entry_json(*entry), 2) << "\n";
                return kOk;
            }
            std::printf("Request %s\nStatus: %s\n", id->c_str(),
                        status_line(entry->status).c_str());
            if (!entry->status.backend.empty())
                std::printf("Sent to: %s\n", entry->status.backend.c_str());
            std::printf("History:\n");
            for (const auto& h : entry->status.history) std::printf("  %s\n", h.c_str());
            std::printf("\n%s", request_text(entry->request).c_str());
            return kOk;
        }
        Status done;
        if (o.action == "retry") done = outbox.retry(*id);
        if (o.action == "remove") done = outbox.remove(*id);
        std::vector<std::string> written;
        if (o.action == "save") {
            std::string to = o.dir;
            if (to.empty()) to = current_user_environment().home + "/Desktop";
            done = outbox.save_copy(*id, to, &written);
        }
        if (!done) {
            std::cerr << "fixctl: " << done.message() << "\n";
            return kNotFixed;
        }
        for (const auto& w : written) std::printf("%s\n", w.c_str());
        if (o.action == "retry")
            std::printf("Request %s is pending again; `fixctl outbox send` sends it now.\n",
                        id->substr(0, 8).c_str());
        if (o.action == "remove") std::printf("Removed request %s.\n", id->substr(0, 8).c_str());
        return kOk;
    }

    if (o.action != "send") {
        std::cerr << "fixctl: unknown outbox action \"" << o.action
                  << "\" (list, show, send, retry, save, remove)\n";
        return kUsage;
    }
    if (o.id.empty()) {
        bool pending = false;
        const auto now = std::chrono::system_clock::now();
        for (const auto& e : outbox.list())
            pending = pending || (e.status.state == DeliveryState::pending &&
                                  (!o.due || e.status.next_attempt <= now));
        if (!pending) {
            if (!o.due) std::printf("Nothing to send.\n");
            return kOk;
        }
    }
    EscalationConfig config;
    if (!load_escalation_config(g, &config)) return kUsage;
    CurlHttpClient http;
    auto backend = backend_or_complain(config, http);
    if (!backend) return kRefused;
    RealClock clock;
    OutboxSender sender(outbox, *backend, clock, {config.retry_initial, config.retry_max});
    CancelToken cancel;
    g_outbox_cancel = &cancel;
    std::signal(SIGINT, on_outbox_interrupt);
    std::signal(SIGTERM, on_outbox_interrupt);
    std::vector<SendReport> reports;
    if (!o.id.empty()) {
        auto id = resolve_id(outbox, o.id);
        if (!id) return kUsage;
        reports.push_back(sender.send(*id, true, cancel));
        print_send_report(reports.back());
    } else if (o.wait) {
        std::printf("Sending until the outbox is empty (Ctrl-C stops; nothing is lost).\n");
        std::fflush(stdout);
        // Tried once now, then each request at its own next attempt time.
        reports = sender.send_due(true, cancel, print_send_report);
        auto more = sender.run(cancel, {}, print_send_report);
        reports.insert(reports.end(), more.begin(), more.end());
    } else {
        reports = sender.send_due(!o.due, cancel, print_send_report);
    }
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    g_outbox_cancel = nullptr;
    if (cancel.cancelled()) return kCancelled;
    // 0 when nothing is left pending or failed.
    for (const auto& e : outbox.list())
        if (e.status.state != DeliveryState::delivered &&
            (o.id.empty() || e.request.id == o.id || e.request.id.rfind(o.id, 0) == 0))
            return kNotFixed;
    return kOk;
}

}  // namespace fixtray::cli
