// The fix run service: the plan before the run, the run on a worker thread with real processes,
// events with positions, cancel from another thread, one run at a time, the audit log, and a
// catalog that goes away while its fix runs.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "app/fix_run_service.h"
#include "base/clock.h"
#include "engine/admin_step.h"
#include "engine/audit_log.h"
#include "packs/catalog.h"
#include "packs/pack_loader.h"
#include "platform/platform_paths.h"
#include "platform/process_runner.h"
#include "support/test_helpers.h"

using namespace fixtray;
using namespace fixtray::test;
using namespace std::chrono_literals;

namespace {

// Writes down every event as a line, checks they all come from one thread that is not the
// caller's, and lets the test wait for one.
struct Events final : FixRunObserver {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::string> lines;
    std::map<std::string, std::string> output;  // by step label
    std::set<std::thread::id> threads;
    std::optional<FixRunResult> finished;

    void note(std::string line) {
        std::lock_guard<std::mutex> lock(mutex);
        threads.insert(std::this_thread::get_id());
        lines.push_back(std::move(line));
        changed.notify_all();
    }
    static std::string at(const StepPosition& p) {
        return " " + std::to_string(p.number) + "/" + std::to_string(p.total);
    }

    void run_started(const Fix& fix, const Plan& plan) override {
        note("started " + fix.id + " " + std::to_string(plan.steps.size()) + " steps");
    }
    void phase_started(Phase phase, int total) override {
        note(std::string("phase ") + to_string(phase) + " " + std::to_string(total));
    }
    void step_started(const StepPosition& p, const StepRecord& s) override {
        note("start " + s.label + at(p));
    }
    void step_output(const StepPosition& p, const StepRecord& s, OutputStream,
                     std::string_view chunk) override {
        std::lock_guard<std::mutex> lock(mutex);
        threads.insert(std::this_thread::get_id());
        output[s.label + at(p)] += chunk;
    }
    void step_finished(const StepPosition& p, const StepRecord& s) override {
        note("done " + s.label + " " + to_string(s.status) + at(p));
    }
    void run_finished(const FixRunResult& result) override {
        {
            std::lock_guard<std::mutex> lock(mutex);
            finished = result;
        }
        note(std::string("finished ") + to_string(result.record.outcome));
    }

