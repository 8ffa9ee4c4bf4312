// fixctl diagnose / escalate (and run --escalate): collect, review, queue, send.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "base/cancel_token.h"
#include "base/clock.h"
#include "commands.h"
#include "diagnostics/bundle.h"
#include "diagnostics/diagnostics.h"
#include "engine/audit_log.h"
#include "engine/engine.h"
#include "engine/run_record.h"
#include "escalation/escalation.h"
#include "net/http_client.h"
#include "outbox/outbox.h"
#include "outbox/outbox_sender.h"
#include "platform/durable_file.h"
#include "platform/platform_paths.h"
#include "platform/process_runner.h"

namespace fixtray::cli {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

CancelToken* g_escalate_cancel = nullptr;
extern "C" void on_escalate_interrupt(int) {
    if (g_escalate_cancel) g_escalate_cancel->cancel();
}

// Ctrl-C cancels the collection (running commands are stopped) for the scope's lifetime.
class InterruptScope {
public:
    explicit InterruptScope(CancelToken& cancel) {
        g_escalate_cancel = &cancel;
        std::signal(SIGINT, on_escalate_interrupt);
        std::signal(SIGTERM, on_escalate_interrupt);
    }
    ~InterruptScope() {
        std::signal(SIGINT, SIG_DFL);
        std::signal(SIGTERM, SIG_DFL);
        g_escalate_cancel = nullptr;
    }
};

// One line per item as it finishes (" 3. network.routes  ok (0.1 s)").
class DiagnosticsProgress final : public DiagnosticsObserver {
public:
    explicit DiagnosticsProgress(std::FILE* out) : out_(out) {}
    void item_finished(std::size_t, const DiagnosticResult& r) override {
        std::lock_guard lock(mutex_);
        ++done_;
        std::fprintf(out_, "  %2zu. %-28s %s (%.1f s)\n", done_, r.name.c_str(), state(r).c_str(),
                     static_cast<double>(r.duration.count()) / 1000.0);
        std::fflush(out_);
    }
    static std::string state(const DiagnosticResult& r) {
        if (r.refused) return "refused: " + r.error;
        if (r.timed_out) return "timed out";
        if (r.cancelled) return "cancelled";
        if (!r.error.empty()) return "failed: " + r.error;
        return r.truncated ? "ok, truncated" : "ok";
    }

private:
    std::FILE* out_;
    std::size_t done_ = 0;
    std::mutex mutex_;
};

std::string state_dir() {
    return fixtray_state_dir(current_user_environment());
}

Variables variables_for_fix(const GlobalOptions&, const CatalogEntry* entry, const SiteConfig& site,
                            const UserEnvironment& env) {
    SystemProcessRunner runner;
    CurlHttpClient http;
    RealClock clock;
    Engine engine(runner, http, clock, env);
    std::vector<std::string> missing;
    if (entry) return engine.variables_for(*entry->pack, site, &missing);
    FixPack none;
    return engine.variables_for(none, site, &missing);
}

bool ask_line(const std::string& prompt, std::string* answer) {
    std::printf("%s", prompt.c_str());
    std::fflush(stdout);
    answer->clear();
    int c;
    while ((c = std::getchar()) != EOF && c != '\n') answer->push_back(static_cast<char>(c));
    return c != EOF || !answer->empty();
}

// Opens $VISUAL / $EDITOR on the text; returns false (text unchanged) when there is none.
bool edit_in_editor(std::string* text) {
    const char* editor = std::getenv("VISUAL");
    if (!editor || !*editor) editor = std::getenv("EDITOR");
    if (!editor || !*editor) return false;
    const std::string path = state_dir() + "/edit-request.txt";
    if (!write_file_atomic(path, *text).empty()) return false;
    // The editor is the employee's own choice of program: run through the shell as git does.
    const std::string command = std::string(editor) + " '" + path + "'";
    if (std::system(command.c_str()) != 0) return false;
    std::ifstream in(path, std::ios::binary);
    std::string edited((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    fs::remove(path);
    *text = edited;
    return true;
}

void print_bundle_items(const std::string& bundle_path) {
    const BundleContents contents = read_bundle(bundle_path);
    if (!contents.ok()) {
        std::printf("  (cannot read the bundle: %s)\n", contents.error.c_str());
        return;
    }
    int n = 0;
    for (const auto& e : contents.entries)
        std::printf("  %2d. %-40s %8llu bytes\n", ++n, e.name.c_str(),
                    static_cast<unsigned long long>(e.size));
}

// The review an employee does before sending: see everything, remove items, edit the text.
// Returns true to send, false to keep it unsent.
bool review(PreparedEscalation& p) {
    for (;;) {
        std::printf("\n--- Support request (review before it is sent) ---\n%s\n",
                    request_text(p.request).c_str());
        std::printf("Diagnostics bundle %s:\n", p.bundle_path.c_str());
        print_bundle_items(p.bundle_path);
        std::string answer;
        if (!ask_line("\n[s]end, [v]iew N, [r]emove N, [e]dit the text, [c]omment, [q]uit: ",
                      &answer))
            return false;
        const char cmd = answer.empty() ? ' ' : answer[0];
        const std::string arg =
            answer.find(' ') == std::string::npos ? "" : answer.substr(answer.find(' ') + 1);
        if (cmd == 's') return true;
        if (cmd == 'q') return false;
        if (cmd == 'c') {
            ask_line("Your comment for the help desk (one line): ", &p.request.comment);
            continue;
        }
        if (cmd == 'e') {
            if (!edit_in_editor(&p.request.description))
                std::printf("No editor is set (VISUAL or EDITOR): use [c]omment instead.\n");
            continue;
        }
        if (cmd == 'v' || cmd == 'r') {
            const BundleContents contents = read_bundle(p.bundle_path);
            const int n = std::atoi(arg.c_str());
            if (!contents.ok() || n < 1 || n > static_cast<int>(contents.entries.size())) {
                std::printf("Give an item number from the list, e.g. \"%c 2\".\n", cmd);
                continue;
            }
            const std::string name = contents.entries[static_cast<std::size_t>(n - 1)].name;
            if (cmd == 'v') {
                std::string content;
                if (auto err = read_bundle_entry(p.bundle_path, name, &content); !err.empty())
                    std::printf("%s\n", err.c_str());
                else
                    std::printf("--- %s ---\n%s\n--- end of %s ---\n", name.c_str(),
                                content.c_str(), name.c_str());
            } else if (auto err = remove_bundle_entry(p.bundle_path, name); !err.empty()) {
                std::printf("%s\n", err.c_str());
            } else {
                std::printf("Removed %s from the bundle.\n", name.c_str());
                p.request.attachments[0].size = fs::file_size(p.bundle_path);
            }
            continue;
        }
        std::printf("Type s, v N, r N, e, c or q.\n");
    }
}

// Collects and bundles with live progress; Ctrl-C (through `cancel`) stops it. nullopt after
// printing why, with *exit_code set.
std::optional<PreparedEscalation> collect(const RequestInputs& in, const EscalationConfig& config,
                                          const Variables& vars, const UserEnvironment& env,
                                          std::FILE* progress_out, const char* heading,
                                          CancelToken& cancel, int* exit_code) {
    std::fprintf(progress_out, "%s\n", heading);
    SystemProcessRunner runner;
    DiagnosticsProgress progress(progress_out);
    PreparedEscalation p =
        prepare_escalation(in, config, vars, env, runner, state_dir() + "/tmp", cancel, &progress);
    for (const auto& w : p.warnings) std::cerr << "fixctl: warning: " << w << "\n";
    if (cancel.cancelled()) {
        *exit_code = kCancelled;
        return std::nullopt;
    }
    if (!p.ok()) {
        std::cerr << "fixctl: cannot prepare the diagnostics: " << p.error << "\n";
        *exit_code = kNotFixed;
        return std::nullopt;
    }
    return p;
}

}  // namespace

int cmd_diagnose(const GlobalOptions& g, const DiagnoseOptions& o) {
    SiteConfig site;
    if (!load_config(g, &site)) return kUsage;
    EscalationConfig config;
    if (!load_escalation_config(g, &config)) return kUsage;
    const Catalog catalog = load_catalog(g);
    std::optional<CatalogEntry> entry;
    if (!o.fix_id.empty()) {
        entry = catalog.find(o.fix_id, current_platform());
        if (!entry) {
            std::cerr << "fixctl: no fix \"" << o.fix_id << "\" (see `fixctl list`)\n";
            return kUsage;
        }
    }
    const UserEnvironment env = current_user_environment();
    const Variables vars = variables_for_fix(g, entry ? &*entry : nullptr, site, env);
    RequestInputs in;
    in.fix = entry ? entry->fix : nullptr;
    in.lang = g.lang;
    in.now = std::chrono::system_clock::now();
    in.os = os_description();

    CancelToken cancel;
    InterruptScope interrupts(cancel);
    int exit_code = kOk;
    auto prepared = collect(in, config, vars, env, o.json ? stderr : stdout,
                            "Collecting diagnostics...", cancel, &exit_code);
    if (!prepared) return exit_code;
    PreparedEscalation& p = *prepared;
    std::string out = o.out;
    if (out.empty())
        out = "fixtray-diagnostics-" + env.host + "-" +
              format_time_utc(in.now).substr(0, 19).replace(13, 1, "").replace(15, 1, "") +
              ".tar.gz";
    std::error_code ec;
    fs::rename(p.bundle_path, out, ec);
    if (ec) {
        fs::copy_file(p.bundle_path, out, fs::copy_options::overwrite_existing, ec);
        fs::remove(p.bundle_path);
        if (ec) {
            std::cerr << "fixctl: cannot write " << out << ": " << ec.message() << "\n";
            return kNotFixed;
        }
    }
    if (o.json) {
        json j = p.bundle.manifest;
        j["bundle"] = out;
        j["size"] = p.bundle.size;
        std::cout << dump_json(j, 2) << "\n";
    } else {
        std::printf(
            "Wrote %s (%llu bytes, %zu items, %.1f s). Secrets were masked; review it "
            "with: tar -tzf %s\n",
            out.c_str(), static_cast<unsigned long long>(p.bundle.size), p.diagnostics.items.size(),
            static_cast<double>(p.diagnostics.duration.count()) / 1000.0, out.c_str());
    }
    return kOk;
}

int cmd_escalate(const GlobalOptions& g, const EscalateOptions& o, const RunRecord* run) {
    SiteConfig site;
    if (!load_config(g, &site)) return kUsage;
    EscalationConfig config;
    if (!load_escalation_config(g, &config)) return kUsage;
    if (config.policy == EscalationPolicy::off) {
        std::cerr << "fixctl: your help desk has turned support requests off on this machine "
                     "(escalation.policy is \"off\")\n";
        return kRefused;
    }
    const UserEnvironment env = current_user_environment();
    const Catalog catalog = load_catalog(g);

    std::optional<RunRecord> loaded;
    if (!run && !o.run_id.empty()) {
        loaded = AuditLog(state_dir()).find(o.run_id);
        if (!loaded) {
            std::cerr << "fixctl: no run \"" << o.run_id << "\" in the audit log ("
                      << AuditLog(state_dir()).log_path() << ")\n";
            return kUsage;
        }
        run = &*loaded;
    }
    std::string fix_id = o.fix_id;
    if (fix_id.empty() && run) fix_id = run->fix_id;
    std::optional<CatalogEntry> entry;
    if (!fix_id.empty()) {
        entry = catalog.find(fix_id, current_platform());
        if (!entry && o.run_id.empty() && !run) {
            std::cerr << "fixctl: no fix \"" << fix_id << "\" (see `fixctl list`)\n";
            return kUsage;
        }
    }

    const bool ask = config.policy == EscalationPolicy::ask && !o.yes;
    if (ask && !isatty(STDIN_FILENO)) {
        std::cerr << "fixctl: your help desk asks you to review a support request before it is "
                     "sent; run this on a terminal, or add --yes to send it without review\n";
        return kRefused;
    }

    RequestInputs in;
    in.run = run;
    in.fix = entry ? entry->fix : nullptr;
    in.lang = g.lang;
    in.comment = o.message;
    in.contact = default_contact(env, config.email_domain);
    if (!o.email.empty()) in.contact.email = o.email;
    in.now = std::chrono::system_clock::now();
    in.os = os_description();
    const Variables vars = variables_for_fix(g, entry ? &*entry : nullptr, site, env);

    std::FILE* progress_out = o.json ? stderr : stdout;
    CancelToken cancel;
    InterruptScope interrupts(cancel);
    int exit_code = kOk;
    auto prepared =
        collect(in, config, vars, env, progress_out,
                "Collecting diagnostics for your support request...", cancel, &exit_code);
    if (!prepared) return exit_code;
    PreparedEscalation& p = *prepared;
    if (!o.subject.empty()) p.request.subject = o.subject;

    if (ask && !review(p)) {
        fs::remove(p.bundle_path);
        std::printf("Not sent. Nothing was queued.\n");
        return kRefused;
    }

    Outbox outbox(state_dir() + "/outbox");
    const std::string bundle_name = fs::path(p.bundle_path).filename().string();
    const std::string queue_error =
        outbox.add(p.request, {{bundle_name, "application/gzip", p.bundle_path}});
    fs::remove(p.bundle_path);
    if (!queue_error.empty()) {
        std::cerr << "fixctl: cannot queue the support request: " << queue_error << "\n";
        return kNotFixed;
    }
    std::fprintf(progress_out, "Queued support request %s.\n", p.request.id.c_str());

    CurlHttpClient http;
    std::unique_ptr<TicketBackend> backend;
    if (config.backend) {
        std::string error;
        backend = make_ticket_backend(*config.backend, http, &error);
        if (!backend) std::cerr << "fixctl: " << error << "\n";
    }
    SendReport report;
    report.id = p.request.id;
    if (backend) {
        RealClock clock;
        OutboxSender sender(outbox, *backend, clock, {config.retry_initial, config.retry_max});
        report = sender.send(p.request.id, true, cancel);
    } else {
        // No ticket system: copy it where the employee can attach it to a mail by hand.
        std::vector<std::string> written;
        const std::string to = env.home + "/Desktop";
        if (auto err = outbox.save_copy(p.request.id, to, &written); err.empty()) {
            report.result = SendReport::Result::will_retry;
            report.message = "no ticket system is configured; saved to " + to +
                             " for you to send to your help desk";
        } else {
            report.message = "no ticket system is configured, and saving a copy failed: " + err;
        }
        if (auto entry_now = outbox.get(p.request.id)) report.status = entry_now->status;
    }

    if (o.json) {
        json j = {{"request", to_json(p.request)},
                  {"result", to_string(report.result)},
                  {"message", report.message},
                  {"status", to_json(report.status)}};
        std::cout << dump_json(j, 2) << "\n";
    } else {
        switch (report.result) {
            case SendReport::Result::delivered:
            case SendReport::Result::found_existing:
                std::printf("Delivered to your help desk as ticket %s.%s%s\n",
                            report.status.ticket_id.c_str(),
                            report.status.ticket_url.empty() ? "" : " ",
                            report.status.ticket_url.c_str());
                break;
            case SendReport::Result::failed:
                std::printf(
                    "Your help desk's system refused the request: %s\nIt stays in the "
                    "outbox: `fixctl outbox save %s` copies it for sending by hand.\n",
                    report.status.last_error.c_str(), p.request.id.substr(0, 8).c_str());
                break;
            default:
                std::printf(
                    "Not delivered yet (%s). It is kept in the outbox and sent when the "
                    "help desk can be reached: `fixctl outbox send`.\n",
                    report.message.c_str());
        }
    }
    if (cancel.cancelled()) return kCancelled;
    return report.result == SendReport::Result::failed || report.result == SendReport::Result::error
               ? kNotFixed
               : kOk;
}

}  // namespace fixtray::cli
