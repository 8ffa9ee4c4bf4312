// The tray app's controller: owns the application layer's services for the UI thread and
// passes the windows' requests on. Everything slow runs on workers and comes back with
// CallAfter:
//   - the catalog watcher thread loads the machine's catalog (and reloads it when a source
//     changes), reads the outbox and the feed state, and hands the UI an immutable snapshot;
//   - FixRunService runs a fix on its own worker (events come back as RunView updates);
//   - the delivery thread delivers the outbox when requests are due (the sender's per-request
//     lock keeps it from racing the systemd timer or fixctl);
//   - escalation sessions collect and send on a worker of their own (escalation_dialog.h).
// Nothing here parses a pack, spawns a process or speaks HTTP itself.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <wx/string.h>

#include "app/announcements.h"
#include "app/desktop_notices.h"
#include "app/fix_list.h"
#include "app/fix_run_service.h"
#include "app/machine_catalog.h"
#include "app/run_view.h"
#include "app/tray_status.h"
#include "app/user_settings.h"
#include "base/cancel_token.h"
#include "engine/audit_log.h"
#include "escalation/escalation_config.h"
#include "outbox/outbox.h"
#include "tray_icon.h"

class wxTimer;
class wxWindow;
class wxMenu;

namespace fixtray::gui {

class MainWindow;
class Notifier;
class RunWindow;

struct Options {
    TrayKind tray = TrayKind::automatic;
    bool show = false;  // open the main window at start
    std::string lang;   // the language for pack texts (translations.h); "" = the environment's
};

// What the watcher thread hands the UI: everything a window shows about the machine.
struct MachineSnapshot {
    // The watcher's catalog as it was, without descriptions and keywords (the list has them):
    // MachineCatalog::drop_listing_texts.
    std::shared_ptr<const MachineCatalog> catalog;
    // The fixes that apply here, in the user's language; made once per load of the catalog and
    // shared by the snapshots taken until the next one.
    std::shared_ptr<const std::vector<FixListItem>> fix_list =
        std::make_shared<const std::vector<FixListItem>>();
    const std::vector<FixListItem>& fixes() const { return *fix_list; }
    EscalationConfig escalation;
    std::vector<ConfigProblem> config_problems;
    std::vector<OutboxEntry> outbox;
    bool feed_expired = false;
    // IT's announcements current when the snapshot was taken (app/announcements.h), in the
    // user's language; Controller::announcements() leaves out those expired since.
    std::vector<AnnouncementView> announcements;
};

class ControllerListener {
public:
    virtual ~ControllerListener() = default;
    virtual void machine_updated() {}  // catalog, config, feed
    virtual void run_updated() {}      // the run view changed
    virtual void outbox_updated() {}
};

class Controller final : public TrayHost {
public:
    explicit Controller(Options options);
    ~Controller() override;

    // Shows the tray (or the window without one) and starts the workers.
    void start();

    // --- State, for the windows (UI thread) ------------------------------------------------
    const std::string& lang() const { return lang_; }
    bool loaded() const { return snapshot_ != nullptr; }
    const MachineSnapshot* snapshot() const { return snapshot_.get(); }
    std::shared_ptr<const MachineSnapshot> snapshot_ptr() const { return snapshot_; }
    const RunView& run_view() const { return run_view_; }
    bool fix_running() const { return run_view_.running(); }
    std::vector<AuditEntry> recent_runs(std::size_t max) const;
    std::optional<RunRecord> find_run(const std::string& run_id) const;
    // What "What will this do?" shows for a fix.
    Plan plan_for(const std::string& fix_id) const;
    std::string fix_title(const std::string& fix_id) const;
    // May the employee ask IT for help (the escalation policy is not off)?
    bool escalation_allowed() const;
    // IT's announcements that have not expired now; with a fix id, those that concern it.
    std::vector<AnnouncementView> announcements(const std::string& fix_id = "") const;
    // The employee changed their settings (settings_page.h): notifications on or off now; the
    // language applies at the next start.
    void settings_changed(const UserSettings& settings) { notifications_ = settings.notifications; }
    bool notifications_enabled() const { return notifications_; }
    TrayKind tray_kind() const { return tray_ ? tray_->kind() : TrayKind::none; }
    TrayStatus tray_status() const;

