#!/usr/bin/python3
"""fixtray's tray on each kind of desktop, under Xvfb (run by ctest; never skipped).

usage: /usr/bin/python3 tests/gui/test_fixtray_tray.py FIXTRAY OUTDIR CASE

CASE:
  xembed    Xvfb + trayer (an XEmbed tray): fixtray says "tray xembed", its icon docks in
            trayer's panel, a right click opens the menu (screenshot menu.png), a left click
            opens the main window, and Quit, chosen in the menu, ends it with exit 0.
  sni       Xvfb + a private session bus + the test StatusNotifierWatcher (sni_watcher.py),
            started first: fixtray says "tray sni", the watcher sees the item register; its
            Status, IconName and Title (the tooltip text) are read; the menu read over
            com.canonical.dbusmenu has the category submenus, empty until opened; opening
            Network as a host does (AboutToShow) fills it, LayoutUpdated says so, and every
            submenu opened has the three built-in fixes; clicking "Open fixtray" through the
            protocol opens the main window.
  sni-middle  the same, but the window is opened as a host does on a middle click
            (SecondaryActivate on the item).
  sni-entries  a request queued while the help desk cannot be reached (fixctl escalate)
            shows in the menu as "1 request waiting to be sent" and the item needs attention
            after the tray's own failed delivery; with the escalation policy "off" the menu
            has no "Get help from IT...".
  sni-symbolic  under GTK_THEME=HighContrast, HighContrastInverse and on ubuntu:GNOME the item's
            IconName and AttentionIconName are the -symbolic icons, found in its IconThemePath.
  xembed-colors  trayer's manager window publishes _NET_SYSTEM_TRAY_COLORS (a gold foreground):
            every pixel of the docked icon is the panel's background, that gold, or a blend;
            when it then publishes cyan, the idle icon is redrawn in cyan.
  none      Xvfb, a session bus without a watcher, no tray: fixtray says "tray none" and its
            window opens by itself.
  single    a second `fixtray --show` while one runs: it says so and exits 0, the first one's
            window opens, and only one fixtray process is left. Before that, other requests
            on its socket (another command, a flood, a client that sends nothing) get no
            answer and open nothing; the socket is gone after Quit.
  interrupted  while the tray runs, a `fixctl run` is killed with SIGKILL in the middle of a
            step that started a process with setsid: within seconds, and without another
            run, the tray records the run as interrupted and that process is ended.

Every case runs fixtray with its own HOME and FIXTRAY_MACHINE_ROOT (the built-in packs only) and
stops everything it started, also on failure.
"""

import json
import os
import re
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

import guitest  # noqa: E402
from guitest import X, session_bus, start_trayer, wait_for, wait_for_line, wait_exit  # noqa: E402
import sni_watcher  # noqa: E402

READY_TIMEOUT = 90.0
STEP_TIMEOUT = 45.0
# fixtray exports a new menu when its state changes; for a moment the old object is gone (a host
# reads the menu again on LayoutUpdated): a read in that moment is retried.
MENU_REPLACED = (sni_watcher.dbus.exceptions.DBusException,)
BUILTIN_FIXES = {"Reset my network", "Set up my printers again", "Clear my caches"}


class CaseFailed(Exception):
    pass


def check(cond, message):
    if not cond:
        raise CaseFailed(message)


def app_env(x, home, extra=None):
    runtime = os.path.join(home, "run")
    os.makedirs(runtime, mode=0o700, exist_ok=True)
    root = os.path.join(home, "machine")
    os.makedirs(root, exist_ok=True)
    env = dict(x.env, HOME=home, XDG_RUNTIME_DIR=runtime, FIXTRAY_MACHINE_ROOT=root,
               LANG="C.UTF-8", LANGUAGE="", LC_ALL="")
    # The theme and the desktop choose colour or symbolic icons: none unless a case sets them.
    env.pop("GTK_THEME", None)
    env.pop("XDG_CURRENT_DESKTOP", None)
    env.update(extra or {})
    return env


def start_fixtray(x, binary, outdir, tag, env, args=()):
    log = open(os.path.join(outdir, "%s.stderr.log" % tag), "wb")
    try:
        app = x.spawn([binary, *args], env=env, stdout=subprocess.PIPE, stderr=log)
    finally:
        log.close()
    return app


