#!/usr/bin/python3
"""The fixtray app driven end to end through its accessibility tree (AT-SPI), headless.

usage: /usr/bin/python3 tests/gui/test_fixtray_flow.py FIXTRAY_BIN OUTDIR CASE

FIXTRAY_BIN: the built app (build/src/fixtray/fixtray). OUTDIR: screenshots, the app's stderr,
the accessibility tree on failure (created). CASE:

  escalate  A fix whose step fails (tests/gui/packs/flow.xml, "Repair the widget cache"); the
            escalation backend is a real Request Tracker (tests/services/rt.sh, started here).
            Search "widget" -> the fix is in "Fixes" -> select it -> "Run this fix" -> the run
            window's "Result" says "Not fixed." -> "Get help from IT" -> the dialog collects
            diagnostics until "Send" is enabled -> "View the item" shows one in its own window ->
            remove one item of "Attached diagnostics" (rows one fewer) -> a comment holding a
            password -> "Send" says it was masked (***) and sends nothing -> type "Your
            comment" -> "Send" -> "Request status" says "Sent to
            your help desk as ticket N." -> RT's REST 2 API has ticket N in queue General, with
            the comment and a .tar.gz attachment that holds the other items and not the removed
            one. Then the windows are closed and the app must exit 0.
            Screenshots: main-window.png, run-view.png, escalation.png.
  cancel    A fix whose step runs `sleep MARKER & sleep MARKER; wait` (MARKER unique per run):
            once both sleeps run, "Cancel the fix" -> "Result" says "Cancelled." -> no sleep with
            the marker is left -> the windows are closed (WM_DELETE_WINDOW: there is no window
            manager) -> the app exits 0 -> no process it started is left.
            Screenshot: cancelled.png.
  quit      Quitting from the tray while a fix runs. fixtray runs with a tray: the test
            StatusNotifierWatcher (sni_watcher.py --serve) on the private session bus, started
            before the app, which picks "sni" by itself. "Open fixtray" in the item's menu (read
            and clicked over com.canonical.dbusmenu) opens the window; the slow fix of `cancel`
            is started there; once both sleeps run, "Quit" in the menu -> the question "Quit
            fixtray?" (an alert named so in the AT-SPI tree, with the buttons "Stop the fix and
            quit" and "Keep running", its text names the fix) -> "Keep running" -> the question goes,
            the app, its tray item and the same sleeps are still there and "Result" still says
            "Working on it..." -> "Quit" again -> "Stop the fix and quit" -> the app exits 0,
            its item leaves the watcher, no sleep with the marker and no process of the app is
            left -> the audit log (HOME/.local/state/fixtray/audit.jsonl) has the run with
            outcome "cancelled". Screenshot: quit-question.png.
  signal    SIGTERM (logout, shutdown) while the slow fix of `cancel` runs, in a window-only
            app (--tray=none), twice: with only the windows open, and with the message "A fix
            is running..." open in its own modal loop (from pressing "Run this fix" again). Each
            time: the app exits 0 without asking, no sleep with the marker and no process of the
            app is left, and the audit log's newest run of the fix is "cancelled".
  automatic The failing fix of `escalate` with the escalation policy "automatic" (same real
            Request Tracker). It is run through the window; nothing is pressed after "Run this
            fix": the escalation dialog must open by itself, say that the settings send
            automatically, collect, send, and its "Request status" must say "Sent to your help
            desk as ticket N." (the statuses seen on the way are reported); ticket N is in queue
            General with a .tar.gz attachment holding both of the fix's diagnostics items. Then
            the windows are closed and the app must exit 0. Screenshot: automatic.png.
  confirm   A fix with a <confirm> text ("Restart the gizmo"): "Run this fix" -> an alert named
            "Restart the gizmo - fixtray" asks "Run ...?" with the confirm text and the buttons
            "Run the fix" and "Don't run it" -> "Don't run it" -> no run window, no audit line,
            the step's file is not there -> "Run this fix" again -> "Run the fix" -> the run
            window says "Fixed.", the step left HOME/gizmo-restarted, the audit log has one run
            with outcome "fixed". Screenshot: confirm-question.png.
  german    The escalate flow in German: the employee's settings.json says "language": "de"
            while the session is C.UTF-8. Every text looked for is the German of src/po/de.po
            (tests/gui/po.py), the fix's title and step label are the pack's German ones; on the
            main window, the run window and the request dialog (before and after sending) no
            shown text may be English (an English message of the catalog, or an English
            function word: po.ENGLISH_WORDS), except the technical details, the step's output
            and what the employee typed. Ends with the ticket in Request Tracker holding the
            German comment. Screenshots: german-main-window.png, german-run-view.png,
            german-escalation.png.
  settings  The Settings page: what the organisation decided (policy "automatic", a Request
            Tracker, a disabled fix) is listed read-only without the token file; "Start fixtray
            when I log in" writes HOME/.config/autostart/fixtray.desktop starting this program,
            and removes it again; choosing "Deutsch" saves settings.json, and after a restart
            the window and the settings page are German. Screenshots: settings.png,
            settings-de.png.
  notify    Desktop notifications, received by dunst on the private session bus (read back
            with `dunstctl history`): "Take a moment" run and its window closed while it runs
            -> "Take a moment: Fixed."; a request sent to Request Tracker -> "Your request
            reached IT: ticket N" with N the ticket the dialog showed; the password file made
            wrong and another request sent -> "Your request could not be delivered" with the
            reason and what to do. Then "Requests to IT" (the outbox window): the failed and
            the delivered request with their states (the 401, the ticket); the password made
            right, Retry delivers the failed one (and dunst hears of it), Save a copy writes
            the request into a folder it names, Remove (asked first) leaves one row. Written:
            notify-received.txt. Screenshot: outbox.png.
  keyboard  Real key presses (xdotool): Ctrl+F from another tab focuses "Search fixes", typing
            filters, Enter in the search field runs the chosen fix, Alt+O shows the step's
            output, Esc closes the run window, Esc on the main window (no tray) quits. Every
            button of both windows has its own access key (also checked in `escalate` and, with
            the German labels, in `german`).
  feed      A help desk's feed (a minisign key, `fixctl feed build`, minisign, a private nginx)
            and the machine configured for it. With the window open and the slow fix running,
            `fixctl feed sync --now` installs a pack with a new fix: the fix appears in the open
            window, dunst gets "New fix from IT" naming it, the running fix's processes are the
            same and it still says "Working on it...". The desk replaces the pack by another and
            syncs again: the fix disappears. The feed also carries an announcement (signed
            with the index, from announcements.xml beside the packs) that concerns the fix of
            `escalate` and ends a minute after the build: it is shown at the top of the window;
            running that fix first shows "IT already knows about this" with it ("Run it
            anyway"), and so does "Get help from IT" after the failed run ("Don't ask": no
            request dialog); at its expiry it leaves the window by itself; then "About fixtray"
            from the tray menu is read and closed. Screenshots: feed-announcement.png,
            feed-known-issue.png.
  notice-window  No notification server on the bus: a fix that finished while the window was
            closed is told in fixtray's own notice window (read through AT-SPI, not focused),
            whose "Open fixtray" opens the main window; left alone it closes after 30 s.
  high-contrast  GTK_THEME=HighContrastInverse: in the main window, the run view and the request
            dialog, every enabled control with text draws it at 7:1 or more against its own
            background, which is dark (pixels read from the X server in the AT-SPI extents).
            Screenshots: high-contrast-main.png, high-contrast-run.png,
            high-contrast-escalation.png.

The app runs with its own HOME, XDG_RUNTIME_DIR and machine root (FIXTRAY_MACHINE_ROOT:
ROOT/etc/fixtray/fixtray.json and ROOT/etc/fixtray/packs/flow.xml), LANG=C.UTF-8, on Xvfb with
a private session bus (the app activates the AT-SPI bus there); `--tray=none` except in `quit`
(automatic tray choice, which must find the test watcher: "sni"). Everything is found by role
and accessible name and operated through AT-SPI actions, EditableText and Selection (and, in
`quit`, the tray menu over D-Bus); no keyboard or mouse input is needed. Every wait polls with a
deadline; nothing sleeps to synchronise.

Prints one PASS/FAIL line with the phase timings; exit 0 only if the case passed. Everything
started (Xvfb, bus, app, watcher, Request Tracker) is stopped on every path.

Also written to OUTDIR: <case>.fixtray.stderr.log, <case>.rt-sh.log (escalate, automatic),
escalate-items.txt (the "Attached diagnostics" rows before and after Remove, the bundle's files),
escalate-bundle.tar.gz and automatic-bundle.tar.gz (the attachment as RT stored it); on failure
<case>.atspi-tree.txt and <case>-failure.png.

App behaviour this test works around: a wxDataViewCtrl's accessible name (set_accessible) lands
on its GtkScrolledWindow ("scroll pane"), the table inside is unnamed: `named_table` takes the
table inside the named scroll pane (and a named table first, once the app names it). A wxDialog
is a "frame" in AT-SPI, not a "dialog": windows are looked up by name among both roles. A
The app's questions (question_dialog.cpp) are alerts named like their titles.
"""

import base64
import faulthandler
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import traceback
import urllib.error
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True   # no __pycache__ in the source tree

import guitest  # noqa: E402
import atspi  # noqa: E402
from guitest import X, session_bus  # noqa: E402

# Deadlines for a loaded 2-core machine (measured values are in the README).
START_TIMEOUT = 90.0       # app start to its window in the accessibility tree
STEP_TIMEOUT = 60.0        # one UI reaction (a search, a button, a result)
COLLECT_TIMEOUT = 240.0    # diagnostics collected (the default set has 10 s timeouts per item)
SEND_TIMEOUT = 180.0       # Send to "Sent to your help desk as ticket N."
RT_START_TIMEOUT = 240.0   # rt.sh start (its own deadline is 150 s)
KILL_TIMEOUT = 30.0        # processes gone after a cancel / an exit
EXIT_TIMEOUT = 90.0        # "Stop the fix and quit" to the app's exit (cancel, wait, teardown)

FLOW_PACK = os.path.join(HERE, "packs", "flow.xml")
RT_SH = os.path.join(REPO, "tests", "services", "rt.sh")

ESCALATE_FIX = "Repair the widget cache"
CANCEL_FIX = "Wait for the slow service"
REMOVED_ITEM_TITLE = "Widget cache listing"      # <command name="widget-cache-listing">
REMOVED_ITEM_FILE = "widget-cache-listing.txt"
REMOVED_ITEM_TEXT = "WIDGET-LISTING-CONTENT"
KEPT_ITEM_FILE = "widget-version.txt"            # <command name="widget-version">


CASE_DEADLINE = 1200.0     # the whole case; past it the watchdog stops everything (see below)


class CaseFailed(Exception):
    pass


# Stop-everything callables for the watchdog (a Request Tracker to stop via rt.sh).
_emergency_stops = []


def start_watchdog(case, deadline):
    """A daemon thread that ends the test after ``deadline`` seconds even when the main thread
    is stuck inside a C call (an AT-SPI call that never returns does not see signals or
    timeouts): it stops the RT, SIGTERMs then SIGKILLs every descendant of this process (all
    started processes are: this process is a child subreaper) and exits 1."""
    import signal
    import threading

    def run():
        time.sleep(deadline)
        print("FAIL %s: watchdog: the case did not finish within %.0f s; stopping everything"
              % (case, deadline), flush=True)
        for stop in list(_emergency_stops):
            with_suppressed(stop)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in guitest.descendants(os.getpid()):
                with_suppressed(lambda: os.kill(pid, sig))
            end = time.monotonic() + 5
            while time.monotonic() < end and any(
                    guitest._alive(p) for p in guitest.descendants(os.getpid())):
                time.sleep(0.1)
        os._exit(1)
    threading.Thread(target=run, name="watchdog", daemon=True).start()


def check(cond, message):
    if not cond:
        raise CaseFailed(message)


