// The admin helper (fixtray-admin): admin steps run for an unprivileged fixctl, and forged
// requests are refused. The helper reads only the machine config (/etc/fixtray): each test runs
// it in a private mount namespace where a temporary directory is bind-mounted there, so the
// machine's own /etc is never changed.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "engine/admin_step.h"
#include "platform/privileged_start.h"
#include "platform/process_runner.h"
#include "support/private_cups.h"
#include "support/test_helpers.h"
#include "support/test_user.h"

using namespace fixtray;
using namespace fixtray::test;
namespace fs = std::filesystem;

namespace {

void make_traversable(const fs::path& p) {
    fs::permissions(p, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                           fs::perms::others_read | fs::perms::others_exec);
}

// A machine config directory to bind-mount over /etc/fixtray.
struct MachineConfig {
    TempDir dir;
    explicit MachineConfig(const nlohmann::json& config) {
        make_traversable(dir.path());
        write_file(dir.path() / "fixtray.json", config.dump(2));
        fs::permissions(dir.path() / "fixtray.json",
                        fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                            fs::perms::others_read);
    }
};

// Runs argv in a private mount namespace with etc_fixtray mounted on /etc/fixtray and, if
// given, sudoers mounted on /etc/sudoers and etc_cups on /etc/cups (a client.conf that points
// root's CUPS tools at the test's scheduler: the helper passes no CUPS_SERVER on).
ProcessResult in_mount_namespace(const fs::path& etc_fixtray, const std::string& sudoers,
                                 const std::vector<std::string>& argv,
                                 const std::map<std::string, std::string>& env = {},
                                 const std::string& etc_cups = "") {
    std::error_code ec;
    fs::create_directories("/etc/fixtray", ec);  // a mount point; empty unless an admin fills it
    if (!etc_cups.empty()) fs::create_directories("/etc/cups", ec);
    std::vector<std::string> cmd{
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        "mount --bind \"$1\" /etc/fixtray && "
        "{ [ -z \"$2\" ] || mount --bind \"$2\" /etc/sudoers; } && "
        "{ [ -z \"$3\" ] || mount --bind \"$3\" /etc/cups; } && shift 3 && exec \"$@\"",
        "sh",
        etc_fixtray.string(),
        sudoers,
        etc_cups};
    cmd.insert(cmd.end(), argv.begin(), argv.end());
    return run_command(cmd, env, std::chrono::seconds(240));
}

// Index (1-based) of the step with this label in a phase of `fixctl show ID --json`.
int step_index(const std::string& fix, const std::string& phase, const std::string& label) {
    const auto r = run_fixctl({"show", fix, "--json"});
    REQUIRE(r.exit_code == 0);
    const auto j = nlohmann::json::parse(r.out);
    int i = 0;
    for (const auto& s : j[phase]) {
        ++i;
        if (s["label"] == label) return i;
    }
    FAIL("no step labelled " << label);
    return 0;
}

std::string pack_version(const std::string& fix) {
    const auto j = nlohmann::json::parse(run_fixctl({"show", fix, "--json"}).out);
    return std::to_string(j["pack_version"].get<int>());
}

nlohmann::json printers_config(const std::string& office_uri, const std::string& lab_uri) {
    return {{"site",
             {{"default_printer", "Office"},
              {"printers",
               {{{"name", "Office"}, {"uri", office_uri}}, {{"name", "Lab"}, {"uri", lab_uri}}}}}}};
}

std::vector<std::string> helper_request(const std::string& phase, int index,
                                        const std::string& item, const std::string& version = "") {
    return {FIXTRAY_ADMIN_PATH,
            "run-step",
            "--pack",
            "org.fixtray.linux.remap-printers",
            "--version",
            version.empty() ? pack_version("remap-printers") : version,
            "--fix",
            "remap-printers",
            "--phase",
            phase,
            "--index",
            std::to_string(index),
            "--item",
            item};
}

}  // namespace

