#!/usr/bin/python3
"""tray_bench: fixtray's tray against the reference tray app (minimal_tray), side by side.

usage: /usr/bin/python3 tests/bench/tray_bench.py --fixtray BIN --reference BIN
                        [--fixctl BIN] [--rounds N] [--out DIR] [--packs N] [--perf]

Both apps run on the same Xvfb (options from $GUITEST_XVFB_ARGS, as in tests/gui: compare
"-extension GLX" only with itself), the same tray host, the same kind of HOME, in the same run,
alternately (fixtray first in even rounds, the reference first in odd ones), after one warm-up
start of each that is not counted. fixtray runs on a machine root (FIXTRAY_MACHINE_ROOT) with
an installed feed of N generated packs (tests/bench/feed_packs.py, default 200) and an
escalation backend that does not answer (RT at http://127.0.0.1:9/).

Measurements (median [min..max] over the rounds, ratio of the medians, target, PASS/MISS):
  idle RSS, XEmbed      VmRSS once the icon is docked in trayer and the app is idle (largest
                        sample over 1 s starting 3 s after docking); target <= 1.10x
  idle RSS, SNI         the same with the test StatusNotifierWatcher (tests/gui/sni_watcher.py),
                        once the item is registered and its menu was read once (fixtray: with
                        its category submenus, which it fills when a host opens them); target
                        <= 1.10x
  RSS, SNI, opened      then every submenu opened once as a host opens it (AboutToShow), each
                        with its fixes (every feed fix must be there); reported, no target
  start, XEmbed         process start to its icon window docked in trayer; target <= 1.3x
  start, SNI            process start to its item registered with the watcher; target <= 1.3x
  UI heartbeat          fixtray only (FIXTRAY_HEARTBEAT_FILE: a 10 ms timer on the UI thread,
                        the longest gap between ticks since start), one fixtray per activity
                        under the SNI watcher; target: never more than 50 ms:
      idle              after start, the catalog loaded, the menu built and each of its
                        submenus opened once, idle 1 s
      (a) fix runs      a click on a feed fix in the SNI menu (no confirmation): steps that
                        print about 1.5 MB in big and small writes and sleep; until the audit log
                        has its line, plus 1 s
      (b) diagnostics   "Get help from IT..." in the SNI menu: the escalation dialog opens and
                        collects diagnostics on its worker; until its Send button is enabled
                        (pyatspi), plus 1 s
      (c) request sent  then Send pressed (pyatspi): queued, a delivery attempt to the backend
                        that does not answer, the outbox pass it triggers; until the status says
                        so, plus 2 s. Same process as (b), which runs first: when the maximum
                        did not grow, the send phase's own longest gap is only known to be at
                        most the earlier maximum ("<= N")
      (c2) outbox send  a request queued beforehand (fixctl escalate -y), sent with the menu's
                        "1 request waiting to be sent: send now"; no dialog in that process
      (d) reload        a new feed generation of all packs (one fix title changed) installed
                        as FeedSync installs it; until the SNI menu shows the new title, plus 1 s
  Each activity's figure is the heartbeat maximum read after it; the idle maximum of the same
  process is printed next to it. The heartbeat maximum covers everything since start, so a
  figure equal to the idle one means "at most that".

Xvfb and GLX: the first GTK client of a new X server probes GLX and loads Mesa (about 50 MB
more RSS); it leaves its result on the root window (GDK's visuals property), so later clients do
not. The warm-up starts absorb that; every counted start is a later client, with or without
"-extension GLX".

Prints the table, writes results.json and the apps' logs to --out (default: a new directory
under /tmp). Exit 0 when everything was measured (a MISS is a result, not an error), 1 when a
measurement failed, 2 on bad usage. Everything it starts is stopped (guitest's Procs; the
benchmark checks for leftovers at the end).
"""

import argparse
import glob
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
GUI = os.path.join(HERE, "..", "gui")
sys.path.insert(0, GUI)
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True   # no __pycache__ in the source tree

import guitest  # noqa: E402
from guitest import X, session_bus, start_trayer, wait_for  # noqa: E402
import sni_watcher  # noqa: E402
import feed_packs  # noqa: E402

STEP_TIMEOUT = 60.0
IDLE_SETTLE = 3.0        # s after docking/registration before the RSS samples
RSS_WINDOW = 1.0         # s of RSS samples (the largest is taken)
HEARTBEAT_LIMIT_MS = 50
RSS_TARGET = 1.10
START_TARGET = 1.3
UNREACHABLE_BACKEND = "http://127.0.0.1:9/"


class MeasureFailed(Exception):
    pass


def log(msg):
    print(msg, flush=True)


# ---------------------------------------------------------------------------------------------
# the two apps


