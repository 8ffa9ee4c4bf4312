// Shows a fix run live on a terminal: phases, each step as it starts and ends, and (verbose)
// the step output. On a TTY the running step's line shows the elapsed time, updated every
// second; elsewhere (a log, a pipe) each step gets one result line, plus a "(running)" line
// when it takes more than two seconds. Asks the confirmation question on the terminal.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

#include "engine/engine.h"

namespace fixtray::cli {

// Thread-safe: the engine calls it on the run thread; a ticker thread redraws the line.
class TerminalProgress final : public RunObserver {
public:
    // out: where progress goes (stdout, or stderr when stdout carries JSON).
    TerminalProgress(std::FILE* out, bool verbose, std::string lang);
    ~TerminalProgress() override;
    TerminalProgress(const TerminalProgress&) = delete;
    TerminalProgress& operator=(const TerminalProgress&) = delete;

    void phase_started(Phase phase) override;
    void step_started(const StepRecord& step) override;
    void step_output(const StepRecord& step, OutputStream stream, std::string_view chunk) override;
    void step_finished(const StepRecord& step) override;
    bool confirm(const Fix& fix, const std::string& text) override;

private:
    void tick();
    void draw_running_line();  // requires mutex_

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
    std::chrono::steady_clock::time_point running_since_;
    std::thread ticker_;
};

}  // namespace fixtray::cli
