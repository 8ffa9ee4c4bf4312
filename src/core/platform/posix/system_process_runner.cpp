// SystemProcessRunner on POSIX: Boost.Process v1 spawns, asio drains output and keeps time.
//
// One run() = one asio::io_context on the calling thread; nothing is shared between runs, so
// any number of threads may call run() at once. Per run:
//   - stdout/stderr: pipe2(O_CLOEXEC) read ends as asio stream descriptors, read concurrently;
//   - stdin: /dev/null (reads see EOF at once; fd 0 is never left free for the child to reuse);
//   - the child gets its own process group (bp::group -> setpgid(0, 0) in the child), and
//     PR_SET_PDEATHSIG SIGKILL: if the runner is killed, the step's first process goes too;
//   - a 50 ms steady_timer polls for the child's exit, the deadline and the CancelToken;
//   - every process the child starts inherits a marker in its environment (FIXTRAY_STEP=...),
//     and, where a cgroup (v2) can be made below ours, lives in the step's own cgroup
//     (StepCgroup), which finds even those that clear their environment;
//   - timeout/cancel: SIGTERM to the group, to every process with the marker (those that
//     left the group: setsid, a double fork, job control) and to every process in the step's
//     cgroup, kill_grace on the timer, then SIGKILL to all (cgroup.kill); at the end, SIGKILL
//     to any of them still there;
//   - normal exit: what the child left running (the marked processes started after it, and
//     what is left in its cgroup) is ended as after a timeout, unless the request says
//     detach; then it is left alone, and output it still holds open is read for up to 500 ms
//     more.
// Boost pitfalls avoided (see FIELD-NOTES): no wait_for, no on_exit, no limit_handles.
#include <utility>  // before any asio header: g++ 12 in C++20 mode needs it (std::exchange)

#include "base/bounded_output.h"
#include "base/cancel_token.h"
#include "platform/posix/cgroup2.h"
#include "platform/process_platform.h"
#include "platform/process_runner.h"
#include "platform/process_runner_platform.h"

// Boost 1.74 offers vfork() only for old POSIX feature levels; glibc has it at every level.
#define BOOST_POSIX_HAS_VFORK 1
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/env.hpp>
#include <boost/process/environment.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/group.hpp>
#include <boost/process/posix.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string_view>
#include <system_error>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace fixtray {

namespace asio = boost::asio;
namespace bp = boost::process;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(50);
// After the direct child exited, how long we keep reading output still held open by its
// descendants before we stop listening (a detached step: ProcessRequest::detach).
constexpr auto kDrainAfterExit = std::chrono::milliseconds(500);
// After SIGKILL, how long we wait for the child and the pipes before giving up.
constexpr auto kWaitAfterKill = std::chrono::seconds(5);
constexpr std::size_t kReadChunk = 64 * 1024;

class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) reset(std::exchange(other.fd_, -1));
        return *this;
    }
    ~UniqueFd() { reset(); }
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }
    void reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

std::error_code last_error() {
    return {errno, std::system_category()};
}

bool is_executable_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
}

