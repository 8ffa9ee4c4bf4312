// The typed built-in steps: cross-platform, no shell, validated arguments.
// Each takes a step whose ${variables} are already expanded.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "base/status.h"
#include "packs/fix_pack.h"
#include "platform/delete_platform.h"

namespace fixtray {

class CancelToken;
class Clock;
class HttpClient;

struct BuiltinContext {
    HttpClient& http;
    Clock& clock;
    const CancelToken& cancel;
    bool dry_run = false;  // delete_files / end_process: report what would happen only
};

struct BuiltinResult {
    bool ok = false;
    bool cancelled = false;
    bool timed_out = false;
    std::string message;  // one line for a person: "deleted 42 files (3.1 MB)"
    std::string detail;   // longer log (bounded by the implementation to ~64 KiB)
};

BuiltinResult run_builtin(const Step& step, BuiltinContext& ctx);

// Individual built-ins (declared here, each defined in its own file).
BuiltinResult delete_files(const Step& step, BuiltinContext& ctx);  // delete_files.cpp
BuiltinResult end_process(const Step& step, BuiltinContext& ctx);   // end_process.cpp
BuiltinResult http_probe(const Step& step, BuiltinContext& ctx);    // http_probe.cpp
BuiltinResult dns_resolve(const Step& step, BuiltinContext& ctx);   // net_probe.cpp
BuiltinResult tcp_connect(const Step& step, BuiltinContext& ctx);   // net_probe.cpp
BuiltinResult path_exists(const Step& step, BuiltinContext& ctx);   // path_exists.cpp
BuiltinResult wait_step(const Step& step, BuiltinContext& ctx);     // builtin_steps.cpp

// Is any process with this name (as in /proc/PID/comm or the executable's base name) running
// for the current user (or `owner`, the uid a fix runs for in the admin helper)? Used by
// skip-if-running.
bool process_running(const std::string& name, std::optional<unsigned> owner = {});

// '/'-separated glob match: * and ? do not cross '/', ** matches any number of segments,
// [abc] / [!a-z] classes. Exposed for tests and for the `exists` step.
bool glob_match(std::string_view pattern, std::string_view path);

// A pack's glob must be relative, with no ".." segment and no NUL; a failure says which rule.
Status validate_glob(const std::string& glob);

}  // namespace fixtray
