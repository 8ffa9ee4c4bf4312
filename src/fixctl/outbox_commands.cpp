// fixctl outbox: list, show, send, retry, save and remove support requests.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/outbox_service.h"
#include "app/real_services.h"
#include "base/cancel_token.h"
#include "base/i18n.h"
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
    // TRANSLATORS: %s says why the request id matched no request, or several.
    std::cerr << "fixctl: " << trf("%s (see `fixctl outbox list`)", {id.message()}) << "\n";
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
        case DeliveryState::delivered: {
            // TRANSLATORS: a support request's delivery status in `fixctl outbox` (list and show).
            std::string line = s.ticket_id.empty() ? std::string(tr("delivered"))
                                                   : trf("delivered: ticket %s", {s.ticket_id});
            if (!s.ticket_url.empty()) line += " " + s.ticket_url;
            return line;
        }
        case DeliveryState::failed:
            // TRANSLATORS: %s is the ticket system's answer.
            return trf("failed: %s", {s.last_error});
        case DeliveryState::pending: {
            if (s.attempts == 0) return tr("pending: not sent yet");
            const auto attempts = static_cast<unsigned long>(s.attempts);
            std::string line = trfn("pending after %s attempt", "pending after %s attempts",
                                    attempts, {std::to_string(s.attempts)});
            if (!s.last_error.empty()) line += " (" + s.last_error + ")";
            if (s.next_attempt.time_since_epoch().count() != 0)
                // TRANSLATORS: the status so far ("pending after 2 attempts (timeout)"), then the
                // time of the next attempt (UTC, as 2025-01-31T12:00:00Z).
                line = trf("%s; next at %s", {line, format_time_utc(s.next_attempt)});
            return line;
        }
    }
    return "?";
}

// How one delivery attempt ended, in `fixctl outbox send`.
std::string result_text(SendReport::Result r) {
    switch (r) {
        case SendReport::Result::delivered:
            // TRANSLATORS: `fixctl outbox send`, how sending one request ended; the core's
            // explanation follows after a colon.
            return tr("delivered");
        case SendReport::Result::found_existing:
            return tr("found-existing");
        case SendReport::Result::will_retry:
            return tr("will-retry");
        case SendReport::Result::failed:
            return tr("failed");
        case SendReport::Result::busy:
            return tr("busy");
        case SendReport::Result::not_due:
            return tr("not-due");
        case SendReport::Result::skipped:
            return tr("skipped");
        case SendReport::Result::error:
            return tr("error");
    }
    return to_string(r);
}

void print_send_report(const SendReport& r) {
    const std::string id = r.id.empty() ? "outbox" : r.id.substr(0, 8);
    std::printf("%s  %s: %s\n", id.c_str(), result_text(r.result).c_str(), r.message.c_str());
    if (!r.status.ticket_url.empty() && (r.result == SendReport::Result::delivered ||
                                         r.result == SendReport::Result::found_existing))
        std::printf("          %s\n", r.status.ticket_url.c_str());
}

// Prints why requests cannot be sent when there is no usable ticket system.
void complain_about(const OutboxBackend& backend) {
    if (backend.state == OutboxBackend::State::not_configured)
        std::cerr << "fixctl: "
                  // TRANSLATORS: %s is the machine's config file. The JSON in the message is what
                  // to add to it: keep it as it is.
                  << trf("no ticket system is configured (\"escalation\": {\"backend\": ...} in "
                         "%s). The request stays in the outbox; `fixctl outbox save ID` copies it "
                         "to a folder so you can send it by hand.",
                         {system_config_file()})
                  << "\n";
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
        for (const auto& p : problems) std::cerr << "fixctl: " << trf("warning: %s", {p}) << "\n";
        if (o.json) {
            json all = json::array();
            for (const auto& e : entries) all.push_back(entry_json(e));
            std::cout << dump_json(all, 2) << "\n";
            return kOk;
        }
        if (entries.empty()) {
            std::printf("%s\n", tr("The outbox is empty."));
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
            // TRANSLATORS: %s is the outbox command: show, retry, save or remove.
            std::cerr << "fixctl: " << trf("outbox %s needs a request id", {o.action}) << "\n";
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
            std::printf("%s\n%s\n", trf("Request %s", {*id}).c_str(),
                        trf("Status: %s", {status_line(entry->status)}).c_str());
            if (!entry->status.backend.empty())
                // TRANSLATORS: %s is the ticket system the request went to.
                std::printf("%s\n", trf("Sent to: %s", {entry->status.backend}).c_str());
            std::printf("%s\n", tr("History:"));
            for (const auto& h : entry->status.history) std::printf("  %s\n", h.c_str());
            if (!entry->pseudonyms.empty()) {
                // TRANSLATORS: the names replaced by stand-ins in the request, listed as
                // "stand-in = real name".
                std::printf("%s\n", tr("Pseudonyms (kept on this computer, not sent):"));
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
            std::printf("%s\n", trf("Request %s is pending again; `fixctl outbox send` sends it "
                                    "now.",
                                    {id->substr(0, 8)})
                                    .c_str());
        if (o.action == "remove")
            std::printf("%s\n", trf("Removed request %s.", {id->substr(0, 8)}).c_str());
        return kOk;
    }

    if (o.action != "send") {
        std::cerr << "fixctl: "
                  << trf("unknown outbox action \"%s\" (list, show, send, retry, save, remove)",
                         {o.action})
                  << "\n";
        return kUsage;
    }
    const DeliveryMode mode = o.wait  ? DeliveryMode::until_empty
                              : o.due ? DeliveryMode::due
                                      : DeliveryMode::all_pending;
    if (o.id.empty() && outbox.pending(o.due).empty()) {
        if (o.due) return kOk;  // the timer's pass: nothing due is not a failure
        unsigned long failed = 0;
        for (const auto& e : outbox.entries())
            if (e.status.state == DeliveryState::failed) ++failed;
        if (failed == 0) {
            std::printf("%s\n", tr("Nothing to send."));
            return kOk;
        }
        std::printf("%s\n", trfn("Nothing to send, but %s request could not be delivered: see "
                                 "`fixctl outbox`, then `fixctl outbox retry ID` once the "
                                 "problem is solved.",
                                 "Nothing to send, but %s requests could not be delivered: see "
                                 "`fixctl outbox`, then `fixctl outbox retry ID` once the "
                                 "problem is solved.",
                                 failed, {std::to_string(failed)})
                                .c_str());
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
            std::printf("%s\n",
                        tr("Sending until the outbox is empty (Ctrl-C stops; nothing is lost)."));
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
