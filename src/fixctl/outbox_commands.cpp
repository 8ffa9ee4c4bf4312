// fixctl outbox: list, show, send, retry, save and remove support requests.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/outbox_service.h"
#include "app/real_services.h"
#include "base/cancel_token.h"
#include "base/json_text.h"
#include "base/time_text.h"
#include "commands.h"
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

// Full id from a unique prefix, or nullopt after saying why not.
std::optional<std::string> resolve_id(const OutboxService& outbox, const std::string& given) {
    auto id = outbox.resolve(given);
    if (id) return *id;
    std::cerr << "fixctl: " << id.message() << " (see `fixctl outbox list`)\n";
    return std::nullopt;
}

json entry_json(const OutboxEntry& e) {
    json j = to_json(e.request);
    j["status"] = to_json(e.status);
    if (!e.pseudonyms.empty()) j["pseudonyms"] = e.pseudonyms;
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

void print_send_report(const SendReport& r) {
    const std::string id = r.id.empty() ? "outbox" : r.id.substr(0, 8);
    std::printf("%s  %s: %s\n", id.c_str(), to_string(r.result), r.message.c_str());
    if (!r.status.ticket_url.empty() && (r.result == SendReport::Result::delivered ||
                                         r.result == SendReport::Result::found_existing))
        std::printf("          %s\n", r.status.ticket_url.c_str());
}

// Prints why requests cannot be sent when there is no usable ticket system.
void complain_about(const OutboxBackend& backend) {
    if (backend.state == OutboxBackend::State::not_configured)
        std::cerr << "fixctl: no ticket system is configured (\"escalation\": {\"backend\": ...} "
                     "in "
                  << system_config_file()
                  << "). The request stays in the outbox; `fixctl outbox save ID` copies it "
                     "to a folder so you can send it by hand.\n";
    else
        std::cerr << "fixctl: " << backend.message << "\n";
}

}  // namespace

int cmd_outbox(const GlobalOptions& g, const OutboxOptions& o) {
    const RealServices services = RealServices::for_user();
    OutboxService outbox(services);
    if (o.action == "list") {
        std::vector<std::string> problems;
        const auto entries = outbox.entries(&problems);
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
            auto entry = outbox.entry(*id);
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
            if (!entry->pseudonyms.empty()) {
                std::printf("Pseudonyms (kept on this computer, not sent):\n");
                for (const auto& [real, alias] : entry->pseudonyms)
                    std::printf("  %s = %s\n", alias.c_str(), real.c_str());
            }
            std::printf("\n%s", request_text(entry->request).c_str());
            return kOk;
        }
        Status done;
        std::vector<std::string> written;
        if (o.action == "retry") done = outbox.retry(*id);
        if (o.action == "remove") done = outbox.remove(*id);
        if (o.action == "save") {
            auto saved = outbox.save_copy(*id, o.dir);
            if (saved)
                written = std::move(*saved);
            else
                done = saved.status();
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
    const DeliveryMode mode = o.wait  ? DeliveryMode::until_empty
                              : o.due ? DeliveryMode::due
                                      : DeliveryMode::all_pending;
    if (o.id.empty() && outbox.pending(o.due).empty()) {
        if (o.due) return kOk;  // the timer's pass: nothing due is not a failure
        int failed = 0;
        for (const auto& e : outbox.entries())
            if (e.status.state == DeliveryState::failed) ++failed;
        if (failed == 0) {
            std::printf("Nothing to send.\n");
            return kOk;
        }
        std::printf(
            "Nothing to send, but %d request%s could not be delivered: see `fixctl "
            "outbox`, then `fixctl outbox retry ID` once the problem is solved.\n",
            failed, failed == 1 ? "" : "s");
        return kNotFixed;
    }
    EscalationConfig config;
    if (!load_escalation_config(g, &config)) return kUsage;
    if (const OutboxBackend backend = outbox.use_backend(config);
        backend.state != OutboxBackend::State::ready) {
        // The timer's pass on a machine without a ticket system: the requests wait for the
        // employee to save and send them by hand; that is not a failure of every pass.
        if (o.due && o.id.empty() && backend.state == OutboxBackend::State::not_configured)
            return kOk;
        complain_about(backend);
        return kRefused;
    }
    CancelToken cancel;
    g_outbox_cancel = &cancel;
    std::signal(SIGINT, on_outbox_interrupt);
    std::signal(SIGTERM, on_outbox_interrupt);
    std::string only;  // the one request asked for
    if (!o.id.empty()) {
        auto id = resolve_id(outbox, o.id);
        if (!id) return kUsage;
        only = *id;
        outbox.deliver_one(only, cancel, print_send_report);
    } else {
        if (mode == DeliveryMode::until_empty) {
            std::printf("Sending until the outbox is empty (Ctrl-C stops; nothing is lost).\n");
            std::fflush(stdout);
        }
        outbox.deliver(mode, cancel, print_send_report);
    }
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    g_outbox_cancel = nullptr;
    if (cancel.cancelled()) return kCancelled;
    // 0 when nothing is left pending or failed.
    return outbox.all_delivered(only) ? kOk : kNotFixed;
}

}  // namespace fixtray::cli
