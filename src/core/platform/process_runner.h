// Running a program for a fix step: the one seam between the engine and real processes.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fixtray {

class CancelToken;

struct ProcessRequest {
    std::vector<std::string> argv;  // argv[0] is looked up on PATH unless it contains a '/'
    std::chrono::milliseconds timeout{60'000};
    std::chrono::milliseconds kill_grace{2'000};   // SIGTERM -> SIGKILL of the whole group
    std::size_t output_cap = 64 * 1024;            // bytes kept per stream (head and tail)
    std::map<std::string, std::string> extra_env;  // added to the inherited environment
    std::string working_dir;                       // empty: inherit
    // After the program exits normally, what it started and left running is ended (SIGTERM,
    // kill_grace, SIGKILL) unless detach; with detach it is left alone, and output it still
    // holds open is read for a moment more.
    bool detach = false;
    // Run the program as this user (uid, with the account's primary group and no others)
    // rather than as ourselves: the admin helper (root) runs a step its pack does not mark
    // admin with its caller's rights. POSIX only; empty: as ourselves.
    std::optional<unsigned> run_as_uid;
};

enum class OutputStream { out, err };

struct ProcessResult {
    bool started = false;    // false: the program could not be started (see error)
    std::string error;       // human message when !started, e.g. "program not found: nmcli"
    int exit_code = -1;      // valid when exited normally
    int term_signal = 0;     // signal that ended the direct child, 0 if none
    bool timed_out = false;  // the deadline passed and the group was ended
    bool killed = false;     // SIGKILL was needed (ignored SIGTERM)
    bool cancelled = false;  // ended because the CancelToken fired
    int left_running = 0;    // processes it left running after a normal exit, then ended
    std::chrono::milliseconds duration{0};
    std::string out;  // bounded: head + "\n[... N bytes omitted ...]\n" + tail
    std::string err;
    std::size_t out_bytes = 0;  // total bytes produced
    std::size_t err_bytes = 0;
    bool out_truncated = false;
    bool err_truncated = false;

    bool exited() const { return started && term_signal == 0 && !timed_out && !cancelled; }
};

// Called on the running thread with chunks of output as they arrive (unbounded stream; the
// callee decides what to keep). May be empty.
using OutputCallback = std::function<void(OutputStream, std::string_view)>;

// Contract for implementations: the child runs in its own process group with stdin closed
// and no inherited descriptors besides stdio; stdout and stderr are drained concurrently so
// large output never deadlocks; on timeout or cancel the whole group (grandchildren too) gets
// SIGTERM, then SIGKILL after kill_grace. run() blocks the calling thread; several threads may
// call run() at once on one runner.
class ProcessRunner {
public:
    virtual ~ProcessRunner() = default;
    virtual ProcessResult run(const ProcessRequest& request, const CancelToken& cancel,
                              const OutputCallback& on_output = {}) = 0;
};

// The real one (Boost.Process on POSIX).
class SystemProcessRunner final : public ProcessRunner {
public:
    ProcessResult run(const ProcessRequest& request, const CancelToken& cancel,
                      const OutputCallback& on_output = {}) override;
};

// Full path of a program found on PATH (or the argument itself if it contains a '/' and is
// executable); nullopt if not found.
std::optional<std::string> find_program(const std::string& name);

// Why find_program(name) found nothing, for a person: "program not found: nmcli", "cannot run
// /opt/tool: it is a directory", "cannot run /opt/tool: it is not executable (...)", or for a
// name looked up on PATH "program not found: tool (/usr/local/bin/tool is on PATH, but it is a
// directory)".
std::string program_not_found_message(const std::string& name);

}  // namespace fixtray
