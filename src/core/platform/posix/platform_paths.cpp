#include "platform/platform_paths.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace fixtray {
namespace {

std::string env_or_empty(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

std::string absolute_env(const char* name) {
    std::string v = env_or_empty(name);
    return (!v.empty() && v.front() == '/') ? v : std::string();
}

// The freedesktop.org trash of the home volume: $XDG_DATA_HOME/Trash (files/ and info/);
// macOS keeps it in ~/.Trash.
void set_trash(UserEnvironment& e) {
#if defined(__APPLE__)
    e.trash = e.home + "/.Trash";
#else
    e.trash = e.data + "/Trash";
#endif
}

}  // namespace

UserEnvironment current_user_environment() {
    UserEnvironment e;
    struct passwd pw {};
    struct passwd* found = nullptr;
    char buf[4096];
    getpwuid_r(geteuid(), &pw, buf, sizeof buf, &found);

    e.home = absolute_env("HOME");
    if (e.home.empty() && found) e.home = found->pw_dir;
    if (e.home.empty()) e.home = "/";
#if defined(__APPLE__)
    e.cache = e.home + "/Library/Caches";
    e.config = e.home + "/Library/Application Support";
    e.state = e.home + "/Library/Application Support";
    e.data = e.home + "/Library/Application Support";
#else
    e.cache = absolute_env("XDG_CACHE_HOME");
    if (e.cache.empty()) e.cache = e.home + "/.cache";
    e.config = absolute_env("XDG_CONFIG_HOME");
    if (e.config.empty()) e.config = e.home + "/.config";
    e.state = absolute_env("XDG_STATE_HOME");
    if (e.state.empty()) e.state = e.home + "/.local/state";
    e.data = absolute_env("XDG_DATA_HOME");
    if (e.data.empty()) e.data = e.home + "/.local/share";
#endif
    set_trash(e);
    e.temp = absolute_env("TMPDIR");
    if (e.temp.empty()) e.temp = "/tmp";
    e.user = found ? std::string(found->pw_name) : env_or_empty("USER");
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0) e.host = host;
    e.is_admin = geteuid() == 0;
    return e;
}

UserEnvironment user_environment_for_uid(unsigned uid) {
    UserEnvironment e;
    struct passwd pw {};
    struct passwd* found = nullptr;
    char buf[4096];
    getpwuid_r(static_cast<uid_t>(uid), &pw, buf, sizeof buf, &found);
    e.home = found && found->pw_dir && found->pw_dir[0] == '/' ? found->pw_dir : "/";
    e.user = found ? found->pw_name : std::to_string(uid);
#if defined(__APPLE__)
    e.cache = e.home + "/Library/Caches";
    e.config = e.home + "/Library/Application Support";
    e.state = e.home + "/Library/Application Support";
    e.data = e.home + "/Library/Application Support";
#else
    e.cache = e.home + "/.cache";
    e.config = e.home + "/.config";
    e.state = e.home + "/.local/state";
    e.data = e.home + "/.local/share";
#endif
    set_trash(e);
    e.temp = "/tmp";
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0) e.host = host;
    e.is_admin = geteuid() == 0;
    e.uid = uid;
    return e;
}

std::string fixtray_state_dir(const UserEnvironment& env) {
    return env.state + "/fixtray";
}

std::string system_config_file() {
#if defined(__APPLE__)
    return "/Library/Application Support/fixtray/fixtray.json";
#else
    return "/etc/fixtray/fixtray.json";
#endif
}

std::vector<std::string> builtin_pack_dirs() {
    // An installed binary finds <prefix>/share/fixtray/fixes beside it; a binary in a build
    // tree finds the source tree's fixes/; the configured install location comes last.
    namespace fs = std::filesystem;
    std::error_code ec;
    std::vector<fs::path> candidates;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        // <prefix>/bin/fixctl and <prefix>/libexec/fixtray/fixtray-admin
        candidates.push_back(exe.parent_path().parent_path() / "share/fixtray/fixes");
        candidates.push_back(exe.parent_path().parent_path().parent_path() / "share/fixtray/fixes");
    }
    candidates.emplace_back(FIXTRAY_SOURCE_FIXES_DIR);
    candidates.emplace_back(FIXTRAY_INSTALL_FIXES_DIR);
    for (const auto& c : candidates)
        if (fs::is_directory(c, ec)) return {c.string()};
    return {};
}

std::string locale_dir() {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        // <prefix>/bin/fixctl and <prefix>/libexec/fixtray/fixtray-admin find
        // <prefix>/share/locale; build/src/fixctl/fixctl finds build/share/locale.
        for (const fs::path& base : {exe.parent_path().parent_path(),
                                     exe.parent_path().parent_path().parent_path()}) {
            const fs::path candidate = base / "share/locale";
            if (fs::exists(candidate / "de/LC_MESSAGES/fixtray.mo", ec)) return candidate.string();
        }
    }
    return FIXTRAY_INSTALL_LOCALE_DIR;
}

std::string machine_feed_dir() {
#if defined(__APPLE__)
    return "/Library/Application Support/fixtray/feed";
#else
    return "/var/lib/fixtray/feed";
#endif
}

std::string machine_keys_dir() {
#if defined(__APPLE__)
    return "/Library/Application Support/fixtray/keys";
#else
    return "/etc/fixtray/keys";
#endif
}

std::vector<std::string> machine_pack_dirs() {
    std::vector<std::string> dirs;
#if defined(__APPLE__)
    dirs.emplace_back("/Library/Application Support/fixtray/packs");
#else
    dirs.emplace_back("/etc/fixtray/packs");
#endif
    return dirs;
}

}  // namespace fixtray
