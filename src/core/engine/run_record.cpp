#include "engine/run_record.h"

#include <array>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <random>

namespace fixtray {

using nlohmann::json;

const char* to_string(Phase p) {
    switch (p) {
        case Phase::check:
            return "check";
        case Phase::steps:
            return "steps";
        case Phase::verify:
            return "verify";
        case Phase::revert:
            return "revert";
    }
    return "?";
}

const char* to_string(StepStatus s) {
    switch (s) {
        case StepStatus::ok:
            return "ok";
        case StepStatus::failed:
            return "failed";
        case StepStatus::skipped:
            return "skipped";
        case StepStatus::timed_out:
            return "timed-out";
        case StepStatus::cancelled:
            return "cancelled";
    }
    return "?";
}

const char* to_string(Outcome o) {
    switch (o) {
        case Outcome::fixed:
            return "fixed";
        case Outcome::not_fixed:
            return "not-fixed";
        case Outcome::nothing_to_fix:
            return "nothing-to-fix";
        case Outcome::cancelled:
            return "cancelled";
        case Outcome::refused:
            return "refused";
        case Outcome::interrupted:
            return "interrupted";
    }
    return "?";
}

const char* to_string(Refusal r) {
    switch (r) {
        case Refusal::none:
            return "";
        case Refusal::not_applicable:
            return "not-applicable";
        case Refusal::declined:
            return "declined";
        case Refusal::needs_admin:
            return "needs-admin";
        case Refusal::invalid_input:
            return "invalid-input";
    }
    return "?";
}

namespace {

template <typename Enum, std::size_t N>
Enum enum_from(const std::string& s, const std::array<Enum, N>& all) {
    for (Enum e : all)
        if (s == to_string(e)) return e;
    throw json::other_error::create(501, "unknown value \"" + s + "\"", nullptr);
}

StepKind step_kind_from(const std::string& s) {
    return enum_from(
        s, std::array{StepKind::run, StepKind::shell, StepKind::delete_files, StepKind::end_process,
                      StepKind::http_probe, StepKind::dns_resolve, StepKind::tcp_connect,
                      StepKind::exists, StepKind::wait});
}

}  // namespace

json to_json(const StepRecord& s) {
    json j = {{"phase", to_string(s.phase)},
              {"index", s.index},
              {"label", s.label},
              {"kind", to_string(s.kind)},
              {"argv", s.argv},
              {"status", to_string(s.status)},
              {"message", s.message},
              {"duration_ms", s.duration.count()},
              {"timed_out", s.timed_out},
              {"killed", s.killed}};
    if (!s.item.empty()) j["item"] = s.item;
    if (s.admin) j["admin"] = true;
    if (s.continue_on_error) j["continue_on_error"] = true;
    if (s.kind == StepKind::run || s.kind == StepKind::shell) {
        j["exit_code"] = s.exit_code;
        if (s.signal != 0) j["signal"] = s.signal;
        j["stdout"] = s.out;
        j["stderr"] = s.err;
        if (s.out_truncated) j["stdout_truncated"] = true;
        if (s.err_truncated) j["stderr_truncated"] = true;
    }
    if (!s.detail.empty()) j["detail"] = s.detail;
    return j;
}

json to_json(const RunRecord& r) {
    json steps = json::array();
    for (const auto& s : r.steps) steps.push_back(to_json(s));
    json j = {{"run_id", r.run_id},
              {"fix_id", r.fix_id},
              {"fix_title", r.fix_title},
              {"pack_id", r.pack_id},
              {"pack_version", r.pack_version},
              {"pack_sha256", r.pack_sha256},
              {"pack_file", r.pack_file},
              {"platform", r.platform},
              {"user", r.user},
              {"host", r.host},
              {"started", format_time_utc(r.started)},
              {"finished", format_time_utc(r.finished)},
              {"outcome", to_string(r.outcome)},
              {"message", r.message},
              {"reverted", r.reverted},
              {"dry_run", r.dry_run},
              {"steps", steps}};
    if (r.refusal != Refusal::none) j["refusal"] = to_string(r.refusal);
    return j;
}

StepRecord step_record_from_json(const json& sj) {
    StepRecord s;
    s.phase = enum_from(sj.at("phase").get<std::string>(),
                        std::array{Phase::check, Phase::steps, Phase::verify, Phase::revert});
    s.index = sj.value("index", 0);
    s.label = sj.value("label", "");
    s.kind = step_kind_from(sj.at("kind").get<std::string>());
    s.item = sj.value("item", "");
    s.argv = sj.value("argv", std::vector<std::string>{});
    s.admin = sj.value("admin", false);
    s.status = enum_from(sj.at("status").get<std::string>(),
                         std::array{StepStatus::ok, StepStatus::failed, StepStatus::skipped,
                                    StepStatus::timed_out, StepStatus::cancelled});
    s.message = sj.value("message", "");
    s.exit_code = sj.value("exit_code", -1);
    s.signal = sj.value("signal", 0);
    s.timed_out = sj.value("timed_out", false);
    s.killed = sj.value("killed", false);
    s.duration = std::chrono::milliseconds(sj.value("duration_ms", 0LL));
    s.out = sj.value("stdout", "");
    s.err = sj.value("stderr", "");
    s.out_truncated = sj.value("stdout_truncated", false);
    s.err_truncated = sj.value("stderr_truncated", false);
    s.detail = sj.value("detail", "");
    s.continue_on_error = sj.value("continue_on_error", false);
    return s;
}

RunRecord run_record_from_json(const json& j) {
    RunRecord r;
    r.run_id = j.at("run_id").get<std::string>();
    r.fix_id = j.at("fix_id").get<std::string>();
    r.fix_title = j.value("fix_title", "");
    r.pack_id = j.value("pack_id", "");
    r.pack_version = j.value("pack_version", 0);
    r.pack_sha256 = j.value("pack_sha256", "");
    r.pack_file = j.value("pack_file", "");
    r.platform = j.value("platform", "");
    r.user = j.value("user", "");
    r.host = j.value("host", "");
    r.started = parse_time_utc(j.value("started", ""));
    r.finished = parse_time_utc(j.value("finished", ""));
    r.outcome = enum_from(j.at("outcome").get<std::string>(),
                          std::array{Outcome::fixed, Outcome::not_fixed, Outcome::nothing_to_fix,
                                     Outcome::cancelled, Outcome::refused, Outcome::interrupted});
    if (j.contains("refusal"))
        r.refusal = enum_from(j["refusal"].get<std::string>(),
                              std::array{Refusal::not_applicable, Refusal::declined,
                                         Refusal::needs_admin, Refusal::invalid_input});
    r.message = j.value("message", "");
    r.reverted = j.value("reverted", false);
    r.dry_run = j.value("dry_run", false);
    for (const auto& sj : j.at("steps")) r.steps.push_back(step_record_from_json(sj));
    return r;
}

}  // namespace fixtray