// A cgroup (v2) of its own for one step, where the machine lets us make one: a child of our
// own cgroup (root may; a user may inside the part of the tree systemd delegates to them).
// The step's first process joins it before exec, and everything it starts stays in it,
// whatever it does (setsid, a double fork, an empty environment): the cgroup lists them all,
// and cgroup.kill ends them all. Where no cgroup can be made, the step runs without one and
// the environment marker is what finds its processes. The runner holds flock(2) on the cgroup's
// directory while the step runs: a step cgroup nobody holds belongs to a runner that is gone.
// (Not its PID: runners in other PID namespaces, such as the admin helper's caller in a
// container, share the directory and would see each other's as dead.)
class StepCgroup {
public:
    // make false: none (a detached step, whose processes outlive it on purpose).
    StepCgroup(const std::string& name, bool make) {
        if (!make) return;
        const std::string own = posix::own_cgroup2().own_dir;
        if (own.empty()) return;
        end_orphans(own);
        const std::string dir = own + "/" + name;
        if (::mkdir(dir.c_str(), 0755) != 0) return;
        lock_fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        procs_fd_ = ::open((dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
        if (lock_fd_ < 0 || ::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0 || procs_fd_ < 0) {
            ::rmdir(dir.c_str());
            return;
        }
        dir_ = dir;
    }
    ~StepCgroup() {
        if (procs_fd_ >= 0) ::close(procs_fd_);
        if (!dir_.empty()) {
            // Nothing of a step outlives its run (a detached step has no cgroup): whatever is
            // still in it (a run ended by an exception) is ended now. The directory can go
            // once they are gone (reaped or not: a zombie is no longer in a cgroup).
            if (::rmdir(dir_.c_str()) != 0 && errno == EBUSY) {
                kill_all();
                for (int i = 0; i < 100 && ::rmdir(dir_.c_str()) != 0 && errno == EBUSY; ++i)
                    ::usleep(10'000);
            }
        }
        if (lock_fd_ >= 0) ::close(lock_fd_);
    }
    StepCgroup(const StepCgroup&) = delete;
    StepCgroup& operator=(const StepCgroup&) = delete;

    // For the child before exec: the descriptor it writes "0" to (itself), or -1.
    int procs_fd() const { return procs_fd_; }
    bool active() const { return !dir_.empty(); }

    // The processes in it now (none when there is no cgroup).
    std::vector<pid_t> pids() const {
        std::vector<pid_t> out;
        if (dir_.empty()) return out;
        std::ifstream in(dir_ + "/cgroup.procs");
        for (long pid; in >> pid;) out.push_back(static_cast<pid_t>(pid));
        return out;
    }
    // SIGKILL to everything in it, at once (cgroup.kill, Linux 5.14), else one by one.
    void kill_all() const {
        if (dir_.empty()) return;
        const int fd = ::open((dir_ + "/cgroup.kill").c_str(), O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
            const bool done = ::write(fd, "1", 1) == 1;
            ::close(fd);
            if (done) return;
        }
        for (const pid_t p : pids()) ::kill(p, SIGKILL);
    }

private:
    // The step cgroups (fixtray-step-...) of a runner that is gone (killed before it could
    // remove them): nobody holds their lock. What is still in them is ended, and they are
    // removed. One made in the last seconds is left alone: its runner takes the lock just after
    // making it.
    static void end_orphans(const std::string& own) {
        DIR* d = ::opendir(own.c_str());
        if (!d) return;
        std::vector<std::string> orphans;
        std::vector<int> held;  // their locks, kept until they are removed
        const time_t now = ::time(nullptr);
        while (const dirent* e = ::readdir(d)) {
            const std::string_view name = e->d_name;
            if (name.rfind("fixtray-step-", 0) != 0) continue;
            const std::string dir = own + "/" + std::string(name);
            const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
            if (fd < 0) continue;
            struct stat st {};
            if (::fstat(fd, &st) == 0 && now - st.st_mtime >= 10 &&
                ::flock(fd, LOCK_EX | LOCK_NB) == 0) {
                orphans.push_back(dir);
                held.push_back(fd);
            } else {
                ::close(fd);
            }
        }
        ::closedir(d);
        for (const std::string& dir : orphans) {
            const int fd = ::open((dir + "/cgroup.kill").c_str(), O_WRONLY | O_CLOEXEC);
            if (fd >= 0) {
                // Best effort (glibc's fortified write() cannot be ignored with a cast).
                if (::write(fd, "1", 1) < 0) {
                }
                ::close(fd);
            }
            ::rmdir(dir.c_str());  // if they are not gone yet, the next step's sweep removes it
        }
        for (const int fd : held) ::close(fd);
    }

    std::string dir_;
    int lock_fd_ = -1;  // flock held on dir_ while the step runs
    int procs_fd_ = -1;
};

// Runs in the forked child before execve: only async-signal-safe calls, no allocation.
// Boost's own redirections are not used so that every descriptor we create is O_CLOEXEC from
// birth (boost's async_pipe uses pipe(2) without it, which leaks into concurrent spawns).
struct ChildSetup : bp::extend::handler {
    int stdin_fd;
    int stdout_fd;
    int stderr_fd;
    const char* working_dir;  // nullptr: inherit
    pid_t parent;             // our pid, taken before the spawn
    int cgroup_procs_fd;      // the step's cgroup.procs, or -1 (StepCgroup)
    bool drop_rights;         // run as run_uid / run_gid (ProcessRequest::run_as_uid)
    uid_t run_uid;
    gid_t run_gid;

    template <class Executor>
    void on_exec_setup(Executor& exec) const {
        // Join the step's cgroup first, so that everything it starts is in it. A failure leaves
        // the step without one (the marker still finds its processes).
        if (cgroup_procs_fd >= 0 && ::write(cgroup_procs_fd, "0", 1) < 0) {
        }
        // The step dies with its runner: a fixctl or tray killed with SIGKILL (no handler runs)
        // takes the step's first process with it. What that process started carries the run's
        // marker and is ended by the next run (AuditLog::recover_interrupted). If the runner is
        // already gone, the death signal would never come: do not start.
        if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail(exec, "prctl(PR_SET_PDEATHSIG) failed");
        if (::getppid() != parent) ::_exit(127);
        if (::dup2(stdin_fd, STDIN_FILENO) < 0 || ::dup2(stdout_fd, STDOUT_FILENO) < 0 ||
            ::dup2(stderr_fd, STDERR_FILENO) < 0) {
            fail(exec, "dup2() failed");
        }
        if (working_dir != nullptr && ::chdir(working_dir) != 0) fail(exec, "chdir() failed");
        // The caller's rights, for good (real, effective and saved ids). Raw system calls: in
        // a vfork child glibc's setuid() would signal the parent's threads (its setxid
        // broadcast); the kernel changes only this process's credentials.
        if (drop_rights) {
            const gid_t groups[1] = {run_gid};
            if (::syscall(SYS_setgroups, 1, groups) != 0 ||
                ::syscall(SYS_setresgid, run_gid, run_gid, run_gid) != 0 ||
                ::syscall(SYS_setresuid, run_uid, run_uid, run_uid) != 0)
                fail(exec, "cannot switch to the caller's user");
        }

        // We run in a vfork() child that shares the parent's memory: every signal arrives
        // blocked (see run_child). First make sure no parent handler can run here, then give
        // the program the signal state it expects: "ignored" and "blocked" survive exec (a
        // worker thread may block signals, an app may ignore SIGPIPE).
        struct sigaction dfl {};
        dfl.sa_handler = SIG_DFL;
        sigemptyset(&dfl.sa_mask);
        for (int sig = 1; sig < NSIG; ++sig) {
            if (sig == SIGKILL || sig == SIGSTOP) continue;
            struct sigaction old {};
            if (::sigaction(sig, nullptr, &old) != 0) continue;
            if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_IGN)
                ::sigaction(sig, &dfl, nullptr);  // a handler of the parent's: reset
        }
        for (int sig : {SIGPIPE, SIGXFSZ, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGTSTP, SIGTTIN,
                        SIGTTOU, SIGUSR1, SIGUSR2, SIGALRM}) {
            ::sigaction(sig, &dfl, nullptr);
        }
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);

        // No descriptor beyond stdio crosses exec, whoever opened it (other threads, libraries).
        // CLOEXEC rather than close: Boost's exec-error pipe must stay usable until execve.
        mark_cloexec_from(3);
    }

    // Spawn failed after fork: the child already exited (or is about to); reap it so that a
    // failed start leaves no zombie (Boost 1.74 does not).
    template <class Executor>
    void on_error(Executor& exec, const std::error_code&) const {
        if (exec.pid > 0) {
            int status = 0;
            while (::waitpid(exec.pid, &status, 0) < 0 && errno == EINTR) {
            }
        }
    }

    template <class Executor>
    [[noreturn]] static void fail(Executor& exec, const char* what) {
        exec.set_error(last_error(), what);  // in the child: written to Boost's error pipe
        ::_exit(127);
    }

    static void mark_cloexec_from(int first) {
#if defined(__linux__) && defined(SYS_close_range)
        if (::syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
#endif
        struct rlimit rl {};
        long last = 65536;
        if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
            last = static_cast<long>(std::min<rlim_t>(rl.rlim_cur, 1 << 20));
        }
        for (long fd = first; fd < last; ++fd) ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
    }
};

// One output stream of the child: the read end of its pipe plus what we keep of it.
struct Capture {
    Capture(asio::io_context& io, int fd, OutputStream which, std::size_t cap)
        : pipe(io, fd), stream(which), kept(cap), buffer(kReadChunk) {}

