#include "escalation/escalation.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "base/cancel_token.h"
#include "base/i18n.h"
#include "base/json_text.h"
#include "engine/engine.h"
#include "packs/variables.h"
#include "platform/durable_file.h"

namespace fixtray {

namespace {

std::string seconds_text(std::chrono::milliseconds d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(d.count()) / 1000.0);
    return buf;
}

// The last `max_lines` lines of a step's output (at most `max_bytes` of it), indented.
std::string tail_lines(std::string_view text, int max_lines, std::size_t max_bytes) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    if (text.empty()) return {};
    std::size_t start = text.size();
    for (int lines = 0; lines < max_lines && start > 0; ++lines) {
        const auto nl = text.rfind('\n', start - 1);
        start = nl == std::string_view::npos ? 0 : nl + 1;
        if (start > 0) --start;  // stand on the newline for the next search
    }
    if (start > 0) ++start;  // skip the newline itself
    if (text.size() - start > max_bytes) start = text.size() - max_bytes;
    std::string out = start > 0 ? "        [...]\n" : "";
    std::string_view rest = text.substr(start);
    while (!rest.empty()) {
        const auto nl = rest.find('\n');
        out += "        " + std::string(rest.substr(0, nl)) + "\n";
        if (nl == std::string_view::npos) break;
        rest.remove_prefix(nl + 1);
    }
    return out;
}

// The words of a step's status in the employee's language ("ok", "failed", ...).
const char* status_words(StepStatus s) {
    switch (s) {
        case StepStatus::ok:
            return tr("ok");
        case StepStatus::failed:
            return tr("failed");
        case StepStatus::skipped:
            return tr("skipped");
        case StepStatus::timed_out:
            return tr("timed out");
        case StepStatus::cancelled:
            return tr("cancelled");
    }
    return "?";
}

// A phase's heading in a request's text: the pack's element names in English ("check",
// "steps", "verify", "revert"), translated for other languages.
const char* phase_words(Phase p) {
    switch (p) {
        case Phase::check:
            // TRANSLATORS: a heading in a request's text over the steps that checked for the
            // problem (the pack's <check> element).
            return tr("check");
        case Phase::steps:
            // TRANSLATORS: a heading in a request's text over the repair steps (<steps>).
            return tr("steps");
        case Phase::verify:
            // TRANSLATORS: a heading in a request's text over the steps that verified the
            // repair (<verify>).
            return tr("verify");
        case Phase::revert:
            // TRANSLATORS: a heading in a request's text over the steps that undid the repair
            // (<revert>).
            return tr("revert");
    }
    return "?";
}

// Labels followed by their values, the values lined up after the widest label (in characters:
// a translated label may hold umlauts).
std::string aligned_fields(const std::vector<std::pair<std::string, std::string>>& fields) {
    auto width = [](const std::string& s) {
        std::size_t n = 0;
        for (unsigned char c : s) n += (c & 0xC0) != 0x80;
        return n;
    };
    std::size_t widest = 0;
    for (const auto& [label, value] : fields) widest = std::max(widest, width(label));
    std::string out;
    for (const auto& [label, value] : fields)
        out += label + std::string(widest + 2 - width(label), ' ') + value + "\n";
    return out;
}

std::string step_result_text(const StepRecord& s) {
    std::string text = status_words(s.status);
    std::string detail;
    std::string message = s.message;
    if (s.exit_code >= 0 && (s.kind == StepKind::run || s.kind == StepKind::shell)) {
        detail = "exit " + std::to_string(s.exit_code) + ", ";
        // The message's "exited with code N" says what the detail already says.
        const std::string said = "exited with code " + std::to_string(s.exit_code);
        if (message == said)
            message.clear();
        else if (message.rfind(said + "; ", 0) == 0)
            message.erase(0, said.size() + 2);
    }
    if (s.timed_out) detail += std::string(tr("timed out")) + ", ";
    detail += seconds_text(s.duration);
    text += " (" + detail + ")";
    if (!message.empty()) text += ": " + message;
    return text;
}

}  // namespace

std::string os_description() {
    std::ifstream in("/etc/os-release");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("PRETTY_NAME=", 0) != 0) continue;
        std::string value = line.substr(12);
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\''))
            value = value.substr(1, value.size() - 2);
        return value;
    }
    return to_string(current_platform());
}

Contact default_contact(const UserEnvironment& env, const std::string& email_domain) {
    Contact c;
    c.name = env.user;
    if (!email_domain.empty() && !env.user.empty()) c.email = env.user + "@" + email_domain;
    return c;
}

