// The presenters the tray shows (app/fix_list, run_view, escalation_view, tray_status): plain
// values tested without X, fed by the built-in packs and by real runs of FixRunService.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/escalation_view.h"
#include "app/fix_list.h"
#include "app/fix_run_service.h"
#include "app/offered_fixes.h"
#include "app/run_view.h"
#include "app/tray_status.h"
#include "base/i18n.h"
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

// A run of the fix "t" of `xml` to its end through FixRunService, as the run view saw it.
struct FinishedRun {
    RunRecord record;
    RunResultView result;
};

FinishedRun run_to_end(const std::string& xml, const SiteConfig& site = {}) {
    RunHarness h;
    FixRunService service(h.deps);
    const Catalog catalog = catalog_of(xml);
    ViewFeeder feeder;
    REQUIRE(
        service
            .start(make_fix_run_request(*catalog.find("t", current_platform()), site, "en"), feeder)
            .started);
    REQUIRE(service.wait());
    std::lock_guard<std::mutex> lock(feeder.mutex);
    REQUIRE(feeder.view.result());
    REQUIRE(feeder.view.record() != nullptr);
    return {*feeder.view.record(), *feeder.view.result()};
}

// A process of this user named `name` (a copy of sleep), ended when this goes out of scope.
class NamedProcess {
public:
    NamedProcess(const TempDir& dir, const std::string& name) {
        const std::filesystem::path program = dir.path() / name;
        std::filesystem::copy_file("/bin/sleep", program);
        std::filesystem::permissions(program, std::filesystem::perms::owner_all);
        const ProcessResult spawned =
            run_command({"sh", "-c", "\"$0\" 60 >/dev/null 2>&1 & echo $!", program.string()});
        pid_ = spawned.out.substr(0, spawned.out.find('\n'));
        for (int i = 0; i < 400 && read_file("/proc/" + pid_ + "/comm") != name + "\n"; ++i)
            std::this_thread::sleep_for(50ms);
        REQUIRE_MESSAGE(read_file("/proc/" + pid_ + "/comm") == name + "\n",
                        "process " << pid_ << " did not start as " << name);
    }
    ~NamedProcess() {
        if (!pid_.empty()) run_command({"kill", pid_});
    }
    NamedProcess(const NamedProcess&) = delete;
    NamedProcess& operator=(const NamedProcess&) = delete;

private:
    std::string pid_;
};

// Marks every text it is asked for: "[msgid]". Installed for its scope.
class MarkingTranslator final : public Translator {
public:
    MarkingTranslator() { set_translator(this); }
    ~MarkingTranslator() override { set_translator(nullptr); }
    MarkingTranslator(const MarkingTranslator&) = delete;
    MarkingTranslator& operator=(const MarkingTranslator&) = delete;
    const char* translate(const char* msgid) const override { return mark(msgid); }
    const char* translate_plural(const char* singular, const char* plural,
                                 unsigned long n) const override {
        return mark(n == 1 ? singular : plural);
    }

private:
    const char* mark(const char* msgid) const {
        std::lock_guard<std::mutex> lock(mutex_);
        return marked_.try_emplace(msgid, "[" + std::string(msgid) + "]").first->second.c_str();
    }
    mutable std::mutex mutex_;
    mutable std::map<std::string, std::string> marked_;
};

constexpr const char* kNeedsAdmin =
    "This fix needs administrator rights, which it cannot get on this computer. Ask IT for help.";
constexpr const char* kNotFixed =
    "The problem is still there. You can ask IT for help; what was tried goes with the request.";

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

TEST_CASE(
    "run view: cancel while a step runs ends cancelled, and the running row reads cancelled") {
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
    // Scenario: the engine refused a fix that needs administrator rights nobody can give here:
    // the detail says so plainly, the technical message is the record's.
    RunRecord record;
    record.outcome = Outcome::refused;
    record.refusal = Refusal::needs_admin;
    record.message =
        "Not run: this fix needs administrator rights. Ask your help desk, or run it as an "
        "administrator.";
    const RunResultView v = run_result_view(record);
    CHECK(v.headline == "Not run.");
    CHECK(v.detail == kNeedsAdmin);
    CHECK(v.technical == record.message);
    CHECK_FALSE(v.ask_did_it_help);
    CHECK_FALSE(v.offer_escalation);
}

