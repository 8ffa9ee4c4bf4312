#include "controller.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <chrono>
#include <string_view>
#include <unordered_map>

#include <wx/app.h>
#include <wx/control.h>
#include <wx/dialog.h>
#include <wx/frame.h>
#include <wx/menu.h>
#include <wx/timer.h>
#include <wx/translation.h>

#include "about_dialog.h"
#include "app/language.h"
#include "app/machine_paths.h"
#include "app/notifications.h"
#include "app/offered_fixes.h"
#include "app/outbox_service.h"
#include "base/digest.h"
#include "base/time_text.h"
#include "escalation_dialog.h"
#include "main_window.h"
#include "notifier.h"
#include "outbox_window.h"
#include "question_dialog.h"
#include "run_window.h"
#include "texts.h"

namespace fixtray::gui {

namespace {

Controller* g_controller = nullptr;

enum MenuId {
    kOpen = wxID_HIGHEST + 1,
    kHelp,
    kOutbox,
    kCheckFixes,
    kAbout,
    kQuit,
    kShowRun,
    kFirstFix = wxID_HIGHEST + 1000,
};

wxString wx(const std::string& s) {
    return wxString::FromUTF8(s);
}

std::shared_ptr<MachineSnapshot> take_snapshot(
    const MachineCatalog& catalog, std::shared_ptr<const std::vector<FixListItem>> fixes,
    const std::string& lang, std::vector<OutboxEntry> outbox) {
    auto s = std::make_shared<MachineSnapshot>();
    s->catalog = std::make_shared<const MachineCatalog>(catalog);  // shares what was loaded
    s->fix_list = std::move(fixes);
    s->config_problems =
        merge_escalation_config_file(s->catalog->paths().config_file, false, &s->escalation);
    s->outbox = std::move(outbox);
    s->feed_expired = catalog.feed_expired();
    s->announcements = current_announcements(catalog, std::chrono::system_clock::now(), lang);
    return s;
}

}  // namespace

Controller& controller() {
    return *g_controller;
}

bool is_app_window(const wxWindow* w) {
    // dynamic_cast, not wxDynamicCast: that one static_casts to the class first, a downcast
    // UBSan rightly flags for wxTaskBarIcon's plain wxTopLevelWindow.
    return dynamic_cast<const wxFrame*>(w) || dynamic_cast<const wxDialog*>(w);
}

// The run's events, copied on the service's worker and replayed on the UI thread, in order, in
// batches: one CallAfter drains everything queued since the last one, output chunks of the same
// step are joined (a step printing megabytes in small writes costs the UI one refresh per batch,
// not one per write), and the windows hear of it once per batch.
class Controller::RunEvents final : public FixRunObserver {
public:
    explicit RunEvents(Controller& c) : c_(c) {}
    void run_started(const Fix& fix, const Plan& plan) override {
        push([this, title = fix.title.get(c_.lang_), plan, now = RunView::Clock::now()] {
            c_.run_view_.started(title, plan, now);
            c_.update_tray();
            // Now it counts as running: the exported (SNI) menu offers "Show the running fix".
            if (c_.tray_) c_.tray_->menu_changed();
        });
    }
    void step_started(const StepPosition& pos, const StepRecord& step) override {
        push([this, pos, step, now = RunView::Clock::now()] {
            c_.run_view_.step_started(pos, step, now);
        });
    }
    void step_output(const StepPosition& pos, const StepRecord&, OutputStream,
                     std::string_view text) override {
        bool post_now = false;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (queue_.empty() || !queue_.back().output || queue_.back().pos.phase != pos.phase ||
                queue_.back().pos.number != pos.number)
                queue_.push_back(Event{{}, true, pos, {}});
            std::string& joined = queue_.back().text;
            joined.append(text);
            // The run view keeps only the last kOutputLimit bytes of a step's output.
            if (joined.size() > 2 * RunView::kOutputLimit)
                joined.erase(0, joined.size() - RunView::kOutputLimit);
            post_now = !posted_;
            posted_ = true;
        }
        if (post_now) c_.post([this] { drain(); });
    }
    void step_finished(const StepPosition& pos, const StepRecord& step) override {
        push([this, pos, step] { c_.run_view_.step_finished(pos, step); });
    }
    void run_finished(const FixRunResult& result) override {
        push([this, record = result.record, now = RunView::Clock::now()] {
            c_.run_view_.finished(record, now);
            c_.run_finished(record);
        });
    }

private:
    struct Event {
        std::function<void()> apply;  // empty for output
        bool output = false;
        StepPosition pos;
        std::string text;
    };

