#include "app/run_view.h"

#include <algorithm>

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

RunResultView run_result_view(const RunRecord& record) {
    RunResultView v;
    v.outcome = record.outcome;
    v.detail = record.message;
    switch (record.outcome) {
        case Outcome::fixed:
            v.headline = "Fixed.";
            v.ask_did_it_help = true;
            break;
        case Outcome::nothing_to_fix:
            v.headline = "Nothing to fix: the checks found no problem.";
            v.ask_did_it_help = true;
            break;
        case Outcome::not_fixed:
            v.headline = "Not fixed.";
            v.offer_escalation = true;
            break;
        case Outcome::cancelled:
            v.headline = "Cancelled.";
            break;
        case Outcome::refused:
            v.headline = "Not run.";
            break;
        case Outcome::interrupted:
            v.headline = "Interrupted: fixtray ended before the fix finished.";
            v.offer_escalation = true;
            break;
    }
    return v;
}

std::vector<std::string> describe_plan(const Plan& plan) {
    std::vector<std::string> out;
    if (!plan.ok) {
        out.push_back("This fix would not run here: " + plan.message);
        return out;
    }
    std::optional<Phase> phase;
    bool any_admin = false;
    for (const PlannedStep& s : plan.steps) {
        if (!phase || *phase != s.phase) {
            phase = s.phase;
            switch (s.phase) {
                case Phase::check:
                    out.push_back("First it checks:");
                    break;
                case Phase::steps:
                    out.push_back("Then it:");
                    break;
                case Phase::verify:
                    out.push_back("Then it checks that it worked:");
                    break;
                case Phase::revert:
                    out.push_back("If that fails, it undoes its changes:");
                    break;
            }
        }
        std::string line = "  \u2022 " + s.label;
        if (!s.note.empty()) line += " (" + s.note + ")";
        if (s.admin) {
            line += " [administrator]";
            any_admin = true;
        }
        out.push_back(std::move(line));
    }
    if (any_admin)
        out.push_back(
            "Steps marked [administrator] need administrator rights: the system asks for "
            "approval when they start.");
    if (!plan.confirm.empty()) out.push_back("Before it starts, it asks you: " + plan.confirm);
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
