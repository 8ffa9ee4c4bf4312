#include "commands.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/fix_run_service.h"
#include "app/offered_fixes.h"
#include "base/cancel_token.h"
#include "base/clock.h"
#include "base/i18n.h"
#include "base/visible_text.h"
#include "engine/admin_step.h"
#include "engine/audit_log.h"
#include "engine/engine.h"
#include "escalation/escalation_config.h"
#include "feed/feed_config.h"
#include "feed/feed_sync.h"
#include "net/http_client.h"
#include "packs/catalog.h"
#include "packs/site_config.h"
#include "platform/platform_paths.h"
#include "platform/process_runner.h"
#include "terminal_progress.h"

namespace fixtray::cli {

using nlohmann::json;

CatalogOptions catalog_options(const GlobalOptions& g) {
    CatalogOptions o;
    o.builtin = !g.no_builtin;
    o.feed = !g.no_feed;
    o.pack_dirs = g.pack_dirs;
    o.user_config_file = g.config_file;
    return o;
}

void report_catalog_problems(const MachineCatalog& catalog, bool config_problems) {
    if (config_problems)
        for (const auto& p : catalog.config().problems)
            if (!p.warning) std::cerr << p.str() << "\n";  // unknown keys: shown by load_config
    if (const auto warning = catalog.feed_trust_warning(); !warning.empty())
        // TRANSLATORS: %s is why the help desk's feed is not trusted, as the core says it.
        std::cerr << "fixctl: " << trf("warning: %s.", {warning}) << "\n";
    if (const auto warning = catalog.feed_expiry_warning(); !warning.empty())
        // TRANSLATORS: %s says that the feed's index expires or expired, as the core says it.
        std::cerr << "fixctl: " << trf("warning: %s; `fixctl feed status` says more.", {warning})
                  << "\n";
    for (const auto& p : catalog.pack_problems())
        if (p.severity == PackProblem::Severity::error)
            // TRANSLATORS: %s is a problem of a pack file, "PATH:LINE:COL: error: MESSAGE".
            std::cerr << trf("%s (pack skipped)", {p.str()}) << "\n";
}

MachineCatalog load_machine_catalog(const GlobalOptions& g) {
    MachineCatalog catalog(g.machine, catalog_options(g));
    report_catalog_problems(catalog, true);
    return catalog;
}

Catalog load_catalog(const GlobalOptions& g) {
    return load_machine_catalog(g).catalog();
}

bool load_feed_config(const GlobalOptions& g, FeedConfig* feed, FixPolicy* policy) {
    bool ok = true;
    auto report = [&](const std::vector<ConfigProblem>& problems) {
        for (const auto& p : problems) {
            if (p.warning) continue;  // unknown keys: shown by load_config
            std::cerr << p.str() << "\n";
            ok = false;
        }
    };
    feed->keys_dir = g.machine.keys_dir;
    feed->state_dir = g.machine.feed_state_dir;
    report(merge_feed_config_file(g.machine.config_file, false, feed, policy));
    if (!g.config_file.empty()) report(merge_feed_config_file(g.config_file, true, feed, policy));
    return ok;
}

bool load_config(const GlobalOptions& g, SiteConfig* config) {
    bool ok = true;
    auto report = [&](const std::vector<ConfigProblem>& problems) {
        for (const auto& p : problems) {
            std::cerr << p.str() << "\n";
            if (!p.warning) ok = false;
        }
    };
    report(merge_site_config_file(g.machine.config_file, false, config));
    if (!g.config_file.empty()) report(merge_site_config_file(g.config_file, true, config));
    return ok;
}

bool load_escalation_config(const GlobalOptions& g, EscalationConfig* config) {
    bool ok = true;
    auto report = [&](const std::vector<ConfigProblem>& problems) {
        for (const auto& p : problems) {
            // Warnings (unknown keys) were already shown by load_config.
            if (p.warning) continue;
            std::cerr << p.str() << "\n";
            ok = false;
        }
    };
    report(merge_escalation_config_file(g.machine.config_file, false, config));
    if (!g.config_file.empty()) report(merge_escalation_config_file(g.config_file, true, config));
    return ok;
}

namespace {

// `validate` and `pack lint`, for a folder without packs.
constexpr const char* kNoPackFilesMsg = N_("no *.xml fix pack files here");

// origin: where the pack came from (built-in, machine, feed, local), "" when unknown.
json fix_summary_json(const CatalogEntry& e, const std::string& lang, const PackOrigin* origin) {
    json platforms = json::array();
    for (Platform p : e.fix->platforms) platforms.push_back(to_string(p));
    return {{"id", e.fix->id},
            {"title", e.fix->title.get(lang)},
            {"description", e.fix->description.empty() ? "" : e.fix->description.get(lang)},
            {"category", e.fix->category},
            {"keywords", e.fix->keywords},
            {"platforms", platforms},
            {"needs_admin", e.fix->needs_admin()},
            {"confirm", e.fix->confirm.empty() ? "" : e.fix->confirm.get(lang)},
            {"pack_id", e.pack->id},
            {"pack_version", e.pack->version},
            {"file", e.pack->file},
            {"origin", origin ? to_string(origin->source) : ""}};
}

// The fix with this id on this platform, or nullopt after saying why not on stderr, with the
// exit code in *code: 2 for an unknown id, 3 for a fix the feed revoked or policy disabled.
std::optional<CatalogEntry> find_or_complain(const MachineCatalog& machine, const std::string& id,
                                             int* code) {
    auto entry = machine.catalog().find(id, current_platform());
    if (entry) return entry;
    if (const WithdrawnFix* w = machine.withdrawn_fix(id)) {
        std::cerr << "fixctl: "
                  // TRANSLATORS: fix id, pack id, pack version, pack file, and why (as the core
                  // says it: revoked by the help desk's feed, or turned off by policy).
                  << trf("fix \"%s\" of pack %s version %s (%s) is not run on this machine: %s.",
                         {id, w->pack_id, std::to_string(w->pack_version), w->file, w->why})
                  << "\n";
        *code = kRefused;
        return std::nullopt;
    }
    std::cerr << "fixctl: "
              // TRANSLATORS: fix id and platform ("linux", "windows", "macos").
              << trf("no fix \"%s\" for %s (see `fixctl list`)",
                     {id, to_string(current_platform())})
              << "\n";
    *code = kUsage;
    return std::nullopt;
}

// Ctrl-C before the run starts (at the question) is kept in g_cancel and handed on at the
// start; once the run is in progress it cancels the run directly.
CancelToken* g_cancel = nullptr;
std::atomic<FixRunService*> g_run_service{nullptr};

// Ctrl-C, kill, the terminal closing (SIGHUP) or the reader of a pipe going away (SIGPIPE,
// `fixctl run X -v | head`): all cancel the run the same way. The steps end, what the repair
// changed is undone (a second signal cancels the undo), and the run is recorded: fixctl is never
// ended in the middle by one of these.
extern "C" void on_interrupt(int) {
    if (g_cancel) g_cancel->cancel();
    if (FixRunService* service = g_run_service.load()) service->cancel();
}

constexpr int kRunSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};

int exit_code_for(const RunRecord& r) {
    switch (r.outcome) {
        case Outcome::fixed:
        case Outcome::nothing_to_fix:
            return kOk;
        case Outcome::not_fixed:
        case Outcome::interrupted:
            return kNotFixed;
        case Outcome::cancelled:
            return kCancelled;
        case Outcome::refused:
            return r.refusal == Refusal::invalid_input ? kUsage : kRefused;
    }
    return kNotFixed;
}

// A step's label, marked when the step runs with administrator rights.
std::string step_label_text(const std::string& label, bool admin) {
    // TRANSLATORS: a step of a fix that runs with administrator rights: "Restart the
    // print service [admin]".
    return admin ? trf("%s [admin]", {label}) : label;
}

// A step's label in `lang` (label-LANG), as the engine shows it in a run and a plan.
std::string step_label_in(const Step& s, const std::string& lang) {
    if (s.label.empty()) return default_label(s);
    if (s.label_translations.empty()) return s.label;
    LocalizedText text;
    text.by_lang = s.label_translations;
    text.by_lang.emplace_back("", s.label);
    return text.get(lang);
}

void print_step_lines(const char* heading, const std::vector<Step>& steps,
                      const std::string& lang) {
    if (steps.empty()) return;
    std::printf("%s:\n", heading);
    int n = 0;
    for (const auto& s : steps)
        std::printf("  %d. %s\n", ++n, step_label_text(step_label_in(s, lang), s.admin).c_str());
}

}  // namespace

