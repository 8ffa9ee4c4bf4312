// fixctl feed sync / feed status: thin front end over FeedSync (core/feed_sync.h).
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string_view>

#include "app/announcements.h"
#include "base/cancel_token.h"
#include "base/clock.h"
#include "base/i18n.h"
#include "commands.h"
#include "engine/run_record.h"
#include "feed/feed_index.h"
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
    // TRANSLATORS: `fixctl feed status`: a time that has not come yet ("Last success: never").
    return t.time_since_epoch().count() == 0 ? std::string(tr("never"))
                                             : format_time_utc(t).substr(0, 19) + "Z";
}

// Columns on a terminal: a character of a translated label is one column, whatever its UTF-8
// length.
std::size_t text_width(std::string_view text) {
    std::size_t width = 0;
    for (const char c : text)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++width;
    return width;
}

// `text` followed by spaces up to `width` columns (none when it is wider).
std::string padded(std::string text, std::size_t width) {
    const std::size_t w = text_width(text);
    if (w < width) text.append(width - w, ' ');
    return text;
}

// Where a pack came from, as `fixctl feed status` lists it (--json has to_string's id).
std::string origin_text(const PackOrigin* o) {
    // TRANSLATORS: `fixctl feed status`, the first column of the packs: where a pack came
    // from (the built-in packs, the help desk's feed, this machine's pack folder, --packs).
    if (!o) return tr("local");
    switch (o->source) {
        case PackSource::builtin:
            return tr("built-in");
        case PackSource::feed:
            return tr("feed");
        case PackSource::machine:
            return tr("machine");
        case PackSource::packs_dir:
            return tr("local");
    }
    return to_string(o->source);
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

// A sync that did not work: the outcome and the core's explanation.
std::string sync_failure(FeedSyncOutcome outcome, const std::string& message) {
    switch (outcome) {
        case FeedSyncOutcome::refused:
            // TRANSLATORS: `fixctl feed sync` that did not work; %s is why, as the core says it.
            return trf("feed refused: %s", {message});
        case FeedSyncOutcome::unreachable:
            return trf("feed unreachable: %s", {message});
        case FeedSyncOutcome::not_configured:
            return trf("feed not-configured: %s", {message});
        case FeedSyncOutcome::busy:
            return trf("feed busy: %s", {message});
        default:
            return "feed " + std::string(to_string(outcome)) + ": " + message;
    }
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
        if (!as_json) std::fprintf(stderr, "fixctl: %s\n", trf("warning: %s", {warning}).c_str());
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
                std::fprintf(out, "%s\n",
                             // TRANSLATORS: when the next sync is due ("next sync due at TIME", as
                             // the core says it), the feed's address.
                             trf("Feed not due yet: %s (%s). `fixctl feed sync --now` syncs now.",
                                 {r.message, config.url})
                                 .c_str());
        } else if (quiet && !bad && r.outcome == FeedSyncOutcome::unchanged) {
            // --quiet: nothing to say when nothing changed.
        } else {
            if (bad)
                std::fprintf(out, "fixctl: %s\n", sync_failure(r.outcome, r.message).c_str());
            else
                // TRANSLATORS: %s is what the sync did, as the core says it: "updated to serial
                // 5: ..." or "unchanged (serial 4)".
                std::fprintf(out, "%s\n", trf("Feed %s", {r.message}).c_str());
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
    if (!error.empty()) std::cerr << "fixctl: " << trf("warning: %s", {error}) << "\n";
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
        // Those of the installed index as it verifies now (none when it does not), and how many
        // the machine's catalog shows now (app/announcements.h).
        const auto now = std::chrono::system_clock::now();
        json announcements = json::array();
        for (const FeedAnnouncement& a : s.announcements)
            announcements.push_back({{"id", a.id},
                                     {"expires", format_feed_time(a.expires)},
                                     {"fixes", a.fixes},
                                     {"current", announcement_current(a, now)}});
        j["announcements"] = std::move(announcements);
        j["current_announcements"] = current_announcements(machine, now, g.lang).size();
        std::cout << j.dump(2) << "\n";
        return kOk;
    }
    // The labels of the first column, translated, with the values in one column after them.
    // TRANSLATORS: `fixctl feed status`, the labels of its lines; fixctl lines up the values
    // after the longest label. "NOT USED" announces why the synced feed is not used.
    const char* const labels[] = {tr("Feed:"),         tr("Keys:"),      tr("Serial:"),
                                  tr("Expires:"),      tr("NOT USED:"),  tr("Last check:"),
                                  tr("Last success:"), tr("Next sync:"), tr("Last error:"),
                                  tr("Announcements:")};
    std::size_t label_width = 0;
    for (const char* label : labels) label_width = std::max(label_width, text_width(label));
    auto field = [&](const char* label, const std::string& value) {
        std::printf("%s %s\n", padded(label, label_width).c_str(), value.c_str());
    };
    if (config.url.empty())
        // TRANSLATORS: %s is the machine's config file.
        field(labels[0], trf("not configured (feed.url in %s)", {g.machine.config_file}));
    else
        field(labels[0], trf("%s (repository %s)", {config.url, config.repository}));
    // TRANSLATORS: the folder of the trusted keys, and how many keys in it are trusted.
    field(labels[1], trfn("%s (%s trusted)", "%s (%s trusted)", keys.size(),
                          {config.keys_dir, std::to_string(keys.size())}));
    for (const auto& problem : key_problems)
        // TRANSLATORS: %s is a key file and why it is not used.
        std::printf("  %s\n", trf("not used: %s", {problem}).c_str());
    if (s.serial == 0) {
        field(labels[2], tr("none accepted yet"));
    } else {
        field(labels[2],
              // TRANSLATORS: the serial of the installed index, and when the help desk made it.
              trf("%s, generated %s", {std::to_string(s.serial), time_text(s.generated)}));
        const bool expired = std::chrono::system_clock::now() >= s.expires;
        field(labels[3], expired ? trf("%s (EXPIRED: the packs keep working, updates are refused "
                                       "until the help desk publishes a fresh index)",
                                       {time_text(s.expires)})
                                 : time_text(s.expires));
    }
    if (s.serial != 0 && s.index_verified) {
        const std::size_t shown =
            current_announcements(machine, std::chrono::system_clock::now(), g.lang).size();
        field(labels[9],
              shown == 0
                  ? std::string(tr("none current"))
                  // TRANSLATORS: `fixctl feed status`: how many announcements from IT
                  // are shown now; `fixctl announcements` is the command: keep it.
                  : trfn("%s current (fixctl announcements)", "%s current (fixctl announcements)",
                         shown, {std::to_string(shown)}));
    }
    if (!s.trust_problem.empty()) field(labels[4], s.trust_problem);
    field(labels[5], time_text(s.last_check));
    field(labels[6], time_text(s.last_success));
    field(labels[7], time_text(s.next_due));
    if (!s.last_error.empty()) field(labels[8], s.last_error);
    // TRANSLATORS: the heading of the list of loaded packs; the columns follow this order.
    std::printf("\n%s\n", tr("Packs (origin, id, version, file):"));
    // The first column: where a pack came from, or what happened to it.
    auto column = [](const std::string& word) { return padded(word, 9); };
    for (const auto& p : catalog.packs())
        std::printf("  %s %-40s v%-4d %s\n", column(origin_text(machine.origin(p))).c_str(),
                    p.id.c_str(), p.version, p.file.c_str());
    for (const auto& id : s.revoked)
        // TRANSLATORS: `fixctl feed status`, the first column for a pack the feed revoked.
        std::printf("  %s %s\n", column(tr("revoked")).c_str(), id.c_str());
    for (const auto& id : policy.disabled_packs)
        // TRANSLATORS: `fixctl feed status`: a pack or a fix the machine's policy turned off. The
        // first column, then the id and why.
        std::printf("  %s %s\n", column(tr("disabled")).c_str(),
                    trf("%s (pack, by policy)", {id}).c_str());
    for (const auto& id : policy.disabled_fixes)
        std::printf("  %s %s\n", column(tr("disabled")).c_str(),
                    trf("%s (fix, by policy)", {id}).c_str());
    for (const WithdrawnFix& w : machine.refused_overrides())
        // TRANSLATORS: `fixctl feed status`: a fix of the feed that was not allowed to replace a
        // fix with its id. The first column, then fix id, pack id, pack version and why.
        std::printf("  %s %s\n", column(tr("kept out")).c_str(),
                    trf("fix %s of %s v%s: %s",
                        {w.fix_id, w.pack_id, std::to_string(w.pack_version), w.why})
                        .c_str());
    return kOk;
}

