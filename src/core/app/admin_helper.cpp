#include "app/admin_helper.h"

#include <unistd.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "base/cancel_token.h"
#include "base/clock.h"
#include "engine/admin_step.h"
#include "engine/audit_log.h"
#include "engine/engine.h"
#include "engine/run_record.h"
#include "feed/feed_config.h"
#include "feed/feed_sync.h"
#include "net/http_client.h"
#include "packs/catalog.h"
#include "packs/site_config.h"
#include "platform/platform_paths.h"
#include "platform/process_runner.h"

namespace fixtray {

int serve_admin_request(const std::vector<std::string>& args, unsigned invoking_uid,
                        std::string* out, std::string* err) {
    std::string error;
    const auto request = parse_admin_step_args(args, &error);
    if (!request) {
        *err = "fixtray-admin: " + error;
        return kAdminUsage;
    }
    auto refuse = [&](const std::string& why) {
        *err = "fixtray-admin: " + why;
        return kAdminRefused;
    };
    if (geteuid() != 0) return refuse("must run as root (through pkexec)");

    // Everything from the machine config, and only if root owns it: site values, the feed's
    // state directory, the policy.
    SiteConfig site;
    FeedConfig feed = default_feed_config();
    FixPolicy policy;
    const std::string config = system_config_file();
    if (::access(config.c_str(), F_OK) == 0) {
        if (Status trusted = check_root_owned(config); !trusted) return refuse(trusted.message());
        for (const auto& p : merge_site_config_file(config, true, &site))
            if (!p.warning) return refuse("machine config: " + p.str());
        for (const auto& p : merge_feed_config_file(config, true, &feed, &policy))
            if (!p.warning) return refuse("machine config: " + p.str());
    }

    // Packs only from root-owned directories and files; nothing from the caller's --packs. The
    // synced feed counts only while its signed index has not expired, and never with the packs
    // it revoked; the machine's policy applies as in fixctl.
    const FeedState feed_state = read_feed_state(feed.state_dir, nullptr);
    const bool expired = feed_expired(feed_state, std::chrono::system_clock::now());
    std::vector<std::string> dirs = builtin_pack_dirs();
    if (!expired) dirs.push_back(feed_packs_dir(feed.state_dir));
    for (const auto& dir : machine_pack_dirs()) dirs.push_back(dir);
    Catalog catalog;
    for (const auto& listed : dirs) {
        // The synced feed is reached through its `current` symlink: check the real path, whose
        // every component must be root's (a link to a user's directory fails right here).
        std::error_code ec;
        const std::string dir = std::filesystem::canonical(listed, ec).string();
        if (ec || !check_root_owned(dir).ok()) continue;
        for (const auto& file : pack_files_under(dir, nullptr))
            if (check_root_owned(file).ok()) catalog.add_file(file);
    }
    std::vector<std::string> removed = policy.disabled_packs;
    removed.insert(removed.end(), feed_state.revoked.begin(), feed_state.revoked.end());
    catalog.remove(removed, policy.disabled_fixes);
    const FixPack* pack = nullptr;
    for (const auto& p : catalog.packs())
        if (p.id == request->pack_id && p.version == request->pack_version) pack = &p;
    if (!pack) {
        std::string why = "no trusted pack " + request->pack_id + " version " +
                          std::to_string(request->pack_version) +
                          " (admin steps run only from packs installed by an administrator, "
                          "not revoked or disabled by policy)";
        if (expired)
            why += "; the help desk's feed expired at " + format_time_utc(feed_state.expires) +
                   ", so its packs get no admin rights until it syncs again";
        return refuse(why);
    }
    const Fix* fix = nullptr;
    for (const auto& f : pack->fixes)
        if (f.id == request->fix_id && f.runs_on(current_platform())) fix = &f;
    if (!fix) return refuse("pack " + pack->id + " has no fix " + request->fix_id);

    const UserEnvironment env = user_environment_for_uid(invoking_uid);
    SystemProcessRunner runner;
    CurlHttpClient http;
    RealClock clock;
    Engine engine(runner, http, clock, env);
    CancelToken cancel;  // the caller cancels by ending this process (pkexec forwards signals)
    const auto record = engine.run_trusted_step(*pack, *fix, site, request->phase, request->index,
                                                request->item, cancel, &error);
    if (!record) return refuse(error);
    *out = dump_json(to_json(*record));
    return kAdminStepRan;
}

}  // namespace fixtray
