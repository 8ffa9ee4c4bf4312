// What the tray tells on the desktop: a fix finished while its window was closed, requests
// delivered or undeliverable (compared between two readings of the outbox).
#include <doctest/doctest.h>

#include "app/desktop_notices.h"

using namespace fixtray;

namespace {
OutboxEntry entry(const std::string& id, DeliveryState state) {
    OutboxEntry e;
    e.request.id = id;
    e.request.subject = "Printer gone on laptop-7";
    e.status.state = state;
    return e;
}
}  // namespace

TEST_CASE("desktop notices: a delivered request names its ticket, a failed one its reason") {
    // Scenario: two waiting requests; one is delivered as ticket 42 with a link, the other
    // refused for good (401); a third was delivered before and did not change.
    std::vector<OutboxEntry> before = {entry("a", DeliveryState::pending),
                                       entry("b", DeliveryState::pending),
                                       entry("c", DeliveryState::delivered)};
    std::vector<OutboxEntry> after = before;
    after[0].status.state = DeliveryState::delivered;
    after[0].status.ticket_id = "42";
    after[0].status.ticket_url = "https://rt.example.com/Ticket/Display.html?id=42";
    after[1].status.state = DeliveryState::failed;
    after[1].status.last_error = "the ticket system refused the credentials (HTTP 401)";

    const auto notices = notices_for_outbox(before, after);
    REQUIRE(notices.size() == 2);
    CHECK(notices[0].kind == DesktopNotice::Kind::request_delivered);
    CHECK(notices[0].title == "Your request reached IT: ticket 42");
    CHECK(notices[0].link == "https://rt.example.com/Ticket/Display.html?id=42");
    CHECK(notices[0].body.find("Printer gone on laptop-7") != std::string::npos);
    CHECK_FALSE(notices[0].warning);
    CHECK(notices[1].kind == DesktopNotice::Kind::request_undeliverable);
    CHECK(notices[1].warning);
    CHECK(notices[1].body.find("HTTP 401") != std::string::npos);
    CHECK(notices[1].body.find("try again") != std::string::npos);
    CHECK(notices[1].request_id == "b");

    // Read again without a change, or a failed one put back to pending (retry): nothing.
    CHECK(notices_for_outbox(after, after).empty());
    std::vector<OutboxEntry> retried = after;
    retried[1].status.state = DeliveryState::pending;
    CHECK(notices_for_outbox(after, retried).empty());
}

TEST_CASE("desktop notices: a request first seen already delivered is told once") {
    // Scenario: fixctl queued and delivered a request between two readings of the tray.
    std::vector<OutboxEntry> after = {entry("n", DeliveryState::delivered)};
    after[0].status.ticket_id = "7";
    const auto notices = notices_for_outbox({}, after);
    REQUIRE(notices.size() == 1);
    CHECK(notices[0].title == "Your request reached IT: ticket 7");
    CHECK(notices_for_outbox(after, after).empty());
}

TEST_CASE("desktop notices: a fix that finished while its window was closed") {
    // Scenario: the employee closed the run window; the fix failed, or worked.
    RunResultView failed;
    failed.outcome = Outcome::not_fixed;
    failed.headline = "Not fixed.";
    failed.detail = "The problem is still there.";
    const DesktopNotice n = notice_for_finished_run("Reset my network", failed);
    CHECK(n.title == "Reset my network: Not fixed.");
    CHECK(n.body == "The problem is still there.");
    CHECK(n.warning);
    RunResultView fixed;
    fixed.outcome = Outcome::fixed;
    fixed.headline = "Fixed.";
    CHECK_FALSE(notice_for_finished_run("Reset my network", fixed).warning);
}