    asio::posix::stream_descriptor pipe;
    OutputStream stream;
    BoundedOutput kept;
    std::vector<char> buffer;
    bool open = true;
};

// The environment entry every process a step starts inherits ("FIXTRAY_STEP=<random>"): what
// finds the processes that left the step's process group (setsid, a double fork, a shell's
// job control) and were reparented away from it.
std::string new_step_marker() {
    static std::atomic<unsigned> counter{0};
    std::random_device random;
    char buf[64];
    std::snprintf(buf, sizeof buf, "FIXTRAY_STEP=%08x%08x-%d-%u", random(), random(),
                  static_cast<int>(::getpid()), counter.fetch_add(1));
    return buf;
}

// Watches one started child until it is finished; lives on the run() stack frame.
class Supervisor {
public:
    Supervisor(asio::io_context& io, pid_t pid, std::string marker, const StepCgroup& cgroup,
               const ProcessRequest& request, const CancelToken& cancel,
               const OutputCallback& on_output, ProcessResult& result, int out_fd, int err_fd)
        : timer_(io),
          exit_watch_(io),
          pid_(pid),
          marker_(std::move(marker)),
          cgroup_(cgroup),
          request_(request),
          cancel_(cancel),
          on_output_(on_output),
          result_(result),
          out_(io, out_fd, OutputStream::out, request.output_cap),
          err_(io, err_fd, OutputStream::err, request.output_cap) {
        const auto now = Clock::now();
        deadline_ = request.timeout.count() > 0 ? now + request.timeout : Clock::time_point::max();
    }

