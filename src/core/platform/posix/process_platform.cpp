// process_platform.h for Linux, by scanning /proc. A process matches when its
// /proc/PID/comm, the base name of /proc/PID/exe or the base name of argv[0] equals the name
// (comm is cut at 15 characters, hence the other two). Only processes whose real uid is ours
// are considered, unless the step is admin; pid 1 and fixtray itself never are.
//
// Each target is identified by (pid, start time) and signalled through a pidfd where the kernel
// has one (Linux >= 5.3), so a pid reused between the scan and the signal is never hit; without
// pidfds the start time is re-checked just before kill(). The polite request is SIGTERM, the
// forced end SIGKILL. Zombies count as ended.
//
// macOS has no /proc: a macOS build needs a variant over proc_listpids/proc_pidpath
// (libproc.h); it is not part of this file.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "platform/process_platform.h"

namespace fixtray::process_platform {
namespace {

struct ProcInfo {
    pid_t pid = 0;
    unsigned long long start_time = 0;  // field 22 of /proc/PID/stat
    char state = '?';
};

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string base_name(const std::string& p) {
    const auto slash = p.rfind('/');
    return slash == std::string::npos ? p : p.substr(slash + 1);
}

// State and start time from /proc/PID/stat; nullopt when the process is gone.
std::optional<ProcInfo> read_stat(pid_t pid) {
    const std::string s = read_file("/proc/" + std::to_string(pid) + "/stat");
    const auto close_paren = s.rfind(')');  // comm may contain spaces and ')'
    if (close_paren == std::string::npos || close_paren + 2 >= s.size()) return std::nullopt;
    std::istringstream rest(s.substr(close_paren + 2));
    ProcInfo info;
    info.pid = pid;
    rest >> info.state;
    std::string field;
    for (int i = 4; i <= 21 && rest >> field; ++i) {
    }
    if (!(rest >> info.start_time)) return std::nullopt;
    return info;
}

std::optional<uid_t> real_uid(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("Uid:", 0) == 0) {
            std::istringstream fields(line.substr(4));
            unsigned long uid = 0;
            if (fields >> uid) return static_cast<uid_t>(uid);
        }
    }
    return std::nullopt;
}

bool name_matches(pid_t pid, const std::string& name) {
    const std::string dir = "/proc/" + std::to_string(pid);
    std::string comm = read_file(dir + "/comm");
    if (!comm.empty() && comm.back() == '\n') comm.pop_back();
    if (comm == name) return true;
    char buf[4096];
    const ssize_t n = ::readlink((dir + "/exe").c_str(), buf, sizeof buf - 1);
    if (n > 0) {
        std::string exe(buf, static_cast<std::size_t>(n));
        const std::string deleted = " (deleted)";
        if (exe.size() > deleted.size() &&
            exe.compare(exe.size() - deleted.size(), deleted.size(), deleted) == 0)
            exe.resize(exe.size() - deleted.size());
        if (base_name(exe) == name) return true;
    }
    const std::string cmdline = read_file(dir + "/cmdline");
    const std::string argv0 = cmdline.substr(0, cmdline.find('\0'));
    return !argv0.empty() && base_name(argv0) == name;
}

// The matching processes, as /proc shows them now.
std::vector<ProcInfo> scan_proc(const std::string& name, bool any_user,
                                std::optional<unsigned> owner) {
    std::vector<ProcInfo> out;
    DIR* d = ::opendir("/proc");
    if (!d) return out;
    const pid_t self = ::getpid();
    const uid_t me = owner ? static_cast<uid_t>(*owner) : ::getuid();
    while (const dirent* e = ::readdir(d)) {
        if (!std::isdigit(static_cast<unsigned char>(e->d_name[0]))) continue;
        char* end = nullptr;
        const long v = std::strtol(e->d_name, &end, 10);
        if (*end != '\0' || v <= 1 || v == self) continue;
        const pid_t pid = static_cast<pid_t>(v);
        if (!any_user) {
            const auto uid = real_uid(pid);
            if (!uid || *uid != me) continue;
        }
        if (!name_matches(pid, name)) continue;
        const auto info = read_stat(pid);
        if (!info || info->state == 'Z' || info->state == 'X') continue;
        out.push_back(*info);
    }
    ::closedir(d);
    return out;
}

bool still_running(const ProcInfo& p) {
    const auto now = read_stat(p.pid);
    return now && now->start_time == p.start_time && now->state != 'Z' && now->state != 'X';
}

