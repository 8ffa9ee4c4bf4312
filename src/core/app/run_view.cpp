#include "app/run_view.h"

#include <algorithm>

#include "app/offered_fixes.h"
#include "base/i18n.h"

namespace fixtray {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

const char* to_string(StepState s) {
    switch (s) {
        case StepState::waiting:
            return "waiting";
        case StepState::running:
            return "running";
        case StepState::done:
            return "done";
        case StepState::failed:
            return "failed";
        case StepState::skipped:
            return "skipped";
        case StepState::cancelled:
            return "cancelled";
    }
    return "?";
}

namespace {

// `text` without `prefix`, when it starts with it.
bool take_prefix(std::string_view* text, std::string_view prefix) {
    if (!text->starts_with(prefix)) return false;
    text->remove_prefix(prefix.size());
    return true;
}

// `text` without `suffix`, when it ends with it and something is left before it.
bool take_suffix(std::string_view* text, std::string_view suffix) {
    if (text->size() <= suffix.size() || !text->ends_with(suffix)) return false;
    text->remove_suffix(suffix.size());
    return true;
}

// Plain sentences, in the user's language, for the engine's English messages a person can act
// on (engine.cpp, admin_step.cpp). A message is matched whole, or by a start no other message
// has, so that nothing else is taken for one of them; anything else gets a general sentence.

std::string needs_admin_sentence() {
    return tr(
        "This fix needs administrator rights, which it cannot get on this computer. Ask IT "
        "for help.");
}

std::string generic_refusal_sentence() {
    return tr(
        "The fix did not run, so nothing was changed. If you need help with the problem, "
        "ask IT.");
}

std::string not_fixed_sentence() {
    return tr(
        "The problem is still there. You can ask IT for help; what was tried goes with the "
        "request.");
}

// For a run that was not fixed because of its repair steps: the step that decided it (the
// first that failed, or when none could run, the first skipped), told in plain words when its
// message is one the employee can act on; "" otherwise.
std::string step_problem_sentence(const RunRecord& record) {
    std::string_view message = record.message;
    bool failed = false;
    if (message.starts_with("Not fixed: the step \""))
        failed = true;
    else if (!message.starts_with("Not fixed: none of the repair's steps could run on this "
                                  "machine ("))
        return {};
    const StepRecord* decided = nullptr;
    for (const StepRecord& step : record.steps) {
        if (step.phase != Phase::steps) continue;
        const bool hit =
            failed ? (step.status == StepStatus::failed || step.status == StepStatus::timed_out) &&
                         !step.continue_on_error
                   : step.status == StepStatus::skipped;
        if (hit) {
            decided = &step;
            break;
        }
    }
    if (!decided) return {};
    std::string_view why = decided->message;
    if (!failed) {
        if (take_suffix(&why, " is running; close it and run the fix again"))
            // TRANSLATORS: %s is a program's name ("firefox").
            return trf(
                "The fix could not do its work while %s is running. Close it and run the "
                "fix again.",
                {why});
        if (take_suffix(&why, " is not installed"))
            // TRANSLATORS: %s is a program's name ("nmcli").
            return trf(
                "The fix could not do its work because %s is not installed on this "
                "computer. You can ask IT for help; what was tried goes with the request.",
                {why});
        return {};
    }
    if (why == "needs administrator rights")
        return tr(
            "A step of this fix needs administrator rights, which it cannot get on this "
            "computer. You can ask IT for help; what was tried goes with the request.");
    if (why == "administrator approval was refused or cancelled")
        return tr(
            "The fix needed administrator approval, and it was not given. Run the fix "
            "again and approve it when the system asks, or ask IT for help.");
    if (why == "not allowed to get administrator rights for this step")
        return tr(
            "Your account may not give this fix administrator rights. You can ask IT for "
            "help; what was tried goes with the request.");
    return {};
}

std::string refused_detail(const RunRecord& record) {
    if (std::string s = refusal_sentence(record.message); !s.empty()) return s;
    switch (record.refusal) {
        case Refusal::needs_admin:
            return needs_admin_sentence();
        case Refusal::not_applicable:
            return tr("This fix does not apply to this computer, so nothing was changed.");
        case Refusal::declined:
        case Refusal::invalid_input:
        case Refusal::none:
            break;
    }
    return generic_refusal_sentence();
}

}  // namespace

std::string refusal_sentence(std::string_view message) {
    std::string_view why = message;
    if (!take_prefix(&why, "Not run: ") && !take_prefix(&why, "Would not run: ")) return {};
    if (why.starts_with("this fix needs administrator rights.")) return needs_admin_sentence();
    if (why == "you chose not to go ahead.")
        return tr("You chose not to run this fix, so nothing was changed.");
    if (why.starts_with("this fix asks before it runs, and nobody could be asked"))
        return tr(
            "This fix asks before it runs, and there was nobody to answer, so nothing was "
            "changed.");
    if (why.starts_with("the site configuration does not set "))
        return tr(
            "This fix needs a setting that IT has not made on this computer yet. Ask IT for "
            "help.");
    if (why.starts_with("this fix was listed without its steps"))
        return tr(
            "Something went wrong while the fix was being prepared. Try again; if it "
            "happens again, ask IT for help.");
    return not_applicable_sentence(why);
}

RunResultView run_result_view(const RunRecord& record) {
    RunResultView v;
    v.outcome = record.outcome;
    v.technical = record.message;
    switch (record.outcome) {
        case Outcome::fixed:
            // TRANSLATORS: the headline of a fix's result.
            v.headline = tr("Fixed.");
            v.detail =
                tr("The repair ran and the problem should be gone now. If it comes back, "
                   "you can run this fix again.");
            v.ask_did_it_help = true;
            break;
        case Outcome::nothing_to_fix:
            v.headline = tr("Nothing to fix: the checks found no problem.");
            v.detail =
                tr("Nothing was changed. If something still does not work, it may be "
                   "another problem: you can ask IT for help.");
            v.ask_did_it_help = true;
            break;
        case Outcome::not_fixed:
            // TRANSLATORS: the headline of a fix's result.
            v.headline = tr("Not fixed.");
            v.detail = step_problem_sentence(record);
            if (v.detail.empty()) v.detail = not_fixed_sentence();
            v.offer_escalation = true;
            break;
        case Outcome::cancelled:
            // TRANSLATORS: the headline of a fix's result: the fix was stopped.
            v.headline = tr("Cancelled.");
            v.detail =
                tr("The fix was stopped before it finished. You can run it again when you "
                   "are ready.");
            break;
        case Outcome::refused:
            // TRANSLATORS: the headline of a fix's result: the fix did not start.
            v.headline = tr("Not run.");
            v.detail = refused_detail(record);
            break;
        case Outcome::interrupted:
            v.headline = tr("Interrupted: fixtray ended before the fix finished.");
            v.detail =
                tr("The fix may have changed some things before it stopped. You can run it "
                   "again, or ask IT for help; what was done goes with the request.");
            v.offer_escalation = true;
            break;
    }
    return v;
}

namespace {

// One part of a planned step's note (engine.cpp Engine::plan joins them with "; ") in the
// user's language; "" for a part it does not know.
std::string note_part(std::string_view part) {
    std::string_view v = part;
    if (take_prefix(&v, "skipped if ") && take_suffix(&v, " is not installed"))
        // TRANSLATORS: a note after a planned step; %s is a program's name ("nmcli").
        return trf("skipped if %s is not installed", {v});
    v = part;
    if (take_prefix(&v, "skipped while ") && take_suffix(&v, " runs"))
        // TRANSLATORS: a note after a planned step; %s names programs ("firefox, thunderbird").
        return trf("skipped while %s runs", {v});
    if (part == "a failure does not stop the fix")
        // TRANSLATORS: a note after a planned step.
        return tr("a failure does not stop the fix");
    return {};
}

// The note in the user's language: its known parts translated, the others as the engine wrote
// them.
std::string plan_note(const std::string& note) {
    std::string out;
    std::size_t start = 0;
    while (start <= note.size()) {
        std::size_t end = note.find("; ", start);
        if (end == std::string::npos) end = note.size();
        const std::string_view part = std::string_view(note).substr(start, end - start);
        std::string said = note_part(part);
        if (!out.empty()) out += "; ";
        out += said.empty() ? std::string(part) : said;
        start = end + 2;
    }
    return out;
}

}  // namespace

std::vector<std::string> describe_plan(const Plan& plan) {
    std::vector<std::string> out;
    if (!plan.ok) {
        if (std::string s = refusal_sentence(plan.message); !s.empty()) {
            out.push_back(std::move(s));
            return out;
        }
        std::string_view why = plan.message;
        take_prefix(&why, "Would not run: ");
        // TRANSLATORS: %s is why, as fixtray's engine says it (English, technical).
        out.push_back(trf("This fix would not run here: %s", {why}));
        return out;
    }
    // TRANSLATORS: marks a planned step that runs with administrator rights; the same mark
    // is named in "Steps marked %s need administrator rights...".
    const char* admin_mark = tr("[administrator]");
    std::optional<Phase> phase;
    bool any_admin = false;
    for (const PlannedStep& s : plan.steps) {
        if (!phase || *phase != s.phase) {
            phase = s.phase;
            switch (s.phase) {
                case Phase::check:
                    // TRANSLATORS: this and the next three head the steps of a fix by phase in
                    // "What will this do?".
                    out.push_back(tr("First it checks:"));
                    break;
                case Phase::steps:
                    out.push_back(tr("Then it:"));
                    break;
                case Phase::verify:
                    out.push_back(tr("Then it checks that it worked:"));
                    break;
                case Phase::revert:
                    out.push_back(tr("If that fails, it undoes its changes:"));
                    break;
            }
        }
        std::string line = "  \u2022 " + s.label;
        if (!s.note.empty()) line += " (" + plan_note(s.note) + ")";
        if (s.admin) {
            line += " ";
            line += admin_mark;
            any_admin = true;
        }
        out.push_back(std::move(line));
    }
    if (any_admin)
        out.push_back(
            // TRANSLATORS: %s is the mark "[administrator]" as translated.
            trf("Steps marked %s need administrator rights: the system asks for "
                "approval when they start.",
                {admin_mark}));
    if (!plan.confirm.empty())
        // TRANSLATORS: %s is the fix's own question, from its pack.
        out.push_back(trf("Before it starts, it asks you: %s", {plan.confirm}));
    return out;
}

int RunView::row_for(const StepPosition& pos, const StepRecord& step) {
    int last_of_phase = -1, seen = 0;
    for (std::size_t i = 0; i < rows_.size(); ++i) {
        if (rows_[i].phase != pos.phase) continue;
        last_of_phase = static_cast<int>(i);
        if (++seen == pos.number) return static_cast<int>(i);
    }
    // Not planned (a foreach item, a revert step): a new row after the phase's last one, or
    // after the rows of the phases before it.
    RunViewRow row;
    row.phase = pos.phase;
    row.number = pos.number;
    row.label = step.label;
    row.admin = step.admin;
    std::size_t at = 0;
    if (last_of_phase >= 0) {
        at = static_cast<std::size_t>(last_of_phase) + 1;
    } else {
        while (at < rows_.size() && rows_[at].phase < pos.phase) ++at;
    }
    rows_.insert(rows_.begin() + static_cast<std::ptrdiff_t>(at), std::move(row));
    if (running_ >= static_cast<int>(at)) ++running_;
    return static_cast<int>(at);
}

void RunView::started(std::string title, const Plan& plan, Clock::time_point now) {
    *this = RunView();
    title_ = std::move(title);
    started_ = true;
    start_ = now;
    for (const PlannedStep& s : plan.steps) {
        if (s.phase == Phase::revert) continue;
        RunViewRow row;
        row.phase = s.phase;
        row.label = s.label;
        row.admin = s.admin;
        rows_.push_back(std::move(row));
    }
    std::stable_sort(rows_.begin(), rows_.end(),
                     [](const RunViewRow& a, const RunViewRow& b) { return a.phase < b.phase; });
    int n = 0;
    std::optional<Phase> phase;
    for (auto& r : rows_) {
        if (!phase || *phase != r.phase) n = 0;
        phase = r.phase;
        r.number = ++n;
    }
}

void RunView::step_started(const StepPosition& pos, const StepRecord& step, Clock::time_point now) {
    const int i = row_for(pos, step);
    RunViewRow& row = rows_[static_cast<std::size_t>(i)];
    row.label = step.item.empty() ? step.label : step.label + " (" + step.item + ")";
    row.admin = step.admin;
    row.state = StepState::running;
    row.elapsed = milliseconds(0);
    running_ = i;
    step_start_ = now;
    tick(now);
}

void RunView::step_output(const StepPosition& pos, std::string_view text) {
    if (running_ < 0) return;
    RunViewRow& row = rows_[static_cast<std::size_t>(running_)];
    if (row.phase != pos.phase || row.number != pos.number) return;
    row.output.append(text);
    if (row.output.size() > kOutputLimit) {
        row.output.erase(0, row.output.size() - kOutputLimit);
        row.output_truncated = true;
    }
}

void RunView::step_finished(const StepPosition& pos, const StepRecord& step) {
    const int i = row_for(pos, step);
    RunViewRow& row = rows_[static_cast<std::size_t>(i)];
    switch (step.status) {
        case StepStatus::ok:
            row.state = StepState::done;
            break;
        case StepStatus::skipped:
            row.state = StepState::skipped;
            break;
        case StepStatus::failed:
        case StepStatus::timed_out:
            row.state = StepState::failed;
            break;
        case StepStatus::cancelled:
            row.state = StepState::cancelled;
            break;
    }
    row.elapsed = step.duration;
    row.message = step.message;
    if (running_ == i) running_ = -1;
}

void RunView::finished(const RunRecord& record, Clock::time_point now) {
    tick(now);
    for (auto& r : rows_)
        if (r.state == StepState::waiting || r.state == StepState::running)
            r.state = StepState::skipped;
    running_ = -1;
    record_ = record;
    result_ = run_result_view(record);
}

void RunView::tick(Clock::time_point now) {
    if (!started_ || result_) return;
    elapsed_ = duration_cast<milliseconds>(now - start_);
    if (running_ >= 0)
        rows_[static_cast<std::size_t>(running_)].elapsed =
            duration_cast<milliseconds>(now - step_start_);
}

std::size_t RunView::steps_finished() const {
    return static_cast<std::size_t>(std::count_if(rows_.begin(), rows_.end(), [](const auto& r) {
        return r.state == StepState::done || r.state == StepState::failed ||
               r.state == StepState::skipped || r.state == StepState::cancelled;
    }));
}

}  // namespace fixtray
