#include "support/test_user.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace fixtray::test {

namespace {

// useradd and userdel exit 10 when another one holds /etc/passwd's lock ("cannot lock"), and 1
// when they could not update the files; both are transient with parallel tests.
ProcessResult with_passwd_lock_retries(const std::vector<std::string>& argv) {
    ProcessResult r;
    for (int attempt = 0; attempt < 60; ++attempt) {
        r = run_command(argv);
        if (r.exit_code != 10 && r.exit_code != 1) return r;
        std::this_thread::sleep_for(std::chrono::milliseconds(250 + 50 * attempt));
    }
    return r;
}

}  // namespace

TestUser::TestUser() {
    if (::geteuid() != 0) throw std::runtime_error("TestUser needs root (useradd)");
    static std::atomic<int> counter{0};
    name_ = "fxt-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
    ::chmod(dir_.path().c_str(), 0755);
    home_ = dir_.path() / name_;
    const ProcessResult r = with_passwd_lock_retries(
        {"useradd", "--no-create-home", "--home-dir", home_.string(), "--user-group", "--shell",
         "/usr/sbin/nologin", "--comment", "fixtray test user", name_});
    if (r.exit_code != 0)
        throw std::runtime_error("useradd " + name_ + " failed (" + std::to_string(r.exit_code) +
                                 "): " + r.err);
    const passwd* pw = ::getpwnam(name_.c_str());
    if (!pw) throw std::runtime_error("useradd made " + name_ + " but getpwnam cannot find it");
    uid_ = pw->pw_uid;
    gid_ = pw->pw_gid;
    std::filesystem::create_directory(home_);
    if (::chown(home_.c_str(), uid_, gid_) != 0 || ::chmod(home_.c_str(), 0700) != 0)
        throw std::runtime_error("cannot give " + home_.string() + " to " + name_);
}

TestUser::~TestUser() {
    // Whatever the test left running as this user goes first (userdel refuses a logged-in user).
    run_command({"pkill", "-KILL", "-U", std::to_string(uid_)});
    with_passwd_lock_retries({"userdel", name_});
}

std::vector<std::string> TestUser::become() const {
    return {"setpriv", "--reuid=" + std::to_string(uid_), "--regid=" + std::to_string(gid_),
            "--clear-groups", "--"};
}

}  // namespace fixtray::test