class PosixProcess final : public Process {
public:
    explicit PosixProcess(const ProcInfo& p) : info_(p) {
#ifdef SYS_pidfd_open
        pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, p.pid, 0));
        // The pidfd refers to whatever has this pid now: make sure it is still the process seen.
        if (pidfd_ >= 0 && !still_running(p)) {
            ::close(pidfd_);
            pidfd_ = -1;
            gone_ = true;
        }
#endif
    }
    PosixProcess(const PosixProcess&) = delete;
    PosixProcess& operator=(const PosixProcess&) = delete;
    ~PosixProcess() override {
        if (pidfd_ >= 0) ::close(pidfd_);
    }

    long pid() const override {
        return info_.pid;
    }
    bool running() const override {
        return !gone_ && still_running(info_);
    }
    Status ask_to_end() override {
        return signal(SIGTERM);
    }
    Status force_end() override {
        return signal(SIGKILL);
    }

private:
    // Empty on success (or already gone), else the error.
    Status signal(int sig) {
        const int err = send(sig);
        return err == 0 ? Status() : Status::error(std::strerror(err));
    }

    // 0 on success (or already gone), else errno.
    int send(int sig) {
        if (gone_) return 0;
#ifdef SYS_pidfd_send_signal
        if (pidfd_ >= 0) {
            if (::syscall(SYS_pidfd_send_signal, pidfd_, sig, nullptr, 0) == 0) return 0;
            return errno == ESRCH ? 0 : errno;
        }
#endif
        if (!still_running(info_)) return 0;
        if (::kill(info_.pid, sig) == 0) return 0;
        return errno == ESRCH ? 0 : errno;
    }

    ProcInfo info_;
    int pidfd_ = -1;
    bool gone_ = false;
};

}  // namespace

const char* const forced_end_word = "killed";

Status check_name(const std::string& name) {
    if (name.empty() || name.find('/') != std::string::npos || name.find('\0') != std::string::npos)
        return Status::error("the process name must be a plain name, without '/'");
    return {};
}

std::vector<std::unique_ptr<Process>> find_processes(const std::string& name, bool any_user,
                                                     std::optional<unsigned> owner) {
    std::vector<std::unique_ptr<Process>> out;
    for (const ProcInfo& p : scan_proc(name, any_user, owner))
        out.push_back(std::make_unique<PosixProcess>(p));
    return out;
}

std::vector<long> processes_with_environment_entry(const std::string& marker, long newer_than) {
    std::vector<long> found;
    DIR* proc = ::opendir("/proc");
    if (!proc) return found;
    const pid_t self = ::getpid();
    std::vector<long> pids;
    while (const dirent* e = ::readdir(proc)) {
        char* end = nullptr;
        const long pid = std::strtol(e->d_name, &end, 10);
        if (*end == '\0' && pid > 0 && pid != self) pids.push_back(pid);
    }
    ::closedir(proc);
    if (newer_than > 0) {
        // The last pid handed out, read after the listing: every pid listed is at most that,
        // and the ones after newer_than are (newer_than, last], or with a wrap-around in
        // between, above newer_than or up to last.
        long last = 0;
        std::ifstream("/proc/sys/kernel/ns_last_pid") >> last;
        if (last > 0)
            std::erase_if(pids, [&](long pid) {
                return last >= newer_than ? !(pid > newer_than && pid <= last)
                                          : !(pid > newer_than || pid <= last);
            });
    }
    std::string environ;
    char buf[8192];
    for (const long pid : pids) {
        const std::string path = "/proc/" + std::to_string(pid) + "/environ";
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        environ.clear();
        ssize_t n;
        while (environ.size() < (1u << 20) && (n = ::read(fd, buf, sizeof buf)) > 0)
            environ.append(buf, static_cast<std::size_t>(n));
        ::close(fd);
        for (std::size_t at = environ.find(marker); at != std::string::npos;
             at = environ.find(marker, at + 1)) {
            const std::size_t after = at + marker.size();
            if ((at == 0 || environ[at - 1] == '\0') &&
                (after == environ.size() || environ[after] == '\0')) {
                found.push_back(pid);
                break;
            }
        }
    }
    return found;
}

std::size_t force_end_with_environment_entry(const std::string& entry) {
    std::size_t ended = 0;
    for (const long pid : processes_with_environment_entry(entry))
        if (::kill(static_cast<pid_t>(pid), SIGKILL) == 0) ++ended;
    return ended;
}

}  // namespace fixtray::process_platform
