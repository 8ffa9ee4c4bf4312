// fixctl diagnose / escalate (and run --escalate): collect, review, queue, send.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "app/escalation_session.h"
#include "app/escalation_view.h"
#include "app/real_services.h"
#include "base/cancel_token.h"
#include "base/clock.h"
#include "base/i18n.h"
#include "base/json_text.h"
#include "base/time_text.h"
#include "commands.h"
#include "outbox/outbox.h"
#include "platform/durable_file.h"
#include "platform/platform_paths.h"

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
class DiagnosticsProgress final : public EscalationObserver {
public:
    explicit DiagnosticsProgress(std::FILE* out) : out_(out) {}
    void item_finished(std::size_t, const std::string&, const DiagnosticResult& r) override {
        ++done_;  // calls are serialised by the session
        std::fprintf(out_, "  %2zu. %-28s %s (%.1f s)\n", done_, r.name.c_str(), state(r).c_str(),
                     static_cast<double>(r.duration.count()) / 1000.0);
        std::fflush(out_);
    }
    static std::string state(const DiagnosticResult& r) {
        // TRANSLATORS: how collecting one diagnostics item ended, after its name:
        // "network.routes  ok (0.1 s)"; %s is the reason, as the core says it.
        if (r.refused) return trf("refused: %s", {r.error});
        if (r.timed_out) return tr("timed out");
        if (r.cancelled) return tr("cancelled");
        if (!r.error.empty()) return trf("failed: %s", {r.error});
        return r.truncated ? tr("ok, truncated") : tr("ok");
    }

private:
    std::FILE* out_;
    std::size_t done_ = 0;
};

std::string state_dir() {
    return fixtray_state_dir(current_user_environment());
}

