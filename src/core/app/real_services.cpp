#include "app/real_services.h"

#include "base/clock.h"
#include "engine/admin_step.h"
#include "net/http_client.h"
#include "platform/process_runner.h"

namespace fixtray {

RealServices RealServices::for_user(ServiceOverrides overrides) {
    UserEnvironment env = overrides.env ? *overrides.env : current_user_environment();
    return RealServices(std::move(overrides), std::move(env), true);
}

RealServices RealServices::for_admin_helper(unsigned invoking_uid, ServiceOverrides overrides) {
    UserEnvironment env = overrides.env ? *overrides.env : user_environment_for_uid(invoking_uid);
    return RealServices(std::move(overrides), std::move(env), false);
}

RealServices::RealServices(ServiceOverrides overrides, UserEnvironment env, bool with_admin)
    : runner_(overrides.runner),
      http_(overrides.http),
      clock_(overrides.clock),
      admin_(overrides.admin),
      env_(std::move(env)),
      state_dir_(overrides.state_dir.empty() ? fixtray_state_dir(env_)
                                             : std::move(overrides.state_dir)) {
    if (!runner_) runner_ = (own_runner_ = std::make_unique<SystemProcessRunner>()).get();
    if (!http_) http_ = (own_http_ = std::make_unique<CurlHttpClient>()).get();
    if (!clock_) clock_ = (own_clock_ = std::make_unique<RealClock>()).get();
    if (!with_admin)
        admin_ = nullptr;
    else if (!admin_)
        admin_ = (own_admin_ = std::make_unique<HelperAdminStepRunner>(
                      *runner_, HelperAdminStepRunner::find_helper(),
                      HelperAdminStepRunner::launcher_from_environment()))
                     .get();
}

RealServices::~RealServices() = default;

}  // namespace fixtray