def check_exit(rc, outdir, case, message):
    """Check the app exited 0. If not, the message carries the end of its stderr: a sanitizer's
    report (the sanitizer build aborts, -6, on a leak) or a toolkit's last words."""
    if rc == 0:
        return
    tail = ""
    try:
        with open(os.path.join(outdir, "%s.fixtray.stderr.log" % case), "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
        # A sanitizer's report from its first line, else the last lines.
        start = next((i for i, l in enumerate(lines) if "ERROR: " in l and "Sanitizer" in l),
                     max(0, len(lines) - 60))
        tail = "\n".join(lines[start:start + 60])
    except OSError as e:
        tail = "(no stderr log: %s)" % e
    raise CaseFailed("%s\n--- end of fixtray's stderr ---\n%s" % (message % rc, tail))


class Timer:
    """Phase timings for the PASS/FAIL line."""

    def __init__(self):
        self.t0 = time.monotonic()
        self.last = self.t0
        self.phases = []

    def mark(self, what):
        now = time.monotonic()
        self.phases.append((what, now - self.last))
        self.last = now

    def total(self):
        return time.monotonic() - self.t0

    def text(self):
        return ", ".join("%s %.1fs" % p for p in self.phases)


# ---------------------------------------------------------------------------------------------
# the app's environment


class Machine:
    """Temp HOME, XDG_RUNTIME_DIR and machine root for one app run (removed by close())."""

    def __init__(self, config):
        self.dir = tempfile.mkdtemp(prefix="fixtray-flow.")
        self.home = os.path.join(self.dir, "home")
        self.runtime = os.path.join(self.dir, "runtime")
        self.root = os.path.join(self.dir, "root")
        os.makedirs(self.home, mode=0o700)
        os.makedirs(self.runtime, mode=0o700)
        os.chmod(self.runtime, 0o700)
        self.etc = os.path.join(self.root, "etc", "fixtray")
        os.makedirs(os.path.join(self.etc, "packs"))
        shutil.copy(FLOW_PACK, os.path.join(self.etc, "packs", "flow.xml"))
        self.write_config(config)

    def write_config(self, config):
        with open(os.path.join(self.etc, "fixtray.json"), "w") as f:
            json.dump(config, f, indent=2)

    def secret_file(self, name, value):
        path = os.path.join(self.etc, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(value + "\n")
        return path

    def env(self, base):
        env = {k: v for k, v in base.items() if not k.startswith("XDG_")}
        env.pop("NO_AT_BRIDGE", None)
        env.update(HOME=self.home, XDG_RUNTIME_DIR=self.runtime, LANG="C.UTF-8",
                   FIXTRAY_MACHINE_ROOT=self.root)
        env.pop("LC_ALL", None)
        env.pop("LANGUAGE", None)
        env.pop("GTK_THEME", None)
        return env

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def start_app(x, binary, env, outdir, case, tray="none"):
    """Start the app and wait for it in the accessibility tree. ``tray``: "none" runs it with
    `--tray=none`; any other kind lets it choose by itself (auto) and expects that kind."""
    log = open(os.path.join(outdir, "%s.fixtray.stderr.log" % case), "wb")
    try:
        app = x.spawn([binary] + (["--tray=none"] if tray == "none" else []), env=env,
                      stdout=subprocess.PIPE, stderr=log)
    finally:
        log.close()
    line, _ = guitest.wait_for_line(app, r"^fixtray: tray ", START_TIMEOUT,
                                    "fixtray's 'fixtray: tray ...' line")
    check(line == "fixtray: tray %s" % tray, "expected 'fixtray: tray %s', got %r" % (tray, line))
    acc = atspi.wait_until(lambda: atspi.find_app("fixtray", pid=app.pid), START_TIMEOUT,
                           "fixtray in the accessibility tree")
    return app, acc


# ---------------------------------------------------------------------------------------------
# windows and controls


TOP_LEVEL_ROLES = ("frame", "dialog")   # a wxDialog (a plain GtkWindow) is a "frame" too


def window(app_acc, title):
    """The showing top-level of the app with this exact accessible name (its title)."""
    for w in atspi.children(app_acc):
        if atspi.role(w) in TOP_LEVEL_ROLES and atspi.name(w) == title and atspi.showing(w):
            return w
    return None


def wait_window(app_acc, title, timeout):
    return atspi.wait_until(lambda: window(app_acc, title), timeout, "the window %r" % title)


def named_table(root, name):
    """The table (or tree table) named ``name``, or the one inside the scroll pane of that name
    (wx puts the accessible name on the GtkScrolledWindow of a wxDataViewCtrl, see the module
    doc)."""
    for r in ("table", "tree table"):
        hits = atspi.find_all(root, r, name, only_showing=True)
        if hits:
            return hits[0]
    for pane in atspi.find_all(root, "scroll pane", name, only_showing=True):
        for c in atspi.children(pane):
            if atspi.role(c) in ("table", "tree table"):
                return c
    raise atspi.NotFound("no table named %r (nor a scroll pane of that name holding one)" % name)


def label_text(root, name):
    """The text of the showing label with this accessible name."""
    return atspi.text_of(atspi.find(root, "label", name))


def wait_label(root_fn, name, want, timeout, prefix=False):
    """Poll until label ``name`` reads ``want`` (or starts with it); return the text."""
    def ok():
        root = root_fn()
        if root is None:
            return None
        t = label_text(root, name)
        return t if (t.startswith(want) if prefix else t == want) else None
    try:
        return atspi.wait_until(ok, timeout, "label %r to read %r" % (name, want))
    except TimeoutError as e:
        try:
            now = label_text(root_fn(), name)
        except Exception as e2:
            now = "(%s)" % e2
        raise TimeoutError("%s; it reads %r" % (e, now)) from None


def tree_rows(tree):
    """A wx tree (GtkTreeView) as [(row accessible, text)]: each row is a cell holding an
    expander cell and the text cell."""
    out = []
    for row in atspi.children(tree):
        if atspi.role(row) != "table cell":
            continue
        texts = [atspi.name(c) for c in atspi.children(row) if atspi.name(c)]
        out.append((row, texts[0] if texts else atspi.name(row)))
    return out


def tree_select(tree, text):
    """Select the row showing ``text`` through the tree's Selection interface, and wait until
    the tree reports it selected. (GTK answers False to selecting a row that already is: the
    search selects its first match by itself.)"""
    for row, t in tree_rows(tree):
        if t == text:
            idx = row.getIndexInParent()
            number = tree.queryTable().getRowAtIndex(idx)
            if atspi.selected_rows(tree) != [number]:
                tree.querySelection().selectChild(idx)
            atspi.wait_until(lambda: atspi.selected_rows(tree) == [number], STEP_TIMEOUT,
                             "row %d (%r) to be the selected one" % (number, text))
            return row
    raise CaseFailed("no row %r in the tree; rows: %s" % (text, [t for _, t in tree_rows(tree)]))


def list_rows(table):
    """A wxDataViewListCtrl (a GtkTreeView list) as lists of cell texts, by the Table
    interface (header cells are not rows)."""
    return atspi.table_rows(table)


def window_id(x, title):
    """The X id of the mapped top-level window with this title (WM_NAME)."""
    ws = [w for w in guitest.windows(x, title, top_level_only=True)
          if w["mapped"] and w["name"] == title]
    return ws[-1]["id"] if ws else None


def settled_screenshot(x, path, title):
    """Screenshot of the window titled ``title`` once two captures in a row are identical (GTK
    paints after the state change that the test waited for). At most ~10 tries."""
    wid = guitest.wait_for(lambda: window_id(x, title), STEP_TIMEOUT,
                           "an X window titled %r" % title)
    prev = None
    for _ in range(10):
        guitest.screenshot(x, path, window=wid)
        with open(path, "rb") as f:
            data = f.read()
        if data == prev:
            break
        prev = data
    return path


def dump_tree(app_acc, outdir, case):
    path = os.path.join(outdir, "%s.atspi-tree.txt" % case)
    try:
        text = atspi.describe(app_acc, into_tables=True, max_lines=2000)
    except Exception as e:
        text = "could not read the tree: %r" % e
    with open(path, "w") as f:
        f.write(text + "\n")
    return path


def processes_matching(needle):
    """Live (non-zombie) processes whose command line contains ``needle``: [(pid, cmdline)]."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
            with open("/proc/%s/stat" % d) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and needle in cmd:
            out.append((int(d), cmd))
    return out


def quit_app(x, app, app_acc, closes):
    """Close windows in order (accessible frame names; the last must be the main window, whose
    closing quits with --tray=none) through WM_DELETE_WINDOW; return the exit code."""
    for title in closes:
        wid = guitest.wait_for(lambda: window_id(x, title), STEP_TIMEOUT,
                               "an X window titled %r" % title)
        guitest.close_window(x, wid)
        if title != closes[-1]:
            atspi.wait_until(lambda: window(app_acc, title) is None, STEP_TIMEOUT,
                             "the window %r to close" % title)
    return guitest.wait_exit(app, STEP_TIMEOUT, "fixtray to exit after its main window closed")


# ---------------------------------------------------------------------------------------------
# Request Tracker


class RequestTracker:
    """A private RT through tests/services/rt.sh (or one already running when
    FIXTRAY_TEST_RT_URL is set). ``close()`` stops what was started here."""

    def __init__(self, outdir, case="escalate"):
        self.dir = None
        self.procs = guitest.Procs("rt")
        if os.environ.get("FIXTRAY_TEST_RT_URL"):
            self.env = {k: v for k, v in os.environ.items() if k.startswith("FIXTRAY_TEST_RT_")}
            self.env.setdefault("FIXTRAY_TEST_RT_USER", "fixtray")
            self.env.setdefault("FIXTRAY_TEST_RT_PASSWORD", "fixtray-pass")
            self.env.setdefault("FIXTRAY_TEST_RT_ADMIN_USER", "root")
            self.env.setdefault("FIXTRAY_TEST_RT_ADMIN_PASSWORD", "password")
            return
        # rt.sh runs RT as www-data when root: a directory straight from mkdtemp in /tmp.
        self.dir = tempfile.mkdtemp(prefix="rt.", dir="/tmp")
        _emergency_stops.append(self.close)
        log_name = "%s.rt-sh.log" % case
        log = open(os.path.join(outdir, log_name), "wb")
        try:
            p = self.procs.start([RT_SH, "start", self.dir], stdout=subprocess.PIPE, stderr=log)
        finally:
            log.close()
        try:
            out, _ = p.communicate(timeout=RT_START_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise CaseFailed("rt.sh start did not finish within %.0f s (see %s)"
                             % (RT_START_TIMEOUT, log_name)) from None
        if p.returncode != 0:
            raise CaseFailed("rt.sh start failed (%d), see %s" % (p.returncode, log_name))
        self.env = {}
        for line in out.decode().splitlines():
            if line.startswith("export ") and "=" in line:
                k, v = line[len("export "):].split("=", 1)
                self.env[k] = v.strip("'\"")
        check("FIXTRAY_TEST_RT_URL" in self.env, "rt.sh printed no URL: %r" % out)

    @property
    def url(self):
        return self.env["FIXTRAY_TEST_RT_URL"].rstrip("/")

    def get(self, path):
        """GET REST 2 ``path`` as RT's administrator; the decoded JSON."""
        auth = base64.b64encode(("%s:%s" % (self.env["FIXTRAY_TEST_RT_ADMIN_USER"],
                                            self.env["FIXTRAY_TEST_RT_ADMIN_PASSWORD"]))
                                .encode()).decode()
        req = urllib.request.Request(self.url + "/REST/2.0/" + path,
                                     headers={"Authorization": "Basic " + auth})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.loads(r.read().decode())
        except urllib.error.HTTPError as e:
            raise CaseFailed("RT GET %s: HTTP %d %s" % (path, e.code, e.read()[:300])) from None

    def close(self):
        if self.close in _emergency_stops:
            _emergency_stops.remove(self.close)
        if self.dir:
            subprocess.run([RT_SH, "stop", self.dir], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        self.procs.kill_all()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# case: escalate


def rt_machine(rt, policy):
    """A Machine whose requests go to this Request Tracker with the given escalation policy;
    returns it and the file holding RT's password."""
    machine = Machine({})
    password_file = machine.secret_file("rt.password", rt.env["FIXTRAY_TEST_RT_PASSWORD"])
    machine.write_config({
        "escalation": {
            "policy": policy,
            "backend": {"type": "rt", "url": rt.url, "queue": "General",
                        "user": rt.env["FIXTRAY_TEST_RT_USER"],
                        "password_file": password_file, "timeout": "60"},
            "email_domain": "example.com",
        }})
    return machine, password_file


def case_escalate(binary, outdir, timer):
    rt = RequestTracker(outdir)
    machine = None
    try:
        timer.mark("rt start")
        machine, _ = rt_machine(rt, "ask")
        comment = "The widget cache still fails after the fix (flow test %s)." % uuid.uuid4().hex
        with X() as x, session_bus(env=x.env) as bus:
            atspi.connect(bus, x.display)
            env = machine.env(dict(x.env, DBUS_SESSION_BUS_ADDRESS=bus))
            app, acc = start_app(x, binary, env, outdir, "escalate")
            try:
                detail = escalate_flow(x, app, acc, rt, comment, outdir, timer)
            except BaseException:
                dump_tree(acc, outdir, "escalate")
                with_suppressed(lambda: guitest.screenshot(
                    x, os.path.join(outdir, "escalate-failure.png")))
                raise
        return detail
    finally:
        rt.close()
        if machine:
            machine.close()


def with_suppressed(fn):
    try:
        fn()
    except Exception:
        pass


def escalate_flow(x, app, acc, rt, comment, outdir, timer):
    main = wait_window(acc, "fixtray", START_TIMEOUT)
    main_fn = lambda: window(acc, "fixtray")  # noqa: E731
    search = atspi.wait_find(main_fn, "text", "Search fixes", START_TIMEOUT)
    # The fix list is filled once the catalog is loaded (the status line says how many).
    atspi.wait_until(lambda: "fixes for this computer" in label_text(main, "Status") or
                     "fix for this computer" in label_text(main, "Status"),
                     START_TIMEOUT, "the status line to count the fixes")
    timer.mark("app up")

    atspi.set_text(search, "widget")
    tree = named_table(main, "Fixes")
    atspi.wait_until(
        lambda: [t for _, t in tree_rows(tree)] == ["Software", ESCALATE_FIX] and
        [t for _, t in tree_rows(tree)], STEP_TIMEOUT,
        "the 'Fixes' tree to show only the group 'Software' and %r" % ESCALATE_FIX)
    run_button = atspi.find(main, "push button", "Run this fix")
    # Select the group first (no fix chosen: Run is disabled), then the fix: the details and
    # Run follow the selection.
    tree_select(tree, "Software")
    atspi.wait_until(lambda: not atspi.enabled(run_button), STEP_TIMEOUT,
                     "'Run this fix' to be disabled with the group selected")
    tree_select(tree, ESCALATE_FIX)
    atspi.wait_until(lambda: atspi.enabled(run_button), STEP_TIMEOUT,
                     "'Run this fix' to be enabled with the fix selected")
    atspi.wait_until(lambda: atspi.find_all(main, "label", ESCALATE_FIX, only_showing=True),
                     STEP_TIMEOUT, "the details to show the fix's title")
    plan = atspi.text_of(atspi.find(main, "text", "What will this do?"))
    check("Rebuilding the widget cache" in plan, "the plan does not name the step: %r" % plan)
    settled_screenshot(x, os.path.join(outdir, "main-window.png"), "fixtray")
    timer.mark("search+select")

    atspi.press(run_button)
    run_title = ESCALATE_FIX + " - fixtray"
    run_win = wait_window(acc, run_title, STEP_TIMEOUT)
    run_fn = lambda: window(acc, run_title)  # noqa: E731
    wait_label(run_fn, "Result", "Not fixed.", STEP_TIMEOUT)
    # The result in plain words; what failed, as recorded for IT, under "Technical details".
    details = label_text(run_win, "Result details")
    check(details.startswith("The problem is still there."), "result details: %r" % details)
    technical = atspi.text_of(atspi.find(run_win, "label", "Technical details",
                                         only_showing=False))
    check("Rebuilding the widget cache" in technical, "technical details: %r" % technical)
    steps = list_rows(named_table(run_win, "Steps"))
    check(steps and steps[0][0] == "failed" and "Rebuilding the widget cache" in steps[0][1],
          "the Steps table: %r" % steps)
    help_button = atspi.wait_find(run_fn, "push button", "Get help from IT", STEP_TIMEOUT,
                                  enabled_too=True)
    settled_screenshot(x, os.path.join(outdir, "run-view.png"), run_title)
    # The output on demand: "Show output" makes the box (it is made on first use) and shows
    # what the selected step printed.
    atspi.press(atspi.find(run_win, "toggle button", "Show output"))
    atspi.select_row(named_table(run_fn(), "Steps"), 0)
    atspi.wait_until(lambda: "widget cache is locked" in atspi.text_of(
        atspi.find(run_fn(), "text", "Output of the step")), STEP_TIMEOUT,
        "'Output of the step' to show what the failed step printed")
    shown = atspi.text_of(atspi.find(run_fn(), "text", "Output of the step"))
    check("\\x1b[2Jcleared" in shown and "\x1b" not in shown,
          "the step's ESC [2J is shown as text, not passed on: %r" % shown)
    timer.mark("run")

    atspi.press(help_button)
    dlg_title = "Get help from IT - fixtray"
    dlg_fn = lambda: window(acc, dlg_title)  # noqa: E731
    dlg = wait_window(acc, dlg_title, STEP_TIMEOUT)
    atspi.wait_find(dlg_fn, "push button", "Send", COLLECT_TIMEOUT, enabled_too=True)
    status = label_text(dlg, "Request status")
    check(status.startswith("Ready."), "'Request status' once Send is enabled: %r" % status)
    timer.mark("collect")

    items = named_table(dlg, "Attached diagnostics")
    before = list_rows(items)
    titles = [r[0] for r in before]
    check(REMOVED_ITEM_TITLE in titles and "What was collected (the manifest)" in titles,
          "'Attached diagnostics' lacks the fix's item or the manifest: %s" % titles)
    remove = atspi.find(dlg, "push button", "Remove the item")
    # The manifest is not removable: selecting it leaves Remove disabled.
    atspi.select_row(items, titles.index("What was collected (the manifest)"))
    atspi.wait_until(lambda: atspi.selected_rows(items) ==
                     [titles.index("What was collected (the manifest)")], STEP_TIMEOUT,
                     "the manifest row to be selected")
    check(not atspi.enabled(remove), "'Remove the item' is enabled for the manifest")
    row = titles.index(REMOVED_ITEM_TITLE)
    atspi.select_row(items, row)
    atspi.wait_until(lambda: atspi.enabled(remove), STEP_TIMEOUT,
                     "'Remove the item' to be enabled for %r" % REMOVED_ITEM_TITLE)
    access_keys(dlg_fn())   # every button has its own access key
    # The item as it will be sent, in a window a screen reader reads.
    atspi.press(atspi.find(dlg_fn(), "push button", "View the item"))
    view = atspi.wait_until(lambda: next((w for w in atspi.children(acc) if atspi.showing(w) and
                                          atspi.name(w).endswith(" - as it will be sent")), None),
                            STEP_TIMEOUT, "the window showing the item")
    shown = atspi.text_of(atspi.find(view, "text", "Item text"))
    check(len(shown) > 0, "the item's window shows no text")
    atspi.press(atspi.find(view, "push button", "Close"))
    atspi.wait_until(lambda: not any(atspi.showing(w) and
                                     atspi.name(w).endswith(" - as it will be sent")
                                     for w in atspi.children(acc)),
                     STEP_TIMEOUT, "the item's window to close")
    atspi.press(remove)
    after = atspi.wait_until(lambda: (lambda r: r if len(r) == len(before) - 1 else None)(
        list_rows(named_table(dlg_fn(), "Attached diagnostics"))), STEP_TIMEOUT,
        "'Attached diagnostics' to have %d rows (it had %d)" % (len(before) - 1, len(before)))
    after_titles = [r[0] for r in after]
    check(REMOVED_ITEM_TITLE not in after_titles and
          sorted(after_titles + [REMOVED_ITEM_TITLE]) == sorted(titles),
          "after Remove: %s (before: %s)" % (after_titles, titles))

    # A password typed into the comment: Send masks it and says so first (a message window,
    # opened after the click, read and closed through AT-SPI), and sends nothing yet.
    secret = "Hunter2-%s" % uuid.uuid4().hex[:8]
    comment_box = atspi.find(dlg, "text", "Your comment")
    atspi.set_text(comment_box, "my password=%s" % secret)
    atspi.press(atspi.find(dlg_fn(), "push button", "Send"))
    told = atspi.wait_until(lambda: question(acc, ["OK"]), STEP_TIMEOUT,
                            "the message that the comment was masked")
    said = " ".join(atspi.text_of(lbl) for lbl in atspi.find_all(told, "label",
                                                                  only_showing=True))
    check("looked like a password" in said, "the message says %r" % said)
    atspi.press(atspi.find(told, "push button", "OK"))
    atspi.wait_until(lambda: question(acc, ["OK"]) is None, STEP_TIMEOUT,
                     "the message to close")
    masked = atspi.text_of(atspi.find(dlg_fn(), "text", "Your comment"))
    check(secret not in masked and "***" in masked, "the comment after Send: %r" % masked)
    check(not label_text(dlg_fn(), "Request status").startswith("Sent"),
          "the request was sent with a masked comment before the employee saw it")
    comment_box = atspi.find(dlg_fn(), "text", "Your comment")
    atspi.set_text(comment_box, comment)
    atspi.wait_until(lambda: atspi.text_of(atspi.find(dlg_fn(), "text", "Your comment"))
                     == comment, STEP_TIMEOUT, "'Your comment' to hold the comment")
    email = atspi.text_of(atspi.find(dlg, "text", "Your e-mail address"))
    check(email.endswith("@example.com"), "the e-mail field: %r" % email)
    settled_screenshot(x, os.path.join(outdir, "escalation.png"), dlg_title)
    timer.mark("review")

    atspi.press(atspi.find(dlg_fn(), "push button", "Send"))
    sent = wait_label(dlg_fn, "Request status", "Sent to your help desk as ticket ",
                      SEND_TIMEOUT, prefix=True)
    check(sent.endswith("."), "request status: %r" % sent)
    ticket = sent[len("Sent to your help desk as ticket "):-1]
    check(ticket.isdigit(), "ticket id %r in %r" % (ticket, sent))
    timer.mark("send")

    rt_detail, members = check_ticket(rt, ticket, comment, outdir)
    with open(os.path.join(outdir, "escalate-items.txt"), "w") as f:
        f.write("Attached diagnostics before Remove:\n%s\n\nafter Remove of %r:\n%s\n\n"
                "ticket %s, bundle members:\n%s\n"
                % ("\n".join("  %s  (%s)" % tuple(r) for r in before), REMOVED_ITEM_TITLE,
                   "\n".join("  %s  (%s)" % tuple(r) for r in after), ticket,
                   "\n".join("  " + m for m in members)))
    timer.mark("rt check")

    # Leave cleanly: the dialog's Close (Send's Cancel button renamed), then the windows.
    close = atspi.wait_find(dlg_fn, "push button", "Close", STEP_TIMEOUT, enabled_too=True)
    atspi.press(close)
    atspi.wait_until(lambda: dlg_fn() is None, STEP_TIMEOUT, "the dialog to close")
    atspi.press(atspi.find(run_fn(), "push button", "Close"))
    atspi.wait_until(lambda: run_fn() is None, STEP_TIMEOUT, "the run window to close")
    rc = quit_app(x, app, acc, ["fixtray"])
    check_exit(rc, outdir, "escalate", "fixtray exited %s after its main window closed, expected 0")
    left = guitest.leftovers(x.procs.token)
    check(not left, "processes left after fixtray exited: %s" % left)
    timer.mark("quit")
    return "ticket %s: %s; items %d -> %d" % (ticket, rt_detail, len(before), len(after))


def ticket_parts(rt, ticket, outdir, case, fix_title=ESCALATE_FIX):
    """Ticket ``ticket`` as RT's REST 2 API has it, after checking that it is in queue General
    and that its subject names the failing fix, and that it has exactly one .tar.gz attachment
    (saved as OUTDIR/<case>-bundle.tar.gz). Returns (decoded text parts, bundle file name,
    bundle bytes, {member name: text} of the bundle)."""
    t = rt.get("ticket/%s" % ticket)
    queue = t.get("Queue") or {}
    qname = rt.get("queue/%s" % queue.get("id"))["Name"] if queue.get("id") else None
    check(qname == "General", "ticket %s is in queue %r, expected General" % (ticket, qname))
    subject = t.get("Subject", "")
    check(fix_title in subject, "ticket subject %r does not name the fix" % subject)

    listing = rt.get("ticket/%s/attachments?fields=Filename,ContentType,ContentLength&per_page=100"
                     % ticket)
    atts = listing.get("items", [])
    texts, bundles = [], []
    for a in atts:
        full = rt.get("attachment/%s" % a["id"])
        raw = base64.b64decode(full.get("Content") or "")
        ctype = (full.get("ContentType") or "").lower()
        fname = full.get("Filename") or ""
        if fname.endswith(".tar.gz") or ctype in ("application/gzip", "application/x-gzip",
                                                   "application/x-compressed-tar"):
            bundles.append((fname, raw))
        elif ctype.startswith("text/"):
            texts.append(raw.decode(errors="replace"))
    check(len(bundles) == 1, "ticket %s has %d .tar.gz attachments (%s), expected 1"
          % (ticket, len(bundles), [a.get("Filename") for a in atts]))
    fname, raw = bundles[0]
    with open(os.path.join(outdir, "%s-bundle.tar.gz" % case), "wb") as f:
        f.write(raw)
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as tf:
        members = {m.name: tf.extractfile(m).read().decode(errors="replace")
                   for m in tf.getmembers() if m.isfile()}
    return texts, fname, raw, members


def check_ticket(rt, ticket, comment, outdir):
    texts, fname, raw, members = ticket_parts(rt, ticket, outdir, "escalate")
    check(any(comment in t for t in texts),
          "the comment is in none of the ticket's %d text parts" % len(texts))
    names = [os.path.basename(n) for n in members]
    check("manifest.json" in names, "the bundle has no manifest.json: %s" % names)
    check(KEPT_ITEM_FILE in names, "the bundle lacks %s (not removed): %s"
          % (KEPT_ITEM_FILE, names))
    check(REMOVED_ITEM_FILE not in names, "the removed item %s is in the bundle: %s"
          % (REMOVED_ITEM_FILE, names))
    leaked = [n for n, text in members.items()
              if REMOVED_ITEM_TEXT in text and not n.endswith("manifest.json")]
    check(not leaked, "the removed item's text is in %s" % leaked)
    # The manifest says the employee removed it (it keeps what ran, not what it printed).
    manifest = json.loads(next(t for n, t in members.items() if n.endswith("manifest.json")))
    entry = [i for i in manifest.get("items", []) if i.get("name") == "widget-cache-listing"]
    check(len(entry) == 1 and entry[0].get("removed") is True and not entry[0].get("file"),
          "the manifest's entry for the removed item: %s" % entry)
    return "queue General, comment found, %s (%d bytes, %d files, no %s)" % (
        fname, len(raw), len(names), REMOVED_ITEM_FILE), sorted(members)


# ---------------------------------------------------------------------------------------------
# case: cancel


def case_cancel(binary, outdir, timer):
    # A sleep time no other process uses: "300.<9 random digits>".
    marker = "300.%09d" % (uuid.uuid4().int % 10**9)
    machine = Machine({"site": {"flow_marker": marker}, "escalation": {"policy": "off"}})
    needle = "sleep " + marker
    try:
        with X() as x, session_bus(env=x.env) as bus:
            atspi.connect(bus, x.display)
            env = machine.env(dict(x.env, DBUS_SESSION_BUS_ADDRESS=bus))
            app, acc = start_app(x, binary, env, outdir, "cancel")
            try:
                return cancel_flow(x, app, acc, needle, outdir, timer)
            except BaseException:
                dump_tree(acc, outdir, "cancel")
                with_suppressed(lambda: guitest.screenshot(
                    x, os.path.join(outdir, "cancel-failure.png")))
                raise
    finally:
        machine.close()
        # Whatever happened, no sleep of ours outlives the test.
        for pid, _ in processes_matching(needle):
            with_suppressed(lambda: os.kill(pid, 9))


def cancel_flow(x, app, acc, needle, outdir, timer):
    run_title, run_fn, sleeps = start_slow_fix(acc, needle, timer)

    cancel = atspi.wait_find(run_fn, "push button", "Cancel the fix", STEP_TIMEOUT,
                             enabled_too=True)
    atspi.press(cancel)
    wait_label(run_fn, "Result", "Cancelled.", STEP_TIMEOUT)
    timer.mark("cancelled")
    guitest.wait_for(lambda: not processes_matching(needle), KILL_TIMEOUT,
                     "no process %r after the cancel (were: %s)" % (needle, sleeps))
    check(not atspi.enabled(atspi.find(run_fn(), "push button", "Cancel the fix",
                                       only_showing=False)),
          "'Cancel the fix' is still enabled after the run ended")
    timer.mark("sleeps gone")
    settled_screenshot(x, os.path.join(outdir, "cancelled.png"), run_title)

    rc = quit_app(x, app, acc, [run_title, "fixtray"])
    check_exit(rc, outdir, "cancel", "fixtray exited %s after its windows closed, expected 0")
    guitest.wait_for(lambda: not guitest.leftovers(x.procs.token), KILL_TIMEOUT,
                     "no process of the app's to be left")
    check(not processes_matching(needle), "a sleep with the marker is back")
    timer.mark("quit")
    return "killed %d sleeps (%s), exit 0, nothing left" % (len(sleeps), needle)


def start_slow_fix(acc, needle, timer):
    """In the (open) main window: search "slow service", select the slow fix, "Run this fix",
    and wait until both of its sleeps run. Returns (run window title, a callable giving the run
    window, the sleeps as [(pid, command line)])."""
    main = wait_window(acc, "fixtray", START_TIMEOUT)
    search = atspi.wait_find(lambda: window(acc, "fixtray"), "text", "Search fixes",
                             START_TIMEOUT)
    atspi.wait_until(lambda: "for this computer" in label_text(main, "Status"), START_TIMEOUT,
                     "the status line to count the fixes")
    timer.mark("app up")
    atspi.set_text(search, "slow service")
    tree = named_table(main, "Fixes")
    atspi.wait_until(lambda: CANCEL_FIX in [t for _, t in tree_rows(tree)], STEP_TIMEOUT,
                     "%r in the 'Fixes' tree" % CANCEL_FIX)
    tree_select(tree, CANCEL_FIX)
    run_button = atspi.find(main, "push button", "Run this fix")
    atspi.wait_until(lambda: atspi.enabled(run_button) and
                     atspi.find_all(main, "label", CANCEL_FIX, only_showing=True),
                     STEP_TIMEOUT, "the fix's details and an enabled 'Run this fix'")
    atspi.press(run_button)
    run_title = CANCEL_FIX + " - fixtray"
    run_fn = lambda: window(acc, run_title)  # noqa: E731
    run_win = wait_window(acc, run_title, STEP_TIMEOUT)
    # Both sleeps (the background one and the foreground one) run.
    sleeps = atspi.wait_until(lambda: (lambda p: p if len(p) >= 2 else None)(
        processes_matching(needle)), STEP_TIMEOUT, "two processes %r" % needle)
    check(label_text(run_win, "Result") == "Working on it...",
          "'Result' while the step runs: %r" % label_text(run_win, "Result"))
    timer.mark("run started")
    return run_title, run_fn, sleeps


# ---------------------------------------------------------------------------------------------
# case: quit


SLOW_FIX_ID = "wait-slow-service"
QUIT_TITLE = "Quit fixtray?"
STOP_AND_QUIT = "Stop the fix and quit"
KEEP_RUNNING = "Keep running"


def case_quit(binary, outdir, timer):
    marker = "300.%09d" % (uuid.uuid4().int % 10**9)
    machine = Machine({"site": {"flow_marker": marker}, "escalation": {"policy": "off"}})
    needle = "sleep " + marker
    # The watcher is not the app's: its own set, so that "no process of the app's is left"
    # (x.procs) does not count it, and it is stopped on every path.
    watcher_procs = guitest.Procs("sni-watcher")
    try:
        with X() as x, session_bus(env=x.env) as bus:
            atspi.connect(bus, x.display)
            import sni_watcher   # after connect: it imports dbus and GLib
            # The subprocess form: the thread form runs a GLib loop on the default context,
            # which atspi.pump() iterates too.
            watcher = sni_watcher.Watcher.start_process(bus, timeout=STEP_TIMEOUT, env=x.env,
                                                        popen=watcher_procs.start)
            with watcher, sni_watcher.SniClient(bus, call_timeout=60.0) as client:
                env = machine.env(dict(x.env, DBUS_SESSION_BUS_ADDRESS=bus))
                app, acc = start_app(x, binary, env, outdir, "quit", tray="sni")
                try:
                    return quit_flow(x, app, acc, client, machine, needle, outdir, timer)
                except BaseException:
                    dump_tree(acc, outdir, "quit")
                    with_suppressed(lambda: guitest.screenshot(
                        x, os.path.join(outdir, "quit-failure.png")))
                    raise
    finally:
        watcher_procs.kill_all()
        machine.close()
        for pid, _ in processes_matching(needle):
            with_suppressed(lambda: os.kill(pid, 9))


def sni_menu_labels(client, item):
    """The visible top-level entries of the item's menu, without mnemonic underscores."""
    import sni_watcher
    return [sni_watcher._strip_mnemonic(c.label)
            for c in client.menu_layout(item).children if c.visible and c.label]


def wait_menu(client, item, want, timeout, what):
    """Poll the item's menu until ``want(labels)`` holds; return the labels. The app exports a
    new menu when its state changes: a read that meets the old one gone is retried."""
    import sni_watcher
    last = []

    def read():
        last[:] = sni_menu_labels(client, item)
        return list(last) if want(last) else None
    try:
        return guitest.wait_for(read, timeout, what,
                                ignore=(sni_watcher.dbus.exceptions.DBusException,))
    except TimeoutError as e:
        raise TimeoutError("%s; the menu reads %s" % (e, last)) from None


def sni_click(client, item, label):
    """Click a menu entry over dbusmenu, retrying while the entry is missing or the menu was
    replaced under the call (dbusmenu answers an error for an id it no longer has, so a retry
    never clicks twice)."""
    import sni_watcher
    return guitest.wait_for(lambda: ("clicked", client.click(item, label)), STEP_TIMEOUT,
                            "a click on %r in the tray menu" % label,
                            ignore=(sni_watcher.dbus.exceptions.DBusException, LookupError))


def question(app_acc, buttons):
    """The showing top-level (alert, dialog or frame) of the app holding push buttons with all
    of these names, or None."""
    for w in atspi.children(app_acc):
        if atspi.role(w) not in ("alert", "dialog") + TOP_LEVEL_ROLES or not atspi.showing(w):
            continue
        names = {atspi.name(b) for b in atspi.find_all(w, "push button", only_showing=True)}
        if all(b in names for b in buttons):
            return w
    return None


def audit_lines(machine):
    """The app's audit log (fixtray_state_dir: $XDG_STATE_HOME, else HOME/.local/state, then
    fixtray/audit.jsonl; the app runs without XDG_STATE_HOME) as parsed JSON lines."""
    path = os.path.join(machine.home, ".local", "state", "fixtray", "audit.jsonl")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def quit_flow(x, app, acc, client, machine, needle, outdir, timer):
    item = client.wait_for_item(START_TIMEOUT, lambda i: i.endswith("/fixtray"))
    # The catalog loads on a worker; the menu has the fix groups once it is there.
    wait_menu(client, item, lambda l: "Open fixtray" in l and "Quit" in l and "Software" in l,
              START_TIMEOUT, "the tray menu with 'Open fixtray', the group 'Software', 'Quit'")
    check(window(acc, "fixtray") is None, "the main window is open before anything was clicked")
    timer.mark("tray up")

    sni_click(client, item, "Open fixtray")
    run_title, run_fn, sleeps = start_slow_fix(acc, needle, timer)
    pids = sorted(p for p, _ in sleeps)
    # While a fix runs the exported menu offers to show it.
    show_run = "Show the running fix..." in wait_menu(
        client, item, lambda l: "Quit" in l and "Show the running fix..." in l, STEP_TIMEOUT,
        "'Show the running fix...' in the tray menu during the run")

    # Quit, then "Keep running": nothing stops.
    sni_click(client, item, "Quit")
    ask = atspi.wait_until(lambda: question(acc, (STOP_AND_QUIT, KEEP_RUNNING)), STEP_TIMEOUT,
                           "the question with %r and %r" % (STOP_AND_QUIT, KEEP_RUNNING))
    ask_role, ask_name = atspi.role(ask), atspi.name(ask)
    texts = [atspi.text_of(l) for l in atspi.find_all(ask, "label", only_showing=True)]
    check(any(CANCEL_FIX in t and "still running" in t for t in texts),
          "the question's text does not name the running fix: %r" % texts)
    # A screen reader announces it by its title.
    check(ask_role == "alert" and ask_name == QUIT_TITLE,
          "the question is %s %r, expected an alert named %r" % (ask_role, ask_name, QUIT_TITLE))
    settled_screenshot(x, os.path.join(outdir, "quit-question.png"), QUIT_TITLE)
    timer.mark("asked")
    atspi.press(atspi.find(ask, "push button", KEEP_RUNNING))
    atspi.wait_until(lambda: question(acc, (STOP_AND_QUIT, KEEP_RUNNING)) is None, STEP_TIMEOUT,
                     "the question to go after %r" % KEEP_RUNNING)
    # Still there: the app, its tray item with a menu that answers, the run, the same sleeps.
    check(app.poll() is None, "fixtray exited (%s) after %r" % (app.returncode, KEEP_RUNNING))
    check(item in client.items(), "the tray item left after %r" % KEEP_RUNNING)
    wait_menu(client, item, lambda l: "Quit" in l, STEP_TIMEOUT,
              "the tray menu to answer after %r" % KEEP_RUNNING)
    now = sorted(p for p, _ in processes_matching(needle))
    check(now == pids, "the sleeps changed after %r: %s, were %s" % (KEEP_RUNNING, now, pids))
    check(label_text(run_fn(), "Result") == "Working on it...",
          "'Result' after %r: %r" % (KEEP_RUNNING, label_text(run_fn(), "Result")))
    check(window(acc, "fixtray") is not None, "the main window went after %r" % KEEP_RUNNING)
    timer.mark("kept running")

    # Quit again, "Stop the fix and quit": the run is cancelled, the app exits 0.
    sni_click(client, item, "Quit")
    ask = atspi.wait_until(lambda: question(acc, (STOP_AND_QUIT, KEEP_RUNNING)), STEP_TIMEOUT,
                           "the question again")
    atspi.press(atspi.find(ask, "push button", STOP_AND_QUIT))
    rc = guitest.wait_exit(app, EXIT_TIMEOUT, "fixtray to exit after %r" % STOP_AND_QUIT)
    check(rc == 0, "fixtray exited %s after %r, expected 0" % (rc, STOP_AND_QUIT))
    timer.mark("exited")
    guitest.wait_for(lambda: not processes_matching(needle), KILL_TIMEOUT,
                     "no process %r after fixtray exited (were: %s)" % (needle, sleeps))
    guitest.wait_for(lambda: not guitest.leftovers(x.procs.token), KILL_TIMEOUT,
                     "no process of the app's to be left (left: %s)"
                     % guitest.leftovers(x.procs.token))
    client.wait_for_no_item(item, STEP_TIMEOUT)
    timer.mark("nothing left")

    runs = [r for r in audit_lines(machine) if r.get("fix_id") == SLOW_FIX_ID]
    check(len(runs) == 1, "the audit log has %d runs of %s, expected 1: %s"
          % (len(runs), SLOW_FIX_ID, runs))
    run = runs[0]
    check(run.get("outcome") == "cancelled",
          "the audit log's outcome is %r, expected 'cancelled': %s" % (run.get("outcome"), run))
    return ("question %s %r; %r kept the app and sleeps %s; %r: exit 0, sleeps gone, item gone, "
            "nothing left; audit run %s outcome %s (%s); tray menu during the run %s "
            "'Show the running fix...'"
            % (ask_role, ask_name, KEEP_RUNNING, pids, STOP_AND_QUIT, run.get("run_id"),
               run.get("outcome"), run.get("message"), "had" if show_run else "lacked"))


# ---------------------------------------------------------------------------------------------
# case: signal


def case_signal(binary, outdir, timer):
    """SIGTERM (logout, shutdown) while a fix runs: the app quits as "Stop the fix and quit"
    does, without asking. Twice: with only the windows open, and with a message open in its own
    modal loop ("A fix is running...", from pressing "Run this fix" again)."""
    marker = "300.%09d" % (uuid.uuid4().int % 10**9)
    machine = Machine({"site": {"flow_marker": marker}, "escalation": {"policy": "off"}})
    needle = "sleep " + marker
    said = []
    try:
        with X() as x, session_bus(env=x.env) as bus:
            atspi.connect(bus, x.display)
            env = machine.env(dict(x.env, DBUS_SESSION_BUS_ADDRESS=bus))
            for n, modal in enumerate((False, True)):
                tag = "signal-modal" if modal else "signal"
                app, acc = start_app(x, binary, env, outdir, tag)
                try:
                    _, _, sleeps = start_slow_fix(acc, needle, timer)
                    if modal:
                        main = wait_window(acc, "fixtray", STEP_TIMEOUT)
                        atspi.press(atspi.find(main, "push button", "Run this fix"))
                        atspi.wait_until(lambda: question(acc, ("OK",)), STEP_TIMEOUT,
                                         "the message that a fix is running")
                        timer.mark("message open")
                    app.send_signal(signal.SIGTERM)
                    rc = guitest.wait_exit(app, EXIT_TIMEOUT, "fixtray to exit after SIGTERM")
                except BaseException:
                    dump_tree(acc, outdir, tag)
                    with_suppressed(lambda: guitest.screenshot(
                        x, os.path.join(outdir, "%s-failure.png" % tag)))
                    raise
                check(rc == 0, "fixtray exited %s after SIGTERM (%s), expected 0" % (rc, tag))
                guitest.wait_for(lambda: not processes_matching(needle), KILL_TIMEOUT,
                                 "no process %r after SIGTERM (were: %s)" % (needle, sleeps))
                guitest.wait_for(lambda: not guitest.leftovers(x.procs.token), KILL_TIMEOUT,
                                 "no process of the app's to be left (left: %s)"
                                 % guitest.leftovers(x.procs.token))
                runs = [r for r in audit_lines(machine) if r.get("fix_id") == SLOW_FIX_ID]
                check(len(runs) == n + 1 and runs[-1].get("outcome") == "cancelled",
                      "the audit log's runs of %s after SIGTERM (%s): %s, expected %d, the last "
                      "cancelled" % (SLOW_FIX_ID, tag, runs, n + 1))
                said.append("%s: exit 0, sleeps %s gone, run %s cancelled"
                            % ("with a message open" if modal else "windows only",
                               sorted(p for p, _ in sleeps), runs[-1].get("run_id")))
                timer.mark(tag + " done")
        return "; ".join(said)
    finally:
        machine.close()
        for pid, _ in processes_matching(needle):
            with_suppressed(lambda: os.kill(pid, 9))


# ---------------------------------------------------------------------------------------------
# case: automatic


def case_automatic(binary, outdir, timer):
    rt = RequestTracker(outdir, "automatic")
    machine = None
    try:
        timer.mark("rt start")
        machine, _ = rt_machine(rt, "automatic")
        with X() as x, session_bus(env=x.env) as bus:
            atspi.connect(bus, x.display)
            env = machine.env(dict(x.env, DBUS_SESSION_BUS_ADDRESS=bus))
            app, acc = start_app(x, binary, env, outdir, "automatic")
            try:
                return automatic_flow(x, app, acc, rt, outdir, timer)
            except BaseException:
                dump_tree(acc, outdir, "automatic")
                with_suppressed(lambda: guitest.screenshot(
                    x, os.path.join(outdir, "automatic-failure.png")))
                raise
    finally:
        rt.close()
        if machine:
            machine.close()


def automatic_flow(x, app, acc, rt, outdir, timer):
    main = wait_window(acc, "fixtray", START_TIMEOUT)
    main_fn = lambda: window(acc, "fixtray")  # noqa: E731
    search = atspi.wait_find(main_fn, "text", "Search fixes", START_TIMEOUT)
    atspi.wait_until(lambda: "for this computer" in label_text(main, "Status"), START_TIMEOUT,
                     "the status line to count the fixes")
    timer.mark("app up")
    atspi.set_text(search, "widget")
    tree = named_table(main, "Fixes")
    atspi.wait_until(lambda: ESCALATE_FIX in [t for _, t in tree_rows(tree)], STEP_TIMEOUT,
                     "%r in the 'Fixes' tree" % ESCALATE_FIX)
    tree_select(tree, ESCALATE_FIX)
    run_button = atspi.find(main, "push button", "Run this fix")
    atspi.wait_until(lambda: atspi.enabled(run_button) and
                     atspi.find_all(main, "label", ESCALATE_FIX, only_showing=True),
                     STEP_TIMEOUT, "the fix's details and an enabled 'Run this fix'")
    atspi.press(run_button)   # the last thing the test presses until the ticket is sent
    run_title = ESCALATE_FIX + " - fixtray"
    run_fn = lambda: window(acc, run_title)  # noqa: E731
    wait_window(acc, run_title, STEP_TIMEOUT)
    wait_label(run_fn, "Result", "Not fixed.", STEP_TIMEOUT)
    timer.mark("run")

    dlg_title = "Get help from IT - fixtray"
    dlg_fn = lambda: window(acc, dlg_title)  # noqa: E731
    dlg = wait_window(acc, dlg_title, STEP_TIMEOUT)

    def intro():
        return [atspi.text_of(l) for l in atspi.find_all(dlg, "label", only_showing=True)
                if "send a request automatically" in atspi.text_of(l)]
    check(atspi.wait_until(intro, STEP_TIMEOUT, "the dialog's intro"),
          "no label of the dialog says that the settings send automatically")
    # The destination joins the intro once the session is set up, on the dialog's worker.
    atspi.wait_until(lambda: any(rt.url in t or "It goes to:" in t for t in intro()),
                     STEP_TIMEOUT, "the intro to say where the request goes")
    timer.mark("dialog opened")

    # Collect and send by themselves; note the statuses on the way.
    prefix = "Sent to your help desk as ticket "
    seen = []

    failed = ("Not sent", "The request could not be prepared")

    def settled():   # sent, or an error it will not get over by itself
        t = label_text(dlg_fn(), "Request status")
        if not seen or seen[-1] != t:
            seen.append(t)
        return t if t.startswith(prefix) or t.startswith(failed) else None
    try:
        status = atspi.wait_until(settled, COLLECT_TIMEOUT + SEND_TIMEOUT,
                                  "'Request status' to say %r..." % prefix)
    except TimeoutError as e:
        raise TimeoutError("%s; statuses seen: %s" % (e, seen)) from None
    check(status.startswith(prefix), "the dialog says %r (statuses seen: %s)" % (status, seen))
    check(status.endswith("."), "request status: %r" % status)
    ticket = status[len(prefix):-1]
    check(ticket.isdigit(), "ticket id %r in %r" % (ticket, status))
    close = atspi.wait_find(dlg_fn, "push button", "Close", STEP_TIMEOUT, enabled_too=True)
    check(not atspi.find_all(dlg_fn(), "push button", "Send", only_showing=True),
          "'Send' still shows after the request was sent")
    settled_screenshot(x, os.path.join(outdir, "automatic.png"), dlg_title)
    timer.mark("collect+send")

    texts, fname, raw, members = ticket_parts(rt, ticket, outdir, "automatic")
    names = sorted(os.path.basename(n) for n in members)
    for want in ("manifest.json", REMOVED_ITEM_FILE, KEPT_ITEM_FILE):
        check(want in names, "the bundle lacks %s: %s" % (want, names))
    timer.mark("rt check")

    atspi.press(close)
    atspi.wait_until(lambda: dlg_fn() is None, STEP_TIMEOUT, "the dialog to close")
    atspi.press(atspi.find(run_fn(), "push button", "Close"))
    atspi.wait_until(lambda: run_fn() is None, STEP_TIMEOUT, "the run window to close")
    rc = quit_app(x, app, acc, ["fixtray"])
    check_exit(rc, outdir, "automatic", "fixtray exited %s after its main window closed, expected 0")
    guitest.wait_for(lambda: not guitest.leftovers(x.procs.token), KILL_TIMEOUT,
                     "no process of the app's to be left")
    timer.mark("quit")
    return "no press after Run; statuses %s; ticket %s: queue General, %s (%d bytes, %d files)" % (
        seen, ticket, fname, len(raw), len(names))


# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# case: confirm


CONFIRM_FIX = "Restart the gizmo"
CONFIRM_TEXT = "The gizmo stops for a moment while it restarts."
RUN_IT = "Run the fix"
DONT_RUN = "Don't run it"


def case_confirm(binary, outdir, timer):
    machine = Machine({"escalation": {"policy": "off"}})
    try:
        with X() as x, session_bus(env=x.env) as bus:
            atspi.connect(bus, x.display)
            env = machine.env(dict(x.env, DBUS_SESSION_BUS_ADDRESS=bus))
            app, acc = start_app(x, binary, env, outdir, "confirm")
            try:
                return confirm_flow(x, app, acc, machine, outdir, timer)
            except BaseException:
                dump_tree(acc, outdir, "confirm")
                with_suppressed(lambda: guitest.screenshot(
                    x, os.path.join(outdir, "confirm-failure.png")))
                raise
    finally:
        machine.close()


def confirm_flow(x, app, acc, machine, outdir, timer):
    main = wait_window(acc, "fixtray", START_TIMEOUT)
    search = atspi.wait_find(lambda: window(acc, "fixtray"), "text", "Search fixes",
                             START_TIMEOUT)
    atspi.wait_until(lambda: "for this computer" in label_text(main, "Status"), START_TIMEOUT,
                     "the status line to count the fixes")
    timer.mark("app up")
    atspi.set_text(search, "gizmo")
    tree = named_table(main, "Fixes")
    atspi.wait_until(lambda: CONFIRM_FIX in [t for _, t in tree_rows(tree)], STEP_TIMEOUT,
                     "%r in the 'Fixes' tree" % CONFIRM_FIX)
    tree_select(tree, CONFIRM_FIX)
    run_button = atspi.find(main, "push button", "Run this fix")
    atspi.wait_until(lambda: atspi.enabled(run_button) and
                     atspi.find_all(main, "label", CONFIRM_FIX, only_showing=True),
                     STEP_TIMEOUT, "the fix's details and an enabled 'Run this fix'")
    title = CONFIRM_FIX + " - fixtray"
    marker = os.path.join(machine.home, "gizmo-restarted")

    def ask():
        atspi.press(run_button)
        q = atspi.wait_until(lambda: question(acc, (RUN_IT, DONT_RUN)), STEP_TIMEOUT,
                             "the question with %r and %r" % (RUN_IT, DONT_RUN))
        check(atspi.role(q) == "alert" and atspi.name(q) == title,
              "the question is %s %r, expected an alert named %r"
              % (atspi.role(q), atspi.name(q), title))
        texts = [atspi.text_of(l) for l in atspi.find_all(q, "label", only_showing=True)]
        check(any(CONFIRM_TEXT in t for t in texts) and
              any(("Run \"%s\"?" % CONFIRM_FIX) in t for t in texts),
              "the question does not ask to run the fix with its confirm text: %r" % texts)
        return q

    # "Don't run it": nothing runs, nothing is recorded.
    q = ask()
    settled_screenshot(x, os.path.join(outdir, "confirm-question.png"), title)
    atspi.press(atspi.find(q, "push button", DONT_RUN))
    atspi.wait_until(lambda: question(acc, (RUN_IT, DONT_RUN)) is None, STEP_TIMEOUT,
                     "the question to go after %r" % DONT_RUN)
    timer.mark("declined")
    # The run would have started at once: its window, its file and its audit line would be
    # there by now if anything had run (the window opens on the next turn of the event loop).
    atspi.wait_until(lambda: atspi.enabled(run_button), STEP_TIMEOUT,
                     "'Run this fix' to be back")
    check(window(acc, title) is None, "a run window opened after %r" % DONT_RUN)
    check(not os.path.exists(marker), "the fix ran after %r" % DONT_RUN)
    check(not audit_lines(machine), "a run was recorded after %r: %s"
          % (DONT_RUN, audit_lines(machine)))

    # "Run the fix": it runs.
    q = ask()
    atspi.press(atspi.find(q, "push button", RUN_IT))
    run_fn = lambda: window(acc, title)  # noqa: E731
    wait_window(acc, title, STEP_TIMEOUT)
    wait_label(run_fn, "Result", "Fixed.", STEP_TIMEOUT)
    timer.mark("ran")
    with open(marker) as f:
        check(f.read().strip() == "restarted", "the step's file: %r" % marker)
    runs = atspi.wait_until(lambda: audit_lines(machine) or None, STEP_TIMEOUT,
                            "the run in the audit log")
    check(len(runs) == 1 and runs[0].get("fix_id") == "restart-gizmo" and
          runs[0].get("outcome") == "fixed", "the audit log: %s" % runs)

    # The pack replaced after the list was loaded, by one of the same size and modification
    # time (all the watcher compares): the tray reads the pack again before it runs anything,
    # sees other bytes than it listed (and checked policy on), runs nothing and says so.
    pack = os.path.join(machine.etc, "packs", "flow.xml")
    st = os.stat(pack)
    with open(pack) as f:
        xml = f.read()
    replaced = xml.replace("echo restarted >", "echo replaced! >")
    check(replaced != xml and len(replaced) == len(xml), "the flow pack's step changed in place")
    with open(pack, "w") as f:
        f.write(replaced)
    os.utime(pack, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.remove(marker)
    atspi.wait_until(lambda: atspi.enabled(run_button), STEP_TIMEOUT, "'Run this fix' again")
    atspi.press(run_button)
    told = atspi.wait_until(lambda: question(acc, ("OK",)), STEP_TIMEOUT,
                            "a message instead of the question")
    texts = " ".join(atspi.text_of(l) for l in atspi.find_all(told, "label", only_showing=True))
    check("changed since the list was loaded" in texts and pack in texts,
          "the message does not say the fix changed (naming %s): %r" % (pack, texts))
    check(question(acc, (RUN_IT, DONT_RUN)) is None, "the question was asked for changed bytes")
    guitest.screenshot(x, os.path.join(outdir, "confirm-changed-pack.png"))
    atspi.press(atspi.find(told, "push button", "OK"))
    atspi.wait_until(lambda: question(acc, ("OK",)) is None, STEP_TIMEOUT, "the message to go")
    check(not os.path.exists(marker), "a step of the replaced pack ran")
    check(len(audit_lines(machine)) == 1, "a run was recorded for the replaced pack: %s"
          % audit_lines(machine))
    timer.mark("replaced pack refused")

    rc = quit_app(x, app, acc, [title, "fixtray"])
    check_exit(rc, outdir, "confirm", "fixtray exited %s after its windows closed, expected 0")
    return ("declined: nothing ran or was recorded; confirmed: fixed, one audit line; pack "
            "replaced in place after listing: nothing ran, the employee is told")


# ---------------------------------------------------------------------------------------------
# german: the escalate flow in a German session


GERMAN_FIX = "Widget-Cache reparieren"          # flow.xml's <title xml:lang="de">
GERMAN_STEP = "Widget-Cache wird neu aufgebaut"  # its step's label-de
DE_PO = os.path.join(REPO, "src", "po", "de.po")


def shown_texts(root, skip_names):
    """Every text a person sees in ``root``: names of showing controls and the text of labels,
    fields and table cells, except under controls named in ``skip_names`` (technical details,
    the step's output, what the employee typed)."""
    out = []
    stack = [root]
    while stack:
        a = stack.pop()
        n = atspi.name(a)
        if n in skip_names:
            continue
        if not atspi.showing(a) and atspi.role(a) != "table cell":
            continue
        if n:
            out.append(n)
        if atspi.role(a) in ("label", "text", "table cell", "status bar", "push button",
                             "toggle button", "check box", "menu item", "page tab"):
            t = atspi.text_of(a)
            if t and t != n:
                out.extend(line for line in t.splitlines() if line.strip())
        stack.extend(atspi.children(a))
    return out


def check_german(de, root, where, skip_names, allowed=()):
    """Fails when ``root`` shows an English text (po.Catalog.english_leaks). ``allowed``: texts
    that are not the app's (the pack's diagnostics ids, the e-mail address)."""
    texts = [t for t in shown_texts(root, skip_names) if t not in allowed]
    leaks = de.english_leaks(texts)
    check(not leaks, "%s shows English: %s" % (where, leaks[:10]))
    return len(texts)


def case_german(binary, outdir, timer):
    import po
    de = po.Catalog(DE_PO)
    rt = RequestTracker(outdir, case="german")
    machine = None
    try:
        timer.mark("rt start")
        machine, _ = rt_machine(rt, "ask")
        # The employee chose German in the settings; the session itself is C.UTF-8 (English).
        settings = os.path.join(machine.home, ".config", "fixtray")
        os.makedirs(settings)
        with open(os.path.join(settings, "settings.json"), "w") as f:
            json.dump({"language": "de"}, f)
        comment = "Der Widget-Cache klemmt weiterhin (Test %s)." % uuid.uuid4().hex
        with X() as x, session_bus(env=x.env) as bus:
            atspi.connect(bus, x.display)
            env = machine.env(dict(x.env, DBUS_SESSION_BUS_ADDRESS=bus))
            app, acc = start_app(x, binary, env, outdir, "german")
            try:
                detail = german_flow(x, app, acc, rt, de, comment, outdir, timer)
            except BaseException:
                dump_tree(acc, outdir, "german")
                with_suppressed(lambda: guitest.screenshot(
                    x, os.path.join(outdir, "german-failure.png")))
                raise
        return detail
    finally:
        rt.close()
        if machine:
            machine.close()


def german_flow(x, app, acc, rt, de, comment, outdir, timer):
    t = de.t
    # Not looked at word by word: the technical details, the step's output and the request's
    # text (they hold what was recorded: commands, messages and output as programs wrote them);
    # the request's text is checked for its German headings instead.
    skip = {t("Technical details"), t("Output of the step"), t("Your comment"),
            t("Your e-mail address"), t("Description")}
    main = wait_window(acc, "fixtray", START_TIMEOUT)
    main_fn = lambda: window(acc, "fixtray")  # noqa: E731
    search = atspi.wait_find(main_fn, "text", t("Search fixes"), START_TIMEOUT)
    tree = named_table(main, t("Fixes"))
    atspi.wait_until(lambda: any(r == GERMAN_FIX for _, r in tree_rows(tree)), START_TIMEOUT,
                     "the German title %r in the fix list" % GERMAN_FIX)
    timer.mark("app up")
    atspi.set_text(search, "widget")
    atspi.wait_until(lambda: [r for _, r in tree_rows(tree)] == [t("Software"), GERMAN_FIX],
                     STEP_TIMEOUT, "the list to show only %r" % GERMAN_FIX)
    tree_select(tree, GERMAN_FIX)
    run_button = atspi.find(main, "push button", t("Run this fix"))
    atspi.wait_until(lambda: atspi.enabled(run_button), STEP_TIMEOUT,
                     "%r to be enabled" % t("Run this fix"))
    plan = atspi.text_of(atspi.find(main, "text", t("What will this do?")))
    check(GERMAN_STEP in plan, "the plan does not name the German step: %r" % plan)
    n_main = check_german(de, main_fn(), "the main window", skip)
    keys = [access_keys(main_fn())]   # the German labels' access keys are unique too
    settled_screenshot(x, os.path.join(outdir, "german-main-window.png"), "fixtray")
    timer.mark("search+select")

    atspi.press(run_button)
    run_title = de.tf("%s - fixtray", GERMAN_FIX)
    run_fn = lambda: window(acc, run_title)  # noqa: E731
    run_win = wait_window(acc, run_title, STEP_TIMEOUT)
    wait_label(run_fn, t("Result"), t("Not fixed."), STEP_TIMEOUT)
    steps = list_rows(named_table(run_win, t("Steps")))
    check(steps and steps[0][0] == t("failed") and GERMAN_STEP in steps[0][1],
          "the Steps table: %r" % steps)
    help_button = atspi.wait_find(run_fn, "push button", t("Get help from IT"), STEP_TIMEOUT,
                                  enabled_too=True)
    n_run = check_german(de, run_fn(), "the run window", skip)
    keys.append(access_keys(run_fn()))
    settled_screenshot(x, os.path.join(outdir, "german-run-view.png"), run_title)
    timer.mark("run")

    atspi.press(help_button)
    dlg_title = de.tf("%s - fixtray", t("Get help from IT"))
    dlg_fn = lambda: window(acc, dlg_title)  # noqa: E731
    dlg = wait_window(acc, dlg_title, STEP_TIMEOUT)
    atspi.wait_find(dlg_fn, "push button", t("Send"), COLLECT_TIMEOUT, enabled_too=True)
    # The pack's own diagnostics are named by their ids (widget-cache-listing): the pack's
    # words, not the app's.
    items = [r[0] for r in list_rows(named_table(dlg_fn(), t("Attached diagnostics")))]
    allowed = {REMOVED_ITEM_TITLE, "Widget version"}
    atspi.set_text(atspi.find(dlg, "text", t("Your comment")), comment)
    n_dlg = check_german(de, dlg_fn(), "the request dialog", skip, allowed)
    keys.append(access_keys(dlg_fn()))
    tried = atspi.text_of(atspi.find(dlg_fn(), "text", t("Description")))
    for heading in ("What fixtray did:", "Outcome:", "Run id:"):
        check(t(heading) in tried and heading not in tried,
              "the request's text lacks the German %r: %r" % (t(heading), tried))
    subject = atspi.text_of(atspi.find(dlg_fn(), "text", t("Subject")))
    check(de.tf('"%s" did not fix the problem on %s', GERMAN_FIX, "")[:12] in subject,
          "the subject is not German: %r" % subject)
    settled_screenshot(x, os.path.join(outdir, "german-escalation.png"), dlg_title)
    timer.mark("review")

    atspi.press(atspi.find(dlg_fn(), "push button", t("Send")))
    sent_format = t("Sent to your help desk as ticket %s.")
    sent = wait_label(dlg_fn, t("Request status"), sent_format.split("%s")[0], SEND_TIMEOUT,
                      prefix=True)
    m = re.fullmatch(re.escape(sent_format).replace(re.escape("%s"), r"(\d+)"), sent)
    check(m is not None, "the request status %r is not %r" % (sent, sent_format))
    ticket = m.group(1)
    check_german(de, dlg_fn(), "the request dialog after sending", skip, allowed)
    texts, fname, _, members = ticket_parts(rt, ticket, outdir, "german", GERMAN_FIX)
    check(any(comment in part for part in texts),
          "the comment is in none of the ticket's %d text parts" % len(texts))
    rt_detail = "queue General, the comment, %s with %d files" % (fname, len(members))
    timer.mark("send")

    atspi.press(atspi.wait_find(dlg_fn, "push button", t("Close"), STEP_TIMEOUT,
                                enabled_too=True))
    atspi.wait_until(lambda: dlg_fn() is None, STEP_TIMEOUT, "the dialog to close")
    atspi.press(atspi.find(run_fn(), "push button", t("Close")))
    atspi.wait_until(lambda: run_fn() is None, STEP_TIMEOUT, "the run window to close")
    rc = quit_app(x, app, acc, ["fixtray"])
    check_exit(rc, outdir, "german", "fixtray exited %s after its main window closed, expected 0")
    return ("German from start to ticket %s (%s); no English in %d + %d + %d texts; items %s; "
            "access keys %s" % (ticket, rt_detail, n_main, n_run, n_dlg, items,
                                 " / ".join(" ".join(sorted(k)) for k in keys)))


# ---------------------------------------------------------------------------------------------
# settings: the employee's settings and the organisation's, then a restart in German


def select_page(main, index):
    """Select tab ``index`` of the main window's notebook ("Pages") through AT-SPI Selection."""
    tabs = None
    for a in atspi.find_all(main, "page tab list", only_showing=True):
        tabs = a
        break
    check(tabs is not None, "the main window has no page tab list")
    check(tabs.querySelection().selectChild(index), "could not select tab %d" % index)


def case_settings(binary, outdir, timer):
    machine = Machine({
        "escalation": {
            "policy": "automatic",
            "backend": {"type": "rt", "url": "https://rt.example.com/", "queue": "General",
                        "token_file": "/etc/fixtray/SECRET-TOKEN-FILE"},
        },
        "policy": {"disabled_fixes": ["restart-gizmo"]},
    })
    try:
        xdg = os.path.join(machine.dir, "xdg")   # no machine-wide autostart entry
        os.makedirs(xdg)
        with X() as x, session_bus(env=x.env) as bus:
            atspi.connect(bus, x.display)
            env = machine.env(dict(x.env, DBUS_SESSION_BUS_ADDRESS=bus))
            env["XDG_CONFIG_DIRS"] = xdg
            app, acc = start_app(x, binary, env, outdir, "settings")
            try:
                detail = settings_flow(x, app, acc, machine, env, binary, outdir, timer)
            except BaseException:
                dump_tree(acc, outdir, "settings")
                with_suppressed(lambda: guitest.screenshot(
                    x, os.path.join(outdir, "settings-failure.png")))
                raise
        return detail
    finally:
        machine.close()


def settings_flow(x, app, acc, machine, env, binary, outdir, timer):
    main = wait_window(acc, "fixtray", START_TIMEOUT)
    main_fn = lambda: window(acc, "fixtray")  # noqa: E731
    atspi.wait_until(lambda: "for this computer" in label_text(main_fn(), "Status"),
                     START_TIMEOUT, "the fixes to be loaded")
    select_page(main, 2)
    box = atspi.wait_find(main_fn, "check box", "Start fixtray when I log in", STEP_TIMEOUT)
    timer.mark("settings page")

    # What the organisation decided, read-only, without the token file's name.
    policy = dict((r[0], r[1]) for r in list_rows(named_table(main_fn(),
                                                              "Decided by your organisation")))
    check(policy.get("Requests to IT") ==
          "A request is sent by itself when a fix does not help.", "policy rows: %s" % policy)
    check(policy.get("Requests go to") == "Request Tracker at https://rt.example.com/",
          "policy rows: %s" % policy)
    check(policy.get("Fixes from IT") == "Not set up on this computer.", "policy: %s" % policy)
    check("restart-gizmo" in policy.get("Fixes turned off", ""), "policy: %s" % policy)
    check(not any("SECRET" in v for v in policy.values()), "a secret is shown: %s" % policy)
    settled_screenshot(x, os.path.join(outdir, "settings.png"), "fixtray")

    # Start at login: the user's own autostart entry starts this very program.
    entry = os.path.join(machine.home, ".config", "autostart", "fixtray.desktop")
    check(not atspi.has_state(box, pyatspi_state("checked")), "start at login is on already")
    atspi.press(box)
    guitest.wait_for(lambda: os.path.exists(entry), STEP_TIMEOUT, "the autostart entry")
    with open(entry) as f:
        text = f.read()
    check("Exec=%s\n" % binary in text, "the autostart entry: %r" % text)
    wait_label(main_fn, "Settings status", "fixtray will start when you log in.", STEP_TIMEOUT)
    atspi.press(atspi.find(main_fn(), "check box", "Start fixtray when I log in"))
    guitest.wait_for(lambda: not os.path.exists(entry), STEP_TIMEOUT,
                     "the autostart entry to be removed")

    # The language: Deutsch is saved, and used from the next start.
    combo = atspi.find(main_fn(), "combo box", "Language")
    names = [atspi.name(c) for c in atspi.walk(combo) if atspi.role(c) == "menu item"]
    check("Deutsch" in names, "the language choices: %s" % names)
    menu = [c for c in atspi.walk(combo) if atspi.role(c) == "menu"][0]
    atspi.do_action(menu.getChildAtIndex(names.index("Deutsch")), "click", "activate", "press")
    settings = os.path.join(machine.home, ".config", "fixtray", "settings.json")
    guitest.wait_for(lambda: os.path.exists(settings) and
                     json.load(open(settings)).get("language") == "de", STEP_TIMEOUT,
                     "settings.json to say language de")
    timer.mark("saved")
    rc = quit_app(x, app, acc, ["fixtray"])
    check_exit(rc, outdir, "settings", "fixtray exited %s after its main window closed")

    import po
    de = po.Catalog(DE_PO)
    app, acc = start_app(x, binary, env, outdir, "settings-de")
    main_fn = lambda: window(acc, "fixtray")  # noqa: E731
    atspi.wait_find(main_fn, "text", de.t("Search fixes"), START_TIMEOUT)
    select_page(main_fn(), 2)
    atspi.wait_find(main_fn, "check box", de.t("Start fixtray when I log in"), STEP_TIMEOUT)
    check_german(de, main_fn(), "the German settings page", set())
    settled_screenshot(x, os.path.join(outdir, "settings-de.png"), "fixtray")
    timer.mark("German restart")
    rc = quit_app(x, app, acc, ["fixtray"])
    check_exit(rc, outdir, "settings", "fixtray exited %s after its main window closed")
    return ("policy rows %d, start at login on and off, Deutsch saved and used after a restart"
            % len(policy))


def pyatspi_state(word):
    import pyatspi
    return {"checked": pyatspi.STATE_CHECKED}[word]


# ---------------------------------------------------------------------------------------------
# notify: desktop notifications, received by a real notification server (dunst)


MOMENT_FIX = "Take a moment"


class Dunst:
    """dunst on the private session bus and display; ``notices()`` is what it received
    (summary, body), read with ``dunstctl`` after closing what it shows."""

    def __init__(self, x, bus, outdir):
        self.env = dict(x.env, DBUS_SESSION_BUS_ADDRESS=bus)
        conf = os.path.join(outdir, "dunstrc")
        with open(conf, "w") as f:
            f.write("[global]\n    history_length = 100\n")
        self.proc = x.spawn(["dunst", "-conf", conf], env=self.env,
                            stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(outdir, "notify.dunst.log"), "wb"))
        guitest.wait_for(lambda: self.ctl("is-paused").strip() in ("true", "false"),
                         START_TIMEOUT, "dunst to own org.freedesktop.Notifications")

    def ctl(self, *args):
        r = subprocess.run(["dunstctl"] + list(args), env=self.env, capture_output=True,
                           text=True, timeout=30)
        return r.stdout if r.returncode == 0 else ""

    def notices(self):
        self.ctl("close-all")
        out = self.ctl("history")
        if not out:
            return []
        data = json.loads(out)["data"]
        flat = [n for group in data for n in group]
        return [(n["summary"]["data"], n["body"]["data"], n["appname"]["data"]) for n in flat]

    def wait_notice(self, summary_part, timeout, what):
        return guitest.wait_for(
            lambda: next((n for n in self.notices() if summary_part in n[0]), None), timeout,
            "dunst to receive %s (a notification whose summary holds %r)" % (what, summary_part))


def case_notify(binary, outdir, timer):
    rt = RequestTracker(outdir, case="notify")
    machine = None
    try:
        timer.mark("rt start")
        machine, password_file = rt_machine(rt, "ask")
        with X() as x, session_bus(env=x.env) as bus:
            atspi.connect(bus, x.display)
            dunst = Dunst(x, bus, outdir)
            env = machine.env(dict(x.env, DBUS_SESSION_BUS_ADDRESS=bus))
            app, acc = start_app(x, binary, env, outdir, "notify")
            try:
                detail = notify_flow(x, app, acc, machine, dunst, password_file,
                                     rt.env["FIXTRAY_TEST_RT_PASSWORD"], outdir, timer)
            except BaseException:
                dump_tree(acc, outdir, "notify")
                with_suppressed(lambda: guitest.screenshot(
                    x, os.path.join(outdir, "notify-failure.png")))
                raise
        return detail
    finally:
        rt.close()
        if machine:
            machine.close()


def run_from_main(acc, title):
    main_fn = lambda: window(acc, "fixtray")  # noqa: E731
    search = atspi.wait_find(main_fn, "text", "Search fixes", START_TIMEOUT)
    tree = named_table(main_fn(), "Fixes")
    atspi.wait_until(lambda: any(t == title for _, t in tree_rows(tree)), START_TIMEOUT,
                     "%r in the fix list" % title)
    atspi.set_text(search, "")
    tree_select(tree, title)
    run = atspi.find(main_fn(), "push button", "Run this fix")
    atspi.wait_until(lambda: atspi.enabled(run), STEP_TIMEOUT, "'Run this fix' to be enabled")
    atspi.press(run)
    return wait_window(acc, title + " - fixtray", STEP_TIMEOUT)


def send_request(x, acc, outdir):
    """Get help from IT (main window) -> Send; returns the dialog's last status."""
    main_fn = lambda: window(acc, "fixtray")  # noqa: E731
    atspi.press(atspi.find(main_fn(), "push button", "Get help from IT"))
    dlg_title = "Get help from IT - fixtray"
    dlg_fn = lambda: window(acc, dlg_title)  # noqa: E731
    wait_window(acc, dlg_title, STEP_TIMEOUT)
    send = atspi.wait_find(dlg_fn, "push button", "Send", COLLECT_TIMEOUT, enabled_too=True)
    atspi.press(send)
    status = atspi.wait_until(
        lambda: (lambda t: t if t.startswith(("Sent", "Not sent", "Saved")) or
                 "did not accept" in t or "could not" in t.lower() else None)(
                     label_text(dlg_fn(), "Request status")),
        SEND_TIMEOUT, "the request to be sent or refused")
    atspi.press(atspi.wait_find(dlg_fn, "push button", "Close", STEP_TIMEOUT, enabled_too=True))
    atspi.wait_until(lambda: dlg_fn() is None, STEP_TIMEOUT, "the dialog to close")
    return status


def choose_row(table, row):
    """Select list row ``row`` unless it is the selected one already (GTK refuses that)."""
    if atspi.selected_rows(table) != [row]:
        atspi.select_row(table, row)
    atspi.wait_until(lambda: atspi.selected_rows(table) == [row], STEP_TIMEOUT,
                     "row %d to be selected" % row)


def notify_flow(x, app, acc, machine, dunst, password_file, machine_password, outdir, timer):
    wait_window(acc, "fixtray", START_TIMEOUT)
    # 1. A fix that finished while its window was closed.
    run_from_main(acc, MOMENT_FIX)
    wid = guitest.wait_for(lambda: window_id(x, MOMENT_FIX + " - fixtray"), STEP_TIMEOUT,
                           "the run window's X window")
    guitest.close_window(x, wid)
    atspi.wait_until(lambda: window(acc, MOMENT_FIX + " - fixtray") is None, STEP_TIMEOUT,
                     "the run window to close while the fix runs")
    summary, body, appname = dunst.wait_notice(MOMENT_FIX, STEP_TIMEOUT, "the finished fix")
    check(summary == MOMENT_FIX + ": Fixed." and appname == "fixtray",
          "the finished fix's notification: %r %r %r" % (summary, body, appname))
    timer.mark("finished fix")

    # 2. A request delivered: the ticket's number.
    status = send_request(x, acc, outdir)
    check(status.startswith("Sent to your help desk as ticket "), "request status: %r" % status)
    ticket = status[len("Sent to your help desk as ticket "):-1]
    notice = dunst.wait_notice("Your request reached IT", SEND_TIMEOUT, "the delivered request")
    check(notice[0] == "Your request reached IT: ticket %s" % ticket,
          "the delivered request's notification: %r (ticket %s)" % (notice, ticket))
    timer.mark("delivered")

    # 3. A request the ticket system refuses (a wrong password: 401, a permanent failure): the
    # reason and what to do.
    with open(password_file, "w") as f:
        f.write("not-the-password\n")
    status = send_request(x, acc, outdir)
    notice = dunst.wait_notice("could not be delivered", SEND_TIMEOUT, "the undeliverable request")
    check("try again" in notice[1] and "no reason given" not in notice[1],
          "the undeliverable request's notification gives no reason or advice: %r" % (notice,))
    timer.mark("undeliverable")

    # 4. The outbox window: both requests with their states; the failed one retried once the
    # password is right again (delivered), a copy saved, the first one removed (asked first).
    atspi.press(atspi.find(window(acc, "fixtray"), "push button", "Requests to IT"))
    out_title = "Requests to IT - fixtray"
    out_fn = lambda: window(acc, out_title)  # noqa: E731
    wait_window(acc, out_title, STEP_TIMEOUT)
    rows = atspi.wait_until(lambda: (lambda r: r if len(r) == 2 else None)(
        list_rows(named_table(out_fn(), "Requests"))), STEP_TIMEOUT, "two requests listed")
    check(rows[0][2] == "Could not be delivered" and "401" in rows[0][3],
          "the failed request's row: %r" % (rows[0],))
    check(rows[1][2] == "Delivered" and rows[1][3] == "Ticket %s" % ticket,
          "the delivered request's row: %r" % (rows[1],))
    settled_screenshot(x, os.path.join(outdir, "outbox.png"), out_title)
    with open(password_file, "w") as f:
        f.write(machine_password + "\n")
    choose_row(named_table(out_fn(), "Requests"), 0)
    retry = atspi.find(out_fn(), "push button", "Retry")
    atspi.wait_until(lambda: atspi.enabled(retry), STEP_TIMEOUT, "Retry to be enabled")
    atspi.press(retry)
    atspi.wait_until(lambda: (lambda r: r[0][2] == "Delivered" and r[0][3].startswith("Ticket ")
                              and r)(list_rows(named_table(out_fn(), "Requests"))),
                     SEND_TIMEOUT, "the retried request to be delivered")
    dunst.wait_notice("Your request reached IT: ticket %d" % (int(ticket) + 1), SEND_TIMEOUT,
                      "the retried request's delivery")
    choose_row(named_table(out_fn(), "Requests"), 1)
    save = atspi.find(out_fn(), "push button", "Save a copy")
    atspi.wait_until(lambda: atspi.enabled(save), STEP_TIMEOUT, "Save a copy to be enabled")
    atspi.press(save)
    saved = wait_label(out_fn, "Requests status", "Saved a copy in ", STEP_TIMEOUT, prefix=True)
    folder = saved[len("Saved a copy in "):]
    check(os.path.isdir(folder) and os.listdir(folder), "the copy's folder %r" % folder)
    atspi.press(atspi.find(out_fn(), "push button", "Remove"))
    alert = atspi.wait_until(lambda: next((w for w in atspi.children(acc)
                                           if atspi.name(w).startswith("Remove the request")),
                                          None), STEP_TIMEOUT, "the question before Remove")
    atspi.press(atspi.find(alert, "push button", "Remove it"))
    atspi.wait_until(lambda: len(list_rows(named_table(out_fn(), "Requests"))) == 1,
                     STEP_TIMEOUT, "one request left after Remove")
    timer.mark("outbox window")
    guitest.close_window(x, window_id(x, out_title))
    atspi.wait_until(lambda: out_fn() is None, STEP_TIMEOUT, "the outbox window to close")
    all_notices = dunst.notices()
    with open(os.path.join(outdir, "notify-received.txt"), "w") as f:
        f.write("\n\n".join("%s\n%s\n(%s)" % n for n in all_notices) + "\n")
    rc = quit_app(x, app, acc, ["fixtray"])
    check_exit(rc, outdir, "notify", "fixtray exited %s after its main window closed")
    return "dunst received %d notifications: %s" % (len(all_notices),
                                                     "; ".join(n[0] for n in all_notices))


# ---------------------------------------------------------------------------------------------
# keyboard: Ctrl+F, Enter, Esc, with real key presses (xdotool)


def case_notice_window(binary, outdir, timer):
    """No notification server on the session bus (the bus can start only the accessibility
    bus and dconf, not dunst): the finished fix's notice comes in fixtray's own window, which a
    screen reader can read, whose "Open fixtray" brings the main window up and closes it, and
    whose "Dismiss" closes it."""
    machine = Machine({"escalation": {"policy": "off"}})
    try:
        with X() as x, session_bus(env=x.env, services=("org.a11y.Bus", "ca.desrt.dconf")) \
                as bus:
            atspi.connect(bus, x.display)
            env = machine.env(dict(x.env, DBUS_SESSION_BUS_ADDRESS=bus))
            app, acc = start_app(x, binary, env, outdir, "notice-window")
            try:
                detail = notice_window_flow(x, app, acc, env, outdir, timer)
            except BaseException:
                dump_tree(acc, outdir, "notice-window")
                with_suppressed(lambda: guitest.screenshot(
                    x, os.path.join(outdir, "notice-window-failure.png")))
                raise
        return detail
    finally:
        machine.close()


def notification_server(env):
    """Who owns org.freedesktop.Notifications on the bus of ``env`` ("" when nobody)."""
    r = subprocess.run(["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
                        "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner",
                        "string:org.freedesktop.Notifications"], env=env, capture_output=True,
                       text=True, timeout=30)
    check(r.returncode == 0, "dbus-send NameHasOwner: %s" % r.stderr)
    return "owned" if "true" in r.stdout.split() else ""


def finished_while_closed(x, acc):
    """Run MOMENT_FIX from the main window and close its window while it runs."""
    run_from_main(acc, MOMENT_FIX)
    wid = guitest.wait_for(lambda: window_id(x, MOMENT_FIX + " - fixtray"), STEP_TIMEOUT,
                           "the run window's X window")
    guitest.close_window(x, wid)
    atspi.wait_until(lambda: window(acc, MOMENT_FIX + " - fixtray") is None, STEP_TIMEOUT,
                     "the run window to close while the fix runs")


def notice_window_flow(x, app, acc, env, outdir, timer):
    wait_window(acc, "fixtray", START_TIMEOUT)
    title = MOMENT_FIX + ": Fixed. - fixtray"
    notice_fn = lambda: window(acc, title)  # noqa: E731
    finished_while_closed(x, acc)
    notice = wait_window(acc, title, STEP_TIMEOUT)
    check(notification_server(env) == "",
          "a notification server answers on the bus: the notice window was not the fallback")
    heading = label_text(notice, "Notice")
    text = label_text(notice, "Notice text")
    check(heading == MOMENT_FIX + ": Fixed." and text.strip(),
          "the notice window reads %r / %r" % (heading, text))
    settled_screenshot(x, os.path.join(outdir, "notice-window.png"), title)
    # Not in front of the employee's work: shown without taking the focus.
    import pyatspi
    check(not atspi.has_state(notice, pyatspi.STATE_ACTIVE), "the notice window took the focus")
    atspi.press(atspi.find(notice, "push button", "Open fixtray"))
    atspi.wait_until(lambda: notice_fn() is None, STEP_TIMEOUT,
                     "the notice window to close after Open fixtray")
    atspi.wait_until(lambda: (lambda w: w if w and atspi.has_state(w, pyatspi.STATE_ACTIVE)
                              else None)(window(acc, "fixtray")), STEP_TIMEOUT,
                     "the main window to be the active window after Open fixtray")
    timer.mark("open")
    # A second one, dismissed.
    finished_while_closed(x, acc)
    notice = wait_window(acc, title, STEP_TIMEOUT)
    atspi.press(atspi.find(notice, "push button", "Dismiss"))
    atspi.wait_until(lambda: notice_fn() is None, STEP_TIMEOUT,
                     "the notice window to close after Dismiss")
    timer.mark("dismissed")
    # A third one, left alone: it closes by itself after 30 s.
    finished_while_closed(x, acc)
    wait_window(acc, title, STEP_TIMEOUT)
    shown = time.monotonic()
    atspi.wait_until(lambda: notice_fn() is None, 30 + STEP_TIMEOUT,
                     "the notice window to close by itself")
    after = time.monotonic() - shown
    check(after > 25, "the notice window closed by itself after %.1f s, not 30" % after)
    timer.mark("closed by itself")
    rc = quit_app(x, app, acc, ["fixtray"])
    check_exit(rc, outdir, "notice-window", "fixtray exited %s after its main window closed")
    return "no notification server: the notice window read %r / %r; Open fixtray and " \
           "Dismiss closed it, left alone it closed after %.0f s" % (heading, text, after)


def case_keyboard(binary, outdir, timer):
    machine = Machine({})
    try:
        with X() as x, session_bus(env=x.env) as bus:
            atspi.connect(bus, x.display)
            env = machine.env(dict(x.env, DBUS_SESSION_BUS_ADDRESS=bus))
            app, acc = start_app(x, binary, env, outdir, "keyboard")
            try:
                detail = keyboard_flow(x, app, acc, outdir, timer)
            except BaseException:
                dump_tree(acc, outdir, "keyboard")
                with_suppressed(lambda: guitest.screenshot(
                    x, os.path.join(outdir, "keyboard-failure.png")))
                raise
        return detail
    finally:
        machine.close()


def access_keys(win):
    """The access keys (mnemonics, "<Alt>x" through AT-SPI's key binding) of the showing
    controls of ``win`` as {key: name}; fails when two controls share one or a button has none."""
    import pyatspi
    keys = {}
    for a in atspi.walk(win):
        if atspi.role(a) not in ("push button", "toggle button", "check box") or \
                not atspi.showing(a):
            continue
        binding = ""
        try:
            action = a.queryAction()
            binding = action.getKeyBinding(0) if action.nActions else ""
        except NotImplementedError:
            pass
        # GTK gives "<Alt>r" or "<Alt>r;;" (mnemonic;sequence;shortcut).
        key = binding.split(";")[0].lower()
        check(key.startswith("<alt>"), "the %s %r has no access key (%r)"
              % (atspi.role(a), atspi.name(a), binding))
        check(key not in keys, "%s is the access key of both %r and %r"
              % (key, keys.get(key), atspi.name(a)))
        keys[key] = atspi.name(a)
    check(keys, "no controls with access keys in %r" % atspi.name(win))
    del pyatspi
    return {k.replace("<alt>", "Alt+").upper(): v for k, v in keys.items()}


def focused(acc):
    import pyatspi
    return atspi.has_state(acc, pyatspi.STATE_FOCUSED)


def keyboard_flow(x, app, acc, outdir, timer):
    main_fn = lambda: window(acc, "fixtray")  # noqa: E731
    wait_window(acc, "fixtray", START_TIMEOUT)
    atspi.wait_until(lambda: "for this computer" in label_text(main_fn(), "Status"),
                     START_TIMEOUT, "the fixes to be loaded")
    wid = guitest.wait_for(lambda: window_id(x, "fixtray"), STEP_TIMEOUT, "the main X window")
    guitest._xdotool(x, "windowfocus", "--sync", wid)
    # Away from the search field first (the Recent runs tab), then Ctrl+F brings it back.
    select_page(main_fn(), 1)
    search = atspi.find(main_fn(), "text", "Search fixes", only_showing=False)
    atspi.wait_until(lambda: not atspi.showing(search), STEP_TIMEOUT, "the Fixes tab to hide")
    guitest.key(x, "ctrl+f")
    atspi.wait_until(lambda: atspi.showing(search) and focused(search), STEP_TIMEOUT,
                     "Ctrl+F to show the Fixes tab and focus 'Search fixes'")
    timer.mark("ctrl+f")
    guitest._xdotool(x, "type", "--delay", "50", "widget")
    tree = named_table(main_fn(), "Fixes")
    atspi.wait_until(lambda: [t for _, t in tree_rows(tree)] == ["Software", ESCALATE_FIX],
                     STEP_TIMEOUT, "typing 'widget' to leave only %r" % ESCALATE_FIX)
    tree_select(tree, ESCALATE_FIX)
    guitest._xdotool(x, "windowfocus", "--sync", wid)
    atspi.set_text(search, "widget")   # the focus back in the field, the fix still chosen
    guitest.key(x, "ctrl+f")
    atspi.wait_until(lambda: focused(search), STEP_TIMEOUT, "the search field to be focused")
    guitest.key(x, "Return")
    run_title = ESCALATE_FIX + " - fixtray"
    wait_window(acc, run_title, STEP_TIMEOUT)
    wait_label(lambda: window(acc, run_title), "Result", "Not fixed.", STEP_TIMEOUT)
    timer.mark("enter runs")
    run_wid = guitest.wait_for(lambda: window_id(x, run_title), STEP_TIMEOUT, "the run X window")
    guitest._xdotool(x, "windowfocus", "--sync", run_wid)
    # Access keys: Alt+O is "Show &output" (its output box appears).
    run_keys = access_keys(window(acc, run_title))
    guitest.key(x, "alt+o")
    atspi.wait_until(lambda: atspi.find_all(window(acc, run_title), "text", "Output of the step",
                                            only_showing=True),
                     STEP_TIMEOUT, "Alt+O to show 'Output of the step'")
    timer.mark("alt+o")
    guitest.key(x, "Escape")
    atspi.wait_until(lambda: window(acc, run_title) is None, STEP_TIMEOUT,
                     "Esc to close the run window")
    timer.mark("esc closes")
    guitest._xdotool(x, "windowfocus", "--sync", wid)
    main_keys = access_keys(main_fn())
    guitest.key(x, "Escape")
    rc = guitest.wait_exit(app, STEP_TIMEOUT, "Esc on the main window to quit (no tray)")
    check_exit(rc, outdir, "keyboard", "fixtray exited %s after Esc on its main window")
    return "Ctrl+F focused the search, Enter ran the fix, Alt+O showed the output, Esc closed " \
        "the run window and the app; access keys, each used once: main window %s, run view %s" \
        % (main_keys, run_keys)


# ---------------------------------------------------------------------------------------------
# feed: a new feed generation arrives while the window is open and a fix runs


FEED_FIX = "Set up the new printer"
FEED_DESCRIPTION = "A test fix published through the feed."
FEED_KEYWORD = "plotter"  # in its keywords only
FEED_PACK = """<?xml version="1.0" encoding="UTF-8"?>
<fixpack xmlns="urn:fixtray:fixpack:1" id="com.example.desk.printer" version="1">
  <fix id="set-up-new-printer" category="printing" platforms="linux">
    <title>Set up the new printer</title>
    <title xml:lang="de">Den neuen Drucker einrichten</title>
    <description>A test fix published through the feed.</description>
    <keywords>plotter</keywords>
    <steps><run label="Doing nothing"><arg>true</arg></run></steps>
  </fix>
</fixpack>
"""
NGINX_SH = os.path.join(REPO, "tests", "services", "nginx.sh")


class Desk:
    """A help desk's feed: a minisign key, packs built and signed with `fixctl feed build` and
    minisign, served by a private nginx (tests/services/nginx.sh)."""

    def __init__(self, fixctl, workdir):
        self.fixctl = fixctl
        self.dir = os.path.join(workdir, "desk")
        self.packs = os.path.join(self.dir, "packs")
        self.feed = os.path.join(self.dir, "feed")
        os.makedirs(self.packs)
        os.makedirs(self.feed)
        self.key = os.path.join(self.dir, "desk.key")
        self.pub = os.path.join(self.dir, "desk.pub")
        run_ok(["minisign", "-G", "-W", "-p", self.pub, "-s", self.key])
        self.nginx_dir = os.path.join(self.dir, "nginx")
        self.url = None

    def publish(self, pack=FEED_PACK):
        for old in os.listdir(self.packs):
            if old != "announcements.xml":
                os.unlink(os.path.join(self.packs, old))
        with open(os.path.join(self.packs, "pack.xml"), "w") as f:
            f.write(pack)
        run_ok([self.fixctl, "feed", "build", self.packs, "--out", self.feed, "--repository",
                "com.example.desk"])
        run_ok(["minisign", "-S", "-s", self.key, "-m", os.path.join(self.feed, "index.xml")])
        for root, dirs, files in os.walk(self.dir):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)

    def serve(self):
        out = run_ok([NGINX_SH, "start", self.nginx_dir, self.feed])
        for line in out.splitlines():
            if line.startswith("export FIXTRAY_TEST_NGINX_URL="):
                self.url = line.split("=", 1)[1].strip().strip("'\"")
        check(self.url, "nginx.sh printed no URL: %r" % out)

    def close(self):
        if self.url:
            subprocess.run([NGINX_SH, "stop", self.nginx_dir], capture_output=True, timeout=60)


ANNOUNCEMENT_TITLE = "Widgets are broken everywhere"
ANNOUNCEMENT_TEXT = "We know & we are on it. No need to send a request."
ANNOUNCEMENT_SECONDS = 60   # how long it runs from the build: the test waits for its end


def announcements_xml(expires):
    return ("""<?xml version="1.0" encoding="UTF-8"?>
<announcements xmlns="https://fixtray.org/feed/1">
  <announcement id="widgets-down" expires="%s" fixes="repair-widget-cache">
    <title>%s</title>
    <text>%s</text>
  </announcement>
</announcements>
""" % (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires)), ANNOUNCEMENT_TITLE,
       ANNOUNCEMENT_TEXT.replace("&", "&amp;")))


