// What a front end shows while a fix runs and after it (the tray's run view): one row per step
// with its live state and elapsed time, progress over the steps, each step's output, and the
// result in plain language with what to offer next. Fed from FixRunObserver events that the
// front end copied to its UI thread; plain values, no threads, no clock of its own.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/fix_run_service.h"
#include "engine/engine.h"
#include "engine/run_record.h"

namespace fixtray {

enum class StepState { waiting, running, done, failed, skipped, cancelled };
// "waiting", "running", "done", "failed", "skipped", "cancelled", in English whatever the
// user's language (tests, logs). The tray's step list says them in the user's language with
// its own words (src/fixtray/texts.cpp step_state_words).
const char* to_string(StepState s);

struct RunViewRow {
    Phase phase = Phase::steps;
    int number = 0;  // 1-based within its phase (StepPosition::number)
    std::string label;
    bool admin = false;
    StepState state = StepState::waiting;
    std::chrono::milliseconds elapsed{0};
    std::string message;  // the step's one-line result, once it finished
    std::string output;   // what it printed (stdout and stderr as they came), the last 64 KiB
    bool output_truncated = false;
};

// The result in plain language and what to offer next. headline and detail are in the user's
// language; technical is the record's English message.
struct RunResultView {
    Outcome outcome = Outcome::not_fixed;
    std::string headline;  // "Fixed.", "Not fixed.", "Nothing to fix.", "Cancelled.", "Not run."
    // What happened and what the employee can do next, in plain words in the user's language:
    // "The problem is still there. You can ask IT for help; what was tried goes with the
    // request." A refusal the employee can act on says so ("This fix needs administrator
    // rights, ..."), as does a repair that could not work while a program runs.
    std::string detail;
    // The run's own message (for a refusal: the reason), as recorded and sent to IT: English,
    // technical ("Checking the printer: exited with code 1"). Front ends show it as technical
    // details, apart from the plain-language text.
    std::string technical;
    bool ask_did_it_help = false;   // fixed / nothing to fix: "Did that help?" Yes / No
    bool offer_escalation = false;  // not fixed: the escalation dialog comes next
};

RunResultView run_result_view(const RunRecord& record);

// A refusal's reason as one plain sentence in the user's language, for the engine's
// well-known reasons a person can act on: `message` is a refused run's message ("Not run: this
// fix needs administrator rights. ...") or a plan's ("Would not run: ..."). "" for any other
// message (show the message itself then).
std::string refusal_sentence(std::string_view message);

// Plain-words description of a plan for "What will this do?", in the user's language: one
// line per step, grouped under "First it checks:", "Then it:", "Then it checks that it
// worked:", "If that fails, it undoes its changes:"; admin steps say that the system asks for
// administrator approval. A plan that would not run says why instead (refusal_sentence(), else
// "This fix would not run here: " and the plan's reason). Step labels come from the pack, in
// the plan's language; a note the engine wrote that this does not know stays English.
std::vector<std::string> describe_plan(const Plan& plan);

class RunView {
public:
    static constexpr std::size_t kOutputLimit = 64 * 1024;
    using Clock = std::chrono::steady_clock;

    // run_started: the planned steps, all waiting (revert steps appear only if they run).
    void started(std::string title, const Plan& plan, Clock::time_point now);
    void step_started(const StepPosition& pos, const StepRecord& step, Clock::time_point now);
    void step_output(const StepPosition& pos, std::string_view text);
    void step_finished(const StepPosition& pos, const StepRecord& step);
    // run_finished: steps that never ran are skipped; the result is set.
    void finished(const RunRecord& record, Clock::time_point now);
    // Updates the running step's elapsed time (from a UI timer).
    void tick(Clock::time_point now);

    const std::string& title() const { return title_; }
    const std::vector<RunViewRow>& rows() const { return rows_; }
    // The row of the running step, or -1.
    int running_row() const { return running_; }
    bool running() const { return started_ && !result_; }
    // Progress over the steps: rows finished (done, failed, skipped, cancelled) of all rows.
    std::size_t steps_finished() const;
    std::size_t steps_total() const { return rows_.size(); }
    std::chrono::milliseconds elapsed() const { return elapsed_; }
    const std::optional<RunResultView>& result() const { return result_; }
    // The record of the finished run (for the escalation dialog), or nullptr.
    const RunRecord* record() const { return record_ ? &*record_ : nullptr; }

private:
    int row_for(const StepPosition& pos, const StepRecord& step);

    std::string title_;
    std::vector<RunViewRow> rows_;
    int running_ = -1;
    bool started_ = false;
    Clock::time_point start_, step_start_;
    std::chrono::milliseconds elapsed_{0};
    std::optional<RunResultView> result_;
    std::optional<RunRecord> record_;
};

}  // namespace fixtray
