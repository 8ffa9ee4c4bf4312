// The fix-pack model: what a help desk wrote in XML, after loading and validation.
// Plain data, no behaviour; produced by pack_loader, consumed by the engine and front ends.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/source_location.h"

namespace fixtray {

// A 1-based line and column (in bytes) inside a pack file; 0 = unknown. Model nodes carry only
// this; the file is FixPack::file (see FixPack::location).
struct SourcePos {
    int line = 0;
    int column = 0;
};

// Where something came from, for messages like "file:12:7: error: ...".
// A human text with translations; the untagged (or "en") text is the fallback.
struct LocalizedText {
    // (language tag, text); "" = untagged default. Tags are unique (case-insensitively); the
    // order carries no meaning: get() picks among equals by the smallest tag, as a sorted map did.
    std::vector<std::pair<std::string, std::string>> by_lang;

    bool empty() const { return by_lang.empty(); }
    // The text stored under exactly this tag (case-sensitive), or nullptr.
    const std::string* find(std::string_view lang) const;
    // Best text for a language tag such as "de_DE.UTF-8", "de-AT" or "de"; falls back to
    // English, then the untagged text, then any text.
    const std::string& get(const std::string& lang) const;
    // The tag of the text get(lang) returns ("de", "" for the untagged default), so a front end
    // asks its question around that text in the same language.
    const std::string& tag_for(const std::string& lang) const;
    // Moves out the text get(lang) would return ("" when there is none); its entry stays, empty.
    std::string take(const std::string& lang);

private:
    const std::pair<std::string, std::string>* entry_for(const std::string& lang) const;
};

enum class Platform { linux, windows, macos };
const char* to_string(Platform p);
std::optional<Platform> platform_from_string(std::string_view s);
Platform current_platform();

enum class StepKind {
    run,           // argv, no shell
    shell,         // explicit interpreter + script, arguments passed as positional parameters
    delete_files,  // glob under a root, age filter, never follows symlinks out of the root
    end_process,   // by process name, current user's processes unless admin
    http_probe,    // libcurl GET, expected status codes
    dns_resolve,   // host name resolves
    tcp_connect,   // host:port accepts a connection
    exists,        // path (or glob under root) present / absent
    wait,          // sleep, cancellable
};
const char* to_string(StepKind k);

// One step as written in the pack. String fields may contain ${variables}; they are expanded
// by the engine just before the step runs (never through a shell).
struct Step {
    // Every member has its default below. The empty body makes `Step()` (as in emplace_back())
    // construct just those, instead of first zero-filling the whole, large object.
    Step() noexcept {}

    StepKind kind = StepKind::run;
    SourcePos where;
    std::string label;  // optional human label; the engine derives one when empty
    // label-LANG attributes (label-de="..."): (tag, text), picked like LocalizedText::get.
    std::vector<std::pair<std::string, std::string>> label_translations;

