// Shared test helpers: temporary directories, writing files, running fixctl.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "platform/process_runner.h"

namespace fixtray::test {

// A fresh directory under $TMPDIR, removed (recursively, without following links) on scope exit.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::string str() const { return path_.string(); }
    std::string operator/(const std::string& rel) const { return (path_ / rel).string(); }

private:
    std::filesystem::path path_;
};

// Writes a file, creating parent directories; with age, its mtime is set that far back.
void write_file(const std::filesystem::path& p, const std::string& content,
                std::chrono::seconds age = std::chrono::seconds(0));
std::string read_file(const std::filesystem::path& p);

// Runs a program (argv, no shell) with extra environment; output kept up to 4 MiB.
ProcessResult run_command(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(120));

// In a child just forked by a test: sets env and becomes the freshly built fixctl with args
// (exit code 127 if that fails). For tests that drive fixctl through their own pipe or terminal.
[[noreturn]] void exec_fixctl(const std::vector<std::string>& args,
                              const std::map<std::string, std::string>& env);

// Runs the freshly built fixctl with args and extra environment; returns exit code and output.
ProcessResult run_fixctl(const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env = {},
                         std::chrono::milliseconds timeout = std::chrono::seconds(120));

// Environment for fixctl with HOME and XDG dirs inside `home`, and its machine paths
// (/etc/fixtray, /var/lib/fixtray) under home/machine: no system config leaks in.
std::map<std::string, std::string> isolated_env(const std::filesystem::path& home);

// Is the process alive (exists and is not a zombie)?
bool process_alive(const std::string& pid);

// Waits until the forked child `pid` runs `exe` (its execve is done: before that it carries the
// parent's name and signal handlers). False when the child exited first or `limit` passed; the
// limit is for a machine under heavy load, where an exec can take seconds.
bool wait_for_exec(pid_t pid, const std::string& exe,
                   std::chrono::milliseconds limit = std::chrono::seconds(60));

// The repository's tests/services directory (service scripts).
std::string services_dir();

// Parses `export NAME=VALUE` lines (as printed by tests/services/*.sh).
std::map<std::string, std::string> parse_exports(const std::string& text);

// A minimal valid pack document around the given <fix> body (fix id "t", platforms linux).
std::string pack_with_fix(const std::string& fix_children, const std::string& params = "",
                          const std::string& fix_attrs = "");

}  // namespace fixtray::test
