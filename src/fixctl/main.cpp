// fixctl: the command-line front end over the fixtray core. Parses arguments, calls a command.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <string_view>

#include "app/machine_paths.h"
#include "base/i18n.h"
#include "commands.h"
#include "translations.h"

using namespace fixtray::cli;
using fixtray::tr;
using fixtray::trf;

namespace {

// CLI11's own words in --help, through its formatter's labels (shared with every subcommand:
// they hold the same formatter). The keys are CLI11's.
void translate_help_labels(CLI::FormatterBase& f) {
    // TRANSLATORS: --help, the heading of the usage line ("Usage: fixctl [OPTIONS] SUBCOMMAND").
    f.label("Usage", tr("Usage"));
    // TRANSLATORS: --help, in the usage line: where the options go.
    f.label("OPTIONS", tr("OPTIONS"));
    // TRANSLATORS: --help, in the usage line: where the command goes ("fixctl [OPTIONS]
    // SUBCOMMAND").
    f.label("SUBCOMMAND", tr("SUBCOMMAND"));
    // TRANSLATORS: --help, in the usage line: where one or more commands go.
    f.label("SUBCOMMANDS", tr("SUBCOMMANDS"));
    // TRANSLATORS: --help, the heading of the list of arguments given without an option name
    // (ID, PATH).
    f.label("Positionals", tr("Positionals"));
    // TRANSLATORS: --help, the same heading as "Positionals", as newer CLI11 versions spell it.
    f.label("POSITIONALS", tr("POSITIONALS"));
    // TRANSLATORS: --help, after an option or argument that must be given.
    f.label("REQUIRED", tr("REQUIRED"));
    // TRANSLATORS: --help, "(Env:NAME)": the environment variable an option is read from.
    f.label("Env", tr("Env"));
    // TRANSLATORS: --help, "Needs: --other": the options an option needs.
    f.label("Needs", tr("Needs"));
    // TRANSLATORS: --help, "Excludes: --fix": the options an option cannot be used with.
    f.label("Excludes", tr("Excludes"));
    // TRANSLATORS: --help, the kind of value an option takes: any text.
    f.label("TEXT", tr("TEXT"));
    // TRANSLATORS: --help, the kind of value an option takes: a whole number.
    f.label("INT", tr("INT"));
    // TRANSLATORS: --help, the kind of value an option takes: a whole number, 0 or more.
    f.label("UINT", tr("UINT"));
}

// What the labels cannot reach, for `app` and every subcommand under it: each subcommand's
// -h,--help (CLI11 adds it to the group "Options" before the subcommand inherits the translated
// group), and value kinds a validator extended ("TEXT:{list,show}", "TEXT:DIR": the kind
// translated, the validator's part as it is).
void translate_help_details(CLI::App* app, const std::string& options_group,
                            CLI::FormatterBase& f) {
    if (CLI::Option* help = app->get_help_ptr()) help->group(options_group);
    for (const CLI::Option* opt : app->get_options()) {
        const std::string type = opt->get_type_name();
        const auto colon = type.find(':');
        if (colon == std::string::npos) continue;
        const std::string kind = type.substr(0, colon);
        if (kind == "TEXT" || kind == "INT" || kind == "UINT")
            f.label(type, f.get_label(kind) + type.substr(colon));
    }
    for (CLI::App* sub : app->get_subcommands([](CLI::App*) { return true; }))
        translate_help_details(sub, options_group, f);
}

// A command line CLI11 refused: a sentence of ours for the common kinds, with CLI11's own
// (English) explanation in it.
std::string parse_error_message(const CLI::ParseError& e) {
    const std::string_view detail = e.what();
    if (dynamic_cast<const CLI::RequiredError*>(&e))
        // TRANSLATORS: a command line fixctl refused. Here and in the following messages %s is
        // CLI11's explanation in English, e.g. "--out is required" or "A subcommand is required".
        return trf("a required command, argument or option is missing (%s)", {detail});
    if (dynamic_cast<const CLI::ExtrasError*>(&e))
        // TRANSLATORS: e.g. "The following argument was not expected: --colour".
        return trf("unknown command or option, or an argument too many (%s)", {detail});
    if (dynamic_cast<const CLI::ValidationError*>(&e) ||
        dynamic_cast<const CLI::ConversionError*>(&e))
        // TRANSLATORS: e.g. "--packs: Directory does not exist: /tmp/x".
        return trf("invalid value (%s)", {detail});
    if (dynamic_cast<const CLI::ArgumentMismatch*>(&e))
        // TRANSLATORS: e.g. "--out: 1 required FEEDDIR missing".
        return trf("an option is missing its value, or has too many (%s)", {detail});
    if (dynamic_cast<const CLI::ExcludesError*>(&e))
        // TRANSLATORS: e.g. "--run excludes --fix".
        return trf("these options cannot be used together (%s)", {detail});
    return trf("invalid command line (%s)", {detail});
}

}  // namespace

