// Running a fix for a front end (fixctl's `run`, the tray): the plan first, then the run on a
// worker thread with the real step runner, HTTP client, clock and audit log, reported through
// a narrow observer interface, cancellable from any thread.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "app/real_services.h"
#include "base/cancel_token.h"
#include "base/status.h"
#include "engine/audit_log.h"
#include "engine/engine.h"
#include "engine/run_record.h"
#include "feed/feed_config.h"
#include "packs/fix_pack.h"
#include "packs/site_config.h"
#include "platform/platform_paths.h"

namespace fixtray {

struct CatalogEntry;
class MachineCatalog;

// What to run. The request owns everything the run reads (the pack, the fix inside it, the
// site values): a catalog reloaded or destroyed during the run does not touch it.
struct FixRunRequest {
    std::shared_ptr<const FixPack> pack;
    std::shared_ptr<const Fix> fix;  // a fix of *pack, sharing its ownership
    SiteConfig site;
    std::string lang;  // for titles and the confirmation text, e.g. "de_DE.UTF-8"
    // The employee agreed to plan().confirm (or the fix asks nothing). Without it a fix that
    // asks first ends refused (declined) before any step runs: the worker never asks.
    bool confirmed = false;
    // False when the front end had nobody to ask (no terminal): a fix that asks first is refused
    // with a message saying so. Ignored when `confirmed`.
    bool could_ask = true;
    // How much output the run's record keeps, and which records stay (the machine's policy:
    // run_output_limit_kib, keep_runs, keep_run_days; apply_run_policy).
    std::size_t output_limit = kRunOutputLimit;
    RunRetention retention;
};

// Sets request.output_limit and request.retention from the machine's policy.
void apply_run_policy(const FixPolicy& policy, FixRunRequest& request);

// A request for a catalog entry: copies the entry's pack, so the catalog may go away at once.
// For an entry of a catalog loaded with its steps (a fix with Fix::steps_dropped would be
// refused by the engine): a front end with a MachineCatalog uses the overload below.
FixRunRequest make_fix_run_request(const CatalogEntry& entry, SiteConfig site, std::string lang);
// A request for an entry of `catalog`, with the machine's site values: the entry's pack with
// every step (MachineCatalog::full_pack reads it again when the catalog keeps no steps). Fails
// when the pack changed since the catalog was loaded (reload it) or is no longer readable.
Result<FixRunRequest> make_fix_run_request(const MachineCatalog& catalog, const CatalogEntry& entry,
                                           std::string lang);

// Where a step stands in its phase, for a progress bar ("Repairing: step 2 of 3").
struct StepPosition {
    Phase phase = Phase::steps;
    int number = 0;  // 1-based: the n-th step run of this phase (each foreach item counts)
    // Step runs the plan lists for this phase; never below `number` (it grows when a foreach
    // list is only known while the fix runs). A phase can end early (a failure, a check that
    // finds a problem): the next phase_started or run_finished closes the bar.
    int total = 0;
};

// The run's result: the record, and whether it reached the audit log.
struct FixRunResult {
    RunRecord record;
    std::string audit_error;  // empty: written to the audit log; else why not (names the path)
};

// The service's one door to a front end. Every call runs on the service's worker thread, in
// order, never two at once; a front end with its own UI thread marshals them there (wx:
// CallAfter) and returns at once: while a callback runs, the step's output is not drained.
// What a callback receives by reference is valid during the call only: copy what you marshal.
// Callbacks must not throw. They may call cancel(); start() from a callback is refused (the
// run is still in progress until run_finished returns) and wait() returns at once.
class FixRunObserver {
public:
    virtual ~FixRunObserver() = default;
    // First event of every started run, before anything runs: what will run.
    virtual void run_started(const Fix&, const Plan&) {}
    // total: step runs the plan lists for this phase (see StepPosition::total).
    virtual void phase_started(Phase, int /*total*/) {}
    virtual void step_started(const StepPosition&, const StepRecord&) {}
    virtual void step_output(const StepPosition&, const StepRecord&, OutputStream,
                             std::string_view) {}
    virtual void step_finished(const StepPosition&, const StepRecord&) {}
    // Last event, after the record was appended to the audit log.
    virtual void run_finished(const FixRunResult&) {}
};

// The parts a test replaces (app/real_services.h); null members get the real ones.
using FixRunDependencies = ServiceOverrides;

// Whether start() took the run.
struct FixRunStart {
    bool started = false;
    std::string message;  // why not, when !started: for the employee, in the user's language
};

// One run at a time. plan(), start(), cancel(), running() and wait() may be called from any
// thread; cancel() also from a signal handler.
class FixRunService {
public:
    explicit FixRunService(FixRunDependencies deps = {});
    // Waits for a run in progress to end (call cancel() first to end it sooner).
    ~FixRunService();
    FixRunService(const FixRunService&) = delete;
    FixRunService& operator=(const FixRunService&) = delete;

    // What start() would run: the steps with variables expanded, which need admin rights, the
    // confirmation text to ask before start(), or why the fix would not run. Runs nothing.
    Plan plan(const FixRunRequest& request) const;

    // Starts the run on a worker thread and returns at once. Refused (as a value) while another
    // run is in progress or when the request names no fix. `observer` must stay valid until
    // its run_finished has returned (wait() or the destructor guarantee that).
    FixRunStart start(FixRunRequest request, FixRunObserver& observer);

    // Cancels the run in progress: the running step and every process it started are ended,
    // the fix ends cancelled. Does nothing when no run is in progress. Only an atomic store,
    // so a signal handler may call it.
    void cancel() noexcept;

    bool running() const;

    // Blocks until no run is in progress; the result of the last run (nullopt before the
    // first). From an observer callback it returns at once with nullopt.
    std::optional<FixRunResult> wait();

    // Appends the runs whose runner was killed before it recorded their end, as interrupted,
    // after ending what they left running (AuditLog::recover_interrupted). Every run does it
    // first; a front end that lists past runs calls it before reading them.
    std::vector<RunRecord> recover_interrupted(std::vector<std::string>* errors = nullptr) const;

private:
    void work(FixRunRequest request, FixRunObserver& observer);
    RunRecord run_fix(const FixRunRequest& request, FixRunObserver& observer,
                      const std::string& run_id);

    RealServices services_;

    CancelToken cancel_;
    mutable std::mutex mutex_;
    std::condition_variable idle_;
    bool busy_ = false;  // a run was started and its run_finished has not returned yet
    std::optional<FixRunResult> last_;
    std::thread worker_;
};

}  // namespace fixtray
