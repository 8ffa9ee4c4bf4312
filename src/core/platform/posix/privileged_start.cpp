#include "platform/privileged_start.h"

#include <pwd.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace fixtray {

namespace {

// Sets a limit to {soft, hard}. Where the hard limit cannot be raised (no CAP_SYS_RESOURCE,
// as in some containers), the soft limit goes up to the hard one; `must` limits (those a caller
// could use to cut a step's work short) then refuse instead.
Status set_limit(int resource, const char* name, rlim_t soft, rlim_t hard, bool must) {
    const rlimit limit{soft, hard};
    if (::setrlimit(resource, &limit) == 0) return {};
    const int error = errno;
    rlimit now{};
    if (!must && ::getrlimit(resource, &now) == 0) {
        now.rlim_cur = std::min(soft, now.rlim_max);
        if (::setrlimit(resource, &now) == 0) return {};
    }
    return Status::error(std::string("cannot reset the resource limit ") + name + ": " +
                         std::strerror(error));
}

}  // namespace

Status reset_inherited_state() {
    if (::clearenv() != 0) return Status::error("cannot clear the environment");
    ::setenv("PATH", kPrivilegedPath, 1);
    ::setenv("LANG", "C.UTF-8", 1);
    ::umask(022);

    struct Limit {
        int resource;
        const char* name;
        rlim_t soft, hard;
        bool must;
    };
    const rlim_t inf = RLIM_INFINITY;
    const Limit limits[] = {
        {RLIMIT_FSIZE, "RLIMIT_FSIZE", inf, inf, true},
        {RLIMIT_CPU, "RLIMIT_CPU", inf, inf, true},
        {RLIMIT_AS, "RLIMIT_AS", inf, inf, true},
        {RLIMIT_DATA, "RLIMIT_DATA", inf, inf, true},
        {RLIMIT_NPROC, "RLIMIT_NPROC", inf, inf, false},
        {RLIMIT_LOCKS, "RLIMIT_LOCKS", inf, inf, false},
        {RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING", inf, inf, false},
        {RLIMIT_NOFILE, "RLIMIT_NOFILE", 1024, 4096, false},
        {RLIMIT_STACK, "RLIMIT_STACK", 8 * 1024 * 1024, inf, false},
        {RLIMIT_CORE, "RLIMIT_CORE", 0, 0, true},
    };
    for (const Limit& l : limits)
        if (Status s = set_limit(l.resource, l.name, l.soft, l.hard, l.must); !s) return s;

    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; ++sig)
        if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);  // EINVAL: skip
    return {};
}

Result<unsigned> launcher_caller_uid(const char* pkexec_uid, const char* sudo_uid,
                                     unsigned own_uid) {
    const bool pkexec = pkexec_uid != nullptr && *pkexec_uid != '\0';
    const bool sudo = sudo_uid != nullptr && *sudo_uid != '\0';
    if (pkexec && sudo)
        return Status::error("both PKEXEC_UID and SUDO_UID are set: cannot tell which user asked");
    if (!pkexec && !sudo) return own_uid;
    const char* name = pkexec ? "PKEXEC_UID" : "SUDO_UID";
    const std::string text = pkexec ? pkexec_uid : sudo_uid;
    if (text.size() > 10 || text.find_first_not_of("0123456789") != std::string::npos)
        return Status::error(std::string(name) + " \"" + text + "\" is not a user id");
    const unsigned long long value = std::strtoull(text.c_str(), nullptr, 10);
    if (value >= 0xFFFFFFFFull)
        return Status::error(std::string(name) + " \"" + text + "\" is not a user id");
    if (value == 0)
        return Status::error(std::string(name) +
                             " says the caller is root: the helper serves an unprivileged user");
    if (::getpwuid(static_cast<uid_t>(value)) == nullptr)
        return Status::error(std::string(name) + " " + text + " is not a user of this machine");
    return static_cast<unsigned>(value);
}

}  // namespace fixtray