def wait_tray(app, kind):
    line, _ = wait_for_line(app, r"^fixtray: tray \w+$", READY_TIMEOUT, "fixtray's tray line")
    check(line == "fixtray: tray %s" % kind, "expected 'fixtray: tray %s', got %r" % (kind, line))


def main_window(x, timeout=STEP_TIMEOUT):
    """The mapped top-level window titled exactly "fixtray"."""
    return wait_for(lambda: [w for w in guitest.windows(x, "fixtray", top_level_only=True)
                             if w["name"] == "fixtray" and w["mapped"] and w["width"] > 100],
                    timeout, "fixtray's main window to be mapped")[0]


def library_mapped(pid, name):
    """Has the process loaded the library (e.g. "libcurl")? fixtray loads libcurl and
    libarchive on first use (src/fixtray/lazy_library.h)."""
    with open("/proc/%d/maps" % pid) as f:
        return any(("/%s." % name) in line for line in f)


def libcurl_mapped(pid):
    return library_mapped(pid, "libcurl")


def quit_app(app):
    """SIGTERM, as at logout: fixtray quits cleanly and exits 0 (a wx assertion on the way out
    would show its dialog and keep it from exiting)."""
    app.terminate()
    rc = wait_exit(app, STEP_TIMEOUT, "fixtray to exit on SIGTERM")
    check(rc == 0, "fixtray exited %s on SIGTERM, expected 0" % rc)


