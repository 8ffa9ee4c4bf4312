// SystemProcessRunner::run: the checks every platform makes before it starts a program.
#include "platform/process_runner.h"

#include <string>
#include <utility>

#include "base/cancel_token.h"
#include "platform/process_runner_platform.h"

namespace fixtray {

ProcessResult not_started(std::string message) {
    ProcessResult result;
    result.error = std::move(message);
    return result;
}

ProcessResult SystemProcessRunner::run(const ProcessRequest& request, const CancelToken& cancel,
                                       const OutputCallback& on_output) {
    if (request.argv.empty() || request.argv.front().empty()) {
        return not_started("no program given");
    }
    if (cancel.cancelled()) {
        ProcessResult result = not_started("cancelled before start");
        result.cancelled = true;
        return result;
    }
    const std::string& program = request.argv.front();
    const auto exe = find_program(program);
    if (!exe) {
        // "systemctl --user restart pipewire" as one argument: say how to write it.
        const auto space = program.find_first_of(" \t");
        if (space != std::string::npos && program.find_first_of("/\\") == std::string::npos)
            return not_started("program not found: " + program +
                               " (a program and its arguments in one argument? the program must "
                               "be alone in the first <arg>; put \"" +
                               program.substr(0, space) +
                               "\" and each argument in an <arg> of its own)");
        return not_started(program_not_found_message(program));
    }
    return run_found_program(request, cancel, on_output, *exe);
}

}  // namespace fixtray
