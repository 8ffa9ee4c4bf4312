// The escalation session (app/escalation_session.h): the request a front end reviews and queues,
// over the real diagnostics, the real bundle (checked with tar) and a real outbox; the desktop
// folder as xdg-user-dirs defines it, from inside and through the real fixctl.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "app/escalation_session.h"
#include "base/cancel_token.h"
#include "base/clock.h"
#include "engine/audit_log.h"
#include "net/http_client.h"
#include "outbox/outbox.h"
#include "platform/process_runner.h"
#include "support/test_helpers.h"

using namespace fixtray;
using namespace fixtray::test;
namespace fs = std::filesystem;
using nlohmann::json;
using Kind = EscalationError::Kind;

namespace {

// Secrets in a file the fix's diagnostics collect: one the built-in rules mask, one only the
// site's pattern (escalation.redaction.patterns) masks.
constexpr const char* kBuiltinSecret = "Hunter2InConfig";
constexpr const char* kSiteSecret = "EMP-314159";

struct Machine {
    TempDir dir;
    std::string home = dir / "home";
    UserEnvironment env;
    Catalog catalog;
    SystemProcessRunner runner;
    CurlHttpClient http;
    RealClock clock;

    // `extra_diagnostics`: more children of the fix's <diagnostics>.
    explicit Machine(const std::string& extra_diagnostics = "") {
        env.home = home;
        env.config = home + "/.config";
        env.cache = home + "/.cache";
        env.state = home + "/.local/state";
        env.temp = dir / "tmp";
        env.user = "erika";
        env.host = "laptop-17";
        write_file(home + "/app.conf", std::string("[server]\nurl=https://intranet\npassword=") +
                                           kBuiltinSecret + "\nbadge = " + kSiteSecret + "\n");
        write_file(dir / "packs/test.xml",
                   pack_with_fix("<steps><shell interpreter=\"sh\" label=\"Connect\"><script>"
                                 "exit 3</script></shell></steps><diagnostics><file "
                                 "name=\"app-config\" path=\"" +
                                 home + "/app.conf\"/>" + extra_diagnostics + "</diagnostics>"));
        const auto problems = catalog.add_file(dir / "packs/test.xml");
        std::string why;
        for (const auto& p : problems) why += p.str() + "\n";
        INFO(why);
        REQUIRE(catalog.find("t", current_platform()));
    }
    std::string state_dir() const { return fixtray_state_dir(env); }
    EscalationSetup setup(EscalationPolicy policy = EscalationPolicy::ask) const {
        EscalationSetup s;
        s.config.policy = policy;
        s.config.email_domain = "example.com";
        s.config.patterns = {"EMP-[0-9]{6}"};
        s.env = env;
        s.state_dir = state_dir();
        s.os = "Debian GNU/Linux 12 (bookworm)";
        return s;
    }
    std::unique_ptr<EscalationSession> session(EscalationSetup s) {
        return std::make_unique<EscalationSession>(std::move(s), runner, http, clock);
    }
    // A session about fix "t", prepared.
    std::unique_ptr<EscalationSession> prepared(EscalationPolicy policy = EscalationPolicy::ask) {
        auto s = session(setup(policy));
        REQUIRE_FALSE(s->about_fix(catalog, "t", RunChoice::none));
        CancelToken cancel;
        const EscalationError err = s->prepare(cancel);
        INFO(err.message);
        REQUIRE_FALSE(err);
        return s;
    }
};

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(line);
    return out;
}

// The entries of a .tar.gz as tar lists them.
std::set<std::string> tar_entries(const std::string& bundle) {
    const auto r = run_command({"tar", "-tzf", bundle});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto l = lines(r.out);
    return {l.begin(), l.end()};
}

