// The admin helper trusts nothing it inherits (issue 14), tested from the caller's side: the
// real fixtray-admin, started as a launcher would start it (pkexec keeps the caller's umask,
// resource limits and ignored signals; `sudo` without secure_path keeps the caller's PATH), in a
// private mount namespace where the test machine's config directory is /etc/fixtray.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "platform/posix/cgroup2.h"
#include "platform/privileged_start.h"
#include "platform/process_runner.h"
#include "support/test_helpers.h"
#include "support/test_machine.h"
#include "support/test_user.h"

using namespace fixtray;
using namespace fixtray::test;
namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// fixtray-admin run-step for step `index` of fix `fix` in pack `pack` version `version`, started
// as pkexec starts it (as root, the caller's umask, limits and ignored signals kept) after `prefix`
// (shell commands run just before: umask, ulimit, trap) and with `env` added to the environment
// (PKEXEC_UID: the caller).
ProcessResult helper(const TestMachine& m, const std::string& pack, int version,
                     const std::string& fix, int index, const std::string& prefix = "",
                     const std::map<std::string, std::string>& env = {},
                     const std::string& item = "") {
    return m.with_machine_config(admin_request(pack, version, fix, index, item), prefix, env);
}

std::string pack_with_admin_steps(const std::string& id, int version, const std::string& fix,
                                  const std::vector<std::string>& steps) {
    std::string xml = "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"" + id + "\" version=\"" +
                      std::to_string(version) + "\"><fix id=\"" + fix +
                      "\" platforms=\"linux\"><title>T</title><steps>";
    for (const auto& s : steps) xml += s;
    return xml + "</steps></fix></fixpack>";
}

std::string admin_run(const std::vector<std::string>& argv, const std::string& attrs = "") {
    std::string xml = "<run admin=\"true\"" + attrs + ">";
    for (const auto& a : argv) xml += "<arg>" + a + "</arg>";
    return xml + "</run>";
}

// Waits (up to 20 s) until process `pid` runs under `name` (its exec done): a test of what a
// step sees must not race the start of what it looks for.
std::string started_as(const ProcessResult& spawned, const std::string& name) {
    const std::string pid = spawned.out.substr(0, spawned.out.find('\n'));
    for (int i = 0; i < 400; ++i) {
        if (read_file("/proc/" + pid + "/comm") == name + "\n") return pid;
        std::this_thread::sleep_for(50ms);
    }
    FAIL("process " << pid << " did not start as " << name);
    return pid;
}

json step_record(const ProcessResult& r) {
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
}

}  // namespace

