// The machine's real services in one place: the step runner, the HTTP client, the clock, the
// user a fix runs for, and the audit log in that user's state directory. Every path that runs
// something for real takes them from here (fixctl's commands, FixRunService, the escalation
// and outbox services, the admin helper), so the wiring exists once.
//
//   RealServices::for_user()          fixctl, the tray: the current user, admin steps through
//                                     the helper (pkexec fixtray-admin)
//   RealServices::for_admin_helper()  fixtray-admin: the invoking user's environment, steps run
//                                     here (no second helper)
//
// Tests replace single parts through ServiceOverrides; what they leave null is the real one.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "engine/audit_log.h"
#include "engine/engine.h"
#include "platform/platform_paths.h"

namespace fixtray {

class AdminStepRunner;
class Clock;
class HttpClient;
class ProcessRunner;

// The parts a test replaces. Null members get the real implementation, owned by RealServices.
// Given ones are borrowed: they must outlive it.
struct ServiceOverrides {
    ProcessRunner* runner = nullptr;     // SystemProcessRunner
    HttpClient* http = nullptr;          // CurlHttpClient
    Clock* clock = nullptr;              // RealClock
    AdminStepRunner* admin = nullptr;    // for_user: HelperAdminStepRunner over `runner`
    std::optional<UserEnvironment> env;  // for_user: current_user_environment()
    std::string state_dir;               // audit log, outbox/; "": fixtray_state_dir(env)
};

// Neither copied nor moved (engines and sessions hold references into it): create it where it
// lives, `auto services = RealServices::for_user();` or as a member initialised from for_*().
class RealServices {
public:
    static RealServices for_user(ServiceOverrides overrides = {});
    // fixtray-admin serving a request of the user with this uid (pkexec's PKEXEC_UID): that
    // user's environment and state directory; admin() is null, the helper runs the step itself.
    static RealServices for_admin_helper(unsigned invoking_uid, ServiceOverrides overrides = {});

    RealServices(const RealServices&) = delete;
    RealServices& operator=(const RealServices&) = delete;
    RealServices(RealServices&&) = delete;
    RealServices& operator=(RealServices&&) = delete;
    ~RealServices();

    ProcessRunner& runner() const { return *runner_; }
    HttpClient& http() const { return *http_; }
    Clock& clock() const { return *clock_; }
    // Runs admin steps for a user without admin rights; null for the helper itself.
    AdminStepRunner* admin() const { return admin_; }
    const UserEnvironment& env() const { return env_; }
    // fixtray's state directory of env(): audit log, runs/, outbox/, tmp/.
    const std::string& state_dir() const { return state_dir_; }
    std::string outbox_dir() const { return state_dir_ + "/outbox"; }
    AuditLog audit_log() const { return AuditLog(state_dir_); }
    // An engine over these services; it borrows them, so it must not outlive this object.
    Engine engine() const { return Engine(*runner_, *http_, *clock_, env_, admin_); }

private:
    RealServices(ServiceOverrides overrides, UserEnvironment env, bool with_admin);

    std::unique_ptr<ProcessRunner> own_runner_;
    std::unique_ptr<HttpClient> own_http_;
    std::unique_ptr<Clock> own_clock_;
    std::unique_ptr<AdminStepRunner> own_admin_;
    ProcessRunner* runner_;
    HttpClient* http_;
    Clock* clock_;
    AdminStepRunner* admin_;
    UserEnvironment env_;
    std::string state_dir_;
};

}  // namespace fixtray