int cmd_list(const GlobalOptions& g, bool as_json, bool all_platforms, bool all) {
    const MachineCatalog machine = load_machine_catalog(g);
    const Catalog& catalog = machine.catalog();
    // A fix whose <when> fails here is not offered (`--all` lists it, with the reason); fixes
    // of other platforms only with --all-platforms.
    SiteConfig site;
    static_cast<void>(load_config(g, &site));  // problems printed; the rest of the list stands
    std::vector<OfferedFix> offered = offered_fixes(catalog, site, current_user_environment(), all);
    const std::size_t hidden = catalog.fixes(current_platform()).size() - offered.size();
    if (all_platforms)
        for (const auto& e : catalog.all_fixes())
            if (!e.fix->runs_on(current_platform()))
                offered.push_back({e, "this fix is for another platform"});  // JSON only
    if (as_json) {
        json out = json::array();
        for (const auto& o : offered) {
            json j = fix_summary_json(o.entry, g.lang, machine.origin(*o.entry.pack));
            j["applies"] = o.applies();
            if (!o.applies()) j["not_applicable"] = o.not_applicable;
            out.push_back(std::move(j));
        }
        std::cout << dump_json(out, 2) << "\n";
        return kOk;
    }
    print_announcements_header(machine, g.lang);
    if (offered.empty())
        // TRANSLATORS: %s is the platform: "linux", "windows", "macos".
        std::cout << trf("No fixes are available for %s.", {to_string(current_platform())}) << "\n";
    std::size_t width = 2;
    for (const auto& o : offered) width = std::max(width, o.entry.fix->id.size());
    for (const auto& o : offered) {
        const Fix& fix = *o.entry.fix;
        std::string platforms;
        if (all_platforms)
            for (Platform p : fix.platforms) platforms += std::string(" [") + to_string(p) + "]";
        const std::string title = fix.title.get(g.lang);
        // TRANSLATORS: `fixctl list`: a fix with steps that need administrator rights.
        const std::string shown = fix.needs_admin() ? trf("%s (admin)", {title}) : title;
        std::printf("%-*s  %s%s\n", static_cast<int>(width), fix.id.c_str(), shown.c_str(),
                    platforms.c_str());
        if (!o.applies() && fix.runs_on(current_platform()))  // others: their [platform] says it
            std::printf(
                "%-*s  %s\n", static_cast<int>(width), "",
                // TRANSLATORS: `fixctl list --all`: %s is why a fix does not apply on this machine.
                trf("(not offered here: %s)", {o.not_applicable}).c_str());
    }
    if (hidden > 0) {
        if (!offered.empty()) std::printf("\n");
        std::printf("%s\n", trfn("%s more fix does not apply on this machine; `fixctl list --all` "
                                 "shows it and why.",
                                 "%s more fixes do not apply on this machine; `fixctl list --all` "
                                 "shows them and why.",
                                 hidden, {std::to_string(hidden)})
                                .c_str());
    }
    return kOk;
}