TEST_CASE(
    "admin helper inherits nothing: the caller's PATH, variables, umask, limits and ignored "
    "signals do not reach root's steps") {
    REQUIRE_MESSAGE(geteuid() == 0, "the admin helper runs as root");
    TestMachine m;
    TestUser user;
    TempDir work;
    fs::permissions(work.path(), fs::perms::owner_all | fs::perms::group_read |
                                     fs::perms::group_exec | fs::perms::others_read |
                                     fs::perms::others_exec);
    // The caller's own program, named like a tool a step runs: under `sudo` without
    // secure_path it would be found first on the caller's PATH and run as root.
    const fs::path evil_bin = work.path() / "bin";
    const fs::path ran = work.path() / "caller-program-ran-as-root";
    write_file(evil_bin / "fixtray-tool", "#!/bin/sh\ntouch " + ran.string() + "\n");
    fs::permissions(evil_bin / "fixtray-tool", fs::perms::owner_all | fs::perms::others_exec);
    const fs::path big = work.path() / "big";
    write_file(big, std::string(100000, 'x'));
    m.machine_pack("inherit.xml",
                   pack_with_admin_steps(
                       "com.example.inherit", 1, "inherit",
                       {admin_run({"env"}), admin_run({"fixtray-tool"}),
                        admin_run({"mkdir", (work.path() / "made").string()}),
                        admin_run({"cp", big.string(), (work.path() / "copy").string()}),
                        admin_run({"grep", "-E", "^(SigIgn|SigBlk)", "/proc/self/status"})}));
    const std::string caller =
        "umask 000; ulimit -S -f 0; trap '' TERM HUP INT; export PATH=\"" + evil_bin.string() +
        ":$PATH\" EVIL_SETTING=1 LD_LIBRARY_PATH=" + work.path().string() + ";";

    const std::map<std::string, std::string> pkexec{{"PKEXEC_UID", user.uid_text()}};
    json env = step_record(helper(m, "com.example.inherit", 1, "inherit", 1, caller, pkexec));
    const std::string printed = env["stdout"];
    CHECK(contains(printed, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"));
    CHECK_FALSE(contains(printed, evil_bin.string()));
    CHECK_FALSE(contains(printed, "EVIL_SETTING"));
    CHECK_FALSE(contains(printed, "LD_LIBRARY_PATH"));

    json tool = step_record(helper(m, "com.example.inherit", 1, "inherit", 2, caller, pkexec));
    CHECK(tool["status"] != "ok");
    CHECK(contains(tool["message"].get<std::string>(), "fixtray-tool"));
    CHECK_FALSE(fs::exists(ran));

    json made = step_record(helper(m, "com.example.inherit", 1, "inherit", 3, caller, pkexec));
    CHECK(made["status"] == "ok");
    struct stat st {};
    REQUIRE(::stat((work.path() / "made").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0755);

    json copied = step_record(helper(m, "com.example.inherit", 1, "inherit", 4, caller, pkexec));
    CHECK(copied["status"] == "ok");
    CHECK(fs::file_size(work.path() / "copy") == 100000);

    // A hard limit the helper cannot raise (no CAP_SYS_RESOURCE, as in some containers) is a
    // refusal, never a copy cut short.
    fs::remove(work.path() / "copy");
    const auto hard =
        helper(m, "com.example.inherit", 1, "inherit", 4, "ulimit -S -f 0; ulimit -H -f 0;", pkexec);
    INFO(hard.out << hard.err);
    if (hard.exit_code == 0)
        CHECK(fs::file_size(work.path() / "copy") == 100000);
    else
        CHECK(contains(hard.err, "cannot reset the resource limit RLIMIT_FSIZE"));

    json signals = step_record(helper(m, "com.example.inherit", 1, "inherit", 5, caller, pkexec));
    CHECK(contains(signals["stdout"].get<std::string>(), "SigIgn:\t0000000000000000"));

    // The control: without the reset, this caller's umask would make 0777 and its file size
    // limit would cut the copy (the shell shows what it hands over).
    const auto shell = run_command({"sh", "-c", caller + " umask; ulimit -f"});
    CHECK(contains(shell.out, "0000"));
    CHECK(contains(shell.out, "\n0"));
}

TEST_CASE(
    "admin helper: PKEXEC_UID and SUDO_UID are parsed strictly, and a caller who is root or "
    "ambiguous is refused") {
    REQUIRE_MESSAGE(geteuid() == 0, "the admin helper runs as root");
    TestMachine m;
    TestUser user;
    TempDir work;
    const fs::path marker = work.path() / "ran";
    m.machine_pack("adm.xml", pack_with_admin_steps("com.example.adm", 1, "adm",
                                                    {admin_run({"touch", marker.string()})}));
    const std::vector<std::pair<std::map<std::string, std::string>, std::string>> refused = {
        {{{"PKEXEC_UID", "abc"}}, "PKEXEC_UID \"abc\" is not a user id"},
        {{{"PKEXEC_UID", "4294967296"}}, "PKEXEC_UID \"4294967296\" is not a user id"},
        {{{"PKEXEC_UID", "-1"}}, "is not a user id"},
        {{{"PKEXEC_UID", " " + user.uid_text()}}, "is not a user id"},
        {{{"PKEXEC_UID", "0"}}, "says the caller is root"},
        {{{"SUDO_UID", "0"}}, "SUDO_UID says the caller is root"},
        {{{"PKEXEC_UID", user.uid_text()}, {"SUDO_UID", user.uid_text()}}, "both PKEXEC_UID and SUDO_UID"},
        {{{"SUDO_UID", "3999999999"}}, "is not a user of this machine"},
    };
    for (const auto& [env, why] : refused) {
        const auto r = helper(m, "com.example.adm", 1, "adm", 1, "", env);
        INFO(why << ": " << r.err);
        CHECK(r.exit_code == 3);
        CHECK(contains(r.err, why));
        CHECK_FALSE(fs::exists(marker));
    }
    const auto r = helper(m, "com.example.adm", 1, "adm", 1, "", {{"PKEXEC_UID", user.uid_text()}});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(fs::exists(marker));
}

TEST_CASE("admin helper: only the version of a pack the machine runs now gets admin rights") {
    // Scenario: version 2 of a pack drops an admin step; version 1 is still on disk (a built-in
    // pack the help desk replaced). A request for version 1 is refused.
    REQUIRE_MESSAGE(geteuid() == 0, "the admin helper runs as root");
    TestMachine m;
    TempDir work;
    const fs::path marker = work.path() / "old-step-ran";
    m.machine_pack("a/old.xml", pack_with_admin_steps("com.example.printers", 1, "reset",
                                                      {admin_run({"touch", marker.string()})}));
    m.machine_pack("b/new.xml", pack_with_admin_steps("com.example.printers", 2, "reset",
                                                      {"<run><arg>true</arg></run>"}));
    auto r = helper(m, "com.example.printers", 1, "reset", 1);
    INFO(r.err);
    CHECK(r.exit_code == 3);
    CHECK(contains(r.err,
                   "is not the one this machine runs (it runs pack com.example.printers "
                   "version 2"));
    CHECK_FALSE(fs::exists(marker));

    fs::remove(fs::path(m.paths.packs_dir) / "b" / "new.xml");  // the control
    r = helper(m, "com.example.printers", 1, "reset", 1);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(fs::exists(marker));
}

TEST_CASE("admin helper: skip-if-running looks at the caller's processes, not root's") {
    REQUIRE_MESSAGE(geteuid() == 0, "the admin helper runs as root and switches users");
    TestMachine m;
    TestUser user;
    TempDir work;
    fs::permissions(work.path(),
                    fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
    const fs::path marker = work.path() / "ran";
    const fs::path program = work.path() / "fixtray-probe-x";  // 15 characters: its whole comm
    fs::copy_file("/bin/sleep", program);
    fs::permissions(program,
                    fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
    m.machine_pack("adm.xml",
                   pack_with_admin_steps("com.example.adm", 1, "adm",
                                         {admin_run({"touch", marker.string()},
                                                    " skip-if-running=\"fixtray-probe-x\"")}));
    const std::map<std::string, std::string> caller{{"PKEXEC_UID", user.uid_text()}};

    // root's own process of that name: not the caller's, the step runs.
    const std::string roots = started_as(
        run_command({"sh", "-c", "\"$0\" 30 >/dev/null 2>&1 & echo $!", program.string()}),
        "fixtray-probe-x");
    auto r = helper(m, "com.example.adm", 1, "adm", 1, "", caller);
    run_command({"kill", roots});
    json record = step_record(r);
    CHECK(record["status"] == "ok");
    CHECK(fs::exists(marker));

    // The caller's process of that name: the step is skipped.
    fs::remove(marker);
    const std::string callers =
        started_as(run_command({"sh", "-c",
                                "\"$@\" \"$0\" 30 >/dev/null 2>&1 & echo $!",
                                program.string(), "setpriv", "--reuid=" + user.uid_text(),
                                "--regid=" + std::to_string(user.gid()), "--clear-groups"}),
                   "fixtray-probe-x");
    r = helper(m, "com.example.adm", 1, "adm", 1, "", caller);
    run_command({"kill", callers});
    record = step_record(r);
    CHECK(record["status"] == "skipped");
    CHECK_FALSE(fs::exists(marker));
}

TEST_CASE(
    "admin helper: a capture an admin step's foreach needs runs with the caller's rights, and "
    "what it printed reaches root's step only as a plain name") {
    // Scenario: the list an admin step runs over is captured by an earlier step the pack does
    // not mark admin. The helper captures it again to check the item; that step runs as the
    // caller (its `id -u` prints the caller's uid), and a printed value that is an option
    // ("-evil") is not handed to the step run as root.
    REQUIRE_MESSAGE(geteuid() == 0, "the admin helper runs as root and switches users");
    TestMachine m;
    TestUser user;
    TempDir work;
    m.machine_pack(
        "cap.xml",
        pack_with_admin_steps(
            "com.example.cap", 1, "cap",
            {"<run capture=\"things\"><arg>sh</arg><arg>-c</arg><arg>id -u; printf '%s\\n' -evil"
             "</arg></run>",
             admin_run({"touch", (work.path() / "${t}").string()}, " foreach=\"t in things\"")}));
    const std::map<std::string, std::string> caller{{"PKEXEC_UID", user.uid_text()}};

    auto r = helper(m, "com.example.cap", 1, "cap", 2, "", caller, user.uid_text());
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(fs::exists(work.path() / user.uid_text()));

    r = helper(m, "com.example.cap", 1, "cap", 2, "", caller, "0");  // what root would print
    INFO(r.out << r.err);
    CHECK(r.exit_code == 3);
    CHECK(contains(r.err, "\"0\" is not an item of things"));
    CHECK_FALSE(fs::exists(work.path() / "0"));

    r = helper(m, "com.example.cap", 1, "cap", 2, "", caller, "-evil");
    INFO(r.out << r.err);
    CHECK(r.exit_code == 3);
    CHECK(contains(r.err, "is not a plain name"));
    CHECK_FALSE(fs::exists(work.path() / "-evil"));
}

TEST_CASE("admin helper: the sudo rule the README gives is valid sudoers syntax") {
    // README.md, "Administrator steps": the rule an admin copies into /etc/sudoers.d/fixtray.
    const std::string readme = read_file(std::string(FIXTRAY_SOURCE_DIR) + "/README.md");
    const auto at = readme.find("/etc/sudoers.d/fixtray");
    REQUIRE(at != std::string::npos);
    const auto open = readme.find("```\n", at);
    const auto close = readme.find("```", open + 4);
    REQUIRE(open != std::string::npos);
    REQUIRE(close != std::string::npos);
    const std::string rule = readme.substr(open + 4, close - open - 4);
    CHECK(contains(rule, "secure_path="));
    TempDir dir;
    write_file(dir.path() / "fixtray", rule);
    const auto r = run_command({"visudo", "-c", "-f", (dir.path() / "fixtray").string()});
    INFO(rule << r.out << r.err);
    CHECK(r.exit_code == 0);
}

TEST_CASE(
    "admin helper: a step run as root may not name a folder of the employee's, and lint says "
    "so") {
    // Scenario: an admin delete-files under ${cache}, an admin exists under ${home}: the employee
    // could have made ~/.cache a link to a root-only folder. The helper refuses both before it
    // touches any path; `fixctl pack lint` warns the author.
    REQUIRE_MESSAGE(geteuid() == 0, "the admin helper runs as root");
    TestMachine m;
    TestUser user;
    const std::string pack = pack_with_admin_steps(
        "com.example.spool", 1, "spool",
        {"<delete-files admin=\"true\" root=\"${cache}/fixtray-spool\" glob=\"**\"/>",
         "<exists admin=\"true\" path=\"${home}/.config/secret\"/>",
         admin_run({"chown", "root", "${config}/x"})});
    m.machine_pack("spool.xml", pack);
    const std::map<std::string, std::string> caller{{"PKEXEC_UID", user.uid_text()}};
    for (const auto& [index, var] :
         std::vector<std::pair<int, std::string>>{{1, "cache"}, {2, "home"}, {3, "config"}}) {
        const auto r = helper(m, "com.example.spool", 1, "spool", index, "", caller);
        INFO(r.out << r.err);
        CHECK(r.exit_code == 3);
        CHECK(contains(r.err, "that step names ${" + var + "}, a folder of the employee's"));
    }
    const auto lint = run_fixctl({"pack", "lint", (fs::path(m.paths.packs_dir) / "spool.xml")});
    INFO(lint.out);
    CHECK(contains(lint.out, "an admin step names ${cache}"));
    CHECK(contains(lint.out, "[admin-user-folder]"));
}

TEST_CASE(
    "admin helper: through sudo -n without secure_path, the caller's PATH does not choose a "
    "program run as root") {
    // Scenario (issue 14, item 1, as found): a sudoers rule for the helper and no secure_path,
    // so sudo passes the caller's PATH on. The test's user puts ~/bin first with a program named
    // like the one an admin step runs by plain name. The helper's own PATH decides: the
    // caller's program never runs as root.
    REQUIRE_MESSAGE(geteuid() == 0, "this test switches users and mounts a sudoers file");
    REQUIRE_MESSAGE(find_program("sudo"), "sudo is needed (apt-get install sudo)");
    TestMachine m;
    TestUser user;
    TempDir work;
    fs::permissions(work.path(),
                    fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
    const fs::path bin = work.path() / "bin";
    const fs::path ran = work.path() / "caller-program-ran-as-root";
    write_file(bin / "fixtray-tool", "#!/bin/sh\ntouch " + ran.string() + "\n");
    fs::permissions(bin, fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
    fs::permissions(bin / "fixtray-tool",
                    fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
    m.machine_pack("tool.xml", pack_with_admin_steps("com.example.tool", 1, "tool",
                                                     {admin_run({"fixtray-tool"})}));
    const fs::path sudoers = work.path() / "sudoers";
    write_file(sudoers, "root ALL=(ALL:ALL) ALL\n" + user.name() + " ALL=(root) NOPASSWD: " +
                            FIXTRAY_ADMIN_PATH + "\n");
    fs::permissions(sudoers, fs::perms::owner_read | fs::perms::group_read);

    std::error_code ec;
    fs::create_directories("/etc/fixtray", ec);
    const auto r = run_command(
        {"unshare", "--mount", "--propagation", "private", "sh", "-c",
         "mount --bind \"$1\" /etc/fixtray && mount --bind \"$2\" /etc/sudoers && shift 2 && "
         "exec setpriv --reuid=\"$3\" --regid=\"$4\" --clear-groups env PATH=\"$1:$PATH\" sudo "
         "-n \"$2\" run-step --pack com.example.tool --version 1 --fix tool --phase steps "
         "--index 1 --item ''",
         "sh", m.paths.config_dir, sudoers.string(), bin.string(), FIXTRAY_ADMIN_PATH,
         user.uid_text(), std::to_string(user.gid())},
        {}, 120s);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);  // the helper ran the request (the step's own result below)
    const json record = json::parse(r.out);
    CHECK(record["status"] != "ok");
    CHECK(contains(record["message"].get<std::string>(), "fixtray-tool"));
    CHECK_FALSE(fs::exists(ran));
}

TEST_CASE(
    "admin helper: through the real pkexec and polkitd, an admin step runs as root for the "
    "employee a polkit rule allows, and for no one else") {
    // Scenario: the launcher desktops use. An employee runs fixctl; its admin step goes through
    // pkexec, which asks polkitd (on a system bus of the test's own, tests/services/polkit.sh)
    // about the action in installer/polkit; a rule, as a help desk writes one, allows it for
    // one user without a password. That user's step runs as root; another user's is refused
    // (pkexec has no agent to ask a password with) and nothing runs.
    REQUIRE_MESSAGE(geteuid() == 0, "this test starts a system bus and polkitd");
    REQUIRE_MESSAGE(find_program("pkexec"), "pkexec is needed (apt-get install pkexec polkitd)");
    TestMachine m;
    TestUser allowed;
    TestUser other;
    TempDir work;  // root's, 0755: only root can make the marker in it
    fs::permissions(work.path(),
                    fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
    const fs::path marker = work.path() / "made-by-root";
    m.machine_pack("pk.xml",
                   "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"com.example.pk\" version=\"1\">"
                   "<fix id=\"pk\" platforms=\"linux\"><title>Needs root</title><steps>" +
                       admin_run({"touch", marker.string()}) +
                       "</steps><verify><exists path=\"" + marker.string() +
                       "\"/></verify></fix></fixpack>");

    // The action fixtray installs, naming this build's helper; the rule names one user.
    std::string policy =
        read_file(std::string(FIXTRAY_SOURCE_DIR) + "/installer/polkit/org.fixtray.admin.policy.in");
    const std::string placeholder = "@FIXTRAY_ADMIN_INSTALLED@";
    REQUIRE(policy.find(placeholder) != std::string::npos);
    policy.replace(policy.find(placeholder), placeholder.size(), FIXTRAY_ADMIN_PATH);
    write_file(work.path() / "org.fixtray.admin.policy", policy);
    write_file(work.path() / "50-fixtray-test.rules",
               "polkit.addRule(function(action, subject) {\n"
               "  if (action.id == \"org.fixtray.admin\" && subject.user == \"" +
                   allowed.name() +
                   "\")\n"
                   "    return polkit.Result.YES;\n"
                   "});\n");

    const auto run_as = [&](const TestUser& user) {
        std::map<std::string, std::string> env = isolated_env(user.home());
        env.erase("FIXTRAY_MACHINE_ROOT");  // this fixctl reads the /etc/fixtray mounted
        std::error_code ec;
        fs::create_directories("/etc/fixtray", ec);  // a mount point
        std::vector<std::string> argv{services_dir() + "/polkit.sh",
                                      "exec",
                                      (work.path() / ("bus-" + user.name())).string(),
                                      (work.path() / "org.fixtray.admin.policy").string(),
                                      (work.path() / "50-fixtray-test.rules").string(),
                                      "--bind",
                                      m.paths.config_dir,
                                      "/etc/fixtray",
                                      "--"};
        for (const auto& a : user.become()) argv.push_back(a);
        for (const auto& a : {std::string(FIXCTL_PATH), std::string("run"), std::string("pk"),
                              std::string("--yes"), std::string("--json")})
            argv.push_back(a);
        return run_command(argv, env, 180s);
    };

    auto r = run_as(other);
    INFO(r.out << r.err);
    REQUIRE_FALSE(r.out.empty());
    json record = json::parse(r.out);
    CHECK(record["outcome"] != "fixed");
    CHECK(contains(record["steps"][0]["message"].get<std::string>(),
                   "not allowed to get administrator rights"));
    CHECK_FALSE(fs::exists(marker));

    r = run_as(allowed);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    record = json::parse(r.out);
    CHECK(record["outcome"] == "fixed");
    CHECK(record["user"] == allowed.name());
    CHECK(record["steps"][0]["admin"] == true);
    CHECK(record["steps"][0]["status"] == "ok");
    struct stat st {};
    REQUIRE(::stat(marker.c_str(), &st) == 0);
    CHECK(st.st_uid == 0);
}

namespace {

// A pack whose admin step marks its start, takes a while, and marks its end: a step cut off
// half-way leaves `started` without `finished`.
struct SlowAdminStep {
    TempDir work;  // root's, 0755: only a step run as root can write the marks in it
    fs::path started = work.path() / "started";
    fs::path finished = work.path() / "finished";
    explicit SlowAdminStep(TestMachine& m) {
        fs::permissions(work.path(),
                        fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
        m.machine_pack("slow.xml",
                       pack_with_admin_steps(
                           "com.example.slow", 1, "slow",
                           {admin_run({"sh", "-c",
                                       "touch \"$0\"; sleep 3; touch \"$1\"", started.string(),
                                       finished.string()})}));
    }
};

// A sudoers file (mode 0440) letting `user` run the helper without a password, with
// secure_path as the README asks.
fs::path sudoers_for(const TestUser& user, const fs::path& dir) {
    const fs::path sudoers = dir / "sudoers";
    write_file(sudoers, std::string("Defaults secure_path=\"") + kPrivilegedPath +
                            "\"\nroot ALL=(ALL:ALL) ALL\n" + user.name() +
                            " ALL=(root) NOPASSWD: " + FIXTRAY_ADMIN_PATH + "\n");
    fs::permissions(sudoers, fs::perms::owner_read | fs::perms::group_read);
    return sudoers;
}

}  // namespace

TEST_CASE(
    "admin helper: once a step runs as root the caller cannot stop it half-way, by signals sudo "
    "relays or by killing its own cgroup") {
    // Scenario (issue 14, item 7): a step run as root cut off in the middle can leave the
    // machine half changed. The caller tries: (1) through `sudo -n`, which relays the signals
    // the caller sends it (TERM, INT, HUP) to the helper; (2) in a cgroup the caller controls
    // (as systemd delegates user@UID.service), by moving the helper into a cgroup of its own
    // and writing its cgroup.kill. Each time the step still finishes and its record arrives.
    REQUIRE_MESSAGE(geteuid() == 0, "this test switches users, mounts and makes cgroups");
    REQUIRE_MESSAGE(find_program("sudo"), "sudo is needed (apt-get install sudo)");
    TestMachine m;
    TestUser user;
    SlowAdminStep slow(m);
    TempDir dir;
    fs::permissions(dir.path(),
                    fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
    const std::vector<std::string> request = admin_request("com.example.slow", 1, "slow", 1);
    std::string request_words;
    for (const auto& a : request) request_words += " '" + a + "'";

    SUBCASE("signals relayed by sudo") {
        const fs::path sudoers = sudoers_for(user, dir.path());
        std::vector<std::string> argv{"sh", "-c",
                                      "mount --bind \"$0\" /etc/sudoers && exec \"$@\"",
                                      sudoers.string()};
        for (const auto& a : user.become()) argv.push_back(a);
        argv.insert(argv.end(),
                    {"sh", "-c",
                     "sudo -n" + request_words +
                         " & pid=$!; i=0; while [ ! -e \"$0\" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done; "
                         "kill -TERM $pid; sleep 0.2; kill -INT $pid; sleep 0.2; "
                         "kill -HUP $pid; wait $pid; echo \"exit=$?\" >&2",
                     slow.started.string()});
        const auto r = m.with_machine_config(argv, "", {}, 120s);
        INFO(r.out << r.err);
        CHECK(contains(r.err, "exit=0"));
        CHECK(fs::exists(slow.finished));
        const json record = json::parse(r.out.substr(0, r.out.rfind('}') + 1));
        CHECK(record["status"] == "ok");
    }

    SUBCASE("the caller kills a cgroup it controls") {
        const auto where = posix::own_cgroup2();
        REQUIRE_MESSAGE(!where.own_dir.empty(), "no cgroup2 hierarchy on this machine");
        // Delegated as systemd delegates: the directory and its procs files are the user's.
        const std::string callers = where.own_dir + "/fxt-caller-" + std::to_string(getpid());
        REQUIRE(::mkdir(callers.c_str(), 0755) == 0);
        for (const char* name : {"", "/cgroup.procs", "/cgroup.threads", "/cgroup.subtree_control"})
            REQUIRE(::chown((callers + name).c_str(), user.uid(), user.gid()) == 0);
        // The launch (as pkexec: root, PKEXEC_UID) from a process in the caller's cgroup; then
        // the caller moves the helper into a cgroup of its own below and kills that.
        const std::string attack =
            "mkdir \"$0/mine\" && echo \"$1\" > \"$0/mine/cgroup.procs\" && "
            "echo 1 > \"$0/mine/cgroup.kill\"";
        std::vector<std::string> argv{"sh", "-c",
                "c=\"$1\" u=\"$2\" g=\"$3\" s=\"$4\"; shift 4; "
                "sh -c 'c=\"$0\" u=\"$1\"; shift; echo $$ > \"$c/cgroup.procs\" && "
                "exec env PKEXEC_UID=\"$u\" \"$@\"' "
                "\"$c\" \"$u\" \"$@\" & pid=$!; "
                "i=0; while [ ! -e \"$s\" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done; "
                "setpriv --reuid=\"$u\" --regid=\"$g\" --clear-groups sh -c '" +
                    attack +
                    "' \"$c\" $pid; echo \"attack=$?\" >&2; wait $pid; echo \"exit=$?\" >&2",
                "sh", callers, user.uid_text(), std::to_string(user.gid()),
                slow.started.string()};
        argv.insert(argv.end(), request.begin(), request.end());
        const auto r = m.with_machine_config(argv, "", {}, 120s);
        // Whatever is left (before the fix: the helper's step cgroup) goes with the test.
        run_command({"sh", "-c",
                     "find \"$0\" -depth -type d -exec rmdir {} + 2>/dev/null; true", callers});
        INFO(r.out << r.err);
        CHECK(contains(r.err, "exit=0"));
        CHECK(fs::exists(slow.finished));
        const json record = json::parse(r.out.substr(0, r.out.rfind('}') + 1));
        CHECK(record["status"] == "ok");
    }
}

TEST_CASE(
    "admin helper: fixctl cancelled during an admin step waits for it and records it as it "
    "ended, then stops the run") {
    // Scenario: the employee cancels (SIGTERM to fixctl, as Ctrl-C or the tray's Cancel) while
    // an admin step runs through `sudo -n`. The step is not cut off: fixctl waits for it, its
    // record says it finished ("ok", not "cancelled" about a step that went on as root), and the
    // run ends cancelled after it.
    REQUIRE_MESSAGE(geteuid() == 0, "this test switches users and mounts a sudoers file");
    REQUIRE_MESSAGE(find_program("sudo"), "sudo is needed (apt-get install sudo)");
    TestMachine m;
    TestUser user;
    SlowAdminStep slow(m);
    TempDir dir;
    fs::permissions(dir.path(),
                    fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
    const fs::path sudoers = sudoers_for(user, dir.path());
    std::map<std::string, std::string> env = isolated_env(user.home());
    env.erase("FIXTRAY_MACHINE_ROOT");  // this fixctl reads the /etc/fixtray mounted
    env["FIXTRAY_ADMIN_LAUNCHER"] = "sudo -n";
    std::vector<std::string> argv{"sh", "-c", "mount --bind \"$0\" /etc/sudoers && exec \"$@\"",
                                  sudoers.string()};
    for (const auto& a : user.become()) argv.push_back(a);
    argv.insert(argv.end(), {"sh", "-c",
                             "\"$1\" run slow --yes --json & pid=$!; "
                             "i=0; while [ ! -e \"$0\" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done; kill -TERM $pid; "
                             "wait $pid; echo \"exit=$?\" >&2",
                             slow.started.string(), FIXCTL_PATH});
    const auto r = m.with_machine_config(argv, "", env, 120s);
    INFO(r.out << r.err);
    CHECK(fs::exists(slow.finished));
    const json record = json::parse(r.out);
    CHECK(record["outcome"] == "cancelled");
    REQUIRE(record["steps"].size() == 1);
    CHECK(record["steps"][0]["status"] == "ok");
}
