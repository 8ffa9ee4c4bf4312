#include "app/fix_run_service.h"

#include <algorithm>
#include <exception>
#include <map>

#include "app/machine_catalog.h"
#include "base/clock.h"
#include "base/i18n.h"
#include "base/time_text.h"
#include "engine/audit_log.h"
#include "packs/catalog.h"

namespace fixtray {
namespace {

// Between the engine's observer and the service's: adds each step's position in its phase and
// holds back the engine's run_finished (the service reports it after the audit log). Whether
// the employee agreed was settled before the run (RunOptions::assume_yes).
class PositionedObserver final : public RunObserver {
public:
    PositionedObserver(FixRunObserver& out, const Plan& plan) : out_(out) {
        for (const auto& step : plan.steps) ++planned_[step.phase];
    }

    void phase_started(Phase phase) override {
        position_ = StepPosition{phase, 0, planned_[phase]};
        out_.phase_started(phase, position_.total);
    }
    void step_started(const StepRecord& step) override {
        ++position_.number;
        if (position_.total < position_.number) position_.total = position_.number;
        out_.step_started(position_, step);
    }
    void step_output(const StepRecord& step, OutputStream stream, std::string_view chunk) override {
        out_.step_output(position_, step, stream, chunk);
    }
    void step_finished(const StepRecord& step) override { out_.step_finished(position_, step); }

private:
    FixRunObserver& out_;
    std::map<Phase, int> planned_;
    StepPosition position_;
};

// What is known of a run before it starts: written as its start (AuditLog::begin).
RunRecord started_record(const FixRunRequest& request, const RealServices& services) {
    RunRecord r;
    r.run_id = new_uuid();
    r.fix_id = request.fix->id;
    r.fix_title = request.fix->title.get(request.lang);
    r.pack_id = request.pack->id;
    r.pack_version = request.pack->version;
    r.pack_sha256 = request.pack->sha256;
    r.pack_file = request.pack->file;
    r.platform = to_string(current_platform());
    r.user = services.env().user;
    r.host = services.env().host;
    r.started = r.finished = services.clock().now();
    return r;
}

// The record of a run the engine could not finish because something unexpected was thrown.
RunRecord failed_record(RunRecord started, const Clock& clock, const char* what) {
    started.finished = clock.now();
    started.outcome = Outcome::not_fixed;
    started.message = std::string("Not fixed: fixtray failed unexpectedly (") + what + ").";
    return started;
}

}  // namespace

FixRunRequest make_fix_run_request(const CatalogEntry& entry, SiteConfig site, std::string lang) {
    FixRunRequest request;
    auto pack = std::make_shared<const FixPack>(*entry.pack);
    const auto offset = entry.fix - entry.pack->fixes.data();
    request.fix = std::shared_ptr<const Fix>(pack, &pack->fixes[static_cast<std::size_t>(offset)]);
    request.pack = std::move(pack);
    request.site = std::move(site);
    request.lang = std::move(lang);
    return request;
}

Result<FixRunRequest> make_fix_run_request(const MachineCatalog& catalog, const CatalogEntry& entry,
                                           std::string lang) {
    Result<std::shared_ptr<const FixPack>> pack = catalog.full_pack(*entry.pack);
    if (!pack) return pack.status();
    const auto fix = std::find_if((*pack)->fixes.begin(), (*pack)->fixes.end(),
                                  [&](const Fix& f) { return f.id == entry.fix->id; });
    if (fix == (*pack)->fixes.end())
        return Status::error(entry.pack->file + " no longer has the fix " + entry.fix->id);
    FixRunRequest request;
    request.fix = std::shared_ptr<const Fix>(*pack, &*fix);
    request.pack = std::move(*pack);
    request.site = catalog.config().site;
    request.lang = std::move(lang);
    apply_run_policy(catalog.config().policy, request);
    return request;
}

FixRunService::FixRunService(FixRunDependencies deps)
    : services_(RealServices::for_user(std::move(deps))) {}

FixRunService::~FixRunService() {
    if (worker_.joinable()) worker_.join();
}

Plan FixRunService::plan(const FixRunRequest& request) const {
    if (!request.pack || !request.fix) {
        Plan plan;
        plan.refusal = Refusal::invalid_input;
        plan.message = "Would not run: no fix was given.";
        return plan;
    }
    RunOptions options;
    options.lang = request.lang;
    return services_.engine().plan(*request.pack, *request.fix, request.site, options);
}

FixRunStart FixRunService::start(FixRunRequest request, FixRunObserver& observer) {
    if (!request.pack || !request.fix) return {false, tr("No fix was given to run.")};
    std::lock_guard<std::mutex> lock(mutex_);
    if (busy_)
        return {false, tr("Another fix is still running; wait for it to finish or cancel it.")};
    // The previous worker has returned from run_finished and is about to end.
    if (worker_.joinable()) worker_.join();
    busy_ = true;
    cancel_.reset();
    worker_ = std::thread([this, request = std::move(request), &observer]() mutable {
        work(std::move(request), observer);
    });
    return {true, {}};
}

void FixRunService::cancel() noexcept {
    cancel_.cancel();
}

bool FixRunService::running() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return busy_;
}

