// Shows a fix run live on a terminal: phases, each step as it starts and ends, and (verbose)
// the step output. Whatever comes from a step or a pack (output, labels, items, messages) is
// shown with its control characters made visible (base/visible_text.h): a step cannot move
// the cursor, clear the screen, set the title or overwrite a line. On a TTY the running step's line
// shows the elapsed time, updated every second; elsewhere (a log, a pipe) each step gets one result
// line, plus a "(running)" line when it takes more than two seconds. Asks the confirmation question
// on the terminal, before the run starts.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

#include "app/fix_run_service.h"

namespace fixtray::cli {

// Thread-safe: the service calls it on its worker thread; a ticker thread redraws the line.
class TerminalProgress final : public FixRunObserver {
public:
    // out: where progress goes (stdout, or stderr when stdout carries JSON).
    TerminalProgress(std::FILE* out, bool verbose, std::string lang);
    ~TerminalProgress() override;
    TerminalProgress(const TerminalProgress&) = delete;
    TerminalProgress& operator=(const TerminalProgress&) = delete;

    // Whether someone can answer a question: stdin is a terminal.
    bool can_ask() const;
    // The fix's confirmation text, asked before the run; false without a terminal (check
    // can_ask() first) or when the answer is not yes.
    // The question and the accepted answers follow text_language, the tag of the text (see
    // app/language.h go_ahead_question).
    bool ask(const std::string& text, const std::string& text_language);

    void phase_started(Phase phase, int total) override;
    void step_started(const StepPosition& at, const StepRecord& step) override;
    void step_output(const StepPosition& at, const StepRecord& step, OutputStream stream,
                     std::string_view chunk) override;
    void step_finished(const StepPosition& at, const StepRecord& step) override;

private:
    void tick();
    void draw_running_line();  // requires mutex_
    // Prints one line of a step's output, its controls made visible. Requires mutex_.
    void output_line(std::string_view line);
    // Prints what is left of a line without its newline yet (the step ended). Requires mutex_.
    void flush_partial_lines();

    std::FILE* out_;
    bool verbose_;
    bool tty_;
    std::string lang_;

    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    bool running_ = false;    // a step runs and waits for its result line
    bool announced_ = false;  // not a TTY: its "... (running)" line was printed
    std::string running_label_;
    // Verbose: the output of each stream (out, err) since its last newline, printed when the
    // line is complete (so that a character split between two reads is shown whole), when
    // it grows past kMaxPartialLine or when the step ends.
    std::string partial_[2];
    std::chrono::steady_clock::time_point running_since_;
    std::thread ticker_;
};

}  // namespace fixtray::cli
