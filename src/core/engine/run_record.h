// What a fix run did: the record shown live, written to the audit log and quoted by a
// later support request (by run_id).
#pragma once

#include <chrono>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "base/time_text.h"
#include "packs/fix_pack.h"

namespace fixtray {

enum class Phase { check, steps, verify, revert };
const char* to_string(Phase p);

enum class StepStatus { ok, failed, skipped, timed_out, cancelled };
const char* to_string(StepStatus s);

// The environment variable every process a step starts carries: FIXTRAY_RUN=<run id>.
inline constexpr const char* kRunEnvironmentVariable = "FIXTRAY_RUN";

struct StepRecord {
    Phase phase = Phase::steps;
    int index = 0;      // position in its phase (foreach items share the index)
    std::string label;  // what a person sees
    StepKind kind = StepKind::run;
    std::string item;               // foreach item value, if any
    std::vector<std::string> argv;  // run/shell: the exact argv; built-ins: kind + arguments
    bool admin = false;
    StepStatus status = StepStatus::ok;
    std::string message;  // one line: why it failed / was skipped / what it did
    int exit_code = -1;   // run/shell, when the process exited
    int signal = 0;       // run/shell: the signal that ended the process (POSIX), 0 if none
    bool timed_out = false;
    bool killed = false;  // SIGKILL was needed
    std::chrono::milliseconds duration{0};
    std::string out, err;  // bounded
    bool out_truncated = false, err_truncated = false;
    std::string detail;  // built-ins: longer log
    bool continue_on_error = false;
};

// interrupted: the program running the fix ended before it (killed, crashed, the machine shut
// down); only ever a recovered record (AuditLog::recover_interrupted), never what a run returns.
enum class Outcome { fixed, not_fixed, nothing_to_fix, cancelled, refused, interrupted };
const char* to_string(Outcome o);

enum class Refusal { none, not_applicable, declined, needs_admin, invalid_input };
const char* to_string(Refusal r);

struct RunRecord {
    std::string run_id;  // UUID
    std::string fix_id;
    std::string fix_title;
    std::string pack_id;
    int pack_version = 0;
    std::string pack_sha256;  // of the pack file's bytes that ran (FixPack::sha256), if known
    std::string pack_file;
    std::string platform;
    std::string user, host;
    std::chrono::system_clock::time_point started, finished;
    Outcome outcome = Outcome::not_fixed;
    Refusal refusal = Refusal::none;
    std::string message;    // plain-language summary
    bool reverted = false;  // revert steps ran
    bool dry_run = false;
    std::vector<StepRecord> steps;
};

nlohmann::json to_json(const StepRecord& s);
nlohmann::json to_json(const RunRecord& r);
StepRecord step_record_from_json(const nlohmann::json& j);
// Reads a record written by to_json; throws nlohmann::json::exception on malformed input.
RunRecord run_record_from_json(const nlohmann::json& j);

}  // namespace fixtray