class Side:
    """One app under test: how to start it and recognise its icon / item."""

    def __init__(self, name, binary, icon_match, item_suffix, machine_root=None):
        self.name = name
        self.binary = binary
        self.icon_match = icon_match
        self.item_suffix = item_suffix
        self.machine_root = machine_root

    def env(self, x_env, home, bus=None, extra=None):
        runtime = os.path.join(home, "run")
        os.makedirs(runtime, mode=0o700, exist_ok=True)
        env = dict(x_env, HOME=home, XDG_RUNTIME_DIR=runtime, LANG="C.UTF-8", LANGUAGE="",
                   LC_ALL="")
        for k in ("XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME",
                  "FIXTRAY_HEARTBEAT_FILE", "NO_AT_BRIDGE"):
            env.pop(k, None)
        if bus:
            env["DBUS_SESSION_BUS_ADDRESS"] = bus
        if self.machine_root:
            env["FIXTRAY_MACHINE_ROOT"] = self.machine_root
        env.update(extra or {})
        return env

    def spawn(self, x, env, logdir, tag):
        out = open(os.path.join(logdir, "%s-%s.log" % (self.name, tag)), "wb")
        try:
            t0 = time.monotonic()
            p = x.spawn([self.binary], env=env, stdout=out, stderr=subprocess.STDOUT)
        finally:
            out.close()
        p.bench_t0 = t0
        p.bench_log = os.path.join(logdir, "%s-%s.log" % (self.name, tag))
        return p


def open_log(logdir, name):
    """An append-mode log file for a child's output (the child keeps its own descriptor)."""
    return open(os.path.join(logdir, name), "ab")


def stop(p, timeout=20.0):
    """SIGTERM our own process (by its Popen), SIGKILL after ``timeout``; returns its code."""
    if p.poll() is None:
        p.terminate()
        try:
            return p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            return p.wait(10)
    return p.returncode


def mem_status(pid):
    """VmRSS, RssAnon, RssFile, RssShmem (KiB) and Pss (KiB, smaps_rollup)."""
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k = line.split(":")[0]
                if k in ("VmRSS", "RssAnon", "RssFile", "RssShmem", "Threads"):
                    out[k] = int(line.split()[1])
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    out["Pss"] = int(line.split()[1])
    except OSError:
        pass
    return out


def idle_rss(p, since, smaps_suffix=""):
    """The largest VmRSS over RSS_WINDOW starting IDLE_SETTLE s after ``since``, with the
    breakdown of that sample (its smaps kept as ``<log><smaps_suffix>.smaps``)."""
    left = since + IDLE_SETTLE - time.monotonic()
    if left > 0:
        time.sleep(left)
    best, end = {}, time.monotonic() + RSS_WINDOW
    while time.monotonic() < end:
        if p.poll() is not None:
            raise MeasureFailed("the app exited (%s) while idle" % p.returncode)
        m = mem_status(p.pid)
        if m.get("VmRSS", 0) >= best.get("VmRSS", 0):
            best = m
            smaps_copy(p, smaps_suffix)
        time.sleep(0.1)
    return best


def smaps_copy(p, suffix=""):
    """Keeps /proc/PID/smaps of the sample next to the app's log (``<log><suffix>.smaps``), to
    see where the memory is (tests/bench/smaps_summary.py)."""
    try:
        with open("/proc/%d/smaps" % p.pid) as f:
            text = f.read()
        with open(p.bench_log + suffix + ".smaps", "w") as f:
            f.write(text)
    except OSError:
        pass


# ---------------------------------------------------------------------------------------------
# XEmbed and SNI rounds


def xembed_round(x, side, home, logdir, tag):
    """Start ``side`` under trayer; (ms to docked, memory dict)."""
    env = side.env(x.env, home)
    before = {i["id"] for i in guitest.docked_icons(x)}
    p = side.spawn(x, env, logdir, tag)
    try:
        deadline = p.bench_t0 + STEP_TIMEOUT
        while True:
            icons = [i for i in guitest.docked_icons(x)
                     if i["id"] not in before and i["mapped"] and side.icon_match in i["name"]]
            now = time.monotonic()
            if icons:
                break
            if p.poll() is not None:
                raise MeasureFailed("%s exited (%s) before docking; log %s"
                                    % (side.name, p.returncode, p.bench_log))
            if now > deadline:
                raise MeasureFailed("%s did not dock within %.0f s" % (side.name, STEP_TIMEOUT))
            time.sleep(0.005)
        start_ms = (now - p.bench_t0) * 1000
        mem = idle_rss(p, now)
        return start_ms, mem
    finally:
        stop(p)
        wait_for(lambda: not [i for i in guitest.docked_icons(x) if i["id"] not in before],
                 STEP_TIMEOUT, "%s's icon to leave the tray" % side.name)


