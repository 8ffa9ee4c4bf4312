// fixtray: the tray app. A view over the core's application layer (see controller.h).
#include <sys/stat.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <glib-unix.h>
#include <signal.h>

#include <wx/app.h>
#include <wx/image.h>
#include <wx/modalhook.h>
#include <wx/snglinst.h>
#include <wx/timer.h>
#include <wx/toplevel.h>

#include "controller.h"
#include "platform/platform_paths.h"
#include "show_socket.h"
#include "translations.h"

namespace fixtray::gui {

namespace {

// English, as the messages below: --help and usage errors answer before wx starts (without a
// display), and wxTranslations cannot load catalogs before the app object exists.
constexpr const char* kUsage =
    "fixtray: fixes common problems of this computer from an icon by the clock.\n"
    "\n"
    "Usage: fixtray [--show] [--tray=auto|sni|xembed|none]\n"
    "\n"
    "  --show        open the main window (a running fixtray brings its window to the front)\n"
    "  --tray=KIND   which tray to use; auto (default) picks what the desktop offers:\n"
    "                  sni     StatusNotifierItem (GNOME with AppIndicator support, KDE,\n"
    "                          Wayland desktops with a tray)\n"
    "                  xembed  the X11 system tray (Xfce, MATE, Cinnamon, KDE on X11)\n"
    "                  none    no icon: the window opens at start, the launcher opens it again\n"
    "  --help        this text\n"
    "  --version     the version\n"
    "\n"
    "Only one fixtray runs per user and display; starting it again opens its window.\n"
    "The command line tool is fixctl (fixctl --help).\n";

// The per-user socket a second start talks to ("show"): in XDG_RUNTIME_DIR (private to the
// user), else the state directory. Unix domain socket: nothing on the network can reach it.
std::string ipc_path() {
    const char* runtime = std::getenv("XDG_RUNTIME_DIR");
    std::string dir = runtime && *runtime ? std::string(runtime) + "/fixtray"
                                          : fixtray_state_dir(current_user_environment());
    ::mkdir(dir.c_str(), 0700);
    const char* display = std::getenv("DISPLAY");
    std::string d = display ? display : "";
    for (char& ch : d)
        if (ch == '/' || ch == ':') ch = '_';
    return dir + "/ipc" + d;
}

// For the benchmarks (tests/bench): with FIXTRAY_HEARTBEAT_FILE set, a 10 ms timer on the UI
// thread measures the longest gap between its ticks (how long the UI thread was busy) and
// writes "max_gap_ms N ticks N" to that file twice a second. Off otherwise: no timer at all.
class Heartbeat final : public wxTimer {
public:
    explicit Heartbeat(std::string path) : path_(std::move(path)) {
        last_ = std::chrono::steady_clock::now();
        Start(10);
    }
    void Notify() override {
        const auto now = std::chrono::steady_clock::now();
        const auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(now - last_);
        last_ = now;
        max_ = std::max(max_, gap);
        ++ticks_;
        if (now - written_ < std::chrono::milliseconds(500)) return;
        written_ = now;
        const std::string tmp = path_ + ".tmp";
        if (std::FILE* f = std::fopen(tmp.c_str(), "w")) {
            std::fprintf(f, "max_gap_ms %lld ticks %llu\n", static_cast<long long>(max_.count()),
                         static_cast<unsigned long long>(ticks_));
            std::fclose(f);
            std::rename(tmp.c_str(), path_.c_str());
        }
    }

private:
    std::string path_;
    std::chrono::steady_clock::time_point last_, written_{};
    std::chrono::milliseconds max_{0};
    unsigned long long ticks_ = 0;
};

Options g_options;  // parsed in main(), before GTK needs a display

// Parses the command line into g_options; -1 to go on, else the exit code (after --help,
// --version or a usage error).
int parse_command_line(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--help" || a == "-h") {
            std::fputs(kUsage, stdout);
            return 0;
        } else if (a == "--version") {
            std::printf("fixtray %s\n", FIXTRAY_VERSION);
            return 0;
        } else if (a == "--show") {
            g_options.show = true;
        } else if (a.rfind("--tray=", 0) == 0) {
            const std::string k = a.substr(7);
            if (k == "auto") {
                g_options.tray = TrayKind::automatic;
            } else if (k == "sni") {
                g_options.tray = TrayKind::sni;
            } else if (k == "xembed") {
                g_options.tray = TrayKind::xembed;
            } else if (k == "none") {
                g_options.tray = TrayKind::none;
            } else {
                std::fprintf(stderr,
                             "fixtray: unknown tray kind \"%s\" (auto, sni, xembed or none)\n",
                             k.c_str());
                return 2;
            }
        } else {
            std::fprintf(stderr, "fixtray: unknown option \"%s\" (see fixtray --help)\n",
                         a.c_str());
            return 2;
        }
    }
    return -1;
}

// How many modal windows are open (fixtray's questions, wx's message dialogs): each runs its
// own main loop, which ending the app's main loop would not end.
class ModalCount final : public wxModalDialogHook {
public:
    int open = 0;

protected:
    int Enter(wxDialog*) override {
        ++open;
        return wxID_NONE;  // let it show
    }
    void Exit(wxDialog*) override { --open; }
};

