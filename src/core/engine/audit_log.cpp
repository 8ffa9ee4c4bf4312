#include "engine/audit_log.h"

#include <cctype>
#include <deque>
#include <fstream>
#include <nlohmann/json.hpp>

#include "platform/durable_file.h"

namespace fixtray {

AuditLog::AuditLog(std::string state_dir)
    : dir_(std::move(state_dir)), log_path_(dir_ + "/audit.jsonl"), runs_dir_(dir_ + "/runs") {}

namespace {

bool valid_run_id(const std::string& id) {
    if (id.empty() || id.size() > 64) return false;
    for (char c : id)
        if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == '-')) return false;
    return true;
}

}  // namespace

Status AuditLog::append(const RunRecord& record) const {
    if (!valid_run_id(record.run_id))
        return Status::error("invalid run id \"" + record.run_id + "\"");
    if (Status s = make_private_dirs(runs_dir_); !s) return s;
    if (Status s = write_file_atomic(runs_dir_ + "/" + record.run_id + ".json",
                                     dump_json(to_json(record), 2));
        !s)
        return s;
    nlohmann::json line = {{"run_id", record.run_id},
                           {"time", format_time_utc(record.finished)},
                           {"fix_id", record.fix_id},
                           {"pack_id", record.pack_id},
                           {"pack_version", record.pack_version},
                           {"outcome", to_string(record.outcome)},
                           {"user", record.user},
                           {"host", record.host},
                           {"dry_run", record.dry_run},
                           {"message", record.message}};
    if (record.refusal != Refusal::none) line["refusal"] = to_string(record.refusal);
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& s : record.steps) {
        nlohmann::json step = {{"phase", to_string(s.phase)},
                               {"label", s.label},
                               {"status", to_string(s.status)},
                               {"exit_code", s.exit_code},
                               {"duration_ms", s.duration.count()}};
        if (s.signal != 0) step["signal"] = s.signal;  // exit_code is -1 then: say why
        steps.push_back(std::move(step));
    }
    line["steps"] = std::move(steps);
    return append_line_durable(log_path_, dump_json(line));
}

std::optional<RunRecord> AuditLog::find(const std::string& run_id) const {
    if (!valid_run_id(run_id)) return std::nullopt;
    std::ifstream in(runs_dir_ + "/" + run_id + ".json", std::ios::binary);
    if (!in) return std::nullopt;
    try {
        return run_record_from_json(nlohmann::json::parse(in));
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    }
}

std::optional<RunRecord> AuditLog::latest_run(const std::string& fix_id) const {
    std::ifstream in(log_path_, std::ios::binary);
    std::string line, run_id;
    while (std::getline(in, line)) {
        const auto j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_object() || !j.contains("fix_id") || !j["fix_id"].is_string() ||
            !j.contains("run_id") || !j["run_id"].is_string())
            continue;
        if (j["fix_id"].get<std::string>() != fix_id) continue;
        if (const auto dry = j.find("dry_run");
            dry != j.end() && dry->is_boolean() && dry->get<bool>())
            continue;
        run_id = j["run_id"].get<std::string>();
    }
    if (run_id.empty()) return std::nullopt;
    return find(run_id);
}

std::vector<AuditEntry> AuditLog::recent(std::size_t max, std::vector<std::string>* broken) const {
    std::deque<AuditEntry> last;
    std::ifstream in(log_path_, std::ios::binary);
    std::string line;
    const auto text = [](const nlohmann::json& j, const char* key) {
        const auto it = j.find(key);
        return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    std::size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        const auto j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_object()) {
            if (broken && !line.empty())
                broken->push_back(log_path_ + ":" + std::to_string(number) +
                                  ": not a complete run line (" + std::to_string(line.size()) +
                                  " bytes), skipped");
            continue;
        }
        if (const auto dry = j.find("dry_run");
            dry != j.end() && dry->is_boolean() && dry->get<bool>())
            continue;
        AuditEntry e{text(j, "run_id"), text(j, "time"), text(j, "fix_id"), text(j, "outcome"),
                     text(j, "message")};
        if (e.run_id.empty() || e.fix_id.empty()) continue;
        last.push_back(std::move(e));
        while (last.size() > max) last.pop_front();
    }
    return {last.rbegin(), last.rend()};
}

}  // namespace fixtray
