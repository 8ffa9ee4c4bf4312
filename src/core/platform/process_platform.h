// Finding and ending processes by name: the primitives end_process.cpp (end_process,
// process_running) is built on. One implementation per platform: posix/process_platform.cpp
// (/proc, pidfds, signals), win32/process_platform.cpp (Toolhelp32, WM_CLOSE, TerminateProcess).
// Internal to the core.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace fixtray::process_platform {

// A process chosen to be ended, held in a way that never hits another process that got its
// pid later (a pidfd or start-time check; an open process handle).
class Process {
public:
    virtual ~Process() = default;
    virtual long pid() const = 0;
    // False once it has exited (zombies count as exited).
    virtual bool running() const = 0;
    // The polite request to end (SIGTERM; WM_CLOSE to its top-level windows). Ok when sent (or
    // the process is already gone), else why not, in the platform's words.
    virtual Status ask_to_end() = 0;
    // The forced end (SIGKILL; TerminateProcess). Ok when done, else why not.
    virtual Status force_end() = 0;
};

// Ok when `name` is a plain process name here, else the message for a person.
Status check_name(const std::string& name);

// The running processes called `name` (a name check_name() accepted), only the current user's
// (or `owner`'s, a uid: the admin helper asks for its caller's) unless any_user. Never the init
// / system processes nor fixtray itself. Windows has no uid: owner is not used there.
std::vector<std::unique_ptr<Process>> find_processes(const std::string& name, bool any_user,
                                                     std::optional<unsigned> owner = {});

// The processes (but this one) whose environment holds `entry` ("NAME=VALUE") as a whole
// entry: what a step's processes inherit (FIXTRAY_STEP=..., FIXTRAY_RUN=<run id>), wherever
// they went (setsid, a double fork). A process of another user, or one that cleared its
// environment, is not seen. Windows: always empty (another process's environment cannot be
// read there; a job object per run would be the way, and is not built).
// With newer_than (a pid): only processes started after that one, by the order in which pids
// are handed out (wrap-around included), which spares reading every process's environment.
std::vector<long> processes_with_environment_entry(const std::string& entry, long newer_than = 0);
// SIGKILL (TerminateProcess) to each of processes_with_environment_entry(entry); how many.
std::size_t force_end_with_environment_entry(const std::string& entry);

// How messages call a forced end: "killed" (POSIX), "terminated" (Windows).
extern const char* const forced_end_word;

}  // namespace fixtray::process_platform
