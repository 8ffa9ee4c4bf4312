// The outbox service: what is queued and due, delivery with a cancel token and an event per
// attempt against a real SMTP server (MailDev, tests/services/smtp.sh) and a closed port, the
// employee's actions, and the outbox-changed notifications it publishes.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "app/outbox_service.h"
#include "app/real_services.h"
#include "base/cancel_token.h"
#include "net/http_client.h"
#include "support/builtin_test_support.h"
#include "support/escalation_test_support.h"
#include "support/test_helpers.h"

using namespace fixtray;
using namespace fixtray::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// RealServices with its state (and so the outbox) in a temporary directory, and a home there.
struct Machine {
    TempDir dir;
    UserEnvironment env = [this] {
        UserEnvironment e = current_user_environment();
        e.home = dir / "home";
        e.config = dir / "home/.config";
        return e;
    }();
    RealServices services = RealServices::for_user(overrides());

    ServiceOverrides overrides() const {
        ServiceOverrides o;
        o.env = env;
        o.state_dir = dir / "state";
        return o;
    }
    // Queues a request; `next_attempt_in` > 0: one failed attempt already, next one that much
    // later (not due).
    std::string queue(const std::string& subject, std::chrono::seconds next_attempt_in = 0s) {
        std::filesystem::create_directories(dir / "bundles");
        SupportRequest r = sample_request(dir / "bundles", binary_bytes(3000), subject);
        const auto& a = r.attachments.at(0);
        Outbox outbox(services.outbox_dir());
        REQUIRE(outbox.add(r, {{a.file_name, a.mime_type, a.path}}).ok());
        if (next_attempt_in > 0s) {
            auto entry = outbox.get(r.id);
            REQUIRE(entry);
            DeliveryStatus status = entry->status;
            status.attempts = 1;
            status.last_error = "connection refused";
            status.next_attempt = std::chrono::system_clock::now() + next_attempt_in;
            REQUIRE(outbox.write_status(r.id, status).ok());
        }
        return r.id;
    }
};

EscalationConfig smtp_escalation(const std::string& url) {
    EscalationConfig c;
    BackendConfig b;
    b.type = "smtp";
    b.where = "test.json";
    b.options = {{"smtp_url", url},
                 {"starttls", "off"},
                 {"from", "fixtray@laptop-17.example.com"},
                 {"to", "helpdesk@example.com"},
                 {"timeout", "5"}};
    c.backend = b;
    c.retry_initial = 60s;
    c.retry_max = 600s;
    return c;
}

json mails(const TestService& maildev) {
    CurlHttpClient http;
    HttpRequest req;
    req.url = maildev.env("FIXTRAY_TEST_MAILDEV_API");
    CancelToken never;
    const auto r = http.send(req, never);
    REQUIRE(r.status == 200);
    return json::parse(r.body);
}

struct Changes final : AppObserver {
    std::vector<OutboxChange> seen;
    void outbox_changed(const OutboxChange& change) override { seen.push_back(change); }
};

}  // namespace

TEST_CASE("outbox service: what is due is delivered to MailDev, one event and one change each") {
    TestService maildev("smtp.sh");
    Machine m;
    OutboxService outbox(m.services);
    CHECK(outbox.dir() == m.services.outbox_dir());
    const std::string due = m.queue("Printer Office does not print");
    const std::string later = m.queue("VPN drops every hour", 3600s);

    CHECK(outbox.entries().size() == 2);
    CHECK(outbox.pending(false).size() == 2);
    const auto due_now = outbox.pending(true);
    REQUIRE(due_now.size() == 1);
    CHECK(due_now[0].request.id == due);
    CHECK(outbox.anything_to_send(DeliveryMode::due));
    CHECK_FALSE(outbox.all_delivered());

    // Without a backend nothing is tried.
    CancelToken cancel;
    CHECK(outbox.deliver(DeliveryMode::all_pending, cancel).empty());

    const OutboxBackend backend =
        outbox.use_backend(smtp_escalation(maildev.env("FIXTRAY_TEST_SMTP_URL")));
    REQUIRE(backend.state == OutboxBackend::State::ready);
    CHECK_FALSE(backend.description.empty());

    Changes changes;
    outbox.subscribe(&changes);
    std::vector<SendReport> events;
    auto reports = outbox.deliver(DeliveryMode::due, cancel,
                                  [&](const SendReport& r) { events.push_back(r); });
    REQUIRE(reports.size() == 1);
    CHECK(reports[0].id == due);
    CHECK(reports[0].result == SendReport::Result::delivered);
    REQUIRE(events.size() == 1);
    CHECK(events[0].id == due);
    REQUIRE(changes.seen.size() == 1);
    CHECK(changes.seen[0].changed == std::vector<std::string>{due});
    CHECK(changes.seen[0].entries.size() == 2);

    json got = mails(maildev);
    REQUIRE(got.size() == 1);
    CHECK(got[0]["subject"].get<std::string>().find("Printer Office does not print") !=
          std::string::npos);
    CHECK(outbox.all_delivered(due));
    CHECK_FALSE(outbox.all_delivered());
    CHECK_FALSE(outbox.anything_to_send(DeliveryMode::due));  // the other one is not due
    CHECK(outbox.anything_to_send(DeliveryMode::all_pending));

    // The employee asks: every pending one now, due or not.
    events.clear();
    reports = outbox.deliver(DeliveryMode::all_pending, cancel,
                             [&](const SendReport& r) { events.push_back(r); });
    REQUIRE(reports.size() == 1);
    CHECK(reports[0].id == later);
    CHECK(reports[0].result == SendReport::Result::delivered);
    CHECK(events.size() == 1);
    CHECK(mails(maildev).size() == 2);
    CHECK(outbox.all_delivered());
    CHECK_FALSE(outbox.anything_to_send(DeliveryMode::until_empty));
    REQUIRE(changes.seen.size() == 2);
    CHECK(changes.seen[1].changed == std::vector<std::string>{later});

    // Until empty with nothing pending returns at once; the employee removes a request.
    CHECK(outbox.deliver(DeliveryMode::until_empty, cancel).empty());
    CHECK(outbox.remove(due));
    REQUIRE(changes.seen.size() == 3);
    CHECK(changes.seen[2].removed == std::vector<std::string>{due});
    CHECK(outbox.entries().size() == 1);

    // Unsubscribed: no further notification.
    outbox.unsubscribe(&changes);
    CHECK(outbox.remove(later));
    CHECK(changes.seen.size() == 3);
}