def menu_fix_labels(client, item):
    """Labels (mnemonics stripped) of every entry of every submenu of the item's menu, each
    submenu opened as a host opens it (fixtray fills one when it is about to be shown)."""
    out = []
    for c in client.menu_layout(item, open_submenus=True).children:
        for f in c.children:
            out.append(sni_watcher._strip_mnemonic(f.label))
    return out


def new_item(client, before, suffix, p, side):
    deadline = p.bench_t0 + STEP_TIMEOUT
    while True:
        try:
            items = [i for i in client.items() if i not in before and i.endswith(suffix)]
        except Exception:   # noqa: BLE001 -- the watcher is busy: try again
            items = []
        now = time.monotonic()
        if items:
            return items[0], now
        if p.poll() is not None:
            raise MeasureFailed("%s exited (%s) before registering; log %s"
                                % (side.name, p.returncode, p.bench_log))
        if now > deadline:
            raise MeasureFailed("%s did not register within %.0f s" % (side.name, STEP_TIMEOUT))
        time.sleep(0.005)


def wait_menu_loaded(client, item, want_fixes, timeout=STEP_TIMEOUT):
    """Wait until the item's submenus hold at least ``want_fixes`` entries; their labels."""
    def loaded():
        labels = menu_fix_labels(client, item)
        return labels if len(labels) >= want_fixes else None
    return wait_for(loaded, timeout, "%d fixes in the SNI menu" % want_fixes, interval=0.25,
                    ignore=(Exception,))


def sni_round(x, bus, client, side, home, logdir, tag, want_fixes):
    """Start ``side`` under the test watcher; (ms to registered, idle memory dict, menu
    entries, memory dict once every submenu was opened)."""
    env = side.env(x.env, home, bus)
    before = set(client.items())
    p = side.spawn(x, env, logdir, tag)
    item = None
    try:
        item, now = new_item(client, before, side.item_suffix, p, side)
        start_ms = (now - p.bench_t0) * 1000
        # The host reads the menu (fixtray: once its catalog is in it, as category submenus),
        # and nobody opens it: idle.
        if want_fixes:
            wait_for(lambda: [c for c in client.menu_layout(item).children if c.submenu],
                     STEP_TIMEOUT, "the categories in the SNI menu", interval=0.25,
                     ignore=(Exception,))
        entries = len(client.menu_layout(item).children)
        mem = idle_rss(p, now)
        opened = mem
        if want_fixes:
            # Then every submenu is opened once, as a host opens each when the employee points
            # at it: all the fixes must be there. The memory after that is reported too.
            entries = len(wait_menu_loaded(client, item, want_fixes))
            opened = idle_rss(p, time.monotonic(), "-opened")
        return start_ms, mem, entries, opened
    finally:
        stop(p)
        if item:
            client.wait_for_no_item(item, STEP_TIMEOUT)


# ---------------------------------------------------------------------------------------------
# the heartbeat


class Heartbeat:
    """fixtray's FIXTRAY_HEARTBEAT_FILE: "max_gap_ms N ticks N", rewritten twice a second."""

    def __init__(self, path):
        self.path = path

    def read(self):
        try:
            with open(self.path) as f:
                words = f.read().split()
            return int(words[1]), int(words[3])
        except (OSError, IndexError, ValueError):
            return None

    def after(self, t_ns=None, timeout=STEP_TIMEOUT):
        """The maximum from a write made after wall-clock time ``t_ns`` (default now): every
        gap up to that moment is in it."""
        t_ns = (time.time_ns() if t_ns is None else t_ns) + 10_000_000
        deadline = time.monotonic() + timeout
        while True:
            try:
                if os.stat(self.path).st_mtime_ns > t_ns:
                    v = self.read()
                    if v:
                        return v[0]
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise MeasureFailed("the heartbeat file %s was not rewritten within %.0f s"
                                    % (self.path, timeout))
            time.sleep(0.05)


