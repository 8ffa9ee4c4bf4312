// A real user account made for one test (useradd), for tests that act as an unprivileged
// employee: the admin helper's attacks, sudo and pkexec rules. Needs root.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

#include "support/test_helpers.h"

namespace fixtray::test {

// useradd makes the account (name fxt-PID-N, a uid of the regular range, its own group, no
// password, shell nologin) with a home directory of its own (0700, owned by it) in a temporary
// folder; userdel removes it again on scope exit. Concurrent tests may make accounts at the same
// time (useradd's lock on /etc/passwd is waited for). .ci/run removes accounts named fxt-* that a
// killed test left behind.
class TestUser {
public:
    TestUser();
    ~TestUser();
    TestUser(const TestUser&) = delete;
    TestUser& operator=(const TestUser&) = delete;

    const std::string& name() const { return name_; }
    uid_t uid() const { return uid_; }
    gid_t gid() const { return gid_; }
    std::string uid_text() const { return std::to_string(uid_); }
    const std::filesystem::path& home() const { return home_; }
    // setpriv arguments that become this user (its uid, gid and no other groups), to put before
    // a command: {"setpriv", "--reuid=U", "--regid=G", "--clear-groups", "--"}.
    std::vector<std::string> become() const;

private:
    TempDir dir_;  // 0755: the home inside must be reachable by the user
    std::string name_;
    uid_t uid_ = 0;
    gid_t gid_ = 0;
    std::filesystem::path home_;
};

}  // namespace fixtray::test
