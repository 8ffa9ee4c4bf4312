#include "platform/privileged_start.h"

#include <fcntl.h>
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

#include "platform/posix/cgroup2.h"

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

bool running_with_full_rights() {
    return ::geteuid() == 0;
}

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

namespace {

// Can user `uid` kill or freeze what is in cgroup `dir` (or move it out to do so)? Yes when the
// directory or one of its control files is the user's or writable by others.
bool caller_controls(const std::string& dir, unsigned uid) {
    for (const char* name : {"", "/cgroup.procs", "/cgroup.kill", "/cgroup.freeze"}) {
        struct stat st {};
        if (::lstat((dir + name).c_str(), &st) != 0) continue;
        if (st.st_uid == uid || (st.st_mode & S_IWOTH)) return true;
    }
    return false;
}

std::string parent_dir(const std::string& dir) {
    const auto slash = dir.rfind('/');
    return slash == std::string::npos || slash == 0 ? "/" : dir.substr(0, slash);
}

}  // namespace

Status shield_from_caller(unsigned caller_uid) {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    for (int sig : {SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGHUP, SIGTERM, SIGPIPE, SIGUSR1,
                    SIGUSR2, SIGALRM})
        ::sigaction(sig, &ignore, nullptr);

    if (caller_uid == 0) return {};  // started by root itself: no one to shield from
    const posix::Cgroup2Location where = posix::own_cgroup2();
    if (where.own_dir.empty()) return {};  // no cgroup2: none to be killed or frozen through
    // The caller's cgroup farthest up: killing or freezing it reaches everything below.
    std::string highest;
    for (std::string dir = where.own_dir;; dir = parent_dir(dir)) {
        if (caller_controls(dir, caller_uid)) highest = dir;
        if (dir.size() <= where.mount_point.size()) break;
    }
    if (highest.empty()) return {};
    std::string why = "it is the caller's";
    for (std::string dir = parent_dir(highest); dir.size() >= where.mount_point.size();
         dir = parent_dir(dir)) {
        // A cgroup with controllers for its children takes no process (EBUSY): go further up;
        // the root cgroup takes any.
        const int fd = ::open((dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
            const bool moved = ::write(fd, "0", 1) == 1;
            const int error = errno;
            ::close(fd);
            if (moved) return {};
            why = std::strerror(error);
        }
        if (dir.size() == where.mount_point.size()) break;
    }
    return Status::error("cannot leave the cgroup " + highest + ", which the caller controls (" +
                         why + ")");
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
