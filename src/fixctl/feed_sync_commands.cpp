// fixctl feed sync / feed status: thin front end over FeedSync (core/feed_sync.h).
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "base/cancel_token.h"
#include "base/clock.h"
#include "commands.h"
#include "engine/run_record.h"
#include "feed/feed_store.h"
#include "feed/feed_sync.h"
#include "feed/minisign.h"
#include "net/http_client.h"
#include "platform/platform_paths.h"

namespace fixtray::cli {

using nlohmann::json;

namespace {

enum FeedExit : int { kFeedRefused = 1, kFeedUnreachable = 4 };

CancelToken* g_cancel = nullptr;
extern "C" void on_feed_signal(int) {
    if (g_cancel) g_cancel->cancel();
}

std::string time_text(std::chrono::system_clock::time_point t) {
    return t.time_since_epoch().count() == 0 ? "never" : format_time_utc(t).substr(0, 19) + "Z";
}

json state_json(const FeedConfig& config, const FeedState& s) {
    json j = feed_state_to_json(s);
    j["url"] = config.url;
    j["repository"] = config.repository;
    j["state_dir"] = config.state_dir;
    j["keys_dir"] = config.keys_dir;
    for (auto& p : j["packs"]) p["url"] = s.url + "packs/" + p["file"].get<std::string>();
    return j;
}

}  // namespace

int cmd_feed_sync(const GlobalOptions& g, bool now, bool as_json, bool quiet) {
    FeedConfig config = default_feed_config();
    FixPolicy policy;
    if (!load_feed_config(g, &config, &policy)) return kUsage;

    if (config.url.empty() && !now && quiet) return kOk;  // the timer, on a machine without a feed

    CurlHttpClient http;
    RealClock clock;
    CancelToken cancel;
    g_cancel = &cancel;
    std::signal(SIGINT, on_feed_signal);
    std::signal(SIGTERM, on_feed_signal);
    FeedSync sync(config, http, clock);
    const auto r = sync.sync(now, cancel, [&](const std::string& line) {
        if (!as_json) std::fprintf(stderr, "%s\n", line.c_str());
    });
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    g_cancel = nullptr;

    // Said even by the timer's quiet pass: a key the admin meant to trust is not used.
    for (const auto& warning : r.warnings)
        if (!as_json) std::fprintf(stderr, "fixctl: warning: %s\n", warning.c_str());
    if (as_json) {
        json j = {{"outcome", to_string(r.outcome)},
                  {"message", r.message},
                  {"problems", r.problems},
                  {"warnings", r.warnings},
                  {"requests", r.requests},
                  {"bytes_downloaded", r.bytes_downloaded},
                  {"added", r.added},
                  {"changed", r.changed},
                  {"removed", r.removed},
                  {"state", state_json(config, r.state)}};
        std::cout << j.dump(2) << "\n";
    } else {
        const bool bad =
            r.outcome == FeedSyncOutcome::refused || r.outcome == FeedSyncOutcome::unreachable ||
            r.outcome == FeedSyncOutcome::not_configured || r.outcome == FeedSyncOutcome::busy;
        std::FILE* out = bad ? stderr : stdout;
        if (r.outcome == FeedSyncOutcome::not_due) {
            // The timer's pass (--quiet) before its time says nothing; a person is told when.
            if (!quiet)
                std::fprintf(out,
                             "Feed not due yet: %s (%s). `fixctl feed sync --now` syncs now.\n",
                             r.message.c_str(), config.url.c_str());
        } else if (quiet && !bad && r.outcome == FeedSyncOutcome::unchanged) {
            // --quiet: nothing to say when nothing changed.
        } else {
            if (bad)
                std::fprintf(out, "fixctl: feed %s: %s\n", to_string(r.outcome), r.message.c_str());
            else
                std::fprintf(out, "Feed %s\n", r.message.c_str());
            for (const auto& problem : r.problems)  // the first is often the message itself
                if (r.message.find(problem) == std::string::npos)
                    std::fprintf(out, "  %s\n", problem.c_str());
            for (const auto& id : r.added) std::fprintf(out, "  + %s\n", id.c_str());
            for (const auto& id : r.changed) std::fprintf(out, "  ~ %s\n", id.c_str());
            for (const auto& id : r.removed) std::fprintf(out, "  - %s\n", id.c_str());
        }
    }
    switch (r.outcome) {
        case FeedSyncOutcome::updated:
        case FeedSyncOutcome::unchanged:
        case FeedSyncOutcome::not_due:
            return kOk;
        case FeedSyncOutcome::refused:
            return kFeedRefused;
        case FeedSyncOutcome::not_configured:
            return kUsage;
        case FeedSyncOutcome::busy:
        case FeedSyncOutcome::unreachable:
            return kFeedUnreachable;
        case FeedSyncOutcome::cancelled:
            return kCancelled;
    }
    return kUsage;
}

int cmd_feed_status(const GlobalOptions& g, bool as_json) {
    FeedConfig config = default_feed_config();
    FixPolicy policy;
    if (!load_feed_config(g, &config, &policy)) return kUsage;
    std::string error;
    // What readers use: the installed index as it verifies now (feed_store.h).
    const FeedState s = read_installed_feed(config, &error);
    if (!error.empty()) std::cerr << "fixctl: warning: " << error << "\n";
    const MachineCatalog machine(g.machine, catalog_options(g));
    report_catalog_problems(machine, false);  // the config's were reported above
    const Catalog& catalog = machine.catalog();
    auto origin_of = [&](const FixPack& p) {
        const PackOrigin* o = machine.origin(p);
        return std::string(o ? to_string(o->source) : "local");
    };

    std::vector<std::string> key_problems;
    const auto keys = load_trusted_keys(config.keys_dir, &key_problems);
    if (as_json) {
        json j = state_json(config, s);
        j["trusted_keys"] = keys.size();
        j["index_verified"] = s.index_verified;
        j["trust_problem"] = s.trust_problem;
        j["key_problems"] = key_problems;
        json all = json::array();
        for (const auto& p : catalog.packs()) {
            json pack = {
                {"id", p.id}, {"version", p.version}, {"file", p.file}, {"origin", origin_of(p)}};
            if (const PackOrigin* o = machine.origin(p)) {
                pack["origin_dir"] = o->dir;
                if (o->source == PackSource::feed) {
                    pack["repository"] = o->repository;
                    pack["serial"] = o->serial;
                }
            }
            all.push_back(std::move(pack));
        }
        j["loaded_packs"] = all;
        j["disabled_fixes"] = policy.disabled_fixes;
        j["disabled_packs"] = policy.disabled_packs;
        json kept = json::array();
        for (const WithdrawnFix& w : machine.refused_overrides())
            kept.push_back({{"fix_id", w.fix_id},
                            {"pack_id", w.pack_id},
                            {"pack_version", w.pack_version},
                            {"why", w.why}});
        j["refused_overrides"] = std::move(kept);
        std::cout << j.dump(2) << "\n";
        return kOk;
    }
    if (config.url.empty())
        std::printf("Feed:         not configured (feed.url in %s)\n",
                    g.machine.config_file.c_str());
    else
        std::printf("Feed:         %s (repository %s)\n", config.url.c_str(),
                    config.repository.c_str());
    std::printf("Keys:         %s (%zu trusted)\n", config.keys_dir.c_str(), keys.size());
    for (const auto& problem : key_problems) std::printf("  not used: %s\n", problem.c_str());
    if (s.serial == 0) {
        std::printf("Serial:       none accepted yet\n");
    } else {
        std::printf("Serial:       %llu, generated %s\n", static_cast<unsigned long long>(s.serial),
                    time_text(s.generated).c_str());
        const bool expired = std::chrono::system_clock::now() >= s.expires;
        std::printf("Expires:      %s%s\n", time_text(s.expires).c_str(),
                    expired ? " (EXPIRED: the packs keep working, updates are refused until the "
                              "help desk publishes a fresh index)"
                            : "");
    }
    if (!s.trust_problem.empty()) std::printf("NOT USED:     %s\n", s.trust_problem.c_str());
    std::printf("Last check:   %s\nLast success: %s\nNext sync:    %s\n",
                time_text(s.last_check).c_str(), time_text(s.last_success).c_str(),
                time_text(s.next_due).c_str());
    if (!s.last_error.empty()) std::printf("Last error:   %s\n", s.last_error.c_str());
    std::printf("\nPacks (origin, id, version, file):\n");
    for (const auto& p : catalog.packs())
        std::printf("  %-9s %-40s v%-4d %s\n", origin_of(p).c_str(), p.id.c_str(), p.version,
                    p.file.c_str());
    for (const auto& id : s.revoked) std::printf("  revoked   %s\n", id.c_str());
    for (const auto& id : policy.disabled_packs)
        std::printf("  disabled  %s (pack, by policy)\n", id.c_str());
    for (const auto& id : policy.disabled_fixes)
        std::printf("  disabled  %s (fix, by policy)\n", id.c_str());
    for (const WithdrawnFix& w : machine.refused_overrides())
        std::printf("  kept out  fix %s of %s v%d: %s\n", w.fix_id.c_str(), w.pack_id.c_str(),
                    w.pack_version, w.why.c_str());
    return kOk;
}

int cmd_feed_reset_floor(const GlobalOptions& g, const std::string& repository) {
    FeedConfig config = default_feed_config();
    FixPolicy policy;
    if (!load_feed_config(g, &config, &policy)) return kUsage;
    if (::geteuid() != 0) {
        std::fprintf(
            stderr, "fixctl: feed reset-floor changes the machine's feed: run it as root (sudo)\n");
        return kFeedRefused;
    }
    std::fprintf(stderr,
                 "fixctl: warning: resetting the rollback floor of %s: the next index signed by "
                 "a key in %s is accepted whatever its serial. Do this only after replacing a "
                 "stolen key there.\n",
                 repository.c_str(), config.keys_dir.c_str());
    const Result<std::string> done = reset_feed_floor(config, repository);
    if (!done) {
        std::fprintf(stderr, "fixctl: feed reset-floor: %s\n", done.message().c_str());
        return kFeedRefused;
    }
    std::printf("Feed: %s. Run `fixctl feed sync --now` to fetch the feed again.\n", done->c_str());
    return kOk;
}

}  // namespace fixtray::cli