TEST_CASE("admin helper: malformed requests are usage errors (exit 2)") {
    // Scenario: missing options, unknown options, bad numbers.
    CHECK(run_command({FIXTRAY_ADMIN_PATH}).exit_code == 2);
    CHECK(run_command({FIXTRAY_ADMIN_PATH, "run-step", "--pack", "x"}).exit_code == 2);
    CHECK(run_command({FIXTRAY_ADMIN_PATH, "run-step", "--pack", "x", "--version", "-1", "--fix",
                       "f", "--phase", "steps", "--index", "1", "--item", ""})
              .exit_code == 2);
    CHECK(run_command({FIXTRAY_ADMIN_PATH, "run-step", "--argv", "rm"}).exit_code == 2);
    CHECK(run_command({FIXTRAY_ADMIN_PATH, "--help"}).exit_code == 0);
}

TEST_CASE("admin helper: forged requests are refused (exit 3) and nothing runs") {
    // Scenario: a caller asks for a non-admin step, a wrong version, items the machine's lists
    // do not contain, and an item for a step without foreach.
    REQUIRE_MESSAGE(geteuid() == 0, "the admin helper runs as root");
    MachineConfig machine(printers_config("ipp://127.0.0.1:9/a", "ipp://127.0.0.1:9/b"));
    const int setup = step_index("remap-printers", "steps", "Setting up printer ${printer.name}");
    const int remove = step_index("remap-printers", "steps", "Removing old printer ${queue}");
    const int check = step_index("remap-printers", "check", "Checking the default printer");
    const int make_default =
        step_index("remap-printers", "steps", "Making ${default_printer} the default printer");

    struct Case {
        std::vector<std::string> argv;
        std::string why;
    };
    const std::vector<Case> cases = {
        {helper_request("check", check, ""), "not marked admin"},
        {helper_request("steps", setup, "Office", "999"), "no trusted pack"},
        {helper_request("steps", setup, "Evil; rm -rf /"), "is not an item of printers"},
        {helper_request("steps", setup, ""), "is not an item of printers"},
        {helper_request("steps", remove, "Office"), "is not an item of queues"},
        {helper_request("steps", remove, "NoSuchQueue"), "is not an item of queues"},
        {helper_request("steps", make_default, "Office"), "takes no item"},
        {helper_request("steps", 999, ""), "has no step 999"},
    };
    for (const auto& c : cases) {
        const auto r =
            in_mount_namespace(machine.dir.path(), "", c.argv, {{"CUPS_SERVER", "127.0.0.1:9"}});
        INFO(c.why << " | " << r.err);
        CHECK(r.exit_code == 3);
        CHECK(r.err.find(c.why) != std::string::npos);
        CHECK(r.out.empty());
    }
}

TEST_CASE("admin helper: trusted means owned by root and writable only by root") {
    // Scenario: the ownership rules for packs and the machine config.
    TempDir dir;
    make_traversable(dir.path());
    write_file(dir.path() / "pack.xml", "x");
    CHECK(check_root_owned((dir.path() / "pack.xml").string()).ok());  // /tmp: root + sticky
    fs::permissions(dir.path() / "pack.xml", fs::perms::others_write, fs::perm_options::add);
    CHECK(check_root_owned((dir.path() / "pack.xml").string()).message().find("writable") !=
          std::string::npos);
    fs::permissions(dir.path() / "pack.xml", fs::perms::others_write, fs::perm_options::remove);
    REQUIRE(::chown((dir.path() / "pack.xml").c_str(), 65534, 65534) == 0);
    CHECK(
        check_root_owned((dir.path() / "pack.xml").string()).message().find("not owned by root") !=
        std::string::npos);
    fs::permissions(dir.path(), fs::perms::others_write, fs::perm_options::add);
    CHECK(check_root_owned(dir.str()).message().find("writable") != std::string::npos);
    fs::create_symlink("/etc/hostname", dir.path() / "link");
    CHECK(check_root_owned((dir.path() / "link").string()).message().find("symbolic link") !=
          std::string::npos);
}

