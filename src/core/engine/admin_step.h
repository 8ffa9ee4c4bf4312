// Admin rights only for the steps that need them. An employee's fixctl or tray runs a fix
// unprivileged; each step marked admin="true" is handed to fixtray-admin, a small helper
// started through pkexec (polkit) that trusts nothing from its caller: it loads the pack only
// from root-owned directories, the site values only from the machine config, re-derives every
// foreach list itself, and runs only a step that the trusted pack marks admin.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/run_record.h"
#include "platform/trusted_path.h"

namespace fixtray {

class CancelToken;
class ProcessRunner;

// What the unprivileged side asks for: names and positions only, never argv or values.
struct AdminStepRequest {
    std::string pack_id;
    int pack_version = 0;
    std::string fix_id;
    Phase phase = Phase::steps;
    int index = 0;     // 1-based position of the step in its phase
    std::string item;  // foreach item value; empty when the step has no foreach
    // The SHA-256 of the pack the run was started from (optional): the helper runs the step only
    // from a pack with exactly these bytes, never from another content with the same version.
    std::string pack_sha256;

    std::vector<std::string> to_args() const;  // "run-step --pack ... --item ... [--sha256 H]"
};

// Parses the helper's arguments (after the program name). Fails on bad input, saying what was
// expected.
Result<AdminStepRequest> parse_admin_step_args(const std::vector<std::string>& args);

// Runs an admin step with elevated rights on behalf of the engine.
class AdminStepRunner {
public:
    virtual ~AdminStepRunner() = default;
    // Can admin steps be run at all (helper installed, launcher present)?
    virtual bool available() const = 0;
    // Fills the outcome fields of *record (status, message, exit code, output, duration...).
    // The real runner does not stop a step it has started when `cancel` is set: a step run as
    // root runs to its end (see HelperAdminStepRunner::run); the engine stops after it.
    virtual void run(const AdminStepRequest& request, const CancelToken& cancel,
                     StepRecord* record) = 0;
};

// The real one: `LAUNCHER... fixtray-admin run-step ...` (launcher: pkexec by default, or
// FIXTRAY_ADMIN_LAUNCHER, e.g. "sudo -n"; an empty value runs the helper directly).
class HelperAdminStepRunner final : public AdminStepRunner {
public:
    HelperAdminStepRunner(ProcessRunner& runner, std::string helper_path,
                          std::vector<std::string> launcher);
    bool available() const override;
    void run(const AdminStepRequest& request, const CancelToken& cancel,
             StepRecord* record) override;

    // The helper next to this executable, or in <prefix>/libexec/fixtray; "" if none.
    static std::string find_helper();
    // From FIXTRAY_ADMIN_LAUNCHER (split on spaces) or {"pkexec"}.
    static std::vector<std::string> launcher_from_environment();

private:
    ProcessRunner& runner_;
    std::string helper_path_;
    std::vector<std::string> launcher_;
};

}  // namespace fixtray