    void start() {
        read(out_);
        read(err_);
        watch_exit();
        arm(kPollInterval);
    }

    bool child_exited() const { return child_exited_; }
    bool signalled_group() const { return phase_ != Phase::running; }
    std::exception_ptr callback_error() const { return callback_error_; }
    const Capture& out() const { return out_; }
    const Capture& err() const { return err_; }

private:
    enum class Phase { running, terminating, killed };

    void read(Capture& c) {
        c.pipe.async_read_some(
            asio::buffer(c.buffer),
            [this, &c](const boost::system::error_code& ec, std::size_t n) { on_read(c, ec, n); });
    }

    void on_read(Capture& c, const boost::system::error_code& ec, std::size_t n) {
        if (n > 0) {
            const std::string_view chunk(c.buffer.data(), n);
            c.kept.append(chunk);
            if (on_output_ && !callback_error_) {
                try {
                    on_output_(c.stream, chunk);
                } catch (...) {
                    // The caller's exception: end the step now, rethrown by run() after cleanup.
                    callback_error_ = std::current_exception();
                    signal_group(SIGKILL);
                    finish();
                    return;
                }
            }
        }
        if (!ec && !done_) {
            read(c);
            return;
        }
        // EOF, an error, or finish() closed the pipe.
        if (c.open) {
            c.open = false;
            boost::system::error_code ignored;
            c.pipe.close(ignored);
        }
        poke();
    }

    // A pidfd becomes readable when the child exits (Linux >= 5.3): the exit is seen at once
    // instead of at the next poll. Without one, the polling below still finds it.
    void watch_exit() {
#if defined(__linux__) && defined(SYS_pidfd_open)
        const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
        if (fd < 0) return;
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
        boost::system::error_code ec;
        exit_watch_.assign(fd, ec);
        if (ec) {
            ::close(fd);
            return;
        }
        exit_watch_.async_wait(asio::posix::stream_descriptor::wait_read,
                               [this](const boost::system::error_code& error) {
                                   if (!error) poke();
                               });
#endif
    }

    // Re-evaluate now instead of at the next poll (output finished: the exit is near).
    void poke() {
        if (!done_) timer_.cancel();
    }

    void arm(Clock::duration interval) {
        timer_.expires_after(interval);
        timer_.async_wait([this](const boost::system::error_code&) {
            if (!done_) tick();
        });
    }

