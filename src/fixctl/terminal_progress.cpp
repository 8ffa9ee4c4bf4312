#include "terminal_progress.h"

#include <unistd.h>

#include <iostream>

#include "app/language.h"
#include "base/i18n.h"
#include "base/visible_text.h"

namespace fixtray::cli {

namespace {

const char* phase_heading(Phase p) {
    switch (p) {
        case Phase::check:
            // TRANSLATORS: `fixctl run`, the heading of each part of a fix run; "..." follows it.
            return tr("Checking whether there is a problem");
        case Phase::steps:
            return tr("Repairing");
        case Phase::verify:
            return tr("Checking that it is fixed");
        case Phase::revert:
            return tr("Undoing the changes");
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

std::string step_label(const StepRecord& step) {
    std::string label = step.label;
    if (!step.item.empty() && label.find(step.item) == std::string::npos)
        label += " (" + step.item + ")";
    return visible_text(label, false);
}

// A line longer than this is printed in parts.
constexpr std::size_t kMaxPartialLine = 4096;

}  // namespace

TerminalProgress::TerminalProgress(std::FILE* out, bool verbose, std::string lang)
    : out_(out), verbose_(verbose), tty_(isatty(fileno(out)) != 0), lang_(std::move(lang)) {
    ticker_ = std::thread([this] { tick(); });
}

TerminalProgress::~TerminalProgress() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (ticker_.joinable()) ticker_.join();
}

void TerminalProgress::tick() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, std::chrono::seconds(1));
        if (running_ && !stopping_) draw_running_line();
    }
}

void TerminalProgress::draw_running_line() {
    const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::steady_clock::now() - running_since_);
    if (!tty_) {
        // A log or a pipe gets one line per step, plus one for a step that takes a while.
        if (elapsed.count() >= 2 && !announced_) {
            // TRANSLATORS: `fixctl run` in a log: a step that takes a while; %s is its label.
            std::fprintf(out_, "  %s\n", trf("%s ... (running)", {running_label_}).c_str());
            std::fflush(out_);
            announced_ = true;
        }
        return;
    }
    if (elapsed.count() >= 1)
        std::fprintf(out_, "\r\033[K  %s ... %lld s", running_label_.c_str(),
                     static_cast<long long>(elapsed.count()));
    else
        std::fprintf(out_, "\r\033[K  %s ...", running_label_.c_str());
    std::fflush(out_);
}

void TerminalProgress::phase_started(Phase phase, int) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::fprintf(out_, "%s...\n", phase_heading(phase));
    std::fflush(out_);
}

void TerminalProgress::step_started(const StepPosition&, const StepRecord& step) {
    std::lock_guard<std::mutex> lock(mutex_);
    running_label_ = step_label(step);
    running_since_ = std::chrono::steady_clock::now();
    running_ = true;
    announced_ = false;
    draw_running_line();
}

void TerminalProgress::output_line(std::string_view line) {
    const std::string shown = visible_text(line, false);
    std::fprintf(out_, "    | %s\n", shown.c_str());
}

void TerminalProgress::flush_partial_lines() {
    for (std::string& partial : partial_) {
        if (!partial.empty()) output_line(partial);
        partial.clear();
    }
}

void TerminalProgress::step_output(const StepPosition&, const StepRecord&, OutputStream stream,
                                   std::string_view chunk) {
    if (!verbose_) return;
    std::lock_guard<std::mutex> lock(mutex_);
    if (running_ && tty_) std::fputs("\r\033[K", out_);
    std::string& partial = partial_[stream == OutputStream::err ? 1 : 0];
    std::size_t start = 0;
    while (start < chunk.size()) {
        const auto end = chunk.find('\n', start);
        if (end == std::string_view::npos) {
            partial.append(chunk.substr(start));
            if (partial.size() > kMaxPartialLine) {
                output_line(partial);
                partial.clear();
            }
            break;
        }
        partial.append(chunk.substr(start, end - start));
        output_line(partial);
        partial.clear();
        start = end + 1;
    }
    if (running_ && tty_) draw_running_line();
    std::fflush(out_);
}

void TerminalProgress::step_finished(const StepPosition&, const StepRecord& step) {
    const char* mark = "";
    switch (step.status) {
        case StepStatus::ok:
            // TRANSLATORS: `fixctl run`, how a step ended, after its label: "Restart the print
            // service: ok (1.2 s)". "problem found" is a check that failed: something to repair.
            mark = tr("ok");
            break;
        case StepStatus::skipped:
            mark = tr("skipped");
            break;
        case StepStatus::failed:
            mark = step.phase == Phase::check ? tr("problem found") : tr("FAILED");
            break;
        case StepStatus::timed_out:
            mark = tr("TIMED OUT");
            break;
        case StepStatus::cancelled:
            mark = tr("cancelled");
            break;
    }
    std::string line = "  " + step_label(step) + ": " + mark;
    if (step.status != StepStatus::skipped) line += " (" + duration_text(step.duration) + ")";
    const bool builtin = step.kind != StepKind::run && step.kind != StepKind::shell;
    if (!step.message.empty() && (step.status != StepStatus::ok || builtin))
        line += ": " + visible_text(step.message, false);
    std::lock_guard<std::mutex> lock(mutex_);
    if (running_ && tty_) std::fputs("\r\033[K", out_);
    running_ = false;
    flush_partial_lines();
    std::fprintf(out_, "%s\n", line.c_str());
    std::fflush(out_);
}

bool TerminalProgress::can_ask() const {
    return isatty(STDIN_FILENO) != 0;
}

bool TerminalProgress::ask(const std::string& text, const std::string& text_language) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (running_ && tty_) std::fputs("\r\033[K", out_);
        running_ = false;
    }
    if (!can_ask()) return false;  // the caller checks can_ask() first and says why
    const GoAheadQuestion question = go_ahead_question(text_language);
    std::fprintf(out_, "%s\n%s", visible_text(text).c_str(), question.prompt.c_str());
    std::fflush(out_);
    std::string answer;
    if (!std::getline(std::cin, answer)) return false;
    return question.accepts(answer);
}

}  // namespace fixtray::cli
