#include "engine/admin_step.h"

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/cancel_token.h"
#include "platform/process_runner.h"

namespace fixtray {

std::vector<std::string> AdminStepRequest::to_args() const {
    std::vector<std::string> args{"run-step",
                                  "--pack",
                                  pack_id,
                                  "--version",
                                  std::to_string(pack_version),
                                  "--fix",
                                  fix_id,
                                  "--phase",
                                  to_string(phase),
                                  "--index",
                                  std::to_string(index),
                                  "--item",
                                  item};
    if (!pack_sha256.empty()) {
        args.push_back("--sha256");
        args.push_back(pack_sha256);
    }
    return args;
}

Result<AdminStepRequest> parse_admin_step_args(const std::vector<std::string>& args) {
    auto fail = [](std::string message) -> Result<AdminStepRequest> {
        return Status::error(std::move(message));
    };
    if (args.empty() || args[0] != "run-step") return fail("expected: run-step --pack ID ...");
    AdminStepRequest r;
    bool have[6] = {};
    for (std::size_t i = 1; i < args.size(); i += 2) {
        if (i + 1 >= args.size()) return fail("missing value after " + args[i]);
        const std::string& key = args[i];
        const std::string& value = args[i + 1];
        if (value.size() > 4096) return fail("value of " + key + " is too long");
        auto to_int = [&](int* out) {
            char* end = nullptr;
            const long v = std::strtol(value.c_str(), &end, 10);
            if (value.empty() || *end || v < 1 || v > 1'000'000) return false;
            *out = static_cast<int>(v);
            return true;
        };
        if (key == "--pack") {
            r.pack_id = value;
            have[0] = true;
        } else if (key == "--version") {
            if (!to_int(&r.pack_version)) return fail("--version must be a positive integer");
            have[1] = true;
        } else if (key == "--fix") {
            r.fix_id = value;
            have[2] = true;
        } else if (key == "--phase") {
            bool found = false;
            for (Phase p : {Phase::check, Phase::steps, Phase::verify, Phase::revert})
                if (value == to_string(p)) {
                    r.phase = p;
                    found = true;
                }
            if (!found) return fail("--phase must be check, steps, verify or revert");
            have[3] = true;
        } else if (key == "--index") {
            if (!to_int(&r.index)) return fail("--index must be a positive integer");
            have[4] = true;
        } else if (key == "--item") {
            r.item = value;
            have[5] = true;
        } else if (key == "--sha256") {
            const bool hex = value.size() == 64 &&
                             value.find_first_not_of("0123456789abcdef") == std::string::npos;
            if (!hex) return fail("--sha256 must be 64 lowercase hex digits");
            r.pack_sha256 = value;
        } else {
            return fail("unknown option " + key);
        }
    }
    for (bool h : have)
        if (!h)
            return fail(
                "expected: run-step --pack ID --version N --fix ID --phase P --index N --item "
                "VALUE");
    return r;
}

HelperAdminStepRunner::HelperAdminStepRunner(ProcessRunner& runner, std::string helper_path,
                                             std::vector<std::string> launcher)
    : runner_(runner), helper_path_(std::move(helper_path)), launcher_(std::move(launcher)) {}

bool HelperAdminStepRunner::available() const {
    if (helper_path_.empty()) return false;
    return launcher_.empty() || find_program(launcher_.front()).has_value();
}

std::vector<std::string> HelperAdminStepRunner::launcher_from_environment() {
    const char* env = std::getenv("FIXTRAY_ADMIN_LAUNCHER");
    if (!env) return {"pkexec"};
    std::vector<std::string> words;
    std::string word;
    for (const char* p = env;; ++p) {
        if (*p == ' ' || *p == '\0') {
            if (!word.empty()) words.push_back(word);
            word.clear();
            if (!*p) break;
        } else {
            word.push_back(*p);
        }
    }
    return words;
}

std::string HelperAdminStepRunner::find_helper() {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return {};
    for (const fs::path& candidate :
         {exe.parent_path() / "fixtray-admin",
          exe.parent_path().parent_path() / "libexec/fixtray/fixtray-admin",
          fs::path(FIXTRAY_INSTALL_LIBEXEC_DIR) / "fixtray-admin"}) {
        if (fs::is_regular_file(candidate, ec)) return candidate.string();
    }
    return {};
}

void HelperAdminStepRunner::run(const AdminStepRequest& request, const CancelToken& cancel,
                                StepRecord* record) {
    ProcessRequest req;
    req.argv = launcher_;
    req.argv.push_back(helper_path_);
    for (auto& a : request.to_args()) req.argv.push_back(std::move(a));
    req.timeout = std::chrono::minutes(30);  // the helper enforces the step's own timeout
    req.output_cap = 1024 * 1024;
    // Not cancelled from here: once started, a step run as root runs to its end (at the latest
    // its own timeout, which the helper enforces), as the helper makes sure whatever the caller
    // does (platform/privileged_start.h). Killing the launcher would only make this record say
    // "cancelled" about a step that goes on. The engine stops the run after this step. Waiting
    // for the administrator's approval is cancelled in polkit's own dialog.
    static_cast<void>(cancel);
    const CancelToken runs_to_its_end;
    const ProcessResult res = runner_.run(req, runs_to_its_end);
    record->duration = res.duration;
    if (!res.started) {
        record->status = StepStatus::failed;
        record->message = "the admin helper could not be started: " + res.error;
        return;
    }
    if (res.cancelled) {
        record->status = StepStatus::cancelled;
        record->message = "cancelled";
        return;
    }
    if (res.exit_code == 0) {
        try {
            const StepRecord done = step_record_from_json(nlohmann::json::parse(res.out));
            record->status = done.status;
            record->message = done.message;
            record->exit_code = done.exit_code;
            record->signal = done.signal;
            record->timed_out = done.timed_out;
            record->killed = done.killed;
            record->out = done.out;
            record->err = done.err;
            record->out_truncated = done.out_truncated;
            record->err_truncated = done.err_truncated;
            record->detail = done.detail;
            record->duration = done.duration;
            return;
        } catch (const std::exception& e) {
            record->status = StepStatus::failed;
            record->message =
                std::string("the admin helper answered something unreadable: ") + e.what();
            return;
        }
    }
    record->status = StepStatus::failed;
    std::string why = res.err;
    while (!why.empty() && (why.back() == '\n' || why.back() == '\r')) why.pop_back();
    if (const auto nl = why.rfind('\n'); nl != std::string::npos) why = why.substr(nl + 1);
    switch (res.exit_code) {
        case 126:
            record->message = "administrator approval was refused or cancelled";
            break;
        case 127:
            record->message = "not allowed to get administrator rights for this step";
            break;
        default:
            record->message =
                "the admin helper refused the step" + (why.empty() ? std::string() : ": " + why);
    }
}

}  // namespace fixtray