def run_ok(argv, env=None):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env,
                       stdin=subprocess.DEVNULL)
    check(r.returncode == 0, "%s failed (%d): %s%s" % (argv[:3], r.returncode, r.stdout, r.stderr))
    return r.stdout


def case_feed(binary, outdir, timer):
    fixctl = os.path.join(os.path.dirname(os.path.dirname(binary)), "fixctl")
    check(os.access(fixctl, os.X_OK), "no fixctl beside the app: %s" % fixctl)
    marker = "300.%09d" % (uuid.uuid4().int % 10**9)
    needle = "sleep " + marker
    machine = Machine({"site": {"flow_marker": marker}})
    os.chmod(machine.dir, 0o755)
    desk = Desk(fixctl, machine.dir)
    watcher_procs = guitest.Procs("sni-watcher")
    try:
        announcement_end = int(time.time()) + ANNOUNCEMENT_SECONDS
        with open(os.path.join(desk.packs, "announcements.xml"), "w") as f:
            f.write(announcements_xml(announcement_end))
        desk.publish()
        desk.serve()
        keys = os.path.join(machine.etc, "keys")
        os.makedirs(keys)
        shutil.copy(desk.pub, os.path.join(keys, "desk.pub"))
        # Requests are allowed ("ask") and, without a ticket system, kept on the machine.
        machine.write_config({"site": {"flow_marker": marker}, "escalation": {"policy": "ask"},
                              "feed": {"url": desk.url, "repository": "com.example.desk"}})
        timer.mark("feed ready")
        with X() as x, session_bus(env=x.env) as bus:
            atspi.connect(bus, x.display)
            import sni_watcher   # after connect: it imports dbus and GLib
            dunst = Dunst(x, bus, outdir)
            # A tray (the announcements are in its menu too): the watcher in a process of its
            # own, as in the quit case.
            watcher = sni_watcher.Watcher.start_process(bus, timeout=STEP_TIMEOUT, env=x.env,
                                                        popen=watcher_procs.start)
            with watcher, sni_watcher.SniClient(bus, call_timeout=60.0) as client:
                env = machine.env(dict(x.env, DBUS_SESSION_BUS_ADDRESS=bus))
                app, acc = start_app(x, binary, env, outdir, "feed", tray="sni")
                try:
                    return feed_flow(x, app, acc, client, machine, desk, dunst, env, fixctl,
                                     needle, announcement_end, outdir, timer)
                except BaseException:
                    dump_tree(acc, outdir, "feed")
                    with_suppressed(lambda: guitest.screenshot(
                        x, os.path.join(outdir, "feed-failure.png")))
                    raise
    finally:
        watcher_procs.kill_all()
        desk.close()
        machine.close()
        for pid, _ in processes_matching(needle):
            with_suppressed(lambda: os.kill(pid, 9))


