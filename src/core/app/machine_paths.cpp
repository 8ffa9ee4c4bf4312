#include "app/machine_paths.h"

#include <cstdlib>
#include <filesystem>

#if !defined(_WIN32) && !defined(__GLIBC__)
#include <unistd.h>  // issetugid
#endif

#include "platform/platform_paths.h"

namespace fixtray {

namespace {

// The variable, unless this process started with raised privileges (set-user-id, capabilities).
const char* machine_root_variable() {
#if defined(__GLIBC__)
    return ::secure_getenv(kMachineRootVariable);
#elif defined(_WIN32)
    return std::getenv(kMachineRootVariable);
#else
    return ::issetugid() ? nullptr : std::getenv(kMachineRootVariable);
#endif
}

}  // namespace

MachinePaths real_machine_paths() {
    MachinePaths p;
    p.config_file = system_config_file();
    p.config_dir = std::filesystem::path(p.config_file).parent_path().string();
    const auto packs = machine_pack_dirs();
    p.packs_dir = packs.empty() ? p.config_dir + "/packs" : packs.front();
    p.keys_dir = machine_keys_dir();
    p.feed_state_dir = machine_feed_dir();
    p.builtin_pack_dirs = builtin_pack_dirs();
    return p;
}

MachinePaths machine_paths_under(const std::string& root) {
    MachinePaths p = real_machine_paths();
    std::string base = root;
    while (base.size() > 1 && base.back() == '/') base.pop_back();
    auto move = [&](std::string& path) { path = base + path; };
    move(p.config_dir);
    move(p.config_file);
    move(p.packs_dir);
    move(p.keys_dir);
    move(p.feed_state_dir);
    return p;
}

MachinePaths fixctl_machine_paths() {
    const char* root = machine_root_variable();
    if (!root || !*root || !std::filesystem::path(root).is_absolute()) return real_machine_paths();
    return machine_paths_under(root);
}

}  // namespace fixtray
