// Diagnostics: what fixtray collects for a support request when a fix did not work. Items come
// from the fix's <diagnostics> and from the default set shipped in fixes/diagnostics/; they
// run in parallel, each bounded in time and size, and the result is plain data that
// bundle.h redacts and writes.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "packs/fix_pack.h"
#include "packs/pack_loader.h"

namespace fixtray {

class CancelToken;
class ProcessRunner;
class Variables;

// What one item produced.
struct DiagnosticResult {
    std::string name;  // the item's name (label in the bundle)
    DiagnosticItem::Kind kind = DiagnosticItem::Kind::fact;
    std::string source;             // command: argv joined by spaces; file: path; fact: id
    std::vector<std::string> argv;  // command (or the command a fact ran), else empty
    std::string content;            // stdout (then stderr under a marker), file or fact text
    bool json = false;   // content is a JSON document (the run record): redacted value by value
    int exit_code = -1;  // commands that exited; 0 for files and facts that worked
    std::chrono::milliseconds duration{0};
    bool truncated = false;  // content is the head and tail of something larger than the cap
    bool timed_out = false;  // ended at the item timeout
    bool cancelled = false;  // ended or never started because of the CancelToken
    bool refused = false;    // never collected on purpose (private keys); `error` says why
    std::string error;       // why there is no (complete) content; empty when it worked

    bool ok() const { return error.empty() && !timed_out && !cancelled && !refused; }
};

struct DiagnosticsReport {
    std::vector<DiagnosticResult> items;  // in the order of the requested items
    std::chrono::system_clock::time_point started;
    std::chrono::milliseconds duration{0};
    bool cancelled = false;
};

struct DiagnosticsOptions {
    std::size_t parallelism = 6;                // worker threads (at least 1)
    std::chrono::milliseconds timeout{10'000};  // per item
    std::size_t item_cap = 512 * 1024;          // bytes of content kept per item (head + tail)
    std::string run_record_json;                // the fact "run.record": the failed run's record
    std::vector<std::string> dns_test_hosts = {"example.com"};  // the fact "dns.test"
    std::size_t log_lines = 200;                                // the fact "log.recent"
    // Text logs "log.recent" reads when the journal has nothing (empty: the platform's usual).
    std::vector<std::string> log_files;
};

// Progress for a front end. Calls come from worker threads but never at the same time (they
// are serialised); they must return quickly and must not throw.
class DiagnosticsObserver {
public:
    virtual ~DiagnosticsObserver() = default;
    virtual void item_started(std::size_t /*index*/, const DiagnosticItem&) {}
    virtual void item_finished(std::size_t /*index*/, const DiagnosticResult&) {}
};

// Runs every item, at most options.parallelism at once, commands through `runner`. Blocks until
// all are done, timed out or cancelled; never throws for a failing item (its result says why).
// Cancelling stops running commands and skips the items not started yet (marked cancelled).
DiagnosticsReport collect_diagnostics(const std::vector<DiagnosticItem>& items,
                                      ProcessRunner& runner, const DiagnosticsOptions& options,
                                      const CancelToken& cancel,
                                      DiagnosticsObserver* observer = nullptr);

// The fact ids collect_diagnostics knows ("os", "network.routes"...), and older spellings that
// are accepted for them ("disk.free" = "disk", "network.dns" = "dns.config", "network.proxy" =
// "proxy").
const std::vector<std::string>& known_fact_ids();
bool is_known_fact(const std::string& id);

// Files that are never collected, whatever a pack says: SSH and GnuPG directories, id_rsa and
// friends, keystores (.p12, .pfx). Returns the reason, or "" when the path may be read; the
// content is checked too (a file holding a PRIVATE KEY block is refused).
std::string refused_path_reason(const std::string& path);

// --- The default set ----------------------------------------------------------------------

// A default set: the items of a <diagnostics> document (fixes/diagnostics/PLATFORM.diag.xml),
// with the same children as a fix's <diagnostics>. Errors carry file:line:col.
struct DiagnosticsSet {
    std::vector<DiagnosticItem> items;
    std::vector<PackProblem> problems;  // any error: items is empty
    bool ok() const { return problems.empty(); }
};
DiagnosticsSet parse_diagnostics_set(std::string_view xml, const std::string& file);
DiagnosticsSet load_diagnostics_set(const std::string& path);

// The default set's file for a platform among the built-in pack directories
// (…/fixes/diagnostics/linux.diag.xml), or "" when none is installed.
std::string default_diagnostics_file(Platform platform);
// Loads default_diagnostics_file(platform); a problem when none is installed.
DiagnosticsSet load_default_diagnostics(Platform platform);

// The items for a failed fix: the default set, then the fix's own items (fix may be null);
// ${variables} in arguments and paths expanded with `vars`. An item whose variables cannot be
// expanded is left out and named in *problems. An item equal to one before it is left out; a
// different item with a name used before gets "-2", "-3"... appended.
std::vector<DiagnosticItem> diagnostic_items_for(const DiagnosticsSet& defaults, const Fix* fix,
                                                 const Variables& vars,
                                                 std::vector<std::string>* problems = nullptr);

}  // namespace fixtray