    void push(std::function<void()> apply) {
        bool post_now = false;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            queue_.push_back(Event{std::move(apply), false, {}, {}});
            post_now = !posted_;
            posted_ = true;
        }
        if (post_now) c_.post([this] { drain(); });
    }

    // UI thread.
    void drain() {
        std::vector<Event> events;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            events.swap(queue_);
            posted_ = false;
        }
        for (Event& e : events) {
            if (e.output)
                c_.run_view_.step_output(e.pos, e.text);
            else
                e.apply();
        }
        c_.notify(&ControllerListener::run_updated);
    }

    Controller& c_;
    std::mutex mutex_;
    std::vector<Event> queue_;
    bool posted_ = false;
};

Controller::Controller(Options options)
    : options_(options),
      lang_(options_.lang.empty() ? message_language() : options_.lang),
      alive_(std::make_shared<bool>(true)),
      services_(RealServices::for_user()),
      fix_runs_(),
      run_events_(std::make_unique<RunEvents>(*this)) {
    g_controller = this;
    notifications_ =
        load_user_settings(user_settings_file(current_user_environment())).settings.notifications;
}

Controller::~Controller() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    stop_token_.cancel();
    wake_.notify_all();
    fix_runs_.cancel();
    static_cast<void>(fix_runs_.wait());  // its result has no one left to show it to
    if (watcher_.joinable()) watcher_.join();
    if (deliverer_.joinable()) deliverer_.join();
    *alive_ = false;
    tray_.reset();
    g_controller = nullptr;
}

void Controller::post(std::function<void()> fn) {
    // From any thread. The lambda runs on the UI thread, and only while the controller lives.
    wxTheApp->CallAfter([alive = alive_, fn = std::move(fn)] {
        if (*alive) fn();
    });
}

void Controller::start() {
    notifier_ = std::make_unique<Notifier>([this](const DesktopNotice&) { show_main_window(); });
    tray_ = make_tray_icon(options_.tray, *this);
    update_tray();
    watcher_ = std::thread([this] { watch_loop(); });
    deliverer_ = std::thread([this] { delivery_loop(); });
    if (!tray_ || options_.show) show_main_window();
}