SupportRequest build_support_request(const RequestInputs& in, const UserEnvironment& env,
                                     const std::function<std::string(std::string_view)>& redact) {
    auto clean = [&](std::string_view s) { return redact ? redact(s) : std::string(s); };
    SupportRequest r;
    r.id = new_uuid();
    r.created = in.now;
    // With pseudonyms on these are "user-1" and "host-1" too (the mapping stays on the machine).
    r.user = clean(env.user);
    r.host = clean(env.host);
    r.os = in.os;
    r.comment = clean(in.comment);  // the same rules as every text from the machine
    r.contact = in.contact;
    r.contact.name = clean(in.contact.name);  // the login name by default

    std::string title;
    if (in.fix) title = in.fix->title.get(in.lang);
    if (title.empty() && in.run) title = in.run->fix_title;
    const std::string host = clean(env.host);
    if (in.run && in.run->outcome != Outcome::fixed && in.run->outcome != Outcome::nothing_to_fix)
        // TRANSLATORS: a request's subject: the fix's title, then the computer's name.
        r.subject = trf("\"%s\" did not fix the problem on %s", {title, host});
    else if (!title.empty())
        // TRANSLATORS: a request's subject: the fix's title, then the computer's name.
        r.subject = trf("Help needed with \"%s\" on %s", {title, host});
    else
        // TRANSLATORS: a request's subject: the computer's name.
        r.subject = trf("Help needed on %s", {host});

    std::string d;
    if (in.run) {
        const RunRecord& run = *in.run;
        r.fix_id = run.fix_id;
        r.run_id = run.run_id;
        // The request is written in the employee's language (they review exactly what is
        // sent); what was recorded (ids, the run's message, commands, output) stays as it is.
        d +=
            std::string(tr("The employee ran a fixtray repair and it did not solve the problem.")) +
            "\n\n";
        std::string outcome = to_string(run.outcome);
        if (run.refusal != Refusal::none)
            outcome += std::string(" (") + to_string(run.refusal) + ")";
        if (!run.message.empty()) outcome += ": " + clean(run.message);
        d += aligned_fields({
            // TRANSLATORS: a label in a request's text; the fix, its id, pack and version follow.
            {tr("Fix:"), trf("%s (%s, pack %s version %s)",
                             {title, run.fix_id, run.pack_id, std::to_string(run.pack_version)})},
            // TRANSLATORS: a label in a request's text; the recorded outcome id and message follow.
            {tr("Outcome:"), outcome},
            // TRANSLATORS: a label in a request's text; when the run started (UTC) and how long
            // it took follow.
            {tr("Started:"),
             trf("%s, took %s", {format_time_utc(run.started),
                                 seconds_text(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     run.finished - run.started))})},
            // TRANSLATORS: a label in a request's text; the run's id follows.
            {tr("Run id:"), run.run_id},
        });
        if (run.reverted)
            d += std::string(tr("The fix's revert steps ran after it failed.")) + "\n";
        d += "\n" + std::string(tr("What fixtray did:")) + "\n";
        // The fix as it was run (same pack and version, steps loaded): its steps that have no
        // record are listed as not run, so the technician sees every step of the fix.
        const Fix* as_run = in.fix && in.pack && in.pack->id == run.pack_id &&
                                    in.pack->version == run.pack_version && !in.fix->steps_dropped
                                ? in.fix
                                : nullptr;
        const std::string why_not = run.outcome == Outcome::cancelled
                                        ? tr("not run (the run was cancelled before it)")
                                    : run.outcome == Outcome::nothing_to_fix
                                        ? tr("not run (the check found nothing to fix)")
                                        : tr("not run (the fix stopped before it)");
        for (Phase phase : {Phase::check, Phase::steps, Phase::verify, Phase::revert}) {
            const std::vector<Step>* declared = nullptr;
            if (as_run)
                declared = phase == Phase::check    ? &as_run->check
                           : phase == Phase::steps  ? &as_run->steps
                           : phase == Phase::verify ? &as_run->verify
                                                    : &as_run->revert;
            bool any_ran = false;
            for (const auto& st : run.steps) any_ran = any_ran || st.phase == phase;
            // Revert steps only run after a failure: list them only when some did.
            const bool list_unrun =
                declared && !declared->empty() && (phase != Phase::revert || any_ran);
            if (!any_ran && !list_unrun) continue;
            d += "  " + trf("%s:", {phase_words(phase)}) + "\n";
            const int count = list_unrun ? static_cast<int>(declared->size()) : 0;
            int next_unrun = 1;  // steps below this index were listed
            auto unrun_up_to = [&](int last) {
                for (; next_unrun <= std::min(last, count); ++next_unrun) {
                    const Step& step = (*declared)[static_cast<std::size_t>(next_unrun - 1)];
                    bool recorded = false;
                    for (const auto& st : run.steps)
                        recorded = recorded || (st.phase == phase && st.index == next_unrun);
                    if (recorded) continue;
                    d += "    " + std::to_string(next_unrun) + ". " +
                         clean(step.label.empty() ? default_label(step) : step.label) + ": " +
                         why_not + "\n";
                }
            };
            for (const auto& s : run.steps) {
                if (s.phase != phase) continue;
                unrun_up_to(s.index - 1);
                std::string label = clean(s.label);
                if (!s.item.empty()) label += " [" + clean(s.item) + "]";
                d += "    " + std::to_string(s.index) + ". " + label + ": " +
                     clean(step_result_text(s)) + "\n";
                const bool bad =
                    s.status == StepStatus::failed || s.status == StepStatus::timed_out;
                if (bad) {
                    if (!s.argv.empty()) {
                        std::string argv;  // each argument redacted on its own
                        for (const auto& a : s.argv) argv += (argv.empty() ? "" : " ") + clean(a);
                        d += "       " + trf("command: %s", {argv}) + "\n";
                    }
                    if (auto t = tail_lines(s.err, 10, 2048); !t.empty())
                        d += "       " + std::string(tr("last error output:")) + "\n" + clean(t);
                    else if (auto o = tail_lines(s.out, 10, 2048); !o.empty())
                        d += "       " + std::string(tr("last output:")) + "\n" + clean(o);
                }
            }
            unrun_up_to(count);
        }
        if (run.steps.empty()) d += "  " + std::string(tr("(no step ran)")) + "\n";
    } else if (in.fix) {
        r.fix_id = in.fix->id;
        d += trf("The employee asks for help with \"%s\" (%s). No repair was run for this request.",
                 {title, in.fix->id}) +
             "\n";
    } else {
        d += std::string(tr("The employee asks for help. No repair was run for this request.")) +
             "\n";
    }
    d += "\n" +
         std::string(
             tr("The diagnostics bundle collected by fixtray is attached (its manifest lists what "
                "ran and how long it took). Before anything left the machine, text that looks like "
                "a password, token or key was masked, and the secrets fixtray knows (the site's "
                "secret values, the ticket system's credentials, proxy passwords) were masked and "
                "then checked to be absent from this text and every attached file.")) +
         "\n";
    r.description = std::move(d);
    return r;
}