class HeartbeatRun:
    """One fixtray with the heartbeat on, under the SNI watcher: started, catalog in the menu,
    idle 1 s. ``state`` is its per-user state directory."""

    def __init__(self, ctx, tag, machine_root, want_fixes, home=None):
        self.ctx = ctx
        self.home = home or tempfile.mkdtemp(prefix="hb-%s-" % tag, dir=ctx.homes)
        self.state = os.path.join(self.home, ".local", "state", "fixtray")
        self.hb = Heartbeat(os.path.join(self.home, "heartbeat"))
        side = Side(ctx.fixtray.name, ctx.fixtray.binary, "", "/fixtray", machine_root)
        env = side.env(ctx.x.env, self.home, ctx.bus,
                       {"FIXTRAY_HEARTBEAT_FILE": self.hb.path})
        before = set(ctx.client.items())
        self.p = side.spawn(ctx.x, env, ctx.logdir, tag)
        try:
            self.item, _ = new_item(ctx.client, before, "/fixtray", self.p, side)
            self.labels = wait_menu_loaded(ctx.client, self.item, want_fixes)
            time.sleep(1.0)
            self.idle = self.hb.after()
            if ctx.perf_dir:   # the UI thread only (its tid is the pid), from here on
                self.perf = subprocess.Popen(
                    ["perf", "record", "-q", "-F", "2000", "--call-graph", "dwarf,16384",
                     "-t", str(self.p.pid), "-o", os.path.join(ctx.perf_dir, tag + ".data")],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=open_log(ctx.logdir, "perf.log"))
                time.sleep(0.5)   # perf attached before the activity starts
        except BaseException:
            self.close()
            raise

    def alive(self):
        if self.p.poll() is not None:
            raise MeasureFailed("fixtray exited (%s) during the activity; log %s"
                                % (self.p.returncode, self.p.bench_log))

    def close(self):
        if getattr(self, "perf", None):
            self.perf.send_signal(signal.SIGINT)   # perf writes its file and exits
            self.perf.wait(timeout=60)
            self.perf = None
        stop(self.p)
        if getattr(self, "item", None):
            try:
                self.ctx.client.wait_for_no_item(self.item, STEP_TIMEOUT)
            except Exception:   # noqa: BLE001 -- the next run waits for its own item
                pass


def audit_lines(state):
    try:
        with open(os.path.join(state, "audit.jsonl")) as f:
            return [json.loads(line) for line in f if line.strip()]
    except (OSError, ValueError):
        return []


def activity_fix(ctx, r):
    """(a) a fix runs: click it in the SNI menu, wait for its audit line."""
    run = HeartbeatRun(ctx, "fix-%d" % r, ctx.machine_root, ctx.want_fixes)
    try:
        t = time.monotonic()
        ctx.client.click(run.item, feed_packs.BENCH_FIX_TITLE)

        def done():
            run.alive()
            return audit_lines(run.state)
        lines = wait_for(done, 180, "the fix's line in %s/audit.jsonl" % run.state, interval=0.05)
        took = time.monotonic() - t
        time.sleep(1.0)
        gap = run.hb.after()
        outcome = lines[-1].get("outcome", "?")
        return {"idle": run.idle, "max": gap,
                "note": "fix took %.1f s, outcome %s" % (took, outcome)}
    finally:
        run.close()


def _fixtray_app(ctx, pid):
    atspi = ctx.atspi
    return wait_for(lambda: atspi.find_app("fixtray", pid), STEP_TIMEOUT,
                    "fixtray (pid %d) on the accessibility bus" % pid, interval=0.2)


def _dialog(ctx, app):
    atspi = ctx.atspi
    for w in atspi.children(app):
        if atspi.name(w).startswith("Get help from IT"):
            return w
    return None


def _open_escalation(ctx, run):
    """Click "Get help from IT..." and wait until the dialog's Send button is enabled (the
    bundle is ready). Returns (seconds, the dialog accessible, Send button)."""
    atspi = ctx.atspi
    t = time.monotonic()
    ctx.client.click(run.item, "Get help from IT...")
    # First the file system (no calls into the app while it works), then the accessible tree.
    tmp = os.path.join(run.state, "tmp")

    def bundle():
        run.alive()
        return glob.glob(os.path.join(tmp, "*")) or None
    wait_for(bundle, 120, "a diagnostics bundle in %s" % tmp, interval=0.05)
    app = _fixtray_app(ctx, run.p.pid)
    send = atspi.wait_find(lambda: _dialog(ctx, app), "push button", "Send", 120,
                           enabled_too=True)
    return time.monotonic() - t, _dialog(ctx, app), send


def activity_diagnostics(ctx, r):
    """(b) diagnostics collected: the escalation dialog opens and collects."""
    run = HeartbeatRun(ctx, "diag-%d" % r, ctx.machine_root, ctx.want_fixes)
    try:
        took, _, _ = _open_escalation(ctx, run)
        time.sleep(1.0)
        gap = run.hb.after()
        return {"idle": run.idle, "max": gap,
                "note": "dialog open to Send enabled %.2f s" % took}
    finally:
        run.close()


