#include "engine/engine.h"

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "base/cancel_token.h"
#include "base/clock.h"
#include "base/duration.h"
#include "base/secret_mask.h"
#include "engine/admin_step.h"
#include "engine/stdout_scan.h"
#include "engine/steps/builtin_steps.h"
#include "net/http_client.h"
#include "packs/pattern.h"
#include "platform/platform_paths.h"

namespace fixtray {
namespace {

std::string join(const std::vector<std::string>& v, std::size_t max_items = 8) {
    std::string out;
    for (std::size_t i = 0; i < v.size() && i < max_items; ++i) {
        if (i) out += ' ';
        out += v[i];
    }
    if (v.size() > max_items) out += " ...";
    return out;
}

std::string seconds_text(std::chrono::milliseconds d) {
    if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
    return std::to_string(d.count()) + " ms";
}

// PowerShell and cmd cannot take arguments safely on their command line, so a shell step's
// arguments reach them through the environment (FIXTRAY_ARGC, FIXTRAY_ARG_0...): a constant
// PowerShell wrapper turns them into $args; cmd scripts read !FIXTRAY_ARG_0! (delayed
// expansion is on). POSIX shells get them as positional parameters $1, $2...
constexpr const char* kPowerShellWrapper =
    "$a = @(); for ($i = 0; $i -lt [int]$env:FIXTRAY_ARGC; $i++) { $a += "
    "[Environment]::GetEnvironmentVariable('FIXTRAY_ARG_' + $i) }; "
    "& ([scriptblock]::Create($env:FIXTRAY_SCRIPT)) @a; exit $LASTEXITCODE";

std::vector<std::string> shell_argv(const Step& s) {
    std::vector<std::string> argv;
    if (s.interpreter == "sh" || s.interpreter == "bash") {
        argv = {s.interpreter == "sh" ? "/bin/sh" : "bash", "-c", s.script, "fixtray-step"};
        argv.insert(argv.end(), s.argv.begin(), s.argv.end());
    } else if (s.interpreter == "powershell") {
        argv = {"powershell.exe",   "-NoLogo", "-NoProfile", "-NonInteractive",
                "-ExecutionPolicy", "Bypass",  "-Command",   kPowerShellWrapper};
    } else {  // cmd
        argv = {"cmd.exe", "/d", "/v:on", "/c", s.script};
    }
    return argv;
}

// What a step keeps of each stream once the run's output budget is spent.
constexpr std::size_t kStepOutputFloor = 4 * 1024;

// A step's kept output as the record stores it. Text stays as it is (escaped when written as
// JSON). Binary output (a NUL byte, or more than one byte in eight a control character) would
// cost up to six characters a byte as JSON escapes and tells a person nothing: it is kept as
// its size and its first 32 bytes in hex.
std::string kept_output(const std::string& kept, std::size_t total) {
    std::size_t control = 0;
    bool nul = false;
    for (const char c : kept) {
        const auto b = static_cast<unsigned char>(c);
        nul = nul || b == 0;
        if ((b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != 0x1b) || b == 0x7f) ++control;
    }
    if (!nul && control * 8 <= kept.size()) return kept;
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "[binary output, " + std::to_string(total) + " bytes; the first ";
    const std::size_t shown = std::min<std::size_t>(32, kept.size());
    out += std::to_string(shown) + " in hex:";
    for (std::size_t i = 0; i < shown; ++i) {
        const auto b = static_cast<unsigned char>(kept[i]);
        out += ' ';
        out += kHex[b >> 4];
        out += kHex[b & 15];
    }
    out += ']';
    return out;
}

std::map<std::string, std::string> shell_env(const Step& s) {
    std::map<std::string, std::string> env;
    if (s.interpreter == "sh" || s.interpreter == "bash") return env;
    if (s.interpreter == "powershell") env["FIXTRAY_SCRIPT"] = s.script;
    env["FIXTRAY_ARGC"] = std::to_string(s.argv.size());
    for (std::size_t i = 0; i < s.argv.size(); ++i)
        env["FIXTRAY_ARG_" + std::to_string(i)] = s.argv[i];
    return env;
}

// What a built-in step does, as argv-like words for records and plans.
std::vector<std::string> builtin_words(const Step& s) {
    std::vector<std::string> w{to_string(s.kind)};
    auto add = [&](const char* key, const std::string& value) {
        if (!value.empty()) w.push_back(std::string(key) + "=" + value);
    };
    switch (s.kind) {
        case StepKind::delete_files:
            add("root", s.root);
            add("glob", s.glob);
            if (s.older_than.count()) add("older-than", format_duration(s.older_than));
            break;
        case StepKind::end_process:
            add("name", s.process_name);
            break;
        case StepKind::http_probe: {
            add("url", s.url);
            std::string codes;
            for (int c : s.expect_status()) codes += (codes.empty() ? "" : ",") + std::to_string(c);
            add("expect-status", codes);
            break;
        }
        case StepKind::dns_resolve:
            add("host", s.host);
            break;
        case StepKind::tcp_connect:
            add("host", s.host);
            add("port", std::to_string(s.port));
            break;
        case StepKind::exists:
            add("path", s.path);
            add("root", s.root);
            add("glob", s.glob);
            add("type", s.type);
            add("expect", s.expect_present ? "present" : "absent");
            break;
        case StepKind::wait:
            add("duration", seconds_text(s.duration));
            break;
        case StepKind::run:
        case StepKind::shell:
            break;
    }
    return w;
}

// skip-if-running takes a comma-separated list of process names; returns the first that runs.
std::string first_running(const std::string& names, std::optional<unsigned> owner) {
    std::size_t start = 0;
    while (start < names.size()) {
        auto end = names.find(',', start);
        if (end == std::string::npos) end = names.size();
        std::string name = names.substr(start, end - start);
        const auto first = name.find_first_not_of(" \t");
        const auto last = name.find_last_not_of(" \t");
        if (first != std::string::npos) {
            name = name.substr(first, last - first + 1);
            if (process_running(name, owner)) return name;
        }
        start = end + 1;
    }
    return {};
}

struct NullObserver final : RunObserver {};

// Does a step of this kind act on the machine (rather than look at it or wait)?
bool acts(StepKind k) {
    return k == StepKind::run || k == StepKind::shell || k == StepKind::delete_files ||
           k == StepKind::end_process;
}

// The step's label in `lang` (label-LANG), else its label.
std::string step_label(const Step& s, const std::string& lang) {
    if (s.label_translations.empty()) return s.label;
    LocalizedText text;
    text.by_lang = s.label_translations;
    text.by_lang.emplace_back("", s.label);
    return text.get(lang);
}

}  // namespace

std::string default_label(const Step& s) {
    switch (s.kind) {
        case StepKind::run:
            return "Run " + join(s.argv, 4);
        case StepKind::shell:
            return "Run a " + s.interpreter + " script";
        case StepKind::delete_files:
            return "Delete files in " + s.root;
        case StepKind::end_process:
            return "Close " + s.process_name;
        case StepKind::http_probe:
            return "Check that " + s.url + " answers";
        case StepKind::dns_resolve:
            return "Check that " + s.host + " resolves";
        case StepKind::tcp_connect:
            return "Check that " + s.host + ":" + std::to_string(s.port) + " accepts connections";
        case StepKind::exists:
            return std::string("Check that ") + (s.path.empty() ? s.root + "/" + s.glob : s.path) +
                   (s.expect_present ? " exists" : " is gone");
        case StepKind::wait:
            return "Wait " + seconds_text(s.duration);
    }
    return "Step";
}

struct Engine::Context {
    const FixPack& pack;
    const Fix& fix;
    Variables vars;
    RunObserver& observer;
    const CancelToken* cancel;  // the run's; while undoing after a cancel, the undo's own
    RunRecord& record;
    bool cancelled = false;
    std::string first_failure;  // "label: message" of the step that stopped a phase
    std::string lang;           // RunOptions::lang: which label-LANG a step shows
    // Of the last phase run: step runs that changed something when they ran (run, shell,
    // delete-files, end-process; not a probe or a wait), step runs that were skipped, and the
    // first skipped one ("label: why"). A skipped step proves nothing: see run_phase.
    int phase_ran = 0;
    int phase_skipped = 0;
    std::string first_skipped;
    std::size_t output_left = kRunOutputLimit;  // RunOptions::output_limit, less what is kept
    const SecretMask* secrets = nullptr;        // the secret params' values (secret_values)
};

namespace {

// The site values of the pack's secret params, to be masked in what the run records and shows.
SecretMask secret_values(const FixPack& pack, const Variables& vars) {
    SecretMask mask;
    for (const Param& p : pack.params) {
        if (!p.secret) continue;
        if (auto it = vars.scalars().find(p.name); it != vars.scalars().end()) mask.add(it->second);
    }
    return mask;
}

void mask_record(StepRecord& rec, const SecretMask& mask) {
    if (mask.empty()) return;
    for (std::string* f : {&rec.label, &rec.item, &rec.message, &rec.out, &rec.err, &rec.detail})
        mask.apply(*f);
    for (auto& a : rec.argv) mask.apply(a);
}

// Passes a run's events on with the secret params' values masked: what a front end shows
// (labels, command lines, live output, messages) never holds them. Live output is masked as it
// streams, also where a value is split across two reads.
class MaskingObserver final : public RunObserver {
public:
    MaskingObserver(RunObserver& inner, const SecretMask& mask)
        : inner_(inner), mask_(mask), out_(mask), err_(mask) {}
    void phase_started(Phase p) override { inner_.phase_started(p); }
    void step_started(const StepRecord& r) override {
        out_.finish();
        err_.finish();
        inner_.step_started(masked(r));
    }
    void step_output(const StepRecord& r, OutputStream which, std::string_view chunk) override {
        if (mask_.empty()) return inner_.step_output(r, which, chunk);
        const std::string safe = (which == OutputStream::out ? out_ : err_).feed(chunk);
        if (!safe.empty()) inner_.step_output(masked(r), which, safe);
    }
    void step_finished(const StepRecord& r) override {
        for (auto [which, stream] :
             {std::pair{OutputStream::out, &out_}, {OutputStream::err, &err_}})
            if (const std::string rest = stream->finish(); !rest.empty())
                inner_.step_output(r, which, rest);
        inner_.step_finished(r);  // the engine masked the record itself
    }
    void run_finished(const RunRecord& r) override { inner_.run_finished(r); }

private:
    StepRecord masked(const StepRecord& r) const {
        if (mask_.empty()) return r;
        StepRecord c = r;
        mask_record(c, mask_);
        return c;
    }
    RunObserver& inner_;
    const SecretMask& mask_;
    StreamingSecretMask out_;
    StreamingSecretMask err_;
};

}  // namespace

Engine::Engine(ProcessRunner& runner, HttpClient& http, Clock& clock, const UserEnvironment& env,
               AdminStepRunner* admin)
    : runner_(runner), http_(http), clock_(clock), env_(env), admin_(admin) {}

Variables fix_variables(const FixPack& pack, const SiteConfig& site, const UserEnvironment& env,
                        std::vector<std::string>* missing, const Fix* fix) {
    Variables v;
    v.set("home", env.home);
    v.set("cache", env.cache);
    v.set("config", env.config);
    v.set("data", env.data);
    v.set("state", env.state);
    v.set("trash", env.trash);
    v.set("temp", env.temp);
    v.set("user", env.user);
    v.set("host", env.host);
    v.set("packdir", pack.dir);
    const std::vector<std::string> used = fix ? fix->names_used() : std::vector<std::string>{};
    const auto report = [&](const Param& param, std::string what) {
        if (!missing) return;
        if (fix && !std::binary_search(used.begin(), used.end(), param.name)) return;
        missing->push_back(std::move(what));
    };
    for (const auto& param : pack.params) {
        if (param.is_list) {
            if (auto it = site.lists.find(param.name); it != site.lists.end()) {
                for (std::size_t i = 0; i < it->second.size(); ++i)
                    for (const auto& field : param.fields)
                        if (!it->second[i].fields.count(field))
                            report(param, param.name + "[" + std::to_string(i) + "]." + field);
                v.set_list(param.name, it->second);
            } else if (param.default_value) {
                v.set_list(param.name, {});  // default="": no items
            } else {
                report(param, param.name);
            }
        } else if (auto it = site.values.find(param.name); it != site.values.end()) {
            v.set(param.name, it->second);
        } else if (param.default_value) {
            v.set(param.name, *param.default_value);
        } else {
            report(param, param.name);
        }
    }
    return v;
}

// How long undoing a fix's changes after a cancel may take at most (its steps' own timeouts
// apply too); a second cancel request ends it sooner.
constexpr std::chrono::minutes kRevertAfterCancelLimit{2};

// A fix from a catalog kept for listing only (Catalog::drop_steps) reached the engine: a front
// end's mistake, never run as a fix without steps.
constexpr const char* kStepsDropped =
    "this fix was listed without its steps, and its pack was not read again before the run";

std::string applicability_problem(const FixPack& pack, const Fix& fix, const SiteConfig& site,
                                  const UserEnvironment& env) {
    const Platform here = current_platform();
    if (!fix.runs_on(here)) {
        std::string on;
        for (Platform p : fix.platforms) on += (on.empty() ? "" : ", ") + std::string(to_string(p));
        return "this fix is for " + on + "; this machine runs " + to_string(here);
    }
    if (fix.conditions.empty()) return {};
    const Variables vars = fix_variables(pack, site, env, nullptr);
    for (const auto& c : fix.conditions) {
        // Conditions take variables as every other attribute does: built-ins and the pack's
        // params with their site values.
        const Result<std::string> expanded = vars.expand(c.value);
        if (!expanded)
            return "its condition " + c.value + " cannot be checked: " + expanded.message();
        const std::string& value = *expanded;
        bool holds = false;
        std::error_code ec;
        switch (c.kind) {
            case Condition::Kind::program_exists:
                holds = find_program(value).has_value();
                break;
            case Condition::Kind::path_exists:
                holds = std::filesystem::exists(value, ec);
                break;
            case Condition::Kind::env_set: {
                const char* set = std::getenv(value.c_str());
                holds = set && *set;
                break;
            }
        }
        if (holds == c.negate) {
            const char* what = c.kind == Condition::Kind::program_exists ? "program"
                               : c.kind == Condition::Kind::path_exists  ? "path"
                                                                         : "environment variable";
            return std::string("this fix applies only where the ") + what + " " + value +
                   (c.negate ? " is absent" : " is present");
        }
    }
    return {};
}

RunRecord Engine::run(const FixPack& pack, const Fix& fix, const SiteConfig& site,
                      const RunOptions& options, RunObserver& observer, const CancelToken& cancel) {
    RunRecord r;
    r.run_id = options.run_id.empty() ? new_uuid() : options.run_id;
    r.fix_id = fix.id;
    r.fix_title = fix.title.get(options.lang);
    r.pack_id = pack.id;
    r.pack_version = pack.version;
    r.pack_sha256 = pack.sha256;
    r.pack_file = pack.file;
    r.platform = to_string(current_platform());
    r.user = env_.user;
    r.host = env_.host;
    r.started = clock_.now();

    auto finish = [&](Outcome outcome, std::string message) -> RunRecord {
        r.outcome = outcome;
        r.message = std::move(message);
        r.finished = clock_.now();
        observer.run_finished(r);
        return r;
    };
    auto refuse = [&](Refusal why, std::string message) {
        r.refusal = why;
        return finish(Outcome::refused, std::move(message));
    };

    if (fix.steps_dropped)
        return refuse(Refusal::invalid_input, "Not run: " + std::string(kStepsDropped) + ".");
    if (auto problem = applicability_problem(pack, fix, site, env_); !problem.empty())
        return refuse(Refusal::not_applicable, "Not run: " + problem + ".");

    std::vector<std::string> missing;
    Variables vars = variables_for(pack, site, &missing, &fix);
    const SecretMask secrets = secret_values(pack, vars);
    MaskingObserver masking(observer, secrets);
    Context ctx{pack, fix, std::move(vars), masking, &cancel, r, false, {}, options.lang, 0, 0, {}};
    ctx.output_left = options.output_limit;
    ctx.secrets = &secrets;
    if (!missing.empty())
        return refuse(Refusal::invalid_input,
                      "Not run: the site configuration does not set " + join(missing) +
                          " (ask your help desk to add it to the site config).");
    if (fix.needs_admin() && !env_.is_admin && !(admin_ && admin_->available()))
        return refuse(Refusal::needs_admin,
                      "Not run: this fix needs administrator rights. Ask your help desk, or run "
                      "it as an administrator.");
    if (!fix.confirm.empty() && !options.assume_yes)
        return refuse(Refusal::declined, options.could_ask
                                             ? "Not run: you chose not to go ahead."
                                             : "Not run: this fix asks before it runs, and nobody "
                                               "could be asked (no terminal).");

    auto cancelled_message = [&] {
        return "Cancelled" + (ctx.first_failure.empty() ? std::string(".")
                                                        : " during " + ctx.first_failure + ".");
    };
    auto cancelled_outcome = [&] { return finish(Outcome::cancelled, cancelled_message()); };
    // What the revert phase that just ran did, as the sentence that ends the run's message.
    auto revert_sentence = [&](bool reverted) -> std::string {
        if (ctx.cancelled) return " Undoing the changes was cancelled.";
        return reverted ? " The changes were undone."
                        : " Undoing the changes failed (" + ctx.first_failure + ").";
    };
    // Cancelled once the repair began: what it changed is undone, as after a failure. The undo
    // has its own cancel: the next cancel request, or kRevertAfterCancelLimit.
    auto cancelled_after_changes = [&] {
        std::string message = cancelled_message();
        if (fix.revert.empty()) return finish(Outcome::cancelled, message);
        CancelToken undo_cancel;
        const unsigned asked = cancel.requests();
        std::mutex m;
        std::condition_variable cv;
        bool done = false;
        std::thread watch([&] {
            const auto until = clock_.steady_now() + kRevertAfterCancelLimit;
            std::unique_lock<std::mutex> lock(m);
            while (!done) {
                if (cancel.requests() != asked || clock_.steady_now() >= until) {
                    undo_cancel.cancel();
                    return;
                }
                cv.wait_for(lock, std::chrono::milliseconds(50));
            }
        });
        ctx.cancel = &undo_cancel;
        ctx.cancelled = false;
        ctx.first_failure.clear();
        const bool reverted = run_phase(ctx, Phase::revert, fix.revert);
        {
            std::lock_guard<std::mutex> lock(m);
            done = true;
        }
        cv.notify_all();
        watch.join();
        r.reverted = true;
        if (ctx.cancelled && cancel.requests() == asked)
            message += " Undoing the changes was stopped after " +
                       format_duration(kRevertAfterCancelLimit) + ".";
        else
            message += revert_sentence(reverted);
        return finish(Outcome::cancelled, message);
    };

    if (!fix.check.empty()) {
        const bool healthy = run_phase(ctx, Phase::check, fix.check);
        if (ctx.cancelled) return cancelled_outcome();
        if (healthy)
            return finish(Outcome::nothing_to_fix,
                          "No problem found: the check passed, so nothing was changed.");
        ctx.first_failure.clear();
    }

    const bool steps_ok = run_phase(ctx, Phase::steps, fix.steps);
    if (ctx.cancelled) return cancelled_after_changes();
    std::string why;
    bool fixed = steps_ok;
    if (!steps_ok) {
        why = "the step \"" + ctx.first_failure + "\" failed";
    } else if (ctx.phase_ran == 0 && ctx.phase_skipped > 0) {
        // No repair step could act here (each was skipped; a wait or a probe repairs
        // nothing): whatever the verify says, fixtray fixed nothing.
        fixed = false;
        why = "none of the repair's steps could run on this machine (" + ctx.first_skipped + ")";
    } else if (!fix.verify.empty()) {
        fixed = run_phase(ctx, Phase::verify, fix.verify);
        if (ctx.cancelled) return cancelled_after_changes();
        if (!fixed)
            why = ctx.phase_skipped > 0
                      ? "the repair could not be verified (" + ctx.first_failure + ")"
                      : "the problem is still there (" + ctx.first_failure + ")";
    }
    if (fixed) return finish(Outcome::fixed, "Fixed: the repair ran and the problem is gone.");

    std::string message = "Not fixed: " + why + ".";
    if (!fix.revert.empty()) {
        ctx.first_failure.clear();
        const bool reverted = run_phase(ctx, Phase::revert, fix.revert);
        r.reverted = true;
        message += revert_sentence(reverted);
    }
    return finish(Outcome::not_fixed, message);
}

bool Engine::run_phase(Context& ctx, Phase phase, const std::vector<Step>& steps) {
    ctx.observer.phase_started(phase);
    ctx.phase_ran = ctx.phase_skipped = 0;
    ctx.first_skipped.clear();
    int index = 0;
    for (const auto& step : steps) {
        ++index;
        std::vector<const ListItem*> items{nullptr};
        if (!step.foreach_list.empty()) {
            if (!step.foreach_except.empty() && ctx.vars.list_values(step.foreach_except).empty()) {
                // "Remove every queue except the site's" with an empty site list would remove
                // everything: refuse rather than guess.
                StepRecord rec;
                rec.phase = phase;
                rec.index = index;
                rec.kind = step.kind;
                rec.label = step.label.empty() ? default_label(step) : step_label(step, ctx.lang);
                rec.status = StepStatus::failed;
                rec.message = "not run: the list " + step.foreach_except + " it must keep is empty";
                ctx.observer.step_started(rec);
                ctx.record.steps.push_back(rec);
                ctx.observer.step_finished(ctx.record.steps.back());
                if (!step.continue_on_error) {
                    ctx.first_failure = rec.label + ": " + rec.message;
                    return false;
                }
                continue;
            }
            items = foreach_items(ctx.vars, step);
        }
        for (const ListItem* item : items) {
            if (ctx.cancel->cancelled()) {
                ctx.cancelled = true;
                return false;
            }
            if (item) ctx.vars.bind_item(step.foreach_var, *item);
            StepRecord rec;
            rec.phase = phase;
            rec.index = index;
            rec.kind = step.kind;
            rec.admin = step.admin;
            rec.continue_on_error = step.continue_on_error;
            if (item) rec.item = item->value;
            run_one(ctx, step, rec);
            if (ctx.secrets) mask_record(rec, *ctx.secrets);
            ctx.record.steps.push_back(rec);
            ctx.observer.step_finished(ctx.record.steps.back());
            if (rec.status == StepStatus::cancelled || ctx.cancel->cancelled()) {
                ctx.cancelled = true;
                ctx.first_failure = rec.label;
                return false;
            }
            if (rec.status == StepStatus::skipped) {
                if (ctx.phase_skipped++ == 0) ctx.first_skipped = rec.label + ": " + rec.message;
            } else if (acts(step.kind)) {
                ++ctx.phase_ran;
            }
            const bool failed =
                rec.status == StepStatus::failed || rec.status == StepStatus::timed_out;
            if (failed && !step.continue_on_error) {
                ctx.first_failure = rec.label + ": " + rec.message;
                return false;
            }
        }
    }
    // A skipped check or verify step proves nothing: the check does not find the machine
    // healthy, and the verify does not find the problem gone.
    if ((phase == Phase::check || phase == Phase::verify) && ctx.phase_skipped > 0) {
        ctx.first_failure = ctx.first_skipped + " (skipped)";
        return false;
    }
    return true;
}

void Engine::run_one(Context& ctx, const Step& step, StepRecord& rec) {
    Step s = step;
    s.label = step_label(s, ctx.lang);
    std::string error;
    auto expand = [&](std::string& field) {
        if (!error.empty() || field.empty()) return;
        if (Result<std::string> expanded = ctx.vars.expand(field))
            field = std::move(expanded).value();
        else
            error = expanded.message();
    };
    for (auto& a : s.argv) expand(a);
    for (std::string* f : {&s.label, &s.root, &s.glob, &s.path, &s.url, &s.host, &s.process_name,
                           &s.stdout_match, &s.if_program, &s.skip_if_running})
        expand(*f);
    rec.label = s.label.empty() ? default_label(s) : s.label;
    rec.argv = s.kind == StepKind::run     ? s.argv
               : s.kind == StepKind::shell ? shell_argv(s)
                                           : builtin_words(s);
    // A stdout-match with ${variables} is first checked here, once expanded: a bad one fails the
    // step before its command runs.
    std::optional<Pattern> stdout_match;
    if (error.empty() && !s.stdout_match.empty() &&
        (s.kind == StepKind::run || s.kind == StepKind::shell)) {
        stdout_match.emplace(s.stdout_match);
        if (!stdout_match->ok())
            error = "stdout-match \"" + s.stdout_match +
                    "\" is not a valid regular expression once its variables are expanded: " +
                    stdout_match->error();
    }
    if (!error.empty()) {
        rec.status = StepStatus::failed;
        rec.message = error;
        ctx.observer.step_started(rec);
        return;
    }
    if (!s.if_program.empty() && !find_program(s.if_program)) {
        rec.status = StepStatus::skipped;
        rec.message = s.if_program + " is not installed";
        ctx.observer.step_started(rec);
        return;
    }
    if (auto running = first_running(s.skip_if_running, env_.uid); !running.empty()) {
        rec.status = StepStatus::skipped;
        rec.message = running + " is running; close it and run the fix again";
        ctx.observer.step_started(rec);
        return;
    }
    ctx.observer.step_started(rec);

    if (s.admin && !env_.is_admin) {
        // Only names and positions cross to the helper; it re-derives everything else.
        AdminStepRequest request{ctx.pack.id, ctx.pack.version, ctx.fix.id,     rec.phase,
                                 rec.index,   rec.item,         ctx.pack.sha256};
        if (admin_)
            admin_->run(request, *ctx.cancel, &rec);
        else {
            rec.status = StepStatus::failed;
            rec.message = "needs administrator rights";
        }
        return;
    }

    if (s.kind == StepKind::run || s.kind == StepKind::shell) {
        ProcessRequest req;
        req.argv = rec.argv;
        req.timeout = s.timeout;
        if (s.kind == StepKind::shell) req.extra_env = shell_env(s);
        for (auto [name, value] : s.env) {  // <env>: how a secret reaches a program unseen
            expand(value);
            req.extra_env[name] = value;
        }
        if (!error.empty()) {
            rec.status = StepStatus::failed;
            rec.message = error;
            return;
        }
        req.detach = s.detach;
        // The admin helper serving a user: a step its pack does not mark admin (a capture an
        // admin step's foreach needs) runs with that user's rights, never as root.
        if (!s.admin && env_.is_admin && env_.uid && *env_.uid != 0) req.run_as_uid = env_.uid;
        // A detached process outlives the run on purpose: it does not carry the run's marker,
        // which ends a killed run's processes.
        if (!ctx.record.run_id.empty() && !s.detach)
            req.extra_env[kRunEnvironmentVariable] = ctx.record.run_id;
        req.output_cap = std::clamp(ctx.output_left / 2, kStepOutputFloor, req.output_cap);
        // stdout-match and capture read the whole stream as it comes, not the record's part.
        StdoutScanner scan(stdout_match ? &*stdout_match : nullptr, !s.capture.empty());
        const ProcessResult res =
            runner_.run(req, *ctx.cancel, [&](OutputStream which, std::string_view chunk) {
                if (which == OutputStream::out) scan.feed(chunk);
                ctx.observer.step_output(rec, which, chunk);
            });
        scan.finish();
        rec.duration = res.duration;
        rec.exit_code = res.exit_code;
        rec.signal = res.term_signal;
        rec.timed_out = res.timed_out;
        rec.killed = res.killed;
        rec.out = kept_output(res.out, res.out_bytes);
        rec.err = kept_output(res.err, res.err_bytes);
        rec.out_truncated = res.out_truncated || rec.out != res.out;
        rec.err_truncated = res.err_truncated || rec.err != res.err;
        ctx.output_left -= std::min(ctx.output_left, rec.out.size() + rec.err.size());
        if (!res.started) {
            rec.status = StepStatus::failed;
            rec.message = res.error;
        } else if (res.cancelled) {
            rec.status = StepStatus::cancelled;
            rec.message = "cancelled";
        } else if (res.timed_out) {
            rec.status = StepStatus::timed_out;
            rec.message = "timed out after " + seconds_text(s.timeout) +
                          (res.killed ? " (had to be killed)" : "");
        } else if (res.term_signal) {
            rec.status = StepStatus::failed;
            rec.message = "ended by signal " + std::to_string(res.term_signal);
        } else if (std::find(s.ok_exit().begin(), s.ok_exit().end(), res.exit_code) ==
                   s.ok_exit().end()) {
            rec.status = StepStatus::failed;
            rec.message = "exited with code " + std::to_string(res.exit_code);
        } else {
            rec.status = StepStatus::ok;
            rec.message = "exited with code " + std::to_string(res.exit_code);
            if (stdout_match && !scan.matched()) {
                rec.status = StepStatus::failed;
                rec.message = "no line of the output contains \"" + s.stdout_match + "\"";
            }
        }
        if (res.left_running > 0)
            rec.message += "; ended " + std::to_string(res.left_running) +
                           (res.left_running == 1 ? " process" : " processes") +
                           " it left running (detach=\"true\" keeps them)";
        if (rec.status == StepStatus::ok && !s.capture.empty()) {
            if (!scan.capture_problem().empty()) {
                // Never a partial list: the steps over it would run for some items only.
                rec.status = StepStatus::failed;
                rec.message = "cannot capture \"" + s.capture + "\": " + scan.capture_problem();
            } else {
                ctx.vars.set_list(s.capture, scan.take_items());
            }
        }
        return;
    }

    BuiltinContext bctx{http_, clock_, *ctx.cancel};
    const auto started = clock_.steady_now();
    BuiltinResult res = run_builtin(s, bctx);
    rec.duration =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_.steady_now() - started);
    rec.message = res.message;
    rec.detail = res.detail;
    rec.timed_out = res.timed_out;
    rec.status = res.cancelled   ? StepStatus::cancelled
                 : res.timed_out ? StepStatus::timed_out
                 : res.ok        ? StepStatus::ok
                                 : StepStatus::failed;
}

