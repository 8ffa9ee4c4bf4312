#!/usr/bin/python3
"""The fixtray app driven end to end through its accessibility tree (AT-SPI), headless.

usage: /usr/bin/python3 tests/gui/test_fixtray_flow.py FIXTRAY_BIN OUTDIR CASE

FIXTRAY_BIN: the built app (build/src/fixtray/fixtray). OUTDIR: screenshots, the app's stderr,
the accessibility tree on failure (created). CASE:

  escalate  A fix whose step fails (tests/gui/packs/flow.xml, "Repair the widget cache"); the
            escalation backend is a real Request Tracker (tests/services/rt.sh, started here).
            Search "widget" -> the fix is in "Fixes" -> select it -> "Run this fix" -> the run
            window's "Result" says "Not fixed." -> "Get help from IT" -> the dialog collects
            diagnostics until "Send" is enabled -> remove one item of "Attached diagnostics"
            (rows one fewer) -> type "Your comment" -> "Send" -> "Request status" says "Sent to
            your help desk as ticket N." -> RT's REST 2 API has ticket N in queue General, with
            the comment and a .tar.gz attachment that holds the other items and not the removed
            one. Then the windows are closed and the app must exit 0.
            Screenshots: main-window.png, run-view.png, escalation.png.
  cancel    A fix whose step runs `sleep MARKER & sleep MARKER; wait` (MARKER unique per run):
            once both sleeps run, "Cancel the fix" -> "Result" says "Cancelled." -> no sleep with
            the marker is left -> the windows are closed (WM_DELETE_WINDOW: there is no window
            manager) -> the app exits 0 -> no process it started is left.
            Screenshot: cancelled.png.

The app runs with its own HOME, XDG_RUNTIME_DIR and machine root (FIXTRAY_MACHINE_ROOT:
ROOT/etc/fixtray/fixtray.json and ROOT/etc/fixtray/packs/flow.xml), LANG=C.UTF-8, `--tray=none`,
on Xvfb with a private session bus (the app activates the AT-SPI bus there). Everything is found
by role and accessible name and operated through AT-SPI actions, EditableText and Selection; no
keyboard or mouse input is needed. Every wait polls with a deadline; nothing sleeps to
synchronise.

Prints one PASS/FAIL line with the phase timings; exit 0 only if the case passed. Everything
started (Xvfb, bus, app, Request Tracker) is stopped on every path.

Also written to OUTDIR: <case>.fixtray.stderr.log, escalate.rt-sh.log, escalate-items.txt (the
"Attached diagnostics" rows before and after Remove, the bundle's files), escalate-bundle.tar.gz
(the attachment as RT stored it); on failure <case>.atspi-tree.txt and <case>-failure.png.

App behaviour this test works around: a wxDataViewCtrl's accessible name (set_accessible) lands
on its GtkScrolledWindow ("scroll pane"), the table inside is unnamed: `named_table` takes the
table inside the named scroll pane (and a named table first, once the app names it). A wxDialog
is a "frame" in AT-SPI, not a "dialog": windows are looked up by name among both roles.
"""