    void tick() {
        const auto now = Clock::now();
        if (!child_exited_) child_exited_ = poll_exited();
        const bool output_done = !out_.open && !err_.open;

        switch (phase_) {
            case Phase::running:
                if (cancel_.cancelled()) {
                    result_.cancelled = true;
                    terminate(now);
                } else if (now >= deadline_) {
                    result_.timed_out = true;
                    terminate(now);
                } else if (child_exited_) {
                    if (!request_.detach && !checked_left_) {
                        // What the program started and left running ends with the step
                        // (ProcessRequest::detach keeps it). Only processes started after
                        // the child are looked at: the check costs next to nothing.
                        checked_left_ = true;
                        auto left =
                            process_platform::processes_with_environment_entry(marker_, pid_);
                        for (const pid_t p : cgroup_.pids())  // also those without the marker
                            if (std::find(left.begin(), left.end(), p) == left.end())
                                left.push_back(p);
                        if (!left.empty()) {
                            result_.left_running = static_cast<int>(left.size());
                            terminate(now);
                            break;
                        }
                    }
                    if (output_done) return finish();
                    if (!drain_end_) drain_end_ = now + kDrainAfterExit;
                    if (now >= *drain_end_) return finish();
                }
                break;
            case Phase::terminating:
                if (child_exited_ && output_done) return finish();
                if (now >= grace_end_) {
                    // Someone ignored SIGTERM: the child itself or a descendant holding our pipes.
                    signal_group(SIGKILL);
                    result_.killed = true;
                    phase_ = Phase::killed;
                    give_up_ = now + kWaitAfterKill;
                }
                break;
            case Phase::killed:
                if (child_exited_ && output_done) return finish();
                if (now >= give_up_) return finish();
                break;
        }

        // Output closed but the child not yet reaped: poll fast for a moment, then back off.
        if (output_done && !child_exited_) {
            fast_poll_ = std::min<Clock::duration>(fast_poll_ * 2, kPollInterval);
            arm(fast_poll_);
        } else {
            arm(kPollInterval);
        }
    }

    void terminate(Clock::time_point now) {
        signal_group(SIGTERM);
        phase_ = Phase::terminating;
        grace_end_ = now + request_.kill_grace;
    }

    // Safe even after the direct child exited: we poll with WNOWAIT, so the group leader stays
    // an unreaped zombie until run() ends and its pid (= the pgid) cannot be reused meanwhile.
    // Then every process that carries the step's marker, wherever it went.
    void signal_group(int sig) {
        ::kill(-pid_, sig);
        if (sig == SIGKILL)
            cgroup_.kill_all();
        else
            for (const pid_t p : cgroup_.pids()) ::kill(p, sig);
        for (const long p : process_platform::processes_with_environment_entry(marker_))
            ::kill(static_cast<pid_t>(p), sig);
    }

    bool poll_exited() {
        siginfo_t info{};
        if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0) {
            return info.si_pid == pid_;
        }
        return errno == ECHILD;  // reaped by someone else (a foreign SIGCHLD handler)
    }

    void finish() {
        done_ = true;
        boost::system::error_code ignored;
        timer_.cancel();
        exit_watch_.close(ignored);
        out_.pipe.close(ignored);
        err_.pipe.close(ignored);
    }

    asio::steady_timer timer_;
    asio::posix::stream_descriptor exit_watch_;
    pid_t pid_;
    std::string marker_;
    const StepCgroup& cgroup_;
    const ProcessRequest& request_;
    const CancelToken& cancel_;
    const OutputCallback& on_output_;
    ProcessResult& result_;
    Capture out_;
    Capture err_;

    Phase phase_ = Phase::running;
    bool child_exited_ = false;
    bool checked_left_ = false;
    bool done_ = false;
    Clock::time_point deadline_;
    Clock::time_point grace_end_;
    Clock::time_point give_up_;
    std::optional<Clock::time_point> drain_end_;
    Clock::duration fast_poll_ = std::chrono::microseconds(500);
    std::exception_ptr callback_error_;
};

void decode_status(int status, ProcessResult& result) {
    if (WIFEXITED(status)) {
        result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.term_signal = WTERMSIG(status);
    }
}