TEST_CASE("admin helper: an unprivileged fixctl runs remap-printers, admin steps through sudo") {
    // Scenario: an employee (a user account the test makes) runs the fix; only the admin steps
    // go through the helper (sudo -n as the launcher here, pkexec on desktops) against a private
    // CUPS.
    REQUIRE_MESSAGE(geteuid() == 0, "this test starts cupsd and switches users");
    REQUIRE_MESSAGE(find_program("sudo"), "sudo is needed (apt-get install sudo)");
    TempDir state;
    make_traversable(state.path());
    TestUser user;
    PrivateCups cups;
    auto cups_env = cups.env();

    MachineConfig machine(printers_config(cups_env["FIXTRAY_TEST_PRINTER1_URI"],
                                          cups_env["FIXTRAY_TEST_PRINTER2_URI"]));
    const fs::path sudoers = state.path() / "sudoers";
    write_file(sudoers, std::string("Defaults secure_path=\"") + kPrivilegedPath +
                            "\"\nroot ALL=(ALL:ALL) ALL\n" +
                            user.name() + " ALL=(root) NOPASSWD: " +
                            FIXTRAY_ADMIN_PATH + "\n");
    // The helper clears its environment: root's CUPS tools find the test's scheduler through
    // /etc/cups/client.conf (mounted below), as they find the machine's own.
    const fs::path etc_cups = state.path() / "etc-cups";
    write_file(etc_cups / "client.conf", "ServerName " + cups_env["CUPS_SERVER"] + "\n");
    make_traversable(etc_cups);
    fs::permissions(sudoers, fs::perms::owner_read | fs::perms::group_read);
    const fs::path home = user.home();
    // The client tools of the unprivileged side read CUPS_SERVERROOT: let the user read it.
    run_command({"chmod", "-R", "a+rX", cups_env["CUPS_SERVERROOT"]});

    std::map<std::string, std::string> env = isolated_env(home);
    env.erase("FIXTRAY_MACHINE_ROOT");  // this fixctl reads the /etc/fixtray mounted below
    env["CUPS_SERVER"] = cups_env["CUPS_SERVER"];
    env["CUPS_SERVERROOT"] = cups_env["CUPS_SERVERROOT"];
    env["FIXTRAY_ADMIN_LAUNCHER"] = "sudo -n";
    const auto r =
        in_mount_namespace(machine.dir.path(), sudoers.string(),
                           {"setpriv", "--reuid=" + user.uid_text(),
                            "--regid=" + std::to_string(user.gid()), "--clear-groups", "--",
                            FIXCTL_PATH, "run", "remap-printers", "--yes", "--json"},
                           env, etc_cups.string());
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    const auto record = nlohmann::json::parse(r.out);
    CHECK(record["outcome"] == "fixed");
    CHECK(record["user"] == user.name());
    bool admin_step_ran = false;
    for (const auto& s : record["steps"])
        if (s.value("admin", false) && s["status"] == "ok") admin_step_ran = true;
    CHECK(admin_step_ran);
    const auto queues = run_command({"lpstat", "-e"}, cups_env);
    CHECK(queues.out.find("Office") != std::string::npos);
    CHECK(queues.out.find("Lab") != std::string::npos);
}

TEST_CASE("admin helper: a fix or pack the machine's policy disables gets no admin rights") {
    // Scenario: the machine config disables remap-printers (by fix id, then by pack id): a
    // request for one of its admin steps is refused, as fixctl would not offer the fix.
    REQUIRE_MESSAGE(geteuid() == 0, "the admin helper runs as root");
    const int make_default =
        step_index("remap-printers", "steps", "Making ${default_printer} the default printer");
    for (const auto& policy :
         {nlohmann::json{{"disabled_fixes", {"remap-printers"}}},
          nlohmann::json{{"disabled_packs", {"org.fixtray.linux.remap-printers"}}}}) {
        auto config = printers_config("ipp://127.0.0.1:9/a", "ipp://127.0.0.1:9/b");
        config["policy"] = policy;
        MachineConfig machine(config);
        const auto r =
            in_mount_namespace(machine.dir.path(), "", helper_request("steps", make_default, ""),
                               {{"CUPS_SERVER", "127.0.0.1:9"}});
        INFO(policy.dump() << " | " << r.err);
        CHECK(r.exit_code == 3);
        CHECK(r.err.find("not revoked or disabled by policy") != std::string::npos);
        CHECK(r.out.empty());
    }
}