    // Waits up to `limit` for an event line that starts with `prefix`.
    bool wait_for(const std::string& prefix, std::chrono::milliseconds limit = 10s) {
        std::unique_lock<std::mutex> lock(mutex);
        return changed.wait_for(lock, limit, [&] {
            for (const auto& l : lines)
                if (l.rfind(prefix, 0) == 0) return true;
            return false;
        });
    }
    std::vector<std::string> snapshot() {
        std::lock_guard<std::mutex> lock(mutex);
        return lines;
    }
};

// The real step runner, counting the processes it is asked to start.
struct CountingRunner final : ProcessRunner {
    SystemProcessRunner real;
    std::atomic<int> runs{0};
    ProcessResult run(const ProcessRequest& request, const CancelToken& cancel,
                      const OutputCallback& on_output) override {
        ++runs;
        return real.run(request, cancel, on_output);
    }
};

// The real clock, except that the wall clock stands at a fixed moment.
struct FixedWallClock final : Clock {
    RealClock real;
    std::chrono::system_clock::time_point at{std::chrono::seconds(1'700'000'000)};
    std::chrono::system_clock::time_point now() const override { return at; }
    std::chrono::steady_clock::time_point steady_now() const override { return real.steady_now(); }
    bool sleep_for(std::chrono::milliseconds d, const CancelToken& cancel) override {
        return real.sleep_for(d, cancel);
    }
};

// Admin rights that are "available" and run nothing: records what it was asked to run.
struct RecordingAdmin final : AdminStepRunner {
    std::vector<AdminStepRequest> requests;
    bool available() const override { return true; }
    void run(const AdminStepRequest& request, const CancelToken&, StepRecord* record) override {
        requests.push_back(request);
        record->status = StepStatus::ok;
        record->exit_code = 0;
        record->message = "ran by the test's admin runner";
    }
};

std::shared_ptr<Catalog> catalog_of(const std::string& xml) {
    auto loaded = load_pack_from_string(xml, "test.xml", "/tmp");
    for (const auto& p : loaded.problems) MESSAGE(p.str());
    REQUIRE(loaded.ok());
    auto catalog = std::make_shared<Catalog>();
    catalog->add_pack(std::move(*loaded.pack));
    return catalog;
}

FixRunRequest request_for(const Catalog& catalog, SiteConfig site = {}) {
    const auto entry = catalog.find("t", current_platform());
    REQUIRE(entry);
    return make_fix_run_request(*entry, std::move(site), "en");
}

FixRunRequest request_for(const std::string& xml, SiteConfig site = {}) {
    return request_for(*catalog_of(xml), std::move(site));
}

// A service with its audit log in a temporary state directory and no admin rights.
struct Harness {
    TempDir state;
    RecordingAdmin admin;
    FixRunDependencies deps;
    std::unique_ptr<FixRunService> service;

    Harness() {
        UserEnvironment env = current_user_environment();
        env.is_admin = false;
        deps.env = env;
        deps.state_dir = state.str();
        deps.admin = &admin;
    }
    FixRunService& get() {
        if (!service) service = std::make_unique<FixRunService>(deps);
        return *service;
    }
};

std::string run_step(const std::string& label, const std::string& args,
                     const std::string& attrs = "") {
    return "<run label=\"" + label + "\" " + attrs + ">" + args + "</run>";
}

}  // namespace

TEST_CASE("fix run service: events in order on the worker, each step with its number and total") {
    // Scenario: check finds a problem, three step runs (one foreach over two printers), verify.
    Harness h;
    CountingRunner runner;
    FixedWallClock clock;
    h.deps.runner = &runner;
    h.deps.clock = &clock;
    SiteConfig site;
    site.lists["printers"] = {{"b", {{"name", "b"}}}, {"d", {{"name", "d"}}}};
    auto request = request_for(
        pack_with_fix(
            "<check>" + run_step("probe", "<arg>false</arg>") + "</check><steps>" +
                run_step("say hello", "<arg>echo</arg><arg>hello</arg>") +
                run_step("add ${p.name}", "<arg>true</arg>", "foreach=\"p in printers\"") +
                "</steps><verify>" + run_step("look", "<arg>true</arg>") + "</verify>",
            "<param name=\"printers\" list=\"true\" fields=\"name\"/>"),
        site);
    Events events;
    REQUIRE(h.get().start(std::move(request), events).started);
    const auto result = h.get().wait();
    REQUIRE(result);
    CHECK(result->record.outcome == Outcome::fixed);
    CHECK(events.snapshot() == std::vector<std::string>{
                                   "started t 5 steps",
                                   "phase check 1",
                                   "start probe 1/1",
                                   "done probe failed 1/1",
                                   "phase steps 3",
                                   "start say hello 1/3",
                                   "done say hello ok 1/3",
                                   "start add b 2/3",
                                   "done add b ok 2/3",
                                   "start add d 3/3",
                                   "done add d ok 3/3",
                                   "phase verify 1",
                                   "start look 1/1",
                                   "done look ok 1/1",
                                   "finished fixed",
                               });
    CHECK(events.output == std::map<std::string, std::string>{{"say hello 1/3", "hello\n"}});
    // Every callback came from the worker, none from the thread that started the run.
    CHECK(events.threads.size() == 1);
    CHECK(events.threads.count(std::this_thread::get_id()) == 0);
    // The injected seams were the ones used.
    CHECK(runner.runs == 5);
    CHECK(result->record.started == clock.at);
    CHECK(result->record.finished == clock.at);
}

TEST_CASE("fix run service: cancel from another thread ends a real sleep and its children") {
    // Scenario: a step runs `sleep 30` in a child of its shell; another thread cancels.
    Harness h;
    TempDir dir;
    auto request = request_for(pack_with_fix(
        "<steps>" +
        run_step("wait a while",
                 "<arg>sh</arg><arg>-c</arg><arg>sleep 30 &amp; echo $! > " + dir.str() +
                     "/child; wait</arg>",
                 "timeout=\"60s\"") +
        run_step("never", "<arg>touch</arg><arg>" + dir.str() + "/never</arg>") + "</steps>"));
    Events events;
    REQUIRE(h.get().start(std::move(request), events).started);
    REQUIRE(events.wait_for("start wait a while"));
    for (int i = 0; i < 200 && read_file(dir.path() / "child").empty(); ++i)
        std::this_thread::sleep_for(25ms);
    const std::string pid = read_file(dir.path() / "child");
    REQUIRE_FALSE(pid.empty());
    CHECK(h.get().running());

    const auto cancelled_at = std::chrono::steady_clock::now();
    std::thread([&] { h.get().cancel(); }).join();
    const auto result = h.get().wait();
    const auto took = std::chrono::steady_clock::now() - cancelled_at;
    REQUIRE(result);
    CHECK(took < 5s);
    CHECK_FALSE(h.get().running());
    CHECK(result->record.outcome == Outcome::cancelled);
    REQUIRE(result->record.steps.size() == 1);
    CHECK(result->record.steps[0].status == StepStatus::cancelled);
    CHECK_FALSE(std::filesystem::exists(dir.path() / "never"));
    CHECK_FALSE(process_alive(pid.substr(0, pid.find('\n'))));
}

TEST_CASE("fix run service: the plan comes before the run, and the run never asks") {
    // Scenario: a fix that asks first, with a site value and an admin step.
    Harness h;
    TempDir dir;
    SiteConfig site;
    site.values["target"] = dir.str();
    const std::string xml = pack_with_fix(
        "<confirm>This restarts your printers.</confirm><steps>" +
            run_step("make ${target}/ran", "<arg>touch</arg><arg>${target}/ran</arg>") +
            run_step("as admin", "<arg>touch</arg><arg>${target}/admin</arg>", "admin=\"true\"") +
            "</steps>",
        "<param name=\"target\"/>");

    const Plan plan = h.get().plan(request_for(xml, site));
    CHECK(plan.ok);
    CHECK(plan.confirm == "This restarts your printers.");
    REQUIRE(plan.steps.size() == 2);
    CHECK(plan.steps[0].label == "make " + dir.str() + "/ran");
    CHECK(plan.steps[0].argv == std::vector<std::string>{"touch", dir.str() + "/ran"});
    CHECK_FALSE(plan.steps[0].admin);
    CHECK(plan.steps[1].admin);
    CHECK_FALSE(std::filesystem::exists(dir.path() / "ran"));  // planning runs nothing

    // Not confirmed: refused as declined at once, nothing runs; nobody is asked anything.
    Events declined;
    REQUIRE(h.get().start(request_for(xml, site), declined).started);
    const auto refused = h.get().wait();
    REQUIRE(refused);
    CHECK(refused->record.outcome == Outcome::refused);
    CHECK(refused->record.refusal == Refusal::declined);
    CHECK(refused->record.steps.empty());
    CHECK_FALSE(std::filesystem::exists(dir.path() / "ran"));
    CHECK(h.admin.requests.empty());

    // Confirmed: runs; the admin step goes to the admin runner, by position only.
    auto confirmed = request_for(xml, site);
    confirmed.confirmed = true;
    Events ran;
    REQUIRE(h.get().start(std::move(confirmed), ran).started);
    const auto fixed = h.get().wait();
    REQUIRE(fixed);
    CHECK(fixed->record.outcome == Outcome::fixed);
    CHECK(std::filesystem::exists(dir.path() / "ran"));
    CHECK_FALSE(std::filesystem::exists(dir.path() / "admin"));
    REQUIRE(h.admin.requests.size() == 1);
    CHECK(h.admin.requests[0].index == 2);
    CHECK(h.admin.requests[0].fix_id == "t");
}

TEST_CASE("fix run service: a catalog replaced during the run does not change the running fix") {
    // Scenario: the catalog (and the site values given) go away while the first step runs; a
    // new catalog has another version of the same fix.
    Harness h;
    TempDir dir;
    const std::string gate = dir / "go";
    auto catalog = catalog_of(pack_with_fix(
        "<steps>" +
            run_step("first",
                     "<arg>sh</arg><arg>-c</arg><arg>while [ ! -e \"$1\" ]; do sleep 0.05; "
                     "done</arg><arg>gate</arg><arg>" +
                         gate + "</arg>",
                     "timeout=\"20s\"") +
            run_step("second ${greeting}", "<arg>echo</arg><arg>${greeting}</arg>") + "</steps>",
        "<param name=\"greeting\"/>"));
    auto site = std::make_unique<SiteConfig>();
    site->values["greeting"] = "hello";
    Events events;
    REQUIRE(h.get().start(request_for(*catalog, *site), events).started);
    REQUIRE(events.wait_for("start first"));

    catalog.reset();  // the catalog the fix came from is destroyed...
    site.reset();
    auto reloaded = catalog_of(  // ...and replaced by one with another fix under the same id
        pack_with_fix("<steps>" + run_step("other", "<arg>false</arg>") + "</steps>"));
    write_file(gate, "");

    const auto result = h.get().wait();
    REQUIRE(result);
    CHECK(result->record.outcome == Outcome::fixed);
    REQUIRE(result->record.steps.size() == 2);
    CHECK(result->record.steps[0].label == "first");
    CHECK(result->record.steps[1].label == "second hello");
    CHECK(result->record.steps[1].out == "hello\n");
    CHECK(reloaded->find("t", current_platform())->fix->steps[0].label == "other");
}

TEST_CASE("fix run service: a second start while a fix runs is refused, the next one runs") {
    // Scenario: start, start again at once, cancel the first, start again.
    Harness h;
    auto slow = request_for(
        pack_with_fix("<steps>" + run_step("sleep", "<arg>sleep</arg><arg>30</arg>") + "</steps>"));
    auto quick =
        request_for(pack_with_fix("<steps>" + run_step("quick", "<arg>true</arg>") + "</steps>"));
    Events first, second, third;
    REQUIRE(h.get().start(slow, first).started);
    const FixRunStart refused = h.get().start(quick, second);
    CHECK_FALSE(refused.started);
    CHECK(refused.message.find("running") != std::string::npos);
    CHECK(h.get().running());

    h.get().cancel();
    const auto cancelled = h.get().wait();
    REQUIRE(cancelled);
    CHECK(cancelled->record.outcome == Outcome::cancelled);
    CHECK(second.snapshot().empty());  // the refused start reported nothing

    REQUIRE(h.get().start(quick, third).started);
    const auto fixed = h.get().wait();
    REQUIRE(fixed);
    CHECK(fixed->record.outcome == Outcome::fixed);

    Events none;
    const FixRunStart empty = h.get().start(FixRunRequest{}, none);
    CHECK_FALSE(empty.started);
    CHECK_FALSE(empty.message.empty());
}

TEST_CASE("fix run service: destroying the service waits for the run to finish") {
    // Scenario: the owner goes away while a short fix runs.
    Harness h;
    Events events;
    REQUIRE(
        h.get()
            .start(request_for(pack_with_fix(
                       "<steps>" + run_step("nap", "<arg>sleep</arg><arg>0.3</arg>") + "</steps>")),
                   events)
            .started);
    h.service.reset();
    REQUIRE(events.finished);
    CHECK(events.finished->record.outcome == Outcome::fixed);
}

TEST_CASE("fix run service: a failed step means not fixed, and the run is in the audit log") {
    // Scenario: the repair step fails; the record reaches the audit log in the state directory.
    Harness h;
    auto request = request_for(
        pack_with_fix("<steps>" + run_step("break", "<arg>sh</arg><arg>-c</arg><arg>exit 3</arg>") +
                      "</steps><verify>" + run_step("look", "<arg>true</arg>") + "</verify>"));
    Events events;
    REQUIRE(h.get().start(std::move(request), events).started);
    const auto result = h.get().wait();
    REQUIRE(result);
    const RunRecord& record = result->record;
    CHECK(record.outcome == Outcome::not_fixed);
    CHECK(record.message.find("break") != std::string::npos);
    REQUIRE(record.steps.size() == 1);
    CHECK(record.steps[0].exit_code == 3);
    CHECK(result->audit_error.empty());
    REQUIRE(events.finished);
    CHECK(events.finished->record.run_id == record.run_id);

    const AuditLog audit(h.state.str());
    const auto logged = audit.find(record.run_id);
    REQUIRE(logged);
    CHECK(logged->outcome == Outcome::not_fixed);
    CHECK(logged->steps.size() == 1);
    CHECK(read_file(audit.log_path()).find(record.run_id) != std::string::npos);
}

TEST_CASE("fix run service: a fix listed without its steps is refused, never run as an empty fix") {
    // Scenario: a front end takes a request from a catalog that dropped its steps (the tray's)
    // without reading the pack again: the plan and the run both refuse, nothing runs, and the
    // refusal is in the audit log; the same catalog with its steps runs the fix.
    Harness h;
    CountingRunner runner;
    h.deps.runner = &runner;
    auto catalog = catalog_of(
        pack_with_fix("<steps>" + run_step("say hello", "<arg>echo</arg><arg>hello</arg>") +
                      "</steps><verify>" + run_step("look", "<arg>true</arg>") + "</verify>"));
    const FixRunRequest with_steps = request_for(*catalog);
    catalog->drop_steps();
    FixRunRequest without = request_for(*catalog);
    REQUIRE(without.fix->steps_dropped);
    CHECK(without.fix->steps.empty());

    const Plan plan = h.get().plan(without);
    CHECK_FALSE(plan.ok);
    CHECK(plan.refusal == Refusal::invalid_input);
    CHECK(plan.message.find("listed without its steps") != std::string::npos);

    Events events;
    REQUIRE(h.get().start(std::move(without), events).started);
    const auto refused = h.get().wait();
    REQUIRE(refused);
    CHECK(refused->record.outcome == Outcome::refused);
    CHECK(refused->record.refusal == Refusal::invalid_input);
    CHECK(refused->record.message.find("listed without its steps") != std::string::npos);
    CHECK(runner.runs == 0);
    CHECK(AuditLog(h.state.str()).find(refused->record.run_id));

    CHECK(h.get().plan(with_steps).ok);
    REQUIRE(h.get().start(with_steps, events).started);
    const auto ran = h.get().wait();
    REQUIRE(ran);
    CHECK(ran->record.outcome == Outcome::fixed);
    CHECK(runner.runs == 2);
}