std::optional<FixRunResult> FixRunService::wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (worker_.get_id() == std::this_thread::get_id()) return std::nullopt;
    idle_.wait(lock, [this] { return !busy_; });
    return last_;
}

void apply_run_policy(const FixPolicy& policy, FixRunRequest& request) {
    if (policy.run_output_limit_kib) request.output_limit = *policy.run_output_limit_kib * 1024;
    if (policy.keep_runs) request.retention.max_records = *policy.keep_runs;
    if (policy.keep_run_days)
        request.retention.max_age = std::chrono::hours(24 * *policy.keep_run_days);
}

std::vector<RunRecord> FixRunService::recover_interrupted(std::vector<std::string>* errors) const {
    return services_.audit_log().recover_interrupted(errors);
}

void FixRunService::work(FixRunRequest request, FixRunObserver& observer) {
    FixRunResult result;
    const AuditLog audit(services_.state_dir(), request.retention);
    std::optional<RunInProgress> in_progress;
    const RunRecord started = started_record(request, services_);
    try {
        // What an earlier runner left behind ends before this run starts.
        audit.recover_interrupted();
        // The run is on record before any step runs. If that cannot be written (a full disk),
        // the fix still runs (it may be what frees the space); its end is appended as usual,
        // and result.audit_error says when that fails too.
        if (auto begun = audit.begin(started)) in_progress = std::move(*begun);
    } catch (const std::exception&) {
    }
    try {
        result.record = run_fix(request, observer, started.run_id);
    } catch (const std::exception& e) {
        result.record = failed_record(started, services_.clock(), e.what());
    } catch (...) {
        result.record = failed_record(started, services_.clock(), "unknown error");
    }
    try {
        result.audit_error = audit.append(result.record).message();
    } catch (const std::exception& e) {
        result.audit_error = e.what();
    }
    in_progress.reset();
    try {
        observer.run_finished(result);
    } catch (...) {
        // The observer broke its contract; the run is over either way.
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        last_ = std::move(result);
        busy_ = false;
    }
    idle_.notify_all();
}

RunRecord FixRunService::run_fix(const FixRunRequest& request, FixRunObserver& observer,
                                 const std::string& run_id) {
    RunOptions options;
    options.run_id = run_id;
    options.output_limit = request.output_limit;
    options.lang = request.lang;
    options.assume_yes = request.confirmed;
    options.could_ask = request.could_ask;
    Engine engine = services_.engine();
    const Plan plan = engine.plan(*request.pack, *request.fix, request.site, options);
    observer.run_started(*request.fix, plan);
    PositionedObserver positioned(observer, plan);
    return engine.run(*request.pack, *request.fix, request.site, options, positioned, cancel_);
}

}  // namespace fixtray