int cmd_show(const GlobalOptions& g, const std::string& id, bool as_json) {
    const MachineCatalog machine = load_machine_catalog(g);
    int code = kUsage;
    auto entry = find_or_complain(machine, id, &code);
    if (!entry) return code;
    const Fix& fix = *entry->fix;
    if (as_json) {
        json j = fix_summary_json(*entry, g.lang, machine.origin(*entry->pack));
        auto steps = [](const std::vector<Step>& v) {
            json a = json::array();
            for (const auto& s : v)
                a.push_back({{"label", s.label.empty() ? default_label(s) : s.label},
                             {"kind", to_string(s.kind)},
                             {"argv", s.argv},
                             {"admin", s.admin}});
            return a;
        };
        j["check"] = steps(fix.check);
        j["steps"] = steps(fix.steps);
        j["verify"] = steps(fix.verify);
        j["revert"] = steps(fix.revert);
        json overrides = json::array();
        for (const OverriddenFix& o : machine.overridden(*entry->pack, fix))
            overrides.push_back({{"pack_id", o.pack_id},
                                 {"pack_version", o.pack_version},
                                 {"file", o.file},
                                 {"origin", to_string(o.source)}});
        j["overrides"] = std::move(overrides);
        // What IT announced about this fix (as `fixctl announcements --json` gives each).
        json known = json::array();
        for (const AnnouncementView& a :
             announcements_for_fix(machine, fix.id, std::chrono::system_clock::now(), g.lang))
            known.push_back(announcement_json(a));
        j["announcements"] = std::move(known);
        std::cout << dump_json(j, 2) << "\n";
        return kOk;
    }
    std::printf("%s (%s)\n", fix.title.get(g.lang).c_str(), fix.id.c_str());
    if (!fix.description.empty()) std::printf("%s\n", fix.description.get(g.lang).c_str());
    std::printf("\n%s\n",
                // TRANSLATORS: `fixctl show`: pack id, pack version, pack file.
                trf("Pack: %s version %s (%s)",
                    {entry->pack->id, std::to_string(entry->pack->version), entry->pack->file})
                    .c_str());
    if (const PackOrigin* origin = machine.origin(*entry->pack)) {
        std::string from;
        switch (origin->source) {
            case PackSource::builtin:
                from = tr("From: the built-in packs");
                break;
            case PackSource::machine:
                from = trf("From: this machine's packs (%s)", {origin->dir});
                break;
            case PackSource::feed:
                from = trf("From: the help desk's feed (repository %s, serial %s)",
                           {origin->repository, std::to_string(origin->serial)});
                break;
            case PackSource::packs_dir:
                // TRANSLATORS: --packs is the option the pack's folder was given with.
                from = trf("From: --packs %s", {origin->dir});
                break;
        }
        std::printf("%s\n", from.c_str());
    }
    for (const OverriddenFix& o : machine.overridden(*entry->pack, fix)) {
        const std::string version = std::to_string(o.pack_version);
        std::string line;
        switch (o.source) {
            case PackSource::builtin:
                // TRANSLATORS: `fixctl show`, a fix that replaces another with its id: fix id, the
                // replaced fix's pack id, pack version and file.
                line = trf("Overrides: the built-in fix %s (pack %s version %s, %s)",
                           {fix.id, o.pack_id, version, o.file});
                break;
            case PackSource::machine:
                line = trf("Overrides: the machine fix %s (pack %s version %s, %s)",
                           {fix.id, o.pack_id, version, o.file});
                break;
            case PackSource::feed:
                line = trf("Overrides: the feed fix %s (pack %s version %s, %s)",
                           {fix.id, o.pack_id, version, o.file});
                break;
            case PackSource::packs_dir:
                line = trf("Overrides: the local fix %s (pack %s version %s, %s)",
                           {fix.id, o.pack_id, version, o.file});
                break;
        }
        std::printf("%s\n", line.c_str());
    }
    if (const WithdrawnFix* kept = machine.refused_override(fix.id))
        std::printf("%s\n",
                    // TRANSLATORS: fix id, pack id, pack version, and why the feed's fix was left
                    // out (as the core says it).
                    trf("Not replaced: the help desk's feed has a fix %s (pack %s version "
                        "%s), left out because %s",
                        {fix.id, kept->pack_id, std::to_string(kept->pack_version), kept->why})
                        .c_str());
    if (!fix.category.empty()) std::printf("%s\n", trf("Category: %s", {fix.category}).c_str());
    if (!fix.keywords.empty()) {
        std::string k;
        for (const auto& w : fix.keywords) k += (k.empty() ? "" : ", ") + w;
        std::printf("%s\n", trf("Keywords: %s", {k}).c_str());
    }
    if (fix.needs_admin()) std::printf("%s\n", tr("Needs administrator rights for some steps."));
    if (!fix.confirm.empty())
        // TRANSLATORS: %s is the fix's question to the employee, e.g. "This closes your browser."
        std::printf("%s\n", trf("Asks first: %s", {fix.confirm.get(g.lang)}).c_str());
    print_known_issues(machine, fix.id, g.lang, std::chrono::system_clock::now(), stdout);
    std::printf("\n");
    // TRANSLATORS: `fixctl show`, the headings of a fix's four lists of steps.
    print_step_lines(tr("Check (all pass = nothing to fix)"), fix.check, g.lang);
    print_step_lines(tr("Steps"), fix.steps, g.lang);
    print_step_lines(tr("Verify (all pass = fixed)"), fix.verify, g.lang);
    print_step_lines(tr("Revert (when not fixed)"), fix.revert, g.lang);
    std::printf("\n%s\n",
                trf("See the exact commands with: fixctl run %s --dry-run", {fix.id}).c_str());
    return kOk;
}