bool make_pipe(UniqueFd& read_end, UniqueFd& write_end) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    read_end.reset(fds[0]);
    write_end.reset(fds[1]);
    return true;
}

// Spawns and supervises. An exception thrown by on_output is handed back in callback_error
// (after the group is killed and reaped) so that run() can rethrow it unchanged.
ProcessResult run_child(const ProcessRequest& request, const CancelToken& cancel,
                        const OutputCallback& on_output, const std::string& exe,
                        std::exception_ptr& callback_error) {
    const auto started_at = Clock::now();

    UniqueFd null_in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (null_in.get() < 0) return not_started("cannot open /dev/null: " + last_error().message());
    UniqueFd out_read, out_write, err_read, err_write;
    if (!make_pipe(out_read, out_write) || !make_pipe(err_read, err_write)) {
        return not_started("cannot create a pipe: " + last_error().message());
    }

    bp::environment env = boost::this_process::environment();
    const std::string marker = new_step_marker();
    // A detached step's processes outlive it on purpose: no cgroup (it could not be removed).
    const StepCgroup cgroup("fixtray-step-" + marker.substr(marker.find('=') + 1), !request.detach);
    env.set(marker.substr(0, marker.find('=')), marker.substr(marker.find('=') + 1));
    for (const auto& [name, value] : request.extra_env) {
        if (name.empty() || name.find('=') != std::string::npos) {
            return not_started("invalid environment variable name: " + name);
        }
        // Not env[name]: Boost 1.74's environment::find reads past shorter entries (ASan).
        env.set(name, value);
    }
    if (!request.working_dir.empty()) {
        std::error_code fs_ec;
        if (!std::filesystem::is_directory(request.working_dir, fs_ec)) {
            return not_started("working directory not found: " + request.working_dir);
        }
    }

    uid_t run_uid = 0;
    gid_t run_gid = 0;
    if (request.run_as_uid) {
        struct passwd pw {};
        struct passwd* found = nullptr;
        char buf[4096];
        ::getpwuid_r(static_cast<uid_t>(*request.run_as_uid), &pw, buf, sizeof buf, &found);
        if (found == nullptr)
            return not_started("no user with id " + std::to_string(*request.run_as_uid));
        run_uid = found->pw_uid;
        run_gid = found->pw_gid;
    }
    const std::vector<std::string> args(request.argv.begin() + 1, request.argv.end());
    const ChildSetup setup{{},
                           null_in.get(),
                           out_write.get(),
                           err_write.get(),
                           request.working_dir.empty() ? nullptr : request.working_dir.c_str(),
                           ::getpid(),
                           cgroup.procs_fd(),
                           request.run_as_uid.has_value(),
                           run_uid,
                           run_gid};

    asio::io_context io(1);
    bp::group group;
    std::error_code spawn_ec;
    // vfork(): the parent is not copied, which keeps a start cheap for a large process (the
    // tray app). The child shares our memory until execve, so the setup above does no
    // allocation, and every signal stays blocked in this thread until the child has exec'd.
    sigset_t all, previous;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &previous);
    bp::child child(bp::exe = exe, bp::args = args, env, group, setup, bp::posix::use_vfork,
                    spawn_ec);
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    if (spawn_ec || !child.valid()) {
        return not_started("could not start " + exe + ": " + spawn_ec.message());
    }
    // From here the child runs. We signal its group ourselves and never let ~group() do it:
    // that would killpg() after the leader is reaped, when the pgid may belong to someone else.
    group.detach();
    const pid_t pid = child.id();
    null_in.reset();
    out_write.reset();  // our copies of the write ends: EOF comes when the child's side closes
    err_write.reset();

    ProcessResult result;
    result.started = true;
    Supervisor supervisor(io, pid, marker, cgroup, request, cancel, on_output, result,
                          out_read.release(), err_read.release());
    try {
        supervisor.start();
        io.run();
    } catch (...) {
        ::kill(-pid, SIGKILL);  // never leave a running group behind
        std::error_code wait_ec;
        child.wait(wait_ec);
        throw;
    }

    callback_error = supervisor.callback_error();
    if (supervisor.signalled_group()) {
        // Sweep descendants that ignored SIGTERM without holding our pipes, in the group or
        // gone from it.
        ::kill(-pid, SIGKILL);
        for (const long p : process_platform::processes_with_environment_entry(marker))
            ::kill(static_cast<pid_t>(p), SIGKILL);
        cgroup.kill_all();
    }
    if (supervisor.child_exited() || callback_error) {
        // After an on_output exception the group already got SIGKILL: this wait is short.
        std::error_code wait_ec;
        child.wait(wait_ec);
        if (!wait_ec) decode_status(child.native_exit_code(), result);
    } else {
        // Survived SIGKILL for kWaitAfterKill (uninterruptible sleep): do not block on it.
        child.detach();
        result.error = "the process did not exit after SIGKILL";
    }

    const auto& out = supervisor.out();
    const auto& err = supervisor.err();
    result.out = out.kept.str();
    result.err = err.kept.str();
    result.out_bytes = out.kept.total();
    result.err_bytes = err.kept.total();
    result.out_truncated = out.kept.truncated();
    result.err_truncated = err.kept.truncated();
    result.duration =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_at);
    return result;
}

}  // namespace