    // Common attributes.
    std::chrono::milliseconds timeout{60'000};
    std::vector<int> ok_exit_codes;  // run / shell, as written; empty = the default, {0}
    bool continue_on_error = false;  // a failure does not stop the phase
    bool admin = false;              // needs admin rights
    std::string foreach_var;         // "printer" in foreach="printer in printers"
    std::string foreach_list;        // "printers"
    std::string foreach_except;      // skip items equal to any value of this list (field path)
    std::string if_program;          // skip (not fail) the step when this program is not on PATH
    std::string skip_if_running;     // skip (not fail) the step while this process runs

    // run / shell
    std::vector<std::string> argv;  // run: program + args; shell: positional args
    std::string interpreter;        // shell: "sh", "bash", "powershell", "cmd"
    std::string script;             // shell: script text
    std::string stdout_match;       // optional ECMAScript regex the stdout must match
    std::string capture;            // store stdout lines as a list variable of this name
    // run / shell: <env name="NAME">value</env>, added to the program's environment (values
    // may hold ${variables}; a secret param's value is passed this way).
    std::vector<std::pair<std::string, std::string>> env;
    // Processes the step leaves running when it exits normally are kept (a daemon it starts on
    // purpose). Without it they are ended, as after a timeout.
    bool detach = false;

    // delete_files / exists
    std::string root;
    std::string glob;  // relative to root, '/'-separated, supports * ? [..] **
    std::chrono::seconds older_than{0};
    std::string path;            // exists: a single path instead of root+glob
    bool expect_present = true;  // exists
    std::string type;            // exists: "file", "dir" or "" (any)

    // end_process
    std::string process_name;
    std::chrono::milliseconds grace{5'000};

    // http_probe / dns_resolve / tcp_connect
    std::string url;
    std::vector<int> expect_status_codes;  // http_probe, as written; empty = {200, 204}
    std::string host;
    int port = 0;

    // wait
    std::chrono::milliseconds duration{0};

    // Accepted exit codes of run / shell: ok_exit_codes, or {0} when none were given.
    const std::vector<int>& ok_exit() const;
    // Expected HTTP statuses of http_probe: expect_status_codes, or {200, 204} when none were
    // given.
    const std::vector<int>& expect_status() const;
};

// Applicability: every condition must hold for the fix to be offered.
struct Condition {
    enum class Kind { program_exists, path_exists, env_set } kind;
    std::string value;
    bool negate = false;
    SourcePos where;
};

struct DiagnosticItem {
    enum class Kind { command, file, fact } kind;
    std::string name;               // label in the bundle
    std::vector<std::string> argv;  // command
    std::string path;               // file
    std::string fact;               // fact id, e.g. "network.routes"
    SourcePos where;
};

// A declared site value a pack uses (from the site config, or the default).
struct Param {
    std::string name;
    bool is_list = false;
    // secret="true": the site's value is a password or token. It is masked ("***") in
    // everything fixtray records or shows (step records, the run record and audit log, terminal
    // output, bundles, requests, tickets, mail) and is best passed to a program through <env>,
    // not as an <arg> (other users see arguments in `ps`; lint warns).
    bool secret = false;
    std::vector<std::string> fields;  // for lists of records, e.g. name, uri
    std::optional<std::string> default_value;
    SourcePos where;
};

struct Fix {
    Fix() noexcept {}  // as Step(): no zero-fill before the members' own defaults

    std::string id;
    SourcePos where;
    LocalizedText title;
    LocalizedText description;
    LocalizedText confirm;  // non-empty: ask before running (disruptive fix)
    std::string category;
    std::vector<std::string> keywords;
    std::vector<Platform> platforms;
    std::vector<Condition> conditions;
    std::vector<Step> check;   // all pass -> healthy, nothing to fix
    std::vector<Step> steps;   // at least one
    std::vector<Step> verify;  // all pass -> fixed
    std::vector<Step> revert;  // run when steps or verify fail
    std::vector<DiagnosticItem> diagnostics;

    // True in a catalog kept for listing only (Catalog::drop_steps): check, steps, verify and
    // revert were left out to save memory, and the engine refuses the fix. Whoever runs it reads
    // its pack again (MachineCatalog::full_pack). needs_admin() still answers, from the flag
    // below, which drop_steps() sets.
    bool steps_dropped = false;
    bool dropped_steps_need_admin = false;
    // True once Catalog::drop_listing_texts freed the description and keywords: the program
    // made its list of fixes from them already, in the employee's language, and keeps the
    // catalog only to find, run and escalate fixes (the tray). A list made again from this fix
    // would have neither.
    bool listing_texts_dropped = false;

    bool runs_on(Platform p) const;
    bool needs_admin() const;
    // The variable names this fix refers to anywhere ("${printer.uri}" -> "printer", a foreach
    // list, a foreach except path), sorted, each once: a site value only this fix's own
    // references need. Scripts are not scanned (a script takes no variables).
    std::vector<std::string> names_used() const;
};

// The first of the employee's own folder variables (home, cache, config, data, state, trash,
// temp) a step names in a path or argument (root, path, glob, argv, script), or "" for none. A
// step run as root may not name one: the employee can turn any folder of theirs into a link.
std::string user_folder_variable_in(const Step& step);

struct FixPack {
    std::string id;      // reverse-DNS, e.g. "org.fixtray.linux.clear-caches"
    int version = 0;     // integer, increases with every published change
    std::string file;    // where it was loaded from
    std::string dir;     // its directory, available to steps as ${packdir}
    std::string sha256;  // of the bytes it was loaded from (64 hex digits), as a feed index has
                         // it; only when loaded with PackLoadLimits::sha256
    std::vector<Param> params;
    std::vector<Fix> fixes;

    // A position in this pack's file as a full location, e.g. for "file:12:7" messages.
    SourceLocation location(SourcePos pos) const { return {file, pos.line, pos.column}; }
};

}  // namespace fixtray