// Unpacks a .tar.gz with tar into a fresh directory under `dir`.
fs::path untar(const std::string& bundle, const TempDir& dir, const std::string& name) {
    const fs::path to = dir.path() / name;
    fs::create_directories(to);
    const auto r = run_command({"tar", "-xzf", bundle, "-C", to.string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return to;
}

const BundleItem* find_item(const EscalationSession& s, const std::string& file) {
    for (const auto& i : s.items())
        if (i.file == file) return &i;
    return nullptr;
}

RunRecord run_of(const std::string& fix_id, const std::string& run_id, bool dry_run = false) {
    RunRecord r;
    r.run_id = run_id;
    r.fix_id = fix_id;
    r.fix_title = "Test fix";
    r.pack_id = "org.example.test";
    r.pack_version = 1;
    r.started = r.finished = std::chrono::system_clock::now();
    r.outcome = Outcome::not_fixed;
    r.message = "The problem is still there.";
    r.dry_run = dry_run;
    return r;
}

}  // namespace

TEST_CASE("escalation session: the bundle's items have titles and sizes, as tar sees them") {
    // After prepare the employee sees every file of the real bundle by a title, with its size;
    // the list matches what tar finds in the .tar.gz, byte for byte.
    Machine m;
    auto s = m.prepared();
    const std::string bundle = s->bundle_path();
    REQUIRE(fs::exists(bundle));

    std::set<std::string> listed;
    for (const auto& i : s->items()) listed.insert(i.file);
    CHECK(listed == tar_entries(bundle));
    REQUIRE(!s->items().empty());
    CHECK(s->items().front().file == "manifest.json");
    CHECK_FALSE(s->items().front().removable);

    const BundleItem* addresses = find_item(*s, "network.addresses.txt");
    REQUIRE(addresses);
    CHECK(addresses->title == "Network addresses");
    CHECK(addresses->removable);
    const BundleItem* config = find_item(*s, "app-config.txt");
    REQUIRE(config);
    CHECK(config->title == "App config");
    CHECK(config->source == m.home + "/app.conf");

    const fs::path unpacked = untar(bundle, m.dir, "unpacked");
    for (const auto& i : s->items()) {
        INFO(i.file);
        CHECK(fs::file_size(unpacked / i.file) == i.size);
        CHECK(i.title != i.file);
    }
    CHECK(s->bundle_size() == fs::file_size(bundle));
    REQUIRE(s->request().attachments.size() == 1);
    CHECK(s->request().attachments[0].size == fs::file_size(bundle));
}

TEST_CASE("escalation session: removing an item rewrites the bundle, manifest and size follow") {
    // The employee takes the app's config out: tar no longer finds it, the manifest says it was
    // held back, and the attachment size is the new file's; the manifest itself stays.
    Machine m;
    auto s = m.prepared();
    const std::string bundle = s->bundle_path();
    const std::uint64_t before = s->bundle_size();
    REQUIRE(tar_entries(bundle).count("app-config.txt") == 1);

    const EscalationError err = s->remove_item("app-config.txt");
    INFO(err.message);
    REQUIRE_FALSE(err);
    CHECK(tar_entries(bundle).count("app-config.txt") == 0);
    CHECK(find_item(*s, "app-config.txt") == nullptr);
    CHECK(s->bundle_size() == fs::file_size(bundle));
    CHECK(s->bundle_size() != before);
    CHECK(s->request().attachments[0].size == fs::file_size(bundle));

    const json manifest =
        json::parse(read_file(untar(bundle, m.dir, "after-remove") / "manifest.json"));
    bool marked = false;
    for (const auto& item : manifest["items"])
        if (item["name"] == "app-config") {
            marked = item["removed"] == true && item["file"].is_null();
        }
    CHECK(marked);
    CHECK(s->manifest() == manifest);

    CHECK(s->remove_item("manifest.json").kind == Kind::invalid);
    CHECK(s->remove_item("app-config.txt").kind == Kind::not_found);
    CHECK(s->remove_item("../../etc/passwd").kind == Kind::not_found);
    CHECK(tar_entries(bundle).count("manifest.json") == 1);
}

TEST_CASE("escalation session: an item's text is shown as it will be sent, secrets masked") {
    // Viewing the collected config shows its content with the built-in secret and the one the
    // site's redaction pattern names both masked.
    Machine m;
    auto s = m.prepared();
    std::string text;
    const EscalationError err = s->item_text("app-config.txt", &text);
    INFO(err.message);
    REQUIRE_FALSE(err);
    CHECK(text.find("url=https://intranet") != std::string::npos);  // collected...
    CHECK(text.find("***") != std::string::npos);                   // ...and masked
    CHECK(text.find(kBuiltinSecret) == std::string::npos);
    CHECK(text.find(kSiteSecret) == std::string::npos);
    CHECK(s->item_text("no-such.txt", &text).kind == Kind::not_found);
}

TEST_CASE(
    "escalation session: subject, description, comment and e-mail are edited, bad ones refused") {
    // Edits made before prepare carry into the generated request; edits after it change the
    // request; an empty or multi-line subject and a non-address e-mail are refused with why.
    Machine m;
    auto s = m.session(m.setup());
    REQUIRE_FALSE(s->about_fix(m.catalog, "t", RunChoice::none));
    REQUIRE_FALSE(s->set_comment("Since this morning"));
    REQUIRE_FALSE(s->set_email("erika.m@example.org"));
    CancelToken cancel;
    REQUIRE_FALSE(s->prepare(cancel));
    CHECK(s->request().comment == "Since this morning");
    CHECK(s->request().contact.email == "erika.m@example.org");
    CHECK(s->request().subject == "Help needed with \"Test fix\" on laptop-17");

    CHECK_FALSE(s->set_subject("VPN drops every hour"));
    CHECK_FALSE(s->set_description("It started after the update.\nSecond line."));
    CHECK_FALSE(s->set_comment("Please call me"));
    CHECK(s->request().subject == "VPN drops every hour");
    CHECK(s->request().description == "It started after the update.\nSecond line.");
    CHECK(s->request().comment == "Please call me");

    const EscalationError empty = s->set_subject("  ");
    CHECK(empty.kind == Kind::invalid);
    CHECK(empty.message.find("empty") != std::string::npos);
    CHECK(s->set_subject("one\nBcc: evil@example.com").kind == Kind::invalid);
    CHECK(s->set_subject(std::string(300, 'x')).kind == Kind::invalid);
    for (const char* bad :
         {"erika", "erika@", "@example.com", "a@b@c", "erika@example.com\r\nBcc: x@y",
          "Erika <erika@example.com>", "a b@example.com"}) {
        INFO(bad);
        const EscalationError e = s->set_email(bad);
        CHECK(e.kind == Kind::invalid);
        CHECK(e.message.find("e-mail address") != std::string::npos);
    }
    CHECK(s->request().subject == "VPN drops every hour");
    CHECK(s->request().contact.email == "erika.m@example.org");
    CHECK_FALSE(s->set_email(""));  // no e-mail: allowed
}

TEST_CASE(
    "escalation session: queueing puts the edited request and the trimmed bundle in the outbox") {
    // What the employee reviewed is what is queued: the edits, the bundle without the removed
    // item, its real size. The work copy is gone and the queued request can no longer change.
    Machine m;
    auto s = m.prepared(EscalationPolicy::automatic);
    REQUIRE_FALSE(s->remove_item("app-config.txt"));
    REQUIRE_FALSE(s->set_subject("Printer gone"));
    REQUIRE_FALSE(s->set_comment("Room 4.12"));
    REQUIRE_FALSE(s->set_email("erika@example.com"));
    const std::string work_copy = s->bundle_path();
    const EscalationError err = s->queue();
    INFO(err.message);
    REQUIRE_FALSE(err);
    CHECK(s->queued());
    CHECK_FALSE(fs::exists(work_copy));

    Outbox outbox(m.state_dir() + "/outbox");
    const auto entry = outbox.get(s->request().id);
    REQUIRE(entry);
    CHECK(entry->status.state == DeliveryState::pending);
    CHECK(entry->request.subject == "Printer gone");
    CHECK(entry->request.comment == "Room 4.12");
    CHECK(entry->request.contact.email == "erika@example.com");
    CHECK(entry->request.description == s->request().description);
    REQUIRE(entry->request.attachments.size() == 1);
    const AttachmentRef& a = entry->request.attachments[0];
    CHECK(a.size == fs::file_size(a.path));
    const auto entries = tar_entries(a.path);
    CHECK(entries.count("manifest.json") == 1);
    CHECK(entries.count("app-config.txt") == 0);

    CHECK(s->set_subject("Changed after queueing").kind == Kind::wrong_state);
    CHECK(s->remove_item("network.routes.txt").kind == Kind::wrong_state);
    CHECK(s->queue().kind == Kind::wrong_state);
    CHECK(outbox.list().size() == 1);
}

TEST_CASE(
    "escalation session: the desktop folder is read from user-dirs.dirs as xdg-user-dirs does") {
    // XDG_DESKTOP_DIR in $XDG_CONFIG_HOME/user-dirs.dirs: "$HOME/..." or an absolute path,
    // comments skipped, the last assignment wins, relative values ignored; without one,
    // $HOME/Desktop (xdg-user-dir's default).
    TempDir dir;
    UserEnvironment env;
    env.home = dir / "home";
    env.config = dir / "config";
    CHECK(desktop_dir(env) == env.home + "/Desktop");
    auto dirs = [&](const std::string& text) {
        write_file(env.config + "/user-dirs.dirs", text);
        return desktop_dir(env);
    };
    CHECK(dirs("# written by xdg-user-dirs-update\nXDG_DOWNLOAD_DIR=\"$HOME/Downloads\"\n"
               "XDG_DESKTOP_DIR=\"$HOME/Schreibtisch\"\n") == env.home + "/Schreibtisch");
    CHECK(dirs("XDG_DESKTOP_DIR=\"/srv/desk/\"\n") == "/srv/desk");
    CHECK(dirs("#XDG_DESKTOP_DIR=\"/commented\"\n") == env.home + "/Desktop");
    CHECK(dirs("XDG_DESKTOP_DIR=\"relative/desk\"\n") == env.home + "/Desktop");
    CHECK(dirs("XDG_DESKTOP_DIR=\"$HOME/A\"\nXDG_DESKTOP_DIR=\"$HOME/B\"\n") == env.home + "/B");
    CHECK(dirs("XDG_DESKTOP_DIR=\"$HOME/My \\\"Desk\\\"\"\n") == env.home + "/My \"Desk\"");
    CHECK(dirs("XDG_DESKTOP_DIR=\"$HOME/\"\n") == env.home);
    CHECK(dirs("XDG_DESKTOP_DIRX=\"/wrong\"\n") == env.home + "/Desktop");
}

TEST_CASE("escalation session: with no ticket system the request is saved to the XDG desktop") {
    // No backend configured: deliver() keeps the request queued and saves a copy into the
    // folder user-dirs.dirs names, not into a hard-coded ~/Desktop.
    Machine m;
    write_file(m.env.config + "/user-dirs.dirs", "XDG_DESKTOP_DIR=\"$HOME/Schreibtisch\"\n");
    auto s = m.prepared(EscalationPolicy::automatic);
    CHECK_FALSE(s->gate().backend_configured);
    CHECK(s->gate().destination == m.home + "/Schreibtisch");
    REQUIRE_FALSE(s->queue());
    CancelToken cancel;
    const EscalationDelivery d = s->deliver(cancel);
    INFO(d.report.message);
    CHECK(d.report.result == SendReport::Result::will_retry);
    CHECK(d.saved_dir == m.home + "/Schreibtisch");
    CHECK(d.report.message.find("saved to " + m.home + "/Schreibtisch") != std::string::npos);
    REQUIRE(d.saved_files.size() == 2);
    for (const auto& f : d.saved_files) {
        CHECK(fs::path(f).parent_path() == fs::path(m.home + "/Schreibtisch"));
        CHECK(fs::file_size(f) > 0);
    }
    CHECK_FALSE(fs::exists(m.home + "/Desktop"));
    CHECK(d.report.status.state == DeliveryState::pending);
}

TEST_CASE("escalation session: fixctl escalate without a ticket system saves to the XDG desktop") {
    // The same through the real fixctl, with HOME and XDG_CONFIG_HOME of a temporary user.
    TempDir dir;
    const std::string home = dir / "home";
    write_file(dir / "packs/test.xml", pack_with_fix("<steps><shell interpreter=\"sh\"><script>"
                                                     "exit 3</script></shell></steps>"));
    write_file(dir / "fixtray.json", json{{"escalation", {{"policy", "automatic"}}}}.dump());
    const auto env = isolated_env(home);
    write_file(env.at("XDG_CONFIG_HOME") + "/user-dirs.dirs", "XDG_DESKTOP_DIR=\"$HOME/Bureau\"\n");
    const auto r = run_fixctl({"--no-builtin", "--packs", dir / "packs", "--config",
                               dir / "fixtray.json", "escalate", "--fix", "t"},
                              env);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("saved to " + home + "/Bureau") != std::string::npos);
    int saved = 0;
    for (const auto& f : fs::directory_iterator(home + "/Bureau"))
        if (f.path().extension() == ".txt" || f.path().extension() == ".gz") ++saved;
    CHECK(saved == 2);
    CHECK_FALSE(fs::exists(home + "/Desktop"));
}

