#include "terminal_progress.h"

#include <unistd.h>

#include <iostream>
#include <string>

namespace fixtray::cli {

namespace {

const char* phase_heading(Phase p) {
    switch (p) {
        case Phase::check: return "Checking whether there is a problem";
        case Phase::steps: return "Repairing";
        case Phase::verify: return "Checking that it is fixed";
        case Phase::revert: return "Undoing the changes";
    }
    return "";
}

std::string duration_text(std::chrono::milliseconds d) {
    char buf[32];
    if (d.count() < 1000)
        std::snprintf(buf, sizeof buf, "%lld ms", static_cast<long long>(d.count()));
    else
        std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(d.count()) / 1000.0);
    return buf;
}

}  // namespace

TerminalProgress::TerminalProgress(std::FILE* out, bool verbose, std::string lang)
    : out_(out), verbose_(verbose), tty_(isatty(fileno(out)) != 0), lang_(std::move(lang)) {}

void TerminalProgress::phase_started(Phase phase) {
    std::fprintf(out_, "%s...\n", phase_heading(phase));
    std::fflush(out_);
}

void TerminalProgress::step_started(const StepRecord& step) {
    std::string label = step.label;
    if (!step.item.empty() && label.find(step.item) == std::string::npos)
        label += " (" + step.item + ")";
    std::fprintf(out_, "  %s ...", label.c_str());
    if (!tty_) std::fputc('\n', out_);
    line_open_ = tty_;
    std::fflush(out_);
}

void TerminalProgress::step_output(const StepRecord&, OutputStream, std::string_view chunk) {
    if (!verbose_) return;
    if (line_open_) {
        std::fputc('\n', out_);
        line_open_ = false;
    }
    std::size_t start = 0;
    while (start < chunk.size()) {
        auto end = chunk.find('\n', start);
        if (end == std::string_view::npos) end = chunk.size();
        std::fprintf(out_, "    | %.*s\n", static_cast<int>(end - start), chunk.data() + start);
        start = end + 1;
    }
    std::fflush(out_);
}

void TerminalProgress::step_finished(const StepRecord& step) {
    const char* mark = "";
    switch (step.status) {
        case StepStatus::ok: mark = "ok"; break;
        case StepStatus::skipped: mark = "skipped"; break;
        case StepStatus::failed: mark = step.phase == Phase::check ? "problem found" : "FAILED"; break;
        case StepStatus::timed_out: mark = "TIMED OUT"; break;
        case StepStatus::cancelled: mark = "cancelled"; break;
    }
    if (!line_open_) std::fprintf(out_, "  %s:", step.label.c_str());
    std::fprintf(out_, " %s", mark);
    if (step.status != StepStatus::skipped)
        std::fprintf(out_, " (%s)", duration_text(step.duration).c_str());
    if (!step.message.empty() && step.status != StepStatus::ok)
        std::fprintf(out_, ": %s", step.message.c_str());
    else if (!step.message.empty() && step.kind != StepKind::run && step.kind != StepKind::shell)
        std::fprintf(out_, ": %s", step.message.c_str());
    std::fputc('\n', out_);
    line_open_ = false;
    std::fflush(out_);
}

bool TerminalProgress::confirm(const Fix& fix, const std::string& text) {
    if (line_open_) std::fputc('\n', out_);
    line_open_ = false;
    if (!isatty(STDIN_FILENO)) {
        std::fprintf(out_, "%s\n%s\nThis fix asks before it runs; run it again with --yes to go ahead.\n",
                     fix.title.get(lang_).c_str(), text.c_str());
        return false;
    }
    std::fprintf(out_, "%s\n%s\nGo ahead? [y/N] ", fix.title.get(lang_).c_str(), text.c_str());
    std::fflush(out_);
    std::string answer;
    if (!std::getline(std::cin, answer)) return false;
    return !answer.empty() && (answer[0] == 'y' || answer[0] == 'Y');
}

}  // namespace fixtray::cli
