// The presenters the tray shows (app/fix_list, run_view, escalation_view, tray_status): plain
// values tested without X, fed by the built-in packs and by real runs of FixRunService.
#include <doctest/doctest.h>

#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/escalation_view.h"
#include "app/fix_list.h"
#include "app/fix_run_service.h"
#include "app/offered_fixes.h"
#include "app/run_view.h"
#include "app/tray_status.h"
#include "engine/audit_log.h"
#include "packs/catalog.h"
#include "packs/pack_loader.h"
#include "platform/platform_paths.h"
#include "support/test_helpers.h"

using namespace fixtray;
using namespace fixtray::test;
using namespace std::chrono_literals;

namespace {

Catalog builtin_linux_catalog() {
    Catalog catalog;
    for (const char* name : {"clear-caches", "remap-printers", "reset-network"}) {
        auto loaded =
            load_pack_file(std::string(FIXTRAY_SOURCE_DIR) + "/fixes/linux/" + name + ".xml");
        REQUIRE(loaded.ok());
        catalog.add_pack(std::move(*loaded.pack));
    }
    return catalog;
}

Catalog catalog_of(const std::string& xml) {
    auto loaded = load_pack_from_string(xml, "test.xml", "/tmp");
    for (const auto& p : loaded.problems) MESSAGE(p.str());
    REQUIRE(loaded.ok());
    Catalog catalog;
    catalog.add_pack(std::move(*loaded.pack));
    return catalog;
}

std::vector<std::string> ids(const FixListGroup& g) {
    std::vector<std::string> out;
    for (const auto& f : g.fixes) out.push_back(f.fix_id);
    return out;
}

// Forwards the service's events into a RunView, as the tray does on its UI thread (here under
// a mutex: the test reads the view after wait()).
struct ViewFeeder final : FixRunObserver {
    std::mutex mutex;
    RunView view;
    std::string title;
    std::vector<std::pair<std::size_t, std::size_t>> progress;  // (finished, total) per event
    void note() { progress.emplace_back(view.steps_finished(), view.steps_total()); }
    void run_started(const Fix&, const Plan& plan) override {
        std::lock_guard<std::mutex> lock(mutex);
        view.started(title, plan, RunView::Clock::now());
        note();
    }
    void step_started(const StepPosition& p, const StepRecord& s) override {
        std::lock_guard<std::mutex> lock(mutex);
        view.step_started(p, s, RunView::Clock::now());
        note();
    }
    void step_output(const StepPosition& p, const StepRecord&, OutputStream,
                     std::string_view text) override {
        std::lock_guard<std::mutex> lock(mutex);
        view.step_output(p, text);
    }
    void step_finished(const StepPosition& p, const StepRecord& s) override {
        std::lock_guard<std::mutex> lock(mutex);
        view.step_finished(p, s);
        note();
    }
    void run_finished(const FixRunResult& r) override {
        std::lock_guard<std::mutex> lock(mutex);
        view.finished(r.record, RunView::Clock::now());
        note();
    }
};

struct RunHarness {
    TempDir state;
    FixRunDependencies deps;
    RunHarness() {
        UserEnvironment env = current_user_environment();
        env.is_admin = false;
        deps.env = env;
        deps.state_dir = state.str();
    }
};

std::string run_step(const std::string& label, const std::string& args,
                     const std::string& attrs = "") {
    return "<run label=\"" + label + "\" " + attrs + ">" + args + "</run>";
}

}  // namespace

TEST_CASE("fix list: the built-in fixes grouped by category, in the user's language") {
    const Catalog catalog = builtin_linux_catalog();
    const auto offered = offered_fixes(catalog, {}, current_user_environment(), true);
    const auto en = fix_list_items(offered, "en_US.UTF-8");
    const auto groups = group_fix_list(en, "");
    REQUIRE(groups.size() == 3);
    CHECK(groups[0].title == "Network");
    CHECK(ids(groups[0]) == std::vector<std::string>{"reset-network"});
    CHECK(groups[1].title == "Printing");
    CHECK(groups[2].title == "Storage");
    CHECK(groups[2].fixes[0].title == "Clear my caches");

    const auto de = group_fix_list(fix_list_items(offered, "de_DE.UTF-8"), "");
    REQUIRE(de.size() == 3);
    CHECK(de[0].title == "Drucken");  // sorted by the German titles
    CHECK(de[0].fixes[0].title == "Meine Drucker neu einrichten");
    // Searching in German finds the German title, in any case.
    const auto found = group_fix_list(fix_list_items(offered, "de"), "DRUCKER");
    REQUIRE(found.size() == 1);
    CHECK(ids(found[0]) == std::vector<std::string>{"remap-printers"});
    CHECK(group_fix_list(fix_list_items(offered, "de"), "netzwerk zurück").size() == 1);
    // By category title and by id.
    CHECK(group_fix_list(en, "storage").at(0).fixes.at(0).fix_id == "clear-caches");
    CHECK(group_fix_list(en, "reset-network").at(0).fixes.size() == 1);
    CHECK(group_fix_list(en, "no such thing").empty());
}