namespace {

// Where a program name without a '/' may be, in PATH order: each absolute PATH entry joined
// with the name. Empty and relative entries (meaning the current directory) are skipped on
// purpose: fix steps may run privileged and must not pick up programs from wherever they run.
std::vector<std::string> path_candidates(const std::string& name) {
    std::vector<std::string> out;
    const char* path_env = std::getenv("PATH");
    const std::string_view path = path_env != nullptr ? path_env : "/usr/local/bin:/usr/bin:/bin";
    std::size_t begin = 0;
    while (begin <= path.size()) {
        const std::size_t end = std::min(path.find(':', begin), path.size());
        const std::string_view dir = path.substr(begin, end - begin);
        if (!dir.empty() && dir.front() == '/') {
            std::string candidate(dir);
            if (candidate.back() != '/') candidate += '/';
            out.push_back(candidate + name);
        }
        begin = end + 1;
    }
    return out;
}

}  // namespace

std::optional<std::string> find_program(const std::string& name) {
    if (name.empty()) return std::nullopt;
    if (name.find('/') != std::string::npos) {
        if (is_executable_file(name)) return name;
        return std::nullopt;
    }
    for (const std::string& candidate : path_candidates(name))
        if (is_executable_file(candidate)) return candidate;
    return std::nullopt;
}

namespace {

// Why `path` cannot be run as a program ("it is a directory", ...); "" when it can; nullopt when
// there is nothing at all.
std::optional<std::string> unrunnable_reason(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
        return std::string(std::strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) return std::string("it is a directory");
    if (!S_ISREG(st.st_mode)) return std::string("it is not a regular file");
    if (::access(path.c_str(), X_OK) != 0)
        return errno == EACCES ? std::string("it is not executable (no execute permission)")
                               : std::string(std::strerror(errno));
    return std::string();
}

}  // namespace

std::string program_not_found_message(const std::string& name) {
    if (name.find('/') != std::string::npos) {
        if (const auto why = unrunnable_reason(name); why && !why->empty())
            return "cannot run " + name + ": " + *why;
        return "program not found: " + name;
    }
    for (const std::string& candidate : path_candidates(name))
        if (const auto why = unrunnable_reason(candidate); why && !why->empty())
            return "program not found: " + name + " (" + candidate + " is on PATH, but " + *why +
                   ")";
    return "program not found: " + name;
}

ProcessResult run_found_program(const ProcessRequest& request, const CancelToken& cancel,
                                const OutputCallback& on_output, const std::string& found) {
    std::string exe = found;
    // A relative path with a '/' means relative to our directory, not to working_dir.
    std::error_code fs_ec;
    if (const auto absolute = std::filesystem::absolute(exe, fs_ec); !fs_ec) {
        exe = absolute.string();
    }

    std::exception_ptr callback_error;
    ProcessResult result;
    try {
        result = run_child(request, cancel, on_output, exe, callback_error);
    } catch (const std::exception& e) {
        // Boost or the system failed; a child that was already running has been killed.
        return not_started("could not run " + exe + ": " + e.what());
    }
    if (callback_error) std::rethrow_exception(callback_error);
    return result;
}

}  // namespace fixtray