// The catalog watcher: loads the machine's catalog off the UI thread, then polls every two
// seconds (or at once when asked) for changed packs, config, feed state and outbox, and for
// runs whose runner was killed (AuditLog::recover_interrupted).
void Controller::watch_loop() {
    const UserEnvironment env = services_.env();
    // The tray runs all day: its catalog keeps no steps (most of a catalog's memory); the pack
    // of a fix about to run is read again, checked against what was listed (full_pack).
    CatalogOptions options;
    options.keep_steps = false;
    MachineCatalog catalog(fixctl_machine_paths(), options);
    const std::string outbox_dir = services_.outbox_dir();
    Outbox outbox(outbox_dir);
    // The list of fixes is made once per load, and takes from the catalog what only the list
    // shows (descriptions, keywords: about a third of a listing catalog's memory); a snapshot
    // taken for a changed outbox or feed state shares the list. The freed pages go back to the
    // system (malloc_trim): the tray keeps running for the whole session.
    std::shared_ptr<const std::vector<FixListItem>> fixes;
    auto publish = [&] {
        if (!fixes || !catalog.listing_texts_dropped())
            fixes = std::make_shared<const std::vector<FixListItem>>(
                take_fix_list_items(catalog, env, lang_));
        auto s = take_snapshot(catalog, fixes, lang_, outbox.list());
        post([this, s] { apply_snapshot(s); });
#ifdef __GLIBC__
        malloc_trim(0);
#endif
    };
    publish();
    // New fixes from the feed are told on the desktop; the notice is made here, with the
    // catalog that has them (titles in the user's language), and shown on the UI thread.
    auto tell_new_fixes = [this](const MachineCatalog& c, const CatalogChange& change) {
        if (auto notice = notice_for_new_fixes(c, change, lang_))
            post([this, n = *notice] { tell_desktop(n); });
    };
    struct Observer final : AppObserver {
        bool changed = false;
        std::function<void(const MachineCatalog&, const CatalogChange&)> added;
        void catalog_changed(const MachineCatalog& c, const CatalogChange& change) override {
            changed = true;
            added(c, change);
        }
        void outbox_changed(const OutboxChange&) override { changed = true; }
        void feed_status_changed(const FeedState&, bool) override { changed = true; }
    } observer;
    observer.added = tell_new_fixes;
    ChangeWatcher watcher(catalog, outbox_dir);
    watcher.subscribe(&observer);
    for (;;) {
        bool forced = false;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait_for(lock, std::chrono::seconds(2), [&] { return stop_ || reload_now_; });
            if (stop_) return;
            forced = reload_now_;
            reload_now_ = false;
        }
        observer.changed = false;
        // A fixctl run killed meanwhile (or a tray that crashed before this one started): its
        // run goes on record as interrupted and what its steps left running ends within
        // seconds, not at the next run. A listing of runs/, nothing more, when there is none.
        static_cast<void>(services_.audit_log().recover_interrupted());
        if (forced) tell_new_fixes(catalog, catalog.reload());
        watcher.poll();
        if (forced || observer.changed) publish();
    }
}

// Delivers the outbox while the app runs: every pending request when it is due (the core's
// backoff and Retry-After), and all at once when asked.
void Controller::delivery_loop() {
    RealServices services = RealServices::for_user();
    OutboxService outbox(services);
    for (;;) {
        bool now = false;
        std::shared_ptr<const MachineSnapshot> snapshot;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait_for(lock, std::chrono::seconds(15), [&] { return stop_ || deliver_now_; });
            if (stop_) return;
            now = deliver_now_;
            deliver_now_ = false;
        }
        // The escalation settings as the watcher last read them.
        snapshot = std::atomic_load(&delivery_snapshot_);
        if (!snapshot) continue;
        const DeliveryMode mode = now ? DeliveryMode::all_pending : DeliveryMode::due;
        if (!outbox.anything_to_send(mode)) continue;
        // The settings may have changed since the last pass (the watcher re-reads them).
        static_cast<void>(outbox.use_backend(snapshot->escalation));
        post([this] {
            sending_ = true;
            update_tray();
        });
        static_cast<void>(outbox.deliver(mode, stop_token_));
        post([this, entries = outbox.entries()] {
            sending_ = false;
            if (snapshot_) {
                outbox_replaced(snapshot_->outbox, entries);
                auto s = std::make_shared<MachineSnapshot>(*snapshot_);
                s->outbox = entries;
                snapshot_ = s;
            }
            update_tray();
            notify(&ControllerListener::outbox_updated);
            if (tray_) tray_->menu_changed();
        });
    }
}

void Controller::apply_snapshot(std::shared_ptr<const MachineSnapshot> s) {
    if (snapshot_) outbox_replaced(snapshot_->outbox, s->outbox);
    snapshot_ = std::move(s);
    schedule_announcement_expiry();
    std::atomic_store(&delivery_snapshot_, snapshot_);
    update_tray();
    if (tray_) tray_->menu_changed();
    notify(&ControllerListener::machine_updated);
    notify(&ControllerListener::outbox_updated);
}

TrayStatus Controller::tray_status() const {
    TrayInputs in;
    if (run_view_.running()) in.running_fix = run_view_.title();
    in.sending = sending_;
    in.unseen_outcome = unseen_outcome_;
    in.unseen_title = run_view_.title();
    if (snapshot_) in.outbox = snapshot_->outbox;
    return fixtray::tray_status(in);
}

void Controller::update_tray() {
    if (!tray_) return;
    const TrayStatus s = tray_status();
    tray_->set_status(s.state, wx(s.tooltip));
}