TEST_CASE(
    "fix list: search by every word over title, description and keywords, not applicable "
    "fixes are absent, fixes without a category come last") {
    const Catalog catalog = catalog_of(
        "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"org.example.list\" version=\"1\">"
        "<fix id=\"vpn\" category=\"software\" platforms=\"linux\"><title>Reconnect the "
        "VPN</title><description>Überprüft den Tunnel</description><keywords>wireguard "
        "tunnel</keywords><steps><run><arg>true</arg></run></steps></fix>"
        "<fix id=\"misc\" platforms=\"linux\"><title>Tidy up</title>"
        "<steps><run><arg>true</arg></run></steps></fix>"
        "<fix id=\"never\" category=\"network\" platforms=\"linux\"><title>Never here</title>"
        "<when><path-exists path=\"/nonexistent/fixtray-never\"/></when>"
        "<steps><run><arg>true</arg></run></steps></fix>"
        "</fixpack>");
    const auto offered = offered_fixes(catalog, {}, current_user_environment(), true);
    const auto items = fix_list_items(offered, "en");
    REQUIRE(items.size() == 2);  // "never" does not apply here
    const auto all = group_fix_list(items, "");
    REQUIRE(all.size() == 2);
    CHECK(all[0].title == "Software");
    CHECK(category_title("remote-access", "en") == "Remote access");
    CHECK(category_title("other", "de") == "Sonstiges");
    CHECK(all[1].category.empty());
    CHECK(all[1].title == "Other");
    CHECK(group_fix_list(items, "ÜBERPRÜFT").size() == 1);      // non-ASCII, any case
    CHECK(group_fix_list(items, "WireGuard vpn").size() == 1);  // keyword and title
    CHECK(group_fix_list(items, "wireguard tidy").empty());     // every word must match
    CHECK(fold_case("ÀÉÎÕÜ ŁŚŹ ΣΩ ДЖЯ") == "àéîõü łśź σω джя");
    CHECK(fold_case("a\xff"
                    "B") ==
          "a\xff"
          "b");  // invalid UTF-8 kept as it is
}

TEST_CASE("run view: a real run's events give each step its state, output and the result") {
    RunHarness h;
    FixRunService service(h.deps);
    SiteConfig site;
    site.lists["printers"] = {{"b", {{"name", "b"}}}, {"d", {{"name", "d"}}}};
    const Catalog catalog = catalog_of(pack_with_fix(
        "<check>" + run_step("probe", "<arg>false</arg>") + "</check><steps>" +
            run_step("say hello", "<arg>echo</arg><arg>hello</arg>") +
            run_step("add ${p.name}", "<arg>true</arg>", "foreach=\"p in printers\"") +
            "</steps><verify>" + run_step("look", "<arg>true</arg>") + "</verify>",
        "<param name=\"printers\" list=\"true\" fields=\"name\"/>"));
    ViewFeeder feeder;
    feeder.title = "Test fix";
    REQUIRE(
        service
            .start(make_fix_run_request(*catalog.find("t", current_platform()), site, "en"), feeder)
            .started);
    REQUIRE(service.wait());
    std::lock_guard<std::mutex> lock(feeder.mutex);
    const RunView& v = feeder.view;
    REQUIRE(v.result());
    CHECK(v.result()->outcome == Outcome::fixed);
    CHECK(v.result()->headline == "Fixed.");
    CHECK(v.result()->ask_did_it_help);
    CHECK_FALSE(v.result()->offer_escalation);
    CHECK_FALSE(v.running());
    std::vector<std::string> rows;
    for (const auto& r : v.rows())
        rows.push_back(std::string(to_string(r.phase)) + " " + r.label + " " + to_string(r.state));
    CHECK(rows == std::vector<std::string>{"check probe failed", "steps say hello done",
                                           "steps add b (b) done", "steps add d (d) done",
                                           "verify look done"});
    CHECK(v.rows()[1].output == "hello\n");
    CHECK(v.steps_finished() == v.steps_total());
    // Progress never goes back and ends full.
    for (std::size_t i = 1; i < feeder.progress.size(); ++i)
        CHECK(feeder.progress[i].first >= feeder.progress[i - 1].first);
    CHECK(v.record() != nullptr);
}