class App final : public wxApp {
public:
    bool OnInit() override {
        SetAppName("fixtray");
        wxImage::AddHandler(new wxPNGHandler);  // the icons (icons.cpp)
        SetAppDisplayName("fixtray");
        Options options = g_options;
        options.lang = install_translations();

        // One instance per user and display; a second start brings the first one's window up.
        const std::string socket = ipc_path();
        checker_ = std::make_unique<wxSingleInstanceChecker>();
        checker_->Create("fixtray-" + wxGetUserId() + "-" +
                             wxString(std::getenv("DISPLAY") ? std::getenv("DISPLAY") : ""),
                         wxString::FromUTF8(socket.substr(0, socket.rfind('/'))));
        if (checker_->IsAnotherRunning()) {
            if (ask_to_show(socket)) {
                std::puts("fixtray: already running; its window was brought to the front");
                exit_code_ = 0;
            } else {
                std::fputs("fixtray: already running, and it did not answer\n", stderr);
                exit_code_ = 1;
            }
            return true;  // OnRun() returns the code without a main loop
        }
        // Accepts "show" from a second start. The only command: nothing it receives starts a fix.
        show_socket_ = std::make_unique<ShowSocket>([] { controller().show_main_window(); });
        if (!show_socket_->listen(socket)) show_socket_.reset();  // no "show" for a second start

        controller_ = std::make_unique<Controller>(options);
        controller_->start();
        std::printf("fixtray: tray %s\n", to_string(controller_->tray_kind()));
        std::fflush(stdout);
        if (controller_->tray_kind() != TrayKind::none) SetExitOnFrameDelete(false);
        // Logout, shutdown (SIGTERM), Ctrl+C (SIGINT), a closed terminal (SIGHUP): quit as
        // "Stop the fix and quit" does, without asking. Handled in the main loop (GLib).
        modal_.Register();
        for (const int sig : {SIGTERM, SIGINT, SIGHUP})
            g_unix_signal_add(sig, &App::on_signal, this);
        if (const char* path = std::getenv("FIXTRAY_HEARTBEAT_FILE"); path && *path)
            heartbeat_ = std::make_unique<Heartbeat>(path);
        exit_code_ = 0;
        return true;
    }

    int OnExit() override {
        // Windows go before the controller: their destructors unregister from it. A window closed
        // just before the main loop ended is only scheduled for destruction (wx would delete it
        // after OnExit), and after Quit from the tray others may still be open.
        std::vector<wxWindow*> open;
        for (auto* node = wxTopLevelWindows.GetFirst(); node; node = node->GetNext())
            if (!IsScheduledForDestruction(node->GetData()) && is_app_window(node->GetData()))
                open.push_back(node->GetData());
        for (wxWindow* window : open) window->Destroy();
        DeletePendingObjects();
        controller_.reset();  // cancels a running fix and waits for its processes
        show_socket_.reset();
        checker_.reset();
        return exit_code_;
    }

    int OnRun() override {
        if (!controller_) return exit_code_;
        return wxApp::OnRun();
    }

    int exit_code() const { return exit_code_; }

private:
    static gboolean on_signal(gpointer self) {
        static_cast<App*>(self)->quit_on_signal();
        return G_SOURCE_CONTINUE;
    }
    void quit_on_signal() {
        if (!controller_ || quitting_) return;
        quitting_ = true;
        // First what must not be lost: a running fix is cancelled, its processes end and the
        // run is recorded, before anything else.
        controller_->stop_running_fix();
        if (modal_.open > 0) {
            // A question or message is open in its own loop, which would keep the app alive
            // until someone answers it. Everything fixtray keeps is written durably as it
            // happens (the outbox, the audit log, the settings: platform/durable_file.h):
            // nothing is left to save.
            std::fflush(nullptr);
            ::_exit(0);
        }
        controller_->quit_now();
    }

    ModalCount modal_;
    bool quitting_ = false;
    std::unique_ptr<wxSingleInstanceChecker> checker_;
    std::unique_ptr<ShowSocket> show_socket_;
    std::unique_ptr<Controller> controller_;
    std::unique_ptr<Heartbeat> heartbeat_;
    int exit_code_ = 1;
};

}  // namespace

}  // namespace fixtray::gui

wxIMPLEMENT_APP_NO_MAIN(fixtray::gui::App);

int main(int argc, char** argv) {
    // --help, --version and usage errors answer without a display.
    if (const int code = fixtray::gui::parse_command_line(argc, argv); code >= 0) return code;
#ifdef __GLIBC__
    // The tray runs all day with a few threads that mostly wait (the catalog watcher, the
    // outbox delivery, GLib's): at most two malloc arenas for all threads instead of one per
    // thread, each with its own free space (two, not one: the watcher loading the catalog at
    // start then need not wait for the UI thread's arena, as a second thread takes the second
    // arena), and blocks of 128 KiB or more are always mapped on their own and returned when
    // freed (glibc otherwise raises that limit after the first large free, and such blocks
    // then stay in the heap). About 0.7 MB less resident memory when idle
    // (tests/bench/README.md). Before any thread starts.
    mallopt(M_ARENA_MAX, 2);
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
    return wxEntry(argc, argv);
}