void Controller::notify(void (ControllerListener::*what)()) {
    const auto copy = listeners_;
    for (ControllerListener* l : copy)
        if (std::find(listeners_.begin(), listeners_.end(), l) != listeners_.end()) (l->*what)();
}

void Controller::add_listener(ControllerListener* l) {
    listeners_.push_back(l);
}
void Controller::remove_listener(ControllerListener* l) {
    listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), l), listeners_.end());
}

void Controller::window_closed(wxWindow* w) {
    if (w == main_window_) main_window_ = nullptr;
    if (w == run_window_) run_window_ = nullptr;
    if (w == escalation_window_) escalation_window_ = nullptr;
    if (w == outbox_window_) outbox_window_ = nullptr;
}

std::vector<AuditEntry> Controller::recent_runs(std::size_t max) const {
    // A run whose runner was killed (this tray, or a fixctl) is listed as interrupted, and what
    // it left running is ended, before the list is read. Rare, and small: a directory listing.
    services_.audit_log().recover_interrupted();
    return services_.audit_log().recent(max);
}

std::optional<RunRecord> Controller::find_run(const std::string& run_id) const {
    return services_.audit_log().find(run_id);
}

Plan Controller::plan_for(const std::string& fix_id) const {
    Plan plan;
    if (!snapshot_) return plan;
    const auto entry = snapshot_->catalog->catalog().find(fix_id, current_platform());
    if (!entry) {
        // TRANSLATORS: completes "This fix would not run here: %s" ("What will this do?").
        plan.message = _("this fix is no longer offered").utf8_string();
        return plan;
    }
    Result<FixRunRequest> request = make_fix_run_request(*snapshot_->catalog, *entry, lang_);
    if (!request) {
        plan.refusal = Refusal::invalid_input;
        plan.message = request.message();  // the watcher sees the changed file within seconds
        return plan;
    }
    return fix_runs_.plan(*request);
}

std::string Controller::fix_title(const std::string& fix_id) const {
    if (snapshot_)
        for (const auto& f : snapshot_->fixes())
            if (f.fix_id == fix_id) return f.title;
    return fix_id;
}

bool Controller::escalation_allowed() const {
    return snapshot_ && snapshot_->escalation.policy != EscalationPolicy::off;
}

void Controller::show_main_window() {
    if (!main_window_) main_window_ = new MainWindow(*this);
    main_window_->Show();
    main_window_->Iconize(false);
    main_window_->Raise();
}

void Controller::show_run_window() {
    if (!run_window_) run_window_ = new RunWindow(*this);
    run_window_->present();
}

void Controller::run_fix(const std::string& fix_id, wxWindow* parent) {
    if (fix_runs_.running() || run_view_.running()) {
        show_run_window();
        tell(run_window_,
             _("A fix is running. Wait for it to finish, or cancel it, before starting "
               "another one."),
             "fixtray", wxICON_INFORMATION);
        return;
    }
    if (!snapshot_) return;
    const auto entry = snapshot_->catalog->catalog().find(fix_id, current_platform());
    if (!entry) {
        tell(parent, _("This fix is no longer offered on this computer."), "fixtray",
             wxICON_INFORMATION);
        return;
    }
    Result<FixRunRequest> made = make_fix_run_request(*snapshot_->catalog, *entry, lang_);
    if (!made) {
        // The pack changed on disk since the list was made: the list is reloaded, and nothing
        // other than what was shown runs.
        request_reload();
        const wxString changed =
            // TRANSLATORS: %s is the technical reason (English), in parentheses.
            _("This fix was changed since the list was loaded. The list is being updated: try "
              "again in a moment.\n\n(%s)");
        tell(parent, wxString::Format(changed, wx(made.message())), "fixtray", wxICON_INFORMATION);
        return;
    }
    FixRunRequest request = std::move(*made);
    if (!go_on_despite_announcements(fix_id, false, parent)) return;  // nothing ran
    const Plan plan = fix_runs_.plan(request);
    if (plan.ok && !plan.confirm.empty()) {
        const wxString title = wx(entry->fix->title.get(lang_));
        // TRANSLATORS: the question before a fix that asks first; %s is the fix's title.
        const wxString ask = wxString::Format(_("Run \"%s\"?"), title);
        // TRANSLATORS: the answers to 'Run "<fix>"?'.
        const wxString yes = _("&Run the fix"), no = _("&Don't run it");
        if (!ask_question(parent, QuestionKind::question, window_title(title), ask,
                          wx(plan.confirm), yes, no))
            return;  // nothing ran, nothing to record
    }
    // A fix that would not run is started all the same: the service refuses it, the audit log
    // records why, and the run view says so.
    request.confirmed = true;
    const FixRunStart started = fix_runs_.start(std::move(request), *run_events_);
    if (!started.started) {
        tell(parent, wx(started.message), "fixtray", wxICON_WARNING);
        return;
    }
    unseen_outcome_.reset();
    run_view_ = RunView();
    show_run_window();
    update_tray();
    if (tray_) tray_->menu_changed();
}