TEST_CASE(
    "run view: a failing fix is not fixed, offers escalation, and the steps it never "
    "reached are skipped") {
    RunHarness h;
    FixRunService service(h.deps);
    const Catalog catalog = catalog_of(pack_with_fix(
        "<steps>" +
        run_step("break", "<arg>sh</arg><arg>-c</arg><arg>echo oops >&2; exit 3</arg>") +
        run_step("never reached", "<arg>true</arg>") + "</steps>"));
    ViewFeeder feeder;
    REQUIRE(
        service
            .start(make_fix_run_request(*catalog.find("t", current_platform()), {}, "en"), feeder)
            .started);
    REQUIRE(service.wait());
    std::lock_guard<std::mutex> lock(feeder.mutex);
    const RunView& v = feeder.view;
    REQUIRE(v.result());
    CHECK(v.result()->outcome == Outcome::not_fixed);
    CHECK(v.result()->headline == "Not fixed.");
    CHECK(v.result()->offer_escalation);
    CHECK_FALSE(v.result()->ask_did_it_help);
    REQUIRE(v.rows().size() == 2);
    CHECK(v.rows()[0].state == StepState::failed);
    CHECK(v.rows()[0].output == "oops\n");
    CHECK_FALSE(v.rows()[0].message.empty());
    CHECK(v.rows()[1].state == StepState::skipped);
}

TEST_CASE("run view: cancel while a step runs ends cancelled, and the running row reads cancelled") {
    RunHarness h;
    FixRunService service(h.deps);
    const Catalog catalog = catalog_of(
        pack_with_fix("<steps>" + run_step("wait", "<arg>sleep</arg><arg>30</arg>") + "</steps>"));
    ViewFeeder feeder;
    REQUIRE(
        service
            .start(make_fix_run_request(*catalog.find("t", current_platform()), {}, "en"), feeder)
            .started);
    for (int i = 0; i < 400; ++i) {
        {
            std::lock_guard<std::mutex> lock(feeder.mutex);
            if (feeder.view.running_row() == 0) break;
        }
        std::this_thread::sleep_for(25ms);
    }
    {
        std::lock_guard<std::mutex> lock(feeder.mutex);
        REQUIRE(feeder.view.running_row() == 0);
        CHECK(feeder.view.running());
        feeder.view.tick(RunView::Clock::now() + 1s);
        CHECK(feeder.view.rows()[0].elapsed >= 1s);
    }
    service.cancel();
    REQUIRE(service.wait());
    std::lock_guard<std::mutex> lock(feeder.mutex);
    REQUIRE(feeder.view.result());
    CHECK(feeder.view.result()->headline == "Cancelled.");
    CHECK(feeder.view.rows()[0].state == StepState::cancelled);
    CHECK(std::string(to_string(StepState::cancelled)) == "cancelled");
}

TEST_CASE("run view: a refused run says why") {
    RunRecord record;
    record.outcome = Outcome::refused;
    record.message = "This fix needs administrator rights.";
    const RunResultView v = run_result_view(record);
    CHECK(v.headline == "Not run.");
    CHECK(v.detail == record.message);
    CHECK_FALSE(v.ask_did_it_help);
    CHECK_FALSE(v.offer_escalation);
}

TEST_CASE("describe_plan: steps in plain words by phase, admin steps and the question named") {
    RunHarness h;
    h.deps.env->is_admin = true;  // else the admin step refuses the plan
    FixRunService service(h.deps);
    const Catalog catalog = catalog_of(pack_with_fix(
        "<confirm>Your connections drop for a moment.</confirm><check>" +
        run_step("Is the network up?", "<arg>true</arg>") + "</check><steps>" +
        run_step("Restart the network", "<arg>true</arg>", "admin=\"true\"") + "</steps>"));
    const Plan plan =
        service.plan(make_fix_run_request(*catalog.find("t", current_platform()), {}, "en"));
    REQUIRE(plan.ok);
    const auto lines = describe_plan(plan);
    REQUIRE(lines.size() == 6);
    CHECK(lines[0] == "First it checks:");
    CHECK(lines[1] == "  \u2022 Is the network up?");
    CHECK(lines[2] == "Then it:");
    CHECK(lines[3] == "  \u2022 Restart the network [administrator]");
    CHECK(lines[4].find("administrator rights") != std::string::npos);
    CHECK(lines[5] == "Before it starts, it asks you: Your connections drop for a moment.");

    Plan refused;
    refused.message = "it needs site value printer.uri";
    CHECK(describe_plan(refused) ==
          std::vector<std::string>{"This fix would not run here: it needs site value printer.uri"});
}