def activity_send(ctx, r):
    """(c) a request sent: after (b) in the same process, Send pressed."""
    atspi = ctx.atspi
    run = HeartbeatRun(ctx, "send-%d" % r, ctx.machine_root, ctx.want_fixes)
    try:
        _, dialog, send = _open_escalation(ctx, run)
        time.sleep(1.0)
        before = run.hb.after()
        t = time.monotonic()
        atspi.press(send)
        status = atspi.find(dialog, "label", "Request status", only_showing=False)

        def said():
            run.alive()
            text = atspi.text_of(status)
            return text if text and not text.startswith(("Sending", "Ready")) else None
        text = atspi.wait_until(said, 120, "the request status after Send")
        took = time.monotonic() - t
        outbox = glob.glob(os.path.join(run.state, "outbox", "*"))
        time.sleep(2.0)   # the outbox pass the dialog asks for, and its menu update
        gap = run.hb.after()
        return {"idle": run.idle, "before": before, "max": gap, "masked": gap <= before,
                "note": "Send to status %.2f s (%r; outbox entries %d)"
                        % (took, text[:70], len(outbox))}
    finally:
        run.close()


def activity_outbox_send(ctx, r):
    """(c2) a request queued beforehand (fixctl escalate -y), sent from the tray menu."""
    home = tempfile.mkdtemp(prefix="hb-outbox-%d-" % r, dir=ctx.homes)
    env = ctx.fixtray.env(os.environ, home)
    env.pop("DISPLAY", None)
    q = subprocess.run([ctx.fixctl, "escalate", "-y", "--email", "someone@example.com",
                        "-m", "The benchmark's request"], env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    if q.returncode != 0:
        raise MeasureFailed("fixctl escalate -y exited %d: %s"
                            % (q.returncode, q.stdout.decode(errors="replace")[-800:]))
    run = HeartbeatRun(ctx, "outbox-%d" % r, ctx.machine_root, ctx.want_fixes, home=home)
    try:
        root = ctx.client.menu_layout(run.item)
        entry = [sni_watcher._strip_mnemonic(c.label) for c in root.children
                 if "waiting to be sent" in c.label]
        if not entry:
            raise MeasureFailed("no 'waiting to be sent' entry in the menu: %s"
                                % [c.label for c in root.children])
        outbox_dir = os.path.join(run.state, "outbox")
        stamp = _tree_stamp(outbox_dir)
        t = time.monotonic()
        ctx.client.click(run.item, entry[0])
        wait_for(lambda: _tree_stamp(outbox_dir) != stamp, 120,
                 "the outbox to record the delivery attempt", interval=0.05)
        took = time.monotonic() - t
        time.sleep(2.0)
        gap = run.hb.after()
        return {"idle": run.idle, "max": gap,
                "note": "click to outbox updated %.2f s" % took}
    finally:
        run.close()


def _tree_stamp(d):
    out = []
    for base, _, files in os.walk(d):
        for f in files:
            try:
                st = os.stat(os.path.join(base, f))
                out.append((os.path.join(base, f), st.st_size, st.st_mtime_ns))
            except OSError:
                pass
    return sorted(out)


def activity_reload(ctx, r):
    """(d) a new feed generation of all packs; until the menu shows the changed title."""
    root = os.path.join(ctx.out, "machine-reload-%d" % r)
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(ctx.machine_root, root, symlinks=True)
    run = HeartbeatRun(ctx, "reload-%d" % r, root, ctx.want_fixes)
    try:
        changed = 7
        packs, fixes = feed_packs.generate(ctx.packs, changed=changed)
        new_title = [t for _, t in fixes if t.endswith(" (updated)")][0]
        t = time.monotonic()
        feed_packs.install(root, packs, 2)

        def shown():
            run.alive()
            return new_title in menu_fix_labels(ctx.client, run.item)
        wait_for(shown, 120, "%r in the SNI menu" % new_title, interval=0.25,
                 ignore=(Exception,))
        took = time.monotonic() - t
        time.sleep(1.0)
        gap = run.hb.after()
        return {"idle": run.idle, "max": gap,
                "note": "new generation to menu updated %.1f s (the watcher polls every 2 s)"
                        % took}
    finally:
        run.close()
        shutil.rmtree(root, ignore_errors=True)


ACTIVITIES = [
    ("fix", "(a) a fix runs", activity_fix),
    ("diagnostics", "(b) diagnostics collected", activity_diagnostics),
    ("send", "(c) a request sent (Send, after (b))", activity_send),
    ("outbox", "(c2) a queued request sent (menu)", activity_outbox_send),
    ("reload", "(d) %d packs reloaded", activity_reload),
]


# ---------------------------------------------------------------------------------------------
# the run


class Context:
    pass


def stats(values):
    v = [x for x in values if x is not None]
    if not v:
        return None
    return statistics.median(v), min(v), max(v)


def fmt(st, unit_div=1.0, digits=1):
    if not st:
        return "-"
    m, lo, hi = (x / unit_div for x in st)
    f = "%%.%df" % digits
    return (f + " [" + f + ".." + f + "]") % (m, lo, hi)


def machine_setup(out, n_packs):
    root = os.path.join(out, "machine")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "etc", "fixtray"))
    os.chmod(root, 0o755)
    packs, fixes = feed_packs.generate(n_packs)
    feed_packs.install(root, packs, 1)
    config = {"escalation": {"policy": "ask",
                             "backend": {"type": "rt", "url": UNREACHABLE_BACKEND,
                                         "queue": "Laptops", "token": "bench-not-a-token",
                                         "timeout": "10"},
                             "email_domain": "example.com"}}
    with open(os.path.join(root, "etc", "fixtray", "fixtray.json"), "w") as f:
        json.dump(config, f, indent=2)
    size = sum(len(x.encode()) for _, _, x in packs.values())
    return root, packs, fixes, size


