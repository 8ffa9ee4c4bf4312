#include "platform/open_uri.h"

#include <chrono>

#include "base/cancel_token.h"

namespace fixtray {

Status open_uri(const std::string& uri, ProcessRunner& runner) {
#if defined(__APPLE__)
    const char* program = "open";
#else
    const char* program = "xdg-open";
#endif
    ProcessRequest req;
    req.argv = {program, uri};
    req.timeout = std::chrono::seconds(30);
    // The mail program it starts stays open after xdg-open returns.
    req.detach = true;
    CancelToken never;
    const ProcessResult r = runner.run(req, never);
    if (!r.started)
        return Status::error(std::string(program) + " could not be started (" + r.error +
                             "; on Linux it comes with the xdg-utils package)");
    if (r.timed_out) return Status::error(std::string(program) + " did not finish in 30 s");
    if (r.exit_code != 0)
        return Status::error(std::string(program) + " found no program for it (exit code " +
                             std::to_string(r.exit_code) + ")");
    return {};
}

}  // namespace fixtray