def case_xembed(binary, outdir, home):
    with X() as x:
        start_trayer(x, timeout=STEP_TIMEOUT)
        app = start_fixtray(x, binary, outdir, "xembed", app_env(x, home))
        wait_tray(app, "xembed")
        icon = guitest.wait_for_stable(
            lambda: [i for i in guitest.docked_icons(x) if i["mapped"] and "fixtray" in i["name"]],
            STEP_TIMEOUT, "fixtray's icon docked in trayer")[0]
        check(icon["y"] < 24 and 12 <= icon["width"] <= 32, "odd docked icon: %s" % icon)
        before = {w["id"] for w in guitest.popups(x)}
        guitest.right_click(x, *guitest.center(icon))
        menu = wait_for(lambda: [w for w in guitest.popups(x, min_size=60)
                                 if w["id"] not in before],
                        STEP_TIMEOUT, "the tray menu after a right click on the icon")[0]
        check(menu["height"] > 150, "the menu is too small to hold the fixes and entries: %s" % menu)
        # Point at the first category (the row below "Open fixtray" and a separator): its
        # submenu with the fixes opens, a second popup.
        guitest._xdotool(x, "mousemove", menu["x"] + menu["width"] // 2, menu["y"] + 46)
        sub = wait_for(lambda: [w for w in guitest.popups(x, min_size=30)
                                if w["id"] not in before and w["id"] != menu["id"]],
                       STEP_TIMEOUT, "the category's submenu after pointing at it")[0]
        time.sleep(0.5)  # a picture for the README: let GTK finish drawing both popups
        left = max(0, min(menu["x"], sub["x"]) - 20)
        right = min(1280, max(menu["x"] + menu["width"], sub["x"] + sub["width"]) + 20)
        bottom = max(menu["y"] + menu["height"], sub["y"] + sub["height"]) + 20
        guitest.screenshot(x, os.path.join(outdir, "menu.png"),
                           crop=(left, 0, right - left, bottom))
        guitest.key(x, "Escape")
        guitest.key(x, "Escape")
        wait_for(lambda: not [w for w in guitest.popups(x, min_size=60) if w["id"] == menu["id"]
                              and w.get("mapped", True)], STEP_TIMEOUT, "the menu to close")
        guitest.left_click(x, *guitest.center(icon))
        win = main_window(x)
        # Nothing was sent and no bundle made: libcurl and libarchive (with their dependencies
        # 6.5 MB of RSS) are not loaded.
        check(not libcurl_mapped(app.pid), "the idle tray has loaded libcurl")
        check(not library_mapped(app.pid, "libarchive"), "the idle tray has loaded libarchive")
        # Quit from the menu (its last entry, reached with Up from the keyboard): with no fix
        # running it asks nothing and exits 0 (a wx assertion on the way out, as when the
        # taskbar icon's own popup window was destroyed with the app's, would keep it open).
        before = {w["id"] for w in guitest.popups(x)}
        guitest.right_click(x, *guitest.center(icon))
        wait_for(lambda: [w for w in guitest.popups(x, min_size=60) if w["id"] not in before],
                 STEP_TIMEOUT, "the tray menu again")
        guitest.key(x, "Up")
        guitest.key(x, "Return")
        rc = wait_exit(app, STEP_TIMEOUT, "fixtray to exit after Quit in its menu")
        check(rc == 0, "fixtray exited %s after Quit in its menu, expected 0" % rc)
        return "icon %(width)dx%(height)d at %(x)d,%(y)d; " % icon + \
            "menu %dx%d; left click opened the window (%dx%d); Quit in the menu: exit 0" % (
                menu["width"], menu["height"], win["width"], win["height"])


def write_machine_config(home, config):
    path = os.path.join(home, "machine", "etc", "fixtray", "fixtray.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(config, f)


def sni_menu_labels(client, item):
    return [sni_watcher._strip_mnemonic(c.label)
            for c in client.menu_layout(item).children if c.visible and c.label]


def case_sni_menu_entries(binary, outdir, home, fixctl):
    """The help desk's policy and the outbox in the menu: with policy "off" there is no "Get
    help from IT..."; a request queued while the help desk cannot be reached shows as "1
    request waiting to be sent", and a second one queued by fixctl while the tray runs turns
    it into "2 requests" (the entry is updated in place, the menu is not exported again)."""
    token = os.path.join(home, "rt.token")
    with open(token, "w") as f:
        f.write("not-a-real-token\n")
    os.chmod(token, 0o600)
    # A ticket system that cannot be reached (nothing listens on port 9 of loopback).
    write_machine_config(home, {"escalation": {"policy": "ask", "backend": {
        "type": "rt", "url": "http://127.0.0.1:9/", "queue": "General", "token_file": token}}})
    with X() as x, session_bus(env=x.env) as addr:
        env = app_env(x, home, {"DBUS_SESSION_BUS_ADDRESS": addr})
        r = subprocess.run([fixctl, "escalate", "--yes", "-m", "my screen is dark"], env=env,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=300)
        check(r.returncode == 0, "fixctl escalate exited %d: %s" % (r.returncode, r.stdout))
        with sni_watcher.Watcher.start_thread(addr, timeout=STEP_TIMEOUT), \
                sni_watcher.SniClient(addr) as client:
            app = start_fixtray(x, binary, outdir, "sni-entries", env)
            wait_tray(app, "sni")
            item = client.wait_for_item(STEP_TIMEOUT, lambda i: i.endswith("/fixtray"))
            labels = wait_for(
                lambda: (lambda l: l if any("waiting to be sent" in e for e in l) else None)(
                    sni_menu_labels(client, item)),
                STEP_TIMEOUT, "the waiting request in the menu", ignore=MENU_REPLACED)
            waiting = [e for e in labels if "waiting to be sent" in e][0]
            check(waiting.startswith("1 request waiting to be sent"), "entry: %r" % waiting)
            check("Get help from IT..." in labels, "no Get help entry with policy ask: %s"
                  % labels)
            # The failed delivery attempt (fixctl's, recorded in the outbox): attention.
            props = wait_for(lambda: (lambda p: p if p["Status"] == "NeedsAttention" else None)(
                client.item_properties(item)), STEP_TIMEOUT,
                "the item to need attention after the failed delivery")
            # A second request queued by another program: the entry is updated in place.
            r = subprocess.run([fixctl, "escalate", "--yes", "-m", "still dark"], env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=300)
            check(r.returncode == 0, "fixctl escalate exited %d: %s" % (r.returncode, r.stdout))
            wait_for(lambda: (lambda l: l if any(e.startswith("2 requests waiting to be sent")
                                                 for e in l) else None)(
                sni_menu_labels(client, item)), STEP_TIMEOUT,
                "the menu entry to count 2 waiting requests", ignore=MENU_REPLACED)
            # "send now": the tray tries at once, through libcurl, which it loads for that (it
            # is not loaded before: fixctl made the earlier attempts).
            check(not libcurl_mapped(app.pid), "libcurl loaded before anything was sent")
            client.click(item, "2 requests waiting to be sent: send now")
            wait_for(lambda: libcurl_mapped(app.pid), STEP_TIMEOUT,
                     "libcurl to be loaded for the delivery attempt")
            wait_for(lambda: (lambda p: p if p["Status"] == "NeedsAttention" else None)(
                client.item_properties(item)), STEP_TIMEOUT,
                "the item to need attention after the failed attempt")
            quit_app(app)

        # Policy off: the entry is gone (and nothing else changes).
        write_machine_config(home, {"escalation": {"policy": "off"}})
        with sni_watcher.Watcher.start_thread(addr, timeout=STEP_TIMEOUT), \
                sni_watcher.SniClient(addr) as client:
            app = start_fixtray(x, binary, outdir, "sni-off", env)
            wait_tray(app, "sni")
            item = client.wait_for_item(STEP_TIMEOUT, lambda i: i.endswith("/fixtray"))
            labels = wait_for(lambda: (lambda l: l if "Check for new fixes" in l and
                                       any(c for c in l if c in ("Network", "Storage")) else None)(
                sni_menu_labels(client, item)), STEP_TIMEOUT, "the menu with the fixes",
                ignore=MENU_REPLACED)
            check("Get help from IT..." not in labels, "policy off still offers help: %s" % labels)
            quit_app(app)
    return "waiting entry %r; Status %s after the failed delivery; policy off: %s" % (
        waiting, props["Status"], labels)


class LayoutMonitor:
    """`gdbus monitor` on an SNI item's menu object: which submenus com.canonical.dbusmenu's
    LayoutUpdated(revision, parent) announced while it ran (what hosts refetch on)."""

    def __init__(self, address, item, client):
        name, _ = sni_watcher.split_item(item)
        menu_path = client.item_properties(item)["Menu"]
        self.lines = []
        self.proc = subprocess.Popen(
            ["gdbus", "monitor", "--address", address, "--dest", name, "--object-path",
             menu_path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        # Subscribed once it has printed who owns the name.
        first = self.proc.stdout.readline()
        check("Monitoring" in first or "owned" in first, "gdbus monitor said %r" % first)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    def updated(self, *parents):
        """The LayoutUpdated lines for any of ``parents`` (the submenu whose layout changed; 0,
        the root, tells hosts to read all of it again, which libdbusmenu sends)."""
        # "/org/ayatana/NotificationItem/fixtray/Menu: com.canonical.dbusmenu.LayoutUpdated
        # (uint32 7, 0)"
        return [ln for ln in self.lines if "LayoutUpdated" in ln and
                re.search(r", (%s)\)\s*$" % "|".join(str(p) for p in parents), ln)]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(10)
        self.reader.join(10)
        return False


def case_sni(binary, outdir, home, open_by="menu"):
    with X() as x, session_bus(env=x.env) as addr:
        env = app_env(x, home, {"DBUS_SESSION_BUS_ADDRESS": addr})
        with sni_watcher.Watcher.start_thread(addr, timeout=STEP_TIMEOUT), \
                sni_watcher.SniClient(addr) as client:
            app = start_fixtray(x, binary, outdir, "sni", env)
            wait_tray(app, "sni")
            item = client.wait_for_item(STEP_TIMEOUT, lambda i: i.endswith("/fixtray"))
            check(guitest.tray_owner(x) == 0 and guitest.docked_icons(x) == [],
                  "an XEmbed tray or icon exists in the SNI case")

            # The catalog loads on a worker: the categories come once it is there. They are
            # submenus that get their fixes only when a host opens them (AboutToShow), and
            # hosts are told with LayoutUpdated.
            def categories():
                tree = client.menu_layout(item)
                subs = {sni_watcher._strip_mnemonic(c.label): c for c in tree.children
                        if c.submenu}
                return subs if {"Network", "Printing"} <= set(subs) else None
            subs = wait_for(categories, STEP_TIMEOUT, "the categories in the SNI menu",
                            ignore=MENU_REPLACED)
            check(not [c for c in subs.values() if c.children],
                  "submenus with entries before a host opened them: %s"
                  % {k: [f.label for f in c.children] for k, c in subs.items()})
            with LayoutMonitor(addr, item, client) as monitor:
                network = wait_for(lambda: client.open_submenu(item, categories()["Network"].id),
                                   STEP_TIMEOUT, "the Network submenu to open",
                                   ignore=MENU_REPLACED + (TimeoutError, TypeError))
                wait_for(lambda: monitor.updated(network.id, 0), STEP_TIMEOUT,
                         "LayoutUpdated for the Network submenu (id %d; the monitor saw %r)"
                         % (network.id, monitor.lines[-6:]))
            check("Reset my network" in [sni_watcher._strip_mnemonic(f.label).rstrip(".")
                                         for f in network.children],
                  "the Network submenu has %s" % [f.label for f in network.children])

            def fixes_in_menu():
                tree = client.menu_layout(item, open_submenus=True)
                found = {}
                for c in tree.children:
                    for f in c.children:
                        found[sni_watcher._strip_mnemonic(f.label).rstrip(".")] = \
                            sni_watcher._strip_mnemonic(c.label)
                return found if BUILTIN_FIXES <= set(found) else None
            found = wait_for(fixes_in_menu, STEP_TIMEOUT, "the built-in fixes in the SNI menu",
                             ignore=MENU_REPLACED)
            check(found["Reset my network"] == "Network", "categories: %s" % found)
            check(found["Set up my printers again"] == "Printing", "categories: %s" % found)
            props = client.item_properties(item)
            check(props["Status"] == "Active", "Status is %r" % props["Status"])
            check(props["IconName"] == "fixtray-idle", "IconName is %r" % props["IconName"])
            check(props.get("AttentionIconName") == "fixtray-attention",
                  "AttentionIconName is %r" % props.get("AttentionIconName"))
            check(props["Title"].startswith("fixtray: ready"), "Title is %r" % props["Title"])
            check(os.path.isfile(os.path.join(props["IconThemePath"], "fixtray-idle.svg")),
                  "IconThemePath %r has no fixtray-idle.svg" % props["IconThemePath"])
            labels = [sni_watcher._strip_mnemonic(c.label)
                      for c in client.menu_layout(item).children if c.visible and c.label]
            for want in ("Open fixtray", "Get help from IT...", "Check for new fixes", "Quit"):
                check(want in labels, "%r not in the menu: %s" % (want, labels))
            check(not guitest.windows(x, "fixtray", top_level_only=True) or
                  not [w for w in guitest.windows(x, "fixtray", top_level_only=True)
                       if w["name"] == "fixtray" and w["mapped"] and w["width"] > 100],
                  "the main window is open before anything was clicked")
            if open_by == "menu":
                client.click(item, "Open fixtray")
            else:
                # What a host sends on a middle click: the item's secondary activation.
                name, path = sni_watcher.split_item(item)
                client._call(name, path, sni_watcher.ITEM_IFACE, "SecondaryActivate",
                             sni_watcher.dbus.Int32(0), sni_watcher.dbus.Int32(0),
                             signature="ii")
            win = main_window(x)
            quit_app(app)
            return "item %s: Status %s, IconName %s, Title %r; fixes %s; %s opened " \
                   "the window (%dx%d)" % (item, props["Status"], props["IconName"],
                                           props["Title"], sorted(found),
                                           "Open fixtray" if open_by == "menu"
                                           else "SecondaryActivate", win["width"],
                                           win["height"])


def case_none(binary, outdir, home):
    with X() as x, session_bus(env=x.env) as addr:
        env = app_env(x, home, {"DBUS_SESSION_BUS_ADDRESS": addr})
        app = start_fixtray(x, binary, outdir, "none", env)
        wait_tray(app, "none")
        win = main_window(x)
        quit_app(app)
        return "window opened by itself (%dx%d)" % (win["width"], win["height"])


def _sleeping(seconds):
    """Pids of the processes whose command line is exactly `sleep SECONDS`."""
    out = []
    for pid in guitest._all_pids():
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                if f.read() == b"sleep\0" + seconds.encode() + b"\0":
                    out.append(pid)
        except OSError:
            pass
    return out


def case_interrupted(binary, outdir, home, fixctl):
    packs = os.path.join(home, "packs")
    os.makedirs(packs)
    waiting = os.path.join(home, "waiting")
    away = str(400000 + os.getpid() % 100000)
    with open(os.path.join(packs, "p.xml"), "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<fixpack xmlns="urn:fixtray:fixpack:1" id="com.example.killed" version="1">\n'
                ' <fix id="killed" category="other" platforms="linux"><title>Killed</title>'
                '<description>d</description><steps><run timeout="120s"><arg>sh</arg>'
                '<arg>-c</arg><arg>setsid sleep %s &amp; touch %s; exec sleep 120</arg></run>'
                '</steps></fix>\n</fixpack>\n' % (away, waiting))
    audit = os.path.join(home, ".local", "state", "fixtray", "audit.jsonl")
    with X() as x, session_bus(env=x.env) as addr:
        env = app_env(x, home, {"DBUS_SESSION_BUS_ADDRESS": addr})
        app = start_fixtray(x, binary, outdir, "interrupted", env)
        wait_tray(app, "none")
        run = subprocess.Popen([fixctl, "--no-builtin", "--packs", packs, "run", "killed"],
                               env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        wait_for(lambda: os.path.exists(waiting) and _sleeping(away), STEP_TIMEOUT,
                 "the step to start its setsid sleep")
        run.kill()
        run.wait(STEP_TIMEOUT)
        check(not os.path.exists(audit), "the killed run was recorded by fixctl itself")
        t0 = time.monotonic()
        line = wait_for(lambda: (lambda t: t if '"interrupted"' in t else None)(
            open(audit).read() if os.path.exists(audit) else ""), STEP_TIMEOUT,
            "the tray to record the run as interrupted")
        wait_for(lambda: not _sleeping(away), STEP_TIMEOUT, "the setsid sleep to be ended")
        took = time.monotonic() - t0
        entry = json.loads(line.strip().splitlines()[-1])
        check(entry["outcome"] == "interrupted" and entry["fix_id"] == "killed",
              "audit line: %r" % entry)
        check(app.poll() is None, "fixtray exited")
        quit_app(app)
        return "recorded as interrupted and its setsid process ended %.1f s after the kill" % took


def case_single(binary, outdir, home):
    with X() as x:
        start_trayer(x, timeout=STEP_TIMEOUT)
        env = app_env(x, home)
        first = start_fixtray(x, binary, outdir, "single-1", env)
        wait_tray(first, "xembed")
        def window_open():
            return [w for w in guitest.windows(x, "fixtray", top_level_only=True)
                    if w["name"] == "fixtray" and w["mapped"] and w["width"] > 100]
        check(not window_open(), "the window is open before the second start")
        # The socket a second start talks to takes "show" and nothing else: another command,
        # a flood, or a client that sends nothing and never reads get no answer and no window,
        # and the tray goes on (the silent one is dropped after a few seconds).
        sock_path = os.path.join(env["XDG_RUNTIME_DIR"], "fixtray",
                                 "ipc" + env["DISPLAY"].replace(":", "_").replace("/", "_"))
        check(stat.S_ISSOCK(os.stat(sock_path).st_mode), "no socket at %s" % sock_path)
        silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        silent.connect(sock_path)
        for request in (b"run network.reset\n", b"show", b"showshowshowshowshow\n",
                        b"x" * 100000):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
                c.settimeout(STEP_TIMEOUT)
                c.connect(sock_path)
                try:
                    c.sendall(request)
                    c.shutdown(socket.SHUT_WR)
                    reply = c.recv(100)
                except (BrokenPipeError, ConnectionResetError):
                    reply = b""
                check(reply == b"", "%r got the answer %r" % (request[:30], reply))
        time.sleep(1)
        check(not window_open(), "a request other than show opened the window")
        check(first.poll() is None, "the tray exited after the hostile requests")
        second = start_fixtray(x, binary, outdir, "single-2", env, ["--show"])
        out, _ = second.communicate(timeout=STEP_TIMEOUT)
        check(second.returncode == 0, "the second start exited %s" % second.returncode)
        check(b"already running" in out, "the second start said %r" % out)
        win = main_window(x)
        check(first.poll() is None, "the first fixtray exited")
        silent.close()
        quit_app(first)
        check(not os.path.exists(sock_path), "the socket is left after quitting")
        return "second start: %r; the first one's window opened (%dx%d)" % (
            out.decode().strip(), win["width"], win["height"])


def case_sni_symbolic(binary, outdir, home):
    """The item names the symbolic icons under a high-contrast theme and on GNOME, and its
    IconThemePath holds them."""
    seen = []
    for tag, extra in (("hc", {"GTK_THEME": "HighContrast"}),
                       ("hc-inverse", {"GTK_THEME": "HighContrastInverse"}),
                       ("gnome", {"XDG_CURRENT_DESKTOP": "ubuntu:GNOME"})):
        with X() as x, session_bus(env=x.env) as addr:
            env = app_env(x, home, dict(extra, DBUS_SESSION_BUS_ADDRESS=addr))
            with sni_watcher.Watcher.start_thread(addr, timeout=STEP_TIMEOUT), \
                    sni_watcher.SniClient(addr) as client:
                app = start_fixtray(x, binary, outdir, "sni-symbolic-" + tag, env)
                wait_tray(app, "sni")
                item = client.wait_for_item(STEP_TIMEOUT, lambda i: i.endswith("/fixtray"))
                props = client.item_properties(item)
                check(props["IconName"] == "fixtray-idle-symbolic",
                      "%s: IconName is %r" % (extra, props["IconName"]))
                check(props.get("AttentionIconName") == "fixtray-attention-symbolic",
                      "%s: AttentionIconName is %r" % (extra, props.get("AttentionIconName")))
                for name in ("fixtray-idle-symbolic", "fixtray-working-symbolic",
                             "fixtray-attention-symbolic"):
                    check(os.path.isfile(os.path.join(props["IconThemePath"], name + ".svg")),
                          "IconThemePath %r has no %s.svg" % (props["IconThemePath"], name))
                quit_app(app)
                seen.append("%s=%s: %s" % (list(extra)[0], list(extra.values())[0],
                                           props["IconName"]))
    return "; ".join(seen)


# The panel colour a test publishes for the XEmbed case: a gold no icon of fixtray's has.
PANEL_FOREGROUND = (0xFF, 0xD7, 0x00)
PANEL_FOREGROUND_AFTER = (0x00, 0xE5, 0xFF)   # what the panel publishes later


def publish_tray_colors(x, foreground):
    """Set _NET_SYSTEM_TRAY_COLORS on the tray manager (trayer's selection owner), as Xfce's and
    MATE's panels do: foreground, error, warning, success, 16 bits per channel."""
    from Xlib import Xatom
    d = x.xdisplay()
    owner = d.create_resource_object("window", guitest.tray_owner(x))
    fg = [c * 257 for c in foreground]
    owner.change_property(d.intern_atom("_NET_SYSTEM_TRAY_COLORS"), Xatom.CARDINAL, 32,
                          fg + [0xCCCC, 0, 0, 0xF5F5, 0x7979, 0, 0x4E4E, 0x9A9A, 0x0606])
    d.sync()


def icon_pixels(x, icon):
    from Xlib import X as XC
    d = x.xdisplay()
    img = d.screen().root.get_image(icon["x"], icon["y"], icon["width"], icon["height"],
                                    XC.ZPixmap, 0xFFFFFFFF)
    data = img.data
    return [(data[i + 2], data[i + 1], data[i]) for i in range(0, len(data), 4)]


def off_segment(p, a, b):
    """How far colour p is from the blends of colours a and b (0 when it is one of them)."""
    ab = [bv - av for av, bv in zip(a, b)]
    ap = [pv - av for av, pv in zip(a, p)]
    n = sum(v * v for v in ab) or 1
    t = max(0.0, min(1.0, sum(u * v for u, v in zip(ab, ap)) / n))
    return sum((pv - (av + t * dv)) ** 2 for pv, av, dv in zip(p, a, ab)) ** 0.5


def case_xembed_colors(binary, outdir, home):
    """A panel that publishes its text colour gets the symbolic icon in exactly that colour:
    every pixel of the docked icon is the panel's background, its foreground or a blend."""
    with X() as x:
        start_trayer(x, timeout=STEP_TIMEOUT)
        publish_tray_colors(x, PANEL_FOREGROUND)
        app = start_fixtray(x, binary, outdir, "xembed-colors", app_env(x, home))
        wait_tray(app, "xembed")
        icon = guitest.wait_for_stable(
            lambda: [i for i in guitest.docked_icons(x) if i["mapped"] and "fixtray" in i["name"]],
            STEP_TIMEOUT, "fixtray's icon docked in trayer")[0]

        def drawn():
            px = icon_pixels(x, icon)
            return px if sum(1 for p in px if off_segment(p, px[0], PANEL_FOREGROUND) < 8 and
                             sum(abs(u - v) for u, v in zip(p, PANEL_FOREGROUND)) < 24) >= 20 \
                else None
        px = guitest.wait_for(drawn, STEP_TIMEOUT, "the icon drawn in the panel's foreground")
        background = px[0]   # the icon's corner: the shield leaves it to the panel
        stray = [p for p in px if off_segment(p, background, PANEL_FOREGROUND) > 24]
        guitest.screenshot(x, os.path.join(outdir, "tray-symbolic.png"),
                           crop=(icon["x"] - 8, icon["y"], icon["width"] + 16, icon["height"]))
        check(not stray, "%d of %d pixels of the icon are neither the panel's background "
              "#%02x%02x%02x nor its foreground nor a blend: %s" % (
                  len(stray), len(px), *background,
                  ["#%02x%02x%02x" % p for p in stray[:8]]))
        gold = sum(1 for p in px if sum(abs(u - v) for u, v in zip(p, PANEL_FOREGROUND)) < 24)
        # The panel switches theme while fixtray idles (no change of state): the icon follows.
        publish_tray_colors(x, PANEL_FOREGROUND_AFTER)

        def redrawn():
            px = icon_pixels(x, icon)
            return px if sum(1 for p in px if sum(abs(u - v) for u, v in
                                                  zip(p, PANEL_FOREGROUND_AFTER)) < 24) >= 20 \
                and not [p for p in px if off_segment(p, px[0], PANEL_FOREGROUND_AFTER) > 24] \
                else None
        guitest.wait_for(redrawn, STEP_TIMEOUT, "the icon redrawn in the panel's new foreground")
        quit_app(app)
        return "icon %dx%d: %d pixels in the panel's foreground #%02x%02x%02x, the rest " \
               "background #%02x%02x%02x or blends; redrawn in #%02x%02x%02x when the panel " \
               "published it" % (icon["width"], icon["height"], gold, *PANEL_FOREGROUND,
                                 *background, *PANEL_FOREGROUND_AFTER)


CASES = {"xembed": case_xembed, "sni": case_sni, "sni-symbolic": case_sni_symbolic,
         "xembed-colors": case_xembed_colors,
         "sni-middle": lambda b, o, h: case_sni(b, o, h, open_by="secondary"),
         "sni-entries": lambda b, o, h: case_sni_menu_entries(
             b, o, h, os.path.join(os.path.dirname(b), "..", "fixctl")),
         "none": case_none, "single": case_single,
         "interrupted": lambda b, o, h: case_interrupted(
             b, o, h, os.path.join(os.path.dirname(b), "..", "fixctl"))}


def main(argv):
    if len(argv) != 4 or argv[3] not in CASES:
        sys.stderr.write(__doc__)
        return 2
    binary, outdir, case = os.path.abspath(argv[1]), os.path.abspath(argv[2]), argv[3]
    os.makedirs(outdir, exist_ok=True)
    guitest.become_subreaper()
    guitest.cleanup_on_signals()
    token = "fixtray-tray-test-%s" % uuid.uuid4().hex[:12]
    os.environ[guitest.TOKEN_VAR] = (os.environ.get(guitest.TOKEN_VAR, "") + " " + token).strip()
    os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
    home = tempfile.mkdtemp(prefix="fixtray-gui-%s-" % case)
    t0 = time.monotonic()
    try:
        detail = CASES[case](binary, outdir, home)
        ok = True
    except Exception as e:  # noqa: BLE001 - every failure is reported the same way
        import traceback
        traceback.print_exc()
        detail, ok = "%s: %s" % (type(e).__name__, e), False
    left = []
    try:
        wait_for(lambda: not guitest.leftovers(token), 15, "no leftover processes")
    except Exception:  # noqa: BLE001
        left = guitest.leftovers(token)
    if left:
        ok = False
        detail += "; left running: %s" % left
    print("%s %s (%.1f s) %s" % ("PASS" if ok else "FAIL", case, time.monotonic() - t0, detail))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