TEST_CASE("escalation session: the policy gate refuses with a reason, and queue() holds to it") {
    // policy off: not allowed, with a reason naming the setting; queueing is refused and the
    // outbox stays empty. ask asks for a review, automatic does not; a configured but unusable
    // backend is named, and requests would be saved instead.
    Machine m;
    {
        auto s = m.session(m.setup(EscalationPolicy::off));
        CHECK_FALSE(s->gate().allowed);
        CHECK(s->gate().reason.find("turned support requests off") != std::string::npos);
        CHECK(s->gate().reason.find("escalation.policy") != std::string::npos);
        const EscalationError err = s->queue();
        CHECK(err.kind == Kind::refused);
        CHECK(err.message == s->gate().reason);
        CHECK(Outbox(m.state_dir() + "/outbox").list().empty());
    }
    {
        auto s = m.session(m.setup(EscalationPolicy::ask));
        CHECK(s->gate().allowed);
        CHECK(s->gate().review_required);
        CHECK(s->queue().kind == Kind::wrong_state);  // allowed, but nothing prepared
    }
    {
        EscalationSetup setup = m.setup(EscalationPolicy::automatic);
        setup.config.backend = BackendConfig{"rt", {{"queue", "General"}}, "fixtray.json"};
        auto s = m.session(std::move(setup));
        CHECK(s->gate().allowed);
        CHECK_FALSE(s->gate().review_required);
        CHECK(s->gate().backend_configured);
        CHECK(s->gate().backend_problem.find("url") != std::string::npos);
        CHECK(s->gate().destination == m.home + "/Desktop");
    }
    {
        EscalationSetup setup = m.setup(EscalationPolicy::automatic);
        setup.config.backend = BackendConfig{
            "rt",
            {{"url", "http://127.0.0.1:9"}, {"queue", "General"}, {"user", "u"}, {"password", "p"}},
            "fixtray.json"};
        auto s = m.session(std::move(setup));
        CHECK(s->gate().backend_problem.empty());
        CHECK(s->gate().destination.find("127.0.0.1:9") != std::string::npos);
    }
}