int cmd_validate(const std::vector<std::string>& paths, bool quiet) {
    std::size_t files = 0, invalid = 0, warnings = 0;
    bool any_error = false;
    for (const auto& path : paths) {
        // A feed's announcements.xml beside the packs is checked as what it is.
        const std::string announcements = announcements_file_for(path);
        if (!announcements.empty()) {
            ++files;
            const AnnouncementsFileParse checked = check_announcements_file(announcements);
            for (const auto& p : checked.problems) std::cout << p.str() << "\n";
            if (!checked.ok()) ++invalid;
            if (announcements == path) continue;
        }
        const Result<std::vector<std::string>> listed = pack_files_under(path);
        if (!listed) {
            std::cout << path << ": error: " << listed.message() << "\n";
            any_error = true;
            continue;
        }
        const std::vector<std::string>& found = *listed;
        if (found.empty() && announcements.empty()) {
            // The format stays PATH: error: MESSAGE (editors read it); the message is ours.
            std::cout << path << ": error: " << tr(kNoPackFilesMsg) << "\n";
            any_error = true;
            continue;
        }
        for (const auto& file : found) {
            ++files;
            const PackLoadResult result = load_pack_file(file);
            for (const auto& p : result.problems) {
                std::cout << p.str() << "\n";
                if (p.severity == PackProblem::Severity::warning) ++warnings;
            }
            if (!result.ok()) ++invalid;
        }
    }
    if (!quiet)
        // TRANSLATORS: the summary of `fixctl validate`, "2 files checked, 1 invalid, 3 warnings":
        // the first %s is "N file(s)" (translated on its own), the second a number, the third
        // "N warning(s)".
        std::cerr << trf("%1$s checked, %2$s invalid, %3$s",
                         {trfn("%s file", "%s files", files, {std::to_string(files)}),
                          std::to_string(invalid),
                          trfn("%s warning", "%s warnings", warnings, {std::to_string(warnings)})})
                  << "\n";
    return (invalid || any_error) ? kNotFixed : kOk;
}