TEST_CASE(
    "outbox service: an unreachable server means retry later, and a cancelled pass tries nothing") {
    Machine m;
    OutboxService outbox(m.services);
    const std::string id = m.queue("Printer Office does not print");
    REQUIRE(outbox.use_backend(smtp_escalation("smtp://127.0.0.1:" + std::to_string(closed_port())))
                .state == OutboxBackend::State::ready);
    Changes changes;
    outbox.subscribe(&changes);

    // Cancelled before it starts: nothing is tried, nothing changes.
    CancelToken cancelled;
    cancelled.cancel();
    CHECK(outbox.deliver(DeliveryMode::until_empty, cancelled).empty());
    CHECK(changes.seen.empty());
    CHECK(outbox.entry(id)->status.attempts == 0);

    CancelToken cancel;
    std::vector<SendReport> events;
    const auto reports = outbox.deliver(DeliveryMode::due, cancel,
                                        [&](const SendReport& r) { events.push_back(r); });
    REQUIRE(reports.size() == 1);
    CHECK(reports[0].result == SendReport::Result::will_retry);
    CHECK(events.size() == 1);
    const auto entry = outbox.entry(id);
    REQUIRE(entry);
    CHECK(entry->status.state == DeliveryState::pending);
    CHECK(entry->status.attempts == 1);
    CHECK(entry->status.next_attempt > std::chrono::system_clock::now());
    CHECK_FALSE(outbox.anything_to_send(DeliveryMode::due));  // backing off
    CHECK(outbox.anything_to_send(DeliveryMode::all_pending));
    REQUIRE(changes.seen.size() == 1);
    CHECK(changes.seen[0].changed == std::vector<std::string>{id});

    // One request at once, due or not, stays pending: one more attempt, one more event.
    events.clear();
    const SendReport one =
        outbox.deliver_one(id, cancel, [&](const SendReport& r) { events.push_back(r); });
    CHECK(one.result == SendReport::Result::will_retry);
    CHECK(events.size() == 1);
    CHECK(outbox.entry(id)->status.attempts == 2);
    CHECK(changes.seen.size() == 2);
}

TEST_CASE("outbox service: ids by prefix, no backend, retry, and a copy on the desktop") {
    Machine m;
    OutboxService outbox(m.services);
    const std::string a = m.queue("Printer Office does not print");

    auto full = outbox.resolve(a.substr(0, 8));
    REQUIRE(full);
    CHECK(*full == a);
    CHECK(outbox.resolve(a).ok());
    const auto short_prefix = outbox.resolve(a.substr(0, 3));
    CHECK_FALSE(short_prefix);
    CHECK(short_prefix.message().find("no request") != std::string::npos);
    CHECK_FALSE(outbox.entry("00000000-0000-4000-8000-000000000000"));

    CHECK(outbox.use_backend({}).state == OutboxBackend::State::not_configured);
    EscalationConfig bad;
    bad.backend = BackendConfig{"smtp", {}, "test.json"};
    const OutboxBackend unusable = outbox.use_backend(bad);
    CHECK(unusable.state == OutboxBackend::State::unusable);
    CHECK(unusable.message.find("smtp_url") != std::string::npos);
    CancelToken cancel;
    CHECK(outbox.deliver(DeliveryMode::all_pending, cancel).empty());

    CHECK(outbox.retry(a));
    CHECK_FALSE(outbox.retry("00000000-0000-4000-8000-000000000000"));

    // The desktop is the XDG one (user-dirs.dirs), not a hard-coded ~/Desktop.
    write_file(m.dir / "home/.config/user-dirs.dirs", "XDG_DESKTOP_DIR=\"$HOME/Schreibtisch\"\n");
    const auto saved = outbox.save_copy(a, "");
    REQUIRE(saved);
    REQUIRE_FALSE(saved->empty());
    for (const auto& f : *saved) CHECK(f.rfind(m.dir / "home/Schreibtisch", 0) == 0);
    const auto elsewhere = outbox.save_copy(a, m.dir / "copies");
    REQUIRE(elsewhere);
    CHECK(std::filesystem::exists(elsewhere->front()));
}