def check_with_fixctl(fixctl, root, fixes, home):
    env = dict(os.environ, HOME=home, FIXTRAY_MACHINE_ROOT=root, LANG="C.UTF-8")
    env.pop("DISPLAY", None)
    r = subprocess.run([fixctl, "list"], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120)
    out = r.stdout.decode(errors="replace")
    listed = {line.split()[0] for line in out.splitlines() if line.strip()}
    missing = [fid for fid, _ in fixes if fid not in listed]
    if r.returncode != 0 or missing:
        raise MeasureFailed("fixctl list (exit %d) misses %d of the %d feed fixes: %s; stderr: %s"
                            % (r.returncode, len(missing), len(fixes), missing[:5],
                               r.stderr.decode(errors="replace")[-500:]))
    return len(listed), r.stderr.decode(errors="replace").strip()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fixtray", required=True)
    ap.add_argument("--reference", required=True, help="minimal_tray")
    ap.add_argument("--fixctl", help="default: fixctl next to fixtray's build directory")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--packs", type=int, default=200)
    ap.add_argument("--out")
    ap.add_argument("--only", default="xembed,sni,heartbeat",
                    help="comma-separated sections: xembed, sni, heartbeat")
    ap.add_argument("--perf", action="store_true",
                    help="record fixtray's UI thread with perf during each heartbeat activity "
                         "(OUT/perf/<activity>-<round>.data; read with tests/bench/ui_stretches.py)")
    a = ap.parse_args(argv)
    fixtray = os.path.abspath(a.fixtray)
    reference = os.path.abspath(a.reference)
    fixctl = a.fixctl or os.path.join(os.path.dirname(os.path.dirname(fixtray)), "fixctl")
    if os.path.isdir(fixctl):
        fixctl = os.path.join(fixctl, "fixctl")
    for b in (fixtray, reference, fixctl):
        if not os.access(b, os.X_OK):
            ap.error("not an executable: %s" % b)
    if a.rounds < 1:
        ap.error("--rounds must be at least 1")
    sections = set(a.only.split(","))
    out = os.path.abspath(a.out or tempfile.mkdtemp(prefix="tray-bench-"))
    os.makedirs(out, exist_ok=True)
    logdir = os.path.join(out, "logs")
    homes = os.path.join(out, "homes")
    shutil.rmtree(homes, ignore_errors=True)
    os.makedirs(logdir, exist_ok=True)
    os.makedirs(homes)

    guitest.become_subreaper()
    guitest.cleanup_on_signals()
    token = "tray-bench-%s" % uuid.uuid4().hex[:12]
    os.environ[guitest.TOKEN_VAR] = (os.environ.get(guitest.TOKEN_VAR, "") + " " + token).strip()
    os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)

    t_start = time.monotonic()
    root, packs, fixes, size = machine_setup(out, a.packs)
    n_listed, fixctl_err = check_with_fixctl(fixctl, root, fixes,
                                             tempfile.mkdtemp(prefix="fixctl-", dir=homes))
    want_fixes = len(fixes)
    xvfb_args = os.environ.get("GUITEST_XVFB_ARGS", "")
    log("tray_bench: %s vs %s" % (fixtray, reference))
    log("  %d rounds, interleaved, after one warm-up start each; Xvfb extra args: %r (%s)"
        % (a.rounds, xvfb_args, "GLX off" if "GLX" in xvfb_args else "GLX on: GTK loads Mesa"))
    log("  feed: %d packs, %d fixes, %d KiB installed under %s; fixctl list: %d fixes%s"
        % (len(packs), len(fixes), size // 1024, root, n_listed,
           "; fixctl said: " + fixctl_err[:200] if fixctl_err else ""))
    log("  out: %s" % out)

    fx = Side("fixtray", fixtray, "fixtray", "/fixtray", root)
    ref = Side("minimal_tray", reference, "minimal_tray", "/minimal_tray")
    res = {"xembed_start": {}, "xembed_mem": {}, "sni_start": {}, "sni_mem": {},
           "sni_opened_mem": {}}
    for k in res:
        res[k] = {fx.name: [], ref.name: []}
    heartbeat = {k: [] for k, _, _ in ACTIVITIES}
    heartbeat["idle"] = []
    failures = []

    def home_of(side):
        h = os.path.join(homes, side.name)
        os.makedirs(h, exist_ok=True)
        return h

    def order(r):
        return [fx, ref] if r % 2 == 0 else [ref, fx]

    try:
        if "xembed" in sections:
            log("XEmbed (trayer): start to docked, idle RSS ...")
            with X() as x:
                start_trayer(x, timeout=STEP_TIMEOUT)
                for r in range(-1, a.rounds):
                    for side in order(r):
                        try:
                            ms, mem = xembed_round(x, side, home_of(side), logdir,
                                                   "xembed-%d" % r)
                        except Exception as e:  # noqa: BLE001 -- reported, the run goes on
                            failures.append("xembed round %d, %s: %s" % (r, side.name, e))
                            log("  FAILED: %s" % failures[-1])
                            continue
                        if r >= 0:
                            res["xembed_start"][side.name].append(ms)
                            res["xembed_mem"][side.name].append(mem)
                        log("  round %2d %-12s docked %6.0f ms  RSS %6.1f MB%s"
                            % (r, side.name, ms, mem.get("VmRSS", 0) / 1024,
                               " (warm-up)" if r < 0 else ""))

        if "sni" in sections or "heartbeat" in sections:
            # The watcher in a process of its own: pyatspi iterates GLib's default main
            # context in this thread, which an in-process watcher thread's loop holds.
            with X() as x, session_bus(env=x.env) as bus, \
                    sni_watcher.Watcher.start_process(
                        bus, timeout=STEP_TIMEOUT, env=x.env,
                        popen=lambda argv, **kw: x.procs.start(
                            argv, stderr=open_log(logdir, "sni_watcher.log"), **kw)), \
                    sni_watcher.SniClient(bus) as client:
                if "sni" in sections:
                    log("SNI (test watcher): start to registered, idle RSS ...")
                    for r in range(-1, a.rounds):
                        for side in order(r):
                            try:
                                ms, mem, entries, opened = sni_round(
                                    x, bus, client, side, home_of(side), logdir, "sni-%d" % r,
                                    want_fixes if side is fx else 0)
                            except Exception as e:  # noqa: BLE001
                                failures.append("sni round %d, %s: %s" % (r, side.name, e))
                                log("  FAILED: %s" % failures[-1])
                                continue
                            if r >= 0:
                                res["sni_start"][side.name].append(ms)
                                res["sni_mem"][side.name].append(mem)
                                res["sni_opened_mem"][side.name].append(opened)
                            log("  round %2d %-12s registered %6.0f ms  RSS %6.1f MB  menu "
                                "entries %d%s" % (r, side.name, ms, mem.get("VmRSS", 0) / 1024,
                                                  entries, " (warm-up)" if r < 0 else ""))
                if "heartbeat" in sections:
                    log("UI heartbeat (fixtray, SNI, one process per activity) ...")
                    import atspi
                    atspi.connect(bus, x.display)
                    ctx = Context()
                    ctx.x, ctx.bus, ctx.client, ctx.atspi = x, bus, client, atspi
                    ctx.fixtray, ctx.fixctl, ctx.machine_root = fx, fixctl, root
                    ctx.want_fixes, ctx.packs = want_fixes, a.packs
                    ctx.out, ctx.logdir, ctx.homes = out, logdir, homes
                    ctx.perf_dir = None
                    if a.perf:
                        ctx.perf_dir = os.path.join(out, "perf")
                        os.makedirs(ctx.perf_dir, exist_ok=True)
                    for r in range(a.rounds):
                        for key, title, fn in ACTIVITIES:
                            try:
                                v = fn(ctx, r)
                            except Exception as e:  # noqa: BLE001
                                failures.append("heartbeat round %d, %s: %s: %s"
                                                % (r, key, type(e).__name__, e))
                                log("  FAILED: %s" % failures[-1])
                                traceback.print_exc(file=sys.stderr)
                                continue
                            heartbeat[key].append(v)
                            heartbeat["idle"].append(v["idle"])
                            log("  round %d %-38s idle max %3d ms%s -> max %3d ms  (%s)"
                                % (r, title % a.packs if "%d" in title else title, v["idle"],
                                   ", after (b) %3d ms" % v["before"] if "before" in v else "",
                                   v["max"], v["note"]))
    except KeyboardInterrupt:
        failures.append("interrupted")
    finally:
        try:
            wait_for(lambda: not guitest.leftovers(token), 20, "no leftover processes")
        except Exception:   # noqa: BLE001
            left = guitest.leftovers(token)
            failures.append("left running: %s" % left)
            for pid, _ in left:   # ours (they carry the run's token)
                try:
                    os.kill(pid, 9)
                except OSError:
                    pass

    # -----------------------------------------------------------------------------------------
    log("")
    log("Results (median [min..max] over %d rounds; Xvfb extra args %r)" % (a.rounds, xvfb_args))
    header = "%-44s %-26s %-26s %6s %8s  %s" % ("measurement", "fixtray", "minimal_tray",
                                                "ratio", "target", "result")
    log(header)
    log("-" * len(header))
    table = []

    def row(label, key, metric, div, digits, target, unit):
        a_st = stats([metric(m) for m in res[key][fx.name]])
        b_st = stats([metric(m) for m in res[key][ref.name]])
        ratio = a_st[0] / b_st[0] if a_st and b_st and b_st[0] else None
        verdict = "-" if ratio is None or target is None else (
            "PASS" if ratio <= target else "MISS")
        log("%-44s %-26s %-26s %6s %8s  %s" % (
            label + " (%s)" % unit, fmt(a_st, div, digits), fmt(b_st, div, digits),
            "%.2f" % ratio if ratio else "-", "<= %.2f" % target if target else "-", verdict))
        table.append({"measurement": label, "unit": unit, "fixtray": a_st, "reference": b_st,
                      "ratio": ratio, "target": target, "result": verdict})

    if "xembed" in sections:
        row("idle RSS, XEmbed, icon docked", "xembed_mem", lambda m: m.get("VmRSS"), 1024, 1,
            RSS_TARGET, "MB")
        row("  of it RssAnon", "xembed_mem", lambda m: m.get("RssAnon"), 1024, 1, None, "MB")
        row("  of it RssFile", "xembed_mem", lambda m: m.get("RssFile"), 1024, 1, None, "MB")
        row("  PSS", "xembed_mem", lambda m: m.get("Pss"), 1024, 1, None, "MB")
    if "sni" in sections:
        row("idle RSS, SNI, item registered", "sni_mem", lambda m: m.get("VmRSS"), 1024, 1,
            RSS_TARGET, "MB")
        row("  of it RssAnon", "sni_mem", lambda m: m.get("RssAnon"), 1024, 1, None, "MB")
        row("  of it RssFile", "sni_mem", lambda m: m.get("RssFile"), 1024, 1, None, "MB")
        row("RSS, SNI, every submenu opened once", "sni_opened_mem", lambda m: m.get("VmRSS"),
            1024, 1, None, "MB")
    if "xembed" in sections:
        row("start to icon docked, XEmbed", "xembed_start", lambda v: v, 1, 0, START_TARGET, "ms")
    if "sni" in sections:
        row("start to item registered, SNI", "sni_start", lambda v: v, 1, 0, START_TARGET, "ms")
    if "heartbeat" in sections:
        log("UI thread heartbeat, fixtray only: longest gap between 10 ms ticks (ms); "
            "target <= %d ms" % HEARTBEAT_LIMIT_MS)
        hb_rows = [("idle", "after start (catalog loaded, menu built), idle")] + \
            [(k, t % a.packs if "%d" in t else t) for k, t, _ in ACTIVITIES]
        for key, title in hb_rows:
            vals = heartbeat[key] if key == "idle" else [v["max"] for v in heartbeat[key]]
            st = stats(vals)
            if not st:
                log("  %-42s %-26s %s" % (title, "not measured", "-"))
                table.append({"measurement": "heartbeat " + key, "result": "not measured"})
                continue
            note = ""
            if key != "idle":
                masked = sum(1 for v in heartbeat[key]
                             if v["max"] <= (v.get("before") or v["idle"]))
                if masked:
                    note = "  (%d of %d rounds: no larger than the earlier maximum of the " \
                           "same process: this activity's own gap is at most that)" \
                           % (masked, len(heartbeat[key]))
            verdict = "PASS" if st[2] <= HEARTBEAT_LIMIT_MS else "MISS"
            log("  %-42s %-26s %-26s %6s %8s  %s%s" % (
                title, fmt(st, 1, 0), "", "", "<= %d" % HEARTBEAT_LIMIT_MS, verdict, note))
            table.append({"measurement": "heartbeat " + key, "unit": "ms", "fixtray": st,
                          "target": HEARTBEAT_LIMIT_MS, "result": verdict,
                          "rounds": heartbeat[key]})
        log("  (PASS/MISS on the largest value of all rounds: 'never more than 50 ms')")

    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"fixtray": fixtray, "reference": reference, "rounds": a.rounds,
                   "xvfb_args": xvfb_args, "packs": len(packs), "fixes": len(fixes),
                   "raw": res, "heartbeat": heartbeat, "table": table,
                   "failures": failures}, f, indent=2, default=str)
    log("")
    log("%.0f s; results.json and logs in %s" % (time.monotonic() - t_start, out))
    if failures:
        log("NOT MEASURED (%d):" % len(failures))
        for f in failures:
            log("  " + f)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