import base64
import faulthandler
import io
import json
import os
import shutil
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
        return env

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def start_app(x, binary, env, outdir, case):
    log = open(os.path.join(outdir, "%s.fixtray.stderr.log" % case), "wb")
    try:
        app = x.spawn([binary, "--tray=none"], env=env, stdout=subprocess.PIPE, stderr=log)
    finally:
        log.close()
    line, _ = guitest.wait_for_line(app, r"^fixtray: tray ", START_TIMEOUT,
                                    "fixtray's 'fixtray: tray ...' line")
    check(line == "fixtray: tray none", "expected 'fixtray: tray none', got %r" % line)
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

    def __init__(self, outdir):
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
        log = open(os.path.join(outdir, "escalate.rt-sh.log"), "wb")
        try:
            p = self.procs.start([RT_SH, "start", self.dir], stdout=subprocess.PIPE, stderr=log)
        finally:
            log.close()
        try:
            out, _ = p.communicate(timeout=RT_START_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise CaseFailed("rt.sh start did not finish within %.0f s (see escalate.rt-sh.log)"
                             % RT_START_TIMEOUT) from None
        if p.returncode != 0:
            raise CaseFailed("rt.sh start failed (%d), see escalate.rt-sh.log" % p.returncode)
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


def case_escalate(binary, outdir, timer):
    rt = RequestTracker(outdir)
    machine = None
    try:
        timer.mark("rt start")
        machine = Machine({})
        password_file = machine.secret_file("rt.password", rt.env["FIXTRAY_TEST_RT_PASSWORD"])
        machine.write_config({
            "escalation": {
                "policy": "ask",
                "backend": {"type": "rt", "url": rt.url, "queue": "General",
                            "user": rt.env["FIXTRAY_TEST_RT_USER"],
                            "password_file": password_file, "timeout": "60"},
                "email_domain": "example.com",
            }})
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
    details = label_text(run_win, "Result details")
    check("Rebuilding the widget cache" in details, "result details: %r" % details)
    steps = list_rows(named_table(run_win, "Steps"))
    check(steps and steps[0][0] == "failed" and "Rebuilding the widget cache" in steps[0][1],
          "the Steps table: %r" % steps)
    help_button = atspi.wait_find(run_fn, "push button", "Get help from IT", STEP_TIMEOUT,
                                  enabled_too=True)
    settled_screenshot(x, os.path.join(outdir, "run-view.png"), run_title)
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
    atspi.press(remove)
    after = atspi.wait_until(lambda: (lambda r: r if len(r) == len(before) - 1 else None)(
        list_rows(named_table(dlg_fn(), "Attached diagnostics"))), STEP_TIMEOUT,
        "'Attached diagnostics' to have %d rows (it had %d)" % (len(before) - 1, len(before)))
    after_titles = [r[0] for r in after]
    check(REMOVED_ITEM_TITLE not in after_titles and
          sorted(after_titles + [REMOVED_ITEM_TITLE]) == sorted(titles),
          "after Remove: %s (before: %s)" % (after_titles, titles))

    comment_box = atspi.find(dlg, "text", "Your comment")
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
    check(rc == 0, "fixtray exited %s after its main window closed, expected 0" % rc)
    left = guitest.leftovers(x.procs.token)
    check(not left, "processes left after fixtray exited: %s" % left)
    timer.mark("quit")
    return "ticket %s: %s; items %d -> %d" % (ticket, rt_detail, len(before), len(after))


def check_ticket(rt, ticket, comment, outdir):
    t = rt.get("ticket/%s" % ticket)
    queue = t.get("Queue") or {}
    qname = rt.get("queue/%s" % queue.get("id"))["Name"] if queue.get("id") else None
    check(qname == "General", "ticket %s is in queue %r, expected General" % (ticket, qname))
    subject = t.get("Subject", "")
    check(ESCALATE_FIX in subject, "ticket subject %r does not name the fix" % subject)

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
    check(any(comment in t for t in texts),
          "the comment is in none of the ticket's %d text parts" % len(texts))
    check(len(bundles) == 1, "ticket %s has %d .tar.gz attachments (%s), expected 1"
          % (ticket, len(bundles), [a.get("Filename") for a in atts]))
    fname, raw = bundles[0]
    with open(os.path.join(outdir, "escalate-bundle.tar.gz"), "wb") as f:
        f.write(raw)
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as tf:
        members = {m.name: tf.extractfile(m).read().decode(errors="replace")
                   for m in tf.getmembers() if m.isfile()}
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
    check(rc == 0, "fixtray exited %s after its windows closed, expected 0" % rc)
    guitest.wait_for(lambda: not guitest.leftovers(x.procs.token), KILL_TIMEOUT,
                     "no process of the app's to be left")
    check(not processes_matching(needle), "a sleep with the marker is back")
    timer.mark("quit")
    return "killed %d sleeps (%s), exit 0, nothing left" % (len(sleeps), needle)


# ---------------------------------------------------------------------------------------------


CASES = {"escalate": case_escalate, "cancel": case_cancel}


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
