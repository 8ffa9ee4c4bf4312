// Shows a fix run live on a terminal: phases, each step as it starts and ends, and (verbose)
// the step output. Asks the confirmation question on the terminal.
#pragma once

#include <cstdio>

#include "engine.h"

namespace fixtray::cli {

class TerminalProgress final : public RunObserver {
public:
    // out: where progress goes (stdout, or stderr when stdout carries JSON).
    TerminalProgress(std::FILE* out, bool verbose, std::string lang);

    void phase_started(Phase phase) override;
    void step_started(const StepRecord& step) override;
    void step_output(const StepRecord& step, OutputStream stream, std::string_view chunk) override;
    void step_finished(const StepRecord& step) override;
    bool confirm(const Fix& fix, const std::string& text) override;

private:
    std::FILE* out_;
    bool verbose_;
    bool tty_;
    bool line_open_ = false;  // a "label ..." line waits for its result
    std::string lang_;
};

}  // namespace fixtray::cli
