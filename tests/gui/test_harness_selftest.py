#!/usr/bin/python3
"""Self-test of the GUI harness (guitest.py, sni_watcher.py) against the reference tray app.

usage: /usr/bin/python3 tests/gui/test_harness_selftest.py MINIMAL_TRAY OUTDIR

MINIMAL_TRAY: the built tests/bench/minimal_tray.cpp (CMake target minimal_tray).
OUTDIR: where screenshots, app logs and icons go (created).

Cases:
  xembed      Xvfb + trayer: the app says "ready xembed", its icon docks in trayer, a right
              click opens its menu (a new override-redirect window), screenshots, Quit exits 0.
  sni-thread  Xvfb + private session bus + in-process watcher (started first): "ready sni", the
              watcher has the item, Status Active, icon name/theme path as given, the menu has
              "Quit", clicking it over dbusmenu makes the app exit 0, the item is dropped.
  sni-cli     the same through `sni_watcher.py --serve` / `--dump` / `--click Quit`.
  no-tray     Xvfb, a session bus without a watcher, no trayer: prints no-tray, exits 3.
  no-bus      Xvfb, no session bus at all, no trayer: exits 3 (and autolaunches nothing).
  leftovers   no process started by the cases is alive afterwards (token in their environment,
              and pgrep by name against a snapshot taken before).

Prints one PASS/FAIL line per case, the measured RSS and start-to-ready times, and a closing
"N passed, N failed" line. Exit status 0 only if every case passed.
"""

import json
import os
import subprocess
import sys
import time
import traceback
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True   # no __pycache__ in the source tree

import guitest  # noqa: E402
from guitest import X, session_bus, start_trayer, wait_for, wait_for_line, wait_exit  # noqa: E402
import sni_watcher  # noqa: E402

READY_TIMEOUT = 90.0     # start to "ready" on a loaded 2-core machine (measured: ~0.1-1 s)
STEP_TIMEOUT = 45.0      # any other single wait
PGREP_NAMES = ["Xvfb", "trayer", "dbus-daemon", "dbus-launch", "at-spi-bus-launcher",
               "at-spi2-registryd", "minimal_tray", "xdotool"]

measurements = []   # (mode, rss KiB, start-to-ready s, note)


class CaseFailed(Exception):
    pass


def check(cond, message):
    if not cond:
        raise CaseFailed(message)


def start_app(x, binary, outdir, tag, args=(), env=None):
    """Start minimal_tray with stdout piped (for its ready line) and stderr in a log file."""
    log = open(os.path.join(outdir, "%s.stderr.log" % tag), "wb")
    try:
        t0 = time.monotonic()
        app = x.spawn([binary, *args], env=env, stdout=subprocess.PIPE, stderr=log)
    finally:
        log.close()
    app.guitest_t0 = t0
    return app


def wait_ready(app, expected_kind):
    line, _ = wait_for_line(app, r"^(ready \w+|no-tray)$", READY_TIMEOUT,
                            "the app's 'ready' line")
    elapsed = time.monotonic() - app.guitest_t0
    check(line == "ready %s" % expected_kind,
          "expected 'ready %s', the app printed %r" % (expected_kind, line))
    return elapsed


def peak_rss(pid, seconds=1.0):
    """Largest VmRSS over a short window (a measurement, not a synchronisation)."""
    best, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        best = max(best, guitest.rss_kib(pid))
        time.sleep(0.1)
    return best