void Controller::show_outbox_window() {
    if (!outbox_window_) outbox_window_ = new OutboxWindow(*this);
    outbox_window_->Show();
    outbox_window_->Raise();
}

void Controller::cancel_fix() {
    fix_runs_.cancel();
}

void Controller::tell_desktop(const DesktopNotice& notice) {
    if (notifications_ && notifier_) notifier_->show(notice);
}

void Controller::outbox_replaced(const std::vector<OutboxEntry>& before,
                                 const std::vector<OutboxEntry>& after) {
    for (const DesktopNotice& n : notices_for_outbox(before, after)) tell_desktop(n);
}

void Controller::run_finished(const RunRecord& record) {
    static_cast<void>(fix_runs_.wait());  // the worker is done: collect its result
    unseen_outcome_ = record.outcome;
    // Finished while its window was closed (or never shown): the desktop says how it ended.
    if (!run_window_ || !run_window_->IsShown())
        tell_desktop(notice_for_finished_run(run_view_.title(), run_result_view(record)));
    update_tray();
    if (tray_) tray_->menu_changed();
    notify(&ControllerListener::run_updated);
    if (record.outcome == Outcome::not_fixed && snapshot_ &&
        snapshot_->escalation.policy == EscalationPolicy::automatic)
        if (!escalation_window_)
            escalation_window_ = open_escalation_dialog(*this, record, run_window_, true);
}

void Controller::seen_result() {
    if (!unseen_outcome_) return;
    unseen_outcome_.reset();
    update_tray();
}

void Controller::answer_did_it_help(bool helped, wxWindow* parent) {
    seen_result();
    if (helped || !run_view_.record()) return;
    open_escalation(*run_view_.record(), parent);
}

std::vector<AnnouncementView> Controller::announcements(const std::string& fix_id) const {
    std::vector<AnnouncementView> out;
    if (!snapshot_) return out;
    const auto now = std::chrono::system_clock::now();
    for (const AnnouncementView& a : snapshot_->announcements) {
        if (a.expires <= now) continue;
        if (!fix_id.empty() && std::none_of(a.fixes.begin(), a.fixes.end(),
                                            [&](const AnnouncedFix& f) { return f.id == fix_id; }))
            continue;
        out.push_back(a);
    }
    return out;
}

void Controller::schedule_announcement_expiry() {
    if (!announcement_timer_) {
        announcement_timer_ = std::make_unique<wxTimer>();
        announcement_timer_->Bind(wxEVT_TIMER, [this](wxTimerEvent&) {
            if (tray_) tray_->menu_changed();
            notify(&ControllerListener::machine_updated);
            schedule_announcement_expiry();
        });
    }
    announcement_timer_->Stop();
    const auto now = std::chrono::system_clock::now();
    std::optional<std::chrono::system_clock::time_point> next;
    for (const AnnouncementView& a : announcements())
        if (!next || a.expires < *next) next = a.expires;
    if (!next) return;
    // A second after it expires; at most a day at a time (wxTimer takes an int of ms).
    const auto wait = std::min<std::chrono::milliseconds>(
        std::chrono::duration_cast<std::chrono::milliseconds>(*next - now) +
            std::chrono::seconds(1),
        std::chrono::hours(24));
    announcement_timer_->StartOnce(static_cast<int>(std::max<long long>(wait.count(), 100)));
}

