#include "support/test_helpers.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "base/cancel_token.h"

namespace fixtray::test {

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/fixtray-test-XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    // Tests may chmod directories (permission tests): make them writable again, then remove
    // without following links.
    for (auto it = std::filesystem::recursive_directory_iterator(path_, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_directory(ec) && !it->is_symlink(ec)) ::chmod(it->path().c_str(), 0700);
    }
    ::chmod(path_.c_str(), 0700);
    std::filesystem::remove_all(path_, ec);
}

void write_file(const std::filesystem::path& p, const std::string& content,
                std::chrono::seconds age) {
    std::filesystem::create_directories(p.parent_path());
    {
        std::ofstream out(p, std::ios::binary);
        out << content;
    }
    if (age.count() > 0) {
        timespec times[2];
        ::clock_gettime(CLOCK_REALTIME, &times[0]);
        times[0].tv_sec -= static_cast<time_t>(age.count());
        times[1] = times[0];
        ::utimensat(AT_FDCWD, p.c_str(), times, AT_SYMLINK_NOFOLLOW);
    }
}

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

ProcessResult run_command(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env,
                          std::chrono::milliseconds timeout) {
    SystemProcessRunner runner;
    ProcessRequest req;
    req.argv = argv;
    req.extra_env = env;
    req.timeout = timeout;
    req.output_cap = 4 * 1024 * 1024;
    // The service scripts (tests/services/*.sh start) leave their daemon running on purpose.
    req.detach = true;
    CancelToken never;
    return runner.run(req, never);
}

ProcessResult run_fixctl(const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env,
                         std::chrono::milliseconds timeout) {
    std::vector<std::string> argv{FIXCTL_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, env, timeout);
}

void exec_fixctl(const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env) {
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<std::string> argv{FIXCTL_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
}

bool process_alive(const std::string& pid) {
    const std::string stat = read_file("/proc/" + pid + "/stat");
    if (stat.empty()) return false;
    const auto close = stat.rfind(')');
    return close == std::string::npos || close + 2 >= stat.size() || stat[close + 2] != 'Z';
}

bool wait_for_exec(pid_t pid, const std::string& exe, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    const std::string link = "/proc/" + std::to_string(pid) + "/exe";
    while (true) {
        char buf[4096];
        const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
        if (n > 0 && std::string(buf, static_cast<std::size_t>(n)) == exe) return true;
        siginfo_t info{};
        if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
            info.si_pid == pid)
            return false;  // exited (exec failed), left for the caller to reap
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

std::string services_dir() {
    return std::string(FIXTRAY_SOURCE_DIR) + "/tests/services";
}

std::map<std::string, std::string> parse_exports(const std::string& text) {
    std::map<std::string, std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("export ", 0) != 0) continue;
        const auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        std::string value = line.substr(eq + 1);
        if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"'))
            value = value.substr(1, value.size() - 2);
        out[line.substr(7, eq - 7)] = value;
    }
    return out;
}

std::map<std::string, std::string> isolated_env(const std::filesystem::path& home) {
    return {{"HOME", home.string()},
            {"XDG_CACHE_HOME", (home / ".cache").string()},
            {"XDG_CONFIG_HOME", (home / ".config").string()},
            {"XDG_STATE_HOME", (home / ".local/state").string()},
            {"LANG", "C.UTF-8"},
            // fixctl's /etc/fixtray and /var/lib/fixtray under home/machine (empty unless a test
            // fills it): the machine's own configuration never leaks in (app/machine_paths.h).
            {"FIXTRAY_MACHINE_ROOT", (home / "machine").string()}};
}

std::string pack_with_fix(const std::string& fix_children, const std::string& params,
                          const std::string& fix_attrs) {
    return "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"org.example.test\" version=\"1\">" +
           params + "<fix id=\"t\" platforms=\"linux\" " + fix_attrs + "><title>Test fix</title>" +
           fix_children + "</fix></fixpack>";
}

}  // namespace fixtray::test
