// RealServices: the one place the real runner, HTTP client, clock and audit log are wired, for a
// user's front end and for the admin helper; overrides replace single parts.
#include <doctest/doctest.h>

#include <unistd.h>

#include "app/fix_run_service.h"
#include "app/real_services.h"
#include "base/cancel_token.h"
#include "base/clock.h"
#include "engine/admin_step.h"
#include "net/http_client.h"
#include "packs/catalog.h"
#include "packs/pack_loader.h"
#include "platform/platform_paths.h"
#include "platform/process_runner.h"
#include "support/builtin_test_support.h"
#include "support/test_helpers.h"

using namespace fixtray;
using namespace fixtray::test;

namespace {

FixPack pack_of(const std::string& xml) {
    auto loaded = load_pack_from_string(xml, "test.xml", "/tmp");
    for (const auto& p : loaded.problems) MESSAGE(p.str());
    REQUIRE(loaded.ok());
    return std::move(*loaded.pack);
}

}  // namespace

TEST_CASE("real services for a user: the current user, real parts, the audit log in its state") {
    const RealServices services = RealServices::for_user();
    const UserEnvironment env = current_user_environment();
    CHECK(services.env().home == env.home);
    CHECK(services.env().user == env.user);
    CHECK(services.state_dir() == fixtray_state_dir(env));
    CHECK(services.outbox_dir() == fixtray_state_dir(env) + "/outbox");
    CHECK(services.audit_log().dir() == services.state_dir());
    REQUIRE(services.admin() != nullptr);  // admin steps go to the helper
    CHECK(dynamic_cast<HelperAdminStepRunner*>(services.admin()) != nullptr);
    CHECK(dynamic_cast<SystemProcessRunner*>(&services.runner()) != nullptr);
    CHECK(dynamic_cast<CurlHttpClient*>(&services.http()) != nullptr);
    CHECK(dynamic_cast<RealClock*>(&services.clock()) != nullptr);

    // The runner really runs.
    CancelToken never;
    ProcessRequest request;
    request.argv = {"sh", "-c", "echo real"};
    const auto r = services.runner().run(request, never);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "real\n");

    // The HTTP client really talks HTTP (loopback).
    LocalHttpServer server([](const std::string&) {
        HttpReply reply;
        reply.body = "hi";
        return reply;
    });
    HttpRequest get;
    get.url = server.url("/x");
    const auto response = services.http().send(get, never);
    CHECK(response.status == 200);
    CHECK(response.body == "hi");
}

TEST_CASE("real services: overrides replace single parts, the rest stays real") {
    TempDir state;
    RealClock clock;
    UserEnvironment env = current_user_environment();
    env.home = state.str() + "/home";
    ServiceOverrides overrides;
    overrides.clock = &clock;
    overrides.env = env;
    overrides.state_dir = state.str();
    const RealServices services = RealServices::for_user(overrides);
    CHECK(&services.clock() == &clock);
    CHECK(services.env().home == env.home);
    CHECK(services.state_dir() == state.str());
    CHECK(dynamic_cast<SystemProcessRunner*>(&services.runner()) != nullptr);

    // A run through the service's engine and audit log lands in the given state directory.
    const FixPack pack = pack_of(
        pack_with_fix("<steps><run label=\"hello\"><arg>echo</arg><arg>hi</arg></run></steps>"));
    Engine engine = services.engine();
    CancelToken never;
    RunObserver quiet;
    const RunRecord record = engine.run(pack, pack.fixes.at(0), {}, {}, quiet, never);
    CHECK(record.outcome == Outcome::fixed);
    CHECK(services.audit_log().append(record).ok());
    const auto found = AuditLog(state.str()).find(record.run_id);
    REQUIRE(found);
    CHECK(found->fix_id == "t");

    // FixRunService takes its parts from the same place: its audit log is the given one.
    FixRunService service(overrides);
    auto catalog = std::make_shared<Catalog>();
    catalog->add_pack(pack);
    const auto entry = catalog->find("t", current_platform());
    REQUIRE(entry);
    FixRunObserver ignore;
    REQUIRE(service.start(make_fix_run_request(*entry, {}, "en"), ignore).started);
    const auto result = service.wait();
    REQUIRE(result);
    CHECK(result->audit_error.empty());
    CHECK(AuditLog(state.str()).find(result->record.run_id));
}

TEST_CASE("real services for the admin helper: the invoking user's environment, no second helper") {
    const unsigned uid = ::getuid();
    const RealServices services = RealServices::for_admin_helper(uid);
    const UserEnvironment env = user_environment_for_uid(uid);
    CHECK(services.env().home == env.home);
    CHECK(services.env().user == env.user);
    CHECK(services.state_dir() == fixtray_state_dir(env));
    CHECK(services.admin() == nullptr);  // the helper runs the step itself
    CHECK(dynamic_cast<SystemProcessRunner*>(&services.runner()) != nullptr);

    // Another user's environment comes from the password database, not from ours.
    const RealServices nobody = RealServices::for_admin_helper(65534);
    CHECK(nobody.env().home == user_environment_for_uid(65534).home);
    CHECK(nobody.env().home != env.home);
}