int main(int argc, char** argv) try {
    const std::string lang = install_translations();
    // TRANSLATORS: `fixctl --help`. The exit codes are numbers scripts test: keep them.
    CLI::App app{tr("fixctl: run fixtray's self-service repairs from a terminal, and check fix "
                    "packs.\n\n"
                    "Exit codes: 0 fixed / nothing to fix / success, 1 not fixed (validate: a file "
                    "is invalid), 2 bad usage or invalid input, 3 refused (declined, needs admin "
                    "rights, does not apply here), 4 pack lint found warnings only (feed sync: the "
                    "server could not be reached, or another sync runs), 70 internal error, 130 "
                    "cancelled."),
                 "fixctl"};
    // Before any option or subcommand: both inherit these (see translate_help_details).
    translate_help_labels(*app.get_formatter());
    // TRANSLATORS: --help, the heading of the list of options.
    const std::string options_group = tr("Options");
    app.option_defaults()->group(options_group);
    // TRANSLATORS: --help, the heading of the list of commands (list, show, run...).
    app.group(tr("Subcommands"));
    app.set_help_flag("-h,--help", tr("Print this help message and exit"));
    app.set_version_flag("--version", std::string("fixctl ") + FIXTRAY_VERSION,
                         tr("Display program version information and exit"));
    app.require_subcommand(1);

    GlobalOptions g;
    g.lang = lang;
    g.machine = fixtray::fixctl_machine_paths();  // FIXTRAY_MACHINE_ROOT: see machine_paths.h
    app.add_option(
           "--packs", g.pack_dirs,
           // TRANSLATORS: the upper-case words in the --help texts (DIR, FILE, ID, PATH,
           // FEEDDIR, REPOSITORY, KEYFILE...) are the names --help shows for values: keep them.
           tr("Also load the fix packs in DIR (repeatable; later ones take precedence "
              "over the built-in packs, the machine's /etc/fixtray/packs and the feed's)"))
        ->type_name("DIR")
        ->check(CLI::ExistingDirectory);
    app.add_option("--config", g.config_file,
                   tr("Site config (JSON) with site values such as printers and probe URLs; "
                      "read after /etc/fixtray/fixtray.json"))
        ->type_name("FILE");
    app.add_flag("--no-builtin", g.no_builtin, tr("Do not load the built-in fix packs"));
    app.add_flag(
        "--no-feed", g.no_feed,
        tr("Do not load the packs synced from the help desk's feed (`fixctl feed status`)"));

    bool json = false, all_platforms = false, yes = false, dry_run = false, verbose = false,
         quiet = false;
    std::string id;
    std::vector<std::string> paths;

    auto* list = app.add_subcommand("list", tr("List the fixes this machine offers"));
    list->add_flag("--json", json, tr("Print JSON"));
    bool list_all = false;
    list->add_flag("--all", list_all,
                   tr("Also list the fixes that do not apply on this machine (their <when> "
                      "conditions fail), each with the reason"));
    list->add_flag("--all-platforms", all_platforms, tr("Include fixes for other platforms"));

    auto* announcements = app.add_subcommand(
        "announcements",
        tr("Show what IT announces through the help desk's feed (an outage they are working on, "
           "say): each announcement's title, text, until when it is shown, and the fixes it "
           "concerns. `fixctl run` and `fixctl escalate` show the ones about their fix first."));
    announcements->add_flag("--json", json, tr("Print JSON"));

    auto* show = app.add_subcommand("show", tr("Show a fix: what it checks, does and verifies"));
    show->add_option("ID", id, tr("Fix id, as in `fixctl list`"))->required();
    show->add_flag("--json", json, tr("Print JSON"));

    auto* validate = app.add_subcommand(
        "validate",
        // TRANSLATORS: "PATH:LINE:COL: error: MESSAGE" is what fixctl prints, in English: keep it.
        tr("Check fix pack files; prints PATH:LINE:COL: error: MESSAGE for every problem.\n"
           "Exit 0 when every file is valid, 1 when any is not."));
    validate->add_option("PATH", paths, tr("Pack files or directories (searched for *.xml)"))
        ->required();
    validate->add_flag("-q,--quiet", quiet, tr("Print problems only, no summary"));

    auto* pack = app.add_subcommand("pack", tr("Tools for fix pack authors"));
    pack->require_subcommand(1);
    auto* lint = pack->add_subcommand(
        "lint",
        // TRANSLATORS: the PATH:LINE:COL formats, "error", "warning", "note" and the codes
        // (overrides-builtin) are printed as they are: keep them.
        tr("Check fix pack files before publishing: every error `fixctl validate` reports, plus "
           "warnings for risky or incomplete packs (and for a fix with the id of a built-in fix, "
           "which it would replace on every machine: overrides-builtin) and notes.\n"
           "Prints PATH:LINE:COL: error: MESSAGE, PATH:LINE:COL: warning: MESSAGE [CODE] and "
           "PATH:LINE:COL: note: MESSAGE [CODE]; the codes are listed in fixes/README.md.\n"
           "Exit 0 clean (notes allowed), 1 any error, 2 bad usage, 4 warnings but no errors."));
    lint->add_option("PATH", paths, tr("Pack files or directories (searched for *.xml)"))
        ->required();
    lint->add_flag("--json", json,
                   tr("Print a JSON array of {file, line, column, severity, code, message}"));
    lint->add_flag("-q,--quiet", quiet, tr("Print problems only, no summary"));

    auto* run = app.add_subcommand(
        "run",
        tr("Run a fix: check, repair, verify. Exit 0 fixed or nothing to fix, 1 not fixed, 2 bad "
           "input, 3 refused, 130 cancelled (Ctrl-C stops the running step and its children)."));
    run->add_option("ID", id, tr("Fix id, as in `fixctl list`"))->required();
    run->add_flag("-y,--yes", yes, tr("Do not ask before disruptive fixes"));
    run->add_flag("-n,--dry-run", dry_run,
                  tr("Print the exact plan with variables expanded; run and change nothing"));
    run->add_flag("--json", json, tr("Print the run record (or the plan) as JSON on stdout"));
    run->add_flag("-v,--verbose", verbose, tr("Show the output of each step as it runs"));
    bool allow_admin_from_packs = false;
    run->add_flag("--allow-admin-from-packs", allow_admin_from_packs,
                  tr("As root: run the admin steps of a fix from --packs (an unsigned draft); "
                     "without it such a fix is refused (exit 3)"));
    bool run_escalate = false;
    EscalateOptions esc;
    run->add_flag("--escalate", run_escalate,
                  tr("If the fix does not work, send a support request (as `fixctl escalate`); "
                     "the exit code stays the run's"));
    run->add_option("-m,--message", esc.message,
                    tr("With --escalate: your comment for the help desk"));

    DiagnoseOptions diag;
    auto* diagnose = app.add_subcommand(
        "diagnose",
        tr("Collect diagnostics (the default set, plus a fix's own with --fix) into a redacted "
           "tar.gz bundle and print what was collected. Nothing is sent."));
    diagnose->add_option("--fix", diag.fix_id, tr("Also collect what this fix asks for"))
        ->type_name("ID");
    diagnose
        ->add_option("-o,--out", diag.out,
                     tr("Bundle path (default ./fixtray-diagnostics-HOST-TIME.tar.gz)"))
        ->type_name("FILE");
    diagnose->add_flag("--json", diag.json, tr("Print the bundle's manifest as JSON"));

    auto* escalate = app.add_subcommand(
        "escalate",
        tr("Ask your help desk for help: collects diagnostics, fills in a support request (what "
           "was tried, each step's result), lets you review it, then queues and sends it.\n"
           "Exit 0 delivered or queued (sent later if the help desk cannot be reached), 1 refused "
           "by the ticket system, 2 bad input, 3 not sent (turned off by policy, or declined)."));
    auto* esc_fix =
        escalate
            ->add_option("--fix", esc.fix_id,
                         tr("The fix it is about, with its latest run if that ended in the last 24 "
                            "hours"))
            ->type_name("ID");
    escalate
        ->add_option("--run", esc.run_id, tr("The fix run it is about (run id from `fixctl run`)"))
        ->type_name("RUN_ID")
        ->excludes(esc_fix);
    escalate->add_option("-m,--message", esc.message, tr("Your comment for the help desk"));
    escalate->add_option("--email", esc.email, tr("Where the help desk should answer"))
        ->type_name("ADDRESS");
    escalate->add_option("--subject", esc.subject, tr("Replace the generated subject"));
    escalate->add_flag("-y,--yes", esc.yes, tr("Send without the review"));
    escalate->add_flag("--json", esc.json, tr("Print the request and its delivery status as JSON"));

    OutboxOptions outbox_opts;
    auto* outbox = app.add_subcommand(
        "outbox",
        // TRANSLATORS: list, show, send, retry, save, remove are the words typed: keep them.
        tr("Support requests waiting for the help desk: list (default), show ID, send [ID], retry "
           "ID, save ID [--to DIR], remove ID.\nRequests are kept until delivered; `send` tries "
           "every pending one now. Exit 0 when nothing is left undelivered, 1 otherwise (also "
           "when only failed requests are left); `send --due` exits 0 when nothing is due or no "
           "ticket system is configured (the requests wait to be saved with `save`)."));
    // TRANSLATORS: the words typed: keep them.
    outbox->add_option("ACTION", outbox_opts.action, tr("list, show, send, retry, save or remove"))
        ->check(CLI::IsMember({"list", "show", "send", "retry", "save", "remove"}));
    outbox->add_option("ID", outbox_opts.id, tr("Request id (or a unique start of it, 4+ chars)"));
    outbox->add_option("--to", outbox_opts.dir, tr("save: folder to copy into (default ~/Desktop)"))
        ->type_name("DIR");
    outbox->add_flag("--json", outbox_opts.json, tr("list/show: print JSON"));
    outbox->add_flag("--wait", outbox_opts.wait,
                     tr("send: keep retrying with backoff until every request is delivered or "
                        "failed (Ctrl-C stops)"));
    outbox->add_flag("--due", outbox_opts.due,
                     tr("send: only the requests whose next attempt time has come, quietly when "
                        "there are none (what the fixtray-outbox timer runs)"));

    auto* feed = app.add_subcommand(
        "feed",
        tr("The help desk's signed pack feed (a static directory any web server can serve). Help "
           "desks: build it, sign index.xml with minisign, verify it as a client would. Machines: "
           "sync it (as root; the fixtray-feed timer does) and show its status. The whole workflow "
           "is in fixes/README.md, \"Publishing packs\"."));
    feed->require_subcommand(1);
    FeedBuildCommand feed_build_opts;
    auto* feed_build = feed->add_subcommand(
        "build",
        // TRANSLATORS: keep the file names and the minisign command as they are.
        tr("Feed tools: build a feed directory from the packs in DIR.\n"
           "Every pack must be valid (problems are printed as PATH:LINE:COL and nothing is "
           "written); each pack's exact bytes are copied to FEEDDIR/packs/ID-SHA256PREFIX.xml and "
           "FEEDDIR/index.xml is written last, atomically, with the next serial. Pack files the "
           "new "
           "index no longer lists are left in packs/: clients in the middle of a sync may still "
           "fetch them (delete them later by hand). An announcements.xml in DIR (beside the "
           "packs) holds IT's announcements for the index: its problems are printed as "
           "FILE:LINE:COL and nothing is written; an announcement that has expired is left out "
           "with a warning. Then sign the index with the stock tool: "
           "minisign -S -s KEYFILE -m FEEDDIR/index.xml (the exact command is printed).\n"
           "Exit 0 written, 1 a pack or announcements.xml is invalid, 2 bad options."));
    feed_build
        ->add_option("DIR", feed_build_opts.packs_dir, tr("Folder with the fix packs (*.xml)"))
        ->required()
        ->check(CLI::ExistingDirectory);
    feed_build->add_option("--out", feed_build_opts.feed_dir, tr("The feed directory to write"))
        ->type_name("FEEDDIR")
        ->required();
    feed_build
        ->add_option("--repository", feed_build_opts.repository,
                     tr("The feed's reverse-DNS id (needed for a new feed; must match an existing "
                        "index)"))
        ->type_name("ID");
    feed_build
        ->add_option(
            "--expires", feed_build_opts.expires_days,
            tr("Days until clients refuse the index if it is not rebuilt (default 30; machines "
               "refuse more than their feed.max_expiry_days, 400 by default)"))
        ->type_name("DAYS");
    auto* feed_serial =
        feed_build
            ->add_option("--serial", feed_build_opts.serial,
                         tr("Serial of the new index (default: the current one + 1, or 1); must "
                            "be greater than the current one"))
            ->type_name("N");

    bool feed_now = false;
    auto* feed_sync = feed->add_subcommand(
        "sync",
        tr("Machines: fetch the help desk's signed feed (feed.url in the machine config) and "
           "install "
           "its packs if every check passes: signature by a key in feed.keys, repository, serial, "
           "expiry, each pack's size and SHA-256. An unchanged feed costs one conditional request. "
           "Without --now it does nothing before the next due time (feed.interval_minutes plus "
           "jitter); with --quiet also nothing when no feed is configured: `feed sync --quiet` is "
           "what the fixtray-feed timer runs, as root.\n"
           "Exit 0 updated / unchanged / not due, 1 refused (the packs synced before keep "
           "working), "
           "2 not configured (without --quiet) or bad config, 4 the server could not be reached or "
           "another sync runs, 130 cancelled."));
    feed_sync->add_flag("--now", feed_now, tr("Sync now, whatever the polling interval says"));
    bool feed_quiet = false;
    feed_sync->add_flag("-q,--quiet", feed_quiet,
                        tr("Say nothing when the sync is not due yet or nothing changed (what the "
                           "fixtray-feed timer runs); problems are still printed"));
    feed_sync->add_flag("--json", json,
                        tr("Print the outcome, the problems and the new state as JSON"));
    auto* feed_status = feed->add_subcommand(
        "status",
        tr("Show the synced feed: repository, serial, when it was generated and expires, last "
           "check and success, the last error, and where every loaded pack came from (built-in, "
           "feed, local)."));
    feed_status->add_flag("--json", json, tr("Print JSON"));

    std::string reset_repository;
    auto* feed_reset = feed->add_subcommand(
        "reset-floor",
        tr("Machines, as root, after a feed signing key was stolen: forget the highest serial "
           "accepted from REPOSITORY (a thief can sign serial 18446744073709551615, which no later "
           "index could pass) and remove its installed index and packs. First replace the stolen "
           "key in feed.keys (/etc/fixtray/keys) with the new one, then run this, then `fixctl "
           "feed "
           "sync --now`: the next index the new key signs is accepted whatever its serial. "
           "Rollback "
           "protection for that repository starts again from it.\n"
           "Exit 0 done, 1 refused (not root, a sync running, a store a user could write), 2 bad "
           "usage."));
    feed_reset->add_option("REPOSITORY", reset_repository, tr("The feed's repository id"))
        ->required();

    FeedVerifyCommand feed_verify_opts;
    auto* feed_verify = feed->add_subcommand(
        "verify",
        tr("Feed tools: check a feed directory offline as a client would: the minisign signature "
           "of index.xml (index.xml.minisig) against the given public key(s) before anything else, "
           "then the index, its repository and expiry, and every listed pack (present, size, "
           "SHA-256, loads without errors, id and version as listed). Prints every problem.\n"
           "Exit 0 valid, 1 invalid, 2 bad usage."));
    feed_verify->add_option("FEEDDIR", feed_verify_opts.feed_dir, tr("The feed directory"))
        ->required()
        ->check(CLI::ExistingDirectory);
    feed_verify
        ->add_option("--key", feed_verify_opts.key_files,
                     tr("A minisign public key file (.pub); repeat it to accept several keys "
                        "during a key change"))
        ->type_name("PUBKEY")
        ->required();
    feed_verify
        ->add_option("--repository", feed_verify_opts.repository,
                     tr("Also require this repository id"))
        ->type_name("ID");

    translate_help_details(&app, options_group, *app.get_formatter());

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "fixctl: " << parse_error_message(e) << "\n"
                  << tr("Run with --help for more information.") << "\n";
        return kUsage;
    }

    if (*list) return cmd_list(g, json, all_platforms, list_all);
    if (*announcements) return cmd_announcements(g, json);
    if (*show) return cmd_show(g, id, json);
    if (*validate) return cmd_validate(paths, quiet);
    if (*lint) return cmd_pack_lint(g, paths, json, quiet);
    if (*run) {
        esc.yes = yes;
        return cmd_run(g, id, yes, dry_run, json, verbose, run_escalate ? &esc : nullptr,
                       allow_admin_from_packs);
    }
    if (*diagnose) return cmd_diagnose(g, diag);
    if (*escalate) return cmd_escalate(g, esc);
    if (*outbox) return cmd_outbox(g, outbox_opts);
    if (*feed_build) {
        feed_build_opts.serial_given = feed_serial->count() > 0;
        return cmd_feed_build(g, feed_build_opts);
    }
    if (*feed_verify) return cmd_feed_verify(feed_verify_opts);
    if (*feed_sync) return cmd_feed_sync(g, feed_now, json, feed_quiet);
    if (*feed_status) return cmd_feed_status(g, json);
    if (*feed_reset) return cmd_feed_reset_floor(g, reset_repository);
    return kUsage;
} catch (const std::exception& e) {
    std::cerr << "fixctl: " << trf("internal error: %s", {e.what()}) << "\n";
    return 70;
}
