// A machine of its own for a test: MachinePaths under a temporary root (root/etc/fixtray,
// root/var/lib/fixtray/feed, root/builtin), with helpers to put packs, a config and an installed
// feed generation there. Nothing reads or writes the real machine's configuration.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/machine_paths.h"
#include "feed/feed_sync.h"
#include "support/test_helpers.h"

namespace fixtray::test {

// A pack with one Linux fix whose step runs `true` (admin: the step is admin="true").
inline std::string simple_pack(const std::string& pack_id, const std::string& fix_id,
                               const std::string& title, int version = 1, bool admin = false) {
    return "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"" + pack_id + "\" version=\"" +
           std::to_string(version) + "\"><fix id=\"" + fix_id + "\" platforms=\"linux\"><title>" +
           title + "</title><steps><run" + (admin ? " admin=\"true\"" : "") +
           "><arg>true</arg></run></steps><verify><run><arg>true</arg></run></verify></fix>"
           "</fixpack>";
}

struct TestMachine {
    TempDir root;
    MachinePaths paths;

    TestMachine() {
        paths = machine_paths_under(root.str());
        paths.builtin_pack_dirs = {root / "builtin"};
        std::filesystem::create_directories(root / "builtin");
        // Readable by every user, as /etc and /var/lib are (mkdtemp makes it 0700).
        std::filesystem::permissions(root.path(), std::filesystem::perms::owner_all |
                                                      std::filesystem::perms::group_read |
                                                      std::filesystem::perms::group_exec |
                                                      std::filesystem::perms::others_read |
                                                      std::filesystem::perms::others_exec);
    }

    void builtin(const std::string& name, const std::string& xml) const {
        write_file(std::filesystem::path(paths.builtin_pack_dirs.front()) / name, xml);
    }
    void machine_pack(const std::string& name, const std::string& xml) const {
        write_file(std::filesystem::path(paths.packs_dir) / name, xml);
    }
    void config(const nlohmann::json& j) const { write_file(paths.config_file, j.dump(2)); }

    // Installs feed generation "g<serial>" as FeedSync would leave it: its packs, state.json,
    // and the `current` link switched by rename(2).
    void install_feed(const std::map<std::string, std::string>& packs, std::uint64_t serial,
                      std::chrono::system_clock::time_point expires,
                      const std::vector<std::string>& revoked = {},
                      const std::string& repository = "com.example.helpdesk") const {
        namespace fs = std::filesystem;
        const std::string gen = "g" + std::to_string(serial);
        const fs::path state_dir = paths.feed_state_dir;
        FeedState s;
        s.url = "https://helpdesk.example.com/fixtray/";
        s.repository = repository;
        s.serial = serial;
        s.generation = gen;
        s.generated = std::chrono::system_clock::now() - std::chrono::hours(1);
        s.expires = expires;
        s.last_success = s.generated;
        s.revoked = revoked;
        for (const auto& [file, xml] : packs) {
            write_file(state_dir / "generations" / gen / "packs" / file, xml);
            s.packs.push_back({file, 1, file, "", xml.size()});
        }
        fs::create_directories(state_dir / "generations" / gen / "packs");
        write_file(state_dir / "state.json", feed_state_to_json(s).dump());
        fs::remove(state_dir / "current.new");
        fs::create_directory_symlink(fs::path("generations") / gen, state_dir / "current.new");
        fs::rename(state_dir / "current.new", state_dir / "current");
    }

    // Environment for the real fixctl: isolated_env(home) on this machine root.
    std::map<std::string, std::string> env(const std::filesystem::path& home) const {
        auto e = isolated_env(home);
        e[kMachineRootVariable] = root.str();
        return e;
    }
};

}  // namespace fixtray::test