TEST_CASE(
    "run view: every outcome has a plain detail for the employee, the recorded message stays "
    "apart as technical, and only the plain texts are translated") {
    // Scenario: a record of each outcome with the engine's English message, read once in
    // English and once with a translator installed that marks what it translates.
    const std::vector<std::pair<Outcome, std::string>> records = {
        {Outcome::fixed, "Fixed: the repair ran and the problem is gone."},
        {Outcome::nothing_to_fix, "No problem found: the check passed, so nothing was changed."},
        {Outcome::not_fixed, "Not fixed: the problem is still there (look: exited with code 1)."},
        {Outcome::cancelled, "Cancelled during wait."},
        {Outcome::refused, "Not run: you chose not to go ahead."},
        {Outcome::interrupted, "Interrupted: the run did not finish."},
    };
    for (const auto& [outcome, message] : records) {
        RunRecord record;
        record.outcome = outcome;
        record.message = message;
        const RunResultView v = run_result_view(record);
        INFO(to_string(outcome));
        CHECK(v.technical == message);
        CHECK_FALSE(v.detail.empty());
        CHECK(v.detail != message);
        CHECK(v.detail.find("exited with code") == std::string::npos);
        {
            const MarkingTranslator marking;
            const RunResultView t = run_result_view(record);
            CHECK(t.headline == "[" + v.headline + "]");
            CHECK(t.detail == "[" + v.detail + "]");
            CHECK(t.technical == message);  // as recorded and sent to IT: never translated
        }
    }
    RunRecord not_fixed;
    not_fixed.outcome = Outcome::not_fixed;
    not_fixed.message = records[2].second;
    CHECK(run_result_view(not_fixed).detail == kNotFixed);
    CHECK(run_result_view(not_fixed).offer_escalation);
}

TEST_CASE("run view: refusals a person can act on are said plainly, others in general words") {
    // Scenario: real runs the engine refuses (the fix asks first and nobody agreed, a site value
    // is missing, its <when> needs a program or a path that is not here), the engine's messages
    // for other refusals, one it may write one day, and the same reasons in plans.
    const std::string step =
        run_step("add ${p.name}", "<arg>true</arg>", "foreach=\"p in printers\"");
    const std::string printers = "<param name=\"printers\" list=\"true\" fields=\"name\"/>";

    FinishedRun run = run_to_end(pack_with_fix("<confirm>Your connections drop.</confirm><steps>" +
                                               run_step("go", "<arg>true</arg>") + "</steps>"));
    CHECK(run.record.outcome == Outcome::refused);
    CHECK(run.result.headline == "Not run.");
    CHECK(run.result.detail == "You chose not to run this fix, so nothing was changed.");
    CHECK(run.result.technical == "Not run: you chose not to go ahead.");

    run = run_to_end(pack_with_fix("<steps>" + step + "</steps>", printers));
    CHECK(run.record.outcome == Outcome::refused);
    CHECK(run.result.detail ==
          "This fix needs a setting that IT has not made on this computer yet. Ask IT for help.");
    CHECK(run.result.technical.rfind("Not run: the site configuration does not set printers", 0) ==
          0);

    run = run_to_end(
        pack_with_fix("<when><program-exists name=\"fixtray-no-such-program\"/></when><steps>" +
                      run_step("go", "<arg>true</arg>") + "</steps>"));
    CHECK(run.record.outcome == Outcome::refused);
    CHECK(run.result.detail ==
          "This fix is only for computers where fixtray-no-such-program is installed.");
    CHECK(run.result.technical == run.record.message);

    run =
        run_to_end(pack_with_fix("<when><path-exists path=\"/nonexistent/fixtray-never\"/></when>"
                                 "<steps>" +
                                 run_step("go", "<arg>true</arg>") + "</steps>"));
    CHECK(run.record.outcome == Outcome::refused);
    CHECK(run.result.detail == "This fix does not apply to this computer, so nothing was changed.");
    CHECK(run.result.technical.find("/nonexistent/fixtray-never") != std::string::npos);

    RunRecord record;
    record.outcome = Outcome::refused;
    record.refusal = Refusal::not_applicable;
    record.message = "Not run: this fix is for windows; this machine runs linux.";
    CHECK(run_result_view(record).detail == "This fix is made for another operating system.");
    record.refusal = Refusal::declined;
    record.message =
        "Not run: this fix asks before it runs, and nobody could be asked (no terminal).";
    CHECK(run_result_view(record).detail ==
          "This fix asks before it runs, and there was nobody to answer, so nothing was changed.");
    record.refusal = Refusal::invalid_input;
    record.message = "Not run: a reason fixtray does not know yet.";
    CHECK(run_result_view(record).detail ==
          "The fix did not run, so nothing was changed. If you need help with the problem, ask "
          "IT.");
    CHECK(run_result_view(record).technical == record.message);
    record.refusal = Refusal::needs_admin;  // the reason is unknown, the kind of refusal is not
    CHECK(run_result_view(record).detail == kNeedsAdmin);

    CHECK(refusal_sentence("Would not run: this fix needs administrator rights.") == kNeedsAdmin);
    CHECK(refusal_sentence("this fix needs administrator rights.").empty());  // not the engine's
    Plan plan;
    plan.refusal = Refusal::needs_admin;
    plan.message = "Would not run: this fix needs administrator rights.";
    CHECK(describe_plan(plan) == std::vector<std::string>{kNeedsAdmin});
    plan.refusal = Refusal::not_applicable;
    plan.message = "Would not run: this fix applies only where the path /opt/x is present.";
    CHECK(describe_plan(plan) ==
          std::vector<std::string>{
              "This fix would not run here: this fix applies only where the path /opt/x is "
              "present."});
    CHECK(not_applicable_sentence("this fix applies only where the program nmcli is absent") ==
          "This fix is only for computers where nmcli is not installed.");
    CHECK(not_applicable_sentence("its condition ${x} cannot be checked: unknown").empty());
}