Plan Engine::plan(const FixPack& pack, const Fix& fix, const SiteConfig& site,
                  const RunOptions& options) const {
    Plan plan;
    if (fix.steps_dropped) {
        plan.refusal = Refusal::invalid_input;
        plan.message = "Would not run: " + std::string(kStepsDropped) + ".";
        return plan;
    }
    if (auto problem = applicability_problem(pack, fix, site, env_); !problem.empty()) {
        plan.refusal = Refusal::not_applicable;
        plan.message = "Would not run: " + problem + ".";
        return plan;
    }
    std::vector<std::string> missing;
    Variables vars = variables_for(pack, site, &missing, &fix);
    if (!missing.empty()) {
        plan.refusal = Refusal::invalid_input;
        plan.message = "Would not run: the site configuration does not set " + join(missing) + ".";
        return plan;
    }
    if (fix.needs_admin() && !env_.is_admin && !(admin_ && admin_->available())) {
        plan.refusal = Refusal::needs_admin;
        plan.message = "Would not run: this fix needs administrator rights.";
    }
    plan.confirm = fix.confirm.get(options.lang);
    plan.confirm_lang = fix.confirm.tag_for(options.lang);

    const SecretMask secrets = secret_values(pack, vars);
    auto add_phase = [&](Phase phase, const std::vector<Step>& steps) {
        int index = 0;
        for (const auto& step : steps) {
            ++index;
            std::vector<const ListItem*> items{nullptr};
            std::string note;
            const auto* list = step.foreach_list.empty() ? nullptr : vars.list(step.foreach_list);
            if (!step.foreach_list.empty()) {
                if (list) {
                    items = foreach_items(vars, step);
                    if (items.empty())
                        note = "for each " + step.foreach_var + " in " + step.foreach_list +
                               ": no items, nothing to do";
                } else {
                    note =
                        "once for each " + step.foreach_var + " in " + step.foreach_list +
                        " (known when the fix runs)" +
                        (step.foreach_except.empty() ? std::string()
                                                     : ", except those in " + step.foreach_except);
                }
            }
            if (items.empty()) {
                PlannedStep p{phase, index, "", step.kind, {}, note, step.admin};
                p.label = step.label.empty() ? default_label(step) : step.label;
                plan.steps.push_back(std::move(p));
                continue;
            }
            Variables scope = vars;
            for (const ListItem* item : items) {
                if (item) scope.bind_item(step.foreach_var, *item);
                Step s = step;
                s.label = step_label(s, options.lang);
                auto expand = [&](std::string& f) {
                    // Unknown names stay as written; only an unterminated "${" (which a loaded
                    // pack cannot hold) fails, and then the text stays as it is.
                    if (Result<std::string> expanded = scope.expand(f, true))
                        f = std::move(expanded).value();
                };
                for (auto& a : s.argv) expand(a);
                for (std::string* f :
                     {&s.label, &s.root, &s.glob, &s.path, &s.url, &s.host, &s.process_name,
                      &s.stdout_match, &s.if_program, &s.skip_if_running})
                    expand(*f);
                PlannedStep p;
                p.phase = phase;
                p.index = index;
                p.kind = s.kind;
                p.admin = s.admin;
                p.label = s.label.empty() ? default_label(s) : s.label;
                p.argv = s.kind == StepKind::run     ? s.argv
                         : s.kind == StepKind::shell ? shell_argv(s)
                                                     : builtin_words(s);
                std::string n = note;
                auto add_note = [&](const std::string& t) { n += (n.empty() ? "" : "; ") + t; };
                if (!s.if_program.empty())
                    add_note("skipped if " + s.if_program + " is not installed");
                if (!s.skip_if_running.empty())
                    add_note("skipped while " + s.skip_if_running + " runs");
                if (!s.capture.empty()) add_note("output lines become the list " + s.capture);
                if (s.continue_on_error) add_note("a failure does not stop the fix");
                p.note = n;
                secrets.apply(p.label);
                for (auto& a : p.argv) secrets.apply(a);
                plan.steps.push_back(std::move(p));
            }
        }
    };
    add_phase(Phase::check, fix.check);
    add_phase(Phase::steps, fix.steps);
    add_phase(Phase::verify, fix.verify);
    add_phase(Phase::revert, fix.revert);
    plan.ok = plan.refusal == Refusal::none;
    return plan;
}

