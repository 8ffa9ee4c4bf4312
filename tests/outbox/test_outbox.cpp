// The outbox and its sender: durable queueing, backoff, Retry-After, look-up before re-create.
#include <doctest/doctest.h>

#include <deque>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/cancel_token.h"
#include "base/clock.h"
#include "engine/run_record.h"
#include "escalation/escalation_config.h"
#include "outbox/outbox.h"
#include "outbox/outbox_sender.h"
#include "support/test_helpers.h"

using namespace fixtray;
using namespace std::chrono;
using fixtray::test::TempDir;

namespace {

// A clock the test moves by hand; sleeping advances it at once.
class FakeClock final : public Clock {
public:
    system_clock::time_point now() const override { return now_; }
    steady_clock::time_point steady_now() const override {
        return steady_clock::time_point(now_.time_since_epoch());
    }
    bool sleep_for(milliseconds d, const CancelToken& cancel) override {
        if (cancel.cancelled()) return false;
        now_ += d;
        slept += d;
        return true;
    }
    system_clock::time_point now_ = system_clock::time_point(seconds(1'800'000'000));
    milliseconds slept{0};
};

// A ticket system that answers from a script; records what it was asked.
class FakeTicketBackend final : public TicketBackend {
public:
    std::string describe() const override { return "fake ticket system"; }
    LookupResult find(const SupportRequest& r, const CancelToken&) override {
        ++finds;
        LookupResult result;
        result.kind = LookupResult::Kind::not_found;
        for (const auto& [id, ticket] : created)
            if (id == r.id) {
                result.kind = LookupResult::Kind::found;
                result.ticket_id = ticket;
            }
        if (lookup_supported == false) result.kind = LookupResult::Kind::unsupported;
        return result;
    }
    DeliveryResult create(const SupportRequest& r, const CancelToken&) override {
        ++creates;
        DeliveryResult result;
        if (!script.empty()) {
            result = script.front();
            script.pop_front();
        } else {
            result.kind = DeliveryResult::Kind::delivered;
        }
        // "Reached the server": the ticket exists even though the answer was lost.
        if (result.kind == DeliveryResult::Kind::delivered || result.maybe_created) {
            const std::string ticket = std::to_string(100 + created.size());
            created.emplace_back(r.id, ticket);
            if (result.kind == DeliveryResult::Kind::delivered) result.ticket_id = ticket;
        }
        return result;
    }
    std::deque<DeliveryResult> script;
    std::vector<std::pair<std::string, std::string>> created;
    bool lookup_supported = true;
    int finds = 0, creates = 0;
};

DeliveryResult retry_result(std::string message, bool maybe_created = false,
                            std::optional<seconds> retry_after = std::nullopt) {
    DeliveryResult r;
    r.kind = DeliveryResult::Kind::retry;
    r.message = std::move(message);
    r.maybe_created = maybe_created;
    r.retry_after = retry_after;
    return r;
}

SupportRequest sample_request(system_clock::time_point created) {
    SupportRequest r;
    r.id = new_uuid();
    r.created = created;
    r.subject = "\"Reset my network\" did not fix the problem on pc-42";
    r.description = "What fixtray did: ...";
    r.user = "alice";
    r.host = "pc-42";
    return r;
}

std::string queue_one(const Outbox& outbox, const TempDir& tmp, system_clock::time_point when) {
    fixtray::test::write_file(tmp / "bundle.tar.gz", std::string("bundle bytes\0\x01\x02", 15));
    SupportRequest r = sample_request(when);
    REQUIRE(
        Outbox(outbox).add(r, {{"diagnostics.tar.gz", "application/gzip", tmp / "bundle.tar.gz"}}));
    return r.id;
}

}  // namespace

TEST_CASE("outbox: a queued request is read back whole, with its attachment copied in") {
    // Queue a request with a bundle, then read it back from disk as a new process would.
    TempDir tmp;
    Outbox outbox(tmp / "outbox");
    FakeClock clock;
    const std::string id = queue_one(outbox, tmp, clock.now());
    std::filesystem::remove(tmp / "bundle.tar.gz");  // the outbox holds its own copy

    auto entry = Outbox(tmp / "outbox").get(id);
    REQUIRE(entry);
    CHECK(entry->request.subject == "\"Reset my network\" did not fix the problem on pc-42");
    CHECK(entry->status.state == DeliveryState::pending);
    CHECK(entry->status.attempts == 0);
    REQUIRE(entry->request.attachments.size() == 1);
    const Result<std::string> bytes = read_attachment(entry->request.attachments[0]);
    REQUIRE(bytes.ok());
    CHECK(*bytes == std::string("bundle bytes\0\x01\x02", 15));
    CHECK(entry->request.attachments[0].size == 15);
    CHECK(outbox.list().size() == 1);
    // Files are private to the employee.
    const auto perms = std::filesystem::status(entry->dir + "/request.json").permissions();
    CHECK((perms & std::filesystem::perms::others_read) == std::filesystem::perms::none);
}

TEST_CASE("outbox: bad ids, missing attachments and half-written entries are refused or hidden") {
    // Nothing half-written becomes visible, and no id can point outside the outbox.
    TempDir tmp;
    Outbox outbox(tmp / "outbox");
    SupportRequest r = sample_request(system_clock::now());
    r.id = "../../etc";
    CHECK(outbox.add(r, {}).message().find("invalid request id") != std::string::npos);
    r.id = new_uuid();
    const std::string err =
        outbox.add(r, {{"b.tar.gz", "application/gzip", tmp / "missing"}}).message();
    CHECK(err.find("missing") != std::string::npos);
    CHECK(outbox.list().empty());
    CHECK_FALSE(std::filesystem::exists(tmp / ("outbox/.incoming-" + r.id)));
    CHECK(outbox.add(r, {{"../x", "text/plain", tmp / "missing"}})
              .message()
              .find("plain file name") != std::string::npos);
    // A crash while queuing leaves an .incoming- directory: it is never listed.
    std::filesystem::create_directories(tmp / ("outbox/.incoming-" + new_uuid()));
    CHECK(outbox.list().empty());
    CHECK_FALSE(outbox.get("../outbox"));
}

TEST_CASE("outbox: a damaged status file keeps the request, marked for a look-up first") {
    // A torn or corrupted status.json must never lose the request or cause a duplicate.
    TempDir tmp;
    Outbox outbox(tmp / "outbox");
    const std::string id = queue_one(outbox, tmp, system_clock::now());
    fixtray::test::write_file(tmp / ("outbox/" + id + "/status.json"), "{\"state\": ");
    auto entry = outbox.get(id);
    REQUIRE(entry);
    CHECK(entry->status.state == DeliveryState::pending);
    CHECK(entry->status.in_flight);
}

TEST_CASE("sender: delivers a pending request once and records the ticket") {
    // The first attempt succeeds: the request is marked delivered with the ticket id.
    TempDir tmp;
    Outbox outbox(tmp / "outbox");
    FakeClock clock;
    FakeTicketBackend backend;
    const std::string id = queue_one(outbox, tmp, clock.now());
    OutboxSender sender(outbox, backend, clock, {}, 1);
    CancelToken cancel;
    auto reports = sender.send_due(false, cancel);
    REQUIRE(reports.size() == 1);
    CHECK(reports[0].result == SendReport::Result::delivered);
    CHECK(reports[0].status.ticket_id == "100");
    auto entry = outbox.get(id);
    CHECK(entry->status.state == DeliveryState::delivered);
    CHECK(entry->status.ticket_id == "100");
    CHECK_FALSE(entry->status.in_flight);
    // A second pass sends nothing.
    CHECK(sender.send_due(true, cancel).empty());
    CHECK(backend.creates == 1);
}

TEST_CASE("outbox: delivered requests move aside, are still listed, and go after the keep time") {
    // Scenario (issue 15, item 8): the passes that look for work read only what is waiting;
    // delivered requests stay visible to `fixctl outbox` until the site's keep time ends.
    TempDir tmp;
    Outbox outbox(tmp / "outbox");
    FakeClock clock;
    FakeTicketBackend backend;
    const std::string old_one = queue_one(outbox, tmp, clock.now());
    OutboxSender sender(outbox, backend, clock, {}, 1);
    CancelToken cancel;
    REQUIRE(sender.send_due(false, cancel).size() == 1);
    CHECK(std::filesystem::is_directory(tmp / ("outbox/delivered/" + old_one)));
    CHECK_FALSE(std::filesystem::exists(tmp / ("outbox/" + old_one)));
    clock.now_ += hours(24 * 10);
    const std::string new_one = queue_one(outbox, tmp, clock.now());
    REQUIRE(sender.send_due(false, cancel).size() == 1);
    const std::string waiting = queue_one(outbox, tmp, clock.now());

    CHECK(outbox.list().size() == 3);
    const auto w = outbox.list_waiting();
    REQUIRE(w.size() == 1);
    CHECK(w[0].request.id == waiting);
    CHECK(outbox.get(old_one)->status.ticket_id == "100");  // found where it moved

    // A sender that died after recording the delivery but before moving it: the next pass
    // does not count it as waiting, and moves it.
    auto entry = *outbox.get(waiting);
    entry.status.state = DeliveryState::delivered;
    entry.status.delivered = clock.now();
    REQUIRE(outbox.write_status(waiting, entry.status));
    CHECK(outbox.list_waiting().empty());
    CHECK(std::filesystem::is_directory(tmp / ("outbox/delivered/" + waiting)));

    // Kept 5 days: the one delivered 10 days ago goes, the others stay.
    CHECK(outbox.prune_delivered(clock.now() - hours(24 * 5)) == 1);
    CHECK_FALSE(outbox.get(old_one));
    CHECK(outbox.get(new_one));
    CHECK(outbox.list().size() == 2);
    CHECK(outbox.remove(new_one));  // remove works on a delivered one too
    CHECK(outbox.list().size() == 1);
}

TEST_CASE("sender: transient failures back off exponentially with jitter, then deliver") {
    // Network down three times: each retry waits longer (within the jitter bounds), then it
    // is delivered; run() sleeps on the clock until each attempt is due.
    TempDir tmp;
    Outbox outbox(tmp / "outbox");
    FakeClock clock;
    FakeTicketBackend backend;
    for (int i = 0; i < 3; ++i) backend.script.push_back(retry_result("connection refused"));
    queue_one(outbox, tmp, clock.now());
    RetryPolicy policy{seconds(30), seconds(3600)};
    OutboxSender sender(outbox, backend, clock, policy, 42);
    CancelToken cancel;
    std::vector<system_clock::time_point> attempts;
    auto reports = sender.run(
        cancel, {}, [&](const SendReport& r) { attempts.push_back(r.status.last_attempt); });
    REQUIRE(reports.size() == 4);
    CHECK(reports[3].result == SendReport::Result::delivered);
    CHECK(backend.creates == 4);
    // Gaps: [15,30] s, [30,60] s, [60,120] s ("equal jitter" around 30 * 2^n).
    for (int i = 1; i < 4; ++i) {
        const auto gap = duration_cast<seconds>(attempts[i] - attempts[i - 1]).count();
        const long base = 30L << (i - 1);
        CHECK(gap >= base / 2);
        CHECK(gap <= base);
    }
}

TEST_CASE("sender: retry_delay caps at the maximum and honours Retry-After") {
    // The delay never exceeds max (plus nothing), and a longer Retry-After wins.
    std::mt19937_64 rng(7);
    RetryPolicy policy{seconds(30), seconds(600)};
    for (int attempts = 1; attempts < 40; ++attempts) {
        const auto d = retry_delay(policy, attempts, std::nullopt, rng);
        CHECK(d <= milliseconds(600'000));
        CHECK(d >= milliseconds(15'000));
    }
    CHECK(retry_delay(policy, 1, seconds(120), rng) >= milliseconds(120'000));
    // An absurd Retry-After is cut to a day.
    CHECK(retry_delay(policy, 1, seconds(10'000'000), rng) == milliseconds(86'400'000));
}

TEST_CASE("sender: a Retry-After from the server sets the next attempt") {
    // 429 with Retry-After: 300 -> the next attempt is at least 300 s later.
    TempDir tmp;
    Outbox outbox(tmp / "outbox");
    FakeClock clock;
    FakeTicketBackend backend;
    backend.script.push_back(retry_result("429 Too Many Requests", false, seconds(300)));
    const std::string id = queue_one(outbox, tmp, clock.now());
    OutboxSender sender(outbox, backend, clock, {}, 3);
    CancelToken cancel;
    auto report = sender.send(id, false, cancel);
    CHECK(report.result == SendReport::Result::will_retry);
    CHECK(report.status.next_attempt - clock.now() >= seconds(300));
    // Not due yet: a normal pass leaves it alone, a forced one (`outbox send`) tries now.
    CHECK(sender.send(id, false, cancel).result == SendReport::Result::not_due);
    CHECK(sender.send(id, true, cancel).result == SendReport::Result::delivered);
}

TEST_CASE("sender: after a create whose answer was lost, it looks up instead of creating again") {
    // The create reached the server but timed out: the next attempt finds the ticket.
    TempDir tmp;
    Outbox outbox(tmp / "outbox");
    FakeClock clock;
    FakeTicketBackend backend;
    backend.script.push_back(retry_result("timed out waiting for the answer", true));
    const std::string id = queue_one(outbox, tmp, clock.now());
    OutboxSender sender(outbox, backend, clock, {}, 5);
    CancelToken cancel;
    CHECK(sender.send(id, true, cancel).result == SendReport::Result::will_retry);
    CHECK(outbox.get(id)->status.in_flight);
    auto report = sender.send(id, true, cancel);
    CHECK(report.result == SendReport::Result::found_existing);
    CHECK(report.status.ticket_id == "100");
    CHECK(backend.creates == 1);
    CHECK(backend.created.size() == 1);
}

TEST_CASE("sender: an attempt of unknown outcome is looked up only after the settle window") {
    // Scenario (issue 15, item 5): a create started at T whose answer never came. The timer's
    // pass before T + settle does nothing but set the next attempt to T + settle; a forced send
    // waits until then (told first), then looks up.
    TempDir tmp;
    Outbox outbox(tmp / "outbox");
    FakeClock clock;
    FakeTicketBackend backend;
    const std::string id = queue_one(outbox, tmp, clock.now());
    auto entry = *outbox.get(id);
    entry.status.in_flight = true;
    entry.status.last_attempt = clock.now();
    REQUIRE(outbox.write_status(id, entry.status));
    RetryPolicy policy;
    policy.settle = seconds(60);
    OutboxSender sender(outbox, backend, clock, policy, 1);
    CancelToken cancel;
    clock.now_ += seconds(10);
    SendReport r = sender.send(id, false, cancel);
    CHECK(r.result == SendReport::Result::not_due);
    CHECK(outbox.get(id)->status.next_attempt == entry.status.last_attempt + seconds(60));
    CHECK(backend.finds == 0);
    CHECK(backend.creates == 0);

    std::vector<std::string> told;
    sender.on_wait([&](const SendReport& w) { told.push_back(w.message); });
    r = sender.send(id, true, cancel);
    CHECK(r.result == SendReport::Result::delivered);
    REQUIRE(told.size() == 1);
    CHECK(told[0].find("waiting 50 s for fake ticket system") == 0);
    CHECK(clock.slept == seconds(50));
    CHECK(backend.finds == 1);  // looked up first, after the window
}

TEST_CASE("sender: a sender that died mid-send leaves in_flight, and the next one looks up") {
    // Simulates kill -9 between "attempt recorded" and "answer recorded" (the real kill -9
    // test against Request Tracker is in test_escalation_rt.cpp).
    TempDir tmp;
    Outbox outbox(tmp / "outbox");
    FakeClock clock;
    FakeTicketBackend backend;
    const std::string id = queue_one(outbox, tmp, clock.now());
    auto entry = outbox.get(id);
    entry->status.in_flight = true;
    entry->status.attempts = 1;
    REQUIRE(outbox.write_status(id, entry->status));
    backend.created.emplace_back(id, "777");  // the dead sender's create had gone through
    OutboxSender sender(outbox, backend, clock, {}, 9);
    CancelToken cancel;
    auto report = sender.send(id, false, cancel);
    CHECK(report.result == SendReport::Result::found_existing);
    CHECK(report.status.ticket_id == "777");
    CHECK(backend.creates == 0);
}

TEST_CASE("sender: a permanent failure stays in the outbox as failed and can be retried") {
    // 403 from the server: failed for good with the reason; `retry` makes it pending again.
    TempDir tmp;
    Outbox outbox(tmp / "outbox");
    FakeClock clock;
    FakeTicketBackend backend;
    DeliveryResult refused;
    refused.kind = DeliveryResult::Kind::failed;
    refused.message = "credentials refused by fake ticket system (403)";
    backend.script.push_back(refused);
    const std::string id = queue_one(outbox, tmp, clock.now());
    OutboxSender sender(outbox, backend, clock, {}, 11);
    CancelToken cancel;
    auto report = sender.send(id, false, cancel);
    CHECK(report.result == SendReport::Result::failed);
    auto entry = outbox.get(id);
    CHECK(entry->status.state == DeliveryState::failed);
    CHECK(entry->status.last_error.find("credentials refused") != std::string::npos);
    CHECK(sender.send(id, true, cancel).result == SendReport::Result::skipped);
    CHECK(outbox.retry(id));
    CHECK(sender.send(id, false, cancel).result == SendReport::Result::delivered);
    CHECK(backend.creates == 2);
}

TEST_CASE("sender: two senders never work on the same request at once") {
    // The entry lock is held by one sender; the other reports busy and does not create.
    TempDir tmp;
    Outbox outbox(tmp / "outbox");
    FakeClock clock;
    FakeTicketBackend backend;
    const std::string id = queue_one(outbox, tmp, clock.now());
    Result<FileLock> held = outbox.lock(id);
    REQUIRE(held);
    REQUIRE(held->held());
    OutboxSender sender(outbox, backend, clock, {}, 13);
    CancelToken cancel;
    CHECK(sender.send(id, true, cancel).result == SendReport::Result::busy);
    CHECK(backend.creates == 0);
}

TEST_CASE("outbox: save_copy writes the text and the bundle for sending by hand") {
    // The employee can take a request out of the outbox as files.
    TempDir tmp;
    Outbox outbox(tmp / "outbox");
    const std::string id = queue_one(outbox, tmp, system_clock::now());
    std::vector<std::string> written;
    CHECK(outbox.save_copy(id, tmp / "Desktop", &written));
    REQUIRE(written.size() == 2);
    CHECK(fixtray::test::read_file(written[0]).find("did not fix the problem on pc-42") !=
          std::string::npos);
    CHECK(fixtray::test::read_file(written[1]) == std::string("bundle bytes\0\x01\x02", 15));
    CHECK(outbox.remove(id));
    CHECK(outbox.list().empty());
}

TEST_CASE("escalation config: policy, backend and redaction settings, with errors by key") {
    // A help desk's escalation section is read; mistakes name the file and the key.
    EscalationConfig config;
    auto problems = merge_escalation_config(
        R"({"site": {}, "escalation": {"policy": "automatic", "email_domain": "example.com",
            "backend": {"type": "rt", "url": "http://127.0.0.1:9", "queue": "General"},
            "retry": {"initial_seconds": 5, "max_seconds": 60},
            "redaction": {"pseudonyms": true, "patterns": ["EMP-[0-9]{6}"]}}})",
        "/etc/fixtray/fixtray.json", &config);
    CHECK(problems.empty());
    CHECK(config.policy == EscalationPolicy::automatic);
    REQUIRE(config.backend);
    CHECK(config.backend->type == "rt");
    CHECK(config.backend->option("queue") == "General");
    CHECK(config.backend->where == "/etc/fixtray/fixtray.json");
    CHECK(config.retry_initial == seconds(5));
    CHECK(config.pseudonyms);
    CHECK(config.patterns == std::vector<std::string>{"EMP-[0-9]{6}"});

    EscalationConfig bad;
    problems = merge_escalation_config(
        R"({"escalation": {"policy": "sometimes", "redaction": {"patterns": ["(unclosed"]}}})",
        "site.json", &bad);
    REQUIRE(problems.size() == 2);
    CHECK(problems[0].str() ==
          "site.json: error: escalation.policy: must be \"off\", \"ask\" or \"automatic\"");
    CHECK(problems[1].str().find("escalation.redaction.patterns[0]: is not a valid regular") !=
          std::string::npos);
    CHECK(bad.policy == EscalationPolicy::ask);  // unchanged on error

    problems = merge_escalation_config("{\"escalation\": {\n  \"policy\": ask}}", "x.json", &bad);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].where == "x.json:2:13");
}

TEST_CASE("escalation config: redaction patterns are checked by RE2 when the config loads") {
    // Patterns std::regex accepted but RE2 cannot run (look-behind, a back-reference) are refused
    // at load, naming the file, the key and what RE2 lacks, instead of stopping a bundle later.
    EscalationConfig config;
    const auto problems = merge_escalation_config(
        R"({"escalation": {"redaction": {"patterns": ["(?<=EMP-)[0-9]{6}", "(x)\\1", "ok"]}}})",
        "/etc/fixtray/fixtray.json", &config);
    REQUIRE(problems.size() == 2);
    CHECK(problems[0].str() ==
          "/etc/fixtray/fixtray.json: error: escalation.redaction.patterns[0]: is not a valid "
          "regular expression: invalid perl operator: (?<; RE2 has no look-ahead or look-behind "
          "(see https://github.com/google/re2/wiki/Syntax)");
    CHECK(problems[1].str().find("escalation.redaction.patterns[1]: is not a valid regular "
                                 "expression: invalid escape sequence: \\1; RE2 has no "
                                 "back-references") != std::string::npos);
    CHECK(config.patterns.empty());  // unchanged on error
}