RedactionRules redaction_rules_for(const EscalationConfig& config, const UserEnvironment& env,
                                   const std::vector<std::string>& secrets) {
    RedactionRules rules;
    rules.extra_patterns = config.patterns;
    rules.secrets = secrets;
    rules.pseudonymise = config.pseudonyms;
    if (config.pseudonyms) {
        if (!env.user.empty()) rules.user_names.push_back(env.user);
        if (!env.host.empty()) rules.host_names.push_back(env.host);
    }
    return rules;
}

PreparedEscalation prepare_escalation(const RequestInputs& in, const EscalationConfig& config,
                                      const Variables& vars, const UserEnvironment& env,
                                      ProcessRunner& runner, const std::string& work_dir,
                                      const CancelToken& cancel, PrepareObserver* observer) {
    PreparedEscalation out;
    const RedactionRules rules = redaction_rules_for(config, env, in.secrets);
    Redactor redactor(rules);
    if (!redactor.problems().empty()) {
        out.error = "the site's redaction patterns cannot be used: " + redactor.problems()[0];
        return out;
    }

    DiagnosticsSet defaults;
    if (const std::string file = default_diagnostics_file(current_platform()); !file.empty()) {
        defaults = load_diagnostics_set(file);
        for (const auto& p : defaults.problems) out.warnings.push_back(p.str());
    } else {
        out.warnings.push_back("the default diagnostics set is not installed");
    }
    auto items = diagnostic_items_for(defaults, in.fix, vars, &out.warnings);
    if (!in.run)  // nothing to record: leave the item out rather than list it as failed
        std::erase_if(items, [](const DiagnosticItem& i) {
            return i.kind == DiagnosticItem::Kind::fact && i.fact == "run.record";
        });

    DiagnosticsOptions options;
    // Test the name the help desk's own probes use, when the site set one.
    if (auto it = vars.scalars().find("probe_host");
        it != vars.scalars().end() && !it->second.empty())
        options.dns_test_hosts = {it->second};
    if (in.run) options.run_record_json = dump_json(to_json(*in.run), 2);
    if (observer) observer->items_planned(items);
    out.diagnostics = collect_diagnostics(items, runner, options, cancel, observer);
    if (out.diagnostics.cancelled || cancel.cancelled()) {
        out.error = "cancelled";
        return out;
    }

    if (Status s = make_private_dirs(work_dir); !s) {
        out.error = s.message();
        return out;
    }
    out.request = build_support_request(in, env, [&](std::string_view text) {
        std::string copy(text);
        redactor.redact(copy);
        return copy;
    });
    BundleOptions bundle_options;
    bundle_options.max_bytes = config.max_bundle_bytes;
    bundle_options.redaction = rules;
    bundle_options.fix_id = out.request.fix_id;
    bundle_options.run_id = out.request.run_id;
    out.bundle_path = work_dir + "/fixtray-diagnostics-" + out.request.id.substr(0, 8) + ".tar.gz";
    Result<BundleWritten> written = write_bundle(out.diagnostics, out.bundle_path, bundle_options);
    if (!written) {
        out.error = written.message();
        return out;
    }
    out.bundle = std::move(written).value();
    out.request.attachments.push_back({std::filesystem::path(out.bundle_path).filename().string(),
                                       "application/gzip", out.bundle_path, out.bundle.size});
    return out;
}

