// What SystemProcessRunner (process_runner.cpp) hands to the platform: one implementation in
// posix/system_process_runner.cpp (Boost.Process, process groups) and one in
// win32/system_process_runner.cpp (CreateProcessW, job objects). Internal to the core.
#pragma once

#include <string>

#include "platform/process_runner.h"

namespace fixtray {

// A result for a program that never started, with `message` for a person.
ProcessResult not_started(std::string message);

// Runs the program `exe` (argv[0] of `request` as find_program() found it) under the contract of
// ProcessRunner; the request is not empty and the token had not fired.
ProcessResult run_found_program(const ProcessRequest& request, const CancelToken& cancel,
                                const OutputCallback& on_output, const std::string& exe);

}  // namespace fixtray
