// The audit log: one JSON line per fix run (audit.jsonl) plus the full run record per run
// (runs/RUN_ID.json), under fixtray's state directory. A support request quotes a run id.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "base/json_text.h"
#include "base/status.h"
#include "engine/run_record.h"
#include "platform/file_lock.h"

namespace fixtray {

// One line of the audit log, as a list of recent runs shows it.
struct AuditEntry {
    std::string run_id;
    std::string time;  // when it finished, UTC ("2026-12-05T10:31:02Z")
    std::string fix_id;
    std::string outcome;  // to_string(Outcome)
    std::string message;
};

// A run recorded as started (AuditLog::begin) whose record is not appended yet. It holds the
// run's lock (runs/RUN_ID.lock) for as long as it lives; the operating system drops the lock
// when the process ends, however it ends. A runs/RUN_ID.running file whose lock nobody holds
// is a run whose runner is gone (AuditLog::recover_interrupted).
class RunInProgress {
public:
    const std::string& run_id() const { return run_id_; }
    bool held() const { return lock_.held(); }

private:
    friend class AuditLog;
    std::string run_id_;
    FileLock lock_;
};

// How many full run records (runs/RUN_ID.json) are kept: the newest max_records, none older
// than max_age. The audit log's lines stay (a line per run, about 1 KB); a line whose record
// was pruned still lists the run, and find() says nothing about it.
struct RunRetention {
    std::size_t max_records = 1000;
    std::chrono::hours max_age{24 * 90};
};

class AuditLog {
public:
    explicit AuditLog(std::string state_dir, RunRetention retention = {});

    // Records that a run started, before any step runs: runs/RUN_ID.running (what `started`
    // says, as the record of an interrupted run) and its lock. Durable before it returns.
    Result<RunInProgress> begin(const RunRecord& started) const;
    // Durable before it returns; then the run's .running file and lock file are removed, and
    // records beyond the retention are deleted (prune_runs). A failure names the path (and the
    // .running file stays: the run shows as interrupted).
    Status append(const RunRecord& record) const;
    // Deletes the run records beyond the retention, oldest first (by modification time), and
    // .lock files no run holds. How many records were deleted.
    std::size_t prune_runs() const;
    // The runs recorded as started whose runner ended without appending their record (killed,
    // crashed, the machine went down): each is appended now as interrupted, after every process
    // still carrying its FIXTRAY_RUN marker was ended (SIGKILL). Returns what was appended.
    // Safe to call from any number of processes at once: each run is recovered once.
    std::vector<RunRecord> recover_interrupted(std::vector<std::string>* errors = nullptr) const;
    // nullopt when unknown or unreadable. Run ids are validated (no path tricks).
    std::optional<RunRecord> find(const std::string& run_id) const;
    // The last run of `fix_id` appended to the log that was not a dry run, nullopt when the fix
    // never ran (or its record is gone). Lines that do not parse are skipped.
    std::optional<RunRecord> latest_run(const std::string& fix_id) const;
    // The last `max` runs (dry runs left out), newest first. Lines that do not parse (cut short
    // by a crash, or by a full disk before appends were cut back) are skipped, and each is added
    // to `broken` when given, as "PATH:LINE: why".
    std::vector<AuditEntry> recent(std::size_t max,
                                   std::vector<std::string>* broken = nullptr) const;

    const std::string& log_path() const { return log_path_; }
    const std::string& dir() const { return dir_; }

private:
    std::string dir_, log_path_, runs_dir_;
    RunRetention retention_;
};

}  // namespace fixtray