EscalationSetup session_setup(const GlobalOptions& g, const RealServices& services, SiteConfig site,
                              EscalationConfig config) {
    EscalationSetup setup;
    setup.config = std::move(config);
    setup.site = std::move(site);
    setup.env = services.env();
    setup.state_dir = services.state_dir();
    setup.lang = g.lang;
    return setup;
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
    if (!write_file_atomic(path, *text)) return false;
    // The editor is the employee's own choice of program: run through the shell as git does.
    const std::string command = std::string(editor) + " '" + path + "'";
    if (std::system(command.c_str()) != 0) return false;
    std::ifstream in(path, std::ios::binary);
    std::string edited((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    fs::remove(path);
    *text = edited;
    return true;
}

// Several lines typed on the terminal, up to a line with only a dot (or the end of input).
// false when only the dot came (nothing typed: keep what there was).
bool read_lines(const std::string& prompt, std::string* text) {
    std::printf("%s\n%s\n", prompt.c_str(), tr("(end with a line that has only a dot: .)"));
    std::fflush(stdout);
    text->clear();
    std::string line;
    bool any = false;
    while (ask_line("", &line)) {
        if (line == ".") break;
        *text += line + "\n";
        any = true;
    }
    return any;
}

// Text the employee reads at their pace: through $PAGER (default `less`) on a terminal, else
// printed. The pager is the employee's own choice of program, run through the shell.
void page(const std::string& text) {
    std::fflush(stdout);
    if (isatty(STDOUT_FILENO)) {
        const char* pager = std::getenv("PAGER");
        const std::string command = pager && *pager ? pager : "less";
        if (!std::getenv("LESS")) ::setenv("LESS", "FRX", 1);  // quit at once when it fits
        if (std::FILE* p = ::popen(command.c_str(), "w")) {
            std::signal(SIGPIPE, SIG_IGN);  // the employee may quit the pager early
            std::fwrite(text.data(), 1, text.size(), p);
            const int rc = ::pclose(p);
            std::signal(SIGPIPE, SIG_DFL);
            if (rc != -1 && !(WIFEXITED(rc) && WEXITSTATUS(rc) == 127)) return;
        }
    }
    std::printf("%s", text.c_str());
    if (!text.empty() && text.back() != '\n') std::printf("\n");
}

// The bundle's items: number, title and size (what the employee decides on), not file names.
void print_bundle_items(const EscalationSession& s) {
    // TRANSLATORS: the review of a support request: number of items, size ("1.2 MB").
    std::printf("%s\n", trfn("Diagnostics bundle (%s item, %s compressed):",
                             "Diagnostics bundle (%s items, %s compressed):", s.items().size(),
                             {std::to_string(s.items().size()), human_size(s.bundle_size())})
                            .c_str());
    int n = 0;
    for (const BundleItem& item : s.items())
        std::printf("  %2d. %-40s %10s\n", ++n, item.title.c_str(), human_size(item.size).c_str());
}

std::string contact_line(const SupportRequest& r) {
    std::string line = r.contact.name;
    if (!r.contact.email.empty()) line += " <" + r.contact.email + ">";
    // TRANSLATORS: the review of a support request: no contact for the help desk's answer.
    return line.empty() ? tr("(none)") : line;
}

// What the employee needs to decide, on one screen: subject, contact, comment, the items.
void print_overview(const EscalationSession& s) {
    const SupportRequest& r = s.request();
    std::printf("\n%s\n", tr("--- Support request (review before it is sent) ---"));
    std::printf("%s\n%s\n", trf("Subject: %s", {r.subject}).c_str(),
                trf("Contact: %s", {contact_line(r)}).c_str());
    // TRANSLATORS: the review: [c] is the command that adds a comment; keep the letter.
    std::printf("%s\n", r.comment.empty() ? tr("Your comment: (none: [c] adds one)")
                                          : trf("Your comment: %s", {"\n" + r.comment}).c_str());
    const auto lines =
        static_cast<std::size_t>(std::count(r.description.begin(), r.description.end(), '\n'));
    std::printf("%s\n",
                // TRANSLATORS: the review: [t] is the command that shows the text; keep the letter.
                trfn("The request text: %s line ([t] shows it)",
                     "The request text: %s lines ([t] shows it)", lines, {std::to_string(lines)})
                    .c_str());
    print_bundle_items(s);
}

constexpr const char* kReviewPrompt =
    // TRANSLATORS: the review's commands. The letters in brackets are what the employee types and
    // stay s, t, v, r, e, c, b, o, l, q whatever the language ("[s] senden" where the word has no
    // s); N is an item number. Keep the space at the end.
    N_("[s]end, [t]ext, [v]iew N, [r]emove N, [e]dit the text, [c]omment, su[b]ject, c[o]ntact "
       "e-mail, [l]ist, [q]uit: ");

// The review an employee does before sending: see everything, remove items, edit the text.
// The overview is shown once; each action answers in a line or two (the screen stays short),
// and [l] shows the overview again. Returns true to send, false to keep it unsent.
bool review(EscalationSession& s) {
    print_overview(s);
    for (;;) {
        std::string answer;
        if (!ask_line("\n" + std::string(tr(kReviewPrompt)), &answer)) return false;
        const char cmd = answer.empty() ? ' ' : answer[0];
        const std::string arg =
            answer.find(' ') == std::string::npos ? "" : answer.substr(answer.find(' ') + 1);
        if (cmd == 's') return true;
        if (cmd == 'q') return false;
        if (cmd == 'l') {
            print_overview(s);
            continue;
        }
        if (cmd == 't') {
            page(request_text(s.request()));
            continue;
        }
        if (cmd == 'c') {
            std::string comment = s.request().comment;
            if (!edit_in_editor(&comment) &&
                !read_lines(tr("Your comment for the help desk:"), &comment))
                continue;
            while (!comment.empty() && comment.back() == '\n') comment.pop_back();
            if (auto err = s.set_comment(comment))
                std::printf("%s\n", err.message.c_str());
            else if (s.comment_masked() > 0)
                std::printf("%s\n%s\n",
                            tr("Something in your comment looked like a password or key and "
                               "was replaced with ***. Your comment now reads:"),
                            s.request().comment.c_str());
            else
                std::printf("%s\n%s\n", tr("Your comment:"), s.request().comment.c_str());
            continue;
        }
        if (cmd == 'b' || cmd == 'o') {
            // "b New subject" / "o me@example.com" take the value at once; alone, they ask.
            std::string value = arg;
            if (answer.find(' ') == std::string::npos)
                // TRANSLATORS: prompts of the review; keep the space at the end.
                ask_line(cmd == 'b' ? tr("New subject (one line): ")
                                    : tr("Your e-mail address for the answer (empty: none): "),
                         &value);
            if (auto err = cmd == 'b' ? s.set_subject(value) : s.set_email(value))
                std::printf("%s\n", err.message.c_str());
            else if (cmd == 'b')
                std::printf("%s\n", trf("Subject: %s", {s.request().subject}).c_str());
            else
                std::printf("%s\n", trf("Contact: %s", {contact_line(s.request())}).c_str());
            continue;
        }
        if (cmd == 'e') {
            std::string text = s.request().description;
            if (!edit_in_editor(&text) &&
                !read_lines(tr("No editor is set (VISUAL or EDITOR). Type the new request text "
                               "(a dot alone keeps the text as it is):"),
                            &text))
                continue;
            if (auto err = s.set_description(text))
                std::printf("%s\n", err.message.c_str());
            else {
                const auto lines =
                    static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
                std::printf("%s\n", trfn("The request text now has %s line ([t] shows it).",
                                         "The request text now has %s lines ([t] shows it).", lines,
                                         {std::to_string(lines)})
                                        .c_str());
            }
            continue;
        }
        if (cmd == 'v' || cmd == 'r') {
            const int n = std::atoi(arg.c_str());
            if (n < 1 || n > static_cast<int>(s.items().size())) {
                std::printf("%s\n",
                            // TRANSLATORS: %s is the command letter the employee typed (v or r).
                            trf("Give an item number from the list ([l] shows it), e.g. \"%s 2\".",
                                {std::string(1, cmd)})
                                .c_str());
                continue;
            }
            const BundleItem item = s.items()[static_cast<std::size_t>(n - 1)];
            if (cmd == 'v') {
                std::string content;
                if (auto err = s.item_text(item.file, &content))
                    std::printf("%s\n", err.message.c_str());
                else
                    // TRANSLATORS: around an item of the bundle shown in full: its title and
                    // size ("1.2 KB").
                    page(trf("--- %s (%s, as it will be sent) ---",
                             {item.title, human_size(item.size)}) +
                         "\n" + content + (content.empty() || content.back() == '\n' ? "" : "\n") +
                         trf("--- end of %s ---", {item.title}) + "\n");
            } else if (auto err = s.remove_item(item.file)) {
                std::printf("%s\n", err.message.c_str());
            } else {
                // TRANSLATORS: the item's title, the number of items left, the bundle's size.
                std::printf("%s\n", trfn("Removed %s. The bundle now has %s item (%s compressed).",
                                         "Removed %s. The bundle now has %s items (%s compressed).",
                                         s.items().size(),
                                         {item.title, std::to_string(s.items().size()),
                                          human_size(s.bundle_size())})
                                        .c_str());
            }
            continue;
        }
        // TRANSLATORS: the review's command letters, as in the prompt: keep them.
        std::printf("%s\n", tr("Type s, t, v N, r N, e, c, b, o, l or q."));
    }
}

// Collects and bundles with live progress; Ctrl-C stops it. false after printing why, with
// *exit_code set.
bool collect(EscalationSession& session, std::FILE* progress_out, const char* heading,
             const CancelToken& cancel, int* exit_code) {
    std::fprintf(progress_out, "%s\n", heading);
    DiagnosticsProgress progress(progress_out);
    const EscalationError err = session.prepare(cancel, &progress);
    for (const auto& w : session.warnings())
        std::cerr << "fixctl: " << trf("warning: %s", {w}) << "\n";
    if (err.kind == EscalationError::Kind::cancelled || cancel.cancelled()) {
        *exit_code = kCancelled;
        return false;
    }
    if (err) {
        std::cerr << "fixctl: " << err.message << "\n";
        *exit_code = kNotFixed;
        return false;
    }
    return true;
}

}  // namespace

int cmd_diagnose(const GlobalOptions& g, const DiagnoseOptions& o) {
    SiteConfig site;
    if (!load_config(g, &site)) return kUsage;
    EscalationConfig config;
    if (!load_escalation_config(g, &config)) return kUsage;
    const Catalog catalog = load_catalog(g);
    const RealServices services = RealServices::for_user();
    EscalationSession session(session_setup(g, services, std::move(site), std::move(config)),
                              services.runner(), services.http(), services.clock());
    if (!o.fix_id.empty()) {
        if (auto err = session.about_fix(catalog, o.fix_id, RunChoice::none)) {
            std::cerr << "fixctl: " << trf("no fix \"%s\" (see `fixctl list`)", {o.fix_id}) << "\n";
            return kUsage;
        }
    }

    CancelToken cancel;
    InterruptScope interrupts(cancel);
    int exit_code = kOk;
    if (!collect(session, o.json ? stderr : stdout, tr("Collecting diagnostics..."), cancel,
                 &exit_code))
        return exit_code;
    std::string out = o.out;
    if (out.empty())
        out = "fixtray-diagnostics-" + current_user_environment().host + "-" +
              format_time_utc(session.request().created)
                  .substr(0, 19)
                  .replace(13, 1, "")
                  .replace(15, 1, "") +
              ".tar.gz";
    const std::uint64_t size = session.bundle_size();
    if (auto err = session.save_bundle(out)) {
        std::cerr << "fixctl: " << err.message << "\n";
        return kNotFixed;
    }
    if (o.json) {
        json j = session.manifest();
        j["bundle"] = out;
        j["size"] = size;
        std::cout << dump_json(j, 2) << "\n";
    } else {
        const std::size_t items = session.diagnostics().items.size();
        char seconds[32];
        std::snprintf(seconds, sizeof seconds, "%.1f",
                      static_cast<double>(session.diagnostics().duration.count()) / 1000.0);
        std::printf(
            "%s\n",
            // TRANSLATORS: `fixctl diagnose`: %1$s the bundle's file (twice), %2$s "N bytes",
            // %3$s "N items" (each translated on its own), %4$s the seconds it took ("2.5").
            trf("Wrote %1$s (%2$s, %3$s, %4$s s). Secrets were masked; review it with: "
                "tar -tzf %1$s",
                {out, trfn("%s byte", "%s bytes", size, {std::to_string(size)}),
                 trfn("%s item", "%s items", items, {std::to_string(items)}), seconds})
                .c_str());
    }
    return kOk;
}

int cmd_escalate(const GlobalOptions& g, const EscalateOptions& o, const RunRecord* run) {
    SiteConfig site;
    if (!load_config(g, &site)) return kUsage;
    EscalationConfig config;
    if (!load_escalation_config(g, &config)) return kUsage;
    std::optional<MachineCatalog> machine;  // outlives the session, which points into it
    const RealServices services = RealServices::for_user();
    EscalationSession session(session_setup(g, services, std::move(site), std::move(config)),
                              services.runner(), services.http(), services.clock());
    if (!session.gate().allowed) {
        std::cerr << "fixctl: " << session.gate().reason << "\n";
        return kRefused;
    }
    // A ticket system configured wrongly is the help desk's mistake to hear about, never a
    // silent "no ticket system; saved to the Desktop".
    if (!session.gate().backend_problem.empty()) {
        std::cerr << "fixctl: " << session.gate().backend_problem << "\nfixctl: "
                  << tr("nothing was collected or queued; fix the escalation config") << "\n";
        return kUsage;
    }
    machine.emplace(load_machine_catalog(g));
    const Catalog& catalog = machine->catalog();

    EscalationError about;
    if (run)
        about = session.about_run(catalog, *run, o.fix_id);
    else if (!o.run_id.empty())
        about = session.about_run_id(catalog, o.run_id, o.fix_id);
    else if (!o.fix_id.empty())  // about the fix's run of the last day, if it had one
        about = session.about_fix(catalog, o.fix_id, RunChoice::recent);
    if (about) {
        if (o.run_id.empty() && !run)
            std::cerr << "fixctl: " << trf("no fix \"%s\" (see `fixctl list`)", {o.fix_id}) << "\n";
        else
            std::cerr << "fixctl: " << about.message << "\n";
        return kUsage;
    }

    // Before anything is collected: the help desk may already be on it. (After `run
    // --escalate` the run said it before it started.)
    if (!run) {
        std::string fix_id = session.request().fix_id;
        if (fix_id.empty() && session.fix()) fix_id = session.fix()->id;
        if (!fix_id.empty())
            print_known_issues(*machine, fix_id, g.lang, services.clock().now(),
                               o.json ? stderr : stdout);
    }

    const bool ask = session.gate().review_required && !o.yes;
    if (ask && !isatty(STDIN_FILENO)) {
        std::cerr << "fixctl: "
                  << tr("your help desk asks you to review a support request before it is "
                        "sent; run this on a terminal, or add --yes to send it without review")
                  << "\n";
        return kRefused;
    }
    EscalationError edit = session.set_comment(o.message);
    if (!edit && !o.email.empty()) edit = session.set_email(o.email);
    if (!edit && !o.subject.empty()) edit = session.set_subject(o.subject);
    if (edit) {
        std::cerr << "fixctl: " << edit.message << "\n";
        return kUsage;
    }

    std::FILE* progress_out = o.json ? stderr : stdout;
    CancelToken cancel;
    InterruptScope interrupts(cancel);
    int exit_code = kOk;
    if (!collect(session, progress_out, tr("Collecting diagnostics for your support request..."),
                 cancel, &exit_code))
        return exit_code;

    if (ask && !review(session)) {
        session.discard();
        std::printf("%s\n", tr("Not sent. Nothing was queued."));
        return kRefused;
    }
    if (cancel.cancelled()) return kCancelled;  // Ctrl-C during the review: nothing queued

    if (auto err = session.queue()) {
        std::cerr << "fixctl: " << err.message << "\n";
        return kNotFixed;
    }
    std::fprintf(progress_out, "%s\n",
                 trf("Queued support request %s.", {session.request().id}).c_str());

    const EscalationDelivery delivery = session.deliver(cancel);
    if (!delivery.backend_problem.empty())
        std::cerr << "fixctl: " << delivery.backend_problem << "\n";
    const SendReport& report = delivery.report;

    if (o.json) {
        json j = {{"request", to_json(session.request())},
                  {"result", to_string(report.result)},
                  {"message", report.message},
                  {"status", to_json(report.status)}};
        std::cout << dump_json(j, 2) << "\n";
    } else {
        switch (report.result) {
            case SendReport::Result::delivered:
            case SendReport::Result::found_existing:
                if (!report.status.handed_to.empty()) {  // no ticket: the employee sends it
                    std::printf("%s\n", report.status.handed_message.c_str());
                    break;
                }
                if (report.status.ticket_url.empty())
                    // TRANSLATORS: ticket id, then (second message) the ticket's web address.
                    std::printf("%s\n", trf("Delivered to your help desk as ticket %s.",
                                            {report.status.ticket_id})
                                            .c_str());
                else
                    std::printf("%s\n", trf("Delivered to your help desk as ticket %s. %s",
                                            {report.status.ticket_id, report.status.ticket_url})
                                            .c_str());
                break;
            case SendReport::Result::failed:
                std::printf("%s\n",
                            // TRANSLATORS: the ticket system's answer, then the request id.
                            trf("Your help desk's system refused the request: %s\nIt stays in "
                                "the outbox: `fixctl outbox save %s` copies it for sending by "
                                "hand.",
                                {report.status.last_error, session.request().id.substr(0, 8)})
                                .c_str());
                break;
            default:
                // TRANSLATORS: %s is why, as the core says it.
                std::printf("%s\n", trf("Not delivered yet (%s). It is kept in the outbox and "
                                        "sent when the help desk can be reached: `fixctl outbox "
                                        "send`.",
                                        {report.message})
                                        .c_str());
        }
    }
    if (cancel.cancelled()) return kCancelled;
    return report.result == SendReport::Result::failed || report.result == SendReport::Result::error
               ? kNotFixed
               : kOk;
}

}  // namespace fixtray::cli