TEST_CASE("escalation session: a fix's latest run is taken from the audit log") {
    // Three runs of "t" (the last a dry run) and one of another fix: "latest" quotes the last
    // real run of "t"; "none" quotes nothing; a fix that never ran has no run; an unknown run
    // id names the audit log.
    Machine m;
    const AuditLog audit(m.state_dir());
    REQUIRE(audit.append(run_of("t", "aaaaaaaa-0000-4000-8000-000000000001")));
    REQUIRE(audit.append(run_of("t", "aaaaaaaa-0000-4000-8000-000000000002")));
    REQUIRE(audit.append(run_of("other", "aaaaaaaa-0000-4000-8000-000000000003")));
    REQUIRE(audit.append(run_of("t", "aaaaaaaa-0000-4000-8000-000000000004", true)));

    auto s = m.session(m.setup());
    REQUIRE_FALSE(s->about_fix(m.catalog, "t", RunChoice::latest));
    REQUIRE(s->run());
    CHECK(s->run()->run_id == "aaaaaaaa-0000-4000-8000-000000000002");
    REQUIRE(s->fix());
    CHECK(s->fix()->id == "t");
    CancelToken cancel;
    REQUIRE_FALSE(s->prepare(cancel));
    CHECK(s->request().run_id == "aaaaaaaa-0000-4000-8000-000000000002");
    CHECK(s->request().subject.find("did not fix the problem") != std::string::npos);
    CHECK(find_item(*s, "run.record.txt") != nullptr);

    auto none = m.session(m.setup());
    REQUIRE_FALSE(none->about_fix(m.catalog, "t", RunChoice::none));
    CHECK(none->run() == nullptr);

    Machine fresh;
    auto never = fresh.session(fresh.setup());
    REQUIRE_FALSE(never->about_fix(fresh.catalog, "t", RunChoice::latest));
    CHECK(never->run() == nullptr);

    CHECK(s->about_fix(m.catalog, "t", RunChoice::none).kind == Kind::wrong_state);  // prepared
    auto other = m.session(m.setup());
    CHECK(other->about_fix(m.catalog, "no-such-fix", RunChoice::latest).kind == Kind::not_found);
    const EscalationError no_run =
        other->about_run_id(m.catalog, "bbbbbbbb-0000-4000-8000-0000000000ff");
    CHECK(no_run.kind == Kind::not_found);
    CHECK(no_run.message.find(audit.log_path()) != std::string::npos);
}

