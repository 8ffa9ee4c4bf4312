// fixctl's commands: each takes parsed options, prints, and returns the process exit code.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "app/announcements.h"
#include "app/machine_catalog.h"
#include "app/machine_paths.h"
#include "engine/run_record.h"
#include "escalation/escalation_config.h"
#include "feed/feed_announcement.h"
#include "feed/feed_config.h"
#include "packs/catalog.h"
#include "packs/site_config.h"

namespace fixtray::cli {

// Exit codes (a contract: scripts and the tray rely on them).
enum Exit : int {
    kOk = 0,            // fixed, nothing to fix, command succeeded
    kNotFixed = 1,      // not fixed; validate, pack lint: an error
    kUsage = 2,         // bad usage or invalid input
    kRefused = 3,       // refused: declined, needs admin rights, does not apply
    kLintWarnings = 4,  // pack lint: no errors, but warnings
    kCancelled = 130    // cancelled (Ctrl-C)
};

struct GlobalOptions {
    std::vector<std::string> pack_dirs;  // --packs, in order
    std::string config_file;             // --config
    bool no_builtin = false;             // --no-builtin
    bool no_feed = false;                // --no-feed: leave out the packs synced from the feed
    std::string lang;                    // install_translations() (translations.h)
    MachinePaths machine;                // fixctl_machine_paths() (app/machine_paths.h)
};

// What the global options ask of the machine's catalog (--packs, --config, --no-builtin,
// --no-feed).
CatalogOptions catalog_options(const GlobalOptions& g);
// The machine's catalog (app/machine_catalog.h) for these options. Its problems go to stderr
// as warnings (config errors, packs skipped, the feed's expiry): the valid packs keep working.
MachineCatalog load_machine_catalog(const GlobalOptions& g);
// Prints a loaded catalog's problems as load_machine_catalog does; with config_problems false,
// leaves out the config file's (for a command that already reported them).
void report_catalog_problems(const MachineCatalog& catalog, bool config_problems);
// Only the fixes of load_machine_catalog(g), for commands that need no origins.
Catalog load_catalog(const GlobalOptions& g);
// Shared by the commands. Problems go to stderr; false when a config file has an error.
bool load_config(const GlobalOptions& g, SiteConfig* config);
bool load_escalation_config(const GlobalOptions& g, EscalationConfig* config);
// The feed settings and policy alone (feed sync, feed status); feed->keys_dir and state_dir
// start as g.machine's.
bool load_feed_config(const GlobalOptions& g, FeedConfig* feed, FixPolicy* policy);

int cmd_list(const GlobalOptions& g, bool json, bool all_platforms, bool all);
// announcements [--json]: IT's current announcements from the feed (app/announcements.h), each
// with its title, text, until when, and the fixes it concerns. Exit 0 (also when there are none).
int cmd_announcements(const GlobalOptions& g, bool json);
// One announcement as `fixctl announcements --json` and `fixctl show --json` give it.
nlohmann::json announcement_json(const AnnouncementView& a);
// `fixctl list`'s first line when there are current announcements ("IT has 2 announcements:
// fixctl announcements"), on stdout; nothing when there are none.
void print_announcements_header(const MachineCatalog& machine, const std::string& lang);
// "IT already knows about this: ..." for every announcement about the fix current at `now`
// (run, escalate), to `out`.
void print_known_issues(const MachineCatalog& machine, const std::string& fix_id,
                        const std::string& lang, std::chrono::system_clock::time_point now,
                        std::FILE* out);
// validate / pack lint: PATH/announcements.xml when PATH is a folder holding one, PATH itself
// when it is a file of that name, else "".
std::string announcements_file_for(const std::string& path);
// Reads and checks an announcements file as `feed build` does (feed/feed_announcement.h).
AnnouncementsFileParse check_announcements_file(const std::string& file);
int cmd_show(const GlobalOptions& g, const std::string& id, bool json);
int cmd_validate(const std::vector<std::string>& paths, bool quiet);
// pack lint: validate's errors plus warnings and notes for risky or incomplete packs.
// Exit 0 clean (notes allowed), 1 any error, 4 warnings only.
// Lints against the built-in packs of g.machine too (overrides-builtin), unless --no-builtin.
int cmd_pack_lint(const GlobalOptions& g, const std::vector<std::string>& paths, bool json,
                  bool quiet);
struct EscalateOptions;
// escalate: when the fix is not fixed, continue as `fixctl escalate --run` with these options.
// allow_admin_from_packs: as root, run the admin steps of a fix from --packs (with a notice).
int cmd_run(const GlobalOptions& g, const std::string& id, bool yes, bool dry_run, bool json,
            bool verbose, const EscalateOptions* escalate = nullptr,
            bool allow_admin_from_packs = false);

struct OutboxOptions {
    std::string action = "list";  // list, show, send, retry, save, remove
    std::string id;               // request id or a unique prefix
    std::string dir;              // save: where to
    bool json = false;
    bool wait = false;  // send: keep going (with backoff) until nothing is pending
    bool due = false;   // send: only requests whose next attempt time has come (for timers)
};
int cmd_outbox(const GlobalOptions& g, const OutboxOptions& o);

struct DiagnoseOptions {
    std::string fix_id;  // add this fix's own diagnostics to the default set
    std::string out;     // bundle path; default ./fixtray-diagnostics-HOST-TIME.tar.gz
    bool json = false;   // print the manifest as JSON
};
int cmd_diagnose(const GlobalOptions& g, const DiagnoseOptions& o);

struct EscalateOptions {
    std::string fix_id;   // the fix the request is about
    std::string run_id;   // or the run (from the audit log)
    std::string message;  // the employee's comment
    std::string email;    // contact e-mail (default login@escalation.email_domain)
    std::string subject;  // replaces the generated subject
    bool yes = false;     // send without the review
    bool json = false;
};
// Builds, reviews (policy "ask" without --yes), queues and tries to send a support request.
// `run`: the record of a run that just ended (run --escalate); else o.run_id / o.fix_id.
// Exit 0 delivered or queued for delivery, 1 refused by the ticket system or not queued,
// 2 bad input, 3 refused (policy off, review declined, no terminal for the review), 130.
int cmd_escalate(const GlobalOptions& g, const EscalateOptions& o, const RunRecord* run = nullptr);

// feed sync [--now] [--json]: exit 0 updated / unchanged / not due, 1 the feed was refused (the
// last known good packs stay), 2 not configured or bad config, 4 the server could not be reached,
// 130 cancelled.
int cmd_feed_sync(const GlobalOptions& g, bool now, bool json, bool quiet = false);
// feed status [--json]: where the synced packs came from, serial, last sync, expiry.
int cmd_feed_status(const GlobalOptions& g, bool json);
// fixctl feed reset-floor REPOSITORY: root only, after a signing key was stolen.
int cmd_feed_reset_floor(const GlobalOptions& g, const std::string& repository);

struct FeedBuildCommand {
    std::string packs_dir;   // DIR
    std::string feed_dir;    // --out
    std::string repository;  // --repository (empty: from the existing index)
    int expires_days = 30;   // --expires
    std::uint64_t serial = 0;
    bool serial_given = false;  // --serial
};
// Exit 0 written, 1 a pack or announcements.xml is invalid (nothing written), 2 bad options.
int cmd_feed_build(const GlobalOptions& g, const FeedBuildCommand& c);

struct FeedVerifyCommand {
    std::string feed_dir;
    std::vector<std::string> key_files;  // --key, repeatable (key rotation)
    std::string repository;              // --repository (empty: any)
};
// Exit 0 valid, 1 invalid (every problem printed), 2 bad usage (a key file that does not parse).
int cmd_feed_verify(const FeedVerifyCommand& c);

}  // namespace fixtray::cli