def feed_flow(x, app, acc, client, machine, desk, dunst, env, fixctl, needle, announcement_end,
              outdir, timer):
    item = client.wait_for_item(START_TIMEOUT, lambda i: i.endswith("/fixtray"))
    wait_menu(client, item, lambda l: "Open fixtray" in l and "Quit" in l and "Software" in l,
              START_TIMEOUT, "the tray menu with 'Open fixtray', the group 'Software', 'Quit'")
    sni_click(client, item, "Open fixtray")
    wait_window(acc, "fixtray", STEP_TIMEOUT)
    run_title, run_fn, sleeps = start_slow_fix(acc, needle, timer)
    main_fn = lambda: window(acc, "fixtray")  # noqa: E731
    tree = named_table(main_fn(), "Fixes")
    atspi.set_text(atspi.find(main_fn(), "text", "Search fixes"), "")
    check(FEED_FIX not in [t for _, t in tree_rows(tree)], "the feed's fix is there already")

    # The machine's feed sync (what the fixtray-feed timer runs), while the window is open and
    # the slow fix runs.
    sync_env = {k: v for k, v in env.items() if k not in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS")}
    out = run_ok([fixctl, "feed", "sync", "--now"], env=sync_env)
    check("serial 1" in out, "feed sync: %r" % out)
    timer.mark("synced")
    atspi.wait_until(lambda: FEED_FIX in [t for _, t in tree_rows(named_table(main_fn(), "Fixes"))],
                     STEP_TIMEOUT, "the feed's new fix in the open window without a restart")
    # The list was made from the new load, before its catalog freed the descriptions and
    # keywords: the new fix is found by its keyword alone and shows its description.
    atspi.set_text(atspi.find(main_fn(), "text", "Search fixes"), FEED_KEYWORD)
    found = atspi.wait_until(
        lambda: (lambda r: r if FEED_FIX in r and run_title not in r else None)(
            [t for _, t in tree_rows(named_table(main_fn(), "Fixes"))]),
        STEP_TIMEOUT, "a search for the keyword %r to find only the feed's fix" % FEED_KEYWORD)
    timer.mark("found by its keyword: %s" % ", ".join(found))
    tree_select(named_table(main_fn(), "Fixes"), FEED_FIX)
    atspi.wait_until(lambda: atspi.find_all(main_fn(), "label", FEED_DESCRIPTION, only_showing=True),
                     STEP_TIMEOUT, "the feed fix's description in the details pane")
    atspi.set_text(atspi.find(main_fn(), "text", "Search fixes"), "")
    notice = dunst.wait_notice("New fix from IT", STEP_TIMEOUT, "the new fix")
    check(FEED_FIX in notice[1], "the new-fix notification: %r" % (notice,))
    # The running fix was not disturbed: its sleeps are the same processes, still running.
    still = processes_matching(needle)
    check(sorted(still) == sorted(sleeps) and label_text(run_fn(), "Result") == "Working on it...",
          "the running fix after the reload: %s (before %s), %r"
          % (still, sleeps, label_text(run_fn(), "Result")))
    # IT's announcement, signed with the index, at the top of the window.
    news = atspi.wait_until(lambda: (lambda n: n if n and atspi.showing(n[0]) else None)(
        atspi.find_all(main_fn(), "label", "Announcements from IT")), STEP_TIMEOUT,
        "the announcement at the top of the window")[0]
    shown = atspi.text_of(news)
    check(ANNOUNCEMENT_TITLE in shown and ANNOUNCEMENT_TEXT in shown,
          "the announcement as shown: %r" % shown)
    # ... and in the tray menu, right below "Open fixtray"; choosing it opens the window (closed
    # here first) with the whole text.
    entry = "IT: " + ANNOUNCEMENT_TITLE
    labels = wait_menu(client, item, lambda l: entry in l, STEP_TIMEOUT,
                       "the announcement %r in the tray menu" % entry)
    check(labels.index(entry) == labels.index("Open fixtray") + 1, "the menu: %s" % labels)
    guitest.close_window(x, window_id(x, "fixtray"))
    atspi.wait_until(lambda: main_fn() is None, STEP_TIMEOUT, "the main window to close")
    sni_click(client, item, entry)
    atspi.wait_until(lambda: (lambda n: n if n and atspi.showing(n[0]) else None)(
        atspi.find_all(main_fn(), "label", "Announcements from IT") if main_fn() else None),
        STEP_TIMEOUT, "the window with the announcement after %r in the tray menu" % entry)
    timer.mark("new fix shown")

    # The desk replaces the pack by another one: the fix disappears from the open window.
    desk.publish(FEED_PACK.replace("com.example.desk.printer", "com.example.desk.other")
                 .replace("set-up-new-printer", "other-fix").replace(FEED_FIX, "Another fix"))
    os.utime(os.path.join(desk.feed, "index.xml"))
    out = run_ok([fixctl, "feed", "sync", "--now"], env=sync_env)
    atspi.wait_until(lambda: FEED_FIX not in [t for _, t in tree_rows(
        named_table(main_fn(), "Fixes"))], STEP_TIMEOUT, "the withdrawn fix to disappear")
    timer.mark("withdrawn")

    atspi.press(atspi.find(run_fn(), "push button", "Cancel the fix"))
    wait_label(run_fn, "Result", "Cancelled.", STEP_TIMEOUT)
    guitest.close_window(x, window_id(x, run_title))
    atspi.wait_until(lambda: run_fn() is None, STEP_TIMEOUT, "the run window to close")
    settled_screenshot(x, os.path.join(outdir, "feed-announcement.png"), "fixtray")

    # The fix the announcement concerns: IT's notice comes first, before the run and before a
    # request; "Don't ask" sends nothing.
    atspi.set_text(atspi.find(main_fn(), "text", "Search fixes"), "")
    tree = named_table(main_fn(), "Fixes")
    tree_select(tree, ESCALATE_FIX)
    atspi.press(atspi.find(main_fn(), "push button", "Run this fix"))
    q = atspi.wait_until(lambda: question(acc, ["Run it anyway", "Don't run it"]), STEP_TIMEOUT,
                         "'IT already knows about this' before the run")
    said = " ".join(atspi.text_of(lab) for lab in atspi.find_all(q, "label", only_showing=True))
    check(ANNOUNCEMENT_TITLE in said, "the question before the run: %r" % said)
    atspi.press(atspi.find(q, "push button", "Run it anyway"))
    esc_title = ESCALATE_FIX + " - fixtray"
    wait_label(lambda: window(acc, esc_title), "Result", "Not fixed.", STEP_TIMEOUT)
    atspi.press(atspi.wait_find(lambda: window(acc, esc_title), "push button",
                                "Get help from IT", STEP_TIMEOUT, enabled_too=True))
    q = atspi.wait_until(lambda: question(acc, ["Ask for help anyway", "Don't ask"]),
                         STEP_TIMEOUT, "'IT already knows about this' before the request")
    settled_screenshot(x, os.path.join(outdir, "feed-known-issue.png"),
                       "IT already knows about this - fixtray")
    atspi.press(atspi.find(q, "push button", "Don't ask"))
    atspi.wait_until(lambda: question(acc, ["Ask for help anyway", "Don't ask"]) is None,
                     STEP_TIMEOUT, "the question to close")
    check(window(acc, "Get help from IT - fixtray") is None,
          "the request dialog opened after \"Don't ask\"")
    timer.mark("known issue")

    # It expires by itself: gone from the window without a restart.
    atspi.wait_until(lambda: not any(atspi.showing(n) for n in atspi.find_all(
        main_fn(), "label", "Announcements from IT")),
        max(announcement_end - time.time(), 0) + STEP_TIMEOUT, "the announcement to expire")
    check(time.time() >= announcement_end - 1, "the announcement went before it expired")
    wait_menu(client, item, lambda l: "Quit" in l and not any(e.startswith("IT: ") for e in l),
              STEP_TIMEOUT, "the expired announcement to leave the tray menu")
    timer.mark("expired")

    # About, from the tray menu: a dialog a screen reader reads, closed with its button.
    sni_click(client, item, "About fixtray")
    about = atspi.wait_until(lambda: next((w for w in atspi.children(acc)
                                           if atspi.name(w) == "About fixtray" and
                                           atspi.showing(w)), None),
                             STEP_TIMEOUT, "the About window")
    check(atspi.role(about) == "dialog", "the About window's role is %r" % atspi.role(about))
    words = [atspi.text_of(lbl) for lbl in atspi.find_all(about, "label", only_showing=True)]
    check(any(w.startswith("fixtray ") for w in words) and
          any("Fixes common problems" in w for w in words), "the About texts: %r" % words)
    atspi.press(atspi.find(about, "push button", "Close"))
    atspi.wait_until(lambda: not any(atspi.name(w) == "About fixtray" and atspi.showing(w)
                                     for w in atspi.children(acc)),
                     STEP_TIMEOUT, "the About window to close")
    timer.mark("about")
    sni_click(client, item, "Quit")
    rc = guitest.wait_exit(app, EXIT_TIMEOUT, "fixtray to exit after Quit in the tray menu")
    check_exit(rc, outdir, "feed", "fixtray exited %s after Quit in the tray menu")
    return ("a feed sync while the window was open and a fix ran: the new fix appeared, dunst "
            "said %r, the fix ran on; withdrawn, it disappeared; the announcement was shown in the "
            "window and the tray menu, asked about before the run and the request, and went "
            "from both when it expired; About read and closed" % notice[0])


# ---------------------------------------------------------------------------------------------
# high-contrast: the main window and the run view under GTK's HighContrastInverse theme


# Controls whose text is read for contrast (AT-SPI roles).
TEXT_ROLES = ("label", "push button", "toggle button", "check box", "text", "radio button",
              "table cell")


def root_pixels(x, ext):
    """The screen's pixels in ``ext`` = (x, y, width, height) as (r, g, b) tuples."""
    from Xlib import X as XC
    d = x.xdisplay()
    root = d.screen().root
    ex, ey, w, h = ext
    img = root.get_image(ex, ey, w, h, XC.ZPixmap, 0xFFFFFFFF)
    data = img.data
    return [(data[i + 2], data[i + 1], data[i]) for i in range(0, w * h * 4, 4)]


def _luminance(rgb):
    def ch(c):
        c = c / 255.0
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (ch(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a, b):
    la, lb = sorted((_luminance(a), _luminance(b)))
    return (lb + 0.05) / (la + 0.05)


def text_contrast(x, acc):
    """(background, strongest other colour, ratio) of what is drawn in the control's extents:
    the background is the most common colour; the text is the colour that stands out most from
    it among those drawn in at least 4 pixels (the solid cores of the glyphs)."""
    import pyatspi
    from collections import Counter
    e = acc.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
    w, h = min(e.width, 1280 - e.x), min(e.height, 800 - e.y)
    if e.x < 0 or e.y < 0 or w < 4 or h < 4:
        return None
    counts = Counter(root_pixels(x, (e.x, e.y, w, h)))
    bg = counts.most_common(1)[0][0]
    others = [c for c, n in counts.items() if c != bg and n >= 4]
    if not others:
        return (bg, bg, 1.0)
    fg = max(others, key=lambda c: _contrast(c, bg))
    return (bg, fg, _contrast(bg, fg))


def check_window_contrast(x, win, what):
    """Every showing control with text in ``win`` draws it at 7:1 or more against its own
    background (WCAG AAA, what a high-contrast theme gives), and the window is dark (the
    inverse theme is in use, no control forced its own light colours). Returns the count."""
    checked = []
    for acc in atspi.walk(win, into_tables=True):
        if atspi.role(acc) not in TEXT_ROLES or not atspi.showing(acc):
            continue
        if atspi.role(acc) != "label" and not atspi.enabled(acc):
            continue   # a disabled control is drawn dimmed on purpose (WCAG exempts it)
        if atspi.role(acc) in ("label", "table cell", "text") and \
                not atspi.text_of(acc).strip():
            continue   # an empty label or field draws no text
        label = atspi.name(acc) or atspi.text_of(acc)
        got = text_contrast(x, acc)
        if got is None:
            continue
        bg, fg, ratio = got
        check(_luminance(bg) < 0.05,
              "%s: the %s %r is drawn on %s, not on the dark background of HighContrastInverse"
              % (what, atspi.role(acc), label, "#%02x%02x%02x" % bg))
        check(ratio >= 7.0, "%s: the %s %r has a contrast of %.1f:1 (#%02x%02x%02x on "
              "#%02x%02x%02x), expected 7:1 or more" % ((what, atspi.role(acc), label, ratio)
                                                         + fg + bg))
        checked.append(label)
    check(len(checked) >= 5, "%s: only %d controls with text were found: %s"
          % (what, len(checked), checked))
    return len(checked)


def case_high_contrast(binary, outdir, timer):
    machine = Machine({})
    try:
        with X() as x, session_bus(env=x.env) as bus:
            atspi.connect(bus, x.display)
            env = machine.env(dict(x.env, DBUS_SESSION_BUS_ADDRESS=bus))
            env["GTK_THEME"] = "HighContrastInverse"
            app, acc = start_app(x, binary, env, outdir, "high-contrast")
            try:
                detail = high_contrast_flow(x, app, acc, outdir, timer)
            except BaseException:
                dump_tree(acc, outdir, "high-contrast")
                with_suppressed(lambda: guitest.screenshot(
                    x, os.path.join(outdir, "high-contrast-failure.png")))
                raise
        return detail
    finally:
        machine.close()


def high_contrast_flow(x, app, acc, outdir, timer):
    main_fn = lambda: window(acc, "fixtray")  # noqa: E731
    wait_window(acc, "fixtray", START_TIMEOUT)
    atspi.wait_until(lambda: "for this computer" in label_text(main_fn(), "Status"),
                     START_TIMEOUT, "the fixes to be loaded")
    tree_select(named_table(main_fn(), "Fixes"), ESCALATE_FIX)
    atspi.wait_until(lambda: atspi.enabled(atspi.find(main_fn(), "push button", "Run this fix")),
                     STEP_TIMEOUT, "'Run this fix' to be enabled")
    settled_screenshot(x, os.path.join(outdir, "high-contrast-main.png"), "fixtray")
    n_main = check_window_contrast(x, main_fn(), "main window")
    timer.mark("main window")
    atspi.press(atspi.find(main_fn(), "push button", "Run this fix"))
    run_title = ESCALATE_FIX + " - fixtray"
    run_fn = lambda: window(acc, run_title)  # noqa: E731
    wait_window(acc, run_title, STEP_TIMEOUT)
    wait_label(run_fn, "Result", "Not fixed.", STEP_TIMEOUT)
    settled_screenshot(x, os.path.join(outdir, "high-contrast-run.png"), run_title)
    n_run = check_window_contrast(x, run_fn(), "run view")
    timer.mark("run view")
    atspi.press(atspi.find(run_fn(), "push button", "Get help from IT"))
    dlg_title = "Get help from IT - fixtray"
    dlg_fn = lambda: window(acc, dlg_title)  # noqa: E731
    wait_window(acc, dlg_title, STEP_TIMEOUT)
    atspi.wait_find(dlg_fn, "push button", "Send", COLLECT_TIMEOUT, enabled_too=True)
    settled_screenshot(x, os.path.join(outdir, "high-contrast-escalation.png"), dlg_title)
    n_dlg = check_window_contrast(x, dlg_fn(), "request dialog")
    timer.mark("request dialog")
    atspi.press(atspi.find(dlg_fn(), "push button", "Cancel"))
    atspi.wait_until(lambda: dlg_fn() is None, STEP_TIMEOUT, "the request dialog to close")
    atspi.press(atspi.find(run_fn(), "push button", "Close"))
    atspi.wait_until(lambda: run_fn() is None, STEP_TIMEOUT, "the run window to close")
    wid = guitest.wait_for(lambda: window_id(x, "fixtray"), STEP_TIMEOUT, "the main X window")
    guitest._xdotool(x, "windowfocus", "--sync", wid)
    guitest.key(x, "Escape")
    rc = guitest.wait_exit(app, STEP_TIMEOUT, "Esc on the main window to quit (no tray)")
    check_exit(rc, outdir, "high-contrast", "fixtray exited %s after Esc on its main window")
    return "HighContrastInverse: %d controls of the main window, %d of the run view and %d of " \
           "the request dialog draw their text at 7:1 or more on a dark background" % (
               n_main, n_run, n_dlg)


CASES = {"escalate": case_escalate, "cancel": case_cancel, "quit": case_quit,
         "signal": case_signal,
         "automatic": case_automatic, "confirm": case_confirm, "german": case_german,
         "settings": case_settings, "notify": case_notify,
         "keyboard": case_keyboard, "feed": case_feed, "notice-window": case_notice_window,
         "high-contrast": case_high_contrast}


def main(argv):
    if len(argv) != 4 or argv[3] not in CASES:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        print("CASE: %s" % " | ".join(CASES), file=sys.stderr)
        return 2
    binary, outdir, case = os.path.abspath(argv[1]), os.path.abspath(argv[2]), argv[3]
    if not os.access(binary, os.X_OK):
        print("FAIL %s: %s is not an executable" % (case, binary))
        return 1
    os.makedirs(outdir, exist_ok=True)
    for stale in ("%s-failure.png" % case, "%s.atspi-tree.txt" % case):
        with_suppressed(lambda: os.unlink(os.path.join(outdir, stale)))
    guitest.cleanup_on_signals()
    guitest.become_subreaper()
    faulthandler.enable()
    start_watchdog(case, CASE_DEADLINE)
    timer = Timer()
    try:
        detail = CASES[case](binary, outdir, timer)
    except (CaseFailed, TimeoutError, RuntimeError, atspi.NotFound, OSError) as e:
        print("FAIL %s (%.1fs): %s" % (case, timer.total(), e))
        print("  phases: %s" % timer.text())
        traceback.print_exc(file=sys.stderr)
        return 1
    except KeyboardInterrupt as e:
        print("FAIL %s: interrupted (%s)" % (case, e))
        return 1
    except Exception as e:   # a bug in the test or an AT-SPI error: still a clean FAIL
        print("FAIL %s (%.1fs): unexpected %r" % (case, timer.total(), e))
        traceback.print_exc(file=sys.stderr)
        return 1
    print("PASS %s (%.1fs): %s" % (case, timer.total(), detail))
    print("  phases: %s" % timer.text())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