bool Controller::go_on_despite_announcements(const std::string& fix_id, bool request,
                                             wxWindow* parent) {
    const std::vector<AnnouncementView> known = announcements(fix_id);
    if (known.empty()) return true;
    std::string details;
    for (const AnnouncementView& a : known)
        details += (details.empty() ? "" : "\n\n") + known_issue_notice(a);
    // TRANSLATORS: the title of the question shown when IT announced a problem with the fix
    // the employee is about to run or ask for help with.
    const wxString title = _("IT already knows about this");
    const wxString question =
        request ? _("IT already knows about this problem. Ask for help all the same?")
                : _("IT already knows about this problem. Run the fix all the same?");
    const wxString yes = request ? _("&Ask for help anyway") : _("&Run it anyway");
    const wxString no = request ? _("&Don't ask") : _("&Don't run it");
    return ask_question(parent, QuestionKind::question, window_title(title), question, wx(details),
                        yes, no);
}

void Controller::open_escalation(std::optional<RunRecord> run, wxWindow* parent) {
    if (!escalation_allowed()) return;
    if (escalation_window_) {
        escalation_window_->Raise();
        return;
    }
    if (run && !announcements(run->fix_id).empty()) {
        // Asked after the click's handler returned: a modal question inside an AT-SPI action's
        // dispatch would keep the accessibility bridge from answering until it closed (see
        // main_window.cpp). The parent is looked up again then: the window may have closed.
        post([this, run = std::move(run)] {
            wxWindow* over = run_window_ ? static_cast<wxWindow*>(run_window_)
                                         : static_cast<wxWindow*>(main_window_);
            if (escalation_window_ || !go_on_despite_announcements(run->fix_id, true, over)) return;
            escalation_window_ = open_escalation_dialog(*this, run, over, false);
        });
        return;
    }
    escalation_window_ = open_escalation_dialog(*this, std::move(run), parent, false);
}

void Controller::request_reload() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        reload_now_ = true;
    }
    wake_.notify_all();
}

void Controller::check_for_new_fixes(wxWindow* parent) {
    request_reload();
    // Sentences, each whole in the catalog, joined with spaces.
    wxString text;
    if (!snapshot_ || snapshot_->catalog->feed_state().url.empty()) {
        text =
            _("This computer gets its fixes from the built-in set and from your help desk's "
              "folder. The list was loaded again.");
    } else {
        const FeedState& f = snapshot_->catalog->feed_state();
        // TRANSLATORS: %s is the feed's web address.
        text = wxString::Format(_("New fixes come from your help desk's feed (%s)."), wx(f.url));
        text += " ";
        text += f.last_success.time_since_epoch().count() > 0
                    // TRANSLATORS: %1$s is a time in UTC ("2026-12-04T16:21:49.123Z"), %2$s the
                    // number of the fixes' last published version.
                    ? wxString::Format(_("It was last checked successfully at %1$s (serial %2$s)."),
                                       wx(format_time_utc(f.last_success)),
                                       wx(std::to_string(f.serial)))
                    : _("It has not been checked successfully yet.");
        if (!f.last_error.empty()) {
            // TRANSLATORS: %s is the technical reason (English).
            const wxString failed = _("The last check failed: %s.");
            text += " " + wxString::Format(failed, wx(f.last_error));
        }
        if (snapshot_->feed_expired)
            text += " " + _("Your help desk's fixes are out of date: it needs to publish them "
                            "again.");
        text += "\n\n";
        text +=
            _("The computer checks the feed on its own schedule; the list was loaded again "
              "now.");
    }
    tell(parent, text, window_title(_("Check for new fixes")), wxICON_INFORMATION);
}

void Controller::deliver_outbox_now() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        deliver_now_ = true;
    }
    wake_.notify_all();
}

void Controller::show_about(wxWindow* parent) {
    show_about_dialog(parent);
}

