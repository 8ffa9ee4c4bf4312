// The audit log: one JSON line per fix run (audit.jsonl) plus the full run record per run
// (runs/RUN_ID.json), under fixtray's state directory. A support request quotes a run id.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "base/json_text.h"
#include "base/status.h"
#include "engine/run_record.h"

namespace fixtray {

// One line of the audit log, as a list of recent runs shows it.
struct AuditEntry {
    std::string run_id;
    std::string time;  // when it finished, UTC ("2026-12-05T10:31:02Z")
    std::string fix_id;
    std::string outcome;  // to_string(Outcome)
    std::string message;
};

class AuditLog {
public:
    explicit AuditLog(std::string state_dir);

    // Durable before it returns. A failure names the path.
    Status append(const RunRecord& record) const;
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
};

}  // namespace fixtray
