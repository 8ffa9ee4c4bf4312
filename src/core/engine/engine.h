// The fix engine: applicability, confirmation, check, steps, verify, revert; one RunRecord.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "engine/run_record.h"
#include "packs/fix_pack.h"
#include "packs/site_config.h"
#include "packs/variables.h"
#include "platform/process_runner.h"

namespace fixtray {

class AdminStepRunner;
class CancelToken;
class Clock;
class HttpClient;
struct UserEnvironment;

// Progress events, called on the thread that runs the fix, in order. A front end that shows
// them elsewhere (the tray) marshals them onto its own thread. Implementations must not
// throw and should return quickly.
class RunObserver {
public:
    virtual ~RunObserver() = default;
    virtual void phase_started(Phase) {}
    virtual void step_started(const StepRecord&) {}
    virtual void step_output(const StepRecord&, OutputStream, std::string_view) {}
    virtual void step_finished(const StepRecord&) {}
    virtual void run_finished(const RunRecord&) {}
};

// The default RunOptions::output_limit: 1 MiB.
inline constexpr std::size_t kRunOutputLimit = 1024 * 1024;

struct RunOptions {
    // The employee agreed to the fix's confirmation text (Plan::confirm, asked by the front end
    // before the run starts), or the caller runs it unasked (--yes). Without it a fix that
    // asks first ends refused (declined) before any step runs: the engine never asks.
    bool assume_yes = false;
    // False: nobody could be asked (no terminal, a scheduled task). A fix that asks first is then
    // refused saying so, not "you chose not to go ahead".
    bool could_ask = true;
    std::string lang;  // for titles and confirmation texts, e.g. "de_DE.UTF-8"
    // The run's id (a UUID), when the caller recorded the run's start under it
    // (AuditLog::begin); empty: the engine makes one. Every process a step starts carries it as
    // FIXTRAY_RUN=<id> in its environment, which is how the processes of a run whose runner was
    // killed are found and ended later.
    std::string run_id;
    // How much of the steps' output the run's record keeps, all steps together (stdout and
    // stderr, head and tail of each). A step keeps at most 64 KiB per stream while the budget
    // lasts and 4 KiB per stream after it; the rest is counted, not kept. Matching and capture
    // see every byte whatever is kept.
    std::size_t output_limit = kRunOutputLimit;
};

// One line of a dry-run plan.
struct PlannedStep {
    Phase phase = Phase::steps;
    int index = 0;
    std::string label;
    StepKind kind = StepKind::run;
    std::vector<std::string> argv;  // expanded; built-ins: kind + arguments
    std::string note;               // "for each printer in printers: 2 items", skip conditions
    bool admin = false;
};

struct Plan {
    bool ok = false;
    Refusal refusal = Refusal::none;
    std::string message;  // why the fix would not run, when !ok
    std::string confirm;  // the confirmation text that would be asked
    // The language tag of `confirm` ("de"; "" for the untagged text): ask the question around
    // it in that language (app/language.h go_ahead_question).
    std::string confirm_lang;
    std::vector<PlannedStep> steps;
};

// The variables a fix of this pack sees: the built-ins of `env`, the pack's params with their
// site values or defaults (a list param with default="" is an empty list). Missing site values
// are listed in *missing: with `fix`, only those the fix refers to (a value no step of it uses
// blocks nothing).
Variables fix_variables(const FixPack& pack, const SiteConfig& site, const UserEnvironment& env,
                        std::vector<std::string>* missing, const Fix* fix = nullptr);

// Why the fix does not apply on this machine (its platforms, its <when> conditions with the
// built-ins, the pack's params and site values expanded), or "" when it applies. What
// `fixctl list` filters on, and what Engine::run() and plan() refuse as not_applicable.
std::string applicability_problem(const FixPack& pack, const Fix& fix, const SiteConfig& site,
                                  const UserEnvironment& env);

class Engine {
public:
    // admin: runs steps marked admin when this process has no admin rights (may be null: such
    // fixes are then refused).
    Engine(ProcessRunner& runner, HttpClient& http, Clock& clock, const UserEnvironment& env,
           AdminStepRunner* admin = nullptr);

    // Runs the fix. Never throws for failures of the fix; returns the complete record (also
    // given to observer.run_finished). Cancel from any thread through `cancel`. A fix cancelled
    // once its repair steps began has its revert steps run, as after a failure (the outcome
    // stays cancelled, the message says whether the changes were undone); the next cancel
    // request ends the undo, and so does a limit of two minutes.
    RunRecord run(const FixPack& pack, const Fix& fix, const SiteConfig& site,
                  const RunOptions& options, RunObserver& observer, const CancelToken& cancel);

    // The exact plan with variables expanded; runs nothing and changes nothing.
    Plan plan(const FixPack& pack, const Fix& fix, const SiteConfig& site,
              const RunOptions& options) const;

    // The admin helper's side: runs the one step a request names, after checking it against the
    // trusted pack and site config: the step must exist and be marked admin, and a foreach
    // item must be one that the trusted lists yield (lists captured by earlier steps are
    // captured again here). Fails, saying why, when the request does not hold.
    Result<StepRecord> run_trusted_step(const FixPack& pack, const Fix& fix, const SiteConfig& site,
                                        Phase phase, int index, const std::string& item,
                                        const CancelToken& cancel);

    // The variables a fix of this pack sees (fix_variables with this engine's user).
    Variables variables_for(const FixPack& pack, const SiteConfig& site,
                            std::vector<std::string>* missing, const Fix* fix = nullptr) const {
        return fix_variables(pack, site, env_, missing, fix);
    }

private:
    struct Context;
    bool run_phase(Context& ctx, Phase phase, const std::vector<Step>& steps);
    void run_one(Context& ctx, const Step& step, StepRecord& record);

    std::vector<const ListItem*> foreach_items(const Variables& vars, const Step& step) const;

    ProcessRunner& runner_;
    HttpClient& http_;
    Clock& clock_;
    const UserEnvironment& env_;
    AdminStepRunner* admin_;
};

// A short label for a step when the pack gives none: "Run resolvectl flush-caches".
std::string default_label(const Step& step);

}  // namespace fixtray
