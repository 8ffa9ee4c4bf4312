// The platform's side of the diagnostics facts: what the machine says about itself, read in
// process where that is cheaper than a program (/proc, /sys, getifaddrs on Linux), or through a
// command otherwise. One implementation per platform: posix/facts_platform.cpp,
// win32/facts_platform.cpp. Internal to the core; diagnostics.h is the public side.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "diagnostics/diagnostics.h"

namespace fixtray::facts_platform {

// Runs a program for a fact, bounded by the item's timeout and size cap, and fills the
// result's content, argv, exit status, truncated / timed out / cancelled and error.
using RunCommand = std::function<void(const std::vector<std::string>& argv, DiagnosticResult&)>;

// Each fills r.content (or r.error) and may run a command through `run`. They must not block
// on anything that can hang (network file systems are listed, never queried).
void os(DiagnosticResult& r, const RunCommand& run);
void uptime(DiagnosticResult& r, const RunCommand& run);
void disk(DiagnosticResult& r, const RunCommand& run);
void memory(DiagnosticResult& r, const RunCommand& run);
void network_interfaces(DiagnosticResult& r, const RunCommand& run);
void network_addresses(DiagnosticResult& r, const RunCommand& run);
void network_routes(DiagnosticResult& r, const RunCommand& run);
void dns_config(DiagnosticResult& r, const RunCommand& run);
void printers(DiagnosticResult& r, const RunCommand& run);
// The system log's last `lines` lines. `log_files`: the text logs to read when there is no
// journal (empty: the platform's usual ones, /var/log/syslog, /var/log/messages, ...).
void recent_log(DiagnosticResult& r, const RunCommand& run, std::size_t lines,
                const std::vector<std::string>& log_files);

}  // namespace fixtray::facts_platform