TEST_CASE("escalation session: prepare reports progress by title and stops when cancelled") {
    // Progress: the number of items first, then each item with its title. A cancel while a
    // slow command runs ends prepare() quickly with "cancelled", leaving no bundle behind.
    Machine m("<command name=\"slow-check\"><arg>sleep</arg><arg>30</arg></command>");
    struct Recorder final : EscalationObserver {
        std::size_t total = 0;
        std::atomic<int> finished{0};
        std::vector<std::string> titles;  // serialised calls
        CancelToken* cancel = nullptr;
        void collecting(std::size_t n) override { total = n; }
        void item_started(std::size_t, const std::string& title) override {
            titles.push_back(title);
            if (title == "Slow check" && cancel) cancel->cancel();
        }
        void item_finished(std::size_t, const std::string&, const DiagnosticResult&) override {
            ++finished;
        }
    } recorder;
    CancelToken cancel;
    recorder.cancel = &cancel;
    auto s = m.session(m.setup());
    REQUIRE_FALSE(s->about_fix(m.catalog, "t", RunChoice::none));
    const auto t0 = std::chrono::steady_clock::now();
    const EscalationError err = s->prepare(cancel, &recorder);
    CHECK(err.kind == Kind::cancelled);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(8));
    CHECK(recorder.total > 5);
    CHECK(std::count(recorder.titles.begin(), recorder.titles.end(), "Slow check") == 1);
    CHECK_FALSE(s->prepared());
    std::error_code ec;
    for (const auto& f : fs::directory_iterator(m.state_dir() + "/tmp", ec))
        CHECK_MESSAGE(false, "left behind: " << f.path());

    // Without cancelling, every item that starts also finishes.
    Machine quick;
    Recorder all;
    auto q = quick.session(quick.setup());
    REQUIRE_FALSE(q->about_fix(quick.catalog, "t", RunChoice::none));
    CancelToken never;
    REQUIRE_FALSE(q->prepare(never, &all));
    CHECK(all.finished == static_cast<int>(all.total));
    CHECK(all.titles.size() == all.total);
    CHECK(std::count(all.titles.begin(), all.titles.end(), "Network addresses") == 1);
}