Result<StepRecord> Engine::run_trusted_step(const FixPack& pack, const Fix& fix,
                                            const SiteConfig& site, Phase phase, int index,
                                            const std::string& item, const CancelToken& cancel) {
    auto refuse = [](std::string why) -> Result<StepRecord> {
        return Status::error(std::move(why));
    };
    const std::vector<Step>* phases[] = {&fix.check, &fix.steps, &fix.verify, &fix.revert};
    const auto& steps = *phases[static_cast<int>(phase)];
    if (index < 1 || static_cast<std::size_t>(index) > steps.size())
        return refuse("fix " + fix.id + " has no step " + std::to_string(index) + " in " +
                      to_string(phase));
    const Step& step = steps[static_cast<std::size_t>(index) - 1];
    if (!step.admin) return refuse("that step is not marked admin in the trusted pack");
    // The employee can turn any folder of theirs into a link (~/.cache -> a root-only folder):
    // a step run as root names none of them.
    if (const std::string var = user_folder_variable_in(step); !var.empty())
        return refuse("that step names ${" + var +
                      "}, a folder of the employee's that a link can redirect: a step run as "
                      "root may not work there");
    if (!fix.runs_on(current_platform())) return refuse("the fix does not run on this platform");

    std::vector<std::string> missing;
    RunRecord scratch;
    NullObserver quiet;
    Context ctx{pack,  fix,     variables_for(pack, site, &missing, &fix),
                quiet, &cancel, scratch,
                false, {},      {},
                0,     0,       {}};
    const SecretMask secrets = secret_values(pack, ctx.vars);
    ctx.secrets = &secrets;
    if (!missing.empty()) return refuse("the machine config does not set " + join(missing));

    StepRecord rec;
    rec.phase = phase;
    rec.index = index;
    rec.kind = step.kind;
    rec.admin = true;
    rec.item = item;
    if (step.foreach_list.empty()) {
        if (!item.empty()) return refuse("that step has no foreach, so it takes no item");
    } else {
        // Lists captured by earlier steps are captured again here, by this process.
        const bool site_list = ctx.vars.list(step.foreach_list) != nullptr;
        for (int p = 0; p <= static_cast<int>(phase) && !site_list; ++p) {
            const auto& v = *phases[p];
            const std::size_t end = p == static_cast<int>(phase) ? index - 1 : v.size();
            for (std::size_t i = 0; i < end; ++i) {
                if (v[i].capture != step.foreach_list || !v[i].foreach_list.empty()) continue;
                StepRecord capture_rec;
                capture_rec.phase = static_cast<Phase>(p);
                capture_rec.kind = v[i].kind;
                run_one(ctx, v[i], capture_rec);
            }
        }
        if (!step.foreach_except.empty() && ctx.vars.list_values(step.foreach_except).empty())
            return refuse("the list " + step.foreach_except + " it must keep is empty");
        const ListItem* chosen = nullptr;
        for (const ListItem* candidate : foreach_items(ctx.vars, step))
            if (candidate->value == item) chosen = candidate;
        if (!chosen)
            return refuse("\"" + item + "\" is not an item of " + step.foreach_list +
                          " on this machine");
        // A captured value was printed by a program that ran with the caller's rights: as an
        // argument of a step run as root it must be a plain name, not an option or a control
        // sequence (site values are the machine config's, root's).
        if (!site_list) {
            const bool control = std::any_of(item.begin(), item.end(), [](char c) {
                return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
            });
            if (item.empty() || item.front() == '-' || control || item.size() > 255)
                return refuse("\"" + item + "\" from the captured list " + step.foreach_list +
                              " is not a plain name (empty, over 255 characters, starting with "
                              "'-' or with control characters): not given to a step run as root");
        }
        ctx.vars.bind_item(step.foreach_var, *chosen);
    }
    run_one(ctx, step, rec);
    mask_record(rec, secrets);
    return rec;
}

std::vector<const ListItem*> Engine::foreach_items(const Variables& vars, const Step& step) const {
    std::vector<const ListItem*> items;
    std::set<std::string> except;
    if (!step.foreach_except.empty()) {
        auto values = vars.list_values(step.foreach_except);
        except.insert(values.begin(), values.end());
    }
    if (const auto* list = vars.list(step.foreach_list))
        for (const auto& item : *list)
            if (!except.count(item.value)) items.push_back(&item);
    return items;
}

}  // namespace fixtray