int cmd_run(const GlobalOptions& g, const std::string& id, bool yes, bool dry_run, bool as_json,
            bool verbose, const EscalateOptions* escalate, bool allow_admin_from_packs) {
    SiteConfig site;
    if (!load_config(g, &site)) return kUsage;
    const MachineCatalog machine = load_machine_catalog(g);
    int not_found = kUsage;
    auto entry = find_or_complain(machine, id, &not_found);
    if (!entry) return not_found;
    // A pack from --packs is a draft nobody signed. Its admin steps run as root only when asked
    // for, and never silently (as a user, the admin helper refuses them anyway: it trusts only
    // packs an administrator installed).
    const PackOrigin* origin = machine.origin(*entry->pack);
    if (origin && origin->source == PackSource::packs_dir && entry->fix->needs_admin() &&
        current_user_environment().is_admin && !dry_run) {
        if (!allow_admin_from_packs) {
            std::cerr << "fixctl: "
                      // TRANSLATORS: fix id, pack file.
                      << trf("not run: fix \"%s\" has admin steps and comes from %s (--packs: "
                             "not installed by an administrator, not signed). To run its admin "
                             "steps as root, add --allow-admin-from-packs to `fixctl run`.",
                             {id, entry->pack->file})
                      << "\n";
            return kRefused;
        }
        std::cerr << "fixctl: "
                  << trf("notice: running the admin steps of %s as root "
                         "(--allow-admin-from-packs); this pack is not signed.",
                         {entry->pack->file})
                  << "\n";
    }

    FixRunRequest request = make_fix_run_request(*entry, std::move(site), g.lang);
    apply_run_policy(machine.config().policy, request);
    FixRunService service;

    if (dry_run) {
        const Plan plan = service.plan(request);
        if (as_json) {
            json steps = json::array();
            for (const auto& s : plan.steps)
                steps.push_back({{"phase", to_string(s.phase)},
                                 {"index", s.index},
                                 {"label", s.label},
                                 {"kind", to_string(s.kind)},
                                 {"argv", s.argv},
                                 {"admin", s.admin},
                                 {"note", s.note}});
            json j = {{"fix_id", entry->fix->id},
                      {"ok", plan.ok},
                      {"message", plan.message},
                      {"confirm", plan.confirm},
                      {"steps", steps}};
            if (plan.refusal != Refusal::none) j["refusal"] = to_string(plan.refusal);
            std::cout << dump_json(j, 2) << "\n";
        } else {
            // TRANSLATORS: fix id, fix title.
            std::printf("%s\n", trf("Dry run of %s (%s): nothing will be run or changed.",
                                    {entry->fix->id, entry->fix->title.get(g.lang)})
                                    .c_str());
            print_known_issues(machine, entry->fix->id, g.lang, std::chrono::system_clock::now(),
                               stdout);
            if (!plan.confirm.empty())
                // TRANSLATORS: %s is the fix's question to the employee.
                std::printf("%s\n", trf("Would ask first: %s", {plan.confirm}).c_str());
            Phase phase = Phase::check;
            bool first = true;
            for (const auto& s : plan.steps) {
                if (first || s.phase != phase) {
                    // The pack's own names of its parts (<check>, <steps>, <verify>, <revert>).
                    std::printf("%s:\n", to_string(s.phase));
                    phase = s.phase;
                    first = false;
                }
                std::string argv;
                for (const auto& a : s.argv) {
                    const bool quote =
                        a.empty() || a.find_first_of(" \t\"'\\$") != std::string::npos;
                    argv += (argv.empty() ? "" : " ") + (quote ? json(a).dump() : a);
                }
                std::printf("  %d. %s\n     %s\n", s.index,
                            step_label_text(visible_text(s.label, false), s.admin).c_str(),
                            visible_text(argv, false).c_str());
                if (!s.note.empty())
                    std::printf("     (%s)\n", visible_text(s.note, false).c_str());
            }
            if (!plan.message.empty()) std::printf("%s\n", visible_text(plan.message).c_str());
        }
        if (plan.ok) return kOk;
        return plan.refusal == Refusal::invalid_input ? kUsage : kRefused;
    }

    CancelToken cancel;
    g_cancel = &cancel;
    for (const int sig : kRunSignals) std::signal(sig, on_interrupt);

    TerminalProgress progress(as_json ? stderr : stdout, verbose, g.lang);
    std::fprintf(as_json ? stderr : stdout, "%s (%s)\n",
                 visible_text(entry->fix->title.get(g.lang), false).c_str(),
                 entry->fix->id.c_str());
    // Before the question and the run: the employee may not need to go on.
    print_known_issues(machine, entry->fix->id, g.lang, std::chrono::system_clock::now(),
                       as_json ? stderr : stdout);
    // Asked here, before the run: the run itself never waits for an answer.
    request.confirmed = yes;
    if (!yes && !request.fix->confirm.empty()) {
        const Plan plan = service.plan(request);
        if (plan.ok && !progress.can_ask()) {
            // A script or a scheduled task: nobody can answer. Not "you chose not to".
            request.could_ask = false;
            std::fprintf(as_json ? stderr : stdout, "%s\n",
                         trf("This fix asks before it runs, and there is no terminal to ask on. "
                             "To run it unattended: fixctl run %s --yes",
                             {request.fix->id})
                             .c_str());
        } else if (plan.ok) {
            request.confirmed = progress.ask(plan.confirm, plan.confirm_lang);
        }
    }
    const FixRunStart started = service.start(std::move(request), progress);
    g_run_service.store(&service);
    if (cancel.cancelled()) service.cancel();
    const std::optional<FixRunResult> result =
        started.started ? service.wait() : std::optional<FixRunResult>();
    g_run_service.store(nullptr);
    for (const int sig : kRunSignals) std::signal(sig, SIG_DFL);
    // A reader that went away still must not end fixctl before its exit code: what is left to
    // print fails quietly.
    std::signal(SIGPIPE, SIG_IGN);
    g_cancel = nullptr;
    if (!result) {
        std::cerr << "fixctl: " << started.message << "\n";
        return kNotFixed;
    }

    const RunRecord& record = result->record;
    const std::string& audit_error = result->audit_error;
    if (as_json) {
        std::cout << dump_json(to_json(record), 2) << "\n";
    } else {
        std::printf("%s\n%s\n", visible_text(record.message).c_str(),
                    trf("Run id: %s", {record.run_id}).c_str());
    }
    if (!audit_error.empty())
        std::cerr << "fixctl: "
                  << trf("warning: the run was not written to the audit log: %s", {audit_error})
                  << "\n";
    const int code = exit_code_for(record);
    if (escalate && record.outcome == Outcome::not_fixed) {
        std::fprintf(as_json ? stderr : stdout, "\n%s\n",
                     tr("The fix did not work: asking your help desk."));
        std::fflush(stdout);
        EscalateOptions e = *escalate;
        e.json = false;  // stdout already carries the run record
        const int escalated = cmd_escalate(g, e, &record);
        if (escalated == kCancelled) return kCancelled;
    }
    return code;
}

}  // namespace fixtray::cli