TEST_CASE("escalation view: sizes, what was masked (removed items left out), what happened") {
    CHECK(human_size(0) == "0 bytes");
    CHECK(human_size(1) == "1 byte");
    CHECK(human_size(999) == "999 bytes");
    CHECK(human_size(4200) == "4.2 KB");
    CHECK(human_size(1'300'000) == "1.3 MB");
    CHECK(human_size(999'999) == "1.0 MB");

    nlohmann::json manifest = {
        {"pseudonymised", false},
        {"items",
         {{{"name", "a"},
           {"removed", false},
           {"redactions",
            {{"secrets", 2}, {"private_keys", 0}, {"url_credentials", 1}, {"custom", 0}}}},
          {{"name", "b"}, {"removed", true}, {"redactions", {{"private_keys", 5}}}}}}};
    CHECK(masked_sentence(manifest) ==
          "Before anything is sent, fixtray masked 2 passwords or tokens and 1 sign-in in a web "
          "address.");
    manifest["items"][0]["redactions"] = {{"secrets", 0}};
    CHECK(masked_sentence(manifest) ==
          "fixtray found no passwords, keys or tokens in what is attached.");
    manifest["pseudonymised"] = true;
    manifest["items"][0]["redactions"] = {{"pseudonyms", 3}, {"custom", 1}};
    CHECK(masked_sentence(manifest) ==
          "Before anything is sent, fixtray masked 1 value your help desk asked to hide. Your "
          "user and computer names were replaced 3 times.");

    EscalationDelivery d;
    d.report.result = SendReport::Result::delivered;
    d.report.status.ticket_id = "42";
    d.report.status.ticket_url = "http://rt.example/Ticket/Display.html?id=42";
    auto s = delivery_sentence(d);
    CHECK(s.kind == DeliverySentence::Kind::delivered);
    CHECK(s.text == "Sent to your help desk as ticket 42.");
    CHECK(s.ticket_url == d.report.status.ticket_url);
    d.report.result = SendReport::Result::will_retry;
    CHECK(delivery_sentence(d).text.rfind("It will be sent when you are back online.", 0) == 0);
    d.report.result = SendReport::Result::failed;
    d.report.status.last_error = "HTTP 400: queue does not exist";
    CHECK(delivery_sentence(d).kind == DeliverySentence::Kind::refused);
    CHECK(delivery_sentence(d).text.find("queue does not exist") != std::string::npos);
    d.saved_dir = "/home/alice/Desktop";
    d.saved_files = {"/home/alice/Desktop/request.txt"};
    CHECK(delivery_sentence(d).kind == DeliverySentence::Kind::saved);
}

TEST_CASE("tray status: working, attention and idle, with the requests waiting") {
    TrayInputs in;
    CHECK(tray_status(in).state == TrayState::idle);
    OutboxEntry waiting;
    waiting.status.state = DeliveryState::pending;
    in.outbox = {waiting, waiting};
    auto s = tray_status(in);
    CHECK(s.state == TrayState::idle);
    CHECK(s.waiting == 2);
    CHECK(s.tooltip.find("2 requests to your help desk are waiting") != std::string::npos);
    in.outbox[0].status.attempts = 1;  // tried and not delivered yet
    CHECK(tray_status(in).state == TrayState::attention);
    in.outbox = {};
    in.unseen_outcome = Outcome::not_fixed;
    in.unseen_title = "Reset my network";
    s = tray_status(in);
    CHECK(s.state == TrayState::attention);
    CHECK(s.tooltip == "fixtray: \"Reset my network\" did not fix the problem");
    in.running_fix = "Clear my caches";
    CHECK(tray_status(in).state == TrayState::working);
    in = {};
    OutboxEntry refused;
    refused.status.state = DeliveryState::failed;
    in.outbox = {refused};
    s = tray_status(in);
    CHECK(s.state == TrayState::attention);
    CHECK(s.undeliverable == 1);
    in.sending = true;
    CHECK(tray_status(in).state == TrayState::working);
    CHECK(std::string(to_string(TrayState::attention)) == "attention");
}

TEST_CASE("audit log: recent runs, newest first, dry runs and broken lines left out") {
    TempDir state;
    AuditLog log(state.str());
    for (int i = 0; i < 5; ++i) {
        RunRecord r;
        r.run_id = "0000000" + std::to_string(i) + "-0000-4000-8000-000000000000";
        r.fix_id = "fix" + std::to_string(i);
        r.outcome = i == 3 ? Outcome::not_fixed : Outcome::fixed;
        r.message = "message " + std::to_string(i);
        r.dry_run = i == 4;
        REQUIRE(log.append(r));
    }
    {
        std::ofstream out(log.log_path(), std::ios::app);
        out << "{not json\n";
    }
    const auto recent = log.recent(3);
    REQUIRE(recent.size() == 3);
    CHECK(recent[0].fix_id == "fix3");
    CHECK(recent[0].outcome == "not-fixed");
    CHECK(recent[0].message == "message 3");
    CHECK(recent[2].fix_id == "fix1");
    CHECK(log.recent(100).size() == 4);
    CHECK(log.recent(0).empty());
    CHECK(AuditLog(state.str() + "/none").recent(5).empty());
}
