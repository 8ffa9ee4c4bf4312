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

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "app/machine_paths.h"
#include "base/digest.h"
#include "feed/feed_index.h"
#include "feed/feed_sync.h"
#include "packs/pack_loader.h"
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

    // Installs feed generation "g<serial>" as FeedSync would leave it: its packs, its index
    // (written by write_feed_index, with `announcements`, signed with the stock minisign by the
    // machine's own test key, whose .pub is in paths.keys_dir), state.json, and the `current`
    // link switched by rename(2). The index is generated an hour before now.
    // Returns the expiry as the index states it (whole seconds, rounded up).
    std::chrono::system_clock::time_point install_feed(
        const std::map<std::string, std::string>& packs, std::uint64_t serial,
        std::chrono::system_clock::time_point expires, const std::vector<std::string>& revoked = {},
        const std::string& repository = "com.example.helpdesk",
        const std::vector<FeedAnnouncement>& announcements = {}) const {
        namespace fs = std::filesystem;
        using namespace std::chrono;
        const std::string gen = "g" + std::to_string(serial);
        const fs::path state_dir = paths.feed_state_dir;
        const fs::path gen_dir = state_dir / "generations" / gen;
        FeedIndex index;
        index.repository = repository;
        index.serial = serial;
        index.generated = time_point_cast<seconds>(system_clock::now()) - hours(1);
        index.expires = time_point_cast<seconds>(expires);
        if (index.expires < expires) index.expires += seconds(1);
        index.revoked = revoked;
        index.announcements = announcements;
        int unnamed = 0;
        for (const auto& [file, xml] : packs) {
            write_file(gen_dir / "packs" / file, xml);
            FeedPackEntry e;
            e.file = file;
            e.size = xml.size();
            e.sha256 = sha256_hex(xml);
            auto loaded = load_pack_from_string(xml, file);
            e.id =
                loaded.pack ? loaded.pack->id : "org.example.unnamed" + std::to_string(++unnamed);
            e.version = loaded.pack ? loaded.pack->version : 1;
            index.packs.push_back(e);
        }
        fs::create_directories(gen_dir / "packs");
        write_file(gen_dir / "index.xml", write_feed_index(index));
        sign_file(gen_dir / "index.xml");
        FeedState s;
        s.url = "https://helpdesk.example.com/fixtray/";
        s.generation = gen;
        s.last_success = index.generated;
        write_file(state_dir / "state.json", feed_state_to_json(s).dump());
        fs::remove(state_dir / "current.new");
        fs::create_directory_symlink(fs::path("generations") / gen, state_dir / "current.new");
        fs::rename(state_dir / "current.new", state_dir / "current");
        return index.expires;
    }

    // Signs `file` (FILE.minisig next to it) with this machine's test feed key, made on first
    // use with the stock `minisign -G` and trusted through paths.keys_dir.
    void sign_file(const std::filesystem::path& file) const {
        namespace fs = std::filesystem;
        const fs::path key_dir = root / "signing";
        if (!fs::exists(key_dir / "feed.key")) {
            fs::create_directories(key_dir);
            auto made = run_command({"minisign", "-G", "-W", "-p", (key_dir / "feed.pub").string(),
                                     "-s", (key_dir / "feed.key").string()});
            REQUIRE_MESSAGE(made.exit_code == 0, made.err);
            fs::create_directories(paths.keys_dir);
            fs::copy_file(key_dir / "feed.pub", fs::path(paths.keys_dir) / "test-feed.pub",
                          fs::copy_options::overwrite_existing);
        }
        auto signed_ = run_command(
            {"minisign", "-S", "-s", (key_dir / "feed.key").string(), "-m", file.string()});
        REQUIRE_MESSAGE(signed_.exit_code == 0, signed_.err);
        ::chmod((file.string() + ".minisig").c_str(), 0644);
    }

    // Environment for the real fixctl: isolated_env(home) on this machine root.
    std::map<std::string, std::string> env(const std::filesystem::path& home) const {
        auto e = isolated_env(home);
        e[kMachineRootVariable] = root.str();
        return e;
    }

    // Runs `argv` (the real fixtray-admin, or a launcher before it) in a private mount namespace
    // where /etc/fixtray is this machine's config directory: the helper reads only the real
    // /etc/fixtray. `prefix` is shell code run just before (umask, ulimit, trap, export).
    ProcessResult with_machine_config(
        const std::vector<std::string>& argv, const std::string& prefix = "",
        const std::map<std::string, std::string>& extra_env = {},
        std::chrono::milliseconds timeout = std::chrono::seconds(120)) const {
        std::error_code ec;
        std::filesystem::create_directories("/etc/fixtray", ec);  // a mount point
        std::vector<std::string> full{
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            "mount --bind \"$1\" /etc/fixtray && shift && " + prefix + " exec \"$@\"",
            "sh",
            paths.config_dir};
        full.insert(full.end(), argv.begin(), argv.end());
        return run_command(full, extra_env, timeout);
    }
};

// fixtray-admin's arguments for one step: run-step --pack ... --item ... [--sha256 ...].
inline std::vector<std::string> admin_request(const std::string& pack, int version,
                                              const std::string& fix, int index,
                                              const std::string& item = "",
                                              const std::string& sha256 = "",
                                              const std::string& phase = "steps") {
    std::vector<std::string> argv{FIXTRAY_ADMIN_PATH,
                                  "run-step",
                                  "--pack",
                                  pack,
                                  "--version",
                                  std::to_string(version),
                                  "--fix",
                                  fix,
                                  "--phase",
                                  phase,
                                  "--index",
                                  std::to_string(index),
                                  "--item",
                                  item};
    if (!sha256.empty()) {
        argv.push_back("--sha256");
        argv.push_back(sha256);
    }
    return argv;
}

}  // namespace fixtray::test