int cmd_feed_reset_floor(const GlobalOptions& g, const std::string& repository) {
    FeedConfig config = default_feed_config();
    FixPolicy policy;
    if (!load_feed_config(g, &config, &policy)) return kUsage;
    if (::geteuid() != 0) {
        std::fprintf(stderr, "fixctl: %s\n",
                     tr("feed reset-floor changes the machine's feed: run it as root (sudo)"));
        return kFeedRefused;
    }
    std::fprintf(stderr, "fixctl: %s\n",
                 // TRANSLATORS: the feed's repository id, the folder of the trusted keys.
                 trf("warning: resetting the rollback floor of %s: the next index signed by a "
                     "key in %s is accepted whatever its serial. Do this only after replacing a "
                     "stolen key there.",
                     {repository, config.keys_dir})
                     .c_str());
    const Result<std::string> done = reset_feed_floor(config, repository);
    if (!done) {
        std::fprintf(stderr, "fixctl: feed reset-floor: %s\n", done.message().c_str());
        return kFeedRefused;
    }
    std::printf(
        "%s\n",
        // TRANSLATORS: %s is what was reset, as the core says it.
        trf("Feed: %s. Run `fixctl feed sync --now` to fetch the feed again.", {*done}).c_str());
    return kOk;
}

}  // namespace fixtray::cli