void Controller::quit(wxWindow* parent) {
    if (run_view_.running()) {
        // TRANSLATORS: the question when the employee quits while a fix runs; %s is the fix's
        // title. The answers are "Stop the fix and quit" and "Keep running".
        const wxString still = _("\"%s\" is still running.");
        const wxString running = wxString::Format(still, wx(run_view_.title()));
        if (!ask_question(parent, QuestionKind::warning, _("Quit fixtray?"), running,
                          _("Quitting stops it; what it changed so far stays as it is."),
                          _("&Stop the fix and quit"), _("&Keep running")))
            return;
    }
    quit_now();
}

void Controller::quit_now() {
    stop_running_fix();
    for (wxWindow* w : wxTopLevelWindows)
        if (is_app_window(w)) w->Destroy();
    wxTheApp->ExitMainLoop();
}

void Controller::stop_running_fix() {
    if (!run_view_.running() && !fix_runs_.running()) return;
    fix_runs_.cancel();
    // The running step and all its children end (the runner kills the process group).
    static_cast<void>(fix_runs_.wait());
}

std::string Controller::menu_key() const {
    // Everything build_menu() shows but the entries update_menu() keeps up to date in place.
    std::string key;
    if (snapshot_) {
        key += "loaded\n";
        for (const FixListItem& f : snapshot_->fixes())
            key += f.fix_id + '\t' + f.category + '\t' + f.title + '\t' + f.description +
                   (f.asks_first ? "\t?\n" : "\n");
    }
    key += escalation_allowed() ? "help\n" : "\n";
    for (const AnnouncementView& a : announcements()) key += "announcement\t" + a.id + "\n";
    // Its digest: the tray keeps one or two keys for as long as it runs, and the text of a few
    // hundred fixes is about 100 KB.
    return sha256_hex(key);
}

namespace {
// The tray menu's entry for the requests that wait in the outbox.
wxString outbox_label(int waiting) {
    const auto n = static_cast<unsigned>(waiting);
    // TRANSLATORS: a tray menu entry; choosing it sends the waiting requests to the help desk.
    const wxString& label = wxPLURAL("%d request waiting to be sent: send now",
                                     "%d requests waiting to be sent: send now", n);
    return wxString::Format(label, waiting);
}

wxString show_run_label() {
    // TRANSLATORS: a tray menu entry while a fix runs: opens its run window.
    return _("Show the running fix...");
}
}  // namespace

void Controller::update_menu(wxMenu* menu) {
    const bool shown = menu->FindItem(kShowRun) != nullptr;
    if (run_view_.running() && !shown)
        menu->Insert(1, kShowRun, show_run_label());
    else if (!run_view_.running() && shown)
        menu->Destroy(kShowRun);
    // The outbox entry, just before "Check for new fixes".
    const int waiting = tray_status().waiting;
    if (wxMenuItem* item = menu->FindItem(kOutbox)) {
        if (waiting == 0)
            menu->Destroy(item);
        else if (item->GetItemLabel() != outbox_label(waiting))
            item->SetItemLabel(outbox_label(waiting));
    } else if (waiting > 0) {
        std::size_t pos = 0;
        if (menu->FindChildItem(kCheckFixes, &pos))
            menu->Insert(pos, kOutbox, outbox_label(waiting));
    }
}

namespace {
// A category's fixes in the tray menu, entry ids first_id, first_id + 1, ... in the order of
// `fixes` (indices into the snapshot's fix list, which it keeps).
class FixSubmenu final : public FillOnOpenMenu {
public:
    FixSubmenu(std::shared_ptr<const MachineSnapshot> snapshot, std::vector<std::size_t> fixes,
               int first_id)
        : snapshot_(std::move(snapshot)), fixes_(std::move(fixes)), first_id_(first_id) {}

private:
    void add_entries() override {
        int id = first_id_;
        for (std::size_t i : fixes_) {
            const FixListItem& f = snapshot_->fixes()[i];
            Append(id++, wx(f.title + (f.asks_first ? "..." : "")), wx(f.description));
        }
        snapshot_.reset();
        fixes_ = {};
    }
    std::shared_ptr<const MachineSnapshot> snapshot_;
    std::vector<std::size_t> fixes_;
    int first_id_;
};
}  // namespace