namespace {

// The password in a proxy URL's userinfo ("http://user:pass@proxy:3128"), percent-decoded too.
void add_proxy_password(const char* value, std::vector<std::string>& out) {
    if (!value) return;
    const std::string url = value;
    const auto scheme = url.find("://");
    const std::size_t start = scheme == std::string::npos ? 0 : scheme + 3;
    const auto at = url.rfind('@');
    if (at == std::string::npos || at < start) return;
    const std::string userinfo = url.substr(start, at - start);
    const auto colon = userinfo.find(':');
    if (colon == std::string::npos) return;
    const std::string password = userinfo.substr(colon + 1);
    out.push_back(password);
    std::string decoded;
    for (std::size_t i = 0; i < password.size(); ++i) {
        if (password[i] == '%' && i + 2 < password.size() &&
            std::isxdigit(static_cast<unsigned char>(password[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(password[i + 2]))) {
            decoded += static_cast<char>(std::stoi(password.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            decoded += password[i];
        }
    }
    if (decoded != password) out.push_back(decoded);
}

}  // namespace

std::vector<std::string> known_secrets(const EscalationConfig& config,
                                       const std::vector<std::string>& site_secrets) {
    std::vector<std::string> out = site_secrets;
    if (config.backend)
        for (const auto& [key, value] : config.backend->options)
            if (is_secret_name(key) && !value.empty()) out.push_back(value);
    for (const char* name : {"http_proxy", "https_proxy", "all_proxy", "ftp_proxy", "HTTP_PROXY",
                             "HTTPS_PROXY", "ALL_PROXY", "FTP_PROXY"})
        add_proxy_password(std::getenv(name), out);
    return out;
}

std::vector<std::string> secret_site_values(const std::vector<const FixPack*>& packs,
                                            const std::map<std::string, std::string>& site_values) {
    std::vector<std::string> out;
    for (const FixPack* pack : packs)
        for (const Param& p : pack->params)
            if (p.secret)
                if (auto it = site_values.find(p.name); it != site_values.end())
                    out.push_back(it->second);
    return out;
}

std::string find_known_secret(const SupportRequest& request, const SecretMask& secrets) {
    if (secrets.empty()) return {};
    if (!secrets.find_in(request.subject).empty()) return "the subject";
    if (!secrets.find_in(request.description).empty()) return "the description";
    if (!secrets.find_in(request.comment).empty()) return "the comment";
    if (!secrets
             .find_in(request.contact.name + "\n" + request.contact.email + "\n" +
                      request.contact.phone)
             .empty())
        return "the contact";
    for (const auto& a : request.attachments) {
        const std::string where = "the attachment " + a.file_name + " (" + a.path + ")";
        if (Result<BundleContents> bundle = read_bundle(a.path); bundle) {
            for (const auto& entry : bundle->entries) {
                Result<std::string> text = read_bundle_entry(a.path, entry.name);
                if (!text) return where + ": " + text.message();
                if (!secrets.find_in(*text).empty()) return where + ", file " + entry.name;
            }
        } else {
            // Not a bundle of ours: its raw bytes.
            std::ifstream in(a.path, std::ios::binary);
            const std::string bytes{std::istreambuf_iterator<char>(in), {}};
            if (!secrets.find_in(bytes).empty()) return where;
        }
    }
    return {};
}

}  // namespace fixtray