def image_stddev(path):
    r = subprocess.run(["identify", "-format", "%[fx:standard_deviation]", path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    return float(r.stdout.decode().strip() or 0)


# ---------------------------------------------------------------------------------------------


def case_xembed(binary, outdir):
    with X() as x:
        start_trayer(x, timeout=STEP_TIMEOUT)
        check(guitest.docked_icons(x) == [], "trayer has docked icons before the app started: %s"
              % guitest.docked_icons(x))
        app = start_app(x, binary, outdir, "xembed")
        ready_s = wait_ready(app, "xembed")
        icon = guitest.wait_for_stable(
            lambda: [i for i in guitest.docked_icons(x)
                     if i["mapped"] and "minimal_tray" in i["name"]],
            STEP_TIMEOUT, "minimal_tray's icon docked in trayer")[0]
        check(16 <= icon["width"] <= 32 and 16 <= icon["height"] <= 32,
              "docked icon has an odd size: %s" % icon)
        check(icon["y"] < 24, "docked icon is not in trayer's panel at the top: %s" % icon)
        rss = peak_rss(app.pid)
        measurements.append(("xembed", rss, ready_s, "icon docked at %(x)d,%(y)d %(width)dx"
                             "%(height)d" % icon))

        before = {w["id"] for w in guitest.popups(x)}
        guitest.screenshot(x, os.path.join(outdir, "xembed_docked.png"),
                           crop=(1280 - 200, 0, 200, 60))
        guitest.right_click(x, *guitest.center(icon))
        menu = wait_for(lambda: [w for w in guitest.popups(x, min_size=20)
                                 if w["id"] not in before],
                        STEP_TIMEOUT, "the tray menu (a new override-redirect window) after a "
                                      "right click on the icon")[0]
        shot = guitest.screenshot(x, os.path.join(outdir, "xembed_menu.png"))
        crop = guitest.screenshot(x, os.path.join(outdir, "xembed_menu_only.png"),
                                  window=menu["id"])
        check(image_stddev(crop) > 0.01,
              "the menu window's screenshot is a flat colour (nothing drawn): %s" % crop)

        # the menu's only entry is Quit: click it, the app must exit 0 and the icon go
        guitest.left_click(x, *guitest.center(menu))
        rc = wait_exit(app, STEP_TIMEOUT, "the app to exit after Quit in the XEmbed menu")
        check(rc == 0, "the app exited %s after Quit, expected 0" % rc)
        wait_for(lambda: not [i for i in guitest.docked_icons(x) if "minimal_tray" in i["name"]],
                 STEP_TIMEOUT, "the icon to leave the tray after Quit")
        return "docked %(width)dx%(height)d at %(x)d,%(y)d; " % icon + \
            "menu 0x%x %dx%d at %d,%d; screenshots %s, %s" % (
                menu["id"], menu["width"], menu["height"], menu["x"], menu["y"], shot, crop)


def make_icon_dir(outdir):
    """An icon theme dir holding 'minimal-tray-test' (for IconThemePath/IconName)."""
    d = os.path.join(outdir, "icons")
    apps = os.path.join(d, "hicolor", "22x22", "apps")
    os.makedirs(apps, exist_ok=True)
    png = os.path.join(apps, "minimal-tray-test.png")
    if not os.path.exists(png):
        subprocess.run(["convert", "-size", "22x22", "xc:#2e86c1", png], check=True,
                       timeout=60, stdin=subprocess.DEVNULL)
    return d, "minimal-tray-test"


def check_sni_item(client, item, icon_dir, icon_name):
    props = client.item_properties(item)
    check(props["Status"] == "Active", "item Status is %r, expected 'Active'" % props["Status"])
    check(props["Id"] == "minimal_tray", "item Id is %r" % props["Id"])
    check(props["IconName"] == icon_name, "item IconName is %r, expected %r"
          % (props["IconName"], icon_name))
    check(props["IconThemePath"] == icon_dir, "item IconThemePath is %r, expected %r"
          % (props["IconThemePath"], icon_dir))
    check(props["Menu"], "item has no Menu object path")
    tree = client.menu_layout(item)
    labels = [sni_watcher._strip_mnemonic(c.label) for c in tree.children if c.visible]
    check("Quit" in labels, "the menu has no visible 'Quit' entry: %s" % labels)
    quit_node = [c for c in tree.children if sni_watcher._strip_mnemonic(c.label) == "Quit"][0]
    check(quit_node.enabled, "'Quit' is disabled")
    return props, tree


def case_sni_thread(binary, outdir):
    icon_dir, icon_name = make_icon_dir(outdir)
    with X() as x, session_bus(env=x.env) as addr:
        env = dict(x.env, DBUS_SESSION_BUS_ADDRESS=addr)
        with sni_watcher.Watcher.start_thread(addr, timeout=STEP_TIMEOUT), \
                sni_watcher.SniClient(addr) as client:
            check(client.watcher_present(), "the watcher's name has no owner after start")
            app = start_app(x, binary, outdir, "sni-thread",
                            ["--icon-dir", icon_dir, "--icon-name", icon_name], env=env)
            ready_s = wait_ready(app, "sni")
            item = client.wait_for_item(STEP_TIMEOUT, lambda i: i.endswith("/minimal_tray"))
            props, tree = check_sni_item(client, item, icon_dir, icon_name)
            check(guitest.docked_icons(x) == [] and guitest.tray_owner(x) == 0,
                  "an XEmbed tray/icon exists in the SNI case")
            rss = peak_rss(app.pid)
            measurements.append(("sni", rss, ready_s, "in-process watcher"))
            nid = client.click(item, "Quit")
            rc = wait_exit(app, STEP_TIMEOUT, "the app to exit after clicking Quit over dbusmenu")
            check(rc == 0, "the app exited %s after Quit, expected 0" % rc)
            client.wait_for_no_item(item, STEP_TIMEOUT)
            return "item %s, Status %s, menu %s, clicked id %d, exit 0, item unregistered" % (
                item, props["Status"], json.dumps(sni_watcher.menu_to_dict(tree)["children"]),
                nid)


def case_sni_cli(binary, outdir):
    icon_dir, icon_name = make_icon_dir(outdir)
    cli = [sys.executable, os.path.join(HERE, "sni_watcher.py")]
    with X() as x, session_bus(env=x.env) as addr:
        env = dict(x.env, DBUS_SESSION_BUS_ADDRESS=addr)
        w = sni_watcher.Watcher.start_process(addr, timeout=STEP_TIMEOUT, env=env,
                                              popen=x.procs.start)
        try:
            app = start_app(x, binary, outdir, "sni-cli",
                            ["--icon-dir", icon_dir, "--icon-name", icon_name], env=env)
            ready_s = wait_ready(app, "sni")
            r = subprocess.run(cli + ["--dump", "--wait", str(STEP_TIMEOUT)], env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=STEP_TIMEOUT * 2)
            check(r.returncode == 0, "--dump exited %d: %s" % (r.returncode, r.stderr.decode()))
            dump = json.loads(r.stdout)
            with open(os.path.join(outdir, "sni_dump.json"), "w") as f:
                json.dump(dump, f, indent=2)
            check(len(dump["items"]) == 1, "--dump lists %d items" % len(dump["items"]))
            entry = dump["items"][0]
            check(entry["properties"]["Status"] == "Active", "--dump: Status %r"
                  % entry["properties"]["Status"])
            check([c["label"] for c in entry["menu"]["children"]] == ["Quit"],
                  "--dump: menu %s" % entry["menu"])
            measurements.append(("sni", peak_rss(app.pid), ready_s, "watcher subprocess"))
            r = subprocess.run(cli + ["--click", "Quit", "--wait", str(STEP_TIMEOUT)], env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=STEP_TIMEOUT * 2)
            check(r.returncode == 0, "--click Quit exited %d: %s"
                  % (r.returncode, r.stderr.decode()))
            rc = wait_exit(app, STEP_TIMEOUT, "the app to exit after `sni_watcher.py --click "
                                              "Quit`")
            check(rc == 0, "the app exited %s after --click Quit, expected 0" % rc)
            with sni_watcher.SniClient(addr) as client:
                wait_for(lambda: client.items() == [], STEP_TIMEOUT,
                         "the watcher subprocess to drop the item")
            return "--dump saw %s; --click said %r; exit 0" % (
                entry["item"], r.stdout.decode().strip())
        finally:
            w.stop()


def case_no_tray(binary, outdir, with_bus):
    def run(x, env):
        app = start_app(x, binary, outdir, "no-tray" if with_bus else "no-bus", env=env)
        line, _ = wait_for_line(app, r"^(ready \w+|no-tray)$", READY_TIMEOUT,
                                "the app's ready/no-tray line")
        check(line == "no-tray", "expected 'no-tray', the app printed %r" % line)
        rc = wait_exit(app, STEP_TIMEOUT, "the app to exit with no tray")
        check(rc == 3, "exit status %s with no tray, expected 3" % rc)
        return "printed no-tray, exit 3"

    with X() as x:
        check(guitest.tray_owner(x) == 0, "someone owns _NET_SYSTEM_TRAY_S0 on a fresh Xvfb")
        if not with_bus:
            return run(x, None) + " (DBUS_SESSION_BUS_ADDRESS=%s)" % guitest.NO_SESSION_BUS
        with session_bus(env=x.env) as addr:
            env = dict(x.env, DBUS_SESSION_BUS_ADDRESS=addr)
            with sni_watcher.SniClient(addr) as client:
                check(not client.watcher_present(), "a watcher exists on a fresh bus")
            return run(x, env)


# ---------------------------------------------------------------------------------------------


def pgrep_snapshot():
    """{pid: cmdline} of live processes whose name is one of PGREP_NAMES (pgrep -f)."""
    out = {}
    for name in PGREP_NAMES:
        r = subprocess.run(["pgrep", "-a", "-f", name], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, timeout=30)
        for line in r.stdout.decode(errors="replace").splitlines():
            pid, _, cmd = line.partition(" ")
            pid = int(pid)
            st = guitest._proc_stat(pid)
            if pid != os.getpid() and st and st[0] != "Z" and "pgrep" not in cmd:
                out[pid] = cmd
    return out


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    binary, outdir = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    if not os.access(binary, os.X_OK):
        print("not an executable: %s" % binary, file=sys.stderr)
        return 2
    os.makedirs(outdir, exist_ok=True)

    # Every process any case starts inherits this token: the leftover check looks for it.
    run_token = "guitest-selftest-%s" % uuid.uuid4().hex[:12]
    os.environ[guitest.TOKEN_VAR] = (os.environ.get(guitest.TOKEN_VAR, "") + " "
                                     + run_token).strip()
    os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
    guitest.become_subreaper()
    guitest.cleanup_on_signals()
    before = pgrep_snapshot()

    cases = [
        ("xembed", lambda: case_xembed(binary, outdir)),
        ("sni-thread", lambda: case_sni_thread(binary, outdir)),
        ("sni-cli", lambda: case_sni_cli(binary, outdir)),
        ("no-tray", lambda: case_no_tray(binary, outdir, with_bus=True)),
        ("no-bus", lambda: case_no_tray(binary, outdir, with_bus=False)),
    ]
    passed = failed = 0
    for name, fn in cases:
        t0 = time.monotonic()
        try:
            detail = fn()
            passed += 1
            print("PASS %-10s (%.1f s) %s" % (name, time.monotonic() - t0, detail), flush=True)
        except Exception as e:  # every failure is reported, the other cases still run
            failed += 1
            print("FAIL %-10s (%.1f s) %s: %s" % (name, time.monotonic() - t0,
                                                  type(e).__name__, e), flush=True)
            traceback.print_exc(file=sys.stderr)
            log = os.path.join(outdir, "%s.stderr.log" % name)
            if os.path.exists(log):
                with open(log, errors="replace") as f:
                    tail = f.read()[-1500:]
                if tail.strip():
                    print("     app stderr (%s):\n%s" % (log, tail), flush=True)

    # leftovers: nothing carrying the run token, nothing new by name
    try:
        wait_for(lambda: not guitest.leftovers(run_token), 15, "no leftover processes")
        after = pgrep_snapshot()
        new = {p: c for p, c in after.items() if p not in before}
        ours = [(p, c) for p, c in new.items() if guitest._environ_has(p, run_token)]
        check(not ours, "processes left running: %s" % ours)
        note = ""
        if new:
            note = " (new by name but not ours, someone else's: %s)" % new
        passed += 1
        print("PASS %-10s pgrep %s: nothing left%s" % ("leftovers", ",".join(PGREP_NAMES), note))
    except Exception as e:
        failed += 1
        print("FAIL %-10s %s; %s" % ("leftovers", e, guitest.leftovers(run_token)))
        for p, _ in guitest.leftovers(run_token):   # ours: end them so the machine stays clean
            try:
                os.kill(p, 9)
            except OSError:
                pass

    print("measurements (minimal_tray, HOME=%s, extra Xvfb args: %r):"
          % (os.environ.get("HOME"), os.environ.get("GUITEST_XVFB_ARGS", "")))
    for mode, rss, ready_s, note in measurements:
        print("  %-7s RSS %6.1f MB (%d KiB)  start-to-ready %4d ms  %s"
              % (mode, rss / 1024.0, rss, ready_s * 1000, note))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