    // --- Requests ----------------------------------------------------------------------------
    void show_main_window();
    void show_run_window();
    void show_outbox_window();  // "Requests to IT" (outbox_window.h)
    const RealServices& services() const { return services_; }
    // Plans the fix, asks its confirmation text in a dialog over `parent`, starts it and shows
    // the run view. Refusals and "already running" are said in a dialog.
    void run_fix(const std::string& fix_id, wxWindow* parent);
    void cancel_fix();
    // "Did that help?" answered; No opens the escalation dialog with this run.
    void answer_did_it_help(bool helped, wxWindow* parent);
    // The escalation dialog, about `run` when given.
    void open_escalation(std::optional<RunRecord> run, wxWindow* parent);
    // Reloads the catalog now and tells when the feed last synced.
    void check_for_new_fixes(wxWindow* parent);
    // Asks the watcher to load the catalog again now (it also polls every two seconds).
    void request_reload();
    void deliver_outbox_now();
    void show_about(wxWindow* parent);
    // Quit: asks first while a fix runs, then cancels it and waits for its processes to end.
    void quit(wxWindow* parent);
    // Quits without asking: stop_running_fix(), then every window goes and the main loop ends.
    void quit_now();
    // Cancels a running fix and waits until its processes have ended and the run is recorded
    // (as cancelled). Blocks the UI thread for that long: only on the way out.
    void stop_running_fix();
    void seen_result();  // the employee looked at the last result

    void add_listener(ControllerListener* l);
    void remove_listener(ControllerListener* l);
    void window_closed(wxWindow* w);

    // TrayHost
    wxMenu* build_menu(SubmenuFill fill) override;
    std::string menu_key() const override;
    void update_menu(wxMenu* menu) override;
    void activate() override { show_main_window(); }

private:
    class RunEvents;
    void post(std::function<void()> fn);
    void watch_loop();
    void delivery_loop();
    void apply_snapshot(std::shared_ptr<const MachineSnapshot> s);
    void update_tray();
    void notify(void (ControllerListener::*what)());
    void run_finished(const RunRecord& record);
    // Before running a fix or asking for help with it: what IT already announced about it, and
    // whether the employee goes on all the same. True when nothing concerns it.
    bool go_on_despite_announcements(const std::string& fix_id, bool request, wxWindow* parent);
    // The windows and the menu again when the next announcement expires.
    void schedule_announcement_expiry();
    // Desktop notifications (notifier.h), when the employee has them on.
    void tell_desktop(const DesktopNotice& notice);
    // Tells about the requests delivered or failed between two readings of the outbox.
    void outbox_replaced(const std::vector<OutboxEntry>& before,
                         const std::vector<OutboxEntry>& after);

    Options options_;
    std::string lang_;
    bool notifications_ = true;
    std::unique_ptr<Notifier> notifier_;
    std::unique_ptr<wxTimer> announcement_timer_;
    std::shared_ptr<bool> alive_;
    std::shared_ptr<const MachineSnapshot> snapshot_;
    std::unique_ptr<TrayIcon> tray_;
    std::vector<ControllerListener*> listeners_;
    MainWindow* main_window_ = nullptr;
    RunWindow* run_window_ = nullptr;
    wxWindow* escalation_window_ = nullptr;
    wxWindow* outbox_window_ = nullptr;

    RealServices services_;
    FixRunService fix_runs_;
    std::unique_ptr<RunEvents> run_events_;
    RunView run_view_;
    std::optional<Outcome> unseen_outcome_;
    bool sending_ = false;

    // Workers.
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false, reload_now_ = false, deliver_now_ = false;
    CancelToken stop_token_;
    std::shared_ptr<const MachineSnapshot> delivery_snapshot_;  // std::atomic_load/store
    std::thread watcher_, deliverer_;
};

// The app's controller (one per process).
Controller& controller();

// Whether a top-level window is one of fixtray's (its windows are frames and dialogs), not the
// plain one wxTaskBarIcon (XEmbed) keeps for its popup menu, with its event handler pushed: that
// one goes with the icon, and destroying it before trips a wx assertion whose dialog keeps the
// app from exiting.
bool is_app_window(const wxWindow* w);

}  // namespace fixtray::gui