TEST_CASE(
    "run view: a repair that could not do its work says why in plain words when the employee "
    "can act on it") {
    // Scenario: real runs whose only repair step is skipped, once because a program of the
    // user's runs and once because a program is not installed; then recorded runs whose repair
    // step failed for want of administrator approval, and one that failed otherwise.
    TempDir dir;
    {
        const NamedProcess running(dir, "fixtray-probe-r");
        const FinishedRun run = run_to_end(pack_with_fix(
            "<steps>" +
            run_step("restart it", "<arg>true</arg>", "skip-if-running=\"fixtray-probe-r\"") +
            "</steps>"));
        CHECK(run.record.outcome == Outcome::not_fixed);
        CHECK(run.result.headline == "Not fixed.");
        CHECK(run.result.offer_escalation);
        CHECK(run.result.detail ==
              "The fix could not do its work while fixtray-probe-r is running. Close it and run "
              "the fix again.");
        CHECK(run.result.technical == run.record.message);
        CHECK(run.result.technical.find("fixtray-probe-r is running") != std::string::npos);
    }
    const FinishedRun missing = run_to_end(pack_with_fix(
        "<steps>" +
        run_step("restart it", "<arg>true</arg>", "if-program=\"fixtray-no-such-program\"") +
        "</steps>"));
    CHECK(missing.record.outcome == Outcome::not_fixed);
    CHECK(missing.result.detail ==
          "The fix could not do its work because fixtray-no-such-program is not installed on "
          "this computer. You can ask IT for help; what was tried goes with the request.");

    RunRecord record;
    record.outcome = Outcome::not_fixed;
    record.message =
        "Not fixed: the step \"Restart: administrator approval was refused or cancelled\" "
        "failed.";
    StepRecord step;
    step.phase = Phase::steps;
    step.label = "Restart";
    step.status = StepStatus::failed;
    step.message = "administrator approval was refused or cancelled";
    record.steps = {step};
    CHECK(run_result_view(record).detail ==
          "The fix needed administrator approval, and it was not given. Run the fix again and "
          "approve it when the system asks, or ask IT for help.");
    record.steps[0].message = "exited with code 1";
    record.message = "Not fixed: the step \"Restart: exited with code 1\" failed.";
    CHECK(run_result_view(record).detail == kNotFixed);
    // A skipped check proves nothing, but it is not the repair's step: the general sentence.
    record.steps[0].phase = Phase::verify;
    record.steps[0].status = StepStatus::skipped;
    record.steps[0].message = "fixtray-probe-r is running; close it and run the fix again";
    record.message =
        "Not fixed: the repair could not be verified (Restart: fixtray-probe-r is running; close "
        "it and run the fix again (skipped)).";
    CHECK(run_result_view(record).detail == kNotFixed);
}

TEST_CASE("describe_plan: the engine's notes on a step in the user's language, others as written") {
    // Scenario: a planned step with notes the engine writes (if-program, a capture,
    // continue-on-error), read in English and with a translator that marks what it translates.
    Plan plan;
    plan.ok = true;
    PlannedStep s;
    s.phase = Phase::steps;
    s.label = "Restart the network";
    s.note =
        "skipped if nmcli is not installed; output lines become the list x; a failure does not "
        "stop the fix";
    plan.steps = {s};
    CHECK(describe_plan(plan) ==
          std::vector<std::string>{"Then it:", "  \u2022 Restart the network (" + s.note + ")"});
    const MarkingTranslator marking;
    CHECK(describe_plan(plan) ==
          std::vector<std::string>{"[Then it:]",
                                   "  \u2022 Restart the network ([skipped if nmcli is not "
                                   "installed]; output lines become the list x; [a failure does "
                                   "not stop the fix])"});
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
