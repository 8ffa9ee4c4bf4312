#include "app/admin_helper.h"

#include <optional>

#include <nlohmann/json.hpp>

#include "app/machine_catalog.h"
#include "app/real_services.h"
#include "base/cancel_token.h"
#include "base/json_text.h"
#include "engine/admin_step.h"
#include "engine/engine.h"
#include "engine/run_record.h"
#include "feed/feed_sync.h"
#include "platform/platform_paths.h"
#include "platform/privileged_start.h"

namespace fixtray {

int serve_admin_request(const std::vector<std::string>& args, unsigned invoking_uid,
                        const MachinePaths& paths, std::string* out, std::string* err) {
    const Result<AdminStepRequest> request = parse_admin_step_args(args);
    if (!request) {
        *err = "fixtray-admin: " + request.message();
        return kAdminUsage;
    }
    auto refuse = [&](const std::string& why) {
        *err = "fixtray-admin: " + why;
        return kAdminRefused;
    };
    if (!running_with_full_rights()) return refuse("must run as root (through pkexec)");

    // The machine's catalog under the helper's rules (CatalogOptions::admin_helper): packs and
    // the machine config only if root owns them, nothing from the caller (no --packs, no user
    // config, no environment), the synced feed only while its signed index verifies with the
    // keys trusted now and has not expired,
    // never the packs it revoked, and the machine's policy as in fixctl.
    const MachineCatalog machine(paths, CatalogOptions::admin_helper());
    for (const auto& p : machine.config().problems)
        if (!p.warning) return refuse("machine config: " + p.str());
    const SiteConfig& site = machine.config().site;
    const FeedState& feed_state = machine.feed_state();
    const bool expired = machine.feed_expired();
    const FixPack* pack = nullptr;
    for (const auto& p : machine.catalog().packs())
        if (p.id == request->pack_id && p.version == request->pack_version) pack = &p;
    if (!pack) {
        std::string why = "no trusted pack " + request->pack_id + " version " +
                          std::to_string(request->pack_version) +
                          " (admin steps run only from packs installed by an administrator, "
                          "not revoked or disabled by policy)";
        if (const std::string trust = machine.feed_trust_warning(); !trust.empty())
            why += "; " + trust;
        else if (expired)
            why += "; the help desk's feed expired at " + format_time_utc(feed_state.expires) +
                   ", so its packs get no admin rights until it syncs again";
        return refuse(why);
    }
    if (!request->pack_sha256.empty() && pack->sha256 != request->pack_sha256)
        return refuse("pack " + pack->id + " version " + std::to_string(pack->version) +
                      " on this machine is not the content the fix was started from (its "
                      "SHA-256 is " +
                      pack->sha256 + ", not " + request->pack_sha256 +
                      "): the packs changed during the run; run the fix again");
    const Fix* fix = nullptr;
    for (const auto& f : pack->fixes)
        if (f.id == request->fix_id && f.runs_on(current_platform())) fix = &f;
    if (!fix) return refuse("pack " + pack->id + " has no fix " + request->fix_id);
    // Only the fix this machine runs now gets admin rights: the one that takes precedence for
    // its id (as fixctl and the tray choose it), not an older version still on disk.
    const std::optional<CatalogEntry> current =
        machine.catalog().find(request->fix_id, current_platform());
    if (!current || current->pack != pack)
        return refuse("fix " + request->fix_id + " of pack " + pack->id + " version " +
                      std::to_string(pack->version) + " is not the one this machine runs" +
                      (current ? " (it runs pack " + current->pack->id + " version " +
                                     std::to_string(current->pack->version) + ", " +
                                     current->pack->file + ")"
                               : std::string()) +
                      ": only that one gets admin rights");

    const RealServices services = RealServices::for_admin_helper(invoking_uid);
    Engine engine = services.engine();
    CancelToken cancel;  // the caller cancels by ending this process (pkexec forwards signals)
    const Result<StepRecord> record = engine.run_trusted_step(
        *pack, *fix, site, request->phase, request->index, request->item, cancel);
    if (!record) return refuse(record.message());
    *out = dump_json(to_json(*record));
    return kAdminStepRan;
}

}  // namespace fixtray