wxMenu* Controller::build_menu(SubmenuFill fill) {
    auto* menu = new wxMenu;
    // TRANSLATORS: the tray menu's first entry: opens the main window.
    menu->Append(kOpen, _("&Open fixtray"));
    // IT's announcements first: read them before choosing a fix. Choosing one opens the window,
    // where the whole text is.
    for (const AnnouncementView& a : announcements())
        // TRANSLATORS: a tray menu entry for an announcement from IT; %s is its title.
        menu->Append(kOpen, wxString::Format(_("IT: %s"), wxControl::EscapeMnemonics(wx(a.title))));
    if (run_view_.running()) menu->Append(kShowRun, show_run_label());
    menu->AppendSeparator();
    // Entry kFirstFix + n runs snapshot->fixes()[order[n]].
    const std::shared_ptr<const MachineSnapshot> snapshot = snapshot_;
    std::vector<std::size_t> order;
    if (!snapshot) {
        // TRANSLATORS: a tray menu entry (not clickable) while the list of fixes loads.
        menu->Append(wxID_ANY, _("Loading fixes..."))->Enable(false);
    } else if (snapshot->fixes().empty()) {
        // TRANSLATORS: a tray menu entry (not clickable).
        menu->Append(wxID_ANY, _("No fixes apply to this computer"))->Enable(false);
    } else {
        std::unordered_map<std::string_view, std::size_t> index;
        for (std::size_t i = 0; i < snapshot->fixes().size(); ++i)
            index.emplace(snapshot->fixes()[i].fix_id, i);
        for (const FixListGroup& g : group_fix_list(snapshot->fixes(), "")) {
            std::vector<std::size_t> fixes;
            for (const FixListItem& f : g.fixes) fixes.push_back(index.at(f.fix_id));
            auto* sub = new FixSubmenu(snapshot, fixes, kFirstFix + static_cast<int>(order.size()));
            order.insert(order.end(), fixes.begin(), fixes.end());
            if (fill == SubmenuFill::now) sub->fill();
            menu->AppendSubMenu(sub, wx(g.title));
        }
    }
    menu->AppendSeparator();
    // TRANSLATORS: a tray menu entry: opens the window that sends a request to the help desk.
    if (escalation_allowed()) menu->Append(kHelp, _("Get &help from IT..."));
    const TrayStatus status = tray_status();
    if (status.waiting > 0) menu->Append(kOutbox, outbox_label(status.waiting));
    // TRANSLATORS: a tray menu entry: loads the list of fixes again and says where they come
    // from.
    menu->Append(kCheckFixes, _("&Check for new fixes"));
    menu->AppendSeparator();
    // TRANSLATORS: a tray menu entry.
    menu->Append(kAbout, _("&About fixtray"));
    // TRANSLATORS: a tray menu entry: ends the tray app.
    menu->Append(kQuit, _("&Quit"));

    // Handled on the menu itself: the same for a popup (XEmbed) and an exported menu (SNI).
    menu->Bind(wxEVT_MENU, [this, snapshot, order = std::move(order)](wxCommandEvent& e) {
        const int id = e.GetId();
        const int index = id - kFirstFix;
        const std::string fix_id =
            index >= 0 && index < static_cast<int>(order.size())
                ? snapshot->fixes()[order[static_cast<std::size_t>(index)]].fix_id
                : std::string();
        // After the menu closed: a dialog from inside a menu callback would nest loops.
        post([this, id, fix_id] {
            switch (id) {
                case kOpen:
                    show_main_window();
                    return;
                case kShowRun:
                    show_run_window();
                    return;
                case kHelp:
                    open_escalation(std::nullopt, main_window_);
                    return;
                case kOutbox:
                    deliver_outbox_now();
                    return;
                case kCheckFixes:
                    check_for_new_fixes(main_window_);
                    return;
                case kAbout:
                    show_about(main_window_);
                    return;
                case kQuit:
                    quit(main_window_);
                    return;
                default:
                    break;
            }
            if (!fix_id.empty()) run_fix(fix_id, main_window_);
        });
    });
    return menu;
}

}  // namespace fixtray::gui
