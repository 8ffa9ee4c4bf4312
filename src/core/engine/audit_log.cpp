#include "engine/audit_log.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "platform/durable_file.h"
#include "platform/process_platform.h"

namespace fixtray {

AuditLog::AuditLog(std::string state_dir, RunRetention retention)
    : dir_(std::move(state_dir)),
      log_path_(dir_ + "/audit.jsonl"),
      runs_dir_(dir_ + "/runs"),
      retention_(retention) {}

namespace {

bool valid_run_id(const std::string& id) {
    if (id.empty() || id.size() > 64) return false;
    for (char c : id)
        if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == '-')) return false;
    return true;
}

}  // namespace

namespace {

constexpr const char* kRunningSuffix = ".running";

std::string interrupted_message(std::size_t ended) {
    std::string m =
        "Interrupted: the program running this fix ended before the fix finished (it was "
        "killed, it crashed, or the computer shut down). Some steps may have run; nothing was "
        "verified.";
    if (ended == 1) m += " 1 process the fix had started was still running and was ended.";
    if (ended > 1)
        m += " " + std::to_string(ended) +
             " processes the fix had started were still running and were ended.";
    return m;
}

}  // namespace

Result<RunInProgress> AuditLog::begin(const RunRecord& started) const {
    if (!valid_run_id(started.run_id))
        return Status::error("invalid run id \"" + started.run_id + "\"");
    if (Status s = make_private_dirs(runs_dir_); !s) return s;
    const std::string base = runs_dir_ + "/" + started.run_id;
    auto lock = FileLock::try_acquire(base + ".lock");
    if (!lock) return lock.status();
    if (!lock->held()) return Status::error("run id " + started.run_id + " is already in use");
    // Written as the record of an interrupted run: what recover_interrupted() appends if this
    // process never gets to append the real one.
    RunRecord stub = started;
    stub.outcome = Outcome::interrupted;
    stub.message = interrupted_message(0);
    stub.steps.clear();
    if (Status s = write_file_atomic(base + kRunningSuffix, dump_json(to_json(stub), 2)); !s)
        return s;
    RunInProgress run;
    run.run_id_ = started.run_id;
    run.lock_ = std::move(*lock);
    return run;
}

std::vector<RunRecord> AuditLog::recover_interrupted(std::vector<std::string>* errors) const {
    std::vector<RunRecord> recovered;
    std::error_code ec;
    std::vector<std::string> ids;
    for (std::filesystem::directory_iterator it(runs_dir_, ec), end; !ec && it != end;
         it.increment(ec)) {
        const std::string name = it->path().filename().string();
        const std::size_t n = std::char_traits<char>::length(kRunningSuffix);
        if (name.size() > n && name.compare(name.size() - n, n, kRunningSuffix) == 0 &&
            valid_run_id(name.substr(0, name.size() - n)))
            ids.push_back(name.substr(0, name.size() - n));
    }
    for (const std::string& id : ids) {
        const std::string base = runs_dir_ + "/" + id;
        auto lock = FileLock::try_acquire(base + ".lock");
        if (!lock) {
            if (errors) errors->push_back(lock.status().message());
            continue;
        }
        if (!lock->held()) continue;  // its runner is still at work
        std::ifstream in(base + kRunningSuffix, std::ios::binary);
        if (!in) {  // recovered or finished by someone else meanwhile
            std::filesystem::remove(base + ".lock", ec);
            continue;
        }
        RunRecord r;
        try {
            r = run_record_from_json(nlohmann::json::parse(in));
        } catch (const nlohmann::json::exception& e) {
            if (errors)
                errors->push_back(base + kRunningSuffix + ": not a run record (" + e.what() +
                                  "), left in place");
            continue;
        }
        in.close();
        if (r.run_id != id) {
            if (errors)
                errors->push_back(base + kRunningSuffix + ": names another run (" + r.run_id +
                                  "), left in place");
            continue;
        }
        const std::size_t ended = process_platform::force_end_with_environment_entry(
            std::string(kRunEnvironmentVariable) + "=" + id);
        r.outcome = Outcome::interrupted;
        r.message = interrupted_message(ended);
        r.finished = std::chrono::system_clock::now();
        if (Status s = append(r); !s) {
            if (errors) errors->push_back(s.message());
            continue;
        }
        recovered.push_back(std::move(r));
    }
    return recovered;
}

Status AuditLog::append(const RunRecord& record) const {
    if (!valid_run_id(record.run_id))
        return Status::error("invalid run id \"" + record.run_id + "\"");
    if (Status s = make_private_dirs(runs_dir_); !s) return s;
    if (Status s = write_file_atomic(runs_dir_ + "/" + record.run_id + ".json",
                                     dump_json(to_json(record), 2));
        !s)
        return s;
    struct Done {  // once the line is durable (or not): the run is no longer in progress
        const std::string& base;
        bool appended = false;
        ~Done() {
            if (!appended) return;
            std::error_code ec;
            std::filesystem::remove(base + kRunningSuffix, ec);
            std::filesystem::remove(base + ".lock", ec);
        }
    };
    const std::string base = runs_dir_ + "/" + record.run_id;
    Done done{base};
    nlohmann::json line = {{"run_id", record.run_id},
                           {"time", format_time_utc(record.finished)},
                           {"fix_id", record.fix_id},
                           {"pack_id", record.pack_id},
                           {"pack_version", record.pack_version},
                           {"pack_sha256", record.pack_sha256},
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
    Status s = append_line_durable(log_path_, dump_json(line));
    done.appended = static_cast<bool>(s);
    if (s) prune_runs();
    return s;
}

std::size_t AuditLog::prune_runs() const {
    namespace fs = std::filesystem;
    struct Record {
        fs::file_time_type time;
        fs::path path;
    };
    std::vector<Record> records;
    std::error_code ec, ignored;  // ignored: a file already gone changes nothing
    for (fs::directory_iterator it(runs_dir_, ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path& p = it->path();
        const std::string stem = p.stem().string();
        if (!valid_run_id(stem)) continue;
        if (p.extension() == ".json") {
            const auto t = fs::last_write_time(p, ignored);
            if (!ignored) records.push_back({t, p});
        } else if (p.extension() == ".lock" &&
                   !fs::exists(runs_dir_ + "/" + stem + kRunningSuffix, ignored)) {
            // A lock left by a runner that died before it wrote its .running file.
            if (auto lock = FileLock::try_acquire(p.string()); lock && lock->held())
                fs::remove(p, ignored);
        }
    }
    std::sort(records.begin(), records.end(),
              [](const Record& a, const Record& b) { return a.time > b.time; });  // newest first
    const auto oldest = fs::file_time_type::clock::now() - retention_.max_age;
    std::size_t removed = 0;
    for (std::size_t i = 0; i < records.size(); ++i) {
        if (i < retention_.max_records && records[i].time >= oldest) continue;
        if (fs::remove(records[i].path, ignored)) ++removed;
    }
    return removed;
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
